"""Search's golden set over the demo catalogue (local/seed.py), and its scores: for the test and the bench.

The catalogue is the seed's own artisans and listings, made through the services as
the seed makes them, with the processed photo recorded as the image processor would
(the pipeline is not what search is about). `tests/functional/search_golden.json`
holds the queries, each with the English titles of the listings it must find.
"""
from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .factories import image_record
from .stored import store_image_record

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "functional" / "search_golden.json"
CUTOFF = 5


def load_demo_catalogue() -> dict[str, str]:
    """The demo artisans (verified) and their listings (published); English title -> listing id."""
    from chalicelib.auth import Identity
    from chalicelib.catalog import listings
    from chalicelib.wiring import get_settings
    from local.seed import MAKERS, listing_create, verified_profile

    get_settings()
    ops = Identity(user_id=str(uuid.uuid4()), email=None, groups=frozenset({"ops"}))
    made: dict[str, str] = {}
    for number, (maker, items) in enumerate(MAKERS):
        identity = Identity(user_id=str(uuid.uuid4()), email=None, groups=frozenset({"artisans"}))
        verified_profile(identity, ops, maker, number)
        for item in items:
            rng = random.Random(f"{maker.display_name}/{item.title}")
            listing_id = listings.create_listing(identity=identity, listing=listing_create(maker, item, rng))[
                "listing_id"]
            store_image_record(listing_id, image_record(listing_id))
            listings.publish_listing(identity=identity, listing_id=listing_id)
            made[item.title] = listing_id
    return made


@dataclass(frozen=True)
class GoldenQuery:
    q: str
    kind: str
    expect: tuple[str, ...]  # English titles
    category: str | None = None
    province: str | None = None


def golden_queries() -> list[GoldenQuery]:
    raw: list[dict[str, Any]] = json.loads(GOLDEN.read_text(encoding="utf-8"))["queries"]
    return [GoldenQuery(q=entry["q"], kind=entry["kind"], expect=tuple(entry["expect"]),
                        category=entry.get("category"), province=entry.get("province")) for entry in raw]


@dataclass(frozen=True)
class Score:
    query: GoldenQuery
    found: tuple[str, ...]  # listing ids, best first
    recall: float  # of the expected, the share in the top CUTOFF (of at most CUTOFF expected)
    reciprocal_rank: float  # 1 / the rank of the first expected listing (0 if none is answered)


def score(query: GoldenQuery, found: Sequence[str], ids: dict[str, str]) -> Score:
    expected = {ids[title] for title in query.expect}
    top = set(found[:CUTOFF])
    recall = len(expected & top) / min(len(expected), CUTOFF)
    rank = next((i for i, listing_id in enumerate(found, 1) if listing_id in expected), None)
    return Score(query, tuple(found), recall, 1 / rank if rank else 0.0)


def evaluate(run: Callable[[GoldenQuery], list[str]], ids: dict[str, str]) -> list[Score]:
    """Each golden query through `run` (query -> listing ids, best first), scored."""
    return [score(query, run(query), ids) for query in golden_queries()]


def summary(scores: Sequence[Score]) -> dict[str, float]:
    return {"queries": len(scores), "recall_at_5": sum(s.recall for s in scores) / len(scores),
            "mrr": sum(s.reciprocal_rank for s in scores) / len(scores)}

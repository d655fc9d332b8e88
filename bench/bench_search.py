"""Search on DynamoDB: quality on the golden set, what a publish writes, what a query reads, latency at
300,000 listings, and what the index costs a month against a managed search service.

Run from the repository root: `.venv/bin/python bench/bench_search.py [--listings 300000]`.

Two parts, measured differently (and said so in the output):

1. The demo catalogue (local/seed.py, 44 listings) through the real Chalice app on moto
   in-process: every golden query (tests/functional/search_golden.json) is a `GET /search`,
   scored for recall@5 and MRR; the harness's request counter (botocore hooks) counts the
   DynamoDB requests and the items each reads, and what each publish writes to the index.
2. A generated catalogue of `--listings` listings (default 300,000: 50,000 artisans x 6). moto
   cannot hold it (its Query sorts the whole table in Python: ~0.1 s a Query at 11,000 index
   items), so the index is computed with the engine's own pure functions (terms.index_terms
   for every listing) into memory, keeping the items under the keys the benchmark's queries
   read (the newest 200 per key, as a Query with Limit 200 reads them). Each query then runs
   the engine's own parse, gathering and ranking in-process: p50/p95 are that CPU time,
   without DynamoDB's round trips (on AWS add about ceil(keys / 8) Query round trips, 8 run
   side by side, and one BatchGetItem: each single-digit milliseconds).
Costs use bench/cost_model.py's prices (ap-south-1) and the traffic stated below.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from collections import Counter, deque
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.cost_model import DAYS, PRICES, VISITS_PER_DAY, item_size  # noqa: E402
from harness.aws import mocked_aws  # noqa: E402
from harness.counter import Request, RequestCounter  # noqa: E402
from harness.search import GoldenQuery, evaluate, golden_queries, load_demo_catalogue, summary  # noqa: E402

PER_KEY = 200  # chalicelib/search/service.py PER_KEY
PAGE = 20
# Traffic: each visit searches once and the box asks for suggestions about 3 times on the way (debounced).
SEARCHES_PER_VISIT = 1
SUGGESTIONS_PER_SEARCH = 3
# Each listing enters, changes its text or leaves the catalog about once a month (publish, edit, moderation).
REINDEXES_PER_LISTING_MONTH = 1.0
DDB_OVERHEAD_BYTES = 100  # DynamoDB bills every stored item 100 bytes beyond its attributes
PITR_GB_MONTH = 0.228  # continuous backups, ap-south-1, USD per GB-month (assumed: 0.8 x table storage)
# Managed search, USD. OpenSearch Serverless: $0.24 per OCU-hour; since the half-OCU release the least a
# redundant collection runs is 0.5 OCU x 2 for indexing + 0.5 OCU x 2 for search = 2 OCUs, always on
# (https://aws.amazon.com/blogs/big-data/amazon-opensearch-serverless-cost-effective-search-capabilities-at-any-scale;
# https://aws.amazon.com/opensearch-service/pricing/), plus $0.024 per GB-month of managed storage.
# A provisioned OpenSearch Service domain: 2 x t3.small.search ($0.036/h, the smallest, not for production)
# or 2 x m6g.large.search ($0.128/h), each with a 10 GB gp3 volume ($0.122 per GB-month); us-east-1 list prices.
OCU_HOUR, SERVERLESS_MIN_OCUS, SERVERLESS_GB_MONTH = 0.24, 2, 0.024
HOURS = 730
DOMAINS = {"2 x t3.small.search": 2 * 0.036, "2 x m6g.large.search": 2 * 0.128}
EBS_GB_MONTH, EBS_GB = 0.122, 10


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


# --- 1. the demo catalogue through the app ---------------------------------------------------------


def _search_table(request: Request, table: str) -> bool:
    params = request.params
    return params.get("TableName") == table or table in params.get("RequestItems", {})


def demo(counter: RequestCounter) -> dict[str, Any]:
    from urllib.parse import urlencode

    from chalice.test import Client

    quiet = {"POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "ERROR"}
    with mocked_aws(quiet) as aws:
        from app import app

        table = aws.env["TABLE_SEARCH"]
        with counter.recording() as publishing:
            ids = load_demo_catalogue()
        writes = [r for r in publishing if _search_table(r, table) and r.operation in ("BatchWriteItem", "PutItem")]
        items_written = sum(len(r.params["RequestItems"][table]) if r.operation == "BatchWriteItem" else 1
                            for r in writes)
        per_query: list[tuple[int, int]] = []
        seconds: list[float] = []
        with Client(app) as client:
            def run(query: GoldenQuery) -> list[str]:
                params = {"q": query.q, "limit": 10, "category": query.category, "province": query.province}
                path = "/search?" + urlencode({k: v for k, v in params.items() if v is not None})
                started = time.perf_counter()
                with counter.recording() as requests:
                    response = client.http.get(path)
                seconds.append(time.perf_counter() - started)
                per_query.append((len(requests), sum(r.items_read for r in requests)))
                assert response.status_code == 200, response.body
                return [item["listing_id"] for item in json.loads(response.body)["items"]]

            scores = evaluate(run, ids)
    by_kind: dict[str, list[float]] = {}
    for score in scores:
        by_kind.setdefault(score.query.kind, []).append(score.recall)
    return {"summary": summary(scores), "by_kind": {k: sum(v) / len(v) for k, v in by_kind.items()},
            "publishes": len(ids), "items_written": items_written, "requests": [r for r, _ in per_query],
            "items_read": [i for _, i in per_query], "seconds": seconds,
            "missed": [(s.query.q, round(s.recall, 2)) for s in scores if s.recall < 1]}


# --- 2. a generated catalogue, in memory -------------------------------------------------------------

SYLLABLES = ("ka", "ri", "ma", "sha", "la", "na", "dar", "gul", "zar", "ba", "ta", "pa", "ja", "ha", "sa",
             "ko", "mu", "di", "ra", "ni", "wa", "qa", "fi", "be", "to", "cha", "khu", "li", "ye", "an")
URDU = "ابپتٹجچحخدڈرڑزسشصطعغفقکگلمنوہی"


def vocabulary(rng: random.Random) -> tuple[list[str], list[str]]:
    """Demo words first (so the golden queries have realistic neighbours), then generated ones."""
    from chalicelib.search.normalise import words
    from local.seed import MAKERS

    english: dict[str, None] = {}
    urdu: dict[str, None] = {}
    for maker, items in MAKERS:
        for text in (maker.bio, maker.display_name, *(item.title for item in items)):
            english.update(dict.fromkeys(words(text)))
        for text in (maker.bio_ur, *(item.title_ur for item in items)):
            urdu.update(dict.fromkeys(words(text)))
    while len(english) < 20_000:
        english["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))] = None
    while len(urdu) < 12_000:
        urdu["".join(rng.choice(URDU) for _ in range(rng.randint(3, 7)))] = None
    return list(english), list(urdu)


class Zipf:
    """Words drawn with Zipf-like frequencies: a few very common, most rare (as in real titles)."""

    def __init__(self, words: list[str], rng: random.Random) -> None:
        self.words, self.rng = words, rng
        self.weights = [1 / (rank + 1) for rank in range(len(words))]
        self.cumulative = list(_accumulate(self.weights))

    def pick(self, count: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=count)


def _accumulate(values: list[float]) -> list[float]:
    total, out = 0.0, []
    for value in values:
        total += value
        out.append(total)
    return out


def bench_queries(english: Zipf, urdu: Zipf, rng: random.Random) -> list[str]:
    """The golden queries, and 200 more from the catalogue's own words: some with a typo, some cut short."""
    texts = [query.q for query in golden_queries()]
    for n in range(200):
        words = (english if n % 3 else urdu).pick(rng.randint(1, 3))
        last = words[-1]
        if n % 5 == 1 and len(last) >= 5:
            i = rng.randrange(len(last))
            words[-1] = last[:i] + last[i + 1:]  # a letter dropped
        elif n % 5 == 2 and len(last) > 3:
            words[-1] = last[:rng.randint(2, len(last) - 1)]  # still typing
        texts.append(" ".join(words))
    return texts


@lru_cache(maxsize=1024)
def _terms_of(text: str) -> dict[str, tuple[str, ...]]:
    from chalicelib.search import terms

    return terms.index_terms([text])


def _merged(texts: list[str]) -> dict[str, tuple[str, ...]]:
    """terms.index_terms(texts), text by text: the same keys and words (a key's words are the union over the
    texts), but an artisan's bio, name and the category's names are computed once, not for each listing."""
    merged: dict[str, set[str]] = {}
    for text in texts:
        for key, found in _terms_of(text).items():
            merged.setdefault(key, set()).update(found)
    return {key: tuple(sorted(found)) for key, found in merged.items()}


def generated(count: int) -> dict[str, Any]:
    from chalicelib.catalog.categories import CATEGORIES, PROVINCES
    from chalicelib.search import ranking, terms
    from chalicelib.store.records import IndexHit

    rng = random.Random(20261128)
    english_words, urdu_words = vocabulary(rng)
    english, urdu = Zipf(english_words, rng), Zipf(urdu_words, rng)
    texts = bench_queries(english, urdu, rng)
    parsed = [terms.parse_query(text) for text in texts]
    wanted = {key for query in parsed for key in query.keys}
    newest: dict[str, deque[IndexHit]] = {key: deque(maxlen=PER_KEY) for key in wanted}
    lengths: Counter[str] = Counter()
    keys_per_listing: list[int] = []
    sizes: list[int] = []
    artisans = max(1, count // 6)
    bios = [" ".join(english.pick(rng.randint(12, 24))) for _ in range(min(artisans, 5000))]
    names = [" ".join(english.pick(2)).title() for _ in range(min(artisans, 5000))]
    started = time.perf_counter()
    for number in range(count):
        artisan = number // 6 % artisans  # an artisan's six listings one after another
        category = CATEGORIES[artisan % len(CATEGORIES)]
        name = names[artisan % len(names)]
        listing_texts = [" ".join(english.pick(rng.randint(3, 6))), " ".join(urdu.pick(rng.randint(2, 5))),
                         f"Made by hand by {name}. {bios[artisan % len(bios)]}",
                         " ".join(urdu.pick(rng.randint(8, 16))), category["name"], category["name_ur"], name]
        listing_id = f"L{number:015d}"
        created_at = f"2026-01-01T{number // 3600 % 24:02d}:{number // 60 % 60:02d}:{number % 60:02d}.{number:06d}Z"
        province = PROVINCES[artisan % len(PROVINCES)]
        index = _merged(listing_texts)
        keys_per_listing.append(len(index))
        for key, found in index.items():
            if len(sizes) < 5000:
                sizes.append(item_size({"term": {"S": key}, "entry": {"S": f"{created_at}#{listing_id}"},
                                        "words": {"S": " ".join(found)}, "category": {"S": category["slug"]},
                                        "province": {"S": province}}))
            if key in wanted:
                lengths[key] += 1
                newest[key].append(IndexHit(listing_id, found, created_at, category["slug"], province))
    build_seconds = time.perf_counter() - started

    def read(key: str) -> list[IndexHit]:
        return list(reversed(newest[key]))  # newest first, at most PER_KEY: what the Query returns

    seconds, reads, requests, units = [], [], [], []
    mean_item = statistics.mean(sizes)
    for query in parsed:
        started = time.perf_counter()
        hits = [hit for key in query.keys for hit in read(key)]
        page = ranking.rank(query, hits)[:PAGE]
        seconds.append(time.perf_counter() - started)
        read_counts = [min(lengths[key], PER_KEY) for key in query.keys]
        reads.append(sum(read_counts) + len(page))
        requests.append(len(query.keys) + (1 if page else 0))
        # Eventually consistent Query: 0.5 RRU per 4 KB read (at least one unit); BatchGetItem: 0.5 per listing.
        units.append(sum(max(1, math.ceil(n * mean_item / 4096)) * 0.5 for n in read_counts)
                     + 0.5 * len(page))
    return {"listings": count, "build_seconds": build_seconds, "keys_per_listing": keys_per_listing,
            "mean_item_bytes": mean_item, "seconds": seconds, "reads": reads, "requests": requests, "units": units,
            "queries": len(parsed)}


# --- the report ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listings", type=int, default=300_000)
    args = parser.parse_args()

    counter = RequestCounter("dynamodb")
    with counter:
        shown = demo(counter)
    result = shown["summary"]
    print(f"Golden set ({result['queries']} queries over the demo catalogue, through GET /search on moto):")
    print(f"  recall@5 {result['recall_at_5']:.3f}   MRR {result['mrr']:.3f}")
    print("  recall@5 by kind: " + ", ".join(f"{kind} {value:.2f}" for kind, value in sorted(shown["by_kind"].items())))
    if shown["missed"]:
        print(f"  below full recall: {shown['missed']}")
    print(f"  items written per publish (index items + manifest writes): "
          f"{shown['items_written'] / shown['publishes']:.0f} on average over {shown['publishes']} publishes")
    print(f"  per query: DynamoDB requests mean {statistics.mean(shown['requests']):.1f}, "
          f"max {max(shown['requests'])}; items read mean {statistics.mean(shown['items_read']):.0f}, "
          f"max {max(shown['items_read'])}")
    print(f"  in-process on moto (moto's Query is O(table)): p50 {percentile(shown['seconds'], .5) * 1000:.0f} ms, "
          f"p95 {percentile(shown['seconds'], .95) * 1000:.0f} ms")

    big = generated(args.listings)
    keys = big["keys_per_listing"]
    print(f"\nGenerated catalogue: {big['listings']:,} listings ({big['listings'] // 6:,} artisans), index computed "
          f"in memory with the engine's functions in {big['build_seconds']:.0f} s")
    print(f"  index items per publish: mean {statistics.mean(keys):.0f}, p95 {percentile(keys, .95):.0f}, "
          f"max {max(keys)} (+1 or 2 manifest writes); mean item {big['mean_item_bytes']:.0f} bytes")
    print(f"  per query ({big['queries']} queries: the golden ones and 200 drawn from the catalogue's words): "
          f"requests mean {statistics.mean(big['requests']):.1f}, p95 {percentile(big['requests'], .95):.0f}; "
          f"items read mean {statistics.mean(big['reads']):.0f}, p95 {percentile(big['reads'], .95):.0f}; "
          f"read units mean {statistics.mean(big['units']):.1f}")
    print(f"  in-process (parse, gather, rank; no network): p50 {percentile(big['seconds'], .5) * 1000:.1f} ms, "
          f"p95 {percentile(big['seconds'], .95) * 1000:.1f} ms")

    items = big["listings"] * statistics.mean(keys)
    gigabytes = items * (big["mean_item_bytes"] + DDB_OVERHEAD_BYTES) / 1e9
    storage = gigabytes * (PRICES["ddb_gb_month"] + PITR_GB_MONTH)
    writes = big["listings"] * REINDEXES_PER_LISTING_MONTH * (statistics.mean(keys) + 2) * PRICES["ddb_wru"]
    queries = VISITS_PER_DAY * DAYS * SEARCHES_PER_VISIT * (1 + SUGGESTIONS_PER_SEARCH)
    reads = queries * statistics.mean(big["units"]) * PRICES["ddb_rru"]
    total = storage + writes + reads
    print(f"\nMonthly cost of the DynamoDB index at {big['listings']:,} listings (ap-south-1 on-demand):")
    print(f"  storage {items / 1e6:.0f} M items, {gigabytes:.1f} GB, with PITR: ${storage:,.2f}")
    print(f"  writes: every listing re-indexed {REINDEXES_PER_LISTING_MONTH:g}x a month: ${writes:,.2f}")
    print(f"  reads: {queries / 1e6:.0f} M queries ({VISITS_PER_DAY:,} visits a day, {SEARCHES_PER_VISIT} search "
          f"+ {SUGGESTIONS_PER_SEARCH} suggestion calls each): ${reads:,.2f}")
    print(f"  total ${total:,.2f} a month (Lambda time for the ranking comes on top: "
          f"~{percentile(big['seconds'], .5) * 1000:.0f} ms of the API function per query)")
    serverless = SERVERLESS_MIN_OCUS * OCU_HOUR * HOURS + gigabytes * SERVERLESS_GB_MONTH
    print("Managed search for the same catalogue (its compute floor; traffic this size fits in it):")
    print(f"  OpenSearch Serverless, {SERVERLESS_MIN_OCUS} OCUs at ${OCU_HOUR}/OCU-hour: ${serverless:,.2f}")
    for name, hourly in DOMAINS.items():
        domain = hourly * HOURS + 2 * EBS_GB * EBS_GB_MONTH
        print(f"  OpenSearch Service, {name} + {EBS_GB} GB gp3 each: ${domain:,.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Search's golden set (tests/functional/search_golden.json, over the demo catalogue): recall@5 at least 0.9.

Every query goes through `GET /search` of the real app on moto in-process, on the
catalogue the seed builds; the scores are the ones bench/bench_search.py reports.
"""
from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlencode

from harness.aws import Aws
from harness.http import body_of
from harness.search import GoldenQuery, evaluate, golden_queries, load_demo_catalogue, summary

RECALL_FLOOR = 0.9


def test_the_golden_set_covers_every_kind_of_query_with_sixty_or_more() -> None:
    kinds = Counter(query.kind for query in golden_queries())
    assert sum(kinds.values()) >= 60
    assert {"urdu", "urdu-arabic-forms", "romanised", "typo", "prefix", "mixed"} <= set(kinds)


def test_recall_at_5_on_the_golden_set_is_at_least_the_floor(client: Any, aws: Aws) -> None:
    ids = load_demo_catalogue()

    def run(query: GoldenQuery) -> list[str]:
        params = {"q": query.q, "limit": 10, "category": query.category, "province": query.province}
        response = client.http.get("/search?" + urlencode({k: v for k, v in params.items() if v is not None}))
        assert response.status_code == 200, response.body
        return [item["listing_id"] for item in body_of(response)["items"]]

    scores = evaluate(run, ids)
    result = summary(scores)
    missed = [(s.query.q, round(s.recall, 2)) for s in scores if s.recall < 1]
    print(f"golden set: {result}; below full recall: {missed}")
    assert result["recall_at_5"] >= RECALL_FLOOR, missed
    assert result["mrr"] >= 0.8, missed

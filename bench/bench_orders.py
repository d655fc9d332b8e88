"""Orders: DynamoDB requests per placement and per payment callback, and placements per second.

The targets (ARCHITECTURE.md "Data"): placing an order is one read batch of the
listings plus one TransactWriteItems; a payment callback is one transaction.
Each DynamoDB request the app makes is recorded by the harness's request
counter (botocore hooks that every client carries: pynamodb's per-thread and
transaction connections as well as boto3's), which also adds up their time.
The operation names are printed as they happened, reads that exceed the target
included (a callback must read the order to compare the amount it was paid).

Throughput drives the real Chalice app (chalice.test.Client, token verified on
every request) on moto's in-process AWS, and compares it with plain `put_item`
calls of the same number of items in the same run, so the ratio says what the
app costs on top of the storage it writes, on this machine.

Run from the repository root: `.venv/bin/python bench/bench_orders.py [N]` (N >= 200, default 200).
Exits 1 when the PKR placement misses its target.
"""
from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from harness.aws import Aws, User, mocked_aws
from harness.counter import RequestCounter
from harness.environment import REGION
from harness.factories import make_listing, make_order, make_profile, store_ready_image
from harness.gateways import card_success, jazzcash_return, post_card, post_jazzcash
from harness.http import body_of, call

ORDERS = 200
ARTISANS = 4
LISTINGS_PER_ARTISAN = 3
ORDER_TARGET = ["BatchGetItem", "TransactWriteItems"]
CALLBACK_TARGET = ["TransactWriteItems"]


def _post(client: Any, path: str, user: User, body: Any, headers: dict[str, str] | None = None) -> Any:
    return _ok(call(client, "POST", path, user, body, headers), f"POST {path}")


def _ok(response: Any, request: str) -> Any:
    """The JSON body of a 200 or 201 answer; any other ends the run."""
    if response.status_code not in (200, 201):
        raise SystemExit(f"{request} answered {response.status_code}: {response.body!r}")
    return body_of(response)


def _order_body(listing_ids: list[str], **overrides: Any) -> dict[str, Any]:
    return make_order(*((listing_id, 1) for listing_id in listing_ids), **overrides)


def _place(client: Any, buyer: User, body: dict[str, Any]) -> dict[str, Any]:
    return dict(_post(client, "/orders", buyer, body, {"Idempotency-Key": uuid.uuid4().hex}))


def _catalogue(client: Any, aws: Aws) -> list[str]:
    """ARTISANS verified artisans with LISTINGS_PER_ARTISAN active listings each, stock for every order."""
    ops = aws.user("ops")
    listing_ids = []
    for index in range(ARTISANS):
        artisan = aws.user("artisans")
        profile = make_profile(cnic=f"35202-{5550000 + index:07d}-1")
        _ok(call(client, "PUT", "/artisans/me", artisan, profile), "PUT /artisans/me")
        _post(client, f"/ops/artisans/{artisan.sub}/verification", ops, {"decision": "verified"})
        for _ in range(LISTINGS_PER_ARTISAN):
            listing = _post(client, "/listings", artisan, make_listing(stock=100_000))
            store_ready_image(listing["listing_id"])
            _post(client, f"/listings/{listing['listing_id']}/publish", artisan, None)
            listing_ids.append(listing["listing_id"])
    return listing_ids


def _measured(counter: RequestCounter, action: Any) -> tuple[Any, list[str]]:
    """What `action` returned, and the DynamoDB operations it made, in order."""
    with counter.recording() as requests:
        result = action()
    return result, [request.operation for request in requests]


def _verdict(operations: list[str], target: list[str]) -> str:
    return "meets the target" if operations == target else f"target {' + '.join(target)}"


def request_counts(client: Any, aws: Aws, calls: RequestCounter, listing_ids: list[str]) -> bool:
    """Print the DynamoDB requests of each measured call; True if the PKR placement meets its target."""
    buyer = aws.user()
    two_artisans = [listing_ids[0], listing_ids[LISTINGS_PER_ARTISAN]]
    rows: list[tuple[str, list[str], list[str] | None]] = []
    pkr, operations = _measured(calls, lambda: _place(client, buyer, _order_body(two_artisans)))
    rows.append(("place order, PKR, 2 lines", operations, ORDER_TARGET))
    pkr_ok = operations == ORDER_TARGET
    usd, operations = _measured(calls, lambda: _place(client, buyer, _order_body(
        two_artisans, currency="USD", payment_method="card")))
    rows.append(("place order, USD, 2 lines", operations, ORDER_TARGET))
    body = _order_body(two_artisans)

    def place_with_one_key() -> Any:
        return _post(client, "/orders", buyer, body, {"Idempotency-Key": "replayed"})

    place_with_one_key()
    _, operations = _measured(calls, place_with_one_key)
    rows.append(("idempotent replay", operations, None))
    form = _post(client, f"/orders/{pkr['order_id']}/payment", buyer, None)["form_fields"]
    callback = jazzcash_return(form, salt=aws.env["JAZZCASH_INTEGRITY_SALT"])
    _, operations = _measured(calls, lambda: post_jazzcash(client, callback))
    rows.append(("JazzCash callback, success", operations, CALLBACK_TARGET))
    _, operations = _measured(calls, lambda: post_jazzcash(client, callback))
    rows.append(("JazzCash callback, duplicate", operations, None))
    event = card_success(usd)
    _, operations = _measured(calls, lambda: post_card(client, event, secret=aws.env["CARD_WEBHOOK_SECRET"]))
    rows.append(("card webhook, success", operations, CALLBACK_TARGET))
    print("DynamoDB requests per call")
    for name, operations, target in rows:
        note = _verdict(operations, target) if target else ""
        print(f"  {name:<30} {len(operations)}: {', '.join(operations):<48} {note}")
    return pkr_ok


def throughput(client: Any, aws: Aws, calls: RequestCounter, listing_ids: list[str], count: int) -> None:
    """Orders per second through the app vs plain put_item of as many items, in the same run."""
    import boto3

    buyers = [aws.user() for _ in range(4)]
    bodies = [_order_body([listing_ids[i % len(listing_ids)], listing_ids[(i + 5) % len(listing_ids)]])
              for i in range(count)]
    calls.seconds = 0.0
    start = time.perf_counter()
    for index, body in enumerate(bodies):
        _place(client, buyers[index % len(buyers)], body)
    app_seconds = time.perf_counter() - start
    in_dynamodb = calls.seconds

    dynamodb = boto3.client("dynamodb", region_name=REGION)
    table = aws.env["TABLE_IDEMPOTENCY"]
    start = time.perf_counter()
    for index in range(count):
        dynamodb.put_item(TableName=table, Item={"idempotency_key": {"S": f"bench#{index}"},
                                                 "request_hash": {"S": "x"}, "order_id": {"S": f"O{index}"},
                                                 "expires_at_epoch": {"N": "0"}})
    put_seconds = time.perf_counter() - start
    print(f"\nThroughput, {count} orders of 2 lines across {len(listing_ids)} listings of {ARTISANS} artisans")
    app_ms, dynamo_ms, put_ms = (seconds * 1000 / count for seconds in (app_seconds, in_dynamodb, put_seconds))
    print(f"  POST /orders through the app   {count / app_seconds:8.1f} orders/s  ({app_ms:.2f} ms each)")
    print(f"    of which inside DynamoDB calls {dynamo_ms:8.2f} ms each ({in_dynamodb / app_seconds:.0%})")
    print(f"  plain put_item                 {count / put_seconds:8.1f} items/s   ({put_ms:.2f} ms each)")
    print(f"  ratio app/put_item time        {app_seconds / put_seconds:8.1f}x")


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else ORDERS
    if count < ORDERS:
        raise SystemExit(f"N must be at least {ORDERS}")
    from chalice.test import Client

    calls = RequestCounter("dynamodb")
    with calls, mocked_aws({"POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "ERROR"}) as aws:
        from app import app

        with Client(app) as client:
            listing_ids = _catalogue(client, aws)
            ok = request_counts(client, aws, calls, listing_ids)
            throughput(client, aws, calls, listing_ids, count)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

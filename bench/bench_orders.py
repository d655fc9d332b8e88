"""Orders: DynamoDB requests per placement and per payment callback, and placements per second.

The targets (ARCHITECTURE.md "Data"): placing an order is one read batch of the
listings plus one TransactWriteItems; a payment callback is one transaction.
Each DynamoDB request the app makes is recorded by a botocore `before-call`
hook added to BUILTIN_HANDLERS, which every botocore session registers, so it
sees pynamodb's per-thread and transaction connections as well as boto3's.
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

import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ORDERS = 200
ARTISANS = 4
LISTINGS_PER_ARTISAN = 3
ORDER_TARGET = ["BatchGetItem", "TransactWriteItems"]
CALLBACK_TARGET = ["TransactWriteItems"]


class DynamoCalls:
    """Records the name of every DynamoDB request while `recording` is a list, and the time spent in them.

    The time tells the storage's share of a placement apart from the app's: on
    moto, TransactWriteItems deep-copies the tables it touches, so it grows with them.
    """

    def __init__(self) -> None:
        self.recording: list[str] | None = None
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, *, model: Any, **_: Any) -> None:
        self._started = time.perf_counter()
        if self.recording is not None:
            self.recording.append(model.name)

    def finished(self, **_: Any) -> None:
        self.seconds += time.perf_counter() - self._started


def _post(client: Any, path: str, user: Any, body: Any, headers: dict[str, str] | None = None) -> Any:
    response = client.http.post(path, body=json.dumps(body),
                                headers={"Content-Type": "application/json", **user.auth, **(headers or {})})
    if response.status_code not in (200, 201):
        raise SystemExit(f"POST {path} answered {response.status_code}: {response.body!r}")
    return json.loads(response.body)


def _order_body(listing_ids: list[str], **overrides: Any) -> dict[str, Any]:
    from tests.functional.order_helpers import make_order

    return make_order(*((listing_id, 1) for listing_id in listing_ids), **overrides)


def _place(client: Any, buyer: Any, body: dict[str, Any]) -> dict[str, Any]:
    return dict(_post(client, "/orders", buyer, body, {"Idempotency-Key": uuid.uuid4().hex}))


def _catalogue(client: Any, aws: Any) -> list[str]:
    """ARTISANS verified artisans with LISTINGS_PER_ARTISAN active listings each, stock for every order."""
    from tests.functional.helpers import make_listing, make_profile
    from tests.functional.order_helpers import store_ready_image

    ops = aws.user("ops")
    listing_ids = []
    for index in range(ARTISANS):
        artisan = aws.user("artisans")
        _post_put(client, "/artisans/me", artisan, make_profile(cnic=f"35202-{5550000 + index:07d}-1"))
        _post(client, f"/ops/artisans/{artisan.sub}/verification", ops, {"decision": "verified"})
        for _ in range(LISTINGS_PER_ARTISAN):
            listing = _post(client, "/listings", artisan, make_listing(stock=100_000))
            store_ready_image(listing["listing_id"])
            _post(client, f"/listings/{listing['listing_id']}/publish", artisan, None)
            listing_ids.append(listing["listing_id"])
    return listing_ids


def _post_put(client: Any, path: str, user: Any, body: Any) -> None:
    response = client.http.put(path, body=json.dumps(body), headers={"Content-Type": "application/json", **user.auth})
    if response.status_code not in (200, 201):
        raise SystemExit(f"PUT {path} answered {response.status_code}: {response.body!r}")


def _measured(calls: DynamoCalls, action: Any) -> tuple[Any, list[str]]:
    calls.recording = recorded = []
    try:
        return action(), recorded
    finally:
        calls.recording = None


def _verdict(operations: list[str], target: list[str]) -> str:
    return "meets the target" if operations == target else f"target {' + '.join(target)}"


def request_counts(client: Any, aws: Any, calls: DynamoCalls, listing_ids: list[str]) -> bool:
    """Print the DynamoDB requests of each measured call; True if the PKR placement meets its target."""
    from tests.conftest import BASE_ENV
    from tests.functional.order_helpers import card_success, jazzcash_return, post_card, post_jazzcash

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
    callback = jazzcash_return(form, salt=BASE_ENV["JAZZCASH_INTEGRITY_SALT"])
    _, operations = _measured(calls, lambda: post_jazzcash(client, callback))
    rows.append(("JazzCash callback, success", operations, CALLBACK_TARGET))
    _, operations = _measured(calls, lambda: post_jazzcash(client, callback))
    rows.append(("JazzCash callback, duplicate", operations, None))
    event = card_success(usd)
    _, operations = _measured(calls, lambda: post_card(client, event, secret=BASE_ENV["CARD_WEBHOOK_SECRET"]))
    rows.append(("card webhook, success", operations, CALLBACK_TARGET))
    print("DynamoDB requests per call")
    for name, operations, target in rows:
        note = _verdict(operations, target) if target else ""
        print(f"  {name:<30} {len(operations)}: {', '.join(operations):<48} {note}")
    return pkr_ok


def throughput(client: Any, aws: Any, calls: DynamoCalls, listing_ids: list[str], count: int) -> None:
    """Orders per second through the app vs plain put_item of as many items, in the same run."""
    import boto3

    from tests.conftest import REGION

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
    from botocore.handlers import BUILTIN_HANDLERS

    calls = DynamoCalls()
    BUILTIN_HANDLERS.append(("before-call.dynamodb", calls))
    BUILTIN_HANDLERS.append(("after-call.dynamodb", calls.finished))

    from chalice.test import Client
    from moto import mock_aws

    from chalicelib.config import reset_settings
    from local.provision import provision
    from tests.conftest import BASE_ENV, REGION, Aws

    os.environ.update(BASE_ENV)
    os.environ.update(POWERTOOLS_METRICS_DISABLED="true", POWERTOOLS_LOG_LEVEL="ERROR")
    os.environ.pop("AWS_ENDPOINT_URL", None)
    with mock_aws():
        provisioned = provision(None, region=REGION)  # type: ignore[arg-type]
        os.environ.update(provisioned.environment)
        reset_settings()
        from app import app

        aws = Aws(env={**BASE_ENV, **provisioned.environment})
        with Client(app) as client:
            listing_ids = _catalogue(client, aws)
            ok = request_counts(client, aws, calls, listing_ids)
            throughput(client, aws, calls, listing_ids, count)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

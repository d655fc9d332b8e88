"""DynamoDB cost per API call: requests made and items read, endpoint by endpoint.

On-demand DynamoDB bills per request and per item read, and a browse that
filters a larger read pays for items nobody sees. This drives the real Chalice
app (chalice.test.Client) on moto's in-process AWS through one scenario that
touches every route, counts each DynamoDB call with the harness's request
counter (botocore hooks that every client carries: pynamodb's and boto3's), and
prints a table. It checks that every list call reads no more items from its
index than it returns plus one, and that nothing scans a table.

Run from the repository root: `.venv/bin/python bench/bench_access_cost.py`. Exits 1 when a check fails.
"""
from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from harness.aws import Aws, mocked_aws
from harness.counter import Request, RequestCounter


@dataclass
class Tally:
    """What one API call cost in DynamoDB (and Cognito: the self-service group addition, ops' TOTP check)."""

    operations: Counter[str] = field(default_factory=Counter)
    index_reads: int = 0   # items a Query or Scan evaluated (ScannedCount)
    items_read: int = 0    # every item read: gets, batch gets, queries, scans

    @classmethod
    def of(cls, requests: list[Request]) -> Tally:
        return cls(operations=Counter(request.operation for request in requests),
                   index_reads=sum(request.items_evaluated for request in requests),
                   items_read=sum(request.items_read for request in requests))


@dataclass
class Row:
    route: str
    status: int
    tally: Tally
    returned: int
    is_list: bool


class Bench:
    """Calls the app and records one row per call."""

    def __init__(self, client: Any, counter: RequestCounter) -> None:
        self.client, self.counter = client, counter
        self.rows: list[Row] = []

    def call(self, route: str, path: str, user: Any = None, body: Any = None, *, expect: int = 200,
             headers: dict[str, str] | None = None, raw: bytes | None = None,
             content_type: str = "application/json") -> Any:
        method, _ = route.split(" ", 1)
        all_headers = {"Content-Type": content_type, **(user.auth if user else {}), **(headers or {})}
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        with self.counter.recording() as requests:
            response = getattr(self.client.http, method.lower())(path, headers=all_headers, body=payload)
        tally = Tally.of(requests)
        if response.status_code != expect:
            raise SystemExit(f"{route} ({path}) answered {response.status_code}, not {expect}: {response.body!r}")
        document = json.loads(response.body) if response.body and response.body.startswith(b"{") else None
        is_list = isinstance(document, dict) and "next_cursor" in document
        returned = _page_length(document) if is_list else int(document is not None)
        self.rows.append(Row(route, response.status_code, tally, returned, is_list))
        return document


def _page_length(document: Any) -> int:
    """Items on a page: `items`, or the payouts page's `entries`."""
    return len(document.get("items", document.get("entries", [])))


@contextmanager
def easypaisa_sandbox() -> Iterator[None]:
    """The sandbox gateways on a free port, Easypaisa's inquiry API pointed at them, for the block."""
    from werkzeug.serving import WSGIRequestHandler

    from chalicelib.wiring import reset_settings
    from local.sandbox import application
    from local.serving import ServedApp

    served = ServedApp("127.0.0.1", 0, name="sandbox")
    served.serve(application, WSGIRequestHandler)
    previous = os.environ.get("EASYPAISA_API_URL")
    os.environ["EASYPAISA_API_URL"] = f"{served.url}/sandbox/easypaisa-api"
    reset_settings()
    try:
        yield
    finally:
        served.stop()
        if previous is None:
            os.environ.pop("EASYPAISA_API_URL", None)
        else:
            os.environ["EASYPAISA_API_URL"] = previous
        reset_settings()


def scenario(bench: Bench, aws: Aws) -> None:
    """Every route, in the order a marketplace uses them, with enough data that lists have pages."""
    from urllib.parse import urlencode

    from chalicelib.ids import PAKISTAN_TIME, utc_now
    from chalicelib.payments.card import sign_webhook
    from harness.factories import make_listing, make_order, make_profile, store_ready_image
    from harness.gateways import card_dispute, card_success, jazzcash_return
    from local.sandbox_api import record_easypaisa

    c = bench.call
    ops, buyer = aws.user("ops"), aws.user()
    artisans = [aws.user("artisans") for _ in range(3)]
    for name, path in (("GET /health", "/health"), ("GET /openapi.json", "/openapi.json"),
                       ("GET /config", "/config"), ("GET /categories", "/categories"),
                       ("GET /fx-rates", "/fx-rates")):
        c(name, path)
    c("PUT /ops/fx-rates", "/ops/fx-rates", ops, {"rates": {"USD": "0.0036"}})
    for number, artisan in enumerate(artisans):
        c("PUT /artisans/me", "/artisans/me", artisan, make_profile(cnic=f"35202-000000{number}-1"), expect=201)
    c("PUT /artisans/me", "/artisans/me", artisans[0], make_profile(cnic="35202-0000000-1", district="Lodhran"))
    # Self-service: a buyer's first profile also adds them to the artisans group (one Cognito request).
    c("PUT /artisans/me (buyer creates: joins artisans)", "/artisans/me", aws.user(),
      make_profile(cnic="35202-0000009-1"), expect=201)
    c("GET /artisans/me", "/artisans/me", artisans[0])
    c("GET /ops/artisans", "/ops/artisans?verification=pending&limit=2", ops)
    for artisan in artisans[:2]:
        c("POST /ops/artisans/{artisan_id}/verification", f"/ops/artisans/{artisan.sub}/verification", ops,
          {"decision": "verified"})
    c("GET /artisans/{artisan_id}", f"/artisans/{artisans[0].sub}")
    for query in ("", "?province=punjab", "?craft=embroidery", "?province=punjab&craft=embroidery&limit=1"):
        c("GET /artisans", f"/artisans{query}")

    owner = artisans[0]
    listings = []
    for number in range(12):
        category = "embroidery" if number % 3 else "pottery"
        listing = c("POST /listings", "/listings", owner, make_listing(
            category=category, price={"amount": 100000 + 5000 * number, "currency": "PKR"}, stock=50), expect=201)
        store_ready_image(listing["listing_id"])
        c("POST /listings/{listing_id}/publish", f"/listings/{listing['listing_id']}/publish", owner)
        listings.append(listing["listing_id"])
    first = listings[0]
    c("GET /listings/{listing_id}", f"/listings/{first}")
    c("GET /listings/{listing_id}", f"/listings/{first}?currency=USD")
    c("PATCH /listings/{listing_id}", f"/listings/{first}", owner, {"title": "Blue pottery vase"},
      headers={"If-Match": '"2"'})
    c("PATCH /listings/{listing_id}", f"/listings/{first}", owner, {"stock": 40})
    for query in ("", "?limit=5", "?category=embroidery", "?category=embroidery&sort=price_asc&limit=3",
                  "?category=embroidery&sort=price_desc&min_price=110000&max_price=150000",
                  f"?artisan_id={owner.sub}&limit=4", "?province=punjab&currency=USD", "?category=woodwork",
                  # every craft by price: a keys-only index Query and one BatchGetItem of the page
                  "?sort=price_asc&limit=5", "?sort=price_desc&min_price=110000&max_price=150000&currency=USD"):
        c("GET /listings", f"/listings{query}")
    cursor = c("GET /listings", "/listings?limit=5")["next_cursor"]
    c("GET /listings", f"/listings?limit=5&cursor={cursor}")
    # Search: one Query per key of the query (its words, their one-letter deletions when 5+ letters, the last
    # word as a prefix), ranked in memory, then one BatchGetItem of the page's listings. Its index reads are
    # the matches of every key (at most 200 each), not a page: the SEARCH rows are exempt from the "+1" check.
    for query in ("q=phulkari&limit=5", "q=%D9%BE%DA%BE%D9%84%DA%A9%D8%A7%D8%B1%DB%8C", "q=blue%20potery",
                  "q=phul&category=embroidery&currency=USD", "q=silk&province=sindh"):
        c("GET /search", f"/search?{query}")
    cursor = c("GET /search", "/search?q=shawl&limit=5")["next_cursor"]
    c("GET /search", f"/search?q=shawl&limit=5&cursor={cursor}")
    c("GET /artisans/me/listings", "/artisans/me/listings?limit=5", owner)
    c("POST /listings/{listing_id}/unpublish", f"/listings/{listings[-1]}/unpublish", owner)
    c("DELETE /listings/{listing_id}", f"/listings/{listings[-1]}", owner, expect=204)
    grant = c("POST /listings/{listing_id}/images", f"/listings/{listings[1]}/images", owner,
              {"content_type": "image/jpeg", "size_bytes": 200000}, expect=201)
    c("DELETE /listings/{listing_id}/images/{image_id}", f"/listings/{listings[1]}/images/{grant['image_id']}",
      owner, expect=204)

    # Variants: the per-variant stock lives in the listing item, so an order for a variant makes the same requests
    # as a plain order (one BatchGetItem, one TransactWriteItems); two variants of one listing are one update.
    options = [{"name": "Size", "values": ["8", "9"]}, {"name": "Colour", "values": ["red", "black"]}]
    grid = [{"options": {"Size": size, "Colour": colour}, "stock": 20}
            for size in ("8", "9") for colour in ("red", "black")]
    varied = c("POST /listings (with 4 variants)", "/listings", owner,
               make_listing(stock=None, options=options, variants=grid), expect=201)
    store_ready_image(varied["listing_id"])
    varied = c("POST /listings/{listing_id}/publish", f"/listings/{varied['listing_id']}/publish", owner)
    c("PATCH /listings/{listing_id} (variants)", f"/listings/{varied['listing_id']}", owner,
      {"variants": [dict(variant, stock=30) for variant in grid]})
    shopper = aws.user()
    variant_ids = [variant["variant_id"] for variant in varied["variants"]]
    c("POST /orders (one plain line)", "/orders", shopper, make_order((listings[5], 1), payment_method="cod"),
      headers={"Idempotency-Key": "k-plain"}, expect=201)
    for label, chosen in (("one variant line", variant_ids[:1]), ("two variants of one listing", variant_ids[:2])):
        body = {**make_order(payment_method="cod"),
                "items": [{"listing_id": varied["listing_id"], "variant_id": vid, "quantity": 1} for vid in chosen]}
        c(f"POST /orders ({label})", "/orders", shopper, body, headers={"Idempotency-Key": f"k-{len(chosen)}-variants"},
          expect=201)

    lines = [(listing_id, 1) for listing_id in listings[1:4]]
    cod = c("POST /orders", "/orders", buyer, make_order(*lines, payment_method="cod"),
            headers={"Idempotency-Key": "k-cod"}, expect=201)
    c("POST /orders", "/orders", buyer, make_order(*lines, payment_method="cod"), headers={"Idempotency-Key": "k-cod"})
    c("GET /orders/{order_id}", f"/orders/{cod['order_id']}", buyer)
    c("GET /orders", "/orders", buyer)
    c("GET /artisans/me/orders", "/artisans/me/orders", owner)
    c("POST /orders/{order_id}/shipments", f"/orders/{cod['order_id']}/shipments", owner,
      {"carrier": "tcs", "tracking_number": "TCS123456"})
    c("POST /ops/orders/{order_id}/delivered", f"/ops/orders/{cod['order_id']}/delivered", ops)
    # Reviews: a GetItem of the order, then one transaction (the review, the listing's sums, a check of the order);
    # a listing's reviews are a GetItem of the listing and one Query; hiding is a GetItem and one transaction.
    for listing_id, stars in ((listings[1], 5), (listings[2], 3)):
        written = c("POST /orders/{order_id}/reviews", f"/orders/{cod['order_id']}/reviews", buyer,
                    {"listing_id": listing_id, "rating": stars, "text": "Bench"}, expect=201)
    c("GET /listings/{listing_id}/reviews", f"/listings/{listings[2]}/reviews?limit=5")
    c("POST /ops/reviews/{review_id}/hide", f"/ops/reviews/{written['review_id']}/hide", ops, {"reason": "Bench"})
    # A refund is one order transaction (the order, the artisans' copies, the refund item, a ledger entry and the
    # balance per artisan debited, the audit entry) after reading the refund id (a replay?) and the order. Cash on
    # delivery has no gateway; a card or JazzCash refund adds one UpdateItem (the attempt), the HTTPS call and a
    # second, smaller order transaction (the outcome). A replay is one GetItem.
    c("POST /ops/orders/{order_id}/refunds", f"/ops/orders/{cod['order_id']}/refunds", ops,
      {"amount": {"amount": 10000, "currency": "PKR"}, "reason": "Late delivery"},
      headers={"Idempotency-Key": "k-refund"}, expect=201)
    c("POST /ops/orders/{order_id}/refunds (replayed)", f"/ops/orders/{cod['order_id']}/refunds", ops,
      {"amount": {"amount": 10000, "currency": "PKR"}, "reason": "Late delivery"},
      headers={"Idempotency-Key": "k-refund"})
    c("GET /artisans/me/payouts", "/artisans/me/payouts", owner)
    # A statement: the balance GetItem, one Query of the entries from the month's start on (the opening balance is
    # the balance less them), the balance again (it did not move meanwhile); ops add a GetItem of the artisan.
    month = utc_now().astimezone(PAKISTAN_TIME).strftime("%Y-%m")
    c("GET /artisans/me/statements/{month}", f"/artisans/me/statements/{month}", owner)
    c("GET /artisans/me/statements/{month}/csv", f"/artisans/me/statements/{month}/csv", owner)
    c("GET /ops/artisans/{artisan_id}/statements/{month}", f"/ops/artisans/{owner.sub}/statements/{month}", ops)

    one = (listings[4], 2)
    card = c("POST /orders", "/orders", buyer, make_order(one, currency="USD", payment_method="card"),
             headers={"Idempotency-Key": "k-card"}, expect=201)
    c("POST /orders/{order_id}/payment", f"/orders/{card['order_id']}/payment", buyer)
    event = card_success(card)
    secret = aws.env["CARD_WEBHOOK_SECRET"]
    c("POST /payments/card/webhook", "/payments/card/webhook", raw=event,
      headers={"Stripe-Signature": sign_webhook(event, secret=secret, timestamp=int(time.time()))})

    jazz = c("POST /orders", "/orders", buyer, make_order(one), headers={"Idempotency-Key": "k-jc"}, expect=201)
    form = c("POST /orders/{order_id}/payment", f"/orders/{jazz['order_id']}/payment", buyer)["form_fields"]
    callback = jazzcash_return(form, salt=aws.env["JAZZCASH_INTEGRITY_SALT"])
    c("POST /payments/jazzcash/callback", "/payments/jazzcash/callback", raw=urlencode(callback).encode(),
      content_type="application/x-www-form-urlencoded")

    # Easypaisa: a notification reads the order (is it an Easypaisa order?), asks the sandbox's inquiry API over
    # HTTP (no DynamoDB), then applies what it says as the other gateways do; a forged one for an unpaid order
    # costs the read alone.
    easy = c("POST /orders", "/orders", buyer, make_order(one, payment_method="easypaisa"),
             headers={"Idempotency-Key": "k-ep"}, expect=201)
    ref = c("POST /orders/{order_id}/payment", f"/orders/{easy['order_id']}/payment", buyer)["form_fields"][
        "orderRefNum"]
    with easypaisa_sandbox():
        c("POST /payments/easypaisa/callback (forged: unpaid order)", "/payments/easypaisa/callback",
          raw=urlencode({"orderRefNumber": ref}).encode(), content_type="application/x-www-form-urlencoded")
        record_easypaisa(ref, "PAID", int(easy["charge"]["amount"]))
        c("POST /payments/easypaisa/callback", "/payments/easypaisa/callback",
          raw=urlencode({"orderRefNumber": ref}).encode(), content_type="application/x-www-form-urlencoded")

    cancel = c("POST /orders", "/orders", buyer, make_order(one, payment_method="cod"),
               headers={"Idempotency-Key": "k-x"}, expect=201)
    c("POST /orders/{order_id}/cancel", f"/orders/{cancel['order_id']}/cancel", buyer)

    # Fair stock: the buyer's limit counters ride in the order transactions above (one update for open orders
    # and one per line); declining and an ops cancel are each one order transaction with the stock, the counters
    # given back and the audit entry. A line over MAX_UNITS_PER_BUYER is refused after one read (is it a replay?);
    # a placement the counters refuse costs its cancelled transaction and one BatchGetItem (where the buyer stands).
    declined = c("POST /orders", "/orders", buyer, make_order(one, payment_method="cod"),
                 headers={"Idempotency-Key": "k-decline"}, expect=201)
    c("POST /orders/{order_id}/rejection", f"/orders/{declined['order_id']}/rejection", owner,
      {"reason": "Out of stock at the workshop"})
    stopped = c("POST /orders", "/orders", buyer, make_order(one), headers={"Idempotency-Key": "k-stop"}, expect=201)
    c("POST /ops/orders/{order_id}/cancel", f"/ops/orders/{stopped['order_id']}/cancel", ops, {"reason": "Fraud check"})
    c("POST /orders (refused: LIMIT_REACHED)", "/orders", buyer, make_order((listings[4], 11)),
      headers={"Idempotency-Key": "k-limit"}, expect=409)

    # Moderation: a takedown is one listing's change; a suspension holds each of the owner's listings
    # (12 here, one archived), so its cost grows by about one write per listing; the audit log is one Query a page.
    moderated = listings[5]
    c("POST /ops/listings/{listing_id}/takedown", f"/ops/listings/{moderated}/takedown", ops, {"reason": "Copied"})
    c("POST /ops/listings/{listing_id}/reinstatement", f"/ops/listings/{moderated}/reinstatement", ops)
    c("POST /ops/artisans/{artisan_id}/suspension", f"/ops/artisans/{owner.sub}/suspension", ops,
      {"reason": "Bench"})
    c("DELETE /ops/artisans/{artisan_id}/suspension", f"/ops/artisans/{owner.sub}/suspension", ops)
    cursor = c("GET /ops/audit", "/ops/audit?limit=5", ops)["next_cursor"]
    c("GET /ops/audit", f"/ops/audit?limit=5&cursor={cursor}", ops)
    c("GET /ops/audit", f"/ops/audit?target_id={owner.sub}", ops)
    c("GET /ops/audit", f"/ops/audit?actor_id={ops.sub}&limit=3", ops)

    # Registry imports: starting one is one transaction (the import and its audit entry) and a presigned POST
    # (signed locally: no request); reading one is one GetItem; the list is one Query on by_recent.
    started = c("POST /ops/artisan-imports", "/ops/artisan-imports", ops, {"size_bytes": 4096}, expect=201)
    c("GET /ops/artisan-imports/{import_id}", f"/ops/artisan-imports/{started['import_id']}", ops)
    c("GET /ops/artisan-imports", "/ops/artisan-imports?limit=10", ops)

    # Returns and the ops queues: a request and a decision are each one order transaction (the order, the
    # artisans' copies, the return item; a decision adds its audit entry), an approval then R's refund; a queue
    # page is one Query on its sparse index. A dispute event is one order transaction with its ledger entries.
    asked = c("POST /orders/{order_id}/returns", f"/orders/{cod['order_id']}/returns", buyer,
              {"items": [{"listing_id": listings[1], "quantity": 1}], "reason": "Cracked"}, expect=201)
    c("GET /ops/orders", "/ops/orders?queue=returns&limit=5", ops)
    c("POST /ops/returns/{return_id}/decision", f"/ops/returns/{asked['return_id']}/decision", ops,
      {"decision": "approved", "note": "Photo shows the crack"})
    c("POST /ops/returns/{return_id}/decision (the same decision again)",
      f"/ops/returns/{asked['return_id']}/decision", ops, {"decision": "approved"})
    dispute = card_dispute(card)
    c("POST /payments/card/webhook (charge.dispute.created)", "/payments/card/webhook", raw=dispute,
      headers={"Stripe-Signature": sign_webhook(dispute, secret=secret, timestamp=int(time.time()))})
    c("GET /ops/orders", "/ops/orders?queue=disputed", ops)
    c("GET /ops/orders", "/ops/orders?queue=needs_review&limit=1", ops)
    # Resolving a flagged order by hand: one read, one order transaction with its audit entry.
    flagged = c("POST /orders", "/orders", buyer, make_order(one, payment_method="card"),
                headers={"Idempotency-Key": "k-flagged"}, expect=201)
    wrong = card_success(flagged, amount=flagged["charge"]["amount"] - 1)
    c("POST /payments/card/webhook (amount mismatch)", "/payments/card/webhook", raw=wrong,
      headers={"Stripe-Signature": sign_webhook(wrong, secret=secret, timestamp=int(time.time()))})
    c("POST /ops/orders/{order_id}/review-resolution", f"/ops/orders/{flagged['order_id']}/review-resolution", ops,
      {"note": "Buyer paid the difference"})

    # Payout runs (chalicelib/payouts/runs.py). A profile PUT naming a payout account adds one UpdateItem (the
    # account on the balance row, which puts the artisan in the sparse by_payable index). A run: its put with the
    # audit entry, one keys-only Query per index shard (8) for balances >= the minimum, then per artisan paid a
    # GetItem of the balance and one transaction (balance, ledger entry, transfer, run counts), then a consistent
    # Query of the run's transfers, the bank file to S3 (not counted) and the `ready` update. A replay of a
    # ready run is the failed put and a GetItem. Settlement: a GetItem of the run, one BatchGetItem of the named
    # transfers, one transaction per transfer moved (with its audit entry; a failed one credits the balance back),
    # the run read again and, once all are settled, its `settled` update; posted again: the reads alone.
    account = {"method": "iban", "iban": "PK36SCBL0000001123456702", "account_title": "Bench"}
    c("PUT /artisans/me (with a payout account)", "/artisans/me", owner,
      dict(make_profile(cnic="35202-0000000-1", district="Lodhran"), payout_account=account))
    c("GET /artisans/me (with a payout account)", "/artisans/me", owner)
    run = c("POST /ops/payout-runs", "/ops/payout-runs", ops, {"min_amount": {"amount": 100, "currency": "PKR"}},
            headers={"Idempotency-Key": "k-run"}, expect=201)
    c("POST /ops/payout-runs (replayed)", "/ops/payout-runs", ops, {"min_amount": {"amount": 100, "currency": "PKR"}},
      headers={"Idempotency-Key": "k-run"})
    c("GET /ops/payout-runs", "/ops/payout-runs?limit=5", ops)
    c("GET /ops/payout-runs/{run_id}", f"/ops/payout-runs/{run['run_id']}?limit=10", ops)
    results = {"results": [{"artisan_id": owner.sub, "status": "failed", "bank_ref": "RET-1"}]}
    c("POST /ops/payout-runs/{run_id}/settlement", f"/ops/payout-runs/{run['run_id']}/settlement", ops, results)
    c("POST /ops/payout-runs/{run_id}/settlement (posted again)", f"/ops/payout-runs/{run['run_id']}/settlement",
      ops, results)
    c("GET /artisans/me/payout-transfers", "/artisans/me/payout-transfers", owner)

    # Notifications: the settings are one GetItem (absent: the defaults), a PUT one PutItem; the ops delivery log is
    # one Query on by_recipient. Each order change above also put its outbox event in its own transaction and, after
    # the commit, sent it to SQS (not counted here) and cleared its relay mark: one UpdateItem per event.
    c("GET /me/notification-settings", "/me/notification-settings", buyer)
    c("PUT /me/notification-settings", "/me/notification-settings", buyer, {"sms": False, "email": True,
                                                                            "language": "ur"})
    c("GET /ops/notifications", "/ops/notifications?recipient=%2B923001234567&limit=5", ops)


# Ranked in memory over the matches of every key of the query (chalicelib/search): reads are bounded per key.
SEARCH = frozenset({"GET /search"})


def report(bench: Bench, routes: set[str]) -> int:
    by_route: dict[str, list[Row]] = {}
    for row in bench.rows:
        by_route.setdefault(row.route, []).append(row)
    print(f"{'endpoint':48} {'calls':>5} {'requests':>9} {'items read':>11} {'returned':>9}  operations")
    for route in sorted(by_route, key=lambda r: (r.split(" ", 1)[1], r)):
        rows = by_route[route]
        calls = len(rows)
        requests = sum(sum(row.tally.operations.values()) for row in rows) / calls
        read = sum(row.tally.items_read for row in rows) / calls
        returned = sum(row.returned for row in rows) / calls
        operations = sum((row.tally.operations for row in rows), Counter())
        ops = ", ".join(f"{name} {count / calls:g}" for name, count in sorted(operations.items()))
        print(f"{route:48} {calls:>5} {requests:>9.1f} {read:>11.1f} {returned:>9.1f}  {ops}")
    failures = []
    for row in bench.rows:
        if row.tally.operations["Scan"]:
            failures.append(f"{row.route} scanned a table")
        if row.is_list and row.route not in SEARCH and row.tally.index_reads > row.returned + 1:
            failures.append(f"{row.route} read {row.tally.index_reads} index items to return {row.returned}")
    lists = [row for row in bench.rows if row.is_list and row.route not in SEARCH]
    worst = max(row.tally.index_reads - row.returned for row in lists)
    print(f"\nlist calls: {len(lists)}; largest (index items read - items returned): {worst} (limit 1)")
    unmeasured = sorted(routes - set(by_route))
    if unmeasured:
        print("routes without a measurement:", ", ".join(unmeasured))
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures or unmeasured else 0


def main() -> int:
    from chalice.test import Client

    counter = RequestCounter("dynamodb", "cognito-idp")
    quiet = {"POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "ERROR"}  # keep the table readable
    with counter, mocked_aws(quiet) as aws:
        from app import app
        from chalicelib.http.operations import REGISTRY

        # The declared operations: the 405 answers to the other methods read nothing.
        routes = {f"{operation.method} {operation.path}" for operation in REGISTRY}
        with Client(app) as client:
            bench = Bench(client, counter)
            scenario(bench, aws)
        return report(bench, routes)


if __name__ == "__main__":
    sys.exit(main())

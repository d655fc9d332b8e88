"""What the marketplace costs on AWS, from measured requests per user action.

Run from the repository root: `.venv/bin/python bench/cost_model.py`.

Each user action goes through the real Chalice app (chalice.test.Client) on moto
in-process, and the harness's request counter (botocore hooks on every client)
counts what reaches AWS:
DynamoDB read/write request units from the sizes of the items read and written
(reads round up to 4 KB, strongly consistent = 1 unit, eventually consistent =
0.5; writes round up to 1 KB; TransactWriteItems costs 2x; an UpdateItem is
charged on the item's size after the update, looked up uncounted), S3 and SQS
requests. Lambda time is measured in-process on this machine (pessimistic: the
machine is shared) and billed at the memory sizes in .chalice/config.json (prod).
Prices: ap-south-1 (Mumbai) public list prices as known to the author (on-demand
DynamoDB after the Nov 2024 reduction); check them against the AWS pricing pages
before budgeting. Free tiers are ignored.
"""
from __future__ import annotations

import json
import math
import statistics
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from harness.aws import Aws, mocked_aws
from harness.counter import Request, RequestCounter
from harness.environment import REGION

# --- unit prices, USD, ap-south-1 ---------------------------------------------------------------
PRICES = {
    "lambda_gb_s": 0.0000166667,       # x86, per GB-second
    "lambda_request": 0.20 / 1e6,
    "apigw_request": 3.50 / 1e6,        # REST API, first 333 M/month
    "ddb_wru": 0.7125 / 1e6,            # on-demand write request unit
    "ddb_rru": 0.1425 / 1e6,            # on-demand read request unit
    "ddb_gb_month": 0.285,
    "s3_put": 0.005 / 1000,             # PUT, COPY, POST, LIST
    "s3_get": 0.0004 / 1000,            # GET, HEAD and others
    "s3_gb_month": 0.025,
    "sqs_request": 0.40 / 1e6,
    "cf_https_request": 0.012 / 10000,  # CloudFront, India edge
    "cf_gb_out": 0.109,                 # CloudFront, India, first 10 TB
    "cognito_mau": 0.0055,              # Lite tier beyond the first 10,000 MAU
    # ASSUMED, not verified: AWS End User Messaging's price per SMS part to Pakistan (sender ID route) could not
    # be looked up from here on 2026-11-28; check https://aws.amazon.com/end-user-messaging/pricing/. A message
    # costs (price + carrier fee) x its parts (re:Post "sns-pinpoint-high-sms-charges").
    "sms_part_pk": 0.20,
    "ses_email": 0.10 / 1000,
}

# --- stated traffic for the month -----------------------------------------------------------------
ARTISANS = 50_000
LISTINGS_PER_ARTISAN = 6
VISITS_PER_DAY = 200_000
PAGES_PER_VISIT = {"browse_page": 2, "category_page": 1, "listing_page": 2.5, "artisan_page": 0.5}
CONVERSION = 0.02                     # orders per visit
SIGN_INS_PER_ORDER = 1
UPLOADS_PER_ARTISAN_MONTH = 4
DASHBOARD_VIEWS_PER_ARTISAN_MONTH = 20
MONTHLY_ACTIVE_USERS = 150_000
DAYS = 30
# CloudFront per page: the page's images (thumbs ~25 KB, medium ~120 KB) + the storefront's static files
# (cached in the browser after the first page of a visit: ~350 KB once per visit incl. the Urdu font).
CDN = {"browse_page": (20, 20 * 25), "category_page": (20, 20 * 25), "listing_page": (4, 120 + 3 * 25),
       "artisan_page": (6, 6 * 25)}
STATIC_PER_VISIT = (12, 350)          # requests, KB
RENDITION_KB = 25 + 120 + 300         # thumb + medium + large stored per photo

usage: dict[str, float] = defaultdict(float)


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB's size of an item in bytes (attribute names and values, as its capacity units count them)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict[str, Any]) -> int:
    (kind, inner), = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return len(inner.lstrip("-").replace(".", "")) // 2 + 2
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + _value_size(v) for k, v in inner.items())
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in inner)
    return sum(len(str(x)) for x in inner)  # SS, NS, BS


def _read_units(size: int, consistent: bool) -> float:
    return max(1, math.ceil(size / 4096)) * (1 if consistent else 0.5)


def write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def _current_size(table: str, key: dict[str, Any]) -> int:
    """The item's size now (after an update), read without being counted."""
    import boto3

    with counter.paused():
        item = boto3.client("dynamodb", region_name=REGION).get_item(TableName=table, Key=key).get("Item")
    return item_size(item) if item else 0


def _dynamodb(operation: str, request: dict[str, Any], response: dict[str, Any]) -> None:
    usage["ddb_requests"] += 1
    if operation == "GetItem":
        usage["rru"] += _read_units(item_size(response.get("Item", {})), bool(request.get("ConsistentRead")))
    elif operation == "BatchGetItem":
        for table, items in response.get("Responses", {}).items():
            consistent = bool(request["RequestItems"][table].get("ConsistentRead"))
            usage["rru"] += sum(_read_units(item_size(item), consistent) for item in items) or 0
    elif operation in ("Query", "Scan"):
        size = sum(item_size(item) for item in response.get("Items", []))
        usage["rru"] += _read_units(size, bool(request.get("ConsistentRead")))
    elif operation == "PutItem":
        usage["wru"] += write_units(item_size(request["Item"]))
    elif operation in ("UpdateItem", "DeleteItem"):
        usage["wru"] += write_units(max(_current_size(request["TableName"], request["Key"]),
                                         item_size(request["Key"])))
    elif operation == "TransactWriteItems":
        for action in request["TransactItems"]:
            (kind, body), = action.items()
            if kind == "Put":
                size = item_size(body["Item"])
            elif kind == "ConditionCheck":
                size = item_size(body["Key"])
            else:
                size = max(_current_size(body["TableName"], body["Key"]), item_size(body["Key"]))
            usage["wru"] += 2 * write_units(size)
    elif operation == "TransactGetItems":
        for response_item in response.get("Responses", []):
            usage["rru"] += 2 * _read_units(item_size(response_item.get("Item", {})), True)


def _charge(request: Request) -> None:
    """Add one request that reached AWS to `usage` (the counter calls this as each completes)."""
    if request.service == "dynamodb":
        _dynamodb(request.operation, request.params, request.response)
    elif request.service == "s3":
        usage["s3_get" if request.operation in ("GetObject", "HeadObject") else "s3_put"] += 1
    elif request.service == "sqs":
        usage["sqs"] += 1
    else:
        usage[f"{request.service}_requests"] += 1


# Installed before the app makes any client (measure_actions), so every client (pynamodb's and boto3's) is counted.
counter = RequestCounter(on_request=_charge)


def measure(name: str, action: Callable[[], Any], runs: int = 5) -> dict[str, float]:
    """Average usage per run of `action`, and its median wall time in ms."""
    totals: dict[str, float] = defaultdict(float)
    times = []
    for _ in range(runs):
        usage.clear()
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
        for key, value in usage.items():
            totals[key] += value
    result = {key: value / runs for key, value in totals.items()}
    result["ms"] = statistics.median(times)
    return result


def lambda_memory_mb() -> dict[str, int]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    functions = config["stages"]["prod"]["lambda_functions"]
    return {name: int(spec["lambda_memory_size"]) for name, spec in functions.items()}


def measure_actions() -> dict[str, dict[str, float]]:
    from chalice.test import Client

    with counter, mocked_aws() as aws:
        from app import app

        with Client(app) as client:
            return _actions(client, aws)


def _actions(client: Any, aws: Aws) -> dict[str, dict[str, float]]:
    from app import process_image_events, sweep_expired_orders
    from harness.factories import active_listing, make_listing, make_order, verified_artisan
    from harness.gateways import card_success, post_card
    from harness.http import body_of, call
    from harness.images import noisy_jpeg, queued_messages, upload_file
    from harness.notifications import deliver
    from local.pump import lambda_context, scheduled_event, sqs_event

    artisan = verified_artisan(client, aws)
    listings = [active_listing(client, artisan, stock=10_000, category="pottery") for _ in range(22)]
    buyer, ops = aws.user(), aws.user("ops")
    listing_id = listings[0]["listing_id"]
    # Warm every path once (the JWKS fetch and client creation happen once per container).
    call(client, "GET", "/listings", None)
    results: dict[str, dict[str, float]] = {}
    results["browse_page"] = measure("browse", lambda: call(client, "GET", "/listings?limit=20"))
    results["category_page"] = measure("category", lambda: call(
        client, "GET", "/listings?category=pottery&sort=price_asc&limit=20"))
    results["listing_page"] = measure("listing", lambda: call(client, "GET", f"/listings/{listing_id}"))
    results["artisan_page"] = measure("artisan", lambda: (call(client, "GET", f"/artisans/{artisan.sub}"),
                                                          call(client, "GET", f"/listings?artisan_id={artisan.sub}")))
    orders: list[dict[str, Any]] = []

    def place() -> None:
        response = call(client, "POST", "/orders", buyer, make_order((listing_id, 1), payment_method="card"),
                        headers={"Idempotency-Key": uuid.uuid4().hex})
        orders.append(body_of(response))

    # Warmed by another buyer: the measured buyer's five orders are as many as one buyer may hold open.
    call(client, "POST", "/orders", aws.user(), make_order((listing_id, 1)), headers={"Idempotency-Key": "warm"})
    deliver(aws, now=PAKISTAN_DAYTIME)  # the verification and the warm order's messages: not the path measured
    results["place_order"] = measure("place", place)
    pending = list(orders)
    results["start_payment"] = measure("start", lambda: call(
        client, "POST", f"/orders/{pending[0]['order_id']}/payment", buyer))
    paying = iter(pending)
    results["payment_webhook"] = measure("webhook", lambda: post_card(
        client, card_success(next(paying)), secret=aws.env["CARD_WEBHOOK_SECRET"]))
    viewing = pending[0]["order_id"]
    results["order_view"] = measure("view", lambda: call(client, "GET", f"/orders/{viewing}", buyer))
    shipping = iter(pending)
    results["ship"] = measure("ship", lambda: call(client, "POST", f"/orders/{next(shipping)['order_id']}/shipments",
                                                   artisan, {"carrier": "tcs", "tracking_number": "TCS1"}))
    delivering = iter(pending)
    results["deliver"] = measure("deliver", lambda: call(
        client, "POST", f"/ops/orders/{next(delivering)['order_id']}/delivered", ops))
    results["notify"] = _notify(aws, orders=len(pending))
    results["artisan_dashboard"] = measure("dashboard", lambda: (
        call(client, "GET", "/artisans/me/orders", artisan), call(client, "GET", "/artisans/me/payouts", artisan)))

    draft = body_of(call(client, "POST", "/listings", artisan, make_listing()))["listing_id"]
    results["image_grant"] = measure("grant", lambda: call(client, "POST", f"/listings/{draft}/images", artisan,
                                                           {"content_type": "image/jpeg", "size_bytes": 200_000}))
    results["image_grant"]["s3_put"] = results["image_grant"].get("s3_put", 0) + 1  # the browser's POST upload

    def processing() -> None:
        upload_file(client, aws, noisy_jpeg())
        messages = queued_messages(aws)
        usage.clear()
        started = time.perf_counter()
        process_image_events(sqs_event(messages, queue_arn=f"arn:aws:sqs:{REGION}:123456789012:q", region=REGION),
                             lambda_context("process_image_events"))
        usage["processor_ms"] += (time.perf_counter() - started) * 1000

    results["image_processing"] = measure("process", processing, runs=3)
    event = scheduled_event(rule="sweep_expired_orders", region=REGION, account="123456789012")
    results["sweep"] = measure("sweep", lambda: sweep_expired_orders(event, lambda_context("sweep_expired_orders")))
    results["sweep"]["sweep"] = 1
    return results


def _notify(aws: Aws, *, orders: int) -> dict[str, float]:
    """The notifier over the events of `orders` orders placed, paid, shipped and delivered (default settings:
    the artisan's Urdu SMS, the buyer's e-mails), per order: its requests, and the SMS parts and e-mails that
    the emulator's SNS and SES took, rendered by the real templates."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    from chalicelib.notifications.rules import sms_segments
    from harness.notifications import deliver

    sms = sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages
    emails = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    texts_before, emails_before = set(sms), len(emails)
    result = measure("notify", lambda: deliver(aws, now=PAKISTAN_DAYTIME), runs=1)
    parts = sum(sms_segments(text) for key, (_, text, *_) in sms.items() if key not in texts_before)
    per_order = {name: value / orders for name, value in result.items() if name != "ms"}
    per_order.update(ms=result["ms"] / orders, sms_parts=parts / orders, emails=(len(emails) - emails_before) / orders,
                     notify=1)
    return per_order


# --- the money ---------------------------------------------------------------------------------------

API_ACTIONS = ("browse_page", "category_page", "listing_page", "artisan_page", "place_order", "start_payment",
               "payment_webhook", "order_view", "ship", "deliver", "artisan_dashboard", "image_grant")


def cost_of(action: dict[str, float], memory_mb: dict[str, int], *, api_calls: float) -> dict[str, float]:
    """USD of one action, by service."""
    if "processor_ms" in action:
        seconds, memory = action["processor_ms"] / 1000, memory_mb["process_image_events"]
    else:
        function = ("sweep_expired_orders" if "sweep" in action else
                    "send_notifications" if "notify" in action else "api_handler")
        seconds, memory = action["ms"] / 1000, memory_mb[function]
    invocations = api_calls if api_calls else 1
    return {
        "lambda": seconds * memory / 1024 * PRICES["lambda_gb_s"] + invocations * PRICES["lambda_request"],
        "api_gateway": api_calls * PRICES["apigw_request"],
        "dynamodb": action.get("wru", 0) * PRICES["ddb_wru"] + action.get("rru", 0) * PRICES["ddb_rru"],
        "s3": action.get("s3_put", 0) * PRICES["s3_put"] + action.get("s3_get", 0) * PRICES["s3_get"],
        "sqs": (action.get("sqs", 0) + (3 if "processor_ms" in action else 0)) * PRICES["sqs_request"],
        "messages": action.get("sms_parts", 0) * PRICES["sms_part_pk"] + action.get("emails", 0) * PRICES["ses_email"],
    }


API_CALLS = {"artisan_page": 2, "artisan_dashboard": 2, "image_processing": 0, "sweep": 0, "notify": 0}
# 10:00 in Pakistan: outside the SMS quiet hours, so the notifier sends what it would send by day.
PAKISTAN_DAYTIME = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)


def main() -> int:
    memory = lambda_memory_mb()
    measured = measure_actions()
    print("Measured per user action (real app on moto in-process; Lambda ms measured on this shared machine)")
    print(f"{'action':<19}{'API calls':>10}{'DDB req':>8}{'RRU':>7}{'WRU':>7}{'S3 put':>7}{'S3 get':>7}"
          f"{'ms':>8}{'USD per 1M':>12}")
    per_action: dict[str, dict[str, float]] = {}
    for name, action in measured.items():
        calls = API_CALLS.get(name, 1)
        per_action[name] = cost_of(action, memory, api_calls=calls)
        ms = action.get("processor_ms", action["ms"])
        print(f"{name:<19}{calls:>10}{action.get('ddb_requests', 0):>8.1f}{action.get('rru', 0):>7.1f}"
              f"{action.get('wru', 0):>7.1f}{action.get('s3_put', 0):>7.1f}{action.get('s3_get', 0):>7.1f}"
              f"{ms:>8.1f}{sum(per_action[name].values()) * 1e6:>12.2f}")

    services = ("lambda", "api_gateway", "dynamodb", "s3", "sqs", "messages", "cloudfront", "cognito", "storage")

    def total(counts: dict[str, float]) -> dict[str, float]:
        out = dict.fromkeys(services, 0.0)
        for name, n in counts.items():
            if name in per_action:
                for service, usd in per_action[name].items():
                    out[service] += usd * n
        return out

    order_path = {"place_order": 1, "start_payment": 1, "payment_webhook": 1, "order_view": 2, "ship": 1,
                  "deliver": 1, "notify": 1}
    notify = measured["notify"]
    print(f"Messages per order (the real templates, default settings): {notify['sms_parts']:.1f} SMS parts, "
          f"{notify['emails']:.1f} e-mails")
    thousand = total({name: n * 1000 for name, n in order_path.items()})
    visits_per_order = 1 / CONVERSION
    browsing = {name: n * visits_per_order * 1000 for name, n in PAGES_PER_VISIT.items()}
    with_browsing = total({**{k: v * 1000 for k, v in order_path.items()}, **browsing})
    cdn_requests = sum(CDN[name][0] * n for name, n in browsing.items()) + STATIC_PER_VISIT[0] * visits_per_order * 1000
    cdn_kb = sum(CDN[name][1] * n for name, n in browsing.items()) + STATIC_PER_VISIT[1] * visits_per_order * 1000
    with_browsing["cloudfront"] = cdn_requests * PRICES["cf_https_request"] + cdn_kb / 1e6 * PRICES["cf_gb_out"]

    visits = VISITS_PER_DAY * DAYS
    orders = visits * CONVERSION
    month_counts = {name: n * visits for name, n in PAGES_PER_VISIT.items()}
    month_counts.update({name: n * orders for name, n in order_path.items()})
    month_counts["artisan_dashboard"] = ARTISANS * DASHBOARD_VIEWS_PER_ARTISAN_MONTH
    month_counts["image_grant"] = ARTISANS * UPLOADS_PER_ARTISAN_MONTH
    month_counts["image_processing"] = ARTISANS * UPLOADS_PER_ARTISAN_MONTH
    month_counts["sweep"] = DAYS * 24 * 60
    month = total(month_counts)
    month_cdn_requests = sum(CDN[name][0] * n for name, n in PAGES_PER_VISIT.items()) * visits \
        + STATIC_PER_VISIT[0] * visits
    month_cdn_gb = (sum(CDN[name][1] * n for name, n in PAGES_PER_VISIT.items()) + STATIC_PER_VISIT[1]) * visits / 1e6
    month["cloudfront"] = month_cdn_requests * PRICES["cf_https_request"] + month_cdn_gb * PRICES["cf_gb_out"]
    month["cognito"] = max(0, MONTHLY_ACTIVE_USERS - 10_000) * PRICES["cognito_mau"]
    photos = ARTISANS * LISTINGS_PER_ARTISAN * 2  # photos stored after the launch months
    table_gb = (ARTISANS * LISTINGS_PER_ARTISAN * 3 + orders * 6 * 4) / 1e6  # ~3 KB/listing, ~4 KB/order x 6 months
    month["storage"] = photos * RENDITION_KB / 1e6 * PRICES["s3_gb_month"] + table_gb * PRICES["ddb_gb_month"]

    print()
    print("Unit prices used (USD, ap-south-1 list prices as known to the author; verify before budgeting):")
    for name, price in PRICES.items():
        print(f"  {name:<18} {price:.10g}")
    print()
    print("Assumptions: " + f"{ARTISANS:,} artisans x {LISTINGS_PER_ARTISAN} listings, {VISITS_PER_DAY:,} visits/day, "
          f"pages per visit {PAGES_PER_VISIT}, conversion {CONVERSION:.0%} ({orders:,.0f} orders/month), "
          f"{UPLOADS_PER_ARTISAN_MONTH} photo uploads and {DASHBOARD_VIEWS_PER_ARTISAN_MONTH} dashboard views per "
          f"artisan per month, {MONTHLY_ACTIVE_USERS:,} MAU, sweep every minute, CDN {month_cdn_gb:,.0f} GB and "
          f"{month_cdn_requests / 1e6:,.0f} M requests/month, {photos:,} photos stored, "
          f"Lambda memory {memory}; no free tier; logs and data transfer between services not included.")
    print()
    print(f"{'USD':<14}{'1,000 orders':>14}{'+ browsing':>12}{'month':>12}")
    for service in services:
        print(f"{service:<14}{thousand[service]:>14.4f}{with_browsing[service]:>12.2f}{month[service]:>12.2f}")
    print(f"{'total':<14}{sum(thousand.values()):>14.4f}{sum(with_browsing.values()):>12.2f}"
          f"{sum(month.values()):>12.2f}")
    print("(1,000 orders = place, start payment, webhook, 2 order views, ship, deliver and their messages; "
          "'+ browsing' adds the "
          f"{visits_per_order:.0f} visits per order at the stated conversion, with their CDN traffic)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

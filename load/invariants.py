"""What must hold after any load, read straight from the emulator's DynamoDB (not through the API)."""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

import boto3

from chalicelib.money import apply_bps

PAID = ("paid", "partially_shipped", "shipped", "delivered")
HOLDING_STOCK = ("pending_payment", "confirmed", *PAID)  # not cancelled, not expired


def dynamodb(aws_url: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=aws_url, region_name="ap-south-1",
                        aws_access_key_id="local", aws_secret_access_key="local")


def table_names(client: Any) -> dict[str, str]:
    """Logical id (`ListingsTable`, ...) -> the emulator's table name (`mip-local-ListingsTable`)."""
    names = client.list_tables()["TableNames"]
    return {name.rsplit("-", 1)[-1]: name for name in names}


def scan(client: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        items.extend(page["Items"])
    return items


def stock_levels(aws_url: str) -> dict[str, int]:
    client = dynamodb(aws_url)
    tables = table_names(client)
    return {item["listing_id"]["S"]: int(item["stock"]["N"]) for item in scan(client, tables["ListingsTable"])}


def check(aws_url: str, initial_stock: dict[str, int], orders_before: set[str], commission_bps: int) -> list[str]:
    """Every broken invariant, as a sentence (empty: all hold)."""
    client = dynamodb(aws_url)
    tables = table_names(client)
    failures: list[str] = []
    final_stock = stock_levels(aws_url)
    orders = [item for item in scan(client, tables["OrdersTable"]) if item["order_id"]["S"] not in orders_before]
    events = {item["event_key"]["S"]: item for item in scan(client, tables["PaymentEventsTable"])}
    payouts = scan(client, tables["PayoutsTable"])

    negative = {lid: stock for lid, stock in final_stock.items() if stock < 0}
    if negative:
        failures.append(f"negative stock: {negative}")

    held: dict[str, int] = defaultdict(int)
    for order in orders:
        if _holds_stock(order):
            for line in json.loads(order["lines"]["S"]):
                # Units refunded before they shipped went back on sale (`restocked`); the rest are the buyer's.
                held[line["listing_id"]] += int(line["quantity"]) - int(line.get("restocked", 0))
    for listing_id, before in initial_stock.items():
        decremented = before - final_stock.get(listing_id, before)
        if decremented != held.get(listing_id, 0):
            failures.append(f"{listing_id}: stock went down by {decremented} but live orders hold "
                            f"{held.get(listing_id, 0)}")

    for order in orders:
        order_id, status = order["order_id"]["S"], order["status"]["S"]
        paid_record = events.get(f"paid#{order_id}")
        # Refunded, or cancelled by ops with a refund: it was paid first.
        refunded = status == "refunded" or (status == "cancelled" and bool(json.loads(order.get("refunds", {}).get(
            "S", "[]"))))
        should_be_paid = refunded or (status in PAID and not (order["payment_method"]["S"] == "cod"
                                                              and status != "delivered"))
        if should_be_paid and paid_record is None:
            failures.append(f"order {order_id} is {status} without a paid#{order_id} record")
        if not should_be_paid and paid_record is not None:
            failures.append(f"order {order_id} is {status} but has a paid#{order_id} record")
        if paid_record is not None and paid_record["order_id"]["S"] != order_id:
            failures.append(f"paid#{order_id} names another order")

    # Each delivered order credits each artisan once (`sale`): their line totals, less what refunds took back
    # before delivery, less commission. Every other entry (refund, dispute hold, payout, ...) is once per record.
    expected: dict[tuple[str, str], int] = {}
    for order in orders:
        refunded_first = _refunded_before_delivery(order)
        if ("delivered_at" in order or order["status"]["S"] == "delivered") and refunded_first is not None:
            totals: dict[str, int] = defaultdict(int)
            for line in json.loads(order["lines"]["S"]):
                totals[line["artisan_id"]] += int(line["line_total"]) - (int(line.get("refunded_value", 0))
                                                                          if refunded_first else 0)
            for artisan_id, total in totals.items():
                expected[(artisan_id, order["order_id"]["S"])] = total - apply_bps(total, commission_bps)
    balances: dict[str, int] = defaultdict(int)
    entries: dict[str, int] = defaultdict(int)
    sales: dict[tuple[str, str], int] = {}
    written: Counter[tuple[str, str, str, str]] = Counter()
    for item in payouts:
        artisan_id, key, amount = item["artisan_id"]["S"], item["entry_key"]["S"], int(item["amount"]["N"])
        if key == "balance":
            balances[artisan_id] += amount
        elif key.startswith("entry#"):
            entries[artisan_id] += amount
            kind = item.get("kind", {}).get("S", "sale")
            written[(artisan_id, item["order_id"]["S"], kind, item.get("ref", {}).get("S", ""))] += 1
            if kind == "sale":
                sales[(artisan_id, item["order_id"]["S"])] = amount
    for artisan_id in set(balances) | set(entries):
        if balances.get(artisan_id, 0) != entries.get(artisan_id, 0):
            failures.append(f"artisan {artisan_id}: balance {balances.get(artisan_id, 0)} but the ledger's entries "
                            f"sum to {entries.get(artisan_id, 0)}")
    for key, want in expected.items():
        if sales.get(key, 0) != want:
            failures.append(f"artisan {key[0]}, order {key[1]}: credited {sales.get(key, 0)}, expected {want}")
    doubled = {key: n for key, n in written.items() if n != 1}
    if doubled:
        failures.append(f"payout entries written more than once: {doubled}")
    failures.extend(_refund_failures(orders, scan(client, tables["RefundsTable"])))
    failures.extend(_limit_failures(scan(client, tables["OrdersTable"]), scan(client, tables["BuyerLimitsTable"])))
    failures.extend(_payout_run_failures(payouts, scan(client, tables["PayoutRunsTable"])))
    return failures


def _payout_run_failures(payouts: list[dict[str, Any]], run_items: list[dict[str, Any]]) -> list[str]:
    """Each run's counts and total are its transfers'; each transfer is one `payout` entry of its amount, and a
    failed one exactly one `payout_reversal` of it (a paid or sent one none); no artisan is paid twice by a run."""
    failures = []
    entries: Counter[tuple[str, str, str]] = Counter()
    amounts: dict[tuple[str, str, str], int] = defaultdict(int)
    for item in payouts:
        kind = item.get("kind", {}).get("S")
        if item["entry_key"]["S"].startswith("entry#") and kind in ("payout", "payout_reversal"):
            key = (item["artisan_id"]["S"], item["ref"]["S"], kind)
            entries[key] += 1
            amounts[key] += int(item["amount"]["N"])
    runs = {item["run_id"]["S"]: item for item in run_items if item["item_key"]["S"] == "run"}
    transfers: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in run_items:
        if item["item_key"]["S"] != "run":
            transfers[item["run_id"]["S"]].append(item)
    for run_id, run in runs.items():
        items = transfers.get(run_id, [])
        statuses = Counter(item["status"]["S"] for item in items)
        total = sum(int(item["amount"]["N"]) for item in items)
        counted = (int(run["artisans"]["N"]), int(run["total"]["N"]), int(run["paid"]["N"]), int(run["failed"]["N"]))
        if counted != (len(items), total, statuses["paid"], statuses["failed"]):
            failures.append(f"payout run {run_id} counts {counted} but its transfers are "
                            f"{(len(items), total, statuses['paid'], statuses['failed'])}")
        if run["status"]["S"] == "running":
            failures.append(f"payout run {run_id} never became ready")
        for item in items:
            artisan_id, amount = item["artisan_id"]["S"], int(item["amount"]["N"])
            paid = (artisan_id, run_id, "payout")
            if (entries[paid], amounts[paid]) != (1, -amount):
                failures.append(f"payout run {run_id}, artisan {artisan_id}: {entries[paid]} payout entries summing "
                                f"to {amounts[paid]} for a transfer of {amount}")
            returned = (artisan_id, run_id, "payout_reversal")
            want = (1, amount) if item["status"]["S"] == "failed" else (0, 0)
            if (entries[returned], amounts[returned]) != want:
                failures.append(f"payout run {run_id}, artisan {artisan_id} ({item['status']['S']}): "
                                f"{entries[returned]} reversals summing to {amounts[returned]}")
    return failures


def _limit_failures(orders: list[dict[str, Any]], counters: list[dict[str, Any]]) -> list[str]:
    """Each buyer's limit counters equal what their open orders hold (every order placed under the limits, ever:
    the counters are the buyer's, not the run's): open orders, and units of each listing."""
    expected: Counter[tuple[str, str]] = Counter()
    for order in orders:
        counted = order.get("limits_counted", {}).get("BOOL", False)
        if not counted or order["status"]["S"] not in ("pending_payment", "confirmed"):
            continue
        buyer = order["buyer_id"]["S"]
        expected[(buyer, "open")] += 1
        for line in json.loads(order["lines"]["S"]):
            expected[(buyer, f"units#{line['listing_id']}")] += int(line["quantity"])
    held = {(item["buyer_id"]["S"], item["counter"]["S"]): int(item["held"]["N"]) for item in counters}
    wrong = {key: (held.get(key, 0), expected[key]) for key in set(held) | set(expected)
             if held.get(key, 0) != expected[key]}
    return [f"buyer limit counters differ from the open orders (held, expected): {wrong}"] if wrong else []


def _holds_stock(order: dict[str, Any]) -> bool:
    """Not given back by cancelling or expiring: live and refunded orders, and cancelled ones that had shipped
    something (ops cancel with a refund: shipped lines are not restocked)."""
    status = order["status"]["S"]
    if status in HOLDING_STOCK or status == "refunded":
        return True
    return status == "cancelled" and bool(json.loads(order.get("refunds", {}).get("S", "[]"))) and any(
        int(line.get("restocked", 0)) < int(line["quantity"]) for line in json.loads(order["lines"]["S"]))


def _refunded_before_delivery(order: dict[str, Any]) -> bool | None:
    """Whether the order's refunds all came before its delivery (their value was never credited) or all after
    (credited, then debited); None when some came on each side, whose split the order does not record."""
    delivered_at = order.get("delivered_at", {}).get("S")
    refunds = json.loads(order["refunds"]["S"]) if "refunds" in order else []
    if not refunds or delivered_at is None:
        return False
    if all(refund["created_at"] > delivered_at for refund in refunds):
        return False
    if all(refund["created_at"] <= delivered_at for refund in refunds):
        return True
    return None


def _refund_failures(orders: list[dict[str, Any]], refunds: list[dict[str, Any]]) -> list[str]:
    """Refunded never exceeds charged; the order's view agrees with the refund items; none is left pending."""
    failures = []
    by_order: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for refund in refunds:
        by_order[refund["order_id"]["S"]].append(refund)
    for order in orders:
        order_id, charged = order["order_id"]["S"], int(order["charge_amount"]["N"])
        refunded = int(order.get("refunded_amount", {}).get("N", 0))
        stored = by_order.get(order_id, [])
        not_failed = sum(int(refund["amount"]["N"]) for refund in stored if refund["status"]["S"] != "failed")
        if refunded > charged:
            failures.append(f"order {order_id}: refunded {refunded} of a charge of {charged}")
        if refunded != not_failed:
            failures.append(f"order {order_id}: refunded_amount {refunded} but its refunds sum to {not_failed}")
        if any(refund["status"]["S"] == "pending" for refund in stored):
            failures.append(f"order {order_id}: a refund is still pending after the sweep")
    return failures


def summary(aws_url: str, orders_before: set[str]) -> dict[str, int]:
    client = dynamodb(aws_url)
    tables = table_names(client)
    counts: dict[str, int] = defaultdict(int)
    for order in scan(client, tables["OrdersTable"]):
        if order["order_id"]["S"] not in orders_before:
            counts[order["status"]["S"]] += 1
    return dict(sorted(counts.items()))


def order_ids(aws_url: str) -> set[str]:
    client = dynamodb(aws_url)
    return {item["order_id"]["S"] for item in scan(client, table_names(client)["OrdersTable"])}


def hot_stock(aws_url: str, listing_ids: list[str]) -> dict[str, int]:
    """The `stock` of each listing, read consistently."""
    return {lid: int(item["stock"]["N"]) for lid, item in _listing_items(aws_url, listing_ids).items()}


def _listing_items(aws_url: str, listing_ids: list[str]) -> dict[str, dict[str, Any]]:
    client = dynamodb(aws_url)
    table = table_names(client)["ListingsTable"]
    return {lid: client.get_item(TableName=table, Key={"listing_id": {"S": lid}}, ConsistentRead=True)["Item"]
            for lid in listing_ids}


def _holds(item: dict[str, Any]) -> dict[str, int]:
    """Units a hot listing holds for orders still being placed (`hold_<order id>`, chalicelib/store/hot.py)."""
    return {name.removeprefix("hold_"): int(value["N"]) for name, value in item.items() if name.startswith("hold_")}


def _lines_for(order: dict[str, Any], listing_ids: set[str]) -> list[dict[str, Any]]:
    return [line for line in json.loads(order["lines"]["S"]) if line["listing_id"] in listing_ids]


def check_hot(aws_url: str, initial_stock: dict[str, int],
              answered: list[tuple[str, str]]) -> tuple[dict[str, int], list[str]]:
    """A flash sale's invariants on its listings (`initial_stock`), given every created answer as
    (Idempotency-Key, order id): units sold = stock taken, stock never negative, nothing oversold,
    one order per created answer and per key. Returns (facts, failures)."""
    client = dynamodb(aws_url)
    tables = table_names(client)
    hot = set(initial_stock)
    items = _listing_items(aws_url, sorted(hot))
    stock = {lid: int(item["stock"]["N"]) for lid, item in items.items()}
    orders = [order for order in scan(client, tables["OrdersTable"]) if _lines_for(order, hot)]
    # An order still being placed (or being undone) is not an order yet: what it took is held on the listing.
    placing = {order["order_id"]["S"] for order in orders if "reserving_until" in order}
    live = [order for order in orders if order["status"]["S"] in HOLDING_STOCK and "reserving_until" not in order]
    sold: dict[str, int] = defaultdict(int)
    for order in live:
        for line in _lines_for(order, hot):
            sold[line["listing_id"]] += int(line["quantity"])
    held = {lid: sum(units for order_id, units in _holds(item).items() if order_id in placing or
                     order_id not in {order["order_id"]["S"] for order in orders})
            for lid, item in items.items()}
    failures: list[str] = []
    for lid in sorted(hot):
        if sold[lid] + held[lid] != initial_stock[lid] - stock[lid]:
            failures.append(f"{lid}: live orders hold {sold[lid]} units and {held[lid]} are held for orders being "
                            f"placed, but stock went {initial_stock[lid]} -> {stock[lid]}")
        if stock[lid] < 0:
            failures.append(f"{lid}: stock is {stock[lid]}")
    oversold = sum(max(0, sold[lid] - initial_stock[lid]) for lid in hot)
    if oversold:
        failures.append(f"oversold by {oversold} units")
    failures += _one_order_per_answer(client, tables, answered, {order["order_id"]["S"] for order in live})
    facts = {"initial stock": sum(initial_stock.values()), "stock now": sum(stock.values()),
             "units sold": sum(sold.values()), "units held for orders being placed": sum(held.values()),
             "orders being placed or undone": len(placing), "oversold": oversold, "live orders": len(live),
             **{f"orders {status}": n for status, n in sorted(Counter(o["status"]["S"] for o in orders).items())}}
    return facts, failures


def _one_order_per_answer(client: Any, tables: dict[str, str], answered: list[tuple[str, str]],
                          live: set[str]) -> list[str]:
    """Created answers and live orders match one to one, and no Idempotency-Key made two orders."""
    failures: list[str] = []
    by_key: dict[str, set[str]] = defaultdict(set)
    for key, order_id in answered:
        by_key[key].add(order_id)
    told = {order_id for order_ids in by_key.values() for order_id in order_ids}
    if len(answered) != len(live):
        failures.append(f"{len(answered)} answers created an order but {len(live)} live orders exist")
    if told - live:
        failures.append(f"{len(told - live)} orders answered as created are not live: {sorted(told - live)[:3]}")
    if live - told:
        failures.append(f"{len(live - told)} live orders nobody was told about: {sorted(live - told)[:3]}")
    twice = {key: ids for key, ids in by_key.items() if len(ids) > 1}
    if twice:
        failures.append(f"{len(twice)} Idempotency-Keys got more than one order: {list(twice.items())[:3]}")
    keys_per_order: dict[str, int] = defaultdict(int)
    for record in scan(client, tables["IdempotencyTable"]):
        if record["order_id"]["S"] in live:
            keys_per_order[record["order_id"]["S"]] += 1
    doubled = {order_id: n for order_id, n in keys_per_order.items() if n != 1}
    unkeyed = live - set(keys_per_order)  # a live order must keep its key, or a retry would buy again
    if doubled or unkeyed:
        failures.append(f"orders with more than one idempotency record: {len(doubled)}; live orders with none: "
                        f"{len(unkeyed)}")
    return failures

"""What must hold after any load, read straight from the emulator's DynamoDB (not through the API)."""
from __future__ import annotations

import json
from collections import defaultdict
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
        if order["status"]["S"] in HOLDING_STOCK:
            for line in json.loads(order["lines"]["S"]):
                held[line["listing_id"]] += int(line["quantity"])
    for listing_id, before in initial_stock.items():
        decremented = before - final_stock.get(listing_id, before)
        if decremented != held.get(listing_id, 0):
            failures.append(f"{listing_id}: stock went down by {decremented} but live orders hold "
                            f"{held.get(listing_id, 0)}")

    for order in orders:
        order_id, status = order["order_id"]["S"], order["status"]["S"]
        paid_record = events.get(f"paid#{order_id}")
        should_be_paid = status in PAID and not (order["payment_method"]["S"] == "cod" and status != "delivered")
        if should_be_paid and paid_record is None:
            failures.append(f"order {order_id} is {status} without a paid#{order_id} record")
        if not should_be_paid and paid_record is not None:
            failures.append(f"order {order_id} is {status} but has a paid#{order_id} record")
        if paid_record is not None and paid_record["order_id"]["S"] != order_id:
            failures.append(f"paid#{order_id} names another order")

    expected: dict[str, int] = defaultdict(int)
    for order in orders:
        if order["status"]["S"] == "delivered":
            totals: dict[str, int] = defaultdict(int)
            for line in json.loads(order["lines"]["S"]):
                totals[line["artisan_id"]] += int(line["line_total"])
            for artisan_id, total in totals.items():
                expected[artisan_id] += total - apply_bps(total, commission_bps)
    balances: dict[str, int] = defaultdict(int)
    entries: dict[str, int] = defaultdict(int)
    entry_orders: dict[tuple[str, str], int] = defaultdict(int)
    for item in payouts:
        artisan_id, key, amount = item["artisan_id"]["S"], item["entry_key"]["S"], int(item["amount"]["N"])
        if key == "balance":
            balances[artisan_id] += amount
        elif key.startswith("entry#"):
            entries[artisan_id] += amount
            entry_orders[(artisan_id, item["order_id"]["S"])] += 1
    for artisan_id in set(expected) | set(balances) | set(entries):
        want, balance, ledger = expected.get(artisan_id, 0), balances.get(artisan_id, 0), entries.get(artisan_id, 0)
        if not want == balance == ledger:
            failures.append(f"artisan {artisan_id}: delivered less commission {want}, balance {balance}, "
                            f"ledger entries {ledger}")
    doubled = {key: n for key, n in entry_orders.items() if n != 1}
    if doubled:
        failures.append(f"payout entries written more than once: {doubled}")
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

"""Stored state, read and written with plain boto3 against the tables named in the environment.

Never through the row classes (those stay in `chalicelib/store/`): a test writes here
only what a part of the app it is not about would have written, and reads the tables
whole to show that a refused request wrote nothing.
"""
from __future__ import annotations

import json
import os
import uuid
from typing import Any

import boto3

from .aws import Aws, User
from .environment import REGION


def store_image_record(listing_id: str, record: dict[str, Any]) -> None:
    """Put `record` under `images.<image_id>` of the listing, as the image processor does when it finishes.

    The listing must exist (its `images` map is created with it).
    """
    table = boto3.resource("dynamodb", region_name=REGION).Table(os.environ["TABLE_LISTINGS"])
    table.update_item(Key={"listing_id": listing_id}, UpdateExpression="SET #images.#image = :record",
                      ExpressionAttributeNames={"#images": "images", "#image": record["image_id"]},
                      ExpressionAttributeValues={":record": record})


def table_state(aws: Aws) -> dict[str, list[str]]:
    """Every item of every table, so a test can show that a refused request wrote nothing."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    names = [value for name, value in aws.env.items() if name.startswith("TABLE_")]
    return {name: sorted(json.dumps(item, sort_keys=True) for item in scan(dynamodb, name)) for name in names}


def payment_records(aws: Aws, order_id: str) -> list[dict[str, Any]]:
    """The PaymentEventsTable items about one order (event records and the `paid#` record)."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    return [item for item in scan(dynamodb, aws.env["TABLE_PAYMENT_EVENTS"]) if item["order_id"]["S"] == order_id]


def scan(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    """Every item of `table`, read consistently (low-level attribute values)."""
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        items.extend(page["Items"])
    return items


def buyer_holdings(buyer_id: str) -> dict[str, int]:
    """A buyer's limit counters (BuyerLimitsTable): "open" and "units#<listing_id>" -> held, zeros included."""
    table = boto3.resource("dynamodb", region_name=REGION).Table(os.environ["TABLE_BUYER_LIMITS"])
    items = table.query(KeyConditionExpression="buyer_id = :b", ExpressionAttributeValues={":b": buyer_id},
                        ConsistentRead=True)["Items"]
    return {str(item["counter"]): int(item["held"]) for item in items}


def credit(aws: Aws, artisan: User, amount: int, order_id: str | None = None) -> None:
    """A delivered sale's credit as the ledger keeps it: the entry and the balance in one transaction."""
    order_id = order_id or f"OR{uuid.uuid4().hex[:12].upper()}"
    table = aws.env["TABLE_PAYOUTS"]
    at = "2026-11-01T10:00:00.000Z"
    boto3.client("dynamodb", region_name=REGION).transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": {
            "artisan_id": {"S": artisan.sub}, "entry_key": {"S": f"entry#{at}#{order_id}"},
            "order_id": {"S": order_id}, "amount": {"N": str(amount)}, "currency": {"S": "PKR"},
            "created_at": {"S": at}, "kind": {"S": "sale"}}}},
        {"Update": {"TableName": table, "Key": {"artisan_id": {"S": artisan.sub}, "entry_key": {"S": "balance"}},
                    "UpdateExpression": "ADD amount :a", "ExpressionAttributeValues": {":a": {"N": str(amount)}}}},
    ])

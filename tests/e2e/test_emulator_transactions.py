"""Transactions through the local emulator: all or nothing, at a cost that does not grow with the table.

moto 5.2.5 copied every touched table in full before each transaction (to roll back);
`local.moto_transactions` backs up only the items a transaction names. A cancelled
transaction must still leave every item as it was, and a transaction on a large table
must cost about what it costs on a small one.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from local.emulator import LocalAws

LARGE = 4000


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Any]:
    aws = LocalAws("127.0.0.1", 0)
    aws.start()
    try:
        yield boto3.client("dynamodb", endpoint_url=aws.endpoint_url, region_name="ap-south-1",
                           aws_access_key_id="local", aws_secret_access_key="local")
    finally:
        aws.stop()


def new_table(dynamodb: Any, *, ranged: bool = False) -> str:
    name = f"t-{uuid.uuid4().hex[:8]}"
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}] + ([{"AttributeName": "sk", "KeyType": "RANGE"}]
                                                            if ranged else [])
    dynamodb.create_table(TableName=name, KeySchema=keys, BillingMode="PAY_PER_REQUEST",
                          AttributeDefinitions=[{"AttributeName": key["AttributeName"], "AttributeType": "S"}
                                                for key in keys])
    return name


def item(dynamodb: Any, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
    found: dict[str, Any] | None = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    return found


def test_a_cancelled_transaction_leaves_every_item_as_it_was(dynamodb: Any) -> None:
    counters, rows = new_table(dynamodb), new_table(dynamodb, ranged=True)
    dynamodb.put_item(TableName=counters, Item={"pk": {"S": "import"}, "n": {"N": "1"},
                                                "tags": {"M": {"a": {"S": "x"}}}})
    dynamodb.put_item(TableName=counters, Item={"pk": {"S": "limit"}, "n": {"N": "1"}})
    dynamodb.put_item(TableName=rows, Item={"pk": {"S": "r"}, "sk": {"S": "1"}, "state": {"S": "claimed"}})
    before = (item(dynamodb, counters, {"pk": {"S": "import"}}),
              item(dynamodb, rows, {"pk": {"S": "r"}, "sk": {"S": "1"}}))
    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": rows, "Item": {"pk": {"S": "r"}, "sk": {"S": "2"}, "state": {"S": "created"}}}},
            {"Update": {"TableName": counters, "Key": {"pk": {"S": "import"}}, "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            {"Delete": {"TableName": rows, "Key": {"pk": {"S": "r"}, "sk": {"S": "1"}}}},
            {"ConditionCheck": {"TableName": counters, "Key": {"pk": {"S": "limit"}},
                                "ConditionExpression": "n > :many",
                                "ExpressionAttributeValues": {":many": {"N": "5"}}}},
        ])
    error = cancelled.value.response["Error"]
    assert error["Code"] == "TransactionCanceledException"
    assert "[None, None, None, ConditionalCheckFailed]" in error["Message"]  # the reasons, as moto gives them
    assert item(dynamodb, rows, {"pk": {"S": "r"}, "sk": {"S": "2"}}) is None
    assert (item(dynamodb, counters, {"pk": {"S": "import"}}),
            item(dynamodb, rows, {"pk": {"S": "r"}, "sk": {"S": "1"}})) == before


def test_a_transaction_that_holds_applies_every_action(dynamodb: Any) -> None:
    table = new_table(dynamodb)
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    dynamodb.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": {"pk": {"S": "b"}}, "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Update": {"TableName": table, "Key": {"pk": {"S": "a"}}, "UpdateExpression": "ADD n :one",
                    "ConditionExpression": "n = :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
    ])
    assert item(dynamodb, table, {"pk": {"S": "b"}}) == {"pk": {"S": "b"}}
    assert item(dynamodb, table, {"pk": {"S": "a"}}) == {"pk": {"S": "a"}, "n": {"N": "2"}}


def median_transaction_ms(dynamodb: Any, table: str, runs: int = 15) -> float:
    times = []
    for number in range(runs):
        started = time.perf_counter()
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": f"new-{number}"}, "data": {"S": "x" * 200}}}}])
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def test_a_transaction_on_a_large_table_costs_about_what_it_costs_on_a_small_one(dynamodb: Any) -> None:
    small, large = new_table(dynamodb), new_table(dynamodb)
    for start in range(0, LARGE, 25):
        dynamodb.batch_write_item(RequestItems={large: [
            {"PutRequest": {"Item": {"pk": {"S": f"item-{n}"}, "data": {"S": "x" * 200}}}}
            for n in range(start, start + 25)]})
    small_ms, large_ms = median_transaction_ms(dynamodb, small), median_transaction_ms(dynamodb, large)
    # Copying 4,000 items took moto ~100 ms a transaction, against a few ms for the transaction itself.
    assert large_ms < 3 * small_ms + 5, (small_ms, large_ms)

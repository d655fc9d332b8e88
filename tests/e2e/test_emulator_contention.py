"""Contention mode of the local emulator: hot items answer as DynamoDB's do.

Each scenario runs against a real `LocalAws` on a free port, with its own
`Contention` settings (as `EMULATOR_CONTENTION=1` would give the stack), and
clients that never retry, so every answer the emulator gives is the answer seen.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from local.contention import CONFLICT_MESSAGE, THROTTLE_MESSAGE, Contention
from local.emulator import LocalAws
from local.provision import provision

REGION = "ap-south-1"
WINDOW_MS = 500  # wide enough that a loaded machine still sends the second request inside it
THREADS = 4
RUN_SECONDS = 2.0
# botocore's `max_attempts` counts retries; `total_max_attempts` = 1 means the first answer is the answer.
NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"}, max_pool_connections=THREADS)


@dataclass(frozen=True)
class Emulated:
    url: str
    dynamodb: Any
    listings: str
    orders: str

    def listing(self, stock: int = 100, **extra: Any) -> str:
        listing_id = f"listing-{uuid.uuid4().hex[:10]}"
        item = {"listing_id": {"S": listing_id}, "stock": {"N": str(stock)}, "sold": {"N": "0"}, **extra}
        self.dynamodb.put_item(TableName=self.listings, Item=item)
        return listing_id

    def stock(self, listing_id: str) -> int:
        item = self.dynamodb.get_item(TableName=self.listings, Key=key(listing_id), ConsistentRead=True)["Item"]
        return int(item["stock"]["N"])

    def order_exists(self, order_id: str) -> bool:
        return "Item" in self.dynamodb.get_item(TableName=self.orders, Key={"order_id": {"S": order_id}})

    def sell(self, listing_id: str, order_id: str | None = None) -> dict[str, Any]:
        """A transactional write: decrement the listing, and put an order when given one."""
        return self.dynamodb.transact_write_items(TransactItems=sale(self, listing_id, order_id))


def key(listing_id: str) -> dict[str, Any]:
    return {"listing_id": {"S": listing_id}}


def decrement(emulated: Emulated, listing_id: str) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": emulated.listings,
            "Key": key(listing_id),
            "UpdateExpression": "SET stock = stock - :one ADD sold :one",
            "ConditionExpression": "stock >= :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }


def put_order(emulated: Emulated, order_id: str, listing_id: str) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": emulated.orders,
            "Item": {"order_id": {"S": order_id}, "listing_id": {"S": listing_id}},
            "ConditionExpression": "attribute_not_exists(order_id)",
        }
    }


def sale(emulated: Emulated, listing_id: str, order_id: str | None) -> list[dict[str, Any]]:
    actions = [decrement(emulated, listing_id)]
    if order_id is not None:
        actions.append(put_order(emulated, order_id, listing_id))
    return actions


def still_active(emulated: Emulated, listing_id: str) -> dict[str, Any]:
    return {
        "ConditionCheck": {
            "TableName": emulated.listings,
            "Key": key(listing_id),
            "ConditionExpression": "attribute_exists(listing_id)",
        }
    }


def update(emulated: Emulated, listing_id: str) -> None:
    emulated.dynamodb.update_item(
        TableName=emulated.listings,
        Key=key(listing_id),
        UpdateExpression="ADD writes :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )


def error_code(error: ClientError) -> str:
    return str(error.response["Error"]["Code"])


def start(contention: Contention | None) -> Iterator[Emulated]:
    aws = LocalAws("127.0.0.1", 0, contention=contention)
    aws.start()
    try:
        env = provision(aws.endpoint_url, region=REGION).environment
        dynamodb = boto3.client(
            "dynamodb",
            endpoint_url=aws.endpoint_url,
            region_name=REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=NO_RETRIES,
        )
        yield Emulated(aws.endpoint_url, dynamodb, env["TABLE_LISTINGS"], env["TABLE_ORDERS"])
    finally:
        aws.stop()


@pytest.fixture(scope="module")
def contended() -> Iterator[Emulated]:
    """Commit windows on, throughput far above what these tests write."""
    yield from start(Contention(window_ms=WINDOW_MS, units_per_second=1000))


@pytest.fixture(scope="module")
def capped() -> Iterator[Emulated]:
    """50 write units a second per item, no commit window (so only the cap turns writes away)."""
    yield from start(Contention(window_ms=0, units_per_second=50))


@pytest.fixture(scope="module")
def metered() -> Iterator[Emulated]:
    """A 13-unit bucket that refills 1 unit a second: a quick run of writes spends it once."""
    yield from start(Contention(window_ms=0, units_per_second=1, burst_seconds=13))


@pytest.fixture(scope="module")
def plain() -> Iterator[Emulated]:
    yield from start(None)


def wait_out_the_window() -> None:
    time.sleep(WINDOW_MS / 1000 + 0.05)


# --- Settings ----------------------------------------------------------------------------------


def test_contention_is_off_unless_the_environment_turns_it_on() -> None:
    assert Contention.from_env({}) is None
    assert Contention.from_env({"EMULATOR_CONTENTION": "0"}) is None
    assert Contention.from_env({"EMULATOR_CONTENTION": "1"}) == Contention(window_ms=10, units_per_second=1000)
    tuned = {
        "EMULATOR_CONTENTION": "1",
        "EMULATOR_COMMIT_WINDOW_MS": "25",
        "EMULATOR_ITEM_WRITE_UNITS_PER_SECOND": "300",
    }
    assert Contention.from_env(tuned) == Contention(window_ms=25, units_per_second=300)
    bursting = {**tuned, "EMULATOR_ITEM_BURST_SECONDS": "12.5"}
    assert Contention.from_env(bursting) == Contention(window_ms=25, units_per_second=300, burst_seconds=12.5)


# --- Transaction conflicts ---------------------------------------------------------------------


def test_a_transaction_on_an_item_another_just_wrote_is_cancelled_until_the_window_ends(contended: Emulated) -> None:
    listing_id = contended.listing(stock=10)
    contended.sell(listing_id, f"order-{uuid.uuid4().hex}")
    second = f"order-{uuid.uuid4().hex}"

    with pytest.raises(ClientError) as cancelled:
        # The listing is the second action, so its reason is the second one.
        contended.dynamodb.transact_write_items(
            TransactItems=[put_order(contended, second, listing_id), decrement(contended, listing_id)]
        )

    response = cancelled.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error_code(cancelled.value) == "TransactionCanceledException"
    assert response["Error"]["Message"] == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]"
    )
    assert response["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "TransactionConflict", "Message": CONFLICT_MESSAGE},
    ]
    assert not contended.order_exists(second), "a cancelled transaction wrote its order"
    assert contended.stock(listing_id) == 9, "a cancelled transaction decremented the stock"

    wait_out_the_window()
    contended.dynamodb.transact_write_items(
        TransactItems=[put_order(contended, second, listing_id), decrement(contended, listing_id)]
    )
    assert contended.order_exists(second)
    assert contended.stock(listing_id) == 8


def test_a_single_item_write_on_a_held_item_fails_with_transaction_conflict(contended: Emulated) -> None:
    held, other = contended.listing(), contended.listing()
    contended.sell(held)

    for write in (
        lambda: update(contended, held),
        lambda: contended.dynamodb.put_item(TableName=contended.listings, Item=key(held)),
        lambda: contended.dynamodb.delete_item(TableName=contended.listings, Key=key(held)),
    ):
        with pytest.raises(ClientError) as conflict:
            write()
        assert error_code(conflict.value) == "TransactionConflictException"
        assert conflict.value.response["Error"]["Message"] == CONFLICT_MESSAGE
        assert conflict.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    update(contended, other)  # another item: no conflict
    assert contended.stock(held) == 99, "reads are never turned away, and the failed writes changed nothing"

    wait_out_the_window()
    update(contended, held)


def test_transactions_on_other_items_go_through_and_a_condition_check_conflicts(contended: Emulated) -> None:
    held, other, checked = contended.listing(), contended.listing(), contended.listing()
    contended.sell(held)

    contended.sell(other, f"order-{uuid.uuid4().hex}")  # different items: not affected
    order_id = f"order-{uuid.uuid4().hex}"
    with pytest.raises(ClientError) as cancelled:
        contended.dynamodb.transact_write_items(
            TransactItems=[still_active(contended, held), put_order(contended, order_id, held)]
        )
    assert cancelled.value.response["CancellationReasons"] == [
        {"Code": "TransactionConflict", "Message": CONFLICT_MESSAGE},
        {"Code": "None"},
    ]
    assert not contended.order_exists(order_id)

    # An item a committed transaction only checked is part of that transaction too.
    contended.dynamodb.transact_write_items(
        TransactItems=[still_active(contended, checked), put_order(contended, f"order-{uuid.uuid4().hex}", checked)]
    )
    with pytest.raises(ClientError) as conflict:
        update(contended, checked)
    assert error_code(conflict.value) == "TransactionConflictException"


def test_a_read_transaction_on_a_held_item_is_cancelled_but_plain_reads_are_not(contended: Emulated) -> None:
    held, other = contended.listing(), contended.listing()
    contended.sell(held)

    gets = [{"Get": {"TableName": contended.listings, "Key": key(listing_id)}} for listing_id in (other, held)]
    with pytest.raises(ClientError) as cancelled:
        contended.dynamodb.transact_get_items(TransactItems=gets)
    assert cancelled.value.response["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "TransactionConflict", "Message": CONFLICT_MESSAGE},
    ]
    assert contended.stock(held) == 99


def test_a_transaction_that_moto_cancels_holds_nothing(contended: Emulated) -> None:
    sold_out = contended.listing(stock=0)
    with pytest.raises(ClientError) as cancelled:
        contended.sell(sold_out)
    assert cancelled.value.response["CancellationReasons"][0]["Code"] == "ConditionalCheckFailed"

    update(contended, sold_out)  # nothing held: the failed transaction never committed


class Listing(Model):
    """Just enough of a listing row for pynamodb to write one."""

    class Meta:
        table_name = ""  # set per emulator
        host = ""
        region = REGION
        aws_access_key_id = "local"
        aws_secret_access_key = "local"
        max_retry_attempts = 0

    listing_id = UnicodeAttribute(hash_key=True)
    stock = NumberAttribute()


def test_pynamodb_reads_the_answers_as_the_app_would(contended: Emulated) -> None:
    Listing.Meta.table_name = contended.listings
    Listing.Meta.host = contended.url
    connection = Connection(region=REGION, host=contended.url, aws_access_key_id="local", aws_secret_access_key="local")
    in_transaction, updated = contended.listing(), contended.listing()
    # Build both pynamodb clients first: the first call of each is slow enough to outlast a window.
    connection.describe_table(contended.listings)
    Listing.get(updated)

    contended.sell(in_transaction)
    with pytest.raises(TransactWriteError) as cancelled:
        with TransactWrite(connection=connection) as transaction:
            transaction.update(Listing(in_transaction), actions=[Listing.stock.add(-1)], condition=Listing.stock >= 1)
    assert cancelled.value.cause_response_code == "TransactionCanceledException"
    [reason] = cancelled.value.cancellation_reasons
    assert reason is not None
    assert (reason.code, reason.message) == ("TransactionConflict", CONFLICT_MESSAGE)

    contended.sell(updated)
    with pytest.raises(UpdateError) as conflict:
        Listing(updated).update(actions=[Listing.stock.add(-1)])
    assert conflict.value.cause_response_code == "TransactionConflictException"


# --- Per-item write throughput -----------------------------------------------------------------


def hammer(emulated: Emulated, write: Any) -> tuple[Counter[str], float]:
    """THREADS threads calling `write` for RUN_SECONDS: answers by code ("ok" for success), and the run's length."""
    answers: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS + 1)

    def loop() -> None:
        mine: Counter[str] = Counter()
        barrier.wait()
        while time.monotonic() < deadline:
            try:
                write()
                mine["ok"] += 1
            except ClientError as error:
                reasons = error.response.get("CancellationReasons") or [{}]
                mine[error_code(error) + "/" + str(reasons[0].get("Code", ""))] += 1
        with lock:
            answers.update(mine)

    threads = [threading.Thread(target=loop) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + RUN_SECONDS
    started = time.monotonic()
    barrier.wait()
    for thread in threads:
        thread.join()
    # Every accepted write was admitted before the deadline (at most one per thread answered after it).
    return answers, deadline - started


def assert_near(rate: float, cap: float, answers: Counter[str]) -> None:
    assert abs(rate - cap) <= 0.3 * cap, f"{rate:.1f} writes/s accepted for a cap of {cap:g}: {dict(answers)}"


def test_single_item_writes_over_the_cap_are_throttled(capped: Emulated) -> None:
    hot = capped.listing()
    answers, elapsed = hammer(capped, lambda: update(capped, hot))

    rate = answers["ok"] / elapsed
    print(f"single-item writes: {dict(answers)} in {elapsed:.2f} s = {rate:.1f} accepted/s (cap 50 units/s)")
    assert set(answers) == {"ok", "ThrottlingException/"}, answers
    assert_near(rate, 50, answers)
    item = capped.dynamodb.get_item(TableName=capped.listings, Key=key(hot))["Item"]
    assert int(item["writes"]["N"]) == answers["ok"], "a throttled write changed the item"


def test_throttling_answers_as_an_on_demand_table_does(capped: Emulated) -> None:
    hot = capped.listing()
    answers: list[ClientError] = []
    for _ in range(20):  # the bucket holds 5 units: most of these are throttled
        try:
            update(capped, hot)
        except ClientError as error:
            answers.append(error)
    assert answers
    response = answers[0].response
    assert error_code(answers[0]) == "ThrottlingException"
    assert response["Error"]["Message"] == THROTTLE_MESSAGE
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert [reason["reason"] for reason in response["throttlingReasons"]] == ["TableWriteKeyRangeThroughputExceeded"]

    time.sleep(0.2)  # refill
    with pytest.raises(ClientError) as cancelled:
        for _ in range(20):
            capped.sell(hot, f"order-{uuid.uuid4().hex}")
    assert cancelled.value.response["CancellationReasons"] == [
        {"Code": "ThrottlingError", "Message": THROTTLE_MESSAGE},
        {"Code": "None"},
    ]


def test_transactional_writes_cost_two_units_so_half_as_many_go_through(capped: Emulated) -> None:
    hot = capped.listing(stock=1_000_000)
    answers, elapsed = hammer(capped, lambda: capped.sell(hot))

    rate = answers["ok"] / elapsed
    print(f"transactional writes: {dict(answers)} in {elapsed:.2f} s = {rate:.1f} accepted/s (cap 50 units/s)")
    assert set(answers) == {"ok", "TransactionCanceledException/ThrottlingError"}, answers
    assert_near(rate, 25, answers)
    assert capped.stock(hot) == 1_000_000 - answers["ok"]


def test_a_write_costs_a_unit_per_started_kilobyte(metered: Emulated) -> None:
    """Each item's 13-unit bucket pays for its put, then for as many writes as the rest buys.

    A small item: 1 unit a write (12 after the put), 2 in a transaction (6). A 2.5 KB item:
    3 units a write, the put too (3 more). One unit may come back while the writes run.
    """

    def accepted(write: Any) -> int:
        count = 0
        for _ in range(20):
            try:
                write()
                count += 1
            except ClientError:
                pass
        return count

    small, transacted = metered.listing(), metered.listing()
    large = metered.listing(description={"S": "x" * 2500})
    assert accepted(lambda: update(metered, small)) in (12, 13)
    assert accepted(lambda: metered.sell(transacted)) == 6
    assert accepted(lambda: update(metered, large)) == 3


# --- Off by default ----------------------------------------------------------------------------


def test_without_contention_nothing_is_turned_away(plain: Emulated) -> None:
    hot = plain.listing()
    plain.sell(hot, f"order-{uuid.uuid4().hex}")
    plain.sell(hot, f"order-{uuid.uuid4().hex}")
    update(plain, hot)
    for _ in range(100):
        update(plain, hot)
    assert plain.stock(hot) == 98

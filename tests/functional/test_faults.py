"""Faults where AWS fails, through the real app on moto in-process.

Every fault is injected at the AWS protocol boundary with botocore event hooks:
a `before-send` handler answers a request with the error response DynamoDB or S3
would send (or raises the connection error botocore raises when S3 is
unreachable), so botocore's own retries, pynamodb's error mapping and our
retries all run as they would against AWS. An `after-call` handler that raises
models a Lambda that dies after DynamoDB committed but before it answered.
Nothing in `chalicelib` is patched.
"""
from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError

from harness.aws import Aws, User
from harness.environment import REGION
from harness.factories import (
    active_listing,
    make_listing,
    make_order,
    order_of,
    place,
    placed,
    stock_of,
    store_ready_image,
    verified_artisan,
)
from harness.gateways import card_success, post_card
from harness.http import body_of, call, code_of
from harness.stored import table_state
from local.pump import EventPump

TRANSACT = "TransactWriteItems"
# Our retries of a transaction (chalicelib/store/transactions.py) and botocore's attempts per call
# (pynamodb's default: 1 + 3 retries in botocore's standard mode, which retries throttling but not
# cancelled transactions).
APP_ATTEMPTS = 5
BOTOCORE_ATTEMPTS_PER_CALL = 4
NOWHERE = "https://fault-injected.invalid/"  # no service of moto's matches it


class _Raw:
    """The raw body of a canned HTTP response, as botocore reads it."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def dynamodb_error(request: Any, error_type: str, message: str, **extra: Any) -> AWSResponse:
    """The HTTP 400 that DynamoDB answers with for `error_type` (JSON 1.0 protocol)."""
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{error_type}", "message": message, **extra})
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": uuid.uuid4().hex}
    return AWSResponse(request.url, 400, headers, _Raw(body.encode()))


def conflict_response(request: Any) -> AWSResponse:
    """TransactionCanceledException with reason TransactionConflict, as DynamoDB reports a race."""
    actions = len(json.loads(request.body)["TransactItems"])
    reasons = [{"Code": "None"}] * actions
    reasons[-1] = {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
    codes = ", ".join(reason["Code"] for reason in reasons)
    return dynamodb_error(request, "TransactionCanceledException",
                          f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
                          CancellationReasons=reasons)


def throttling_response(request: Any) -> AWSResponse:
    return dynamodb_error(request, "ThrottlingException", "Rate of requests exceeds the allowed throughput.")


@dataclass
class Wire:
    """Counts what reaches the wire for one DynamoDB operation; fails the first `failures` of them."""

    operation: str
    respond: Callable[[Any], AWSResponse]
    failures: int
    sent: int = 0
    answered_with_error: int = 0

    def before_send(self, request: Any, **_: Any) -> AWSResponse | None:
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else target
        if not target.endswith(f".{self.operation}"):
            return None
        self.sent += 1
        if self.answered_with_error < self.failures:
            self.answered_with_error += 1
            answer = self.respond(request)
            # botocore calls every before-send handler and takes the first answer, and moto's in-process
            # stubber is one of them: send the failed request nowhere, as DynamoDB would not apply it.
            request.url = NOWHERE
            return answer
        return None  # moto answers


@dataclass
class Shop:
    artisan: User
    buyer: User
    listing_id: str


@pytest.fixture
def shop(client: Any, aws: Aws) -> Shop:
    artisan = verified_artisan(client, aws)
    listing = active_listing(client, artisan, stock=5)
    return Shop(artisan=artisan, buyer=aws.user(), listing_id=listing["listing_id"])


# --- DynamoDB conflicts and throttling on order placement ------------------------------------------


def _hot_until(aws: Aws, listing_id: str) -> str | None:
    table = boto3.resource("dynamodb", region_name=REGION).Table(aws.env["TABLE_LISTINGS"])
    value = table.get_item(Key={"listing_id": listing_id}, ConsistentRead=True)["Item"].get("hot_until")
    return None if value is None else str(value)


def test_a_conflict_on_the_listing_sends_the_order_down_the_hot_path_and_it_is_placed(client, aws, shop, hooks):
    """Another order holds the listing: this one reserves it with a single-item write instead (store/hot.py)."""
    wire = Wire(TRANSACT, conflict_response, failures=1)
    hooks.add(f"before-send.dynamodb.{TRANSACT}", wire.before_send)
    assert _hot_until(aws, shop.listing_id) is None
    response = place(client, shop.buyer, make_order((shop.listing_id, 2)))
    assert response.status_code == 201, response.body
    # The conflicted transaction, then the hot path's two: the reserving order, and making it real.
    assert wire.sent == 3
    assert stock_of(client, shop.listing_id, shop.artisan) == 3
    assert _hot_until(aws, shop.listing_id) is not None  # the listing's next orders go the hot way at once
    nxt = place(client, shop.buyer, make_order((shop.listing_id, 1)))
    assert nxt.status_code == 201, nxt.body
    assert wire.sent == 5
    assert stock_of(client, shop.listing_id, shop.artisan) == 2


def test_transaction_conflicts_beyond_our_retries_are_503_with_retry_after_and_write_nothing(
        client, aws, shop, hooks):
    before = table_state(aws)
    wire = Wire(TRANSACT, conflict_response, failures=10**6)
    hooks.add(f"before-send.dynamodb.{TRANSACT}", wire.before_send)
    response = place(client, shop.buyer, make_order((shop.listing_id, 2)))
    assert response.status_code == 503, response.body
    assert code_of(response) == "SERVICE_UNAVAILABLE"
    assert response.headers["Retry-After"] == "1"
    assert wire.sent == 1 + APP_ATTEMPTS  # the first order transaction, then the hot path's first one, retried
    assert table_state(aws) == before  # no order, no idempotency record, no hot mark, stock unchanged
    assert stock_of(client, shop.listing_id, shop.artisan) == 5


def test_throttling_is_retried_by_botocore_then_by_us_and_the_order_is_placed(client, shop, hooks):
    # Six throttles: botocore's four attempts of our first call, then two of our second call.
    wire = Wire(TRANSACT, throttling_response, failures=BOTOCORE_ATTEMPTS_PER_CALL + 2)
    hooks.add(f"before-send.dynamodb.{TRANSACT}", wire.before_send)
    response = place(client, shop.buyer, make_order((shop.listing_id, 1)))
    assert response.status_code == 201, response.body
    assert wire.sent == BOTOCORE_ATTEMPTS_PER_CALL + 3
    assert stock_of(client, shop.listing_id, shop.artisan) == 4


def test_throttling_beyond_every_retry_is_503_and_writes_nothing(client, aws, shop, hooks):
    before = table_state(aws)
    wire = Wire(TRANSACT, throttling_response, failures=10**6)
    hooks.add(f"before-send.dynamodb.{TRANSACT}", wire.before_send)
    response = place(client, shop.buyer, make_order((shop.listing_id, 1)))
    assert response.status_code == 503, response.body
    assert code_of(response) == "SERVICE_UNAVAILABLE"
    assert response.headers["Retry-After"] == "1"
    assert wire.sent == APP_ATTEMPTS * BOTOCORE_ATTEMPTS_PER_CALL  # 20 requests reached DynamoDB
    assert table_state(aws) == before


def test_a_single_write_throttled_beyond_botocores_retries_is_503_not_500_and_changes_nothing(
        client, aws, shop, hooks):
    before = table_state(aws)
    wire = Wire("UpdateItem", throttling_response, failures=10**6)
    hooks.add("before-send.dynamodb.UpdateItem", wire.before_send)
    response = call(client, "PATCH", f"/listings/{shop.listing_id}", shop.artisan, {"stock": 9})
    assert response.status_code == 503, response.body
    assert code_of(response) == "SERVICE_UNAVAILABLE"
    assert response.headers["Retry-After"] == "1"
    assert wire.sent == BOTOCORE_ATTEMPTS_PER_CALL
    assert table_state(aws) == before


def test_a_publish_whose_search_index_is_too_busy_to_follow_is_published_and_the_sweep_follows(
        client, aws, hooks):
    artisan = verified_artisan(client, aws)
    created = body_of(call(client, "POST", "/listings", artisan, make_listing()))
    store_ready_image(created["listing_id"])
    # The publish is a transaction; the only single-item write after it is the search mark's removal.
    wire = Wire("UpdateItem", throttling_response, failures=10**6)
    hooks.add("before-send.dynamodb.UpdateItem", wire.before_send)
    published = call(client, "POST", f"/listings/{created['listing_id']}/publish", artisan)
    assert published.status_code == 200, published.body  # committed, so not answered as a failure
    assert wire.sent == BOTOCORE_ATTEMPTS_PER_CALL
    hooks.remove_all()
    listings = boto3.resource("dynamodb", region_name=REGION).Table(aws.env["TABLE_LISTINGS"])
    stored = listings.get_item(Key={"listing_id": created["listing_id"]}, ConsistentRead=True)["Item"]
    assert stored["status"] == "active" and "search_pending" in stored
    client.lambda_.invoke("sweep_expired_orders", client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
    stored = listings.get_item(Key={"listing_id": created["listing_id"]}, ConsistentRead=True)["Item"]
    assert "search_pending" not in stored
    found = body_of(call(client, "GET", "/search?q=phulkari"))["items"]
    assert [item["listing_id"] for item in found] == [created["listing_id"]]


# --- a crash after the commit, before the answer ---------------------------------------------------


def test_a_crash_after_the_commit_is_healed_by_the_idempotent_retry(client, aws, shop, hooks):
    crashes = {"left": 1}

    def crash_after_commit(http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
        if crashes["left"] and http_response.status_code == 200:
            crashes["left"] -= 1
            raise RuntimeError("the function died after DynamoDB committed")

    hooks.add(f"after-call.dynamodb.{TRANSACT}", crash_after_commit)
    body, key = make_order((shop.listing_id, 2)), "crash-key-1"
    first = place(client, shop.buyer, body, key=key)
    assert first.status_code == 500, first.body
    assert code_of(first) == "INTERNAL"
    assert crashes["left"] == 0
    assert stock_of(client, shop.listing_id, shop.artisan) == 3  # committed although unanswered

    retried = place(client, shop.buyer, body, key=key)
    assert retried.status_code == 200, retried.body
    again = place(client, shop.buyer, body, key=key)
    assert again.status_code == 200
    order = body_of(retried)
    assert body_of(again)["order_id"] == order["order_id"]
    listed = body_of(client.http.get("/orders", headers=shop.buyer.auth))["items"]
    assert [item["order_id"] for item in listed] == [order["order_id"]]
    assert stock_of(client, shop.listing_id, shop.artisan) == 3  # reserved once


# --- clock skew on card webhooks ----------------------------------------------------------------------


def _early_in_a_second() -> int:
    """Now, at least 0.7 s before the clock ticks over, so `now` cannot move between signing and checking."""
    while time.time() % 1 > 0.3:
        time.sleep(0.05)
    return int(time.time())


@pytest.mark.parametrize(("skew", "accepted"), [(-299, True), (-301, False), (301, False)],
                         ids=["299s-old", "301s-old", "301s-ahead"])
def test_card_webhook_clock_skew(client, aws, shop, skew, accepted):
    order = placed(client, shop.buyer, make_order((shop.listing_id, 1), payment_method="card"))
    before = table_state(aws)
    response = post_card(client, card_success(order), secret=aws.env["CARD_WEBHOOK_SECRET"],
                         timestamp=_early_in_a_second() + skew)
    status = order_of(client, order["order_id"], shop.buyer)["status"]
    if accepted:
        assert response.status_code == 200, response.body
        assert status == "paid"
    else:
        assert response.status_code == 401, response.body
        assert code_of(response) == "UNAUTHENTICATED"
        assert status == "pending_payment"
        assert table_state(aws) == before


# --- S3 unavailable while images are processed --------------------------------------------------------


def s3_unreachable(request: Any, **_: Any) -> None:
    raise EndpointConnectionError(endpoint_url=request.url)


def test_s3_down_during_processing_retries_three_times_then_dead_letters(client, aws, hooks):
    from app import process_image_events
    from harness.images import noisy_jpeg, upload_file
    from tests.functional.test_image_processor import image_of

    upload = upload_file(client, aws, noisy_jpeg())
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = aws.env["IMAGE_QUEUE_URL"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    dlq_arn = json.loads(sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"])
                         ["Attributes"]["RedrivePolicy"])["deadLetterTargetArn"]
    dlq_url = sqs.get_queue_url(QueueName=dlq_arn.rsplit(":", 1)[1])["QueueUrl"]
    deliveries: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        result: dict[str, Any] = process_image_events(event, context)
        deliveries.append({"bodies": {r["messageId"]: r["body"] for r in event["Records"]}, "result": result})
        return result

    hooks.add("before-send.s3", s3_unreachable)
    # The local stack's pump, driven by hand: no long poll, failed messages visible again at once.
    pump = EventPump(sqs=sqs, queue_url=queue_url, queue_arn=arn, on_images=handler,
                     sweep=lambda event, context: None, sweep_seconds=3600, region=REGION,
                     wait_seconds=0, retry_seconds=0)
    for _ in range(5):
        pump.deliver_images()

    of_upload = [(message_id, d["result"]) for d in deliveries for message_id, body in d["bodies"].items()
                 if upload.image_id in body]
    assert len(of_upload) == 3  # maxReceiveCount in infra/resources.yaml
    for message_id, result in of_upload:
        assert result["batchItemFailures"] == [{"itemIdentifier": message_id}]
    assert sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []) == []
    dead = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10).get("Messages", [])
    assert len(dead) == 1
    assert upload.image_id in dead[0]["Body"]
    assert image_of(client, upload)["status"] == "pending"

    # S3 is back: redriving the dead letter finishes the image and deletes the original.
    hooks.remove_all()
    dead_letters = EventPump(sqs=sqs, queue_url=dlq_url, queue_arn=dlq_arn, on_images=handler,
                             sweep=lambda event, context: None, sweep_seconds=3600, region=REGION,
                             wait_seconds=0, retry_seconds=0)
    deliveries.clear()
    sqs.change_message_visibility(QueueUrl=dlq_url, ReceiptHandle=dead[0]["ReceiptHandle"], VisibilityTimeout=0)
    assert dead_letters.deliver_images() == 1
    assert deliveries[0]["result"] == {"batchItemFailures": []}
    assert image_of(client, upload)["status"] == "ready"

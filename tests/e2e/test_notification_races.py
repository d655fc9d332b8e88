"""Notifications on the real local stack: its relay, sweep and notifier (through the event pump) against the
serialised emulator, whose SNS and SES records /dev/outbox shows. At night in Pakistan an SMS is held until
08:00, so an artisan's SMS is counted as its delivery record (held or sent) and, once sent, in the outbox."""
from __future__ import annotations

import json
import time
import uuid
from typing import Any

import requests

from chalicelib.store.tables import OutboxItem
from harness.factories import make_order
from harness.gateways import card_success
from local.provision import PREFIX

from .browser_helpers import outbox
from .conftest import LocalStack, User
from .test_orders_e2e import active_listing, api, ok, place, verified_artisan
from .test_races import race

ARTISAN_PHONE = "+923001234567"  # make_profile's
WAIT_SECONDS = 30


def _log(stack: LocalStack, ops: User, recipient: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = ok(api(stack, "GET", f"/ops/notifications?recipient={requests.utils.quote(recipient)}"
                                                       "&limit=100", ops))["items"]
    return items


def _until(check: Any) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def _settled(stack: LocalStack, ops: User, recipient: str, event_id_part: str, wanted: int) -> list[dict[str, Any]]:
    """The log entries of one event for `recipient` once `wanted` have come, then a second more for stragglers."""
    def entries() -> list[dict[str, Any]]:
        return [item for item in _log(stack, ops, recipient) if event_id_part in item["notification_id"]
                and item["status"] != "sending"]

    _until(lambda: len(entries()) >= wanted)
    time.sleep(1.0)
    return entries()


def test_a_payment_callback_delivered_ten_times_at_once_tells_the_artisan_and_the_buyer_once(stack):
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    listing = active_listing(stack, artisan, stock=5)
    buyer = stack.user()
    order = ok(place(stack, buyer, make_order((listing["listing_id"], 1), payment_method="card", currency="PKR")),
               201)
    body = card_success(order)

    answers = race(stack, [lambda session: stack.post_card_event(body, session) for _ in range(10)])

    assert {answer.status_code for answer in answers} == {200}
    paid = f"order.paid#{order['order_id']}#"
    sms = _settled(stack, ops, ARTISAN_PHONE, f"{paid}{artisan.sub}#sms", 1)
    email = _settled(stack, ops, buyer.email, f"{paid}{buyer.sub}#email", 1)
    assert len(sms) == 1 and sms[0]["status"] in ("sent", "held") and sms[0]["language"] == "ur"
    assert [item["status"] for item in email] == ["sent"]
    receipts = [sent for sent in outbox(stack.web_url)
                if sent["recipient"] == buyer.email and sent["subject"] == f"Receipt for order {order['order_id']}"]
    assert len(receipts) == 1
    texts = [sent for sent in outbox(stack.web_url) if sent["channel"] == "sms" and order["order_id"] in sent["text"]]
    assert len(texts) == (1 if sms[0]["status"] == "sent" else 0)


def test_an_event_the_relay_never_sent_is_delivered_by_the_sweep(stack):
    """A request that died right after its commit leaves its event marked unrelayed: the minute sweep sends it."""
    ops = stack.user("ops")
    artisan = stack.user("artisans")
    ok(api(stack, "PUT", "/artisans/me", artisan, {
        "display_name": "Rubina Akhtar", "craft": "pottery", "province": "sindh", "district": "Hala",
        "phone": "+923009990001", "cnic": f"42101-{uuid.uuid4().int % 10**7:07d}-2"}), 201)
    event_id = f"artisan.verification#{artisan.sub}#crashed-{uuid.uuid4().hex[:8]}"
    stack.client("dynamodb").put_item(TableName=f"{PREFIX}-{OutboxItem.logical_id}", Item={
        "event_id": {"S": event_id}, "kind": {"S": "artisan.verification"},
        "recipient_user_id": {"S": artisan.sub}, "data": {"S": json.dumps({"decision": "verified", "note": None})},
        "created_at": {"S": "2026-11-28T05:00:00.000000Z"}, "relay_queue": {"S": "unrelayed"},
        "expires_at_epoch": {"N": str(int(time.time()) + 86400)}})

    delivered = _settled(stack, ops, "+923009990001", event_id, 1)

    assert len(delivered) == 1 and delivered[0]["event"] == "artisan.verification"
    item = stack.client("dynamodb").get_item(TableName=f"{PREFIX}-{OutboxItem.logical_id}",
                                             Key={"event_id": {"S": event_id}}, ConsistentRead=True)["Item"]
    assert "relay_queue" not in item


def test_an_event_queued_again_and_again_is_sent_once(stack):
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    listing = active_listing(stack, artisan, stock=5)
    buyer = stack.user()
    order = ok(place(stack, buyer, make_order((listing["listing_id"], 1), payment_method="cod")), 201)
    placed = f"order.placed#{order['order_id']}#{buyer.sub}#email"
    assert len(_settled(stack, ops, buyer.email, placed, 1)) == 1
    sqs = stack.client("sqs")
    url = sqs.get_queue_url(QueueName="mip-dev-notifications")["QueueUrl"]
    body = json.dumps({"event_id": f"order.placed#{order['order_id']}", "kind": "order.placed",
                       "recipient_user_id": None, "created_at": order["created_at"],
                       "data": {"order_id": order["order_id"], "buyer_id": buyer.sub,
                                "artisan_ids": [artisan.sub], "payment_method": "cod", "status": "confirmed",
                                "amount": order["charge"]["amount"], "currency": "PKR", "lines": []}})
    race(stack, [lambda _: sqs.send_message(QueueUrl=url, MessageBody=body) for _ in range(5)])
    time.sleep(3)

    assert len(_settled(stack, ops, buyer.email, placed, 1)) == 1
    confirmations = [sent for sent in outbox(stack.web_url) if sent["recipient"] == buyer.email
                     and sent["subject"] == f"Your order {order['order_id']} is confirmed"]
    assert len(confirmations) == 1

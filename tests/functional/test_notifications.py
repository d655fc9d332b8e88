"""Being told (API.md): outbox events with each change, the relay and its sweep, the notifier (once per
event, user and channel), preferences, quiet hours, and the ops delivery log."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.notifications import rules
from harness.aws import Aws, User
from harness.environment import BASE_ENV, REGION
from harness.factories import active_listing, make_order, placed, verified_artisan
from harness.gateways import card_success, post_card
from harness.http import body_of, call
from harness.notifications import deliver, emails_to, queued_bodies, sms_to
from harness.stored import credit

CARD_SECRET = BASE_ENV["CARD_WEBHOOK_SECRET"]
ARTISAN_PHONE = "+923005550101"
# 23:30 in Pakistan (UTC+5): inside quiet hours; 10:00 outside.
NIGHT = datetime(2026, 11, 28, 18, 30, tzinfo=UTC)
DAY = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)
MORNING = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)


@pytest.fixture
def shop(client: Any, aws: Aws) -> tuple[User, dict[str, Any], User]:
    artisan = verified_artisan(client, aws, phone=ARTISAN_PHONE)
    deliver(aws, now=MORNING)  # the verification SMS
    return artisan, active_listing(client, artisan, stock=5), aws.user()


def _paid_card_order(client: Any, listing: dict[str, Any], buyer: User) -> dict[str, Any]:
    order = placed(client, buyer, make_order((listing["listing_id"], 1), payment_method="card", currency="USD"))
    assert post_card(client, card_success(order), secret=CARD_SECRET).status_code == 200
    return order


def _outbox(aws: Aws) -> dict[str, dict[str, Any]]:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    items = dynamodb.scan(TableName=aws.env["TABLE_OUTBOX"], ConsistentRead=True)["Items"]
    return {item["event_id"]["S"]: item for item in items}


def _deliveries(aws: Aws) -> dict[str, str]:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    items = dynamodb.scan(TableName=aws.env["TABLE_DELIVERIES"], ConsistentRead=True)["Items"]
    return {item["delivery_id"]["S"]: item["status"]["S"] for item in items}


def test_a_verified_artisan_gets_an_urdu_sms(client, aws, shop):
    (text,) = sms_to(ARTISAN_PHONE)
    assert "تصدیق" in text and rules.sms_segments(text) <= 2


def test_a_paid_order_texts_its_artisan_in_urdu_and_emails_its_buyer_a_receipt(client, aws, shop):
    artisan, listing, buyer = shop
    order = _paid_card_order(client, listing, buyer)
    deliver(aws, now=DAY)

    texts = sms_to(ARTISAN_PHONE)[1:]
    assert len(texts) == 1 and order["order_id"] in texts[0] and "ادا شدہ" in texts[0]
    subjects = [subject for subject, _ in emails_to(buyer.email)]
    assert subjects == [f"Your order {order['order_id']} is placed", f"Receipt for order {order['order_id']}"]
    assert "USD" in emails_to(buyer.email)[1][1]


def test_events_are_written_with_the_change_and_cleared_once_relayed(client, aws, shop):
    _, listing, buyer = shop
    order = _paid_card_order(client, listing, buyer)
    events = _outbox(aws)
    paid = events[f"order.paid#{order['order_id']}"]
    assert "relay_queue" not in paid  # relayed right after the commit
    assert json.loads(paid["data"]["S"])["buyer_id"] == buyer.sub
    kinds = sorted(json.loads(body)["kind"] for body in queued_bodies(aws))
    assert kinds == ["order.paid", "order.placed"]


def test_a_redelivered_event_is_not_sent_again(client, aws, shop):
    _, listing, buyer = shop
    _paid_card_order(client, listing, buyer)
    bodies = queued_bodies(aws)
    deliver(aws, now=DAY)
    sqs = boto3.client("sqs", region_name=REGION)
    for body in bodies * 3:  # the same events, three more times
        sqs.send_message(QueueUrl=aws.env["NOTIFICATIONS_QUEUE_URL"], MessageBody=body)
    deliver(aws, now=DAY)
    assert len(sms_to(ARTISAN_PHONE)) == 2  # verification + paid
    assert len(emails_to(buyer.email)) == 2  # placed + receipt


def test_a_failed_relay_never_fails_the_payment_and_the_sweep_relays_it(client, aws, shop, hooks):
    _, listing, buyer = shop

    def refuse(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "down"}}, "SendMessage")

    hooks.add("before-call.sqs.SendMessage", refuse)
    order = _paid_card_order(client, listing, buyer)
    assert body_of(call(client, "GET", f"/orders/{order['order_id']}", buyer))["status"] == "paid"
    assert "relay_queue" in _outbox(aws)[f"order.paid#{order['order_id']}"]
    hooks.remove_all()
    assert queued_bodies(aws) == []

    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=["arn:aws:events:ap-south-1:123456789012:rule/sweep"])
    client.lambda_.invoke("sweep_expired_orders", event)

    assert "relay_queue" not in _outbox(aws)[f"order.paid#{order['order_id']}"]
    deliver(aws, now=DAY)
    assert len(sms_to(ARTISAN_PHONE)) == 2


def test_a_refusing_provider_is_retried_and_never_touches_the_order(client, aws, shop, hooks):
    _, listing, buyer = shop
    order = _paid_card_order(client, listing, buyer)

    def refuse(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "Publish")

    hooks.add("before-call.sns.Publish", refuse)
    deliver(aws, now=DAY)
    failed = [key for key, status in _deliveries(aws).items() if status == "failed"]
    assert failed == [f"order.paid#{order['order_id']}#{shop[0].sub}#sms"]
    assert len(queued_bodies(aws)) == 1  # back on the queue for another try
    assert body_of(call(client, "GET", f"/orders/{order['order_id']}", buyer))["status"] == "paid"
    hooks.remove_all()

    deliver(aws, now=DAY)

    assert len(sms_to(ARTISAN_PHONE)) == 2
    assert _deliveries(aws)[failed[0]] == "sent"


def test_a_notifier_killed_after_sending_before_recording_does_not_send_again(client, aws, shop, hooks):
    _, listing, buyer = shop
    order = _paid_card_order(client, listing, buyer)
    table = aws.env["TABLE_DELIVERIES"]

    def die_recording_sent(params: dict[str, Any], **_: Any) -> None:
        if params.get("TableName") == table and ":" in json.dumps(params.get("ExpressionAttributeValues", {})) \
                and "sent" in json.dumps(params.get("ExpressionAttributeValues", {})):
            raise ConnectionError("the notifier was killed")

    hooks.add("provide-client-params.dynamodb.UpdateItem", die_recording_sent)
    for _ in range(4):  # each time one more message goes out, then the notifier dies and the batch comes back
        deliver(aws, now=DAY)
    sent_before = len(sms_to(ARTISAN_PHONE)), len(emails_to(buyer.email))
    hooks.remove_all()

    deliver(aws, now=DAY)

    assert (len(sms_to(ARTISAN_PHONE)), len(emails_to(buyer.email))) == sent_before == (2, 2)
    assert queued_bodies(aws) == []
    assert _deliveries(aws)[f"order.paid#{order['order_id']}#{shop[0].sub}#sms"] == "sending"


def test_quiet_hours_hold_an_sms_until_eight_in_the_morning_in_pakistan(client, aws, shop):
    from chalicelib.notifications.service import release_due

    _, listing, buyer = shop
    order = _paid_card_order(client, listing, buyer)
    deliver(aws, now=NIGHT)
    assert len(sms_to(ARTISAN_PHONE)) == 1  # only the verification, by day
    assert len(emails_to(buyer.email)) == 2  # e-mail is never held
    key = f"order.paid#{order['order_id']}#{shop[0].sub}#sms"
    assert _deliveries(aws)[key] == "held"

    assert release_due(now=datetime(2026, 11, 29, 2, 59, tzinfo=UTC)) == 0  # 07:59 in Pakistan
    assert release_due(now=datetime(2026, 11, 29, 3, 0, tzinfo=UTC)) == 1  # 08:00
    deliver(aws, now=datetime(2026, 11, 29, 3, 0, tzinfo=UTC))

    assert len(sms_to(ARTISAN_PHONE)) == 2 and _deliveries(aws)[key] == "sent"


def test_settings_default_by_role_and_a_channel_turned_off_is_suppressed(client, aws, shop):
    artisan, listing, buyer = shop
    assert body_of(call(client, "GET", "/me/notification-settings", artisan)) == \
        {"sms": True, "email": False, "language": "ur"}
    assert body_of(call(client, "GET", "/me/notification-settings", buyer)) == \
        {"sms": False, "email": True, "language": "en"}
    chosen = {"sms": False, "email": True, "language": "ur"}
    assert body_of(call(client, "PUT", "/me/notification-settings", buyer, chosen)) == chosen
    assert call(client, "PUT", "/me/notification-settings", buyer, {**chosen, "language": "fr"}).status_code == 400
    assert body_of(call(client, "GET", "/me/notification-settings", buyer)) == chosen
    assert call(client, "PUT", "/me/notification-settings", artisan,
                {"sms": False, "email": False, "language": "ur"}).status_code == 200

    order = _paid_card_order(client, listing, buyer)
    deliver(aws, now=DAY)

    assert len(sms_to(ARTISAN_PHONE)) == 1  # the paid order's SMS was turned off
    statuses = _deliveries(aws)
    assert statuses[f"order.paid#{order['order_id']}#{artisan.sub}#sms"] == "suppressed"
    (subject, body), _ = emails_to(buyer.email)
    assert subject == f"آپ کا آرڈر {order['order_id']} درج ہو گیا"


def test_shipping_tells_the_buyer_the_carrier_and_tracking_number(client, aws, shop):
    artisan, listing, buyer = shop
    order = _paid_card_order(client, listing, buyer)
    shipped = call(client, "POST", f"/orders/{order['order_id']}/shipments", artisan,
                   {"carrier": "tcs", "tracking_number": "TCS123456789"})
    assert shipped.status_code == 200, shipped.body
    deliver(aws, now=DAY)
    subject, body = emails_to(buyer.email)[-1]
    assert subject == f"Order {order['order_id']} has shipped" and "with TCS" in body and "TCS123456789" in body


def test_a_cash_on_delivery_order_is_confirmed_to_its_artisan_at_once(client, aws, shop):
    _, listing, buyer = shop
    order = placed(client, buyer, make_order((listing["listing_id"], 2), payment_method="cod"))
    deliver(aws, now=DAY)
    text = sms_to(ARTISAN_PHONE)[-1]
    assert order["order_id"] in text and "بوقتِ ڈیلیوری" in text
    assert emails_to(buyer.email)[-1][0] == f"Your order {order['order_id']} is confirmed"


def test_ops_read_a_recipients_delivery_log_newest_first_a_page_at_a_time(client, aws, shop):
    artisan, listing, buyer = shop
    _paid_card_order(client, listing, buyer)
    deliver(aws, now=DAY)
    ops = aws.user("ops")
    first = body_of(call(client, "GET", f"/ops/notifications?recipient=%2B{ARTISAN_PHONE[1:]}&limit=1", ops))
    assert [item["event"] for item in first["items"]] == ["order.paid"]
    assert first["items"][0]["channel"] == "sms" and first["items"][0]["status"] == "sent"
    assert first["items"][0]["language"] == "ur"
    second = body_of(call(client, "GET", f"/ops/notifications?recipient=%2B{ARTISAN_PHONE[1:]}&limit=1"
                                         f"&cursor={first['next_cursor']}", ops))
    assert [item["event"] for item in second["items"]] == ["artisan.verification"]
    assert call(client, "GET", f"/ops/notifications?recipient={buyer.email}", buyer).status_code == 403
    assert call(client, "GET", "/ops/notifications?recipient=nobody", ops).status_code == 400


def test_a_refused_sms_retried_in_quiet_hours_waits_for_the_morning(client, aws, shop, hooks):
    from chalicelib.notifications.service import release_due

    _, listing, buyer = shop
    order = _paid_card_order(client, listing, buyer)

    def refuse(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "Publish")

    hooks.add("before-call.sns.Publish", refuse)
    deliver(aws, now=DAY)
    hooks.remove_all()
    key = f"order.paid#{order['order_id']}#{shop[0].sub}#sms"
    assert _deliveries(aws)[key] == "failed"

    deliver(aws, now=NIGHT)  # the queue's retry comes at 23:30 in Pakistan
    assert _deliveries(aws)[key] == "held" and queued_bodies(aws) == []

    morning = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
    assert release_due(now=morning) == 1
    deliver(aws, now=morning)
    assert _deliveries(aws)[key] == "sent" and len(sms_to(ARTISAN_PHONE)) == 2


def test_a_payout_run_texts_each_artisan_it_pays_once_however_often_it_is_retried(client, aws):
    artisan = verified_artisan(client, aws, phone=ARTISAN_PHONE, payout_account={
        "method": "easypaisa_wallet", "msisdn": "+923451234567"})
    credit(aws, artisan, 185000)
    ops = aws.user("ops")
    for _ in range(2):
        run = call(client, "POST", "/ops/payout-runs", ops, {}, headers={"Idempotency-Key": "week-48"})
        assert run.status_code in (200, 201), run.body
    deliver(aws, now=DAY)

    (text,) = [text for text in sms_to(ARTISAN_PHONE) if "ادائیگی" in text]
    assert "1,850" in text and body_of(run)["run_id"] in text and rules.sms_segments(text) <= 2

"""An imported artisan's welcome through the outbox (Being told): written with the row's creation, sent
once by the notifier with a temporary password it sets as it sends, masked in every record, recovered by
the sweep when the relay was missed, and held by quiet hours like any SMS."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.notifications.service import relay_pending, release_due
from chalicelib.notifications.templates import PASSWORD_MASK
from chalicelib.store import outbox
from harness.aws import Aws
from harness.environment import REGION
from harness.http import body_of, call
from harness.imports import drain_imports, start_import
from harness.notifications import deliver, queued_bodies, sms_to
from tools.registry_file import HEADER

PHONE = "+923001112223"
DAY = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)  # 10:00 in Pakistan
NIGHT = datetime(2026, 11, 28, 18, 30, tzinfo=UTC)  # 23:30 in Pakistan
MORNING = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # 08:00 in Pakistan
PASSWORD = re.compile(r"([A-Za-z0-9]{10})\s*$")
REGISTRY = "\n".join(",".join(row) for row in (
    HEADER, ("علی خان", "Pottery", "Sindh", "Hala", "0300-1112223", "1111122222223", "ali@example.pk", "", "",
             "true"))) + "\n"


@pytest.fixture
def ops(aws: Aws) -> Any:
    return aws.user("ops")


def imported(client: Any, aws: Aws, ops: Any) -> str:
    """Import the one-row registry; returns the welcome event's id."""
    import_id = start_import(client, ops, REGISTRY.encode())
    drain_imports(aws)
    return f"artisan.welcome#{import_id}#2"


def signs_in(aws: Aws, password: str) -> bool:
    cognito = boto3.client("cognito-idp", region_name=REGION)
    try:
        answer = cognito.initiate_auth(ClientId=aws.env["COGNITO_CLIENT_ID"], AuthFlow="USER_PASSWORD_AUTH",
                                       AuthParameters={"USERNAME": PHONE, "PASSWORD": password})
    except cognito.exceptions.NotAuthorizedException:
        return False
    return answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED"


def the_password(text: str) -> str:
    match = PASSWORD.search(text)
    assert match, text
    return match.group(1)


def test_the_welcome_is_written_with_the_row_and_sent_once_by_the_notifier_with_a_password_that_signs_in(
        client, aws, ops):
    event_id = imported(client, aws, ops)
    assert sms_to(PHONE) == []  # the worker sends nothing itself
    event = outbox.get_event(event_id)
    assert event is not None and event.kind == "artisan.welcome" and event.recipient_user_id
    assert set(event.data) == {"import_id", "row"}  # no phone, no password

    deliver(aws, now=DAY)
    (text,) = sms_to(PHONE)
    assert "پاس ورڈ" in text and PHONE in text  # Urdu (the artisan's e-mail address changes nothing)
    assert signs_in(aws, the_password(text)) and not signs_in(aws, "abcdeFG234")


def test_a_redelivered_welcome_is_not_sent_twice_nor_its_password_changed(client, aws, ops):
    event = outbox.get_event(imported(client, aws, ops))
    assert event is not None
    deliver(aws, now=DAY)
    (text,) = sms_to(PHONE)
    sqs = boto3.client("sqs", region_name=REGION)
    for _ in range(3):
        sqs.send_message(QueueUrl=aws.env["NOTIFICATIONS_QUEUE_URL"], MessageBody=outbox.message_body(event))
    deliver(aws, now=DAY)
    assert sms_to(PHONE) == [text]
    assert signs_in(aws, the_password(text))  # no later attempt set another password


def test_the_delivery_log_shows_the_welcome_with_its_password_masked(client, aws, ops):
    imported(client, aws, ops)
    deliver(aws, now=DAY)
    password = the_password(sms_to(PHONE)[0])
    log = body_of(call(client, "GET", f"/ops/notifications?recipient=%2B{PHONE[1:]}", ops))
    (item,) = log["items"]
    assert (item["event"], item["channel"], item["status"], item["language"]) == (
        "artisan.welcome", "sms", "sent", "ur")
    assert item["body"].endswith(PASSWORD_MASK) and password not in item["body"]
    emailed = body_of(call(client, "GET", "/ops/notifications?recipient=ali@example.pk", ops))["items"]
    assert [entry["status"] for entry in emailed] == ["suppressed"]  # SMS only: it carries their way in
    assert password not in emailed[0]["body"]


def test_a_welcome_whose_relay_was_missed_is_sent_after_the_sweep(client, aws, ops, hooks):
    def refuse(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "down"}}, "SendMessage")

    hooks.add("before-call.sqs.SendMessage", refuse)
    event_id = imported(client, aws, ops)
    hooks.remove_all()
    assert outbox.get_event(event_id) is not None
    assert queued_bodies(aws) == []
    deliver(aws, now=DAY)
    assert sms_to(PHONE) == []

    assert relay_pending() == 1
    deliver(aws, now=DAY)
    (text,) = sms_to(PHONE)
    assert signs_in(aws, the_password(text))
    assert relay_pending() == 0


def test_a_welcome_decided_at_night_waits_for_eight_and_its_password_is_set_then(client, aws, ops):
    imported(client, aws, ops)
    deliver(aws, now=NIGHT)
    assert sms_to(PHONE) == []
    assert release_due(now=MORNING) == 1
    deliver(aws, now=MORNING)
    (text,) = sms_to(PHONE)
    assert signs_in(aws, the_password(text))

"""The notifications queue driven by hand, and what the emulator's SNS and SES took (as /dev/outbox reads them)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import boto3

from .aws import Aws
from .environment import REGION


def _queue(aws: Aws) -> tuple[Any, str, str]:
    sqs = boto3.client("sqs", region_name=REGION)
    url = aws.env["NOTIFICATIONS_QUEUE_URL"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return sqs, url, arn


def queued_bodies(aws: Aws) -> list[str]:
    """The bodies waiting on the queue (made visible again at once: a look, not a delivery)."""
    sqs, url, _ = _queue(aws)
    bodies: list[str] = []
    handles: list[dict[str, str]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            break
        bodies += [message["Body"] for message in messages]
        handles += [{"Id": str(len(handles) + i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
    for start in range(0, len(handles), 10):
        sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
            dict(entry, VisibilityTimeout=0) for entry in handles[start:start + 10]])
    return bodies


def deliver(aws: Aws, *, now: datetime | None = None,
            handler: Callable[[list[dict[str, Any]]], Any] | None = None, limit: int = 50) -> int:
    """Hand the queue's messages to the notifier, as Lambda would, until none is left or `limit` batches
    went; a message reported as failed (or a batch that raised) is made visible again at once, so the next
    batch retries it (the local pump's short retry). Returns the messages handed over."""
    from chalicelib.notifications.service import process_batch
    from local.pump import sqs_event

    sqs, url, arn = _queue(aws)
    handed = 0
    for _ in range(limit):
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                       AttributeNames=["All"]).get("Messages", [])
        if not messages:
            break
        handed += len(messages)
        records = sqs_event(messages, queue_arn=arn, region=REGION)["Records"]
        try:
            result = handler(records) if handler is not None else process_batch(records, now=now)
            failed = set(result.failed)
        except Exception:  # noqa: BLE001 - a notifier that died: every message of its batch comes back
            failed = {message["MessageId"] for message in messages}
        done = [m for m in messages if m["MessageId"] not in failed]
        again = [m for m in messages if m["MessageId"] in failed]
        if done:
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])
        if again:
            sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for i, m in enumerate(again)])
            break
    return handed


def sms_to(phone: str) -> list[str]:
    """The texts the emulator's SNS took for `phone`, in order."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    return [text for number, text, *_ in sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values()
            if number == phone]


def emails_to(address: str) -> list[tuple[str, str]]:
    """(subject, body) of each e-mail the emulator's SES took for `address`, in order."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    return [(message.subject, message.body) for message in sent
            if address in message.destinations.get("ToAddresses", [])]

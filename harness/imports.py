"""Registry imports driven as in production: ops create one, post the file with the granted presigned POST,
and the import queue's messages reach the import worker's handler as Lambda would hand them over."""
from __future__ import annotations

from typing import Any

import boto3
import requests

from .aws import Aws, User
from .environment import REGION
from .http import body_of, call


def start_import(client: Any, ops: User, data: bytes) -> str:
    """Create an import for `data` and upload it; returns the import id."""
    response = call(client, "POST", "/ops/artisan-imports", ops, {"size_bytes": len(data)})
    assert response.status_code == 201, response.body
    created = body_of(response)
    form = created["upload"]
    posted = requests.post(form["url"], data=form["fields"], files={"file": ("registry.csv", data, "text/csv")},
                           timeout=30)
    assert posted.status_code == 204, posted.text
    return str(created["import_id"])


def import_of(client: Any, ops: User, import_id: str) -> dict[str, Any]:
    response = call(client, "GET", f"/ops/artisan-imports/{import_id}", ops)
    assert response.status_code == 200, response.body
    document: dict[str, Any] = body_of(response)
    return document


def import_pump(aws: Aws, handler: Any = None) -> Any:
    """The local stack's pump on the import queue, driven by hand: no long poll, failures visible again at once."""
    from local.pump import EventPump, Queue

    if handler is None:
        from app import process_import_events as handler
    sqs = boto3.client("sqs", region_name=REGION)
    url = aws.env["IMPORT_QUEUE_URL"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pump = EventPump(sqs=sqs, queue_url=aws.env["IMAGE_QUEUE_URL"], queue_arn=arn, on_images=handler,
                     sweep=lambda event, context: None, sweep_seconds=3600, region=REGION, wait_seconds=0,
                     retry_seconds=0)
    return pump, Queue(url=url, arn=arn, handler=handler, function_name="process_import_events", batch_size=1)


def drain_imports(aws: Aws, handler: Any = None, *, limit: int = 100) -> int:
    """Deliver the import queue until it is empty (at most `limit` deliveries); returns the deliveries."""
    pump, queue = import_pump(aws, handler)
    deliveries = 0
    while deliveries < limit and pump.deliver(queue):
        deliveries += 1
    return deliveries


def sms_sent(aws: Aws) -> list[tuple[str, str]]:
    """(phone, text) of every SMS the emulator's SNS took, in order."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    return [(phone, text) for phone, text, *_ in sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values()]

"""The event pump: delivers locally what AWS would deliver to the app's event handlers.

On AWS, Lambda's SQS event source mappings feed the image queue to the image
processor and the import queue to the import worker, and EventBridge runs the
sweep on a schedule. Locally one thread per queue and one for the sweep do the
same, calling the very same handler functions with the event shapes that
Lambda passes, so nothing in `app.py` knows it is running locally.
"""

from __future__ import annotations

import datetime
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalice.local import LambdaContext

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any], Any], Any]


def sqs_event(
    messages: list[dict[str, Any]], *, queue_arn: str, region: str
) -> dict[str, Any]:
    """The event Lambda passes to an SQS-triggered function for these received messages."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {
                    name: _message_attribute(value)
                    for name, value in message.get("MessageAttributes", {}).items()
                },
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "stringValue": value.get("StringValue"),
        "binaryValue": value.get("BinaryValue"),
        "stringListValues": value.get("StringListValues", []),
        "binaryListValues": value.get("BinaryListValues", []),
        "dataType": value["DataType"],
    }


def scheduled_event(*, rule: str, region: str, account: str) -> dict[str, Any]:
    """The event EventBridge passes to a scheduled function."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": now,
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account}:rule/{rule}"],
        "detail": {},
    }


def lambda_context(function_name: str) -> LambdaContext:
    return LambdaContext(function_name, memory_size=512, max_runtime_ms=900_000)


def failed_ids(result: Any) -> set[str]:
    """Message ids the handler reported as failed in a partial batch response."""
    if not isinstance(result, dict):
        return set()
    return {f["itemIdentifier"] for f in result.get("batchItemFailures") or []}


@dataclass(frozen=True)
class Queue:
    """A queue delivered to a handler, as Lambda's event source mapping would (one batch at a time)."""

    url: str
    arn: str
    handler: Handler
    function_name: str
    batch_size: int = 10


class EventPump:
    """Polls the image queue into `on_images` (and each of `queues` into its handler) and runs `sweep` every
    `sweep_seconds`.

    Messages the handler reports as failed, or every message of a batch whose
    handler raised, stay on the queue and are made visible again after
    `retry_seconds` (instead of the queue's full visibility timeout, so retries
    and the dead-letter queue are observable locally); after the queue's
    `maxReceiveCount` receives the emulator moves them to the DLQ.
    """

    def __init__(
        self,
        *,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        on_images: Handler,
        sweep: Handler,
        sweep_seconds: float,
        region: str,
        account: str = "123456789012",
        wait_seconds: int = 1,
        retry_seconds: int = 2,
        queues: tuple[Queue, ...] = (),
    ) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._queue_arn = queue_arn
        self._on_images = on_images
        self._sweep = sweep
        self._sweep_seconds = sweep_seconds
        self._region = region
        self._account = account
        self._wait_seconds = wait_seconds
        self._retry_seconds = retry_seconds
        self._queues = queues
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._stopping.clear()
        self._threads = [
            threading.Thread(target=self._poll_images, name="pump-images"),
            threading.Thread(target=self._run_sweeps, name="pump-sweep"),
            *(threading.Thread(target=self._poll, args=(queue,), name=f"pump-{queue.function_name}")
              for queue in self._queues),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join()
        self._threads = []

    def _poll_images(self) -> None:
        while not self._stopping.is_set():
            try:
                self.deliver_images()
            except Exception:
                logger.exception("polling the image queue failed")
                self._stopping.wait(1)

    def _poll(self, queue: Queue) -> None:
        while not self._stopping.is_set():
            try:
                self.deliver(queue)
            except Exception:
                logger.exception("polling %s's queue failed", queue.function_name)
                self._stopping.wait(1)

    def _run_sweeps(self) -> None:
        while not self._stopping.wait(self._sweep_seconds):
            self.run_sweep()

    def deliver_images(self) -> int:
        """One long poll of the image queue and one handler call; returns the messages delivered."""
        return self.deliver(Queue(self._queue_url, self._queue_arn, self._on_images, "process_image_events"))

    def deliver(self, queue: Queue) -> int:
        """One long poll of `queue` and one handler call; returns the messages delivered."""
        messages = self._sqs.receive_message(
            QueueUrl=queue.url,
            MaxNumberOfMessages=queue.batch_size,
            WaitTimeSeconds=self._wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        event = sqs_event(messages, queue_arn=queue.arn, region=self._region)
        try:
            failed = failed_ids(queue.handler(event, lambda_context(queue.function_name)))
        except Exception:
            logger.exception("%s raised; the batch will be retried", queue.function_name)
            failed = {message["MessageId"] for message in messages}
        done = [m for m in messages if m["MessageId"] not in failed]
        retry = [m for m in messages if m["MessageId"] in failed]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=queue.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(done)
                ],
            )
        if retry:
            self._sqs.change_message_visibility_batch(
                QueueUrl=queue.url,
                Entries=[
                    {
                        "Id": str(i),
                        "ReceiptHandle": m["ReceiptHandle"],
                        "VisibilityTimeout": self._retry_seconds,
                    }
                    for i, m in enumerate(retry)
                ],
            )
        return len(messages)

    def run_sweep(self) -> None:
        """One scheduled run of the sweep; an error is logged and the next run comes on time."""
        event = scheduled_event(
            rule="sweep_expired_orders", region=self._region, account=self._account
        )
        try:
            self._sweep(event, lambda_context("sweep_expired_orders"))
        except Exception:
            logger.exception("the scheduled sweep failed")

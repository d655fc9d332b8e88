"""Messages a function sends to a queue itself (the import worker's continuation)."""
from __future__ import annotations

import json
from typing import Any

from .clients import aws_client


def send(queue_url: str, body: dict[str, Any]) -> None:
    aws_client("sqs").send_message(
        QueueUrl=queue_url, MessageBody=json.dumps(body))

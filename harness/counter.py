"""The AWS requests the app makes (DynamoDB, S3, SQS...), counted from botocore's event hooks.

The hooks go into botocore's BUILTIN_HANDLERS, the list every new botocore session
registers (moto mocks AWS the same way), so they see every client made afterwards:
pynamodb's per-thread and transaction connections as well as boto3's. A client made
before `install()` carries no hook, so install the counter before the app makes any.

    counter = RequestCounter("dynamodb")
    with counter, mocked_aws() as aws:
        ...
        with counter.recording() as requests:
            call(client, "GET", "/listings")
        print([request.operation for request in requests])
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.handlers import BUILTIN_HANDLERS


@dataclass
class Request:
    """One request that reached AWS, and what came back (an error response too)."""

    service: str  # botocore's service id: "dynamodb", "s3", "sqs", "cognito-identity-provider"...
    operation: str  # "GetItem", "PutObject", "SendMessage"...
    body: bytes  # as sent, for the JSON protocols (DynamoDB, SQS, SSM); empty for the others (S3)
    response: dict[str, Any]  # as parsed
    seconds: float  # from sending the request to its parsed response

    @property
    def params(self) -> dict[str, Any]:
        """The request's parameters, as the service's JSON protocol carries them ({} for S3)."""
        return dict(json.loads(self.body)) if self.body else {}

    @property
    def items_read(self) -> int:
        """DynamoDB items this request read: every item a get returned, every item a Query or Scan evaluated."""
        name, parsed = self.operation, self.response
        if name == "GetItem":
            return int("Item" in parsed)
        if name in ("Query", "Scan"):
            return self.items_evaluated
        if name == "BatchGetItem":
            return sum(len(items) for items in parsed.get("Responses", {}).values())
        if name == "TransactGetItems":
            return sum(1 for response in parsed.get("Responses", []) if response.get("Item"))
        return 0

    @property
    def items_evaluated(self) -> int:
        """Items a DynamoDB Query or Scan read from its table or index (ScannedCount), returned or filtered out."""
        if self.operation not in ("Query", "Scan"):
            return 0
        return int(self.response.get("ScannedCount", self.response.get("Count", 0)))


class RequestCounter:
    """Records the requests made to `services` (all, when none is named) by clients made after `install()`.

    `recording()` collects them into a list; `on_request`, when given, is called with each
    one as it completes (from the hook, so a request it makes itself should be `paused()`).
    `seconds` adds up the time spent in them, every request counted, recording or not.
    """

    def __init__(self, *services: str, on_request: Callable[[Request], None] | None = None) -> None:
        self.seconds = 0.0
        self.on_request = on_request
        self._recording: list[Request] | None = None
        self._local = threading.local()
        self._key = f"harness.counter.{id(self)}"  # this counter's mark in a request's context
        # botocore matches event names by prefix: "after-call.dynamodb" is every DynamoDB operation.
        suffixes = [f".{service}" for service in services] or [""]
        self._handlers: list[tuple[str, Callable[..., None]]] = [
            *((f"before-call{suffix}", self._before_call) for suffix in suffixes),
            *((f"after-call{suffix}", self._after_call) for suffix in suffixes),
        ]

    def install(self) -> None:
        """Hook into every botocore session (and so every client) created from now on."""
        BUILTIN_HANDLERS.extend(self._handlers)

    def uninstall(self) -> None:
        """Stop hooking new sessions. Clients made meanwhile keep their hooks: outside `recording()`
        (and without `on_request`) those only add to `seconds`."""
        for handler in self._handlers:
            BUILTIN_HANDLERS.remove(handler)

    def __enter__(self) -> RequestCounter:
        self.install()
        return self

    def __exit__(self, *_: object) -> None:
        self.uninstall()

    @contextmanager
    def recording(self) -> Iterator[list[Request]]:
        """The requests completed within the block, in order."""
        recorded: list[Request] = []
        self._recording = recorded
        try:
            yield recorded
        finally:
            self._recording = None

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Requests this thread makes within the block are neither recorded nor timed."""
        self._local.paused = True
        try:
            yield
        finally:
            self._local.paused = False

    def _before_call(self, *, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if getattr(self._local, "paused", False):
            return
        body = params.get("body") if model.service_model.protocol == "json" else None
        context[self._key] = (time.perf_counter(), body.encode() if isinstance(body, str) else body or b"")

    def _after_call(self, *, model: Any, parsed: dict[str, Any], context: dict[str, Any], event_name: str,
                    **_: Any) -> None:
        mark = context.pop(self._key, None)
        if mark is None:
            return
        started, body = mark
        seconds = time.perf_counter() - started
        self.seconds += seconds
        if self._recording is None and self.on_request is None:
            return
        request = Request(service=event_name.split(".")[1], operation=model.name, body=body, response=parsed,
                          seconds=seconds)
        if self._recording is not None:
            self._recording.append(request)
        if self.on_request is not None:
            self.on_request(request)

"""The outbox: events written in the transaction of the change that causes them, then relayed to a queue.

`add` puts the event (once: its id is derived from the change) into the caller's transaction, marked
unrelayed (the sparse `by_unrelayed` index), and asks the transaction to relay it once committed: the
relay sends it to the notifications queue and clears the mark. A relay that fails (a crash, SQS down)
leaves the mark, and the scheduled sweep (`relay_pending`) sends what is still marked. A relay never
fails the request that made the change; sending an event twice is harmless, since the notifier records
each delivery before sending it.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from ..ids import parse_rfc3339
from ..wiring import get_settings
from .clients import aws_client
from .conditions import condition_failed
from .records import OutboxEvent
from .tables import OutboxItem
from .transactions import Transaction

logger = logging.getLogger(__name__)
UNRELAYED = "unrelayed"
KEEP_FOR = timedelta(days=30)


def add(transaction: Transaction, event: OutboxEvent) -> None:
    """Write `event` with the transaction (only if no event of that id exists) and relay it after the commit."""
    transaction.put(_row(event), condition=OutboxItem.event_id.does_not_exist(), tag="once")

    def relay_it() -> None:
        relay([event])

    transaction.after_commit(relay_it)


def _row(event: OutboxEvent) -> OutboxItem:
    expires = int((parse_rfc3339(event.created_at) + KEEP_FOR).timestamp())
    return OutboxItem(event.event_id, kind=event.kind, recipient_user_id=event.recipient_user_id, data=event.data,
                      created_at=event.created_at, relay_queue=UNRELAYED, expires_at_epoch=expires)


def _event(row: OutboxItem) -> OutboxEvent:
    return OutboxEvent(event_id=row.event_id, kind=row.kind, recipient_user_id=row.recipient_user_id,
                       data=dict(row.data), created_at=row.created_at)


def message_body(event: OutboxEvent) -> str:
    return json.dumps({"event_id": event.event_id, "kind": event.kind, "recipient_user_id": event.recipient_user_id,
                       "data": event.data, "created_at": event.created_at}, ensure_ascii=False)


def event_from_message(body: str) -> OutboxEvent:
    values: dict[str, Any] = json.loads(body)
    return OutboxEvent(event_id=values["event_id"], kind=values["kind"],
                       recipient_user_id=values.get("recipient_user_id"), data=values["data"],
                       created_at=values["created_at"])


def relay(events: Iterable[OutboxEvent]) -> int:
    """Send each event to the notifications queue and clear its mark; returns how many went.

    Best effort by design: any failure is logged and left to the sweep, never raised into the request.
    """
    sent = 0
    for event in events:
        try:
            aws_client("sqs").send_message(QueueUrl=get_settings().notifications_queue_url,
                                           MessageBody=message_body(event))
            _mark_relayed(event.event_id)
        except Exception:  # noqa: BLE001 - the event stays marked; the sweep relays it
            logger.warning("outbox relay failed; the sweep will send it", extra={"event_id": event.event_id},
                           exc_info=True)
            continue
        sent += 1
    return sent


def _mark_relayed(event_id: str) -> None:
    try:
        OutboxItem(event_id).update(actions=[OutboxItem.relay_queue.remove()],
                                    condition=OutboxItem.event_id.exists())
    except UpdateError as error:
        if not condition_failed(error):
            raise


def unrelayed(*, page_size: int = 100) -> Iterable[OutboxEvent]:
    """Every event still marked, oldest first, a page at a time as the caller goes (the sweep's Query)."""
    for row in OutboxItem.by_unrelayed.query(UNRELAYED, page_size=page_size):
        yield _event(row)


def relay_pending() -> int:
    """The sweep: relay whatever the relay right after the commit missed."""
    return relay(unrelayed())


def hand_back(delivery_id: str) -> None:
    """Give a held delivery whose time has come back to the notifier, through its queue."""
    aws_client("sqs").send_message(QueueUrl=get_settings().notifications_queue_url,
                                   MessageBody=json.dumps({"release": delivery_id}))


def get_event(event_id: str) -> OutboxEvent | None:
    try:
        return _event(OutboxItem.get(event_id, consistent_read=True))
    except DoesNotExist:
        return None

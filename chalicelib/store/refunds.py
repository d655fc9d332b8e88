"""Refunds: one item each, decided in the transaction of the order change they belong to, then settled.

A refund is put only if its id is new (the id is derived from the order and the
idempotency key, so the item is also the idempotency record); it is settled only
from `pending`, so a request, the sweep and the gateway's webhook can race to
settle it and exactly one of them does. Pending refunds carry the sparse
`pending_queue` key, so the sweep finds them with one Query.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, fields

from pynamodb.exceptions import DoesNotExist, UpdateError

from .conditions import condition_failed
from .records import RefundRecord
from .tables import RefundByPending, RefundItem
from .transactions import Transaction

PENDING = "pending"
QUEUE = "pending"
NEW_TAG = "once"  # a refund that exists already is a duplicate, like any once-only record
SETTLE_TAG = "refund_settled"
_FIELDS = tuple(field.name for field in fields(RefundRecord))
_INTEGERS = frozenset({"amount", "attempts"})


def _record(row: RefundItem) -> RefundRecord:
    values = {name: getattr(row, name) for name in _FIELDS}
    for name in _INTEGERS:
        values[name] = int(values[name])
    return RefundRecord(**values)


def get_refund(refund_id: str) -> RefundRecord | None:
    try:
        return _record(RefundItem.get(refund_id, consistent_read=True))
    except DoesNotExist:
        return None


def write_new(transaction: Transaction, record: RefundRecord) -> None:
    """Add the decided refund to the order change's transaction, only if its id is new."""
    values = {name: value for name, value in asdict(record).items() if value is not None}
    row = RefundItem(**values, pending_queue=QUEUE if record.status == PENDING else None)
    transaction.put(row, condition=RefundItem.refund_id.does_not_exist(), tag=NEW_TAG)


def write_settled(transaction: Transaction, record: RefundRecord) -> None:
    """Add the refund's outcome (succeeded or failed) to the transaction, over a refund still pending only."""
    actions = [RefundItem.status.set(record.status), RefundItem.updated_at.set(record.updated_at),
               RefundItem.pending_queue.remove()]
    if record.gateway_ref is not None:
        actions.append(RefundItem.gateway_ref.set(record.gateway_ref))
    if record.failure is not None:
        actions.append(RefundItem.failure.set(record.failure))
    transaction.update(RefundItem(record.refund_id), actions, condition=RefundItem.status == PENDING,
                       tag=SETTLE_TAG)


def count_attempt(refund_id: str) -> int | None:
    """Count a gateway call about to be made for a pending refund; None if it is no longer pending.

    Written before the call: a refund with attempts above zero may have reached the gateway, so
    whoever picks it up next asks the gateway (inquiry) before calling it again.
    """
    row = RefundItem(refund_id)
    try:
        row.update(actions=[RefundItem.attempts.add(1)], condition=RefundItem.status == PENDING)
    except UpdateError as error:
        if condition_failed(error):
            return None
        raise
    return int(row.attempts)


def pending_before(created_before: str, *, page_size: int = 100) -> Iterator[str]:
    """Ids of every refund still pending that was decided before `created_before`, oldest first."""
    for row in RefundItem.by_pending.query(QUEUE, RefundByPending.created_at < created_before,
                                           page_size=page_size):
        yield row.refund_id

"""Return requests: one item each, written in the transaction of the order change they belong to.

A new request is put only if its id is new; a decision is written only over a
request still `requested`, so two decisions can never both land. The order's
own revision condition (store/orders.commit_change) guards the quantities.
"""
from __future__ import annotations

from dataclasses import asdict, fields

from pynamodb.exceptions import DoesNotExist, UpdateError

from .conditions import condition_failed
from .records import ReturnRecord
from .tables import ReturnItem
from .transactions import Transaction

REQUESTED = "requested"
TAG = "return"
_FIELDS = tuple(field.name for field in fields(ReturnRecord))


def _record(row: ReturnItem) -> ReturnRecord:
    return ReturnRecord(**{name: getattr(row, name) for name in _FIELDS})


def get_return(return_id: str) -> ReturnRecord | None:
    try:
        return _record(ReturnItem.get(return_id, consistent_read=True))
    except DoesNotExist:
        return None


def write(transaction: Transaction, record: ReturnRecord) -> None:
    """Add the request (new) or its decision (over `requested` only) to the order change's transaction."""
    row = ReturnItem(**{name: value for name, value in asdict(record).items() if value is not None})
    if record.status == REQUESTED:
        transaction.put(row, condition=ReturnItem.return_id.does_not_exist(), tag=TAG)
    else:
        transaction.put(row, condition=ReturnItem.status == REQUESTED, tag=TAG)


def link_refund(return_id: str, refund_id: str) -> None:
    """Note the refund that paid an approved return (once: the first refund id stays)."""
    try:
        ReturnItem(return_id).update(actions=[ReturnItem.refund_id.set(refund_id)],
                                     condition=ReturnItem.return_id.exists() & ReturnItem.refund_id.does_not_exist())
    except UpdateError as error:
        if not condition_failed(error):
            raise

"""Hot listings: stock reserved with single-item writes, outside the order's transaction.

In a flash sale, every order for one listing writes that one item. A transaction holds the items it
writes while it commits, and DynamoDB cancels any other transaction or write that touches them
meanwhile (TransactionConflict); a transactional write also costs two write units against the item's
1,000 a second. So a hot listing's stock is taken by a single conditional UpdateItem instead, which
conflicts with nothing and costs one unit, and the order is written by a transaction that no longer
touches the listing. What would have made the pair atomic is made repairable:

1. `begin`: one transaction writes the order, marked reserving (sparse index `by_repair`), and the
   idempotency record;
2. `reserve`: per hot line, `stock -= q` if `stock >= q`, active and not held by moderation,
   recording `hold_<order id>` on the listing in the same write, so whether this order took its
   units is always on the item (a variant's line: the variant's stock, live, and
   `hold_<order id>_<variant id>`: each variant of one listing is held apart);
3. `finish`: one transaction makes the order real (artisan copies, expiry queue, cold lines'
   reservations), conditional on it being neither finished nor abandoned;
4. `clear_hold`: the listing forgets the hold (one more single-item write; first in line on a contended
   listing, so holds do not pile up on the item and make every write to it cost more).

A request that dies between 1 and 3 leaves a reserving order. The sweep `abandon`s it once it is
`REPAIR_AFTER` old (far beyond the API's timeout): it marks it abandoned, which `finish` can no
longer pass, gives back each unit still held (`release`, conditional on the hold, so exactly once),
and deletes the order and its idempotency record, so the buyer's retry starts afresh.
"""
from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.exceptions import UpdateError

from ..errors import ServiceUnavailableError
from ..optimistic import ConflictError
from . import limits, outbox
from .conditions import BUSY_CODES, condition_failed, error_code
from .orders import (
    DuplicateRecordError,
    StockShortError,
    artisan_copy_rows,
    expiry_queue,
    line_units,
    order_row,
    placed_event,
    put_new_order,
    reserve_in,
)
from .records import BuyerLimits, IdempotencyRecord, Order, StockKey
from .tables import IdempotencyItem, ListingItem, OrderByRepair, OrderItem
from .transactions import Transaction

logger = logging.getLogger(__name__)
REPAIR_QUEUE = "reserving"
# Writes that meet another writer or the item's write rate wait their turn until this budget is spent
# (under the API function's 25 s timeout, API Gateway's 29 s), then the buyer is told to retry (503):
# in a sale, a buyer is better served by a wait than by a refusal.
_PATIENCE_SECONDS = 20.0


@lru_cache(maxsize=4)
def _writer(region: str | None, endpoint_url: str | None) -> Any:
    """A DynamoDB client that does not retry by itself: `_patiently` retries busy answers within milliseconds,
    where botocore waits up to a second (and doubling) after a throttle, leaving the item's units unused."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client("dynamodb", region_name=region, endpoint_url=endpoint_url,
                                          config=Config(retries={"total_max_attempts": 1}))


def _client() -> Any:
    return _writer(ListingItem.Meta.region, os.environ.get("AWS_ENDPOINT_URL") or None)


def _hold(order_id: str, variant_id: str | None) -> str:
    return f"hold_{order_id}" if variant_id is None else f"hold_{order_id}_{variant_id}"


def _stock_path(variant_id: str | None) -> tuple[str, dict[str, str]]:
    """The stock an order takes, as an expression path and its names: the listing's own, or a variant's."""
    if variant_id is None:
        return "#stock", {"#stock": "stock"}
    return "#variants.#variant.#stock", {"#variants": "variants", "#variant": variant_id, "#stock": "stock"}


def _patiently(write: Any, *, hurry_for: float = 0.0) -> Any:
    """`write()`, retried while the item is busy until the patience runs out.

    Retries back off from 25 ms, doubling up to 200 ms. Past half the patience the longest pause shrinks, down to
    10 ms at the deadline: the buyers who have waited longest retry most often and are served before it, rather
    than in the random order of everybody's retries. For its first `hurry_for` seconds a write retries every
    5-10 ms (a hold's clearing, see `clear_hold`).
    """
    started = time.monotonic()
    pause = 0.025
    while True:
        try:
            return write()
        except ClientError as error:
            code = error_code(error)
            if code not in BUSY_CODES:
                raise
            waited = time.monotonic() - started
            if waited > _PATIENCE_SECONDS:
                logger.warning("hot listing write gave up after %.1f s busy", _PATIENCE_SECONDS, extra={"code": code})
                raise ServiceUnavailableError(headers={"Retry-After": "1"}) from None
        if waited <= hurry_for:
            time.sleep(random.uniform(0.005, 0.01))
            continue
        time.sleep(random.uniform(pause / 2, pause))
        pause = min(pause * 2, _longest_pause(waited))


def _longest_pause(waited: float) -> float:
    half = _PATIENCE_SECONDS / 2
    return 0.2 if waited <= half else max(0.01, 0.2 * (_PATIENCE_SECONDS - waited) / half)


def mark_hot(listing_ids: list[str], *, until: str) -> None:
    """Send the listings' next orders down the hot path (best effort: a lost mark is made again)."""
    for listing_id in listing_ids:
        try:
            _client().update_item(
                TableName=ListingItem.Meta.table_name, Key={"listing_id": {"S": listing_id}},
                UpdateExpression="SET hot_until = :until", ConditionExpression="attribute_exists(listing_id)",
                ExpressionAttributeValues={":until": {"S": until}})
        except ClientError:
            continue


def begin(order: Order, idempotency: IdempotencyRecord, *, reserving_until: str, buyer_limits: BuyerLimits) -> None:
    """Write the order, reserving, its idempotency record and the buyer's counts (within `buyer_limits`).

    DuplicateRecordError if the key was used, LimitError (store/limits.py) if the buyer would pass a limit.
    """
    row = order_row(order)
    row.reserving_until = reserving_until
    row.repair_queue = REPAIR_QUEUE
    row.reserving_key = idempotency.key
    row.expiry_queue = None
    transaction = Transaction(OrderItem.Meta.region)
    put_new_order(transaction, row, idempotency)
    limits.count_in(transaction, order.buyer_id, line_units(order.lines), buyer_limits)
    failed = transaction.commit()
    if "idempotency" in failed or "order" in failed:
        raise DuplicateRecordError()
    limits.raise_for(failed)


def reserve(key: StockKey, order_id: str, quantity: int) -> int:
    """Take `quantity` units of the listing (variant) for the order, once (StockShortError: not enough, not active,
    held, or the variant retired). Returns how many orders' holds the listing carries now, this one's included."""
    listing_id, variant_id = key
    stock, names = _stock_path(variant_id)
    update = f"SET {stock} = {stock} - :q, #hold = :q"
    condition = (f"{stock} >= :q AND #status = :active AND attribute_not_exists(#hold)"
                 " AND attribute_not_exists(moderation_hold)")
    values = {":q": {"N": str(quantity)}, ":active": {"S": "active"}}
    if variant_id is not None:
        update += " ADD variant_moves :one"
        condition += " AND attribute_not_exists(#variants.#variant.retired)"
        values[":one"] = {"N": "1"}

    def write() -> dict[str, Any]:
        return _client().update_item(
            TableName=ListingItem.Meta.table_name, Key={"listing_id": {"S": listing_id}},
            UpdateExpression=update, ConditionExpression=condition,
            ExpressionAttributeNames={**names, "#hold": _hold(order_id, variant_id), "#status": "status"},
            ExpressionAttributeValues=values, ReturnValues="ALL_NEW")

    try:
        item = _patiently(write)["Attributes"]
    except ClientError as error:
        if condition_failed(error):
            raise StockShortError([listing_id]) from None
        raise
    return sum(1 for name in item if name.startswith("hold_"))


def release(key: StockKey, order_id: str) -> bool:
    """Give back what the order holds on the listing (variant), once; False if it holds nothing there."""
    listing_id, variant_id = key
    stock, names = _stock_path(variant_id)
    update = f"SET {stock} = {stock} + #hold REMOVE #hold"
    values: dict[str, Any] = {}
    if variant_id is not None:
        update += " ADD variant_moves :one"
        values[":one"] = {"N": "1"}

    def write() -> None:
        _client().update_item(
            TableName=ListingItem.Meta.table_name, Key={"listing_id": {"S": listing_id}},
            UpdateExpression=update, ConditionExpression="attribute_exists(#hold)",
            ExpressionAttributeNames={**names, "#hold": _hold(order_id, variant_id)},
            **({"ExpressionAttributeValues": values} if values else {}))

    try:
        _patiently(write)
    except ClientError as error:
        if condition_failed(error):
            return False
        raise
    return True


def clear_hold(key: StockKey, order_id: str, *, contended: bool) -> None:
    """Forget a finished order's hold on the listing.

    On a `contended` listing (it carried other orders' holds besides this one's) it goes before the reservations
    waiting for the item, retrying every 5-10 ms while they back off to 200 ms: each hold left on the item adds
    some 25 bytes, and once the item passes a started KB every write to it costs one more unit, so holds piling up
    behind the reservations would cut what the listing sells by a third or more (measured: 65 % of the ceiling
    instead of 100 % with 16 buyers on one listing). Alone on the item, it backs off like any write.
    """
    listing_id, variant_id = key
    try:
        _patiently(lambda: _client().update_item(
            TableName=ListingItem.Meta.table_name, Key={"listing_id": {"S": listing_id}},
            UpdateExpression="REMOVE #hold", ExpressionAttributeNames={"#hold": _hold(order_id, variant_id)}),
            hurry_for=_PATIENCE_SECONDS if contended else 0.0)
    except (ClientError, ServiceUnavailableError):
        return


def finish(order: Order, cold: list[tuple[StockKey, int]]) -> None:
    """Make the reserving order real: artisan copies, expiry queue, the other lines' reservations.

    Raises ConflictError if the sweep abandoned it, StockShortError if a cold line fell short.
    """
    transaction = Transaction(OrderItem.Meta.region)
    actions: list[Any] = [OrderItem.reserving_until.remove(), OrderItem.repair_queue.remove(),
                          OrderItem.reserving_key.remove()]
    queue = expiry_queue(order.status)
    if queue is not None:
        actions.append(OrderItem.expiry_queue.set(queue))
    transaction.update(OrderItem(order.order_id), actions, tag="order",
                       condition=OrderItem.reserving_until.exists() & OrderItem.abandoned.does_not_exist())
    for row in artisan_copy_rows(order):
        transaction.put(row)
    reserve_in(transaction, cold)
    outbox.add(transaction, placed_event(order.order_id, order.buyer_id, order.status, order.lines,
                                         order.charge_amount, order.charge_currency, order.created_at))
    failed = transaction.commit()
    short = [tag[1] for tag in failed if isinstance(tag, tuple) and tag[0] == "reserve"]
    if short:
        raise StockShortError(short)
    if failed:
        raise ConflictError()


def abandon(order_id: str) -> list[StockKey]:
    """Undo a reserving order: mark it abandoned, give back what it holds, delete it and its key.

    Returns the listings (variants) whose units came back. Safe to repeat: each step is conditional.
    """
    row = OrderItem(order_id)
    try:
        row.update(actions=[OrderItem.abandoned.set(True)], condition=OrderItem.reserving_until.exists())
    except UpdateError as error:
        if condition_failed(error):
            return []  # finished, or already deleted
        raise
    released = [key for key, _ in line_units(row.lines) if release(key, order_id)]
    transaction = Transaction(OrderItem.Meta.region)
    transaction.delete(OrderItem(order_id), condition=OrderItem.abandoned.exists())
    if row.reserving_key:
        transaction.delete(IdempotencyItem(row.reserving_key), condition=IdempotencyItem.order_id == order_id)
    if row.limits_counted:
        # With the delete, whose condition only one abandon passes: the buyer's counts come back once.
        limits.count_out(transaction, row.buyer_id, line_units(row.lines))
    transaction.commit()
    return released


def due_for_repair(now: str, *, page_size: int = 100) -> Iterator[str]:
    """Every reserving order whose request must have ended by `now` (a sparse index, oldest first), a page
    at a time as the caller goes."""
    for row in OrderItem.by_repair.query(REPAIR_QUEUE, OrderByRepair.reserving_until <= now, page_size=page_size):
        yield row.order_id

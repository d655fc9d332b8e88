"""Orders: the transactions that place, move, pay, ship and deliver them.

Every change to an order is one TransactWriteItems: the order (conditional on
the revision that was read), each artisan's copy of their lines, stock
reservations or releases, de-duplication records and payout credits. Either
all of it happens or none of it; a failed condition is reported by position,
from the cancellation reasons, never from message text.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.errors import ServiceUnavailableError
from chalicelib.store.conditions import cancelled_positions, condition_failed, transaction_conflict
from chalicelib.store.pages import Page, query_page
from chalicelib.store.tables import (
    ArtisanOrderItem,
    IdempotencyItem,
    ListingItem,
    OrderItem,
    PaymentEventItem,
    PayoutItem,
    bind_tables,
)

_CONFLICT_RETRIES = 5
EXPIRY_QUEUE = "pending"
BALANCE_KEY = "balance"


class OrderConflictError(Exception):
    """The order changed since it was read; re-read and decide again."""


class DuplicateRecordError(Exception):
    """A record that must be written once already exists (idempotency key, payment event, payout entry)."""


class StockShortError(Exception):
    """Some reservations failed: not enough stock, or the listing is not active."""

    def __init__(self, listing_ids: list[str]) -> None:
        super().__init__(", ".join(listing_ids))
        self.listing_ids = listing_ids


def get_order(order_id: str) -> OrderItem | None:
    bind_tables()
    try:
        return OrderItem.get(order_id, consistent_read=True)
    except DoesNotExist:
        return None


def get_listings(listing_ids: list[str]) -> dict[str, ListingItem]:
    """One BatchGetItem for up to 100 listings."""
    bind_tables()
    return {item.listing_id: item for item in ListingItem.batch_get(listing_ids, consistent_read=True)}


def get_idempotency(key: str) -> IdempotencyItem | None:
    bind_tables()
    try:
        return IdempotencyItem.get(key, consistent_read=True)
    except DoesNotExist:
        return None


def artisan_order_sort(created_at: str, order_id: str) -> str:
    return f"{created_at}#{order_id}"


@dataclass
class OrderChange:
    """Everything one order change writes, in one transaction.

    `order_updates` None removes an attribute. `artisan_lines` replaces those
    artisans' line copies; every artisan copy gets the new status.
    """

    order: OrderItem
    order_updates: dict[str, Any] = field(default_factory=dict)
    artisan_lines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reserve: list[tuple[str, int]] = field(default_factory=list)
    release: list[tuple[str, int]] = field(default_factory=list)
    once_records: list[Model] = field(default_factory=list)
    payout_credits: dict[str, int] = field(default_factory=dict)


def _order_actions(updates: dict[str, Any]) -> list[Any]:
    actions = []
    for name, value in updates.items():
        attribute = getattr(OrderItem, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    return actions


def commit_change(change: OrderChange, *, now: str) -> None:
    """Apply an order change atomically.

    Raises OrderConflictError if the order moved since it was read,
    DuplicateRecordError if a once-only record exists, StockShortError if a
    reservation failed, ServiceUnavailableError if DynamoDB kept conflicting.
    """
    bind_tables()
    order = change.order
    revision = int(order.revision)
    updates = dict(change.order_updates, revision=revision + 1, updated_at=now)
    status = updates.get("status", order.status)

    def build(transaction: TransactWrite) -> dict[str, Any]:
        positions: dict[str, Any] = {"order": 0, "reserve": {}, "once": {}}
        transaction.update(OrderItem(order.order_id), actions=_order_actions(updates),
                           condition=OrderItem.revision == revision)
        position = 1
        for artisan_id in _artisans(order):
            actions = [ArtisanOrderItem.status.set(status),
                       ArtisanOrderItem.artisan_status.set(f"{artisan_id}#{status}")]
            if artisan_id in change.artisan_lines:
                actions.append(ArtisanOrderItem.lines.set(change.artisan_lines[artisan_id]))
            transaction.update(ArtisanOrderItem(artisan_id, artisan_order_sort(order.created_at, order.order_id)),
                               actions=actions)
            position += 1
        for listing_id, quantity in change.reserve:
            transaction.update(ListingItem(listing_id), actions=[ListingItem.stock.add(-quantity)],
                               condition=(ListingItem.stock >= quantity) & (ListingItem.status == "active"))
            positions["reserve"][position] = listing_id
            position += 1
        for listing_id, quantity in change.release:
            transaction.update(ListingItem(listing_id), actions=[ListingItem.stock.add(quantity)],
                               condition=ListingItem.listing_id.exists())
            position += 1
        for record in change.once_records:
            hash_key = type(record)._hash_key_attribute()
            transaction.save(record, condition=hash_key.does_not_exist())
            positions["once"][position] = record
            position += 1
        for artisan_id, amount in change.payout_credits.items():
            transaction.update(PayoutItem(artisan_id, BALANCE_KEY),
                               actions=[PayoutItem.amount.add(amount), PayoutItem.currency.set("PKR")])
            position += 1
        return positions

    failed, positions = _run(build)
    if not failed:
        return
    if any(p in positions["once"] for p in failed):
        raise DuplicateRecordError()
    short = [positions["reserve"][p] for p in failed if p in positions["reserve"]]
    if short:
        raise StockShortError(short)
    raise OrderConflictError()


def _artisans(order: OrderItem) -> list[str]:
    return sorted({line["artisan_id"] for line in order.lines})


def place_order(order: OrderItem, artisan_orders: list[ArtisanOrderItem], reservations: list[tuple[str, int]],
                idempotency: IdempotencyItem) -> None:
    """Write the order, its artisan copies, every reservation and the idempotency record at once.

    Raises DuplicateRecordError when the idempotency key was used already
    (checked first: a retried request must get its first order back), else
    StockShortError naming the listings that fell short.
    """
    bind_tables()

    def build(transaction: TransactWrite) -> dict[str, Any]:
        transaction.save(idempotency, condition=IdempotencyItem.idempotency_key.does_not_exist())
        transaction.save(order, condition=OrderItem.order_id.does_not_exist())
        for copy in artisan_orders:
            transaction.save(copy)
        reserve = {}
        for offset, (listing_id, quantity) in enumerate(reservations):
            transaction.update(ListingItem(listing_id), actions=[ListingItem.stock.add(-quantity)],
                               condition=(ListingItem.stock >= quantity) & (ListingItem.status == "active"))
            reserve[2 + len(artisan_orders) + offset] = listing_id
        return {"reserve": reserve}

    failed, positions = _run(build)
    if not failed:
        return
    if 0 in failed:
        raise DuplicateRecordError()
    short = [positions["reserve"][p] for p in failed if p in positions["reserve"]]
    if short:
        raise StockShortError(short)
    raise OrderConflictError()


def _run(build: Any) -> tuple[list[int], dict[str, Any]]:
    """Run a transaction, retrying DynamoDB's transaction conflicts with jittered back-off.

    Returns the positions whose conditions failed (empty on success).
    """
    for attempt in range(_CONFLICT_RETRIES):
        positions: dict[str, Any] = {}
        try:
            with TransactWrite(connection=Connection(region=OrderItem.Meta.region)) as transaction:
                positions = build(transaction)
        except TransactWriteError as error:
            failed = cancelled_positions(error)
            if failed:
                return failed, positions
            if transaction_conflict(error) or error.cause_response_code in (
                    "TransactionConflictException", "ProvisionedThroughputExceededException",
                    "ThrottlingException", "RequestLimitExceeded"):
                time.sleep(random.uniform(0, 0.05 * 2 ** attempt))
                continue
            raise
        return [], positions
    raise ServiceUnavailableError(headers={"Retry-After": "1"})


def buyer_orders(buyer_id: str, *, limit: int, cursor: str | None) -> Page[OrderItem]:
    return query_page(OrderItem.by_buyer, buyer_id, query_id=f"orders:buyer:{buyer_id}", limit=limit, cursor=cursor)


def artisan_orders(artisan_id: str, *, status: str | None, limit: int, cursor: str | None) -> Page[ArtisanOrderItem]:
    if status is None:
        return query_page(ArtisanOrderItem, artisan_id, query_id=f"artisan-orders:{artisan_id}",
                          limit=limit, cursor=cursor)
    key = f"{artisan_id}#{status}"
    return query_page(ArtisanOrderItem.by_status, key, query_id=f"artisan-orders:{key}", limit=limit, cursor=cursor)


def due_for_expiry(now: str, *, limit: int = 100) -> list[str]:
    """Ids of unpaid orders whose reservation has run out (a sparse index, oldest first)."""
    bind_tables()
    results = OrderItem.by_expiry.query(EXPIRY_QUEUE, OrderItem.by_expiry.expires_at <= now,  # type: ignore[attr-defined]
                                        limit=limit)
    return [item.order_id for item in results]


def payout_balance(artisan_id: str) -> int:
    bind_tables()
    try:
        return int(PayoutItem.get(artisan_id, BALANCE_KEY, consistent_read=True).amount)
    except DoesNotExist:
        return 0


def payout_entries(artisan_id: str, *, limit: int, cursor: str | None) -> Page[PayoutItem]:
    return query_page(PayoutItem, artisan_id, query_id=f"payouts:{artisan_id}", limit=limit, cursor=cursor,
                      range_key_condition=PayoutItem.entry_key.startswith("entry#"))


def payout_entry(artisan_id: str, *, order_id: str, amount: int, created_at: str) -> PayoutItem:
    return PayoutItem(artisan_id, f"entry#{created_at}#{order_id}", order_id=order_id, amount=amount,
                      currency="PKR", created_at=created_at)


def payment_record(key: str, *, order_id: str, outcome: str, amount: int | None, currency: str | None,
                   created_at: str) -> PaymentEventItem:
    return PaymentEventItem(key, order_id=order_id, outcome=outcome, amount=amount, currency=currency,
                            created_at=created_at)


def next_payment_attempt(order_id: str) -> int | None:
    """Count a payment attempt on an order still awaiting payment; None if it no longer is."""
    bind_tables()
    item = OrderItem(order_id)
    try:
        item.update(actions=[OrderItem.payment_attempts.add(1)],
                    condition=OrderItem.status == "pending_payment")
    except UpdateError as error:
        if condition_failed(error):
            return None
        raise
    return int(item.payment_attempts)

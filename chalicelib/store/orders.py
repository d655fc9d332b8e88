"""Orders: the transactions that place, move, pay, ship and deliver them.

Every change to an order is one TransactWriteItems: the order (conditional on
the revision that was read), each artisan's copy of their lines, stock
reservations or releases, de-duplication records and payout credits. Either
all of it happens or none of it; a failed condition is reported by position,
from the cancellation reasons, never from message text.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from ..errors import ServiceUnavailableError
from .conditions import condition_failed
from .pages import Page, query_page
from .tables import (
    ArtisanOrderItem,
    IdempotencyItem,
    ListingItem,
    OrderByExpiry,
    OrderItem,
    PaymentEventItem,
    PayoutItem,
    SettingItem,
    bind_tables,
)
from .transactions import Transaction

EXPIRY_QUEUE = "pending"
_BATCH_RETRIES = 5
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


def get_listings_and_setting(listing_ids: list[str], setting: str) -> tuple[dict[str, ListingItem], SettingItem | None]:
    """Listings and one settings document (the FX rates) in one BatchGetItem across both tables.

    pynamodb batches one model at a time, so this speaks BatchGetItem through
    its connection's client and lets the models deserialise the items.
    """
    bind_tables()
    request: dict[str, Any] = {
        ListingItem.Meta.table_name: {"Keys": [{"listing_id": {"S": lid}} for lid in listing_ids],
                                      "ConsistentRead": True},
        SettingItem.Meta.table_name: {"Keys": [{"name": {"S": setting}}], "ConsistentRead": True},
    }
    client = ListingItem._get_connection().connection.client
    found: dict[str, list[dict[str, Any]]] = {}
    for attempt in range(_BATCH_RETRIES):
        response = client.batch_get_item(RequestItems=request)
        for table, items in response.get("Responses", {}).items():
            found.setdefault(table, []).extend(items)
        request = response.get("UnprocessedKeys") or {}
        if not request:
            break
        time.sleep(0.02 * 2 ** attempt)
    else:
        raise ServiceUnavailableError(headers={"Retry-After": "1"})
    listings = [ListingItem.from_raw_data(raw) for raw in found.get(ListingItem.Meta.table_name, [])]
    settings = [SettingItem.from_raw_data(raw) for raw in found.get(SettingItem.Meta.table_name, [])]
    return {item.listing_id: item for item in listings}, (settings[0] if settings else None)


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
    once_records: list[Any] = field(default_factory=list)
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
    updates = dict(change.order_updates, revision=revision + 1)
    if change.order_updates:
        # A change that only records an event (a failure after success) must not look like an edit.
        updates["updated_at"] = now
    status = updates.get("status", order.status)
    transaction = Transaction(OrderItem.Meta.region)
    transaction.update(OrderItem(order.order_id), _order_actions(updates), condition=OrderItem.revision == revision,
                       tag="order")
    for artisan_id in _artisans(order):
        actions = [ArtisanOrderItem.status.set(status), ArtisanOrderItem.artisan_status.set(f"{artisan_id}#{status}")]
        if artisan_id in change.artisan_lines:
            actions.append(ArtisanOrderItem.lines.set(change.artisan_lines[artisan_id]))
        transaction.update(ArtisanOrderItem(artisan_id, artisan_order_sort(order.created_at, order.order_id)),
                           actions)
    _reserve(transaction, change.reserve)
    for listing_id, quantity in change.release:
        transaction.update(ListingItem(listing_id), [ListingItem.stock.add(quantity)],
                           condition=ListingItem.listing_id.exists())
    for record in change.once_records:
        transaction.put(record, condition=type(record)._hash_key_attribute().does_not_exist(), tag="once")
    for artisan_id, amount in change.payout_credits.items():
        transaction.update(PayoutItem(artisan_id, BALANCE_KEY),
                           [PayoutItem.amount.add(amount), PayoutItem.currency.set("PKR")])
    _raise_for(transaction.commit())


def _reserve(transaction: Transaction, reservations: list[tuple[str, int]]) -> None:
    for listing_id, quantity in reservations:
        transaction.update(ListingItem(listing_id), [ListingItem.stock.add(-quantity)],
                           condition=(ListingItem.stock >= quantity) & (ListingItem.status == "active"),
                           tag=("reserve", listing_id))


def _raise_for(failed: list[Any]) -> None:
    if not failed:
        return
    if "once" in failed or "idempotency" in failed:
        raise DuplicateRecordError()
    short = [tag[1] for tag in failed if isinstance(tag, tuple) and tag[0] == "reserve"]
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
    transaction = Transaction(OrderItem.Meta.region)
    transaction.put(idempotency, condition=IdempotencyItem.idempotency_key.does_not_exist(), tag="idempotency")
    transaction.put(order, condition=OrderItem.order_id.does_not_exist(), tag="order")
    for copy in artisan_orders:
        transaction.put(copy)
    _reserve(transaction, reservations)
    _raise_for(transaction.commit())


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
    # The range condition must use the index class's attribute: read through the index
    # instance (OrderItem.by_expiry.expires_at) pynamodb raises AttributeError.
    results = OrderItem.by_expiry.query(EXPIRY_QUEUE, OrderByExpiry.expires_at <= now, limit=limit)
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

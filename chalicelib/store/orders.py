"""Orders: the transactions that place, move, pay, ship and deliver them.

Every change to an order is one TransactWriteItems: the order (conditional on
the revision that was read), each artisan's copy of their lines, stock
reservations or releases, de-duplication records and payout credits. Either
all of it happens or none of it; a failed condition is reported by position,
from the cancellation reasons, never from message text.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import asdict, fields
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from ..errors import ServiceUnavailableError
from ..optimistic import ConflictError
from . import audit, limits, outbox
from . import refunds as refund_rows
from . import returns as return_rows
from .conditions import condition_failed
from .listings import listing_from_row
from .pages import Page, query_page
from .records import (
    ArtisanOrder,
    BuyerLimits,
    IdempotencyRecord,
    Listing,
    Order,
    OrderChange,
    OutboxEvent,
    PaymentRecord,
    PayoutEntry,
    StockKey,
)
from .tables import (
    ArtisanOrderItem,
    IdempotencyItem,
    ListingItem,
    OrderByExpiry,
    OrderItem,
    PaymentEventItem,
    PayoutItem,
    SettingItem,
)
from .transactions import Transaction

EXPIRY_QUEUE = "pending"
_BATCH_RETRIES = 5
BALANCE_KEY = "balance"
_LEDGER_READS = 3  # a ledger read that saw the balance move is repeated this often, then 503
_ORDER_FIELDS = tuple(field.name for field in fields(Order))
_ORDER_INTEGERS = frozenset({"subtotal", "shipping", "total", "charge_amount", "revision", "payment_attempts",
                             "open_returns", "refunded_amount"})
# The ops queues (GET /ops/orders?queue=): an order waits in one while the Order field is truthy. Its sparse
# index keys are derived here, in commit_change, so every writer of that field keeps its queue right.
QUEUE = "waiting"
QUEUE_KEYS: dict[str, tuple[str, str]] = {
    "needs_review": ("queue_review", "queue_review_at"),
    "disputed": ("queue_disputed", "queue_disputed_at"),
    "returns": ("queue_returns", "queue_returns_at"),
}
_QUEUE_FIELD = {"needs_review": "needs_review", "disputed": "disputed", "returns": "open_returns"}


class DuplicateRecordError(Exception):
    """A record that must be written once already exists (idempotency key, payment event, payout entry)."""


class RefundSettledError(Exception):
    """The refund was settled (succeeded or failed) by someone else meanwhile."""


class StockShortError(Exception):
    """Some reservations failed: not enough stock, or the listing is not active or is held by moderation."""

    def __init__(self, listing_ids: list[str]) -> None:
        super().__init__(", ".join(listing_ids))
        self.listing_ids = listing_ids


# --- rows <-> values ------------------------------------------------------------------------


def _order(row: OrderItem) -> Order:
    # An attribute the row lacks (an order older than the field) takes the record's default.
    values = {name: value for name in _ORDER_FIELDS if (value := getattr(row, name)) is not None}
    for name in _ORDER_INTEGERS & values.keys():
        values[name] = int(values[name])
    return Order(**values)


def _artisan_order(row: ArtisanOrderItem) -> ArtisanOrder:
    return ArtisanOrder(artisan_id=row.artisan_id, order_id=row.order_id, status=row.status, lines=row.lines,
                        shipping_address=row.shipping_address, created_at=row.created_at)


def _payout_entry(row: PayoutItem) -> PayoutEntry:
    return PayoutEntry(artisan_id=row.artisan_id, order_id=row.order_id, amount=int(row.amount),
                       created_at=row.created_at, kind=row.kind or "sale", ref=row.ref,
                       commission=int(row.commission or 0))


def payout_entry_key(entry: PayoutEntry) -> str:
    """Time-ordered; a sale is once per order, any other kind once per order and `ref` (the refund, ...)."""
    key = f"entry#{entry.created_at}#{entry.order_id}"
    return key if entry.kind == "sale" else f"{key}#{entry.kind}#{entry.ref}"


def expiry_queue(status: str) -> str | None:
    """Only unpaid orders sit in the sparse expiry index."""
    return EXPIRY_QUEUE if status == "pending_payment" else None


def order_row(order: Order) -> OrderItem:
    values = {name: value for name, value in asdict(order).items() if value is not None}
    return OrderItem(**values, expiry_queue=expiry_queue(order.status))


def put_new_order(transaction: Transaction, row: OrderItem, idempotency: IdempotencyRecord) -> None:
    """Add the idempotency record and the order to `transaction`, each only if it does not exist yet."""
    transaction.put(IdempotencyItem(idempotency.key, request_hash=idempotency.request_hash,
                                    order_id=idempotency.order_id, expires_at_epoch=idempotency.expires_at_epoch),
                    condition=IdempotencyItem.idempotency_key.does_not_exist(), tag="idempotency")
    transaction.put(row, condition=OrderItem.order_id.does_not_exist(), tag="order")
    if not row.repair_queue:  # a hot order is placed when `store.hot.finish` makes it real
        outbox.add(transaction, placed_event(row.order_id, row.buyer_id, row.status, row.lines, row.charge_amount,
                                             row.charge_currency, row.created_at))


def artisan_copy_rows(order: Order) -> list[ArtisanOrderItem]:
    """Each artisan's copy of their lines, so an artisan's orders are one Query."""
    return [ArtisanOrderItem(artisan_id, _order_sort(order.created_at, order.order_id), order_id=order.order_id,
                             status=order.status, artisan_status=f"{artisan_id}#{order.status}",
                             lines=[line for line in order.lines if line["artisan_id"] == artisan_id],
                             shipping_address=order.shipping_address, created_at=order.created_at)
            for artisan_id in order.artisan_ids]


def _order_sort(created_at: str, order_id: str) -> str:
    return f"{created_at}#{order_id}"


def _once_row(record: PaymentRecord | PayoutEntry) -> PaymentEventItem | PayoutItem:
    if isinstance(record, PayoutEntry):
        return PayoutItem(record.artisan_id, payout_entry_key(record), order_id=record.order_id,
                          amount=record.amount, currency="PKR", created_at=record.created_at, kind=record.kind,
                          ref=record.ref, commission=record.commission or None)
    return PaymentEventItem(record.key, order_id=record.order_id, outcome=record.outcome, amount=record.amount,
                            currency=record.currency, created_at=record.created_at)


# --- reads ----------------------------------------------------------------------------------


def get_order(order_id: str) -> Order | None:
    try:
        return _order(OrderItem.get(order_id, consistent_read=True))
    except DoesNotExist:
        return None


def get_listings_and_setting(listing_ids: list[str], setting: str) -> tuple[dict[str, Listing], dict[str, str] | None]:
    """Listings and one settings document's value (the FX rates) in one BatchGetItem across both tables.

    pynamodb batches one model at a time, so this speaks BatchGetItem through
    its connection's client and lets the models deserialise the items.
    """
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
    listings = [listing_from_row(ListingItem.from_raw_data(raw)) for raw in found.get(ListingItem.Meta.table_name, [])]
    settings = [SettingItem.from_raw_data(raw) for raw in found.get(SettingItem.Meta.table_name, [])]
    return {item.listing_id: item for item in listings}, (settings[0].value.as_dict() if settings else None)


def get_idempotency(key: str) -> IdempotencyRecord | None:
    try:
        row = IdempotencyItem.get(key, consistent_read=True)
    except DoesNotExist:
        return None
    return IdempotencyRecord(key=row.idempotency_key, request_hash=row.request_hash, order_id=row.order_id,
                             expires_at_epoch=int(row.expires_at_epoch))


# --- writes ---------------------------------------------------------------------------------


def commit_change(change: OrderChange, *, now: str) -> None:
    """Apply an order change atomically, conditional on the revision that was read.

    Raises ConflictError if the order moved since it was read,
    DuplicateRecordError if a once-only record exists, StockShortError if a
    reservation failed, ServiceUnavailableError if DynamoDB kept conflicting.
    """
    order = change.order
    updates = dict(change.updates, revision=order.revision + 1)
    if change.updates:
        # A change that only records an event (a failure after success) must not look like an edit.
        updates["updated_at"] = now
    status = updates.get("status", order.status)
    if status != order.status:
        updates["expiry_queue"] = expiry_queue(status)
    updates.update(queue_keys(order, updates, now))
    lines = updates.get("lines", order.lines)
    transaction = Transaction(OrderItem.Meta.region)
    transaction.update(OrderItem(order.order_id), _order_actions(updates),
                       condition=OrderItem.revision == order.revision, tag="order")
    for artisan_id in order.artisan_ids:
        actions = [ArtisanOrderItem.status.set(status), ArtisanOrderItem.artisan_status.set(f"{artisan_id}#{status}")]
        if "lines" in updates:
            actions.append(ArtisanOrderItem.lines.set([line for line in lines if line["artisan_id"] == artisan_id]))
        transaction.update(ArtisanOrderItem(artisan_id, _order_sort(order.created_at, order.order_id)), actions)
    if order.limits_counted and limits.is_open(order.status) and not limits.is_open(status):
        # Leaving "open" (paid, shipped, cancelled, expired, ...): the buyer's counts come back, once,
        # since this transaction is conditional on the revision that was read.
        limits.count_out(transaction, order.buyer_id, line_units(order.lines))
    reserve_in(transaction, change.reserve)
    for listing_id, units in _by_listing(change.release).items():
        transaction.update(ListingItem(listing_id), _stock_moves(units, +1), condition=ListingItem.listing_id.exists())
    for record in change.once:
        row = _once_row(record)
        transaction.put(row, condition=type(row)._hash_key_attribute().does_not_exist(), tag="once")
    for artisan_id, amount in change.payout_credits.items():
        transaction.update(PayoutItem(artisan_id, BALANCE_KEY),
                           [PayoutItem.amount.add(amount), PayoutItem.currency.set("PKR")])
    if change.audit is not None:
        audit.record(transaction, change.audit)
    if change.return_record is not None:
        return_rows.write(transaction, change.return_record)
    if change.new_refund is not None:
        refund_rows.write_new(transaction, change.new_refund)
    if change.settled_refund is not None:
        refund_rows.write_settled(transaction, change.settled_refund)
    for event in order_events(change, updates, now):
        outbox.add(transaction, event)
    _raise_for(transaction.commit())


def _event_data(order: Order, **more: Any) -> dict[str, Any]:
    """What an order's messages say and whom they go to: its buyer and (per kind) its artisans."""
    return {"order_id": order.order_id, "buyer_id": order.buyer_id, "artisan_ids": order.artisan_ids,
            "payment_method": order.payment_method, "amount": order.charge_amount,
            "currency": order.charge_currency, "lines": _event_lines(order.lines), **more}


def _event_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"artisan_id": line["artisan_id"], "title": line["title"], "quantity": int(line["quantity"])}
            for line in lines]


def placed_event(order_id: str, buyer_id: str, status: str, lines: list[dict[str, Any]], amount: Any,
                 currency: str, now: str) -> OutboxEvent:
    """`order.placed`: a cash-on-delivery order is confirmed as it is placed, so its artisans are told too."""
    data = {"order_id": order_id, "buyer_id": buyer_id, "artisan_ids": sorted({line["artisan_id"] for line in lines}),
            "payment_method": "cod" if status == "confirmed" else "online", "status": status, "amount": int(amount),
            "currency": currency, "lines": _event_lines(lines)}
    return OutboxEvent(f"order.placed#{order_id}", "order.placed", None, data, now)


def order_events(change: OrderChange, updates: dict[str, Any], now: str) -> list[OutboxEvent]:
    """The events an order change causes, derived here from the transition so every writer emits them:
    paid, shipped (per artisan whose lines all shipped now, with carrier and tracking), delivered, refunded.
    At most two per change (a refund may come with a status), so a transaction grows by two items at most."""
    order, events = change.order, []
    status = updates.get("status", order.status)
    if status != order.status and status in ("paid", "delivered"):
        events.append(OutboxEvent(f"order.{status}#{order.order_id}", f"order.{status}", None, _event_data(order), now))
    if "lines" in updates:
        for artisan_id in order.artisan_ids:
            before = [line for line in order.lines if line["artisan_id"] == artisan_id]
            after = [line for line in updates["lines"] if line["artisan_id"] == artisan_id]
            if all(line["fulfilment"] == "shipped" for line in after) and \
                    not all(line["fulfilment"] == "shipped" for line in before):
                events.append(OutboxEvent(
                    f"order.shipped#{order.order_id}#{artisan_id}", "order.shipped", None,
                    _event_data(order, artisan_id=artisan_id, carrier=after[0].get("carrier"),
                                tracking_number=after[0].get("tracking_number"), lines=_event_lines(after)), now))
    if change.new_refund is not None:
        refund = change.new_refund
        events.append(OutboxEvent(f"order.refunded#{refund.refund_id}", "order.refunded", None,
                                  _event_data(order, amount=refund.amount, currency=refund.currency,
                                              refund_id=refund.refund_id), now))
    return events


def queue_keys(order: Order, updates: dict[str, Any], now: str) -> dict[str, str | None]:
    """The queue index keys a change sets (joining a queue: now) or removes (leaving it); unchanged otherwise."""
    keys: dict[str, str | None] = {}
    for queue, (partition, joined) in QUEUE_KEYS.items():
        name = _QUEUE_FIELD[queue]
        before, after = bool(getattr(order, name)), bool(updates.get(name, getattr(order, name)))
        if after and not before:
            keys[partition], keys[joined] = QUEUE, now
        elif before and not after:
            keys[partition] = keys[joined] = None
    return keys


def queue_page(queue: str, *, limit: int, cursor: str | None) -> Page[Order]:
    """One ops queue, longest waiting first: one Query on its sparse index."""
    index = {"needs_review": OrderItem.by_review_queue, "disputed": OrderItem.by_disputed_queue,
             "returns": OrderItem.by_returns_queue}[queue]
    return query_page(index, QUEUE, convert=_order, query_id=f"orders:queue:{queue}", limit=limit, cursor=cursor,
                      newest_first=False)


def _order_actions(updates: dict[str, Any]) -> list[Any]:
    actions = []
    for name, value in updates.items():
        attribute = getattr(OrderItem, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    return actions


def in_catalog() -> Any:
    return (ListingItem.status == "active") & ListingItem.moderation_hold.does_not_exist()


def sellable(quantity: int) -> Any:
    """The condition under which a listing gives `quantity` units to an order: enough stock, in the catalog."""
    return (ListingItem.stock >= quantity) & in_catalog()


def _by_listing(moves: list[tuple[StockKey, int]]) -> dict[str, dict[str | None, int]]:
    """Stock moves grouped by listing item: a transaction may touch each item once, so one listing's variants
    move in one update."""
    grouped: dict[str, dict[str | None, int]] = {}
    for (listing_id, variant_id), quantity in moves:
        units = grouped.setdefault(listing_id, {})
        units[variant_id] = units.get(variant_id, 0) + quantity
    return grouped


def _variant_stock(variant_id: str) -> Any:
    return ListingItem.variants[variant_id]["stock"]


def _stock_moves(units: dict[str | None, int], sign: int) -> list[Any]:
    """The update actions that move a listing's own stock (key None) and its variants' by `sign` x units.

    Nested values cannot be ADDed: a variant's stock is SET to itself plus the change, and every such move
    adds to `variant_moves`, which a variants edit is conditional on (store/listings.py)."""
    actions: list[Any] = []
    for variant_id, quantity in units.items():
        if variant_id is None:
            actions.append(ListingItem.stock.add(sign * quantity))
        else:
            stock = _variant_stock(variant_id)
            actions.append(stock.set(stock + quantity) if sign > 0 else stock.set(stock - quantity))
    if any(variant_id is not None for variant_id in units):
        actions.append(ListingItem.variant_moves.add(1))
    return actions


def reserve_in(transaction: Transaction, reservations: list[tuple[StockKey, int]]) -> None:
    """Each listing gives its units in one conditional update: enough of its own stock or of each variant's
    (a live one: not retired), and in the catalog; a failure is tagged ("reserve", listing_id)."""
    for listing_id, units in _by_listing(reservations).items():
        condition = in_catalog()
        for variant_id, quantity in units.items():
            if variant_id is None:
                condition &= ListingItem.stock >= quantity
            else:
                condition &= ((_variant_stock(variant_id) >= quantity)
                              & ListingItem.variants[variant_id]["retired"].does_not_exist())
        transaction.update(ListingItem(listing_id), _stock_moves(units, -1), condition=condition,
                           tag=("reserve", listing_id))


def _raise_for(failed: list[Any]) -> None:
    if not failed:
        return
    if "once" in failed or "idempotency" in failed:
        raise DuplicateRecordError()
    if refund_rows.SETTLE_TAG in failed:
        raise RefundSettledError()
    limits.raise_for(failed)
    short = [tag[1] for tag in failed if isinstance(tag, tuple) and tag[0] == "reserve"]
    if short:
        raise StockShortError(short)
    raise ConflictError()


def line_units(lines: list[dict[str, Any]]) -> list[tuple[StockKey, int]]:
    """(stock key, quantity) of each line: what the order reserved and counts against its buyer."""
    return [((line["listing_id"], line.get("variant_id")), int(line["quantity"])) for line in lines]


def place_order(order: Order, reservations: list[tuple[StockKey, int]], idempotency: IdempotencyRecord,
                buyer_limits: BuyerLimits) -> None:
    """Write the order, each artisan's copy of their lines, every reservation, the buyer's counts (within
    `buyer_limits`) and the idempotency record at once.

    Raises DuplicateRecordError when the idempotency key was used already
    (checked first: a retried request must get its first order back), LimitError (store/limits.py)
    when the buyer would pass a limit, StockShortError
    naming the listings that fell short, or ConflictedError when another writer held a
    listing (a hot one: its next orders reserve outside the transaction, store/hot.py).
    """
    transaction = Transaction(OrderItem.Meta.region)
    put_new_order(transaction, order_row(order), idempotency)
    for row in artisan_copy_rows(order):
        transaction.put(row)
    limits.count_in(transaction, order.buyer_id, line_units(order.lines), buyer_limits)
    reserve_in(transaction, reservations)
    _raise_for(transaction.commit(retry_conflicts=False))


def buyer_orders(buyer_id: str, *, limit: int, cursor: str | None) -> Page[Order]:
    return query_page(OrderItem.by_buyer, buyer_id, convert=_order, query_id=f"orders:buyer:{buyer_id}",
                      limit=limit, cursor=cursor)


def artisan_orders(artisan_id: str, *, status: str | None, limit: int, cursor: str | None) -> Page[ArtisanOrder]:
    if status is None:
        return query_page(ArtisanOrderItem, artisan_id, convert=_artisan_order,
                          query_id=f"artisan-orders:{artisan_id}", limit=limit, cursor=cursor)
    key = f"{artisan_id}#{status}"
    return query_page(ArtisanOrderItem.by_status, key, convert=_artisan_order, query_id=f"artisan-orders:{key}",
                      limit=limit, cursor=cursor)


def due_for_expiry(now: str, *, page_size: int = 100) -> Iterator[str]:
    """Ids of every unpaid order whose reservation ran out by `now` (a sparse index, oldest first), read a page
    of `page_size` at a time as the caller goes, until none is left."""
    # The range condition must use the index class's attribute: read through the index
    # instance (OrderItem.by_expiry.expires_at) pynamodb raises AttributeError.
    for item in OrderItem.by_expiry.query(EXPIRY_QUEUE, OrderByExpiry.expires_at <= now, page_size=page_size):
        yield item.order_id


def payout_balance(artisan_id: str) -> int:
    try:
        return int(PayoutItem.get(artisan_id, BALANCE_KEY, consistent_read=True).amount)
    except DoesNotExist:
        return 0


def payout_entries(artisan_id: str, *, limit: int, cursor: str | None) -> Page[PayoutEntry]:
    return query_page(PayoutItem, artisan_id, convert=_payout_entry, query_id=f"payouts:{artisan_id}", limit=limit,
                      cursor=cursor, range_key_condition=PayoutItem.entry_key.startswith("entry#"))


def ledger_since(artisan_id: str, start: str) -> tuple[int, list[PayoutEntry]]:
    """The balance and every entry written at or after `start`, oldest first, as one consistent picture.

    A ledger change writes its entry and the balance in one transaction, but a Query is not isolated from
    transactions: the balance is read before and after the Query, and the read is repeated if it moved.
    Cost: 2 GetItems + the Query's pages (1 MB each, about 5,000 entries), per attempt.
    """
    for _ in range(_LEDGER_READS):
        before = payout_balance(artisan_id)
        rows = PayoutItem.query(artisan_id, PayoutItem.entry_key.between(f"entry#{start}", "entry#~"),
                                consistent_read=True)
        entries = [_payout_entry(row) for row in rows]
        if payout_balance(artisan_id) == before:
            return before, entries
    raise ServiceUnavailableError(headers={"Retry-After": "1"})


def next_payment_attempt(order_id: str) -> int | None:
    """Count a payment attempt on an order still awaiting payment; None if it no longer is."""
    row = OrderItem(order_id)
    try:
        row.update(actions=[OrderItem.payment_attempts.add(1)], condition=OrderItem.status == "pending_payment")
    except UpdateError as error:
        if condition_failed(error):
            return None
        raise
    return int(row.payment_attempts)

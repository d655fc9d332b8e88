"""Placing, cancelling, expiring, shipping and delivering orders: the rules.

Every state change goes through `store.orders.commit_change`, conditional on
the order revision that was read, so two racing requests can never both move
an order; the loser re-reads and decides again.
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .auth import Identity
from .config import get_settings
from .errors import (
    IdempotencyKeyReusedError,
    InvalidStateError,
    ListingUnavailableError,
    NotFoundError,
    OutOfStockError,
    ValidationError,
)
from .fx import FX_SETTING, rates_from
from .ids import new_id, rfc3339, utc_now
from .money import apply_bps, convert
from .order_views import artisan_order_view, order_view
from .shipping import order_shipping
from .store import orders as store
from .store.tables import ArtisanOrderItem, IdempotencyItem, OrderItem

if TYPE_CHECKING:
    from .order_models import OrderCreate, ShipmentCreate

IDEMPOTENCY_TTL = timedelta(hours=48)
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,64}$")
_MAX_ATTEMPTS = 8
CANCELLABLE = ("pending_payment", "confirmed")
SHIPPABLE = ("paid", "confirmed", "partially_shipped")


def _idempotency_key(identity: Identity, key: str | None) -> str:
    if key is None or not _KEY_PATTERN.match(key):
        raise ValidationError("An Idempotency-Key header of 1 to 64 visible characters is required.",
                              details=[{"field": "Idempotency-Key", "message": "1 to 64 visible ASCII characters"}])
    return f"{identity.user_id}#{key}"


def _request_hash(request: OrderCreate) -> str:
    return hashlib.sha256(request.model_dump_json().encode()).hexdigest()


def _replay(key: str, request_hash: str) -> dict[str, Any] | None:
    """The order a previous request with this key created, if any."""
    record = store.get_idempotency(key)
    if record is None:
        return None
    if record.request_hash != request_hash:
        raise IdempotencyKeyReusedError()
    order = store.get_order(record.order_id)
    return order_view(order) if order is not None else None


def place_order(*, identity: Identity, request: OrderCreate,
                idempotency_key: str | None) -> tuple[dict[str, Any], bool]:
    """Returns the order and whether it was created now (False: a retry of an earlier request)."""
    key = _idempotency_key(identity, idempotency_key)
    request_hash = _request_hash(request)
    wanted = {item.listing_id: item.quantity for item in request.items}
    # One read: the listings and the FX rates the charge is locked at, in a single BatchGetItem.
    listings, fx_item = store.get_listings_and_setting(list(wanted), FX_SETTING)

    def refuse(error: Exception) -> tuple[dict[str, Any], bool]:
        replayed = _replay(key, request_hash)
        if replayed is not None:
            return replayed, False
        raise error

    unavailable = [lid for lid in wanted if lid not in listings or listings[lid].status != "active"]
    if unavailable:
        return refuse(ListingUnavailableError(details=[{"listing_id": lid} for lid in unavailable]))
    short = [lid for lid, qty in wanted.items() if int(listings[lid].stock) < qty]
    if short:
        return refuse(_out_of_stock(short, listings))

    settings = get_settings()
    now = utc_now()
    order_id = new_id("O")
    lines: list[dict[str, Any]] = []
    weights: defaultdict[str, int] = defaultdict(int)
    for listing_id, quantity in wanted.items():
        listing = listings[listing_id]
        unit_price = int(listing.price_amount)
        lines.append({"listing_id": listing_id, "artisan_id": listing.artisan_id, "title": listing.title,
                      "quantity": quantity, "unit_price": unit_price, "line_total": unit_price * quantity,
                      "fulfilment": "pending", "carrier": None, "tracking_number": None})
        weights[listing.artisan_id] += int(listing.weight_grams) * quantity
    address = request.shipping_address.model_dump()
    subtotal = sum(line["line_total"] for line in lines)
    shipping = order_shipping(weights.values(), address["country"])
    total = subtotal + shipping
    charge_amount, fx_rate = convert(total, request.currency, rates_from(fx_item))
    pending = request.payment_method != "cod"
    created_at = rfc3339(now)
    expires_at = rfc3339(now + timedelta(seconds=float(settings.reservation_minutes * 60))) if pending else None
    order = OrderItem(
        order_id, buyer_id=identity.user_id, status="pending_payment" if pending else "confirmed", lines=lines,
        subtotal=subtotal, shipping=shipping, total=total, charge_amount=charge_amount,
        charge_currency=request.currency, fx_rate=fx_rate, payment_method=request.payment_method,
        shipping_address=address, revision=1, payment_attempts=0, needs_review=False, expires_at=expires_at,
        expiry_queue=store.EXPIRY_QUEUE if pending else None, created_at=created_at, updated_at=created_at)
    copies = [ArtisanOrderItem(artisan_id, store.artisan_order_sort(created_at, order_id), order_id=order_id,
                               status=order.status, artisan_status=f"{artisan_id}#{order.status}",
                               lines=[line for line in lines if line["artisan_id"] == artisan_id],
                               shipping_address=address, created_at=created_at)
              for artisan_id in sorted(weights)]
    record = IdempotencyItem(key, request_hash=request_hash, order_id=order_id,
                             expires_at_epoch=int((now + IDEMPOTENCY_TTL).timestamp()))
    try:
        store.place_order(order, copies, list(wanted.items()), record)
    except store.DuplicateRecordError:
        replayed = _replay(key, request_hash)
        if replayed is None:
            raise InvalidStateError("A request with this Idempotency-Key is still being processed.") from None
        return replayed, False
    except store.StockShortError as error:
        fresh = store.get_listings(error.listing_ids)
        gone = [lid for lid in error.listing_ids if lid not in fresh or fresh[lid].status != "active"]
        if gone:
            raise ListingUnavailableError(details=[{"listing_id": lid} for lid in gone]) from None
        raise _out_of_stock(error.listing_ids, fresh) from None
    return order_view(order), True


def _out_of_stock(listing_ids: list[str], listings: dict[str, Any]) -> OutOfStockError:
    return OutOfStockError(details=[{"listing_id": lid, "available": max(0, int(listings[lid].stock))}
                                    for lid in listing_ids])


def get_order(*, identity: Identity, order_id: str) -> dict[str, Any]:
    order = store.get_order(order_id)
    if order is None or (order.buyer_id != identity.user_id and not identity.is_ops):
        raise NotFoundError()
    return order_view(order)


def list_orders(*, identity: Identity, limit: int, cursor: str | None) -> dict[str, Any]:
    page = store.buyer_orders(identity.user_id, limit=limit, cursor=cursor)
    return {"items": [order_view(order) for order in page.items], "next_cursor": page.next_cursor}


def _releases(order: Any) -> list[tuple[str, int]]:
    return [(line["listing_id"], int(line["quantity"])) for line in order.lines]


def _apply(order_id: str, decide: Callable[[Any, str], store.OrderChange]) -> dict[str, Any]:
    """Read the order, decide its change, commit it conditional on what was read; on a conflict, read again.

    `decide(order, now)` gets None for a missing order and raises the domain error that refuses the change.
    """
    for _ in range(_MAX_ATTEMPTS):
        now = rfc3339(utc_now())
        change = decide(store.get_order(order_id), now)
        try:
            store.commit_change(change, now=now)
        except store.OrderConflictError:
            continue
        return order_view(store.get_order(order_id))
    raise InvalidStateError("The order is being changed by another request; try again.")


def cancel_order(*, identity: Identity, order_id: str) -> dict[str, Any]:
    def decide(order: Any, now: str) -> store.OrderChange:
        if order is None or order.buyer_id != identity.user_id:
            raise NotFoundError()
        if order.status not in CANCELLABLE:
            raise InvalidStateError(f"An order that is {order.status} cannot be cancelled.")
        return store.OrderChange(order, {"status": "cancelled", "expiry_queue": None}, release=_releases(order))

    return _apply(order_id, decide)


def expire_due_orders() -> int:
    """The sweep: unpaid orders past their reservation become `expired` and release their stock once."""
    now = rfc3339(utc_now())
    expired = 0
    for order_id in store.due_for_expiry(now):
        order = store.get_order(order_id)
        if order is None or order.status != "pending_payment" or (order.expires_at or "") > now:
            continue
        change = store.OrderChange(order, {"status": "expired", "expiry_queue": None}, release=_releases(order))
        try:
            store.commit_change(change, now=now)
        except store.OrderConflictError:
            continue  # paid or cancelled meanwhile; the next sweep looks again if still due
        expired += 1
    return expired


def ship(*, identity: Identity, order_id: str, shipment: ShipmentCreate) -> dict[str, Any]:
    identity.require("artisans")

    def decide(order: Any, now: str) -> store.OrderChange:
        if order is None or not any(line["artisan_id"] == identity.user_id for line in order.lines):
            raise NotFoundError()
        if order.status not in SHIPPABLE:
            raise InvalidStateError(f"An order that is {order.status} cannot be shipped.")
        if all(line["fulfilment"] == "shipped" for line in order.lines if line["artisan_id"] == identity.user_id):
            raise InvalidStateError("Your items in this order are already shipped.")
        lines = [dict(line, fulfilment="shipped", carrier=shipment.carrier, tracking_number=shipment.tracking_number)
                 if line["artisan_id"] == identity.user_id else line for line in order.lines]
        status = "shipped" if all(line["fulfilment"] == "shipped" for line in lines) else "partially_shipped"
        return store.OrderChange(order, {"status": status, "lines": lines}, artisan_lines={
            identity.user_id: [line for line in lines if line["artisan_id"] == identity.user_id]})

    return _apply(order_id, decide)


def mark_delivered(*, identity: Identity, order_id: str) -> dict[str, Any]:
    """Delivered: each artisan is credited their line totals less commission, once (a `cod` order is now paid).

    Once, because the transaction is conditional on the revision of an order that was `shipped`.
    """
    identity.require("ops")
    bps = get_settings().commission_bps

    def decide(order: Any, now: str) -> store.OrderChange:
        if order is None:
            raise NotFoundError()
        if order.status != "shipped":
            raise InvalidStateError(f"An order that is {order.status} cannot be marked delivered.")
        totals: dict[str, int] = defaultdict(int)
        for line in order.lines:
            totals[line["artisan_id"]] += int(line["line_total"])
        credits = {artisan_id: total - apply_bps(total, bps) for artisan_id, total in totals.items()}
        records: list[Any] = [store.payout_entry(artisan_id, order_id=order_id, amount=amount, created_at=now)
                              for artisan_id, amount in credits.items()]
        updates: dict[str, Any] = {"status": "delivered"}
        if order.payment_method == "cod":
            updates["paid_at"] = now
            records.append(store.payment_record(f"paid#{order_id}", order_id=order_id, outcome="cod",
                                                amount=int(order.charge_amount), currency=order.charge_currency,
                                                created_at=now))
        return store.OrderChange(order, updates, once_records=records, payout_credits=credits)

    return _apply(order_id, decide)


def artisan_orders(*, identity: Identity, status: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
    identity.require("artisans")
    page = store.artisan_orders(identity.user_id, status=status, limit=limit, cursor=cursor)
    return {"items": [artisan_order_view(copy) for copy in page.items], "next_cursor": page.next_cursor}


def payouts(*, identity: Identity, limit: int, cursor: str | None) -> dict[str, Any]:
    identity.require("artisans")
    page = store.payout_entries(identity.user_id, limit=limit, cursor=cursor)
    return {
        "balance": {"amount": store.payout_balance(identity.user_id), "currency": "PKR"},
        "entries": [{"order_id": entry.order_id, "amount": {"amount": int(entry.amount), "currency": "PKR"},
                     "created_at": entry.created_at} for entry in page.items],
        "next_cursor": page.next_cursor,
    }

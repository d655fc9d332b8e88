"""Placing, listing, cancelling, expiring, shipping and delivering orders: the service.

Decisions are the pure functions of `rules.py`; every state change is one
`store.orders.commit_change`, conditional on the order revision that was read,
through `read_decide_write`, so two racing requests can never both move an order.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ..audit.service import audit_entry
from ..auth import Identity
from ..catalog import rules as catalog
from ..errors import (
    IdempotencyKeyReusedError,
    InvalidStateError,
    NotFoundError,
    OutOfStockError,
    ValidationError,
)
from ..fx.service import FX_SETTING, rates_from
from ..ids import new_id, rfc3339, utc_now
from ..optimistic import ConflictError, read_decide_write
from ..store import hot as hot_store
from ..store import limits as limit_store
from ..store import orders as store
from ..store.records import BuyerLimits, IdempotencyRecord, Listing, Order, OrderChange, StockKey
from ..store.transactions import ConflictedError
from ..wiring import get_settings
from . import rules
from .documents import artisan_order_document, order_document

if TYPE_CHECKING:
    from .schemas import OrderCreate, ReasonCreate, ReviewResolutionCreate, ShipmentCreate

IDEMPOTENCY_TTL = timedelta(hours=48)
# A listing whose order transaction met another writer stays on the hot path this long.
HOT_FOR = timedelta(minutes=15)
# A reserving order still unfinished after this is a crashed request's: the sweep undoes it.
REPAIR_AFTER = timedelta(minutes=1)
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,64}$")


def checked_idempotency_key(key: str | None) -> str:
    """The `Idempotency-Key` header a write requires (orders, refunds), or the 400 that refuses its absence."""
    if key is None or not _KEY_PATTERN.match(key):
        raise ValidationError("An Idempotency-Key header of 1 to 64 visible characters is required.",
                              details=[{"field": "Idempotency-Key", "message": "1 to 64 visible ASCII characters"}])
    return key


def _idempotency_key(identity: Identity, key: str | None) -> str:
    return f"{identity.user_id}#{checked_idempotency_key(key)}"


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
    if order is not None and order.reserving_until is not None:
        raise InvalidStateError("A request with this Idempotency-Key is still being processed.")
    return order_document(order) if order is not None else None


def _buyer_limits() -> BuyerLimits:
    settings = get_settings()
    return BuyerLimits(max_open_orders=settings.max_open_orders, max_units_per_buyer=settings.max_units_per_buyer)


def _limit_refusal(buyer_id: str, wanted: dict[StockKey, int], error: limit_store.LimitError,
                   limits: BuyerLimits) -> Exception:
    """The refusal's details: where the buyer stands now (read after the transaction decided, for telling only)."""
    held = limit_store.held(buyer_id, error.keys)
    return rules.limit_reached(limits, open_orders=held.open_orders if error.open_orders else None,
                               units={key: (held.units[key], wanted[key]) for key in error.keys})


def _replayed_or_refused(key: str, request_hash: str, refusal: Exception) -> tuple[dict[str, Any], bool]:
    """A refused request may retry one that was placed before the refusal held: its order (200), else the refusal."""
    replayed = _replay(key, request_hash)
    if replayed is not None:
        return replayed, False
    raise refusal


def place_order(*, identity: Identity, request: OrderCreate,
                idempotency_key: str | None) -> tuple[dict[str, Any], bool]:
    """Returns the order and whether it was created now (False: a retry of an earlier request).

    The buyer limits are conditions of the transaction that writes the order (store/limits.py).
    """
    key = _idempotency_key(identity, idempotency_key)
    request_hash = _request_hash(request)
    wanted: dict[StockKey, int] = {(item.listing_id, item.variant_id): item.quantity for item in request.items}
    listing_ids = list(dict.fromkeys(listing_id for listing_id, _ in wanted))
    limits = _buyer_limits()
    too_many = rules.over_unit_limit(wanted, limits)
    if too_many is not None:
        return _replayed_or_refused(key, request_hash, too_many)
    # One read: the listings and the FX rates the charge is locked at, in a single BatchGetItem.
    listings, stored_rates = store.get_listings_and_setting(listing_ids, FX_SETTING)
    refused = rules.refusal(wanted, listings)
    if refused is not None:
        return _replayed_or_refused(key, request_hash, refused)

    address = request.shipping_address.model_dump()
    priced = rules.price(wanted, listings, country=address["country"], currency=request.currency,
                         rates=rates_from(stored_rates))
    now = utc_now()
    pending = request.payment_method != "cod"
    created_at = rfc3339(now)
    expires_at = (rfc3339(now + timedelta(seconds=float(get_settings().reservation_minutes * 60)))
                  if pending else None)
    order = Order(
        order_id=new_id("O"), buyer_id=identity.user_id, status="pending_payment" if pending else "confirmed",
        lines=priced.lines, subtotal=priced.subtotal, shipping=priced.shipping, total=priced.total,
        charge_amount=priced.charge_amount, charge_currency=request.currency, fx_rate=priced.fx_rate,
        payment_method=request.payment_method, shipping_address=address, expires_at=expires_at,
        created_at=created_at, updated_at=created_at, limits_counted=True)
    record = IdempotencyRecord(key=key, request_hash=request_hash, order_id=order.order_id,
                               expires_at_epoch=int((now + IDEMPOTENCY_TTL).timestamp()))
    hot = [key for key in wanted if listings[key[0]].is_hot(created_at)]
    if hot:
        return _place_hot(order, record, wanted, hot, limits)
    try:
        store.place_order(order, list(wanted.items()), record, limits)
    except store.DuplicateRecordError:
        return _replayed_or_busy(key, request_hash), False
    except limit_store.LimitError as error:
        raise _limit_refusal(identity.user_id, wanted, error, limits) from None
    except store.StockShortError as error:
        raise _refusal_now(error.listing_ids, wanted) from None
    except ConflictedError as error:
        # Another order holds a listing: a flash sale. This and the listing's next orders reserve outside
        # the transaction, where buyers take turns instead of cancelling each other.
        conflicted = [tag[1] for tag in error.tags if isinstance(tag, tuple) and tag[0] == "reserve"]
        placed = _place_hot(order, record, wanted, [key for key in wanted if key[0] in conflicted], limits)
        hot_store.mark_hot(conflicted, until=rfc3339(now + HOT_FOR))
        return placed
    return order_document(order), True


def _replayed_or_busy(key: str, request_hash: str) -> dict[str, Any]:
    replayed = _replay(key, request_hash)
    if replayed is None:
        raise InvalidStateError("A request with this Idempotency-Key is still being processed.")
    return replayed


def _refusal_now(listing_ids: list[str], wanted: dict[StockKey, int]) -> Exception:
    """Why these listings fell short, from a fresh read: out of the catalog (or held), a variant taken off, or
    how many are left of each line's stock (those short now; all of theirs if stock came back meanwhile)."""
    fresh: dict[str, Listing] = store.get_listings_and_setting(listing_ids, FX_SETTING)[0]
    mine = {key: quantity for key, quantity in wanted.items() if key[0] in listing_ids}
    refused = rules.refusal(mine, fresh)
    if refused is not None and not isinstance(refused, OutOfStockError):
        return refused
    short = [key for key, quantity in mine.items() if catalog.available(fresh[key[0]], key[1]) < quantity]
    return rules.out_of_stock(short or list(mine), fresh)


def _place_hot(order: Order, record: IdempotencyRecord, wanted: dict[StockKey, int],
               hot: list[StockKey], limits: BuyerLimits) -> tuple[dict[str, Any], bool]:
    """Place an order whose `hot` listings are reserved with single-item writes (store/hot.py explains the steps).

    The buyer's counts are taken in `begin`'s transaction, and given back by `abandon`.
    """
    try:
        hot_store.begin(order, record, reserving_until=rfc3339(utc_now() + REPAIR_AFTER), buyer_limits=limits)
    except store.DuplicateRecordError:
        return _replayed_or_busy(record.key, record.request_hash), False
    except limit_store.LimitError as error:
        raise _limit_refusal(order.buyer_id, wanted, error, limits) from None
    holds: dict[StockKey, int] = {}
    try:
        for key in hot:
            holds[key] = hot_store.reserve(key, order.order_id, wanted[key])
        hot_store.finish(order, [(key, quantity) for key, quantity in wanted.items() if key not in hot])
    except store.StockShortError as error:
        hot_store.abandon(order.order_id)
        raise _refusal_now(error.listing_ids, wanted) from None
    except BaseException:
        hot_store.abandon(order.order_id)  # nothing of it stays reserved; the buyer may retry the same key
        raise
    for key in hot:
        hot_store.clear_hold(key, order.order_id, contended=holds[key] > 1)
    return order_document(order), True


def get_order(*, identity: Identity, order_id: str) -> dict[str, Any]:
    order = store.get_order(order_id)
    if order is None or (order.buyer_id != identity.user_id and not identity.is_ops):
        raise NotFoundError()
    return order_document(order)


def list_orders(*, identity: Identity, limit: int, cursor: str | None) -> dict[str, Any]:
    page = store.buyer_orders(identity.user_id, limit=limit, cursor=cursor)
    return {"items": [order_document(order) for order in page.items], "next_cursor": page.next_cursor}


def change_order(order_id: str, decide: Callable[[Order | None, str], OrderChange]) -> Order:
    """Read the order, `decide(order, now)` its change, commit it conditional on what was read; re-read on a conflict.

    `decide` gets None for a missing order and raises the domain error that refuses the change.
    """
    def write(order: Order | None, change: tuple[OrderChange, str]) -> Order:
        store.commit_change(change[0], now=change[1])
        return store.get_order(order_id)  # type: ignore[return-value]

    def decide_now(order: Order | None) -> tuple[OrderChange, str]:
        now = rfc3339(utc_now())
        return decide(order, now), now

    return read_decide_write(lambda: store.get_order(order_id), decide_now, write, what="order")


def cancel_order(*, identity: Identity, order_id: str) -> dict[str, Any]:
    return order_document(change_order(order_id, lambda order, _: rules.cancel(order, identity)))


class _PaidForError(Exception):
    """The order to cancel was paid for: it is cancelled by refunding it."""


def reject_order(*, identity: Identity, order_id: str, rejection: ReasonCreate) -> dict[str, Any]:
    """An artisan declines a cash-on-delivery order before shipping: cancelled, stock back, recorded in the audit."""
    identity.require("artisans")

    def decide(order: Order | None, now: str) -> OrderChange:
        change = rules.reject(order, identity.user_id, rejection.reason)
        return replace(change, audit=audit_entry(identity, "order.rejected", order_id, at=now,
                                                 details={"reason": rejection.reason}))

    return order_document(change_order(order_id, decide))


def ops_cancel_order(*, identity: Identity, order_id: str, cancellation: ReasonCreate) -> dict[str, Any]:
    """Ops cancel an undelivered order: unpaid, here (stock of unshipped lines back); paid, by a full refund that
    cancels it in the refund's own transaction (refunds.service), once whatever the retries (its key)."""
    identity.require("ops")
    reason = cancellation.reason

    def decide(order: Order | None, now: str) -> OrderChange:
        change = rules.ops_cancel(order, reason)
        if change is None:
            raise _PaidForError()
        return replace(change, audit=audit_entry(identity, "order.cancelled", order_id, at=now,
                                                 details={"reason": reason, "refunded": False}))

    try:
        return order_document(change_order(order_id, decide))
    except _PaidForError:
        pass
    from ..refunds import service as refunds  # here: the refunds service builds on this one

    refunds.refund_order(identity=identity, order_id=order_id, reason=reason, key=f"cancel#{order_id}",
                         cancel=True)
    return order_document(store.get_order(order_id))  # type: ignore[arg-type]


def resolve_review(*, identity: Identity, order_id: str, resolution: ReviewResolutionCreate) -> dict[str, Any]:
    """Ops clear an order's needs-review flag, with the note in the audit log (the same transaction)."""
    identity.require("ops")

    def decide(order: Order | None, now: str) -> OrderChange:
        change = rules.resolve_review(order)
        return replace(change, audit=audit_entry(identity, "order.review_resolved", order_id, at=now, details={
            "note": resolution.note, "review_reason": change.order.review_reason}))

    return order_document(change_order(order_id, decide))


def repair_abandoned_reservations() -> int:
    """The sweep: give back hot-listing stock that a crashed request left reserved, once, however many are due."""
    repaired = 0
    for order_id in hot_store.due_for_repair(rfc3339(utc_now())):
        hot_store.abandon(order_id)
        repaired += 1
    return repaired


def expire_due_orders() -> int:
    """The sweep: every unpaid order past its reservation becomes `expired` and releases its stock once.

    It pages through all that are due (each expiry is its own transaction, so a sweep cut short loses nothing
    and the next one goes on).
    """
    now = rfc3339(utc_now())
    expired = 0
    for order_id in store.due_for_expiry(now):
        change = rules.expire(store.get_order(order_id), now)
        if change is None:
            continue
        try:
            store.commit_change(change, now=now)
        except ConflictError:
            continue  # paid or cancelled meanwhile; the next sweep looks again if still due
        expired += 1
    return expired


def ship(*, identity: Identity, order_id: str, shipment: ShipmentCreate) -> dict[str, Any]:
    identity.require("artisans")
    order = change_order(order_id, lambda current, _: rules.ship(
        current, identity.user_id, carrier=shipment.carrier, tracking_number=shipment.tracking_number))
    return order_document(order)


def mark_delivered(*, identity: Identity, order_id: str) -> dict[str, Any]:
    """Delivered, with its audit entry in the same transaction."""
    identity.require("ops")
    bps = get_settings().commission_bps

    def decide(order: Order | None, now: str) -> OrderChange:
        change = rules.deliver(order, commission_bps=bps, now=now)
        return replace(change, audit=audit_entry(identity, "order.delivered", order_id, at=now,
                                                 details={"payment_method": change.order.payment_method}))

    return order_document(change_order(order_id, decide))


def artisan_orders(*, identity: Identity, status: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
    identity.require("artisans")
    page = store.artisan_orders(identity.user_id, status=status, limit=limit, cursor=cursor)
    return {"items": [artisan_order_document(copy) for copy in page.items], "next_cursor": page.next_cursor}

"""The order's decisions, as pure functions of plain values: no I/O, unit-tested without an emulator."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..auth import Identity
from ..catalog import rules as catalog
from ..disputes import rules as dispute_rules
from ..errors import (
    InvalidStateError,
    LimitReachedError,
    ListingUnavailableError,
    NotFoundError,
    OutOfStockError,
    ValidationError,
)
from ..money import apply_bps, convert
from ..store.records import BuyerLimits, Listing, Order, OrderChange, PaymentRecord, PayoutEntry, StockKey
from .shipping import order_shipping

CANCELLABLE = ("pending_payment", "confirmed")
SHIPPABLE = ("paid", "confirmed", "partially_shipped")
# Ops may cancel these. Money was taken for a paid one (not cash on delivery): it is refunded as it is cancelled.
UNDELIVERED = ("pending_payment", "confirmed", "paid", "partially_shipped", "shipped")


@dataclass(frozen=True)
class Priced:
    """An order's lines and totals, computed by the server from the current listings."""

    lines: list[dict[str, Any]]
    subtotal: int
    shipping: int
    total: int
    charge_amount: int
    fx_rate: str


def _named(key: StockKey) -> dict[str, str]:
    """A stock key as error details name it: the listing, and the variant if it is one."""
    listing_id, variant_id = key
    return {"listing_id": listing_id} if variant_id is None else {"listing_id": listing_id, "variant_id": variant_id}


def variant_refusal(wanted: Mapping[StockKey, int], listings: Mapping[str, Listing]) -> Exception | None:
    """A line that names no variant of a listing with variants, or one of a listing without: 400; a variant taken
    off the listing since: 409 LISTING_UNAVAILABLE. None if every line names its stock rightly."""
    details = []
    for number, (listing_id, variant_id) in enumerate(wanted):
        listing = listings[listing_id]
        if catalog.has_variants(listing) and variant_id is None:
            details.append({"field": f"items[{number}].variant_id",
                            "message": "required: this listing comes in variants (pick one of its variants)"})
        elif not catalog.has_variants(listing) and variant_id is not None:
            details.append({"field": f"items[{number}].variant_id", "message": "this listing has no variants"})
        elif variant_id is not None and variant_id not in listing.variants:
            details.append({"field": f"items[{number}].variant_id", "message": "not a variant of this listing"})
    if details:
        return ValidationError("Name a variant exactly for the listings that have them.", details=details)
    retired = [key for key in wanted if key[1] is not None and catalog.variant_of(listings[key[0]], key[1]) is None]
    return ListingUnavailableError(details=[_named(key) for key in retired]) if retired else None


def refusal(wanted: Mapping[StockKey, int], listings: Mapping[str, Listing]) -> Exception | None:
    """Why the listings as read cannot fill the order (unavailable first, then a wrong variant, then short), or None."""
    unavailable = sorted({lid for lid, _ in wanted if lid not in listings or not listings[lid].sellable})
    if unavailable:
        return ListingUnavailableError(details=[{"listing_id": lid} for lid in unavailable])
    wrong = variant_refusal(wanted, listings)
    if wrong is not None:
        return wrong
    short = [key for key, quantity in wanted.items() if catalog.available(listings[key[0]], key[1]) < quantity]
    return out_of_stock(short, listings) if short else None


def over_unit_limit(wanted: Mapping[StockKey, int], limits: BuyerLimits) -> LimitReachedError | None:
    """A line asking for more of one listing (variant) than any buyer may hold, whatever they hold already."""
    over = [key for key, quantity in wanted.items() if quantity > limits.max_units_per_buyer]
    return limit_reached(limits, open_orders=None, units={key: (0, wanted[key]) for key in over}) if over else None


def limit_reached(limits: BuyerLimits, *, open_orders: int | None,
                  units: Mapping[StockKey, tuple[int, int]]) -> LimitReachedError:
    """The refusal, saying which limit: `open_orders` held (None: not that one), `units` (held, asked) per listing
    (per variant for a listing with variants)."""
    details: list[dict[str, Any]] = []
    if open_orders is not None:
        details.append({"limit": "max_open_orders", "max": limits.max_open_orders, "held": open_orders})
    details.extend({"limit": "max_units_per_buyer", **_named(key), "max": limits.max_units_per_buyer,
                    "held": held, "requested": asked} for key, (held, asked) in units.items())
    sentences = []
    if open_orders is not None:
        sentences.append(f"You already have {limits.max_open_orders} orders awaiting payment or shipping.")
    if units:
        sentences.append(f"A buyer may hold at most {limits.max_units_per_buyer} of one item in open orders.")
    return LimitReachedError(" ".join(sentences), details=details)


def out_of_stock(keys: list[StockKey], listings: Mapping[str, Listing]) -> OutOfStockError:
    return OutOfStockError(details=[{**_named(key), "available": max(0, catalog.available(listings[key[0]], key[1]))}
                                    for key in keys])


def price(wanted: Mapping[StockKey, int], listings: Mapping[str, Listing], *, country: str, currency: str,
          rates: Mapping[str, str]) -> Priced:
    """Lines at today's prices (a variant's own), shipping per artisan by weight, and the charge in `currency`
    at `rates`. A variant's line keeps its id and chosen options, for receipts and the artisan's copy."""
    lines: list[dict[str, Any]] = []
    weights: defaultdict[str, int] = defaultdict(int)
    for (listing_id, variant_id), quantity in wanted.items():
        listing = listings[listing_id]
        unit = catalog.unit_price(listing, variant_id)
        line: dict[str, Any] = {"listing_id": listing_id, "artisan_id": listing.artisan_id, "title": listing.title,
                                "quantity": quantity, "unit_price": unit, "line_total": unit * quantity,
                                "fulfilment": "pending", "carrier": None, "tracking_number": None}
        if variant_id is not None:
            line.update(variant_id=variant_id, options=dict(listing.variants[variant_id]["options"]))
        lines.append(line)
        weights[listing.artisan_id] += listing.weight_grams * quantity
    subtotal = sum(line["line_total"] for line in lines)
    shipping = order_shipping([weights[artisan] for artisan in sorted(weights)], country)
    total = subtotal + shipping
    charge_amount, fx_rate = convert(total, currency, rates)
    return Priced(lines, subtotal, shipping, total, charge_amount, fx_rate)


def line_key(line: dict[str, Any]) -> StockKey:
    """The stock a line took: its listing's, or its variant's."""
    return line["listing_id"], line.get("variant_id")


def releases(order: Order) -> list[tuple[StockKey, int]]:
    return [(line_key(line), int(line["quantity"])) for line in order.lines]


def cancel(order: Order | None, identity: Identity) -> OrderChange:
    """The buyer cancels before anything ships; the stock goes back."""
    if order is None or order.buyer_id != identity.user_id:
        raise NotFoundError()
    if order.status not in CANCELLABLE:
        raise InvalidStateError(f"An order that is {order.status} cannot be cancelled.")
    return OrderChange(order, {"status": "cancelled", "cancelled_by": "buyer"}, release=releases(order))


def reject(order: Order | None, artisan_id: str, reason: str) -> OrderChange:
    """An artisan with lines in a cash-on-delivery order declines it before anything ships; all stock goes back."""
    if order is None or artisan_id not in order.artisan_ids:
        raise NotFoundError()
    if order.status != "confirmed" or any(line["fulfilment"] == "shipped" for line in order.lines):
        raise InvalidStateError(f"Only a cash-on-delivery order not yet shipped can be declined; this one is "
                                f"{order.status}.")
    return OrderChange(order, {"status": "cancelled", "cancelled_by": "artisan", "cancel_reason": reason},
                       release=releases(order))


def paid_for(order: Order) -> bool:
    """Money was taken for it: paid through a gateway (cash on delivery is paid only on delivery)."""
    return order.payment_method != "cod" and order.status in ("paid", "partially_shipped", "shipped")


def ops_cancel(order: Order | None, reason: str) -> OrderChange | None:
    """Ops cancel an undelivered order; the stock of lines not shipped goes back.

    None: it was paid for, so it is cancelled by refunding it in full (refunds.service.refund_order).
    """
    if order is None:
        raise NotFoundError()
    if order.status not in UNDELIVERED:
        raise InvalidStateError(f"An order that is {order.status} cannot be cancelled.")
    if paid_for(order):
        return None
    unshipped = [(line_key(line), int(line["quantity"])) for line in order.lines if line["fulfilment"] != "shipped"]
    return OrderChange(order, {"status": "cancelled", "cancelled_by": "ops", "cancel_reason": reason},
                       release=unshipped)


def resolve_review(order: Order | None) -> OrderChange:
    """Ops take an order out of the needs-review queue once a person has dealt with it (refunded it, called the
    buyer, ...). An open card dispute keeps it there: its close settles the flag the dispute set."""
    if order is None:
        raise NotFoundError()
    if not order.needs_review:
        raise InvalidStateError("This order is not waiting for a review.")
    if order.disputed:
        raise InvalidStateError("A card dispute is open on this order; it leaves the queue when the dispute closes.")
    return OrderChange(order, {"needs_review": False, "review_reason": None})


def expire(order: Order | None, now: str) -> OrderChange | None:
    """An unpaid order past its reservation expires and releases its stock; None if it is not (or no longer) due."""
    if order is None or order.status != "pending_payment" or (order.expires_at or "") > now:
        return None
    return OrderChange(order, {"status": "expired"}, release=releases(order))


def ship(order: Order | None, artisan_id: str, *, carrier: str, tracking_number: str) -> OrderChange:
    """The artisan ships all of their lines in the order."""
    if order is None or not any(line["artisan_id"] == artisan_id for line in order.lines):
        raise NotFoundError()
    if order.status not in SHIPPABLE:
        raise InvalidStateError(f"An order that is {order.status} cannot be shipped.")
    if all(line["fulfilment"] == "shipped" for line in order.lines if line["artisan_id"] == artisan_id):
        raise InvalidStateError("Your items in this order are already shipped.")
    lines = [dict(line, fulfilment="shipped", carrier=carrier, tracking_number=tracking_number)
             if line["artisan_id"] == artisan_id else line for line in order.lines]
    status = "shipped" if all(line["fulfilment"] == "shipped" for line in lines) else "partially_shipped"
    return OrderChange(order, {"status": status, "lines": lines})


def payout_credits(order: Order, commission_bps: int) -> dict[str, int]:
    """Each artisan's line totals, less what refunds took back before delivery (`refunded_value`,
    chalicelib/refunds/rules.py), less the platform's commission (rounded half-up per artisan)."""
    return {artisan_id: total - commission for artisan_id, (total, commission) in
            _gross_and_commission(order, commission_bps).items()}


def _gross_and_commission(order: Order, commission_bps: int) -> dict[str, tuple[int, int]]:
    totals: defaultdict[str, int] = defaultdict(int)
    for line in order.lines:
        totals[line["artisan_id"]] += int(line["line_total"]) - int(line.get("refunded_value", 0))
    return {artisan_id: (total, apply_bps(total, commission_bps)) for artisan_id, total in totals.items()}


def deliver(order: Order | None, *, commission_bps: int, now: str) -> OrderChange:
    """Delivered: each artisan credited once, and a cash-on-delivery order is paid now.

    Once, because the change is conditional on the revision of an order that was `shipped`.
    """
    if order is None:
        raise NotFoundError()
    if order.status != "shipped":
        raise InvalidStateError(f"An order that is {order.status} cannot be marked delivered.")
    credits = payout_credits(order, commission_bps)
    commissions = {artisan_id: commission for artisan_id, (_, commission) in
                   _gross_and_commission(order, commission_bps).items()}
    once: list[PaymentRecord | PayoutEntry] = [
        PayoutEntry(artisan_id=artisan_id, order_id=order.order_id, amount=amount, created_at=now,
                    commission=commissions[artisan_id])
        for artisan_id, amount in credits.items()]
    updates: dict[str, Any] = {"status": "delivered", "delivered_at": now}
    if order.payment_method == "cod":
        updates["paid_at"] = now
        once.append(PaymentRecord(key=f"paid#{order.order_id}", order_id=order.order_id, outcome="cod",
                                  amount=order.charge_amount, currency=order.charge_currency, created_at=now))
    # Delivered while a card dispute is open (or lost): the credit is held as it is written.
    holds, debits, dispute = dispute_rules.hold_at_delivery(order, credits, now)
    if dispute is not None:
        once.extend(holds)
        updates["dispute"] = dispute
    balance = {artisan_id: amount + debits.get(artisan_id, 0) for artisan_id, amount in credits.items()}
    return OrderChange(order, updates, once=once, payout_credits={a: v for a, v in balance.items() if v})

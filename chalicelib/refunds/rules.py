"""What a refund does to an order, its stock and the artisans' ledgers, as pure functions: no I/O.

A refund names lines (`items`), an amount in the charge currency, or neither
(everything not yet refunded). Every line keeps how many of its units were
refunded (`refunded`), how many of those went back on sale (`restocked`: refunded
before they shipped) and how much of its value (`refunded_value`, PKR): the value
is what the artisans' ledgers follow, so a refund after delivery debits what it
takes back less the commission on it, and a delivery after a refund credits only
what is left. Lines refunded before they shipped give their stock back.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from ..errors import InvalidStateError, NotFoundError, ValidationError
from ..money import apply_bps
from ..store.records import Order, OrderChange, PayoutEntry, RefundRecord, StockKey

REFUNDABLE = ("paid", "partially_shipped", "shipped", "delivered")
CANCELLABLE_PAID = ("paid", "partially_shipped", "shipped")
PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"
BY_HAND = "cod"  # cash on delivery: no gateway; ops pay it back by hand


def refund_id_for(order_id: str, key: str) -> str:
    """The refund's id, from its order and idempotency key: the same request always names the same refund.

    20 letters and digits, so it also serves as a JazzCash transaction reference and a card idempotency key.
    """
    return "RF" + hashlib.sha256(f"{order_id}#{key}".encode()).hexdigest()[:18].upper()


def request_hash(*, items: list[dict[str, Any]] | None, amount: int | None, reason: str, cancel: bool) -> str:
    canonical = repr((sorted(((item["listing_id"], *_variant(item), int(item["quantity"])) for item in items or []),
                             key=repr),
                      amount, reason, cancel, items is None))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _variant(item: dict[str, Any]) -> tuple[str, ...]:
    """A line's variant, if it has one (absent otherwise, so the hash of a line without variants never changed)."""
    return (item["variant_id"],) if item.get("variant_id") is not None else ()


def _named_variant(item: dict[str, Any]) -> dict[str, str]:
    return {"variant_id": item["variant_id"]} if item.get("variant_id") is not None else {}


def units_left(line: dict[str, Any]) -> int:
    return int(line["quantity"]) - int(line.get("refunded", 0))


def value_left(line: dict[str, Any]) -> int:
    return int(line["line_total"]) - int(line.get("refunded_value", 0))


def to_charge(order: Order, pkr: int) -> int:
    """PKR minor units in the charge currency at the order's locked rate (the charge's own proportion)."""
    exact = Fraction(pkr * order.charge_amount, order.total)
    return int(exact + Fraction(1, 2))


def to_pkr(order: Order, amount: int) -> int:
    return amount * order.total // order.charge_amount


@dataclass(frozen=True)
class Decision:
    """One refund's effects: its money, the order's new lines and status, stock back, ledger debits."""

    amount: int
    items: list[dict[str, Any]]
    lines: list[dict[str, Any]]
    status: str
    release: list[tuple[StockKey, int]]
    debits: dict[str, int]  # artisan_id -> PKR taken back from their balance (after delivery only)
    commissions: dict[str, int] = field(default_factory=dict)  # artisan_id -> the commission on it, given back


def _check_refundable(order: Order | None, cancel: bool) -> Order:
    if order is None:
        raise NotFoundError()
    if cancel:
        if order.status not in CANCELLABLE_PAID or order.payment_method == BY_HAND:
            raise InvalidStateError(f"A {order.payment_method} order that is {order.status} is not refunded "
                                    "by cancelling it.")
    elif order.status not in REFUNDABLE or (order.payment_method == BY_HAND and order.status != "delivered"):
        raise InvalidStateError(f"An order that is {order.status} has no payment to refund.")
    if order.refunded_amount >= order.charge_amount:
        raise InvalidStateError("This order is refunded in full already.")
    if order.disputed:
        # The card network holds the money until the dispute closes; a refund now could pay the buyer twice.
        raise InvalidStateError("A card dispute is open on this order; refund it once the dispute is closed.")
    if order.dispute is not None and order.dispute.get("status") == "lost":
        raise InvalidStateError("A card dispute on this order was lost: the money went back to the cardholder.")
    return order


def _units(order: Order, items: list[dict[str, Any]] | None, amount: int | None) -> list[int]:
    """Units refunded per line: as asked, all that are left (neither given), or none (an amount)."""
    if amount is not None:
        return [0] * len(order.lines)
    if items is None:
        return [units_left(line) for line in order.lines]
    position = {(line["listing_id"], line.get("variant_id")): index for index, line in enumerate(order.lines)}
    units = [0] * len(order.lines)
    short = []
    for number, item in enumerate(items):
        index = position.get((item["listing_id"], item.get("variant_id")))
        if index is None:
            field_name = "variant_id" if item.get("variant_id") is not None else "listing_id"
            raise ValidationError("A refunded line must be one of the order's (with its variant, if it has one).",
                                  details=[{"field": f"items[{number}].{field_name}",
                                            "message": "not a line of this order"}])
        if units[index]:
            raise ValidationError("Each line may appear once in items.", details=[
                {"field": f"items[{number}].listing_id", "message": "listed twice"}])
        units[index] = int(item["quantity"])
        if units[index] > units_left(order.lines[index]):
            short.append({"listing_id": item["listing_id"], **_named_variant(item),
                          "available": units_left(order.lines[index])})
    if short:
        raise InvalidStateError("Refunds together would exceed what was bought.", details=short)
    return units


def _values(order: Order, units: list[int], pkr: int | None) -> list[int]:
    """PKR value refunded per line: the units' price, or an amount's goods share spread over what is left."""
    if pkr is None:
        return [min(value_left(line), int(line["unit_price"]) * count) if count < units_left(line)
                else value_left(line) for line, count in zip(order.lines, units, strict=True)]
    left = [value_left(line) for line in order.lines]
    goods = min(pkr * order.subtotal // order.total, sum(left))
    if goods <= 0:
        return [0] * len(left)
    values = [goods * value // sum(left) for value in left]
    for index in range(len(values)):  # the rounding remainder, to the first lines with room
        extra = min(goods - sum(values), left[index] - values[index])
        values[index] += extra
    return values


def decide(order: Order | None, *, items: list[dict[str, Any]] | None, amount: int | None, currency: str | None,
           cancel: bool, commission_bps: int) -> Decision:
    """The refund asked for, or the domain error that refuses it (nothing is written either way)."""
    order = _check_refundable(order, cancel)
    remaining = order.charge_amount - order.refunded_amount
    if amount is not None:
        if currency is not None and currency != order.charge_currency:
            raise ValidationError(f"Refund in the charge currency, {order.charge_currency}.", details=[
                {"field": "amount.currency", "message": f"must be {order.charge_currency}"}])
        if amount > remaining:
            raise InvalidStateError("Refunds together would exceed the charge.",
                                    details=[{"field": "amount", "message": f"at most {remaining} is left"}])
    if cancel:
        items, amount = None, None
    units = _units(order, items, amount)
    values = _values(order, units, to_pkr(order, amount) if amount is not None else None)
    restock = [count if count and line["fulfilment"] == "pending" and order.status != "delivered" else 0
               for line, count in zip(order.lines, units, strict=True)]
    lines = [dict(line, refunded=int(line.get("refunded", 0)) + count,
                  refunded_value=int(line.get("refunded_value", 0)) + value,
                  restocked=int(line.get("restocked", 0)) + back)
             for line, count, value, back in zip(order.lines, units, values, restock, strict=True)]
    if amount is None:
        everything = all(units_left(line) == 0 for line in lines)
        amount = remaining if everything else min(remaining, to_charge(order, sum(values)))
    if amount <= 0:
        raise InvalidStateError("Nothing of that is left to refund.")
    if cancel:
        status = "cancelled"
    elif order.refunded_amount + amount == order.charge_amount:
        status = "refunded"
    else:
        status = order.status
    release = [((line["listing_id"], line.get("variant_id")), back)
               for line, back in zip(order.lines, restock, strict=True) if back]
    debits: defaultdict[str, int] = defaultdict(int)
    if order.status == "delivered":
        for line, value in zip(order.lines, values, strict=True):
            debits[line["artisan_id"]] += value
    refunded_items = [{"listing_id": line["listing_id"], **_named_variant(line), "quantity": count}
                      for line, count in zip(order.lines, units, strict=True) if count]
    return Decision(amount=amount, items=refunded_items, lines=lines, status=status, release=release,
                    debits={artisan: base - apply_bps(base, commission_bps)
                            for artisan, base in debits.items() if base > 0},
                    commissions={artisan: apply_bps(base, commission_bps)
                                 for artisan, base in debits.items() if base > 0})


def order_change(order: Order, decision: Decision, refund: RefundRecord, *, cancel_reason: str | None) -> OrderChange:
    """The refund decided: the order's lines, refunds and status, stock back, debits and the refund, at once."""
    entry = {"refund_id": refund.refund_id, "amount": refund.amount, "currency": refund.currency,
             "status": refund.status, "created_at": refund.created_at}
    updates: dict[str, Any] = {"lines": decision.lines, "refunds": [*order.refunds, entry],
                               "refunded_amount": order.refunded_amount + decision.amount}
    if decision.status != order.status:
        updates["status"] = decision.status
    if cancel_reason is not None:
        updates.update(cancel_reason=cancel_reason, cancelled_by="ops")
    entries = [PayoutEntry(artisan_id=artisan, order_id=order.order_id, amount=-debit, created_at=refund.created_at,
                           kind="refund", ref=refund.refund_id, commission=-decision.commissions.get(artisan, 0))
               for artisan, debit in sorted(decision.debits.items())]
    return OrderChange(order, updates, release=decision.release, once=list(entries),
                       payout_credits={artisan: -debit for artisan, debit in decision.debits.items()},
                       new_refund=refund)


def settle(order: Order, refund: RefundRecord, *, status: str, now: str, gateway_ref: str | None = None,
           failure: str | None = None) -> OrderChange:
    """The gateway's outcome: the refund and the order's view of it; a failure is taken off `refunded_amount`
    and put in front of a person (the lines and ledger stay as decided: ops pay it back by hand)."""
    settled = replace(refund, status=status, updated_at=now, gateway_ref=gateway_ref, failure=failure)
    refunds = [dict(entry, status=status) if entry["refund_id"] == refund.refund_id else entry
               for entry in order.refunds]
    updates: dict[str, Any] = {"refunds": refunds}
    if status == FAILED:
        updates.update(refunded_amount=order.refunded_amount - refund.amount, needs_review=True,
                       review_reason="refund_failed")
    return OrderChange(order, updates, settled_refund=settled)

"""Refunds by ops (whole, by line, by amount) through the gateway that took the money, exactly once.

Two steps, each exactly once:
1. The decision: the refund item (its id derived from the order and the idempotency
   key, so it is the idempotency record too), the order's lines, refunds and status,
   stock back, the artisans' ledger debits and the audit entry, in ONE transaction
   (store.orders.commit_change), conditional on the order revision that was read.
2. The money: the gateway is called with the refund id as its idempotency key. A call
   is counted before it is made; a refund whose earlier call may have reached the
   gateway is first asked about (inquiry) and called again only if the gateway has
   none. The outcome is written only over a refund still `pending`, so the request,
   the sweep and `charge.refunded` can race to settle it and exactly one does.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..audit.service import audit_entry
from ..auth import Identity
from ..errors import IdempotencyKeyReusedError, InvalidStateError, NotFoundError
from ..ids import rfc3339, utc_now
from ..money import money
from ..orders.service import change_order, checked_idempotency_key
from ..payments import card
from ..store import orders as order_store
from ..store import refunds as store
from ..store.records import Order, OrderChange, RefundRecord
from ..wiring import get_settings
from . import gateways, rules

if TYPE_CHECKING:
    from .schemas import RefundCreate

logger = logging.getLogger(__name__)


def refund_document(refund: RefundRecord) -> dict[str, Any]:
    return {"refund_id": refund.refund_id, "order_id": refund.order_id, "amount": money(refund.amount, refund.currency),
            "status": refund.status, "items": refund.items, "reason": refund.reason, "created_at": refund.created_at}


def create_refund(*, identity: Identity, order_id: str, request: RefundCreate,
                  idempotency_key: str | None) -> tuple[dict[str, Any], bool]:
    """POST /ops/orders/{id}/refunds: the refund and whether it was created now (False: a replay)."""
    identity.require("ops")
    idempotency_key = checked_idempotency_key(idempotency_key)
    items = [item.model_dump(exclude_none=True) for item in request.items] if request.items is not None else None
    amount = request.amount.amount if request.amount is not None else None
    currency = request.amount.currency if request.amount is not None else None
    return _refund(identity=identity, order_id=order_id, items=items, amount=amount, currency=currency,
                   reason=request.reason, key=f"request#{idempotency_key}", cancel=False)


def refund_order(*, identity: Identity, order_id: str, items: list[dict[str, Any]] | None = None,
                 amount: int | None = None, reason: str, key: str, cancel: bool = False) -> dict[str, Any]:
    """The internal entry point (ops cancel, return approval): `items`, `amount` (charge currency) or everything left.

    `cancel=True` also sets the order `cancelled` in the refund's own transaction. `key` is the idempotency key:
    the same key and arguments give the same refund, once.
    """
    identity.require("ops")
    return _refund(identity=identity, order_id=order_id, items=items, amount=amount, currency=None, reason=reason,
                   key=key, cancel=cancel)[0]


def _replay(refund_id: str, digest: str) -> dict[str, Any] | None:
    existing = store.get_refund(refund_id)
    if existing is None:
        return None
    if existing.request_hash != digest:
        raise IdempotencyKeyReusedError()
    return refund_document(existing)


def _refund(*, identity: Identity, order_id: str, items: list[dict[str, Any]] | None, amount: int | None,
            currency: str | None, reason: str, key: str, cancel: bool) -> tuple[dict[str, Any], bool]:
    refund_id = rules.refund_id_for(order_id, key)
    digest = rules.request_hash(items=items, amount=amount, reason=reason, cancel=cancel)
    replayed = _replay(refund_id, digest)
    if replayed is not None:
        return replayed, False
    bps = get_settings().commission_bps

    def decide(order: Order | None, now: str) -> OrderChange:
        if order is None:
            raise NotFoundError()
        if store.get_refund(refund_id) is not None:
            raise order_store.DuplicateRecordError()  # the same key won meanwhile (a retry after a conflict)
        decision = rules.decide(order, items=items, amount=amount, currency=currency, cancel=cancel,
                                commission_bps=bps)
        by_hand = order.payment_method == rules.BY_HAND
        refund = RefundRecord(refund_id=refund_id, order_id=order_id, amount=decision.amount,
                              currency=order.charge_currency, provider=order.payment_method,
                              status=rules.SUCCEEDED if by_hand else rules.PENDING, request_hash=digest, reason=reason,
                              items=decision.items, created_at=now, updated_at=now, payment_ref=order.payment_ref)
        change = rules.order_change(order, decision, refund, cancel_reason=reason if cancel else None)
        action = "order.cancelled" if cancel else "order.refunded"
        details = {"refund_id": refund_id, "amount": decision.amount, "currency": order.charge_currency,
                   "reason": reason, "items": decision.items or None}
        return replace(change, audit=audit_entry(identity, action, order_id, at=now, details=details))

    try:
        change_order(order_id, decide)
    except order_store.DuplicateRecordError:
        # The same key won a race with this request: its refund is the answer.
        replayed = _replay(refund_id, digest)
        if replayed is None:
            raise InvalidStateError("A request with this Idempotency-Key is still being processed.") from None
        return replayed, False
    return refund_document(settle_with_gateway(_current(refund_id))), True


def _current(refund_id: str) -> RefundRecord:
    refund = store.get_refund(refund_id)
    if refund is None:
        raise LookupError(f"refund {refund_id} is gone")  # refunds are never deleted
    return refund


def settle_with_gateway(refund: RefundRecord) -> RefundRecord:
    """Move a pending refund on as far as the gateway allows now; asks before it calls again. Never raises for
    the gateway: an unknown outcome leaves the refund pending for the sweep."""
    if refund.status != rules.PENDING:
        return refund
    refund_id = refund.refund_id
    settings = get_settings()
    if refund.attempts > 0:
        try:
            answer = gateways.inquire(settings, refund)
        except gateways.GatewayUnreachableError as error:
            logger.warning("refund inquiry failed", extra={"refund_id": refund_id, "error": str(error)})
            return refund
        if answer.status in (rules.SUCCEEDED, rules.FAILED):
            return _settle(refund, answer.status, gateway_ref=answer.gateway_ref, failure=answer.failure)
        if answer.status == "pending":
            return refund
    if store.count_attempt(refund_id) is None:
        return _current(refund_id)  # settled meanwhile
    try:
        answer = gateways.request_refund(settings, refund)
    except gateways.GatewayUnreachableError as error:
        logger.warning("refund call's answer lost; asking the gateway",
                       extra={"refund_id": refund_id, "error": str(error)})
        try:
            answer = gateways.inquire(settings, refund)
        except gateways.GatewayUnreachableError:
            return refund
    if answer.status in (rules.SUCCEEDED, rules.FAILED):
        return _settle(refund, answer.status, gateway_ref=answer.gateway_ref, failure=answer.failure)
    return _current(refund_id)


def _settle(refund: RefundRecord, status: str, *, gateway_ref: str | None, failure: str | None) -> RefundRecord:
    """Write the gateway's outcome with the order's view of it, once (only over a refund still pending)."""
    def decide(order: Order | None, now: str) -> OrderChange:
        current = store.get_refund(refund.refund_id)
        if order is None or current is None or current.status != rules.PENDING:
            raise order_store.RefundSettledError()
        return rules.settle(order, current, status=status, now=now, gateway_ref=gateway_ref, failure=failure)

    try:
        change_order(refund.order_id, decide)
    except order_store.RefundSettledError:
        pass
    if status == rules.FAILED:
        logger.warning("refund refused by the gateway", extra={"refund_id": refund.refund_id})
    return _current(refund.refund_id)


def finish_pending_refunds() -> int:
    """The sweep: every refund still pending is asked about (or called again) once more; returns how many settled."""
    settled = 0
    for refund_id in store.pending_before(rfc3339(utc_now())):
        settled += int(settle_with_gateway(_current(refund_id)).status != rules.PENDING)
    return settled


def apply_charge_refunded(event: dict[str, Any]) -> str:
    """`charge.refunded` (card webhook, verified): settle each of our refunds it reports, once."""
    outcome = "no_change"
    for answer in card.refunded_charge(event):
        refund = store.get_refund(answer.refund_id)
        if refund is None or refund.status != rules.PENDING or answer.status not in (rules.SUCCEEDED, rules.FAILED):
            continue
        settled = _settle(refund, answer.status, gateway_ref=answer.gateway_ref, failure=answer.failure)
        if settled.status != rules.PENDING:
            outcome = "refund_settled"
    return outcome


"""Starting payments and applying verified gateway callbacks exactly once.

A callback's effect and its de-duplication record (`<provider>#<event id>`)
are written in one transaction with the order change, so however many times,
in whatever order and however concurrently a gateway delivers, each event
changes the order at most once. Gateway modules know signatures and formats;
this module knows orders.
"""
from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from ..auth import Identity
from ..errors import (
    InvalidStateError,
    LimitReachedError,
    NotFoundError,
    ServiceUnavailableError,
    UnauthenticatedError,
    ValidationError,
)
from ..ids import parse_rfc3339, rfc3339, utc_now
from ..optimistic import read_decide_write
from ..store import orders as store
from ..store.records import Order
from ..wiring import get_settings
from . import card, easypaisa, jazzcash, rules
from .gateway import MalformedCallbackError, PaymentEvent, SignatureError
from .inquiry import InquiryFailedError, inquire_easypaisa

logger = logging.getLogger(__name__)
_ORDER_ID_LENGTH = 16
_MAX_PAYMENT_ATTEMPTS = 99
T = TypeVar("T")


def order_page_url(order_id: str) -> str:
    return f"{get_settings().storefront_url}/order.html?id={order_id}"


def start_payment(*, identity: Identity, order_id: str) -> dict[str, Any]:
    """A fresh gateway reference for the buyer's unpaid order (JazzCash and Easypaisa need one per attempt)."""
    order = store.get_order(order_id)
    if order is None or order.buyer_id != identity.user_id:
        raise NotFoundError()
    if order.payment_method == "cod":
        raise InvalidStateError("Cash on delivery orders are paid on delivery.")
    if order.status != "pending_payment":
        raise InvalidStateError(f"An order that is {order.status} cannot be paid.")
    attempt = store.next_payment_attempt(order_id)
    if attempt is None:
        raise InvalidStateError("This order is no longer awaiting payment.")
    if attempt > _MAX_PAYMENT_ATTEMPTS:
        raise LimitReachedError("Too many payment attempts for this order; place a new order.")
    settings = get_settings()
    now = utc_now()
    remaining = (parse_rfc3339(order.expires_at) - now).total_seconds() if order.expires_at else 0
    if order.payment_method == "easypaisa":
        return easypaisa.payment_form(
            order_ref=f"{order_id}{attempt:02d}", amount_paisa=int(order.charge_amount),
            post_back_url=f"{settings.api_base_url}/payments/easypaisa/callback",
            action_url=settings.easypaisa_action_url, store_id=settings.easypaisa_store_id,
            hash_key=settings.easypaisa_hash_key, now=now, expiry_minutes=max(1, int(remaining // 60)))
    if order.payment_method == "jazzcash":
        return jazzcash.payment_form(
            txn_ref=f"{order_id}{attempt:02d}", amount_paisa=int(order.charge_amount),
            description=f"Made in Pakistan order {order_id}", bill_reference=order_id,
            return_url=f"{settings.api_base_url}/payments/jazzcash/callback",
            action_url=settings.jazzcash_action_url, merchant_id=settings.jazzcash_merchant_id,
            password=settings.jazzcash_password, salt=settings.jazzcash_integrity_salt, now=now,
            expiry_minutes=max(1, int(remaining // 60)))
    return card.start_payment(order_id=order_id, attempt=attempt, amount=int(order.charge_amount),
                              currency=order.charge_currency, action_url=settings.card_action_url,
                              return_url=order_page_url(order_id), secret=settings.card_webhook_secret)


@dataclass(frozen=True)
class CallbackResult:
    order_id: str | None
    outcome: str  # what apply_event did: paid, failed, mismatch, duplicate, ignored, ...


def jazzcash_callback(form: Mapping[str, str]) -> CallbackResult:
    """Verify and apply a JazzCash return post."""
    settings = get_settings()
    event = _verified(lambda: jazzcash.verify_callback(form, salt=settings.jazzcash_integrity_salt,
                                                       merchant_id=settings.jazzcash_merchant_id))
    order_id = event.order_ref[:_ORDER_ID_LENGTH] if len(event.order_ref) == _ORDER_ID_LENGTH + 2 else None
    return CallbackResult(order_id, apply_event(event, order_id))


def easypaisa_callback(form: Mapping[str, str], *, browser: bool) -> CallbackResult:
    """Apply what Easypaisa's inquiry API says about the order a notification (or the buyer's return) names.

    The notification is unsigned, so it is only a prompt to ask: an unknown order is not asked about, and
    when the inquiry fails nothing is applied and the gateway is told to retry (503); the buyer, returning
    with the browser, is sent to the order page, which shows the payment as still awaited.
    """
    order_ref = _verified(lambda: easypaisa.notified_ref(form))
    order_id = order_ref[:_ORDER_ID_LENGTH] if len(order_ref) == _ORDER_ID_LENGTH + 2 else None
    order = store.get_order(order_id) if order_id else None
    if order is None or order.payment_method != easypaisa.PROVIDER:
        logger.warning("easypaisa notification for an unknown order")
        return CallbackResult(None, "unknown_order")
    try:
        event = inquire_easypaisa(get_settings(), order_ref)
    except InquiryFailedError as error:
        logger.warning("easypaisa inquiry failed", extra={"order_id": order_id, "error": str(error)})
        if browser:
            return CallbackResult(order_id, "inquiry_failed")
        raise ServiceUnavailableError("Easypaisa could not confirm the payment now; try again.") from None
    return CallbackResult(order_id, apply_event(event, order_id))


# Verified card events that are not about paying, by type -> (module, function(event: dict) -> outcome).
# Imported when such an event arrives: refunds and disputes build on payments, not the other way round.
CARD_EVENT_HANDLERS: dict[str, tuple[str, str]] = {
    "charge.refunded": ("chalicelib.refunds.service", "apply_charge_refunded"),
    "charge.dispute.created": ("chalicelib.disputes.service", "apply_card_dispute"),
    "charge.dispute.closed": ("chalicelib.disputes.service", "apply_card_dispute"),
}


def card_webhook(body: bytes, signature: str | None) -> CallbackResult:
    """Verify a card gateway event, then hand it to whoever owns its `type`."""
    settings = get_settings()
    verified = _verified(lambda: card.verify_event(body, signature, secret=settings.card_webhook_secret,
                                                   now=int(time.time())))
    handler = CARD_EVENT_HANDLERS.get(str(verified["type"]))
    if handler is not None:
        module, function = handler
        apply = getattr(importlib.import_module(module), function)
        return CallbackResult(None, _verified(lambda: apply(verified)))
    event = _verified(lambda: card.payment_event(verified))
    order_id = event.order_ref or None
    return CallbackResult(order_id, apply_event(event, order_id))


def _verified(verify: Callable[[], T]) -> T:
    """`verify()`, its gateway errors turned into the API's (401 for a signature, 400 for content)."""
    try:
        event = verify()
    except SignatureError:
        logger.warning("payment callback rejected: bad signature")
        raise UnauthenticatedError("The callback's signature does not verify.") from None
    except MalformedCallbackError as error:
        raise ValidationError(f"The callback is malformed: {error}") from None
    return event


def apply_event(event: PaymentEvent, order_id: str | None) -> str:
    """Apply a verified event once; returns what happened (for logs and metrics)."""
    if event.outcome not in ("succeeded", "failed"):
        return "ignored"

    def read() -> Order | None:
        return store.get_order(order_id) if order_id else None

    def write(order: Order | None, _: None) -> str:
        if order is None:
            logger.warning("payment callback for an unknown order", extra={"provider": event.provider})
            return "unknown_order"
        now = rfc3339(utc_now())
        change, result = rules.decide(order, event, now)
        try:
            store.commit_change(change, now=now)
        except store.DuplicateRecordError:
            return "duplicate"
        except store.StockShortError:
            try:
                store.commit_change(rules.flag_paid_without_stock(order, event, now), now=now)
            except store.DuplicateRecordError:
                return "duplicate"
            return "needs_review"
        return result

    return read_decide_write(read, lambda _: None, write, what="order")

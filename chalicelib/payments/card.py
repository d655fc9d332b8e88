"""Card payments in Stripe's format: starting a payment intent and verifying its signed webhook.

The webhook is authenticated only by `Stripe-Signature: t=<unix>,v1=<hex>`, an
HMAC-SHA256 of "<t>.<body>"; the timestamp bounds how long a captured delivery can
be replayed. `now` is passed in so tests can move the clock.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, Literal
from urllib.parse import urlencode

from .gateway import (
    MalformedCallbackError,
    Outcome,
    PaymentEvent,
    RefundAnswer,
    SignatureError,
)

PROVIDER = "card"
DEFAULT_TOLERANCE = 300
OUTCOME_BY_TYPE: dict[str, Outcome] = {
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "failed",
}
_MAX_HEADER = 4096


def sign_webhook(body: bytes, *, secret: str, timestamp: int) -> str:
    """The Stripe-Signature header value for `body` sent at `timestamp`."""
    return f"t={timestamp},v1={_signature(body, secret=secret, timestamp=str(timestamp))}"


def verify_webhook(
    body: bytes,
    signature_header: str | None,
    *,
    secret: str,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE,
) -> PaymentEvent:
    """Check the signature and timestamp, then parse the event.

    The signature is checked before the body is read, so an unsigned delivery is a
    SignatureError whatever it contains. Any one of several v1 entries may match
    (Stripe sends several while a secret is being rolled).
    """
    return payment_event(verify_event(body, signature_header, secret=secret, now=now, tolerance=tolerance))


def verify_event(
    body: bytes,
    signature_header: str | None,
    *,
    secret: str,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE,
) -> dict[str, Any]:
    """Check the signature and timestamp, then return the event as a dict with a string `id` and `type`.

    The webhook dispatches on `type` (payments, refunds, disputes), so this stops at
    what every event has; `payment_event` reads a payment intent's event further.
    """
    timestamp, candidates = _parse_header(signature_header)
    expected = _signature(body, secret=secret, timestamp=timestamp).encode("ascii")
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected, candidate.lower().encode("utf-8"))
    if not matched:
        raise SignatureError("Stripe-Signature does not match")
    age = now - int(timestamp)
    if age > tolerance or -age > tolerance:
        raise SignatureError("Stripe-Signature timestamp is outside the tolerance")
    return _event_object(body)


def start_payment(
    *,
    order_id: str,
    attempt: int,
    amount: int,
    currency: str,
    action_url: str,
    return_url: str,
    secret: str,
) -> dict[str, object]:
    """What the card client needs to pay: the intent, its client secret and the payment page URL.

    The client secret is an HMAC of the intent id, so only the holder of `secret`
    can produce it, and the same attempt always gets the same one.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError("amount must be a positive integer of minor units")
    intent_id = f"pi_{order_id}_{attempt}"
    digest = hmac.new(secret.encode("utf-8"), intent_id.encode("utf-8"), hashlib.sha256).hexdigest()
    query = urlencode(
        {
            "payment_intent_id": intent_id,
            "order_id": order_id,
            "amount": str(amount),
            "currency": currency.upper(),
            "return_url": return_url,
        }
    )
    separator = "&" if "?" in action_url else "?"
    return {
        "provider": PROVIDER,
        "payment_intent_id": intent_id,
        "client_secret": f"{intent_id}_secret_{digest}",
        "amount": amount,
        "currency": currency.upper(),
        "action_url": f"{action_url}{separator}{query}",
    }


def _signature(body: bytes, *, secret: str, timestamp: str) -> str:
    return hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def _parse_header(header: str | None) -> tuple[str, list[str]]:
    if not header or len(header) > _MAX_HEADER:
        raise SignatureError("Stripe-Signature is missing")
    timestamps: list[str] = []
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamps.append(value)
        elif key == "v1" and value:
            candidates.append(value)
    if len(timestamps) != 1 or not (timestamps[0].isascii() and timestamps[0].isdigit()) or len(timestamps[0]) > 12:
        raise SignatureError("Stripe-Signature has no valid timestamp")
    if not candidates:
        raise SignatureError("Stripe-Signature has no v1 signature")
    return timestamps[0], candidates


def _event_object(body: bytes) -> dict[str, Any]:
    try:
        event = json.loads(body)
    except ValueError as error:
        raise MalformedCallbackError("the webhook body is not JSON") from error
    if not isinstance(event, dict):
        raise MalformedCallbackError("the webhook body is not a JSON object")
    _string(event, "id")
    _string(event, "type")
    return event


def payment_event(event: dict[str, Any]) -> PaymentEvent:
    """A verified event as a PaymentEvent; a type that is not a payment intent's is `ignored`."""
    event_id = _string(event, "id")
    event_type = _string(event, "type")
    outcome = OUTCOME_BY_TYPE.get(event_type)
    if outcome is None:
        return PaymentEvent(provider=PROVIDER, event_id=event_id, order_ref="", outcome="ignored", amount=0,
                            currency="")
    data = event.get("data")
    intent = data.get("object") if isinstance(data, dict) else None
    if not isinstance(intent, dict):
        raise MalformedCallbackError("data.object is missing")
    metadata = intent.get("metadata")
    if not isinstance(metadata, dict):
        raise MalformedCallbackError("data.object.metadata is missing")
    order_ref = _string(metadata, "order_id", where="data.object.metadata")
    amount = intent.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise MalformedCallbackError("data.object.amount must be a whole number of minor units")
    currency = _string(intent, "currency", where="data.object")
    if not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
        raise MalformedCallbackError("data.object.currency must be an ISO 4217 code")
    return PaymentEvent(
        provider=PROVIDER,
        event_id=event_id,
        order_ref=order_ref,
        payment_ref=intent["id"] if isinstance(intent.get("id"), str) and intent["id"] else None,
        outcome=outcome,
        amount=amount,
        currency=currency.upper(),
        error=_failure_message(intent) if outcome == "failed" else None,
    )


def _failure_message(intent: dict[str, Any]) -> str:
    last_error = intent.get("last_payment_error")
    message = last_error.get("message") if isinstance(last_error, dict) else None
    return message if isinstance(message, str) and message else "payment failed"


def _string(container: dict[str, Any], name: str, *, where: str = "the event") -> str:
    value = container.get(name)
    if not isinstance(value, str) or not value:
        raise MalformedCallbackError(f"{where} has no {name}")
    return value


# --- refunds (the gateway's server API, Stripe's format) ---------------------------------------

REFUNDS_PATH = "/v1/refunds"
_REFUND_STATUSES: dict[str, Literal["succeeded", "pending", "failed"]] = {
    "succeeded": "succeeded", "pending": "pending", "requires_action": "pending", "failed": "failed",
    "canceled": "failed"}


def refund_form(*, payment_intent: str, amount: int, refund_id: str, order_id: str) -> dict[str, str]:
    """The form-encoded body of `POST /v1/refunds`; our refund id travels in metadata (and as Idempotency-Key)."""
    return {"payment_intent": payment_intent, "amount": str(amount), "metadata[refund_id]": refund_id,
            "metadata[order_id]": order_id}


def refund_headers(*, api_key: str, refund_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}", "Idempotency-Key": refund_id}


def refund_answer(refund: Any, refund_id: str) -> RefundAnswer:
    """A refund object (the API's answer, or one listed in an event) as our answer about `refund_id`."""
    if not isinstance(refund, dict) or refund.get("object") != "refund":
        raise MalformedCallbackError("not a refund object")
    metadata = refund.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("refund_id") != refund_id:
        raise MalformedCallbackError("the refund is not the one asked about")
    status = _REFUND_STATUSES.get(str(refund.get("status")))
    if status is None:
        raise MalformedCallbackError("the refund has no known status")
    failure = refund.get("failure_reason") if status == "failed" else None
    return RefundAnswer(refund_id=refund_id, status=status,
                        gateway_ref=refund.get("id") if isinstance(refund.get("id"), str) else None,
                        failure=str(failure) if failure else ("refused" if status == "failed" else None))


def refund_error(answer: Any, refund_id: str) -> RefundAnswer:
    """A 4xx answer to a refund request: the gateway refused it (over the charge, unknown payment, ...)."""
    error = answer.get("error") if isinstance(answer, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return RefundAnswer(refund_id=refund_id, status="failed", failure=str(message or "refused by the gateway"))


def listed_refund(listing: Any, refund_id: str) -> RefundAnswer:
    """The inquiry: `GET /v1/refunds?payment_intent=` lists the payment's refunds; ours or `unknown`."""
    data = listing.get("data") if isinstance(listing, dict) else None
    if not isinstance(data, list):
        raise MalformedCallbackError("the refund list has no data")
    for refund in data:
        metadata = refund.get("metadata") if isinstance(refund, dict) else None
        if isinstance(metadata, dict) and metadata.get("refund_id") == refund_id:
            return refund_answer(refund, refund_id)
    return RefundAnswer(refund_id=refund_id, status="unknown")


def refunded_charge(event: dict[str, Any]) -> list[RefundAnswer]:
    """`charge.refunded`: the charge with its refunds; an answer for each that carries our refund id."""
    data = event.get("data")
    charge = data.get("object") if isinstance(data, dict) else None
    refunds = charge.get("refunds") if isinstance(charge, dict) else None
    listed = refunds.get("data") if isinstance(refunds, dict) else None
    if not isinstance(listed, list):
        raise MalformedCallbackError("data.object.refunds.data is missing")
    answers = []
    for refund in listed:
        metadata = refund.get("metadata") if isinstance(refund, dict) else None
        refund_id = metadata.get("refund_id") if isinstance(metadata, dict) else None
        if isinstance(refund_id, str) and refund_id:
            answers.append(refund_answer(refund, refund_id))
    return answers

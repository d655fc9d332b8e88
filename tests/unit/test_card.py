"""Card gateway (Stripe format): webhook signatures, timestamps, event parsing and starting a payment."""
from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.payments import card
from chalicelib.payments.gateway import (
    MalformedCallbackError,
    PaymentEvent,
    SignatureError,
)

SECRET = "whsec_test_secret"
NOW = 1_795_000_000


def make_event(event_type: str = "payment_intent.succeeded", **intent: Any) -> dict[str, Any]:
    """A Stripe-format event; intent fields override the payment intent's defaults."""
    obj: dict[str, Any] = {
        "id": "pi_ord1_1",
        "object": "payment_intent",
        "amount": 1250,
        "currency": "usd",
        "metadata": {"order_id": "ord1"},
    }
    obj.update(intent)
    return {"id": "evt_123", "object": "event", "type": event_type, "data": {"object": obj}}


def encode(event: Any) -> bytes:
    return json.dumps(event).encode()


def verify(body: bytes, header: str | None, *, now: int = NOW) -> PaymentEvent:
    return card.verify_webhook(body, header, secret=SECRET, now=now)


def test_signature_is_hmac_of_timestamp_dot_body() -> None:
    body = b'{"id": "evt_1"}'
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + body, hashlib.sha256).hexdigest()
    assert card.sign_webhook(body, secret=SECRET, timestamp=NOW) == f"t={NOW},v1={expected}"


def test_succeeded_event() -> None:
    body = encode(make_event())
    assert verify(body, card.sign_webhook(body, secret=SECRET, timestamp=NOW)) == PaymentEvent(
        provider="card",
        event_id="evt_123",
        order_ref="ord1",
        outcome="succeeded",
        amount=1250,
        currency="USD",
        error=None,
        payment_ref="pi_ord1_1",  # what a refund of it names
    )


def test_failed_event_carries_the_last_payment_error() -> None:
    body = encode(make_event("payment_intent.payment_failed",
                             last_payment_error={"message": "Your card was declined."}))
    event = verify(body, card.sign_webhook(body, secret=SECRET, timestamp=NOW))
    assert (event.outcome, event.error) == ("failed", "Your card was declined.")


def test_failed_event_without_a_message_still_has_an_error() -> None:
    body = encode(make_event("payment_intent.payment_failed"))
    event = verify(body, card.sign_webhook(body, secret=SECRET, timestamp=NOW))
    assert (event.outcome, event.error) == ("failed", "payment failed")


def test_other_event_types_are_verified_but_ignored() -> None:
    body = encode({"id": "evt_9", "type": "charge.refunded", "data": {"object": {}}})
    event = verify(body, card.sign_webhook(body, secret=SECRET, timestamp=NOW))
    assert (event.outcome, event.event_id, event.order_ref) == ("ignored", "evt_9", "")


def test_any_matching_v1_entry_is_accepted() -> None:
    body = encode(make_event())
    good = card.sign_webhook(body, secret=SECRET, timestamp=NOW).split("v1=")[1]
    header = f"t={NOW},v1={'0' * 64},v0=ignored,v1={good.upper()}"
    assert verify(body, header).outcome == "succeeded"


def test_stale_timestamp_is_rejected() -> None:
    body = encode(make_event())
    header = card.sign_webhook(body, secret=SECRET, timestamp=NOW - 301)
    with pytest.raises(SignatureError):
        verify(body, header)


def test_timestamp_at_the_tolerance_is_accepted() -> None:
    body = encode(make_event())
    assert verify(body, card.sign_webhook(body, secret=SECRET, timestamp=NOW - 300)).outcome == "succeeded"


def test_future_timestamp_is_rejected() -> None:
    body = encode(make_event())
    header = card.sign_webhook(body, secret=SECRET, timestamp=NOW + 301)
    with pytest.raises(SignatureError):
        verify(body, header)


def test_wrong_secret_is_rejected() -> None:
    body = encode(make_event())
    with pytest.raises(SignatureError):
        verify(body, card.sign_webhook(body, secret="whsec_other", timestamp=NOW))


def test_tampered_body_is_rejected() -> None:
    body = encode(make_event())
    header = card.sign_webhook(body, secret=SECRET, timestamp=NOW)
    with pytest.raises(SignatureError):
        verify(encode(make_event(amount=1)), header)


def test_moved_timestamp_is_rejected() -> None:
    body = encode(make_event())
    signature = card.sign_webhook(body, secret=SECRET, timestamp=NOW - 1000).split(",")[1]
    with pytest.raises(SignatureError):
        verify(body, f"t={NOW},{signature}")


@pytest.mark.parametrize(
    "header",
    [None, "", "garbage", f"t={NOW}", "v1=" + "0" * 64, f"t=abc,v1={'0' * 64}", f"t={NOW},t={NOW},v1={'0' * 64}"],
)
def test_missing_or_bad_header_is_rejected(header: str | None) -> None:
    with pytest.raises(SignatureError):
        verify(encode(make_event()), header)


def test_unsigned_malformed_body_is_still_a_signature_error() -> None:
    with pytest.raises(SignatureError):
        verify(b"not json", f"t={NOW},v1={'0' * 64}")


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        encode({"type": "payment_intent.succeeded", "data": {"object": {}}}),
        encode(make_event(metadata={})),
        encode(make_event(metadata=None)),
        encode(make_event(amount=12.5)),
        encode(make_event(amount=True)),
        encode(make_event(amount="1250")),
        encode(make_event(currency="dollars")),
        encode({"id": "evt_1", "type": "payment_intent.succeeded"}),
    ],
)
def test_signed_malformed_body_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedCallbackError):
        verify(body, card.sign_webhook(body, secret=SECRET, timestamp=NOW))


def start(**overrides: Any) -> dict[str, object]:
    arguments: dict[str, Any] = {
        "order_id": "ord1",
        "attempt": 2,
        "amount": 1250,
        "currency": "usd",
        "action_url": "http://127.0.0.1:8080/sandbox/card",
        "return_url": "http://127.0.0.1:8080/orders.html?id=ord1",
        "secret": SECRET,
    }
    arguments.update(overrides)
    return card.start_payment(**arguments)


def test_start_payment_describes_the_intent_and_the_sandbox_page() -> None:
    started = start()
    assert {key: started[key] for key in ("provider", "payment_intent_id", "amount", "currency")} == {
        "provider": "card",
        "payment_intent_id": "pi_ord1_2",
        "amount": 1250,
        "currency": "USD",
    }
    url = urlsplit(str(started["action_url"]))
    assert f"{url.scheme}://{url.netloc}{url.path}" == "http://127.0.0.1:8080/sandbox/card"
    assert parse_qs(url.query) == {
        "payment_intent_id": ["pi_ord1_2"],
        "order_id": ["ord1"],
        "amount": ["1250"],
        "currency": ["USD"],
        "return_url": ["http://127.0.0.1:8080/orders.html?id=ord1"],
    }


def test_client_secret_is_keyed_and_stable() -> None:
    first, again, other_key = start()["client_secret"], start()["client_secret"], start(secret="x")["client_secret"]
    expected = hmac.new(SECRET.encode(), b"pi_ord1_2", hashlib.sha256).hexdigest()
    assert first == again == f"pi_ord1_2_secret_{expected}"
    assert other_key != first


# --- refunds ----------------------------------------------------------------------------------------------


def _refund(refund_id: str = "RF1", status: str = "succeeded") -> dict[str, object]:
    return {"id": "re_1", "object": "refund", "amount": 500, "status": status, "metadata": {"refund_id": refund_id}}


def test_a_refund_object_answers_for_our_refund_only() -> None:
    answer = card.refund_answer(_refund(), "RF1")
    assert (answer.status, answer.gateway_ref) == ("succeeded", "re_1")
    assert card.refund_answer(_refund(status="canceled"), "RF1").status == "failed"
    with pytest.raises(MalformedCallbackError):
        card.refund_answer(_refund("RF2"), "RF1")


def test_the_inquiry_finds_our_refund_among_the_payments_refunds_or_none() -> None:
    listing = {"object": "list", "data": [_refund("RF0"), _refund("RF1", "pending")]}
    assert card.listed_refund(listing, "RF1").status == "pending"
    assert card.listed_refund(listing, "RF9").status == "unknown"


def test_charge_refunded_reports_each_refund_that_carries_our_id() -> None:
    event = {"id": "evt_1", "type": "charge.refunded", "data": {"object": {"object": "charge", "refunds": {
        "data": [_refund("RF1"), {"id": "re_x", "object": "refund", "status": "succeeded", "metadata": {}}]}}}}
    assert [(answer.refund_id, answer.status) for answer in card.refunded_charge(event)] == [("RF1", "succeeded")]
    with pytest.raises(MalformedCallbackError):
        card.refunded_charge({"id": "evt_2", "type": "charge.refunded", "data": {"object": {}}})

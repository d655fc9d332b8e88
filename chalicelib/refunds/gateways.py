"""Calling the gateways' refund and inquiry APIs over HTTPS (the only outbound calls the refunds make).

Whatever leaves the outcome unknown (a timeout, a dropped connection, a 5xx, an
answer that does not verify) is a GatewayUnreachableError: the refund may or may
not have happened, so the caller asks (inquiry) before it ever calls again.
A 4xx with a readable answer is the gateway refusing, which is an outcome.
"""
from __future__ import annotations

import json
import urllib.request
from typing import Any
from urllib.parse import urlencode

from ..config import Settings
from ..payments import card, easypaisa, jazzcash
from ..payments.gateway import MalformedCallbackError, RefundAnswer, SignatureError
from ..payments.https import GatewayUnreachableError, exchange
from ..store.records import RefundRecord

EASYPAISA_BY_HAND = "Easypaisa has no refund API: refund this payment from the Easypaisa merchant portal"


def _json_post(url: str, fields: dict[str, str], timeout: float) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=json.dumps(fields).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    return exchange(request, timeout)


def _answer(read: Any) -> RefundAnswer:
    try:
        answer: RefundAnswer = read()
    except (MalformedCallbackError, SignatureError, AttributeError, TypeError) as error:
        raise GatewayUnreachableError(f"unreadable answer: {error}") from None
    return answer


def request_refund(settings: Settings, refund: RefundRecord) -> RefundAnswer:
    """Ask the gateway that took the payment to give `refund.amount` back, under the refund's own id."""
    if refund.payment_ref is None:
        return RefundAnswer(refund_id=refund.refund_id, status="failed", failure="no payment reference on record")
    if refund.provider == easypaisa.PROVIDER:
        # Easypay's hosted checkout has no refund API: a person refunds from the merchant portal.
        return RefundAnswer(refund_id=refund.refund_id, status="failed", failure=EASYPAISA_BY_HAND)
    timeout = settings.gateway_timeout_seconds
    if refund.provider == card.PROVIDER:
        form = card.refund_form(payment_intent=refund.payment_ref, amount=refund.amount, refund_id=refund.refund_id,
                                order_id=refund.order_id)
        request = urllib.request.Request(
            settings.card_api_url + card.REFUNDS_PATH, data=urlencode(form).encode(), method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     **card.refund_headers(api_key=settings.card_api_key, refund_id=refund.refund_id)})
        status, body = exchange(request, timeout)
        if 400 <= status < 500:
            return card.refund_error(body, refund.refund_id)
        return _answer(lambda: card.refund_answer(body, refund.refund_id))
    fields = jazzcash.refund_fields(txn_ref=refund.payment_ref, amount_paisa=refund.amount, refund_id=refund.refund_id,
                                    merchant_id=settings.jazzcash_merchant_id, password=settings.jazzcash_password,
                                    salt=settings.jazzcash_integrity_salt)
    _, body = _json_post(settings.jazzcash_api_url + jazzcash.REFUND_PATH, fields, timeout)
    return _answer(lambda: jazzcash.refund_answer(body, refund_id=refund.refund_id,
                                                  salt=settings.jazzcash_integrity_salt))


def inquire(settings: Settings, refund: RefundRecord) -> RefundAnswer:
    """What the gateway knows of this refund: done, refused, pending, or nothing (`unknown`: safe to call)."""
    if refund.payment_ref is None or refund.provider == easypaisa.PROVIDER:
        return RefundAnswer(refund_id=refund.refund_id, status="unknown")
    timeout = settings.gateway_timeout_seconds
    if refund.provider == card.PROVIDER:
        query = urlencode({"payment_intent": refund.payment_ref, "limit": "100"})
        request = urllib.request.Request(
            f"{settings.card_api_url}{card.REFUNDS_PATH}?{query}", method="GET",
            headers={"Authorization": f"Bearer {settings.card_api_key}"})
        status, body = exchange(request, timeout)
        if status != 200:
            raise GatewayUnreachableError(f"inquiry answered HTTP {status}")
        return _answer(lambda: card.listed_refund(body, refund.refund_id))
    fields = jazzcash.inquiry_fields(txn_ref=refund.payment_ref, refund_id=refund.refund_id,
                                     merchant_id=settings.jazzcash_merchant_id, password=settings.jazzcash_password,
                                     salt=settings.jazzcash_integrity_salt)
    _, body = _json_post(settings.jazzcash_api_url + jazzcash.INQUIRY_PATH, fields, timeout)
    return _answer(lambda: jazzcash.inquiry_answer(body, refund_id=refund.refund_id,
                                                   salt=settings.jazzcash_integrity_salt))

"""Asking Easypaisa what became of a payment: the one outbound call a payment callback makes.

Whatever leaves the answer unknown (a timeout, a dropped connection, a 5xx, an
answer that is not about our order) is an InquiryFailedError: the notification is
then not applied, and the gateway's retry (or the buyer's return) asks again.
"""
from __future__ import annotations

import urllib.request

from ..config import Settings
from . import easypaisa
from .gateway import MalformedCallbackError, PaymentEvent
from .https import GatewayUnreachableError, exchange


class InquiryFailedError(Exception):
    """The gateway could not say what became of the payment: nothing may be applied now."""


def inquire_easypaisa(settings: Settings, order_ref: str) -> PaymentEvent:
    """Easypaisa's Inquire Transaction answer for `order_ref`, as a PaymentEvent."""
    headers, body = easypaisa.inquiry_request(
        order_ref=order_ref, store_id=settings.easypaisa_store_id, account_num=settings.easypaisa_account_num,
        username=settings.easypaisa_inquiry_username, password=settings.easypaisa_inquiry_password)
    request = urllib.request.Request(settings.easypaisa_api_url + easypaisa.INQUIRY_PATH, data=body, method="POST",
                                     headers=headers)
    try:
        status, document = exchange(request, settings.gateway_timeout_seconds)
    except GatewayUnreachableError as error:
        raise InquiryFailedError(str(error)) from None
    if status >= 400:
        raise InquiryFailedError(f"HTTP {status}")
    try:
        return easypaisa.inquiry_event(document, order_ref=order_ref, store_id=settings.easypaisa_store_id)
    except MalformedCallbackError as error:
        raise InquiryFailedError(f"unreadable answer: {error}") from None

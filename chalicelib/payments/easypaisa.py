"""Easypaisa (Easypay) hosted checkout: the encrypted form the browser posts, and the Inquire Transaction API.

Easypay's notification to the merchant carries no signature, so nothing in it is
believed: it only names an order reference, and what that payment is comes from the
Inquire Transaction API, asked by us with our credentials. The form's
`merchantHashedReq` is Easypay's own scheme: the form's fields, sorted by name,
as `name=value&...`, encrypted with AES/ECB/PKCS5 under the store's hash key,
base64. Everything here is pure: keys, ids and the time come from the caller.
"""
from __future__ import annotations

import base64
import hmac
import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from ..ids import PAKISTAN_TIME
from .gateway import MalformedCallbackError, Outcome, PaymentEvent

PROVIDER = "easypaisa"
CURRENCY = "PKR"
HASH_FIELD = "merchantHashedReq"
# The wallet ("mobile account") tab of the checkout; the buyer can still switch to another method there.
PAYMENT_METHOD = "MA_PAYMENT_METHOD"
INQUIRY_PATH = "/easypay-service/rest/v4/inquire-transaction"
SUCCESS_CODE = "0000"
PAID_STATUSES = frozenset({"PAID"})
FAILED_STATUSES = frozenset({"FAILED", "DROPPED", "EXPIRED", "REVERSED"})
NOTIFICATION_FIELD = "orderRefNumber"
AES_KEY_LENGTHS = (16, 24, 32)

_ORDER_REF = re.compile(r"[A-Za-z0-9]{1,20}")
_EXPIRY = "%Y%m%d %H%M%S"


def amount_text(amount_paisa: int) -> str:
    """Rupees as Easypay writes them: at least one decimal ("2500.0"), paisa when there are any ("2500.5")."""
    if isinstance(amount_paisa, bool) or not isinstance(amount_paisa, int) or amount_paisa <= 0:
        raise ValueError("amount_paisa must be a positive integer")
    rupees, paisa = divmod(amount_paisa, 100)
    return f"{rupees}.{paisa:02d}".rstrip("0") if paisa else f"{rupees}.0"


def amount_paisa(value: object) -> int:
    """Paisa from an amount the gateway wrote as a number or a string of rupees; refuses fractions of a paisa."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise MalformedCallbackError("the amount is not a number")
    try:
        rupees = Decimal(str(value))
    except InvalidOperation:
        raise MalformedCallbackError("the amount is not a number") from None
    paisa = rupees * 100
    if not rupees.is_finite() or paisa != paisa.to_integral_value() or paisa < 0:
        raise MalformedCallbackError("the amount is not a whole number of paisa")
    return int(paisa)


def _key(hash_key: str) -> bytes:
    key = hash_key.encode("utf-8")
    if len(key) not in AES_KEY_LENGTHS:
        raise ValueError("the Easypay hash key must be 16, 24 or 32 bytes")
    return key


def hashed_request(fields: Mapping[str, str], hash_key: str) -> str:
    """merchantHashedReq: base64 of AES/ECB/PKCS5(`name=value&...` of the fields sorted by name, hash field left out).

    ECB is Easypay's choice, not ours; the value only proves to Easypay that the form came from the store.
    cryptography is imported here, so only building a checkout form pays for loading it.
    """
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    message = "&".join(f"{name}={fields[name]}" for name in sorted(fields) if name != HASH_FIELD)
    padder = padding.PKCS7(algorithms.AES.block_size).padder()
    padded = padder.update(message.encode("utf-8")) + padder.finalize()
    encryptor = Cipher(algorithms.AES(_key(hash_key)), modes.ECB()).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode("ascii")


def verify_hashed_request(fields: Mapping[str, str], hash_key: str) -> bool:
    """What Easypay checks of a posted form (the sandbox checks the same): the hash matches the fields."""
    provided = fields.get(HASH_FIELD, "")
    return bool(provided) and hmac.compare_digest(hashed_request(fields, hash_key).encode("ascii"),
                                                  provided.encode("utf-8"))


def payment_form(*, order_ref: str, amount_paisa: int, post_back_url: str, action_url: str, store_id: str,
                 hash_key: str, now: datetime, expiry_minutes: int) -> dict[str, object]:
    """The hosted checkout's form: `{"provider", "action_url", "form_fields"}` for the browser to post."""
    if not _ORDER_REF.fullmatch(order_ref):
        raise ValueError("order_ref must be 1 to 20 letters or digits")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if expiry_minutes <= 0:
        raise ValueError("expiry_minutes must be positive")
    expiry = (now.astimezone(PAKISTAN_TIME) + timedelta(minutes=expiry_minutes)).strftime(_EXPIRY)
    fields = {
        "storeId": store_id,
        "amount": amount_text(amount_paisa),
        "postBackURL": post_back_url,
        "orderRefNum": order_ref,
        "expiryDate": expiry,
        "autoRedirect": "1",
        "paymentMethod": PAYMENT_METHOD,
    }
    fields[HASH_FIELD] = hashed_request(fields, hash_key)
    return {"provider": PROVIDER, "action_url": action_url, "form_fields": fields}


def notified_ref(fields: Mapping[str, str]) -> str:
    """The order reference a notification (or the buyer's return) names; the only thing taken from it."""
    ref = fields.get(NOTIFICATION_FIELD, "")
    if not _ORDER_REF.fullmatch(ref):
        raise MalformedCallbackError(f"{NOTIFICATION_FIELD} must be 1 to 20 letters or digits")
    return ref


def inquiry_request(*, order_ref: str, store_id: str, account_num: str, username: str,
                    password: str) -> tuple[dict[str, str], bytes]:
    """Headers and JSON body of an Inquire Transaction call for `order_ref`."""
    credentials = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    body = json.dumps({"orderId": order_ref, "storeId": store_id, "accountNum": account_num}).encode("utf-8")
    return {"Content-Type": "application/json", "Credentials": credentials}, body


def inquiry_event(answer: Any, *, order_ref: str, store_id: str) -> PaymentEvent:
    """The inquiry's answer about `order_ref` as a PaymentEvent (MalformedCallbackError if it is not one).

    `0000` with `PAID` is a payment of `transactionAmount` rupees; a failed, dropped, expired or reversed
    transaction is a failure; anything else (pending, or a gateway that has no such order yet) changes nothing.
    """
    if not isinstance(answer, dict):
        raise MalformedCallbackError("the inquiry answer is not a JSON object")
    code = str(answer.get("responseCode", ""))
    if code != SUCCESS_CODE:
        return PaymentEvent(provider=PROVIDER, event_id=f"{order_ref}:{code}", order_ref=order_ref,
                            outcome="pending", amount=0, currency=CURRENCY)
    if str(answer.get("orderId", "")) != order_ref or str(answer.get("storeId", "")) != store_id:
        raise MalformedCallbackError("the inquiry answer is about another order or store")
    status = str(answer.get("transactionStatus", "")).upper()
    outcome: Outcome = "pending"
    if status in PAID_STATUSES:
        outcome = "succeeded"
    elif status in FAILED_STATUSES:
        outcome = "failed"
    amount = amount_paisa(answer.get("transactionAmount", 0)) if outcome == "succeeded" else 0
    transaction = str(answer.get("transactionId") or "") or None
    return PaymentEvent(provider=PROVIDER, event_id=f"{order_ref}:{status}", order_ref=order_ref, outcome=outcome,
                        amount=amount, currency=CURRENCY, payment_ref=transaction or order_ref,
                        error=f"Easypaisa: {status.lower()}" if outcome == "failed" else None)

"""JazzCash page redirection: the signed form the browser posts, and the verified return post.

JazzCash signs both directions with one scheme (see secure_hash). Everything here is
pure: the salt, password and merchant id come from the caller (settings from the
environment), and the time comes in as `now` so forms are reproducible in tests.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime, timedelta

from ..ids import PAKISTAN_TIME
from .gateway import (
    MalformedCallbackError,
    Outcome,
    PaymentEvent,
    RefundAnswer,
    SignatureError,
)

PROVIDER = "jazzcash"
HASH_FIELD = "pp_SecureHash"
CURRENCY = "PKR"
SUCCEEDED_CODES = frozenset({"000", "121"})
PENDING_CODES = frozenset({"124", "157", "210"})
DESCRIPTION_MAX = 100

_TXN_REF = re.compile(r"[A-Za-z0-9]{1,20}")
# Up to 18 digits: far beyond any real amount, and int() of it is cheap.
_AMOUNT = re.compile(r"[0-9]{1,18}")
_SPACES = re.compile(r"\s+")
_TIMESTAMP = "%Y%m%d%H%M%S"


def secure_hash(fields: Mapping[str, str], salt: str) -> str:
    """pp_SecureHash: hex HMAC-SHA256 (key = salt) of the salt and the sorted non-empty pp* values, joined by '&'.

    Names are sorted by code point, which is UTF-8 byte order (upper case before lower case).
    """
    names = sorted(name for name, value in fields.items()
                   if name.startswith("pp") and name != HASH_FIELD and value != "")
    message = "&".join([salt, *(fields[name] for name in names)])
    return hmac.new(salt.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def verify_signature(fields: Mapping[str, str], *, salt: str) -> None:
    """Raise SignatureError unless pp_SecureHash matches (hex case-insensitive, constant-time)."""
    provided = fields.get(HASH_FIELD) or ""
    if not provided:
        raise SignatureError("pp_SecureHash is missing")
    expected = secure_hash(fields, salt)
    if not hmac.compare_digest(expected.encode("ascii"), provided.lower().encode("utf-8")):
        raise SignatureError("pp_SecureHash does not match")


def verify_callback(form: Mapping[str, str], *, salt: str, merchant_id: str) -> PaymentEvent:
    """Check a return post and turn it into a PaymentEvent.

    The signature is checked before anything else, so an unsigned post is a
    SignatureError whatever its content; only then is a malformed one reported.
    A post for another merchant is treated as forged, since it was not signed for us.
    """
    verify_signature(form, salt=salt)
    if not hmac.compare_digest(form.get("pp_MerchantID", "").encode("utf-8"), merchant_id.encode("utf-8")):
        raise SignatureError("pp_MerchantID is not ours")
    txn_ref = _required(form, "pp_TxnRefNo")
    amount = _required(form, "pp_Amount")
    code = _required(form, "pp_ResponseCode")
    if not _TXN_REF.fullmatch(txn_ref):
        raise MalformedCallbackError("pp_TxnRefNo must be 1 to 20 letters or digits")
    if not _AMOUNT.fullmatch(amount):
        raise MalformedCallbackError("pp_Amount must be a whole number of paisa")
    currency = form.get("pp_TxnCurrency", "")
    if currency and currency != CURRENCY:
        raise MalformedCallbackError("pp_TxnCurrency must be PKR")
    outcome: Outcome
    error: str | None = None
    if code in SUCCEEDED_CODES:
        outcome = "succeeded"
    elif code in PENDING_CODES:
        outcome = "pending"
    else:
        outcome, error = "failed", form.get("pp_ResponseMessage") or code
    return PaymentEvent(
        provider=PROVIDER,
        event_id=f"{txn_ref}:{code}",
        order_ref=txn_ref,
        payment_ref=txn_ref,
        outcome=outcome,
        amount=int(amount),
        currency=CURRENCY,
        error=error,
    )


def payment_form(
    *,
    txn_ref: str,
    amount_paisa: int,
    description: str,
    bill_reference: str,
    return_url: str,
    action_url: str,
    merchant_id: str,
    password: str,
    salt: str,
    now: datetime,
    expiry_minutes: int,
) -> dict[str, object]:
    """The signed page-redirection form: `{"provider", "action_url", "form_fields"}`.

    JazzCash accepts ASCII only, so the description is transliterated where Unicode
    allows and otherwise falls back to the bill reference; every other value must
    already be ASCII (they are ours: ids and URLs).
    """
    if not _TXN_REF.fullmatch(txn_ref):
        raise ValueError("txn_ref must be 1 to 20 letters or digits")
    if isinstance(amount_paisa, bool) or not isinstance(amount_paisa, int) or amount_paisa <= 0:
        raise ValueError("amount_paisa must be a positive integer")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if expiry_minutes <= 0:
        raise ValueError("expiry_minutes must be positive")
    local = now.astimezone(PAKISTAN_TIME)
    fields = {
        "pp_Version": "1.1",
        "pp_TxnType": "MWALLET",
        "pp_Language": "EN",
        "pp_MerchantID": merchant_id,
        "pp_Password": password,
        "pp_TxnRefNo": txn_ref,
        "pp_Amount": str(amount_paisa),
        "pp_TxnCurrency": CURRENCY,
        "pp_TxnDateTime": local.strftime(_TIMESTAMP),
        "pp_TxnExpiryDateTime": (local + timedelta(minutes=expiry_minutes)).strftime(_TIMESTAMP),
        "pp_BillReference": bill_reference,
        "pp_Description": ascii_description(description, fallback=f"Order {bill_reference or txn_ref}"),
        "pp_ReturnURL": return_url,
    }
    for name, value in fields.items():
        if not value.isascii():
            raise ValueError(f"{name} must be ASCII")
    fields[HASH_FIELD] = secure_hash(fields, salt)
    return {"provider": PROVIDER, "action_url": action_url, "form_fields": fields}


def ascii_description(text: str, *, fallback: str) -> str:
    """Printable ASCII, spaces collapsed, at most 100 characters, never empty.

    Accents are transliterated (é -> e); scripts with no ASCII form (Urdu) drop out,
    and if nothing is left the fallback is used.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    printable = "".join(ch if ch.isascii() and ch.isprintable() else " "
                        for ch in decomposed if not unicodedata.combining(ch))
    cleaned = _SPACES.sub(" ", printable).strip()[:DESCRIPTION_MAX].rstrip()
    if cleaned:
        return cleaned
    return _SPACES.sub(" ", fallback).strip()[:DESCRIPTION_MAX] or "Order"


def _required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name, "")
    if not value:
        raise MalformedCallbackError(f"{name} is missing")
    return value


# --- refunds and inquiries (the gateway's server API: JSON, signed like the forms) ----------------

REFUND_PATH = "/Purchase/Refund"
INQUIRY_PATH = "/PaymentInquiry/Inquire"
REFUND_FIELD = "ppmpf_1"  # the merchant's pass-through field carries our refund id, echoed in every answer
REFUND_DONE = "Completed"
REFUND_NOT_FOUND = "NotFound"


def _signed(fields: dict[str, str], salt: str) -> dict[str, str]:
    fields[HASH_FIELD] = secure_hash(fields, salt)
    return fields


def refund_fields(*, txn_ref: str, amount_paisa: int, refund_id: str, merchant_id: str, password: str,
                  salt: str) -> dict[str, str]:
    """A refund of `amount_paisa` of the payment `txn_ref`, named by our `refund_id`."""
    return _signed({"pp_Version": "1.1", "pp_MerchantID": merchant_id, "pp_Password": password,
                    "pp_TxnRefNo": txn_ref, "pp_Amount": str(amount_paisa), "pp_TxnCurrency": CURRENCY,
                    REFUND_FIELD: refund_id}, salt)


def inquiry_fields(*, txn_ref: str, refund_id: str, merchant_id: str, password: str, salt: str) -> dict[str, str]:
    """Ask what became of our refund `refund_id` of the payment `txn_ref`."""
    return _signed({"pp_Version": "1.1", "pp_MerchantID": merchant_id, "pp_Password": password,
                    "pp_TxnRefNo": txn_ref, REFUND_FIELD: refund_id}, salt)


def _verified_answer(answer: Mapping[str, str], refund_id: str, salt: str) -> None:
    verify_signature(answer, salt=salt)
    if answer.get(REFUND_FIELD) != refund_id:
        raise MalformedCallbackError("the answer is about another refund")


def refund_answer(answer: Mapping[str, str], *, refund_id: str, salt: str) -> RefundAnswer:
    """The refund API's signed answer: `000` refunded, a pending code pending, anything else refused."""
    _verified_answer(answer, refund_id, salt)
    code = answer.get("pp_ResponseCode", "")
    reference = answer.get("pp_RetreivalReferenceNo") or None
    if code in SUCCEEDED_CODES:
        return RefundAnswer(refund_id=refund_id, status="succeeded", gateway_ref=reference)
    if code in PENDING_CODES:
        return RefundAnswer(refund_id=refund_id, status="pending", gateway_ref=reference)
    return RefundAnswer(refund_id=refund_id, status="failed",
                        failure=answer.get("pp_ResponseMessage") or f"refused ({code})")


def inquiry_answer(answer: Mapping[str, str], *, refund_id: str, salt: str) -> RefundAnswer:
    """The inquiry API's signed answer: the refund is done, or the gateway has none by that id."""
    _verified_answer(answer, refund_id, salt)
    if answer.get("pp_ResponseCode") not in SUCCEEDED_CODES:
        raise MalformedCallbackError("the inquiry did not succeed")
    status = answer.get("pp_RefundStatus")
    if status == REFUND_DONE:
        return RefundAnswer(refund_id=refund_id, status="succeeded",
                            gateway_ref=answer.get("pp_RetreivalReferenceNo") or None)
    if status == REFUND_NOT_FOUND:
        return RefundAnswer(refund_id=refund_id, status="unknown")
    raise MalformedCallbackError("the inquiry's refund status is unknown")

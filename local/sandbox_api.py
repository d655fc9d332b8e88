"""The sandbox gateways' server APIs (dev only, never shipped): refunds and inquiries, and a switch to lose answers.

Mounted by local/sandbox.py under /sandbox/:
- `POST /card-api/v1/refunds` (Stripe's format: form-encoded `payment_intent`, `amount`, `metadata[...]`;
  `Authorization: Bearer $CARD_API_KEY`; `Idempotency-Key` honoured: the same key gets the same refund object)
  and `GET /card-api/v1/refunds?payment_intent=` (the inquiry: that payment's refunds). After a refund it posts
  a signed `charge.refunded` webhook to the API, as the gateway would.
- `POST /jazzcash-api/Purchase/Refund` and `POST /jazzcash-api/PaymentInquiry/Inquire`: JSON, signed with
  pp_SecureHash both ways; our refund id travels in `ppmpf_1`; the inquiry answers `pp_RefundStatus`
  `Completed` or `NotFound`.
- `POST /easypaisa-api/easypay-service/rest/v4/inquire-transaction`: Easypay's Inquire Transaction (JSON
  `{"orderId", "storeId", "accountNum"}`, header `Credentials: base64(user:password)`), answering what the
  checkout page (local/sandbox.py) recorded: `transactionStatus` `PAID` or `FAILED` and `transactionAmount` in
  rupees, or `responseCode` `0003` for an order it never saw.
- `POST /control` (JSON): `{"fail_inquiries": n}` answers the next n Easypaisa inquiries with HTTP 503;
  `{"easypaisa": {"ref", "status", "amount"}}` records an Easypaisa transaction as if paid on its page;
  `{"lose_next": "answer" | "request", "count": n}` drops the connection of the next n
  refund calls, after applying the refund ("answer": the caller never learns it happened) or before
  ("request"); `{"charge": {"ref", "amount", "currency"}}` records a payment the sandbox did not take itself;
  `{"webhooks": false}` stops webhook deliveries; `{"reset": true}` forgets everything. `GET /control` shows
  what the sandbox holds.
Refunds never exceed the charge. A payment the sandbox took (its pages) is known; any other must be recorded.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

from chalicelib.payments import card, jazzcash
from chalicelib.payments.gateway import SignatureError

WEBHOOK_PATH = "/payments/card/webhook"
WEBHOOK_DELAY_SECONDS = 0.2


@dataclass
class SandboxState:
    """Everything the sandbox gateways remember, for the life of the process."""

    charges: dict[str, tuple[int, str]] = field(default_factory=dict)  # payment ref -> (amount, currency)
    card_refunds: dict[str, dict[str, Any]] = field(default_factory=dict)  # Idempotency-Key -> refund object
    jazzcash_refunds: dict[str, dict[str, str]] = field(default_factory=dict)  # our refund id -> signed answer
    refunded: dict[str, int] = field(default_factory=dict)  # payment ref -> amount refunded
    lose: list[str] = field(default_factory=list)  # "answer" | "request", one per coming refund call
    webhooks: bool = True  # also Easypaisa's notifications
    easypaisa: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # order ref -> (status, paisa, txn id)
    failing_inquiries: int = 0
    calls: list[str] = field(default_factory=list)  # "card.refund", "card.inquiry", "jazzcash.refund", ...


STATE = SandboxState()
_LOCK = threading.Lock()


def record_charge(ref: str, amount: int, currency: str) -> None:
    """A payment the sandbox took (or was told about): refunds of it are checked against it."""
    with _LOCK:
        STATE.charges[ref] = (amount, currency.upper())


def _json(body: object, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _card_error(message: str, status: int = 400, code: str = "invalid_request") -> Response:
    return _json({"error": {"type": "invalid_request_error", "code": code, "message": message}}, status)


def _drop(request: Request) -> Response:
    """Close the caller's connection without an answer (a lost answer, as a timeout or a reset would be)."""
    connection = request.environ.get("werkzeug.socket")
    if isinstance(connection, socket.socket):
        connection.shutdown(socket.SHUT_RDWR)
    return Response(status=204)


def _next_loss() -> str | None:
    with _LOCK:
        return STATE.lose.pop(0) if STATE.lose else None


def _refundable(ref: str, amount: int) -> str | None:
    """Why `amount` more cannot be refunded of payment `ref`, or None (call under the lock)."""
    if ref not in STATE.charges:
        return f"No such payment: {ref}"
    if amount <= 0 or STATE.refunded.get(ref, 0) + amount > STATE.charges[ref][0]:
        return "Refund amount is greater than what is left of the charge."
    return None


# --- card -------------------------------------------------------------------------------------


def card_refunds(request: Request) -> Response:
    if request.headers.get("Authorization", "") != f"Bearer {os.environ.get('CARD_API_KEY', '')}":
        return _card_error("Invalid API Key provided.", 401, "api_key_invalid")
    if request.method == "GET":
        with _LOCK:
            STATE.calls.append("card.inquiry")
            intent = request.args.get("payment_intent", "")
            listed = [refund for refund in STATE.card_refunds.values() if refund["payment_intent"] == intent]
        return _json({"object": "list", "data": listed, "has_more": False})
    loss = _next_loss()
    if loss == "request":
        return _drop(request)
    key = request.headers.get("Idempotency-Key", "")
    intent = request.form.get("payment_intent", "")
    amount_text = request.form.get("amount", "")
    if not key or not intent or not amount_text.isdigit():
        return _card_error("payment_intent, amount and an Idempotency-Key are required.")
    metadata = {name[len("metadata["):-1]: value for name, value in request.form.items()
                if name.startswith("metadata[") and name.endswith("]")}
    with _LOCK:
        STATE.calls.append("card.refund")
        refund = STATE.card_refunds.get(key)
        fresh = refund is None
        if refund is None:
            refused = _refundable(intent, int(amount_text))
            if refused is not None:
                return _card_error(refused, 400, "amount_too_large")
            refund = {"id": f"re_{secrets.token_hex(12)}", "object": "refund", "amount": int(amount_text),
                      "currency": STATE.charges[intent][1].lower(), "payment_intent": intent, "status": "succeeded",
                      "metadata": metadata, "created": int(time.time())}
            STATE.card_refunds[key] = refund
            STATE.refunded[intent] = STATE.refunded.get(intent, 0) + int(amount_text)
    if fresh and STATE.webhooks:
        threading.Thread(target=_deliver_charge_refunded, args=(intent,), daemon=True).start()
    if loss == "answer":
        return _drop(request)
    return _json(refund)


def charge_refunded_event(intent: str) -> dict[str, Any]:
    """`charge.refunded` for a payment: the charge with every refund of it so far."""
    with _LOCK:
        amount, currency = STATE.charges[intent]
        refunds = [refund for refund in STATE.card_refunds.values() if refund["payment_intent"] == intent]
        refunded = STATE.refunded.get(intent, 0)
    charge = {"id": f"ch_{intent}", "object": "charge", "amount": amount, "amount_refunded": refunded,
              "currency": currency.lower(), "payment_intent": intent, "refunded": refunded >= amount,
              "refunds": {"object": "list", "data": refunds}}
    return {"id": f"evt_{secrets.token_hex(12)}", "object": "event", "type": "charge.refunded",
            "created": int(time.time()), "data": {"object": charge}}


def _deliver_charge_refunded(intent: str) -> None:
    """Post the signed webhook a little after the refund's answer, as the gateway would (failures are the API's
    to live with: the refund is settled by its own answer, an inquiry or the sweep all the same)."""
    time.sleep(WEBHOOK_DELAY_SECONDS)
    base, secret = os.environ.get("API_BASE_URL", ""), os.environ.get("CARD_WEBHOOK_SECRET", "")
    if not base or not secret:
        return
    body = json.dumps(charge_refunded_event(intent)).encode()
    delivery = urllib.request.Request(
        base.rstrip("/") + WEBHOOK_PATH, data=body, method="POST",
        headers={"Content-Type": "application/json; charset=utf-8",
                 "Stripe-Signature": card.sign_webhook(body, secret=secret, timestamp=int(time.time()))})
    try:
        with urllib.request.urlopen(delivery, timeout=10) as answer:
            answer.read()
    except (urllib.error.URLError, OSError):
        return


# --- JazzCash ---------------------------------------------------------------------------------


def _jazzcash_fields(request: Request) -> dict[str, str] | None:
    try:
        fields = json.loads(request.get_data())
    except ValueError:
        return None
    if not isinstance(fields, dict) or not all(isinstance(value, str) for value in fields.values()):
        return None
    return fields


def _jazzcash_answer(fields: Mapping[str, str], **values: str) -> dict[str, str]:
    answer = {"pp_TxnRefNo": fields.get("pp_TxnRefNo", ""), "pp_MerchantID": fields.get("pp_MerchantID", ""),
              jazzcash.REFUND_FIELD: fields.get(jazzcash.REFUND_FIELD, ""), **values}
    answer[jazzcash.HASH_FIELD] = jazzcash.secure_hash(answer, os.environ.get("JAZZCASH_INTEGRITY_SALT", ""))
    return answer


def _jazzcash_refused(fields: dict[str, str] | None) -> Response | None:
    if fields is None:
        return _json({"pp_ResponseCode": "110", "pp_ResponseMessage": "Malformed request."}, 400)
    try:
        jazzcash.verify_signature(fields, salt=os.environ.get("JAZZCASH_INTEGRITY_SALT", ""))
    except SignatureError:
        return _json(_jazzcash_answer(fields, pp_ResponseCode="115", pp_ResponseMessage="Invalid hash."))
    if fields.get("pp_MerchantID") != os.environ.get("JAZZCASH_MERCHANT_ID"):
        return _json(_jazzcash_answer(fields, pp_ResponseCode="401", pp_ResponseMessage="Unknown merchant."))
    return None


def jazzcash_refund(request: Request) -> Response:
    fields = _jazzcash_fields(request)
    refused = _jazzcash_refused(fields)
    if refused is not None or fields is None:
        return refused or Response(status=400)
    loss = _next_loss()
    if loss == "request":
        return _drop(request)
    refund_id = fields.get(jazzcash.REFUND_FIELD, "")
    ref, amount = fields.get("pp_TxnRefNo", ""), fields.get("pp_Amount", "")
    with _LOCK:
        STATE.calls.append("jazzcash.refund")
        answer = STATE.jazzcash_refunds.get(refund_id)
        if answer is None:
            problem = _refundable(ref, int(amount)) if amount.isdigit() and refund_id else "Malformed refund."
            if problem is not None:
                return _json(_jazzcash_answer(fields, pp_ResponseCode="199", pp_ResponseMessage=problem))
            answer = _jazzcash_answer(fields, pp_ResponseCode="000", pp_ResponseMessage="Refund successful.",
                                      pp_Amount=amount, pp_RetreivalReferenceNo=f"{secrets.randbelow(10**12):012d}")
            STATE.jazzcash_refunds[refund_id] = answer
            STATE.refunded[ref] = STATE.refunded.get(ref, 0) + int(amount)
    if loss == "answer":
        return _drop(request)
    return _json(answer)


def jazzcash_inquiry(request: Request) -> Response:
    fields = _jazzcash_fields(request)
    refused = _jazzcash_refused(fields)
    if refused is not None or fields is None:
        return refused or Response(status=400)
    with _LOCK:
        STATE.calls.append("jazzcash.inquiry")
        done = STATE.jazzcash_refunds.get(fields.get(jazzcash.REFUND_FIELD, ""))
    if done is None:
        return _json(_jazzcash_answer(fields, pp_ResponseCode="000", pp_RefundStatus=jazzcash.REFUND_NOT_FOUND))
    return _json(_jazzcash_answer(fields, pp_ResponseCode="000", pp_RefundStatus=jazzcash.REFUND_DONE,
                                  pp_RetreivalReferenceNo=done["pp_RetreivalReferenceNo"]))


# --- Easypaisa ----------------------------------------------------------------------------------


def record_easypaisa(ref: str, status: str, amount: int) -> None:
    """A transaction on the Easypaisa checkout page: what its inquiry API answers from now on."""
    with _LOCK:
        STATE.easypaisa[ref] = (status, amount, f"{secrets.randbelow(10**11):011d}")


def easypaisa_inquiry(request: Request) -> Response:
    """Inquire Transaction: our credentials and store only; unknown orders answer 0003, as Easypay's does."""
    user, password = os.environ.get("EASYPAISA_INQUIRY_USERNAME", ""), os.environ.get("EASYPAISA_INQUIRY_PASSWORD", "")
    expected = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    if request.headers.get("Credentials", "") != expected:
        return _json({"responseCode": "0001", "responseDesc": "Invalid credentials"}, 401)
    try:
        asked = json.loads(request.get_data())
    except ValueError:
        asked = None
    if not isinstance(asked, dict):
        return _json({"responseCode": "0002", "responseDesc": "Malformed request"}, 400)
    store, account = os.environ.get("EASYPAISA_STORE_ID", ""), os.environ.get("EASYPAISA_ACCOUNT_NUM", "")
    if asked.get("storeId") != store or asked.get("accountNum") != account:
        return _json({"responseCode": "0001", "responseDesc": "Invalid store or account"}, 401)
    ref = str(asked.get("orderId", ""))
    with _LOCK:
        STATE.calls.append("easypaisa.inquiry")
        if STATE.failing_inquiries > 0:
            STATE.failing_inquiries -= 1
            return _json({"responseCode": "0009", "responseDesc": "Service unavailable"}, 503)
        known = STATE.easypaisa.get(ref)
    if known is None:
        return _json({"responseCode": "0003", "responseDesc": "Order not found", "orderId": ref, "storeId": store})
    status, amount, transaction = known
    return _json({"responseCode": "0000", "responseDesc": "SUCCESS", "orderId": ref, "storeId": store,
                  "accountNum": account, "transactionStatus": status, "transactionAmount": amount / 100,
                  "transactionId": transaction, "paymentMode": "MA",
                  "transactionDateTime": time.strftime("%d/%m/%Y %I:%M %p")})


# --- control (tests and testers) ----------------------------------------------------------------


def control(request: Request) -> Response:
    if request.method == "GET":
        with _LOCK:
            return _json({"calls": list(STATE.calls), "refunded": dict(STATE.refunded), "lose": list(STATE.lose),
                          "card_refunds": list(STATE.card_refunds.values()),
                          "jazzcash_refunds": list(STATE.jazzcash_refunds),
                          "easypaisa": {ref: status for ref, (status, _, _) in STATE.easypaisa.items()}})
    try:
        order = json.loads(request.get_data())
    except ValueError:
        return _json({"error": "not JSON"}, 400)
    if not isinstance(order, dict):
        return _json({"error": "not a JSON object"}, 400)
    if order.get("reset") is True:
        with _LOCK:
            fresh = SandboxState()
            for name in fresh.__dataclass_fields__:
                setattr(STATE, name, getattr(fresh, name))
    lose, charge, webhooks = order.get("lose_next"), order.get("charge"), order.get("webhooks")
    failing, paid = order.get("fail_inquiries"), order.get("easypaisa")
    if failing is not None:
        if not isinstance(failing, int) or not 0 <= failing <= 100:
            return _json({"error": "fail_inquiries is 0..100"}, 400)
        with _LOCK:
            STATE.failing_inquiries = failing
    if paid is not None:
        if not (isinstance(paid, dict) and isinstance(paid.get("ref"), str) and isinstance(paid.get("amount"), int)
                and paid.get("status") in ("PAID", "FAILED", "PENDING")):
            return _json({"error": "easypaisa is {ref, status: PAID | FAILED | PENDING, amount}"}, 400)
        record_easypaisa(paid["ref"], paid["status"], paid["amount"])
    if lose is not None:
        count = order.get("count", 1)
        if lose not in ("answer", "request") or not isinstance(count, int) or not 0 < count <= 10:
            return _json({"error": "lose_next is answer or request, count 1..10"}, 400)
        with _LOCK:
            STATE.lose.extend([lose] * count)
    if charge is not None:
        valid = isinstance(charge, dict) and isinstance(charge.get("ref"), str)
        if not (valid and isinstance(charge.get("amount"), int) and isinstance(charge.get("currency"), str)):
            return _json({"error": "charge is {ref, amount, currency}"}, 400)
        record_charge(charge["ref"], charge["amount"], charge["currency"])
    if webhooks is not None:
        STATE.webhooks = bool(webhooks)
    return _json({"ok": True})

"""Payment gateway callbacks, signed as the gateways sign them.

They are signed with the same functions the gateways' modules verify with, so a
callback made here is exactly what a real gateway sends.
"""
from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from chalicelib.payments import card, jazzcash
from tools.card_dispute import dispute_event

# The fields JazzCash echoes back from the payment form into its return post.
JAZZCASH_ECHOED = ("pp_Version", "pp_TxnType", "pp_Language", "pp_MerchantID", "pp_TxnRefNo", "pp_Amount",
                   "pp_TxnCurrency", "pp_TxnDateTime", "pp_BillReference")


def jazzcash_return(form_fields: dict[str, str], *, salt: str, code: str = "000",
                    **overrides: str) -> dict[str, str]:
    """The gateway's signed return post for a payment form (overrides are applied before signing)."""
    fields = {name: form_fields[name] for name in JAZZCASH_ECHOED}
    fields.update(pp_ResponseCode=code, pp_ResponseMessage="approved" if code == "000" else f"code {code}",
                  pp_RetreivalReferenceNo="123456789012")
    fields.update(overrides)
    fields[jazzcash.HASH_FIELD] = jazzcash.secure_hash(fields, salt)
    return fields


def post_jazzcash(client: Any, fields: dict[str, str], *, accept: str = "application/json") -> Any:
    """Post a return to the JazzCash callback as the buyer's browser does (a form post)."""
    return client.http.post("/payments/jazzcash/callback", body=urlencode(fields),
                            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept})


def post_easypaisa(client: Any, order_ref: str, *, accept: str = "application/json", **extra: str) -> Any:
    """Post Easypaisa's notification (or, with accept text/html, the buyer's return): unsigned, as Easypay's is."""
    return client.http.post("/payments/easypaisa/callback", body=urlencode({"orderRefNumber": order_ref, **extra}),
                            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept})


def card_event(order_id: str, *, amount: int, currency: str, succeeded: bool = True,
               event_id: str | None = None) -> bytes:
    """A card gateway webhook body: a payment intent of the order that succeeded or failed."""
    intent: dict[str, Any] = {"id": f"pi_{order_id}_1", "object": "payment_intent", "amount": amount,
                              "currency": currency.lower(), "metadata": {"order_id": order_id}}
    if not succeeded:
        intent["last_payment_error"] = {"code": "card_declined", "message": "Your card was declined."}
    event = {"id": event_id or f"evt_{uuid.uuid4().hex}", "object": "event",
             "type": "payment_intent.succeeded" if succeeded else "payment_intent.payment_failed",
             "data": {"object": intent}}
    return json.dumps(event).encode()


def card_success(order: dict[str, Any], **overrides: Any) -> bytes:
    """A succeeded event for exactly the order's charge."""
    charge = order["charge"]
    return card_event(order["order_id"], **{"amount": charge["amount"], "currency": charge["currency"], **overrides})


def post_card(client: Any, body: bytes, *, secret: str, timestamp: int | None = None,
              signature: str | None = None) -> Any:
    """Post a webhook signed with `secret` (now, unless `timestamp`), or with `signature` as given."""
    header = signature if signature is not None else card.sign_webhook(
        body, secret=secret, timestamp=int(time.time()) if timestamp is None else timestamp)
    return client.http.post("/payments/card/webhook", body=body,
                            headers={"Content-Type": "application/json", "Stripe-Signature": header})


def card_dispute(order: dict[str, Any], *, closed: str | None = None, dispute_id: str = "dp_1",
                 event_id: str | None = None) -> bytes:
    """A card gateway dispute event on the order's charge: `charge.dispute.created`, or `.closed` with
    `closed` its final status ("won", "lost", "warning_closed"); built as tools/card_dispute.py posts it."""
    charge = order["charge"]
    return dispute_event(order["order_id"], closed or "open", amount=charge["amount"], currency=charge["currency"],
                         dispute_id=dispute_id, event_id=event_id)

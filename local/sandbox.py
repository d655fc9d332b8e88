"""The sandbox payment gateway (dev only, never shipped): pay or fail without a real gateway.

Mounted under /sandbox/ by the local web server, it plays the gateways' hosted
pages: it checks what the browser was sent with (the JazzCash form's hash, Easypaisa's
merchantHashedReq), then lets the tester choose Pay or Fail and delivers a correctly
signed callback (Easypaisa's is unsigned, as the real one is), the way the real gateway
would. It signs with the same functions the API verifies with, so a green local payment
proves the signing agrees end to end. Settings
are read from the environment on every request, so tests can change them.
"""
from __future__ import annotations

import html
import json
import os
import re
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from urllib.parse import urlencode

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from chalicelib.payments import card, easypaisa, jazzcash
from chalicelib.payments.gateway import MalformedCallbackError, SignatureError
from local import sandbox_api

MOUNT = "/sandbox"
WEBHOOK_PATH = "/payments/card/webhook"
EASYPAISA_NOTIFY_PATH = "/payments/easypaisa/callback"
WEBHOOK_TIMEOUT_SECONDS = 10
PAID_MESSAGE = "Thank you for Using JazzCash, your transaction was successful."
FAILED_MESSAGE = "Transaction declined in the sandbox."
CARD_DECLINED_MESSAGE = "Your card was declined (sandbox)."

_ROUTES = Map(
    [
        Rule("/jazzcash", endpoint="jazzcash", methods=["POST"]),
        Rule("/card", endpoint="card", methods=["GET", "POST"]),
        Rule("/easypaisa", endpoint="easypaisa", methods=["POST"]),
        Rule("/easypaisa/choice", endpoint="easypaisa_choice", methods=["POST"]),
        Rule("/easypaisa-api/easypay-service/rest/v4/inquire-transaction", endpoint="easypaisa_inquiry",
             methods=["POST"]),
        # The gateways' server APIs: refunds, inquiries, and the switch that loses answers (local/sandbox_api.py).
        Rule("/card-api/v1/refunds", endpoint="card_refunds", methods=["GET", "POST"]),
        Rule("/jazzcash-api/Purchase/Refund", endpoint="jazzcash_refund", methods=["POST"]),
        Rule("/jazzcash-api/PaymentInquiry/Inquire", endpoint="jazzcash_inquiry", methods=["POST"]),
        Rule("/control", endpoint="control", methods=["GET", "POST"]),
    ]
)
_DIGITS = re.compile(r"[0-9]{1,18}")
_CURRENCY = re.compile(r"[A-Za-z]{3}")
_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")
_ECHOED_FIELDS = (
    "pp_Version",
    "pp_TxnType",
    "pp_Language",
    "pp_MerchantID",
    "pp_SubMerchantID",
    "pp_TxnRefNo",
    "pp_Amount",
    "pp_TxnCurrency",
    "pp_TxnDateTime",
    "pp_BillReference",
)
_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:32rem;padding:0 1rem;color:#1b1b1b}"
    "dl{display:grid;grid-template-columns:auto 1fr;gap:.4rem 1rem}dt{font-weight:600}dd{margin:0}"
    ".choices{display:flex;gap:1rem;margin-top:1.5rem}"
    "button{font-size:1.1rem;padding:.6rem 1.6rem;border-radius:.4rem;border:2px solid #01411c;cursor:pointer}"
    ".pay{background:#01411c;color:#fff}.fail{background:#fff;color:#8b0000;border-color:#8b0000}"
)


def _env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise RuntimeError(f"environment variable {name} is not set")
    return value


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _page(title: str, body: str, *, status: int = 200) -> Response:
    document = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)} - sandbox gateway</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n<h1>{_e(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n"
    )
    return Response(document, status=status, content_type="text/html; charset=utf-8")


def _problem(message: str, *, status: int = 400) -> Response:
    return _page("Payment request refused", f'<p role="alert">{_e(message)}</p>', status=status)


def _hidden_form(*, action: str, fields: Mapping[str, str], label: str, css_class: str, button: str = "") -> str:
    inputs = "".join(f'<input type="hidden" name="{_e(name)}" value="{_e(value)}">' for name, value in fields.items())
    return (
        f'<form method="post" action="{_e(action)}" aria-label="{_e(label)}">{inputs}'
        f'<button type="submit" class="{_e(css_class)}" {button}>{_e(label)}</button></form>'
    )


def _details(rows: Mapping[str, str]) -> str:
    items = "".join(f"<dt>{_e(name)}</dt><dd>{_e(value)}</dd>" for name, value in rows.items())
    return f"<dl>{items}</dl>"


def _major_units(amount: int) -> str:
    return f"{amount // 100:,}.{amount % 100:02d}"


def _jazzcash(request: Request) -> Response:
    """The hosted page: refuse a form whose hash does not verify, else offer Pay and Fail."""
    fields = {name: request.form.get(name, "") for name in request.form}
    salt = _env("JAZZCASH_INTEGRITY_SALT")
    try:
        jazzcash.verify_signature(fields, salt=salt)
    except SignatureError as error:
        return _problem(f"The payment request is not correctly signed: {error}.")
    return_url = fields.get("pp_ReturnURL", "")
    amount = fields.get("pp_Amount", "")
    if not return_url.startswith(("http://", "https://")) or not _DIGITS.fullmatch(amount):
        return _problem("The payment request has no valid pp_ReturnURL or pp_Amount.")
    response = {name: fields.get(name, "") for name in _ECHOED_FIELDS}
    response.update({name: value for name, value in fields.items() if name.startswith("ppmpf_")})
    response["pp_RetreivalReferenceNo"] = f"{secrets.randbelow(10**12):012d}"
    response["pp_SettlementExpiry"] = ""
    paid = {**response, "pp_ResponseCode": "000", "pp_ResponseMessage": PAID_MESSAGE}
    sandbox_api.record_charge(response["pp_TxnRefNo"], int(amount), "PKR")  # offered; refunds are checked against it
    paid["pp_AuthCode"] = f"{secrets.randbelow(10**6):06d}"
    failed = {**response, "pp_ResponseCode": "999", "pp_ResponseMessage": FAILED_MESSAGE}
    for form in (paid, failed):
        form["pp_SecureHash"] = jazzcash.secure_hash(form, salt)
    body = (
        "<p>This is the local sandbox standing in for JazzCash. No money moves.</p>"
        + _details(
            {
                "Order reference": fields.get("pp_TxnRefNo", ""),
                "Bill reference": fields.get("pp_BillReference", ""),
                "Description": fields.get("pp_Description", ""),
                "Amount": f"Rs {_major_units(int(amount))}",
            }
        )
        + '<div class="choices">'
        + _hidden_form(action=return_url, fields=paid, label="Pay", css_class="pay")
        + _hidden_form(action=return_url, fields=failed, label="Fail", css_class="fail")
        + "</div>"
    )
    return _page("JazzCash sandbox", body)


def _card_intent(values: Mapping[str, str]) -> dict[str, str] | None:
    names = ("payment_intent_id", "order_id", "amount", "currency", "return_url")
    intent = {name: values.get(name, "") for name in names}
    valid = (
        _ID.fullmatch(intent["payment_intent_id"])
        and _ID.fullmatch(intent["order_id"])
        and _DIGITS.fullmatch(intent["amount"])
        and _CURRENCY.fullmatch(intent["currency"])
    )
    return intent if valid else None


def _card(request: Request) -> Response:
    if request.method == "POST":
        return _card_submit(request)
    intent = _card_intent(request.args)
    if intent is None:
        return _problem("The card payment link is incomplete.")
    action = request.script_root + request.path
    body = (
        "<p>This is the local sandbox standing in for the card gateway. No money moves.</p>"
        + _details(
            {
                "Order": intent["order_id"],
                "Payment": intent["payment_intent_id"],
                "Amount": f"{intent['currency'].upper()} {_major_units(int(intent['amount']))}",
            }
        )
        + '<div class="choices">'
        + _hidden_form(action=action, fields=intent, label="Pay", css_class="pay", button='name="outcome" value="pay"')
        + _hidden_form(action=action, fields=intent, label="Fail", css_class="fail",
                       button='name="outcome" value="fail"')
        + "</div>"
    )
    return _page("Card payment sandbox", body)


def _card_event(intent: Mapping[str, str], *, succeeded: bool, created: int) -> dict[str, object]:
    payment_intent: dict[str, object] = {
        "id": intent["payment_intent_id"],
        "object": "payment_intent",
        "amount": int(intent["amount"]),
        "currency": intent["currency"].lower(),
        "metadata": {"order_id": intent["order_id"]},
        "status": "succeeded" if succeeded else "requires_payment_method",
    }
    if not succeeded:
        payment_intent["last_payment_error"] = {"code": "card_declined", "message": CARD_DECLINED_MESSAGE}
    return {
        "id": f"evt_{secrets.token_hex(12)}",
        "object": "event",
        "type": "payment_intent.succeeded" if succeeded else "payment_intent.payment_failed",
        "created": created,
        "data": {"object": payment_intent},
    }


def _card_submit(request: Request) -> Response:
    """Deliver the signed webhook server-side, as the gateway would, then send the browser back."""
    intent = _card_intent(request.form)
    outcome = request.form.get("outcome", "")
    if intent is None or outcome not in ("pay", "fail"):
        return _problem("The card payment choice is incomplete.")
    now = int(time.time())
    if outcome == "pay":
        sandbox_api.record_charge(intent["payment_intent_id"], int(intent["amount"]), intent["currency"])
    body = json.dumps(_card_event(intent, succeeded=outcome == "pay", created=now)).encode("utf-8")
    delivery = urllib.request.Request(
        _env("API_BASE_URL").rstrip("/") + WEBHOOK_PATH,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": card.sign_webhook(body, secret=_env("CARD_WEBHOOK_SECRET"), timestamp=now),
        },
    )
    try:
        with urllib.request.urlopen(delivery, timeout=WEBHOOK_TIMEOUT_SECONDS) as answer:
            answer.read()
    except urllib.error.HTTPError as error:
        return _problem(f"The API refused the webhook with HTTP {error.code}.", status=502)
    except urllib.error.URLError as error:
        return _problem(f"The API could not be reached: {error.reason}.", status=502)
    return Response(status=303, headers={"Location": storefront_redirect(intent["return_url"], _env("STOREFRONT_URL"))})


def _easypaisa_form(values: Mapping[str, str]) -> tuple[dict[str, str], int] | str:
    """The checkout form and its amount in paisa, or why Easypay would refuse it (hash, store, amount, URL)."""
    fields = {name: values.get(name, "") for name in
              ("storeId", "amount", "postBackURL", "orderRefNum", "expiryDate", "autoRedirect", "paymentMethod",
               easypaisa.HASH_FIELD)}
    fields = {name: value for name, value in fields.items() if value}
    if not easypaisa.verify_hashed_request(fields, _env("EASYPAISA_HASH_KEY")):
        return "merchantHashedReq does not match the request"
    if fields.get("storeId") != _env("EASYPAISA_STORE_ID"):
        return "unknown storeId"
    if not fields.get("postBackURL", "").startswith(("http://", "https://")) or not fields.get("orderRefNum"):
        return "postBackURL and orderRefNum are required"
    try:
        return fields, easypaisa.amount_paisa(fields.get("amount", ""))
    except MalformedCallbackError:
        return "amount is not a number of rupees"


def _easypaisa(request: Request) -> Response:
    """The hosted checkout: refuse a form whose merchantHashedReq does not decrypt to it, else offer Pay and Fail."""
    checked = _easypaisa_form(request.form)
    if isinstance(checked, str):
        return _problem(f"The payment request is refused: {checked}.")
    fields, amount = checked
    action = request.script_root + request.path + "/choice"
    body = (
        "<p>This is the local sandbox standing in for Easypaisa's checkout. No money moves.</p>"
        + _details({"Order reference": fields["orderRefNum"], "Amount": f"Rs {_major_units(amount)}"})
        + '<div class="choices">'
        + _hidden_form(action=action, fields=fields, label="Pay", css_class="pay", button='name="outcome" value="pay"')
        + _hidden_form(action=action, fields=fields, label="Fail", css_class="fail",
                       button='name="outcome" value="fail"')
        + "</div>"
    )
    return _page("Easypaisa sandbox", body)


def _easypaisa_choice(request: Request) -> Response:
    """Record the transaction for the inquiry API, notify the API (unsigned, as Easypay does), return the buyer."""
    checked = _easypaisa_form(request.form)
    outcome = request.form.get("outcome", "")
    if isinstance(checked, str) or outcome not in ("pay", "fail"):
        return _problem("The Easypaisa payment choice is incomplete.")
    fields, amount = checked
    ref = fields["orderRefNum"]
    sandbox_api.record_easypaisa(ref, "PAID" if outcome == "pay" else "FAILED", amount)
    returned = {easypaisa.NOTIFICATION_FIELD: ref, "status": "0000" if outcome == "pay" else "0001",
                "desc": "SUCCESS" if outcome == "pay" else FAILED_MESSAGE}
    if sandbox_api.STATE.webhooks:
        notification = urllib.request.Request(
            _env("API_BASE_URL").rstrip("/") + EASYPAISA_NOTIFY_PATH, data=urlencode(returned).encode(),
            method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(notification, timeout=WEBHOOK_TIMEOUT_SECONDS) as answer:
                answer.read()
        except (urllib.error.URLError, OSError):
            pass  # a lost notification is what the buyer's return (and a retry) are for
    body = (
        "<p>Payment " + ("received" if outcome == "pay" else "not taken") + ". Returning you to the shop...</p>"
        + _hidden_form(action=fields["postBackURL"], fields=returned, label="Return to the shop", css_class="pay")
        + "<script>document.forms[0].submit()</script>"
    )
    return _page("Easypaisa sandbox", body)


def storefront_redirect(return_url: str, storefront_url: str) -> str:
    """`return_url` if it is on the storefront (not merely sharing a prefix with its host), else the storefront."""
    base = storefront_url.rstrip("/")
    if return_url == base or return_url.startswith((base + "/", base + "?", base + "#")):
        return return_url
    return storefront_url


_HANDLERS = {"jazzcash": _jazzcash, "card": _card, "card_refunds": sandbox_api.card_refunds,
             "jazzcash_refund": sandbox_api.jazzcash_refund, "jazzcash_inquiry": sandbox_api.jazzcash_inquiry,
             "easypaisa": _easypaisa, "easypaisa_choice": _easypaisa_choice,
             "easypaisa_inquiry": sandbox_api.easypaisa_inquiry,
             "control": sandbox_api.control}


@Request.application
def application(request: Request) -> Response:
    """Route both mount styles: PATH_INFO=/sandbox/card, or SCRIPT_NAME=/sandbox with PATH_INFO=/card."""
    path = request.path
    if path == MOUNT or path.startswith(MOUNT + "/"):
        path = path[len(MOUNT) :] or "/"
    adapter = _ROUTES.bind(request.host, script_name=request.script_root or "/", path_info=path)
    try:
        endpoint, _ = adapter.match(method=request.method)
    except HTTPException as error:
        return error.get_response(request.environ)
    return _HANDLERS[str(endpoint)](request)

"""The sandbox gateway page: what it accepts, what it signs, and that it escapes what it shows."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from werkzeug.test import Client, TestResponse

from chalicelib.payments import card, jazzcash
from local.sandbox import application, storefront_redirect

SALT = "sandbox-salt"
MERCHANT = "MC12345"
CARD_SECRET = "whsec_sandbox"
STOREFRONT = "http://127.0.0.1:8080"
CALLBACK = "http://127.0.0.1:8000/payments/jazzcash/callback"


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)


class FormParser(HTMLParser):
    """Collects each form's action, inputs and buttons (name, value, text) as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._button: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.forms.append(Form(action=values.get("action") or ""))
        elif tag == "input":
            self.forms[-1].fields[values["name"] or ""] = values.get("value") or ""
        elif tag == "button":
            self._button = values

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            button = self._button
            self.forms[-1].buttons.append((button.get("name") or "", button.get("value") or "", data))
            self._button = None


def forms_of(response: TestResponse) -> dict[str, Form]:
    parser = FormParser()
    parser.feed(response.get_data(as_text=True))
    return {form.buttons[0][2]: form for form in parser.forms}


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAZZCASH_INTEGRITY_SALT", SALT)
    monkeypatch.setenv("CARD_WEBHOOK_SECRET", CARD_SECRET)
    monkeypatch.setenv("STOREFRONT_URL", STOREFRONT)


@pytest.fixture
def client() -> Client:
    return Client(application)


def signed_request(bill_reference: str = "ord123", description: str = "Ajrak shawl") -> dict[str, str]:
    form = jazzcash.payment_form(
        txn_ref="T20261126ABC",
        amount_paisa=250050,
        description=description,
        bill_reference=bill_reference,
        return_url=CALLBACK,
        action_url="/sandbox/jazzcash",
        merchant_id=MERCHANT,
        password="pw",
        salt=SALT,
        now=datetime(2026, 11, 26, 19, 0, tzinfo=UTC),
        expiry_minutes=30,
    )
    fields = form["form_fields"]
    assert isinstance(fields, dict)
    return fields


def test_jazzcash_page_shows_the_order_and_amount_in_rupees(client: Client) -> None:
    response = client.post("/sandbox/jazzcash", data=signed_request())
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert '<meta charset="utf-8">' in text
    assert "T20261126ABC" in text
    assert "Rs 2,500.50" in text


def test_pay_form_posts_a_signed_success_to_the_return_url(client: Client) -> None:
    pay = forms_of(client.post("/sandbox/jazzcash", data=signed_request()))["Pay"]
    assert pay.action == CALLBACK
    assert pay.fields["pp_SecureHash"] == jazzcash.secure_hash(pay.fields, SALT)
    event = jazzcash.verify_callback(pay.fields, salt=SALT, merchant_id=MERCHANT)
    assert (event.outcome, event.order_ref, event.amount, event.currency) == (
        "succeeded", "T20261126ABC", 250050, "PKR")
    assert (pay.fields["pp_BillReference"], pay.fields["pp_ResponseCode"]) == ("ord123", "000")
    assert pay.fields["pp_RetreivalReferenceNo"].isdigit()


def test_fail_form_posts_a_signed_failure_with_a_message(client: Client) -> None:
    fail = forms_of(client.post("/sandbox/jazzcash", data=signed_request()))["Fail"]
    event = jazzcash.verify_callback(fail.fields, salt=SALT, merchant_id=MERCHANT)
    assert (fail.action, fail.fields["pp_ResponseCode"]) == (CALLBACK, "999")
    assert (event.outcome, event.error) == ("failed", fail.fields["pp_ResponseMessage"])


def test_mounted_with_a_script_name_it_serves_the_same_page(client: Client) -> None:
    response = client.post("/jazzcash", base_url="http://localhost/sandbox", data=signed_request())
    assert response.status_code == 200
    assert forms_of(response)["Pay"].action == CALLBACK


def test_tampered_request_is_refused(client: Client) -> None:
    fields = {**signed_request(), "pp_Amount": "100"}
    response = client.post("/sandbox/jazzcash", data=fields)
    assert response.status_code == 400
    assert forms_of(response) == {}


def test_unsigned_request_is_refused(client: Client) -> None:
    fields = signed_request()
    del fields["pp_SecureHash"]
    assert client.post("/sandbox/jazzcash", data=fields).status_code == 400


def test_values_are_escaped_in_the_html(client: Client) -> None:
    hostile = '"><script>alert(1)</script>'
    response = client.post("/sandbox/jazzcash", data=signed_request(bill_reference=hostile, description=hostile))
    text = response.get_data(as_text=True)
    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    pay = forms_of(response)["Pay"]
    assert pay.fields["pp_BillReference"] == hostile
    assert jazzcash.verify_callback(pay.fields, salt=SALT, merchant_id=MERCHANT).outcome == "succeeded"


@dataclass
class Delivery:
    path: str
    signature: str | None
    content_type: str | None
    body: bytes


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Delivery]]:
    """A stand-in API on 127.0.0.1 that records every request and answers 200."""
    deliveries: list[Delivery] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            deliveries.append(Delivery(self.path, self.headers.get("Stripe-Signature"),
                                       self.headers.get("Content-Type"), body))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: object) -> None:
            """Keep the test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("API_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}/")
    try:
        yield deliveries
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def card_page_url(return_url: str = f"{STOREFRONT}/order.html?id=ord1") -> str:
    started = card.start_payment(
        order_id="ord1",
        attempt=1,
        amount=1250,
        currency="usd",
        action_url="/sandbox/card",
        return_url=return_url,
        secret="client-secret-key",
    )
    return str(started["action_url"])


def choose(client: Client, choice: str, return_url: str = f"{STOREFRONT}/order.html?id=ord1") -> TestResponse:
    page = client.get(card_page_url(return_url))
    assert page.status_code == 200
    form = forms_of(page)[choice]
    name, value, _ = form.buttons[0]
    return client.post(form.action, data={**form.fields, name: value})


def test_card_page_offers_pay_and_fail_for_the_amount(client: Client) -> None:
    page = client.get(card_page_url())
    forms = forms_of(page)
    assert "USD 12.50" in page.get_data(as_text=True)
    assert sorted(forms) == ["Fail", "Pay"]
    assert forms["Pay"].action == "/sandbox/card"


def test_card_pay_sends_a_signed_webhook_and_returns_to_the_storefront(client: Client, api: list[Delivery]) -> None:
    response = choose(client, "Pay")
    assert (response.status_code, response.headers["Location"]) == (303, f"{STOREFRONT}/order.html?id=ord1")
    [delivery] = api
    assert (delivery.path, delivery.content_type) == ("/payments/card/webhook", "application/json; charset=utf-8")
    event = card.verify_webhook(delivery.body, delivery.signature, secret=CARD_SECRET, now=int(time.time()))
    assert (event.outcome, event.order_ref, event.amount, event.currency) == ("succeeded", "ord1", 1250, "USD")


def test_card_fail_sends_a_signed_failure(client: Client, api: list[Delivery]) -> None:
    assert choose(client, "Fail").status_code == 303
    [delivery] = api
    event = card.verify_webhook(delivery.body, delivery.signature, secret=CARD_SECRET, now=int(time.time()))
    assert (event.outcome, event.error) == ("failed", "Your card was declined (sandbox).")


def test_card_redirect_never_leaves_the_storefront(client: Client, api: list[Delivery]) -> None:
    response = choose(client, "Pay", return_url="http://127.0.0.1:8080.evil.example/phish")
    assert response.headers["Location"] == STOREFRONT


@pytest.mark.parametrize(
    ("return_url", "expected"),
    [
        (f"{STOREFRONT}/order.html?id=1", f"{STOREFRONT}/order.html?id=1"),
        (STOREFRONT, STOREFRONT),
        (f"{STOREFRONT}.evil.example/", STOREFRONT),
        ("https://evil.example/", STOREFRONT),
        ("javascript:alert(1)", STOREFRONT),
    ],
)
def test_storefront_redirect(return_url: str, expected: str) -> None:
    assert storefront_redirect(return_url, STOREFRONT) == expected


def test_card_page_with_a_missing_parameter_is_refused(client: Client) -> None:
    assert client.get("/sandbox/card?order_id=ord1").status_code == 400

"""Easypaisa (API.md "Getting paid"): the hosted checkout's form, and notifications believed only on the inquiry.

The real app runs in-process on moto; the gateway is the local sandbox (local/sandbox.py) served on a free port,
whose checkout page records what the tester chose and whose Inquire Transaction API answers from that. Its
notifications are posted by the tests (the API here is in-process), unsigned, exactly as Easypay posts them.
"""
from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from werkzeug.serving import WSGIRequestHandler

from chalicelib.payments import easypaisa
from chalicelib.refunds.gateways import EASYPAISA_BY_HAND
from harness.aws import Aws, User
from harness.environment import BASE_ENV, REGION
from harness.factories import active_listing, make_order, order_of, place, placed, start_payment, verified_artisan
from harness.gateways import post_easypaisa
from harness.http import body_of, call, code_of
from harness.stored import payment_records, scan, table_state
from local.sandbox import application as sandbox_app
from local.serving import ServedApp

HASH_KEY = BASE_ENV["EASYPAISA_HASH_KEY"]
PRICE = 250000  # Rs 2,500


class Sandbox:
    """The sandbox's Easypaisa: its checkout page, its choice, its switch and what it was asked."""

    def __init__(self, url: str) -> None:
        self.url = url

    def post_form(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        request = urllib.request.Request(f"{self.url}/sandbox/{path}", data=urlencode(fields).encode(),
                                         method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return int(answer.status), answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def choose(self, form: dict[str, str], outcome: str) -> None:
        """The buyer chooses on the checkout page (the sandbox's own notification is off: the tests post it)."""
        status, page = self.post_form("easypaisa/choice", {**form, "outcome": outcome})
        assert status == 200, page

    def control(self, **order: Any) -> dict[str, Any]:
        request = urllib.request.Request(f"{self.url}/sandbox/control", data=json.dumps(order).encode(),
                                         method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as answer:
            return json.loads(answer.read())  # type: ignore[no-any-return]

    def inquiries(self) -> int:
        with urllib.request.urlopen(f"{self.url}/sandbox/control", timeout=5) as answer:
            return list(json.loads(answer.read())["calls"]).count("easypaisa.inquiry")


@pytest.fixture
def sandbox(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    from chalicelib.wiring import reset_settings
    served = ServedApp("127.0.0.1", 0, name="sandbox")
    served.serve(sandbox_app, WSGIRequestHandler)
    monkeypatch.setenv("EASYPAISA_API_URL", f"{served.url}/sandbox/easypaisa-api")
    monkeypatch.setenv("GATEWAY_TIMEOUT_SECONDS", "3")
    reset_settings()
    gateway = Sandbox(served.url)
    gateway.control(reset=True, webhooks=False)
    yield gateway
    served.stop()
    reset_settings()


@dataclass
class Shop:
    artisan: User
    listing_id: str
    buyer: User


@pytest.fixture
def shop(client: Any, aws: Aws, sandbox: Sandbox) -> Shop:
    artisan = verified_artisan(client, aws)
    listing = active_listing(client, artisan, stock=5, price={"amount": PRICE, "currency": "PKR"})
    return Shop(artisan=artisan, listing_id=listing["listing_id"], buyer=aws.user())


def _started(client: Any, shop: Shop, quantity: int = 1) -> tuple[dict[str, Any], dict[str, str]]:
    order = placed(client, shop.buyer, make_order((shop.listing_id, quantity), payment_method="easypaisa"))
    return order, start_payment(client, shop.buyer, order["order_id"])["form_fields"]


def refund_items(aws: Aws) -> list[dict[str, Any]]:
    return scan(boto3.client("dynamodb", region_name=REGION), aws.env["TABLE_REFUNDS"])


def _unchanged(client: Any, aws: Aws, response_of: Any, status: int) -> Any:
    before = table_state(aws)
    response = response_of()
    assert response.status_code == status, response.body
    assert table_state(aws) == before
    return response


# --- the checkout form ----------------------------------------------------------------------------


def test_the_payment_is_easypays_hosted_form_with_the_request_encrypted_under_the_hash_key(client, shop, sandbox):
    order = placed(client, shop.buyer, make_order((shop.listing_id, 2), payment_method="easypaisa"))

    started = start_payment(client, shop.buyer, order["order_id"])

    assert started["provider"] == "easypaisa"
    assert started["action_url"] == BASE_ENV["EASYPAISA_ACTION_URL"]
    form = started["form_fields"]
    assert set(form) == {"storeId", "amount", "postBackURL", "orderRefNum", "expiryDate", "autoRedirect",
                         "paymentMethod", "merchantHashedReq"}
    assert form["storeId"] == BASE_ENV["EASYPAISA_STORE_ID"]
    charge = order["charge"]
    assert charge["currency"] == "PKR" and charge["amount"] % 100 == 0  # whole rupees: "<rupees>.0"
    assert form["amount"] == f"{charge['amount'] // 100}.0"
    assert form["postBackURL"] == f"{BASE_ENV['API_BASE_URL']}/payments/easypaisa/callback"
    assert form["orderRefNum"] == f"{order['order_id']}01"
    assert (form["autoRedirect"], form["paymentMethod"]) == ("1", "MA_PAYMENT_METHOD")
    expiry = datetime.strptime(form["expiryDate"], "%Y%m%d %H%M%S")
    now_in_pakistan = datetime.now(easypaisa.PAKISTAN_TIME).replace(tzinfo=None)
    assert now_in_pakistan + timedelta(minutes=28) <= expiry <= now_in_pakistan + timedelta(minutes=30)
    assert easypaisa.verify_hashed_request(form, HASH_KEY)
    assert start_payment(client, shop.buyer, order["order_id"])["form_fields"]["orderRefNum"].endswith("02")


def test_the_sandbox_checkout_takes_the_form_and_refuses_it_tampered(client, shop, sandbox):
    _, form = _started(client, shop)

    status, page = sandbox.post_form("easypaisa", form)
    assert status == 200 and "Pay" in page and form["orderRefNum"] in page

    status, page = sandbox.post_form("easypaisa", {**form, "amount": "1.0"})
    assert status == 400 and "merchantHashedReq does not match" in page


def test_easypaisa_charges_in_pkr_only(client, shop):
    response = place(client, shop.buyer, make_order((shop.listing_id, 1), payment_method="easypaisa",
                                                    currency="USD"))
    assert response.status_code == 400 and code_of(response) == "VALIDATION_ERROR"


# --- notifications: believed only on the inquiry ----------------------------------------------------


def test_a_notification_is_applied_once_as_the_inquiry_confirms_it(client, aws, shop, sandbox):
    order, form = _started(client, shop)
    ref = form["orderRefNum"]
    sandbox.choose(form, "pay")

    assert post_easypaisa(client, ref).status_code == 200

    paid = order_of(client, order["order_id"], shop.buyer)
    assert paid["status"] == "paid" and not paid.get("needs_review")
    keys = sorted(item["event_key"]["S"] for item in payment_records(aws, order["order_id"]))
    assert keys == [f"easypaisa#{ref}:PAID", f"paid#{order['order_id']}"]
    for _ in range(3):
        _unchanged(client, aws, lambda: post_easypaisa(client, ref), 200)
    assert sandbox.inquiries() == 4  # every notification is asked about; only the first changed anything


def test_a_forged_notification_for_an_unpaid_order_changes_nothing(client, aws, shop, sandbox):
    order, form = _started(client, shop)

    _unchanged(client, aws, lambda: post_easypaisa(client, form["orderRefNum"], status="0000", desc="SUCCESS",
                                                   amount="2500.0"), 200)

    assert order_of(client, order["order_id"], shop.buyer)["status"] == "pending_payment"
    assert sandbox.inquiries() == 1


@pytest.mark.parametrize("ref", ["ORDUNKNOWN000000001", "X", "ORD00000000000000"])
def test_a_notification_about_no_easypaisa_order_changes_nothing_and_asks_nobody(client, aws, shop, sandbox, ref):
    _unchanged(client, aws, lambda: post_easypaisa(client, ref, status="0000"), 200)
    assert sandbox.inquiries() == 0


def test_a_notification_about_a_jazzcash_order_is_not_believed(client, aws, shop, sandbox):
    order = placed(client, shop.buyer, make_order((shop.listing_id, 1)))
    ref = start_payment(client, shop.buyer, order["order_id"])["form_fields"]["pp_TxnRefNo"]
    sandbox.control(easypaisa={"ref": ref, "status": "PAID", "amount": PRICE})

    _unchanged(client, aws, lambda: post_easypaisa(client, ref), 200)
    assert sandbox.inquiries() == 0


@pytest.mark.parametrize("fields", [{}, {"orderRefNumber": ""}, {"orderRefNumber": "not/a-ref"},
                                    {"orderRefNumber": "A" * 21}])
def test_a_malformed_notification_is_refused_and_changes_nothing(client, aws, shop, fields):
    response = _unchanged(client, aws, lambda: client.http.post(
        "/payments/easypaisa/callback", body=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"}), 400)
    assert code_of(response) == "VALIDATION_ERROR"


def test_a_payment_of_another_amount_leaves_the_order_unpaid_and_flags_it(client, aws, shop, sandbox):
    order, form = _started(client, shop)
    sandbox.control(easypaisa={"ref": form["orderRefNum"], "status": "PAID", "amount": 100})

    assert post_easypaisa(client, form["orderRefNum"]).status_code == 200

    flagged = order_of(client, order["order_id"], shop.buyer)
    assert flagged["status"] == "pending_payment" and flagged["needs_review"] is True


def test_a_failed_payment_keeps_the_order_awaiting_payment_with_the_error(client, shop, sandbox):
    order, form = _started(client, shop)
    sandbox.choose(form, "fail")

    assert post_easypaisa(client, form["orderRefNum"]).status_code == 200

    failed = order_of(client, order["order_id"], shop.buyer)
    assert failed["status"] == "pending_payment" and failed["last_payment_error"] == "Easypaisa: failed"


def test_an_inquiry_that_fails_changes_nothing_and_asks_the_gateway_to_retry(client, aws, shop, sandbox):
    order, form = _started(client, shop)
    sandbox.choose(form, "pay")
    sandbox.control(fail_inquiries=1)

    response = _unchanged(client, aws, lambda: post_easypaisa(client, form["orderRefNum"]), 503)
    assert code_of(response) == "SERVICE_UNAVAILABLE"

    assert post_easypaisa(client, form["orderRefNum"]).status_code == 200
    assert order_of(client, order["order_id"], shop.buyer)["status"] == "paid"


def test_an_unreachable_inquiry_api_changes_nothing(client, aws, shop, sandbox, monkeypatch):
    from chalicelib.wiring import reset_settings
    order, form = _started(client, shop)
    sandbox.choose(form, "pay")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        monkeypatch.setenv("EASYPAISA_API_URL", f"http://127.0.0.1:{closed.getsockname()[1]}")
        reset_settings()
        _unchanged(client, aws, lambda: post_easypaisa(client, form["orderRefNum"]), 503)
    assert order_of(client, order["order_id"], shop.buyer)["status"] == "pending_payment"


def test_the_buyers_return_is_inquired_about_and_sent_to_the_order_page(client, aws, shop, sandbox):
    order, form = _started(client, shop)
    sandbox.choose(form, "pay")

    response = post_easypaisa(client, form["orderRefNum"], accept="text/html", status="0000")

    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE_ENV['STOREFRONT_URL']}/order.html?id={order['order_id']}"
    assert order_of(client, order["order_id"], shop.buyer)["status"] == "paid"


def test_a_return_while_the_inquiry_fails_still_sends_the_buyer_to_the_order_page(client, aws, shop, sandbox):
    order, form = _started(client, shop)
    sandbox.choose(form, "pay")
    sandbox.control(fail_inquiries=1)

    response = _unchanged(client, aws, lambda: post_easypaisa(client, form["orderRefNum"], accept="text/html"), 303)

    assert response.headers["Location"].endswith(f"/order.html?id={order['order_id']}")


def test_an_easypaisa_refund_fails_over_to_a_person_in_the_merchant_portal(client, aws, shop, sandbox):
    order, form = _started(client, shop)
    sandbox.choose(form, "pay")
    assert post_easypaisa(client, form["orderRefNum"]).status_code == 200
    ops = aws.user("ops")

    response = call(client, "POST", f"/ops/orders/{order['order_id']}/refunds", ops,
                    {"amount": {"amount": PRICE, "currency": "PKR"}, "reason": "damaged in transit"},
                    headers={"Idempotency-Key": "ep-refund-1"})

    assert response.status_code == 201, response.body
    assert body_of(response)["status"] == "failed"
    flagged = order_of(client, order["order_id"], ops)
    assert flagged["needs_review"] is True and flagged["status"] == "paid"
    assert [item["failure"]["S"] for item in refund_items(aws)] == [EASYPAISA_BY_HAND]

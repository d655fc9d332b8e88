"""Starting payments and applying gateway callbacks exactly once (API.md "Orders" and "Payment callbacks").

Callbacks are signed with the gateways' own scheme and the test environment's
secrets (harness/environment.py); a rejected one must leave every table as it was.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.payments import card, jazzcash
from harness.aws import Aws, User
from harness.environment import BASE_ENV
from harness.factories import (
    active_listing,
    make_address,
    make_order,
    order_of,
    placed,
    start_payment,
    stock_of,
    verified_artisan,
)
from harness.gateways import card_event, card_success, jazzcash_return, post_card, post_jazzcash
from harness.http import call, code_of
from harness.stored import payment_records, table_state

SALT = BASE_ENV["JAZZCASH_INTEGRITY_SALT"]
CARD_SECRET = BASE_ENV["CARD_WEBHOOK_SECRET"]
SWEEP_DEADLINE_SECONDS = 10.0


@dataclass
class Checkout:
    artisan: User
    listing: dict[str, Any]
    buyer: User


@pytest.fixture
def checkout(client: Any, aws: Aws) -> Checkout:
    artisan = verified_artisan(client, aws)
    return Checkout(artisan=artisan, listing=active_listing(client, artisan, stock=5), buyer=aws.user())


def _order(client: Any, checkout: Checkout, quantity: int = 1, **overrides: Any) -> dict[str, Any]:
    return placed(client, checkout.buyer, make_order((checkout.listing["listing_id"], quantity), **overrides))


def _card_order(client: Any, checkout: Checkout, **overrides: Any) -> dict[str, Any]:
    return _order(client, checkout, payment_method="card", **{"currency": "USD", **overrides})


def _paid_by_jazzcash(client: Any, checkout: Checkout, order: dict[str, Any]) -> dict[str, str]:
    form = start_payment(client, checkout.buyer, order["order_id"])["form_fields"]
    callback = jazzcash_return(form, salt=SALT)
    assert post_jazzcash(client, callback).status_code == 200
    return callback


def _unchanged(client: Any, aws: Aws, response_of: Any, status: int) -> None:
    before = table_state(aws)
    response = response_of()
    assert response.status_code == status, response.body
    assert table_state(aws) == before


# --- starting a payment ----------------------------------------------------------------------


def test_jazzcash_payment_is_a_signed_ascii_form_in_paisa_and_pakistan_time(client, checkout):
    order = _order(client, checkout, quantity=2)

    started = start_payment(client, checkout.buyer, order["order_id"])
    now_in_pakistan = datetime.now(jazzcash.PAKISTAN_TIME).replace(tzinfo=None)

    fields = started["form_fields"]
    assert started["provider"] == "jazzcash"
    assert started["action_url"] == BASE_ENV["JAZZCASH_ACTION_URL"]
    assert all(name.isascii() and value.isascii() for name, value in fields.items())
    assert fields["pp_SecureHash"] == jazzcash.secure_hash(fields, SALT)
    assert fields["pp_Amount"] == str(order["charge"]["amount"]) == "535000"  # Rs 5,000 + Rs 350 shipping, in paisa
    assert fields["pp_TxnCurrency"] == "PKR"
    assert fields["pp_MerchantID"] == BASE_ENV["JAZZCASH_MERCHANT_ID"]
    assert fields["pp_TxnRefNo"].startswith(order["order_id"]) and len(fields["pp_TxnRefNo"]) <= 20
    assert fields["pp_ReturnURL"] == f"{BASE_ENV['API_BASE_URL']}/payments/jazzcash/callback"
    sent_at = datetime.strptime(fields["pp_TxnDateTime"], "%Y%m%d%H%M%S")
    assert abs(sent_at - now_in_pakistan) < timedelta(minutes=1)


def test_each_jazzcash_attempt_gets_a_fresh_reference(client, checkout):
    order = _order(client, checkout)

    first = start_payment(client, checkout.buyer, order["order_id"])["form_fields"]["pp_TxnRefNo"]
    second = start_payment(client, checkout.buyer, order["order_id"])["form_fields"]["pp_TxnRefNo"]

    assert first != second


def test_card_payment_returns_the_intent_for_the_charge(client, checkout):
    order = _card_order(client, checkout)

    started = start_payment(client, checkout.buyer, order["order_id"])

    assert started["provider"] == "card"
    assert (started["amount"], started["currency"]) == (order["charge"]["amount"], "USD")
    assert started["payment_intent_id"].startswith(f"pi_{order['order_id']}")
    assert started["client_secret"].startswith(f"{started['payment_intent_id']}_secret_")
    assert started["action_url"].startswith("http")


def test_cash_on_delivery_and_paid_orders_cannot_be_paid(client, aws, checkout):
    cod = _order(client, checkout, payment_method="cod")
    paid = _order(client, checkout)
    _paid_by_jazzcash(client, checkout, paid)

    for order in (cod, paid):
        before = table_state(aws)
        response = call(client, "POST", f"/orders/{order['order_id']}/payment", checkout.buyer)
        assert response.status_code == 409
        assert code_of(response) == "INVALID_STATE"
        assert table_state(aws) == before


# --- successful callbacks --------------------------------------------------------------------


def test_a_jazzcash_success_pays_the_order_once(client, aws, checkout):
    order = _order(client, checkout)

    _paid_by_jazzcash(client, checkout, order)

    paid = order_of(client, order["order_id"], checkout.buyer)
    assert paid["status"] == "paid"
    assert paid["paid_at"] >= order["created_at"]
    assert [record["event_key"]["S"] for record in payment_records(aws, order["order_id"])
            if record["event_key"]["S"].startswith("paid#")] == [f"paid#{order['order_id']}"]
    assert stock_of(client, checkout.listing["listing_id"], checkout.artisan) == 4


def test_the_same_callback_ten_times_pays_once(client, aws, checkout):
    order = _order(client, checkout)
    form = start_payment(client, checkout.buyer, order["order_id"])["form_fields"]
    callback = jazzcash_return(form, salt=SALT)

    statuses = [post_jazzcash(client, callback).status_code for _ in range(10)]

    assert statuses == [200] * 10
    paid = order_of(client, order["order_id"], checkout.buyer)
    assert paid["status"] == "paid" and not paid["needs_review"]
    keys = sorted(record["event_key"]["S"] for record in payment_records(aws, order["order_id"]))
    assert keys == sorted([f"paid#{order['order_id']}", f"jazzcash#{callback['pp_TxnRefNo']}:000"])


def test_a_card_success_in_the_charge_currency_pays_the_order(client, checkout):
    order = _card_order(client, checkout)

    response = post_card(client, card_success(order), secret=CARD_SECRET)

    assert response.status_code == 200
    assert order_of(client, order["order_id"], checkout.buyer)["status"] == "paid"


def test_the_browser_return_post_is_redirected_to_the_order_page(client, checkout):
    order = _order(client, checkout)
    form = start_payment(client, checkout.buyer, order["order_id"])["form_fields"]

    response = post_jazzcash(client, jazzcash_return(form, salt=SALT), accept="text/html,application/xhtml+xml")

    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE_ENV['STOREFRONT_URL']}/order.html?id={order['order_id']}"
    assert order_of(client, order["order_id"], checkout.buyer)["status"] == "paid"


# --- rejected callbacks ----------------------------------------------------------------------


def _signed_form(client: Any, checkout: Checkout) -> dict[str, str]:
    order = _order(client, checkout)
    return jazzcash_return(start_payment(client, checkout.buyer, order["order_id"])["form_fields"], salt=SALT)


JAZZCASH_FORGERIES = {
    "forged hash": lambda form: {**form, "pp_SecureHash": "ab" * 32},
    "amount changed after signing": lambda form: {**form, "pp_Amount": "1"},
    "code changed after signing": lambda form: {**form, "pp_ResponseCode": "121"},
    "unsigned": lambda form: {name: value for name, value in form.items() if name != "pp_SecureHash"},
    "signed with another salt": lambda form: jazzcash_return(form, salt="not-the-salt"),
    "another merchant": lambda form: jazzcash_return(form, salt=SALT, pp_MerchantID="MC99999"),
}


@pytest.mark.parametrize("case", JAZZCASH_FORGERIES)
def test_a_jazzcash_callback_that_does_not_verify_is_401_and_changes_nothing(client, aws, checkout, case):
    forged = JAZZCASH_FORGERIES[case](_signed_form(client, checkout))

    before = table_state(aws)
    response = post_jazzcash(client, forged)

    assert response.status_code == 401
    assert code_of(response) == "UNAUTHENTICATED"
    assert table_state(aws) == before


def _card_forgeries(body: bytes) -> dict[str, tuple[bytes, dict[str, Any]]]:
    # Well outside the 300 s tolerance: the request is sent after the tables are read, seconds later on a
    # loaded machine (test_faults.py covers the exact 299/301 s boundary).
    now = int(time.time())
    return {
        "wrong secret": (body, {"signature": card.sign_webhook(body, secret="whsec_other", timestamp=now)}),
        "stale timestamp": (body, {"timestamp": now - 330}),
        "from the future": (body, {"timestamp": now + 330}),
        "no signature": (body, {"signature": ""}),
        "body changed after signing": (body.replace(b'"amount": ', b'"amount": 1'),
                                       {"signature": card.sign_webhook(body, secret=CARD_SECRET, timestamp=now)}),
        "signature without timestamp": (body, {"signature": "v1=" + "ab" * 32}),
    }


@pytest.mark.parametrize("case", ["wrong secret", "stale timestamp", "from the future", "no signature",
                                  "body changed after signing", "signature without timestamp"])
def test_a_card_webhook_that_does_not_verify_is_401_and_changes_nothing(client, aws, checkout, case):
    body, how = _card_forgeries(card_success(_card_order(client, checkout)))[case]

    before = table_state(aws)
    response = post_card(client, body, secret=CARD_SECRET, **how)

    assert response.status_code == 401
    assert code_of(response) == "UNAUTHENTICATED"
    assert table_state(aws) == before


def test_a_card_webhook_at_the_edge_of_the_tolerance_is_accepted(client, checkout):
    order = _card_order(client, checkout)

    response = post_card(client, card_success(order), secret=CARD_SECRET, timestamp=int(time.time()) - 290)

    assert response.status_code == 200
    assert order_of(client, order["order_id"], checkout.buyer)["status"] == "paid"


@pytest.mark.parametrize("body", [b"not json", b"[]", json.dumps({"id": "evt_1", "type": "payment_intent.succeeded",
                                                                 "data": {"object": {"id": "pi"}}}).encode()])
def test_a_signed_but_malformed_card_webhook_is_400_and_changes_nothing(client, aws, checkout, body):
    _card_order(client, checkout)

    _unchanged(client, aws, lambda: post_card(client, body, secret=CARD_SECRET), 400)


@pytest.mark.parametrize("overrides", [{"pp_Amount": "12.50"}, {"pp_TxnRefNo": "not-alphanumeric!"},
                                       {"pp_TxnCurrency": "USD"}, {"pp_ResponseCode": ""}])
def test_a_signed_but_malformed_jazzcash_callback_is_400_and_changes_nothing(client, aws, checkout, overrides):
    order = _order(client, checkout)
    form = start_payment(client, checkout.buyer, order["order_id"])["form_fields"]
    callback = jazzcash_return(form, salt=SALT, **overrides)

    _unchanged(client, aws, lambda: post_jazzcash(client, callback), 400)


# --- mismatches, failures, pending -----------------------------------------------------------


def test_an_amount_mismatch_leaves_the_order_unpaid_and_flagged(client, checkout):
    order = _card_order(client, checkout)

    response = post_card(client, card_success(order, amount=order["charge"]["amount"] - 1), secret=CARD_SECRET)

    assert response.status_code == 200
    flagged = order_of(client, order["order_id"], checkout.buyer)
    assert (flagged["status"], flagged["needs_review"], flagged["paid_at"]) == ("pending_payment", True, None)


def test_a_currency_mismatch_leaves_the_order_unpaid_and_flagged(client, checkout):
    order = _card_order(client, checkout)

    response = post_card(client, card_success(order, currency="GBP"), secret=CARD_SECRET)

    assert response.status_code == 200
    flagged = order_of(client, order["order_id"], checkout.buyer)
    assert (flagged["status"], flagged["needs_review"], flagged["paid_at"]) == ("pending_payment", True, None)


def test_a_failure_keeps_the_order_awaiting_payment_with_the_error(client, checkout):
    order = _card_order(client, checkout)
    failed = card_event(order["order_id"], amount=order["charge"]["amount"], currency="USD", succeeded=False)

    assert post_card(client, failed, secret=CARD_SECRET).status_code == 200

    after = order_of(client, order["order_id"], checkout.buyer)
    assert after["status"] == "pending_payment"
    assert after["last_payment_error"] == "Your card was declined."
    assert stock_of(client, checkout.listing["listing_id"], checkout.artisan) == 4


def test_a_jazzcash_failure_keeps_the_order_awaiting_payment(client, checkout):
    order = _order(client, checkout)
    form = start_payment(client, checkout.buyer, order["order_id"])["form_fields"]

    assert post_jazzcash(client, jazzcash_return(form, salt=SALT, code="999")).status_code == 200

    after = order_of(client, order["order_id"], checkout.buyer)
    assert (after["status"], after["last_payment_error"]) == ("pending_payment", "code 999")


def test_a_failure_after_success_changes_nothing(client, checkout):
    order = _card_order(client, checkout)
    assert post_card(client, card_success(order), secret=CARD_SECRET).status_code == 200
    paid = order_of(client, order["order_id"], checkout.buyer)
    failed = card_event(order["order_id"], amount=order["charge"]["amount"], currency="USD", succeeded=False)

    assert post_card(client, failed, secret=CARD_SECRET).status_code == 200

    assert order_of(client, order["order_id"], checkout.buyer) == paid


@pytest.mark.parametrize("code", sorted(jazzcash.PENDING_CODES))
def test_a_pending_code_changes_nothing(client, aws, checkout, code):
    order = _order(client, checkout)
    form = start_payment(client, checkout.buyer, order["order_id"])["form_fields"]

    _unchanged(client, aws, lambda: post_jazzcash(client, jazzcash_return(form, salt=SALT, code=code)), 200)


# --- success after expiry --------------------------------------------------------------------


@pytest.fixture
def short_reservations(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.wiring import reset_settings

    monkeypatch.setenv("RESERVATION_MINUTES", "0.00005")
    reset_settings()


def _expire(order_id: str) -> None:
    from chalicelib.orders.service import expire_due_orders

    deadline = time.monotonic() + SWEEP_DEADLINE_SECONDS
    while expire_due_orders() == 0:
        assert time.monotonic() < deadline, f"order {order_id} did not expire"


def test_success_after_expiry_reserves_the_stock_again(client, checkout, short_reservations):
    order = _card_order(client, checkout, currency="PKR")
    _expire(order["order_id"])
    assert stock_of(client, checkout.listing["listing_id"], checkout.artisan) == 5

    assert post_card(client, card_success(order), secret=CARD_SECRET).status_code == 200

    after = order_of(client, order["order_id"], checkout.buyer)
    assert (after["status"], after["needs_review"]) == ("paid", False)
    assert stock_of(client, checkout.listing["listing_id"], checkout.artisan) == 4


def test_success_after_expiry_with_the_stock_gone_needs_review(client, aws, checkout, short_reservations):
    order = _card_order(client, checkout, currency="PKR", items=[
        {"listing_id": checkout.listing["listing_id"], "quantity": 2}])
    _expire(order["order_id"])
    rival = placed(client, aws.user(), make_order((checkout.listing["listing_id"], 4), payment_method="cod",
                                                  shipping_address=make_address(name="Rival")))
    assert rival["status"] == "confirmed"

    assert post_card(client, card_success(order), secret=CARD_SECRET).status_code == 200

    after = order_of(client, order["order_id"], checkout.buyer)
    assert (after["status"], after["needs_review"]) == ("expired", True)
    assert stock_of(client, checkout.listing["listing_id"], checkout.artisan) == 1


def test_a_callback_for_an_unknown_order_is_accepted_and_changes_nothing(client, aws, checkout):
    body = card_event("O-unknown-order1", amount=100, currency="PKR")

    _unchanged(client, aws, lambda: post_card(client, body, secret=CARD_SECRET), 200)


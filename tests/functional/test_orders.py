"""Placing, reading, cancelling and expiring orders (API.md "Orders") through the app on moto.

Every refused request is checked against a snapshot of all tables: a refusal
must write nothing, not even half a reservation.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from harness.aws import Aws, User
from harness.factories import (
    active_listing,
    make_address,
    make_order,
    order_of,
    place,
    placed,
    stock_of,
    verified_artisan,
)
from harness.http import body_of, call, code_of
from harness.stored import table_state

SWEEP_DEADLINE_SECONDS = 10.0


@dataclass
class Shop:
    """Two verified artisans; `a` sells listings a1 (stock 5) and a2 (stock 3), `b` sells b1 (stock 4)."""

    artisan_a: User
    artisan_b: User
    a1: dict[str, Any]
    a2: dict[str, Any]
    b1: dict[str, Any]
    buyer: User


@pytest.fixture
def shop(client: Any, aws: Aws) -> Shop:
    artisan_a = verified_artisan(client, aws)
    artisan_b = verified_artisan(client, aws, display_name="Ghulam Rasool", craft="pottery")
    return Shop(
        artisan_a=artisan_a, artisan_b=artisan_b,
        a1=active_listing(client, artisan_a, stock=5, weight_grams=400, price={"amount": 250000, "currency": "PKR"}),
        a2=active_listing(client, artisan_a, stock=3, weight_grams=350, price={"amount": 120050, "currency": "PKR"}),
        b1=active_listing(client, artisan_b, stock=4, weight_grams=1200, price={"amount": 99900, "currency": "PKR"}),
        buyer=aws.user())


def _stocks(client: Any, shop: Shop) -> dict[str, int]:
    return {"a1": stock_of(client, shop.a1["listing_id"], shop.artisan_a),
            "a2": stock_of(client, shop.a2["listing_id"], shop.artisan_a),
            "b1": stock_of(client, shop.b1["listing_id"], shop.artisan_b)}


def _refused_without_writes(client: Any, aws: Aws, request: Callable[[], Any], status: int, code: str) -> Any:
    before = table_state(aws)
    response = request()
    assert response.status_code == status, response.body
    assert code_of(response) == code
    assert table_state(aws) == before
    return response


# --- prices, shipping, totals, charge --------------------------------------------------------


def test_prices_shipping_and_totals_are_computed_from_listings_and_the_rate_table(client, shop):
    body = make_order((shop.a1["listing_id"], 2), (shop.a2["listing_id"], 1), (shop.b1["listing_id"], 1))

    order = placed(client, shop.buyer, body)

    assert order["status"] == "pending_payment"
    lines = {line["listing_id"]: line for line in order["items"]}
    assert lines[shop.a1["listing_id"]]["unit_price"] == {"amount": 250000, "currency": "PKR"}
    assert lines[shop.a1["listing_id"]]["line_total"] == {"amount": 500000, "currency": "PKR"}
    assert lines[shop.a2["listing_id"]]["line_total"] == {"amount": 120050, "currency": "PKR"}
    assert lines[shop.b1["listing_id"]]["artisan_id"] == shop.artisan_b.sub
    assert {line["fulfilment"] for line in order["items"]} == {"pending"}
    assert order["subtotal"] == {"amount": 500000 + 120050 + 99900, "currency": "PKR"}
    # Artisan a ships 2x400 + 350 = 1150 g (3 steps), artisan b 1200 g (3 steps): Rs 250 + 2 x Rs 100 each.
    assert order["shipping"] == {"amount": 45000 + 45000, "currency": "PKR"}
    assert order["total"] == {"amount": 719950 + 90000, "currency": "PKR"}
    assert order["charge"] == {"amount": 809950, "currency": "PKR", "fx_rate": "1"}
    assert order["shipping_address"] == {**make_address(), "line2": None}
    assert order["expires_at"] > order["created_at"]


def test_international_shipping_uses_the_international_rates(client, shop):
    body = make_order((shop.a1["listing_id"], 1), currency="GBP", payment_method="card",
                      shipping_address=make_address(country="GB", city="London"))

    order = placed(client, shop.buyer, body)

    assert order["shipping"] == {"amount": 450000, "currency": "PKR"}  # 400 g: the first step abroad
    assert order["total"]["amount"] == 250000 + 450000


def test_the_charge_is_converted_half_up_at_a_rate_locked_on_the_order(client, aws, shop):
    ops = aws.user("ops")
    assert call(client, "PUT", "/ops/fx-rates", ops, {"rates": {"USD": "0.0035"}}).status_code == 200
    body = make_order((shop.a1["listing_id"], 1), currency="USD", payment_method="card")

    order = placed(client, shop.buyer, body)
    assert call(client, "PUT", "/ops/fx-rates", ops, {"rates": {"USD": "0.004"}}).status_code == 200

    # 275000 paisa (Rs 2,500 + Rs 250 shipping) x 0.0035 = 962.5 cents: half-up is 963 (half-even would be 962).
    assert order["total"] == {"amount": 275000, "currency": "PKR"}
    assert order["charge"] == {"amount": 963, "currency": "USD", "fx_rate": "0.0035"}
    assert order_of(client, order["order_id"], shop.buyer)["charge"] == order["charge"]


def test_cash_on_delivery_starts_confirmed_without_a_reservation_deadline(client, shop):
    order = placed(client, shop.buyer, make_order((shop.a1["listing_id"], 1), payment_method="cod"))

    assert order["status"] == "confirmed"
    assert order["expires_at"] is None
    assert stock_of(client, shop.a1["listing_id"], shop.artisan_a) == 4


# --- reservations ----------------------------------------------------------------------------


def test_an_order_reserves_the_stock_of_every_line(client, shop):
    placed(client, shop.buyer, make_order((shop.a1["listing_id"], 2), (shop.b1["listing_id"], 4)))

    assert _stocks(client, shop) == {"a1": 3, "a2": 3, "b1": 0}


def test_one_short_line_reserves_nothing_at_all(client, aws, shop):
    body = make_order((shop.a1["listing_id"], 2), (shop.b1["listing_id"], 5))

    response = _refused_without_writes(client, aws, lambda: place(client, shop.buyer, body), 409, "OUT_OF_STOCK")

    assert body_of(response)["error"]["details"] == [{"listing_id": shop.b1["listing_id"], "available": 4}]
    assert _stocks(client, shop) == {"a1": 5, "a2": 3, "b1": 4}


@pytest.mark.parametrize("state", ["draft", "archived", "unknown"])
def test_a_listing_that_is_not_active_is_unavailable(client, aws, shop, state):
    listing_id = "L-does-not-exist"
    if state != "unknown":
        listing_id = shop.a2["listing_id"]
        path = f"/listings/{listing_id}/unpublish" if state == "draft" else f"/listings/{listing_id}"
        response = call(client, "POST" if state == "draft" else "DELETE", path, shop.artisan_a)
        assert response.status_code in (200, 204), response.body
    body = make_order((shop.a1["listing_id"], 1), (listing_id, 1))

    response = _refused_without_writes(client, aws, lambda: place(client, shop.buyer, body), 409,
                                       "LISTING_UNAVAILABLE")

    assert body_of(response)["error"]["details"] == [{"listing_id": listing_id}]
    assert stock_of(client, shop.a1["listing_id"], shop.artisan_a) == 5


# --- validation ------------------------------------------------------------------------------


def _many(count: int) -> list[dict[str, Any]]:
    return [{"listing_id": f"L{index:03d}", "quantity": 1} for index in range(count)]


INVALID_BODIES: dict[str, Callable[[str], dict[str, Any]]] = {
    "no items": lambda lid: make_order(),
    "26 items": lambda lid: make_order(items=_many(26)),
    "the same listing twice": lambda lid: make_order((lid, 1), (lid, 2)),
    "quantity 0": lambda lid: make_order((lid, 0)),
    "quantity 101": lambda lid: make_order((lid, 101)),
    "cod abroad": lambda lid: make_order((lid, 1), payment_method="cod", shipping_address=make_address(country="AE")),
    "jazzcash in USD": lambda lid: make_order((lid, 1), currency="USD"),
    "cod in GBP": lambda lid: make_order((lid, 1), currency="GBP", payment_method="cod"),
    "unsupported currency": lambda lid: make_order((lid, 1), currency="JPY", payment_method="card"),
    "unknown payment method": lambda lid: make_order((lid, 1), payment_method="bitcoin"),
    "unknown field": lambda lid: make_order((lid, 1), coupon="FREE"),
    "no address": lambda lid: {key: value for key, value in make_order((lid, 1)).items() if key != "shipping_address"},
}


@pytest.mark.parametrize("case", INVALID_BODIES)
def test_an_invalid_order_is_a_validation_error_and_writes_nothing(client, aws, shop, case):
    body = INVALID_BODIES[case](shop.a1["listing_id"])

    _refused_without_writes(client, aws, lambda: place(client, shop.buyer, body), 400, "VALIDATION_ERROR")


def test_25_distinct_items_is_the_most_an_order_may_have(client, aws, shop):
    listings = [shop.a1, shop.a2, shop.b1] + [active_listing(client, shop.artisan_a, stock=1) for _ in range(22)]

    order = placed(client, shop.buyer, make_order(*((listing["listing_id"], 1) for listing in listings)))

    assert len(order["items"]) == 25


@pytest.mark.parametrize("headers", [{}, {"Idempotency-Key": ""}, {"Idempotency-Key": "k" * 65},
                                     {"Idempotency-Key": "has space"}, {"Idempotency-Key": "ключ"}])
def test_a_missing_or_bad_idempotency_key_is_refused(client, aws, shop, headers):
    body = make_order((shop.a1["listing_id"], 1))

    _refused_without_writes(client, aws, lambda: call(client, "POST", "/orders", shop.buyer, body, headers=headers),
                            400, "VALIDATION_ERROR")


def test_placing_an_order_needs_a_sign_in(client, aws, shop):
    body = make_order((shop.a1["listing_id"], 1))

    _refused_without_writes(client, aws, lambda: call(client, "POST", "/orders", None, body,
                                                      headers={"Idempotency-Key": "k1"}), 401, "UNAUTHENTICATED")


# --- idempotency -----------------------------------------------------------------------------


def test_the_same_key_and_body_returns_the_same_order_and_reserves_once(client, shop):
    body = make_order((shop.a1["listing_id"], 2))
    first = place(client, shop.buyer, body, key="checkout-1")

    again = place(client, shop.buyer, body, key="checkout-1")

    assert (first.status_code, again.status_code) == (201, 200)
    assert body_of(again) == body_of(first)
    assert stock_of(client, shop.a1["listing_id"], shop.artisan_a) == 3
    assert len(body_of(call(client, "GET", "/orders", shop.buyer))["items"]) == 1


def test_the_same_key_with_another_body_is_refused_and_writes_nothing(client, aws, shop):
    assert place(client, shop.buyer, make_order((shop.a1["listing_id"], 1)), key="checkout-1").status_code == 201
    other = make_order((shop.a1["listing_id"], 2))

    _refused_without_writes(client, aws, lambda: place(client, shop.buyer, other, key="checkout-1"), 422,
                            "IDEMPOTENCY_KEY_REUSED")


def test_the_same_key_from_another_buyer_is_an_independent_order(client, aws, shop):
    body = make_order((shop.a1["listing_id"], 1))
    other_buyer = aws.user()

    first = place(client, shop.buyer, body, key="checkout-1")
    second = place(client, other_buyer, body, key="checkout-1")

    assert (first.status_code, second.status_code) == (201, 201)
    assert body_of(first)["order_id"] != body_of(second)["order_id"]
    assert body_of(second)["buyer_id"] == other_buyer.sub
    assert stock_of(client, shop.a1["listing_id"], shop.artisan_a) == 3


def test_a_retry_after_a_lost_answer_gets_the_first_order_even_when_the_stock_is_gone(client, shop):
    """The first call committed (it took every unit) but its answer never reached the buyer."""
    body = make_order((shop.b1["listing_id"], 4))
    lost = place(client, shop.buyer, body, key="retry-me")
    assert lost.status_code == 201
    assert stock_of(client, shop.b1["listing_id"], shop.artisan_b) == 0

    retry = place(client, shop.buyer, body, key="retry-me")

    assert retry.status_code == 200, retry.body
    assert body_of(retry)["order_id"] == body_of(lost)["order_id"]
    assert stock_of(client, shop.b1["listing_id"], shop.artisan_b) == 0


# --- reading ---------------------------------------------------------------------------------


def test_buyers_list_their_own_orders_newest_first_page_by_page(client, aws, shop):
    ids = [placed(client, shop.buyer, make_order((shop.a1["listing_id"], 1)))["order_id"] for _ in range(3)]
    placed(client, aws.user(), make_order((shop.a1["listing_id"], 1)))

    first = body_of(call(client, "GET", "/orders?limit=2", shop.buyer))
    second = body_of(call(client, "GET", f"/orders?limit=2&cursor={first['next_cursor']}", shop.buyer))

    assert [order["order_id"] for order in first["items"] + second["items"]] == ids[::-1]
    assert second["next_cursor"] is None


def test_an_order_is_read_by_its_buyer_and_ops_and_hidden_from_anyone_else(client, aws, shop):
    order = placed(client, shop.buyer, make_order((shop.a1["listing_id"], 1)))
    path = f"/orders/{order['order_id']}"
    stranger = aws.user()

    assert order_of(client, order["order_id"], shop.buyer) == order
    assert order_of(client, order["order_id"], aws.user("ops")) == order
    assert call(client, "GET", path, stranger).status_code == 404
    assert call(client, "GET", path, shop.artisan_a).status_code == 404
    for action in ("cancel", "payment"):
        _refused_without_writes(client, aws, lambda action=action: call(client, "POST", f"{path}/{action}", stranger),
                                404, "NOT_FOUND")
    assert call(client, "GET", "/orders/O-unknown", shop.buyer).status_code == 404


# --- cancelling and expiring -----------------------------------------------------------------


def test_cancelling_releases_the_stock_once(client, aws, shop):
    order = placed(client, shop.buyer, make_order((shop.a1["listing_id"], 2), (shop.b1["listing_id"], 1)))
    path = f"/orders/{order['order_id']}/cancel"

    cancelled = call(client, "POST", path, shop.buyer)

    assert cancelled.status_code == 200
    assert body_of(cancelled)["status"] == "cancelled"
    assert _stocks(client, shop) == {"a1": 5, "a2": 3, "b1": 4}
    _refused_without_writes(client, aws, lambda: call(client, "POST", path, shop.buyer), 409, "INVALID_STATE")


def test_a_confirmed_cash_on_delivery_order_can_be_cancelled(client, shop):
    order = placed(client, shop.buyer, make_order((shop.a1["listing_id"], 2), payment_method="cod"))

    response = call(client, "POST", f"/orders/{order['order_id']}/cancel", shop.buyer)

    assert body_of(response)["status"] == "cancelled"
    assert stock_of(client, shop.a1["listing_id"], shop.artisan_a) == 5


def _sweep(client: Any) -> int:
    """The scheduled sweep, invoked the way EventBridge invokes it."""
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=["arn:aws:events:ap-south-1:123456789012:rule/sweep"])
    return int(client.lambda_.invoke("sweep_expired_orders", event).payload["expired"])


def _sweep_until_expired(client: Any) -> int:
    deadline = time.monotonic() + SWEEP_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        expired = _sweep(client)
        if expired:
            return expired
    raise AssertionError(f"nothing expired within {SWEEP_DEADLINE_SECONDS} s")


@pytest.fixture
def short_reservations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reservations of 3 ms, so a test need not wait half an hour."""
    from chalicelib.wiring import reset_settings

    monkeypatch.setenv("RESERVATION_MINUTES", "0.00005")
    reset_settings()


def test_an_unpaid_order_expires_and_releases_its_stock_once(client, aws, shop, short_reservations):
    order = placed(client, shop.buyer, make_order((shop.a1["listing_id"], 2), (shop.b1["listing_id"], 3)))
    cod = placed(client, shop.buyer, make_order((shop.a2["listing_id"], 1), payment_method="cod"))

    assert _sweep_until_expired(client) == 1

    assert order_of(client, order["order_id"], shop.buyer)["status"] == "expired"
    assert order_of(client, cod["order_id"], shop.buyer)["status"] == "confirmed"
    assert _stocks(client, shop) == {"a1": 5, "a2": 2, "b1": 4}
    before = table_state(aws)
    assert _sweep(client) == 0
    assert table_state(aws) == before
    _refused_without_writes(client, aws, lambda: call(client, "POST", f"/orders/{order['order_id']}/cancel",
                                                      shop.buyer), 409, "INVALID_STATE")


"""Fulfilment and payouts (API.md "Fulfilment and payouts"): artisans' views, shipments, delivery, credits."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from harness.aws import Aws, User
from harness.environment import BASE_ENV
from harness.factories import active_listing, make_order, order_of, placed, start_payment, verified_artisan
from harness.gateways import jazzcash_return, post_jazzcash
from harness.http import body_of, call, code_of
from harness.stored import table_state

SHIPMENT = {"carrier": "tcs", "tracking_number": "TCS-123456"}


@dataclass
class Market:
    """Two artisans, one listing each (a: Rs 2,500, b: Rs 1,000), and a buyer."""

    artisan_a: User
    artisan_b: User
    listing_a: dict[str, Any]
    listing_b: dict[str, Any]
    buyer: User
    ops: User


@pytest.fixture
def market(client: Any, aws: Aws) -> Market:
    artisan_a = verified_artisan(client, aws)
    artisan_b = verified_artisan(client, aws, display_name="Ghulam Rasool", craft="pottery")
    return Market(artisan_a=artisan_a, artisan_b=artisan_b,
                  listing_a=active_listing(client, artisan_a, stock=10),
                  listing_b=active_listing(client, artisan_b, stock=10, price={"amount": 100000, "currency": "PKR"}),
                  buyer=aws.user(), ops=aws.user("ops"))


def _two_artisan_order(client: Any, market: Market, **overrides: Any) -> dict[str, Any]:
    return placed(client, market.buyer, make_order((market.listing_a["listing_id"], 2),
                                                   (market.listing_b["listing_id"], 1), **overrides))


def _pay(client: Any, market: Market, order: dict[str, Any]) -> None:
    form = start_payment(client, market.buyer, order["order_id"])["form_fields"]
    assert post_jazzcash(client, jazzcash_return(form, salt=BASE_ENV["JAZZCASH_INTEGRITY_SALT"])).status_code == 200


def _ship(client: Any, order_id: str, artisan: User, shipment: dict[str, str] = SHIPMENT) -> Any:
    return call(client, "POST", f"/orders/{order_id}/shipments", artisan, shipment)


def _artisan_orders(client: Any, artisan: User, query: str = "") -> list[dict[str, Any]]:
    response = call(client, "GET", f"/artisans/me/orders{query}", artisan)
    assert response.status_code == 200, response.body
    return list(body_of(response)["items"])


def _balance(client: Any, artisan: User) -> dict[str, Any]:
    response = call(client, "GET", "/artisans/me/payouts", artisan)
    assert response.status_code == 200, response.body
    return dict(body_of(response))


def test_artisans_see_only_their_own_lines_and_the_address_once_paid(client, market):
    order = _two_artisan_order(client, market)

    unpaid = _artisan_orders(client, market.artisan_a)
    _pay(client, market, order)
    paid = _artisan_orders(client, market.artisan_a)

    assert [entry["order_id"] for entry in unpaid] == [order["order_id"]]
    assert [line["listing_id"] for line in unpaid[0]["items"]] == [market.listing_a["listing_id"]]
    assert unpaid[0]["status"] == "pending_payment"
    assert "shipping_address" not in unpaid[0] or unpaid[0]["shipping_address"] is None
    assert paid[0]["status"] == "paid"
    assert paid[0]["shipping_address"] == order["shipping_address"]
    assert [line["listing_id"] for line in _artisan_orders(client, market.artisan_b)[0]["items"]] == [
        market.listing_b["listing_id"]]


def test_a_cash_on_delivery_order_shows_the_address_at_once(client, market):
    order = _two_artisan_order(client, market, payment_method="cod")

    [entry] = _artisan_orders(client, market.artisan_b)

    assert (entry["status"], entry["shipping_address"]) == ("confirmed", order["shipping_address"])


def test_artisan_orders_filter_by_status_newest_first(client, market):
    first = _two_artisan_order(client, market)
    second = _two_artisan_order(client, market)
    third = _two_artisan_order(client, market, payment_method="cod")
    _pay(client, market, first)

    assert [entry["order_id"] for entry in _artisan_orders(client, market.artisan_a)] == [
        third["order_id"], second["order_id"], first["order_id"]]
    assert [entry["order_id"] for entry in _artisan_orders(client, market.artisan_a, "?status=paid")] == [
        first["order_id"]]
    assert [entry["order_id"] for entry in _artisan_orders(client, market.artisan_a, "?status=pending_payment")] == [
        second["order_id"]]
    assert call(client, "GET", "/artisans/me/orders?status=lost", market.artisan_a).status_code == 400


def test_buyers_cannot_read_artisan_orders(client, market):
    response = call(client, "GET", "/artisans/me/orders", market.buyer)

    assert response.status_code == 403


def test_each_artisan_ships_their_lines_partially_then_fully(client, aws, market):
    order = _two_artisan_order(client, market)
    _pay(client, market, order)

    first = _ship(client, order["order_id"], market.artisan_a)
    second = _ship(client, order["order_id"], market.artisan_b, {"carrier": "leopards", "tracking_number": "LP-9"})

    assert first.status_code == 200, first.body
    assert body_of(first)["status"] == "partially_shipped"
    lines = {line["listing_id"]: line for line in body_of(first)["items"]}
    assert (lines[market.listing_a["listing_id"]]["fulfilment"], lines[market.listing_a["listing_id"]]["carrier"],
            lines[market.listing_a["listing_id"]]["tracking_number"]) == ("shipped", "tcs", "TCS-123456")
    assert lines[market.listing_b["listing_id"]]["fulfilment"] == "pending"
    assert body_of(second)["status"] == "shipped"
    assert {line["fulfilment"] for line in body_of(second)["items"]} == {"shipped"}
    assert _artisan_orders(client, market.artisan_a)[0]["status"] == "shipped"
    before = table_state(aws)
    again = _ship(client, order["order_id"], market.artisan_a)
    assert (again.status_code, code_of(again)) == (409, "INVALID_STATE")
    assert table_state(aws) == before


def test_a_paid_order_can_no_longer_be_cancelled_once_shipping_starts(client, aws, market):
    order = _two_artisan_order(client, market, payment_method="cod")
    assert _ship(client, order["order_id"], market.artisan_a).status_code == 200

    before = table_state(aws)
    response = call(client, "POST", f"/orders/{order['order_id']}/cancel", market.buyer)

    assert (response.status_code, code_of(response)) == (409, "INVALID_STATE")
    assert table_state(aws) == before


def test_shipping_is_refused_to_others_and_before_payment(client, aws, market):
    order = _two_artisan_order(client, market)
    outsider = verified_artisan(client, aws, display_name="Outsider")

    for artisan, status, code in ((market.artisan_a, 409, "INVALID_STATE"), (outsider, 404, "NOT_FOUND"),
                                  (market.buyer, 403, "FORBIDDEN")):
        before = table_state(aws)
        response = _ship(client, order["order_id"], artisan)
        assert (response.status_code, code_of(response)) == (status, code)
        assert table_state(aws) == before


def _shipped(client: Any, market: Market, **overrides: Any) -> dict[str, Any]:
    order = _two_artisan_order(client, market, **overrides)
    if order["status"] == "pending_payment":
        _pay(client, market, order)
    for artisan in (market.artisan_a, market.artisan_b):
        assert _ship(client, order["order_id"], artisan).status_code == 200
    return order


@pytest.mark.parametrize("bps", [None, "1234"])
def test_delivery_credits_each_artisan_once_less_commission(client, aws, market, monkeypatch, bps):
    from chalicelib.wiring import reset_settings

    if bps is not None:
        monkeypatch.setenv("COMMISSION_BPS", bps)
        reset_settings()
    rate = int(bps or "500")
    order = _shipped(client, market)
    path = f"/ops/orders/{order['order_id']}/delivered"

    delivered = call(client, "POST", path, market.ops)

    assert delivered.status_code == 200, delivered.body
    assert body_of(delivered)["status"] == "delivered"
    credit_a = 500000 - round(500000 * rate / 10000)
    credit_b = 100000 - round(100000 * rate / 10000)
    payouts_a, payouts_b = _balance(client, market.artisan_a), _balance(client, market.artisan_b)
    assert payouts_a["balance"] == {"amount": credit_a, "currency": "PKR"}
    assert payouts_b["balance"] == {"amount": credit_b, "currency": "PKR"}
    assert [(entry["order_id"], entry["amount"]["amount"]) for entry in payouts_a["entries"]] == [
        (order["order_id"], credit_a)]
    before = table_state(aws)
    again = call(client, "POST", path, market.ops)
    assert (again.status_code, code_of(again)) == (409, "INVALID_STATE")
    assert table_state(aws) == before


def test_only_ops_mark_delivery_and_only_when_shipped(client, aws, market):
    shipped = _shipped(client, market)
    paid = _two_artisan_order(client, market)
    _pay(client, market, paid)

    for order_id, user, status in ((shipped["order_id"], market.artisan_a, 403),
                                   (shipped["order_id"], market.buyer, 403),
                                   (paid["order_id"], market.ops, 409)):
        before = table_state(aws)
        assert call(client, "POST", f"/ops/orders/{order_id}/delivered", user).status_code == status
        assert table_state(aws) == before


def test_a_delivered_cash_on_delivery_order_is_paid(client, market):
    order = _shipped(client, market, payment_method="cod")
    assert order_of(client, order["order_id"], market.buyer)["paid_at"] is None

    delivered = body_of(call(client, "POST", f"/ops/orders/{order['order_id']}/delivered", market.ops))

    assert delivered["status"] == "delivered"
    assert delivered["paid_at"] is not None
    assert _balance(client, market.artisan_b)["balance"]["amount"] == 95000

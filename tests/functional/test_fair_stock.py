"""Fair stock (API.md part two): buyer limits, an artisan declining a cash-on-delivery order, ops cancelling,
and the sweep draining every due reservation. Through the real app on moto in-process.

The limits are conditions of the transactions that place orders (chalicelib/store/limits.py); the counters
come back in the change that takes an order out of "open". Every refusal is checked to write nothing.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.ids import rfc3339, utc_now
from harness.aws import Aws, User
from harness.environment import BASE_ENV, REGION
from harness.factories import (
    active_listing,
    make_order,
    order_of,
    place,
    placed,
    start_payment,
    stock_of,
    verified_artisan,
)
from harness.gateways import jazzcash_return, post_jazzcash
from harness.http import body_of, call, code_of
from harness.stored import buyer_holdings, table_state

SHIPMENT = {"carrier": "tcs", "tracking_number": "TCS-1"}


@dataclass
class Shop:
    """Two verified artisans (a sells `a1` stock 30, b sells `b1` stock 30), a buyer and ops."""

    artisan_a: User
    artisan_b: User
    a1: str
    b1: str
    buyer: User
    ops: User


@pytest.fixture
def shop(client: Any, aws: Aws) -> Shop:
    artisan_a = verified_artisan(client, aws)
    artisan_b = verified_artisan(client, aws, display_name="Ghulam Rasool", craft="pottery")
    a1 = active_listing(client, artisan_a, stock=30)["listing_id"]
    b1 = active_listing(client, artisan_b, stock=30, title="A blue Multani vase")["listing_id"]
    return Shop(artisan_a, artisan_b, a1, b1, aws.user(), aws.user("ops"))


def _limits(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    from chalicelib.wiring import reset_settings

    for name, value in values.items():
        monkeypatch.setenv(name, value)
    reset_settings()


def _refused_without_writes(aws: Aws, request: Callable[[], Any], status: int, code: str) -> Any:
    before = table_state(aws)
    response = request()
    assert response.status_code == status, response.body
    assert code_of(response) == code
    assert table_state(aws) == before
    return response


def _pay(client: Any, buyer: User, order_id: str) -> None:
    form = start_payment(client, buyer, order_id)["form_fields"]
    assert post_jazzcash(client, jazzcash_return(form, salt=BASE_ENV["JAZZCASH_INTEGRITY_SALT"])).status_code == 200


def _sweep(client: Any) -> dict[str, Any]:
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=["arn:aws:events:ap-south-1:123456789012:rule/sweep"])
    return dict(client.lambda_.invoke("sweep_expired_orders", event).payload)


def _audit(client: Any, ops: User, order_id: str) -> list[dict[str, Any]]:
    response = call(client, "GET", f"/ops/audit?target_id={order_id}", ops)
    assert response.status_code == 200, response.body
    return list(body_of(response)["items"])


# --- limits ------------------------------------------------------------------------------------------


def test_open_orders_past_the_limit_are_refused_with_details_and_write_nothing(client, aws, shop, monkeypatch):
    _limits(monkeypatch, MAX_OPEN_ORDERS="2")
    first = placed(client, shop.buyer, make_order((shop.a1, 1)))
    placed(client, shop.buyer, make_order((shop.b1, 1), payment_method="cod"))

    refused = _refused_without_writes(aws, lambda: place(client, shop.buyer, make_order((shop.a1, 1))),
                                      409, "LIMIT_REACHED")

    assert body_of(refused)["error"]["details"] == [{"limit": "max_open_orders", "max": 2, "held": 2}]
    assert call(client, "POST", f"/orders/{first['order_id']}/cancel", shop.buyer).status_code == 200
    placed(client, shop.buyer, make_order((shop.a1, 1)))  # room again
    assert placed(client, aws.user(), make_order((shop.a1, 1)))  # another buyer is not held by this one


def test_units_of_one_listing_across_open_orders_are_limited(client, aws, shop):
    placed(client, shop.buyer, make_order((shop.a1, 6), (shop.b1, 10)))

    refused = _refused_without_writes(aws, lambda: place(client, shop.buyer, make_order((shop.a1, 5), (shop.b1, 1))),
                                      409, "LIMIT_REACHED")

    details = body_of(refused)["error"]["details"]
    assert sorted(details, key=lambda d: d["listing_id"]) == sorted([
        {"limit": "max_units_per_buyer", "listing_id": shop.a1, "max": 10, "held": 6, "requested": 5},
        {"limit": "max_units_per_buyer", "listing_id": shop.b1, "max": 10, "held": 10, "requested": 1},
    ], key=lambda d: d["listing_id"])
    placed(client, shop.buyer, make_order((shop.a1, 4)))  # up to the limit exactly
    assert buyer_holdings(shop.buyer.sub) == {"open": 2, f"units#{shop.a1}": 10, f"units#{shop.b1}": 10}


def test_more_than_the_unit_limit_in_one_order_is_refused_before_anything_is_written(client, aws, shop):
    refused = _refused_without_writes(aws, lambda: place(client, shop.buyer, make_order((shop.a1, 11))),
                                      409, "LIMIT_REACHED")
    assert body_of(refused)["error"]["details"] == [
        {"limit": "max_units_per_buyer", "listing_id": shop.a1, "max": 10, "held": 0, "requested": 11}]


def test_a_replay_with_the_same_key_counts_once_even_at_the_limit(client, aws, shop, monkeypatch):
    _limits(monkeypatch, MAX_OPEN_ORDERS="1")
    body = make_order((shop.a1, 3))
    first = place(client, shop.buyer, body, key="same-key")
    assert first.status_code == 201

    again = place(client, shop.buyer, body, key="same-key")

    assert again.status_code == 200
    assert body_of(again)["order_id"] == body_of(first)["order_id"]
    assert buyer_holdings(shop.buyer.sub) == {"open": 1, f"units#{shop.a1}": 3}


def _listing(aws: Aws, listing_id: str) -> dict[str, Any]:
    table = boto3.resource("dynamodb", region_name=REGION).Table(aws.env["TABLE_LISTINGS"])
    return dict(table.get_item(Key={"listing_id": listing_id}, ConsistentRead=True)["Item"])


def test_the_limit_holds_on_the_hot_path(client, aws, shop, monkeypatch):
    """A hot listing's orders take their counts in `begin`'s transaction (store/hot.py); test_hot_listings shows
    an abandoned one giving them back."""
    _limits(monkeypatch, MAX_OPEN_ORDERS="1")
    until = rfc3339(utc_now() + timedelta(minutes=15))
    boto3.resource("dynamodb", region_name=REGION).Table(aws.env["TABLE_LISTINGS"]).update_item(
        Key={"listing_id": shop.a1}, UpdateExpression="SET hot_until = :u", ExpressionAttributeValues={":u": until})
    placed(client, shop.buyer, make_order((shop.a1, 2)))

    refused = place(client, shop.buyer, make_order((shop.a1, 1)))

    assert (refused.status_code, code_of(refused)) == (409, "LIMIT_REACHED")
    assert stock_of(client, shop.a1, shop.artisan_a) == 28
    assert buyer_holdings(shop.buyer.sub) == {"open": 1, f"units#{shop.a1}": 2}
    assert not [name for name in _listing(aws, shop.a1) if name.startswith("hold_")]  # the refusal held nothing


# --- the counters come back when an order leaves "open" ------------------------------------------------


def _zeroed(*listings: str) -> dict[str, int]:
    return {"open": 0, **{f"units#{listing}": 0 for listing in listings}}


def test_paying_gives_the_counts_back(client, shop):
    order = placed(client, shop.buyer, make_order((shop.a1, 2)))
    _pay(client, shop.buyer, order["order_id"])
    assert order_of(client, order["order_id"], shop.buyer)["status"] == "paid"
    assert buyer_holdings(shop.buyer.sub) == _zeroed(shop.a1)


def test_shipping_a_cash_on_delivery_order_gives_the_counts_back_once(client, shop):
    order = placed(client, shop.buyer, make_order((shop.a1, 2), (shop.b1, 1), payment_method="cod"))
    assert call(client, "POST", f"/orders/{order['order_id']}/shipments", shop.artisan_a, SHIPMENT).status_code == 200
    assert buyer_holdings(shop.buyer.sub) == _zeroed(shop.a1, shop.b1)
    shipped = call(client, "POST", f"/orders/{order['order_id']}/shipments", shop.artisan_b, SHIPMENT)
    assert body_of(shipped)["status"] == "shipped"
    assert buyer_holdings(shop.buyer.sub) == _zeroed(shop.a1, shop.b1)  # not twice


def test_cancelling_gives_the_counts_back_once(client, shop):
    order = placed(client, shop.buyer, make_order((shop.a1, 4)))
    assert call(client, "POST", f"/orders/{order['order_id']}/cancel", shop.buyer).status_code == 200
    assert call(client, "POST", f"/orders/{order['order_id']}/cancel", shop.buyer).status_code == 409
    assert buyer_holdings(shop.buyer.sub) == _zeroed(shop.a1)


def test_expiring_gives_the_counts_back(client, shop, monkeypatch):
    _limits(monkeypatch, RESERVATION_MINUTES="0.00005")
    order = placed(client, shop.buyer, make_order((shop.a1, 3)))
    time.sleep(0.01)
    assert _sweep(client)["expired"] == 1
    assert order_of(client, order["order_id"], shop.buyer)["status"] == "expired"
    assert buyer_holdings(shop.buyer.sub) == _zeroed(shop.a1)


# --- an artisan declines a cash-on-delivery order ------------------------------------------------------


def test_an_artisan_declines_a_confirmed_cod_order_stock_and_counts_come_back(client, aws, shop):
    order = placed(client, shop.buyer, make_order((shop.a1, 2), (shop.b1, 3), payment_method="cod"))
    path = f"/orders/{order['order_id']}/rejection"

    response = call(client, "POST", path, shop.artisan_b, {"reason": "Out of blue glaze this month"})

    assert response.status_code == 200, response.body
    declined = body_of(response)
    assert (declined["status"], declined["cancelled_by"], declined["cancel_reason"]) == (
        "cancelled", "artisan", "Out of blue glaze this month")
    assert (stock_of(client, shop.a1, shop.artisan_a), stock_of(client, shop.b1, shop.artisan_b)) == (30, 30)
    assert buyer_holdings(shop.buyer.sub) == _zeroed(shop.a1, shop.b1)
    assert order_of(client, order["order_id"], shop.buyer)["cancel_reason"] == "Out of blue glaze this month"
    [entry] = _audit(client, shop.ops, order["order_id"])
    assert (entry["action"], entry["actor_id"], entry["details"]["reason"]) == (
        "order.rejected", shop.artisan_b.sub, "Out of blue glaze this month")
    _refused_without_writes(aws, lambda: call(client, "POST", path, shop.artisan_a, {"reason": "again"}),
                            409, "INVALID_STATE")


def test_declining_is_refused_to_others_and_outside_confirmed_unshipped(client, aws, shop):
    cod = placed(client, shop.buyer, make_order((shop.a1, 1), payment_method="cod"))
    unpaid = placed(client, shop.buyer, make_order((shop.a1, 1)))
    reason = {"reason": "no"}
    path = f"/orders/{cod['order_id']}/rejection"

    _refused_without_writes(aws, lambda: call(client, "POST", path, shop.artisan_b, reason), 404, "NOT_FOUND")
    _refused_without_writes(aws, lambda: call(client, "POST", path, shop.buyer, reason), 403, "FORBIDDEN")
    _refused_without_writes(aws, lambda: call(client, "POST", path, None, reason), 401, "UNAUTHENTICATED")
    _refused_without_writes(aws, lambda: call(client, "POST", "/orders/ONOPE/rejection", shop.artisan_a, reason),
                            404, "NOT_FOUND")
    _refused_without_writes(aws, lambda: call(client, "POST", path, shop.artisan_a, {"reason": ""}),
                            400, "VALIDATION_ERROR")
    _refused_without_writes(aws, lambda: call(client, "POST", f"/orders/{unpaid['order_id']}/rejection",
                                              shop.artisan_a, reason), 409, "INVALID_STATE")
    assert call(client, "POST", f"/orders/{cod['order_id']}/shipments", shop.artisan_a, SHIPMENT).status_code == 200
    _refused_without_writes(aws, lambda: call(client, "POST", path, shop.artisan_a, reason), 409, "INVALID_STATE")


# --- ops cancel ----------------------------------------------------------------------------------------


def test_ops_cancel_an_unpaid_order_with_its_audit_entry(client, aws, shop):
    order = placed(client, shop.buyer, make_order((shop.a1, 2)))

    response = call(client, "POST", f"/ops/orders/{order['order_id']}/cancel", shop.ops, {"reason": "Fraud check"})

    assert response.status_code == 200, response.body
    assert (body_of(response)["status"], body_of(response)["cancelled_by"]) == ("cancelled", "ops")
    assert stock_of(client, shop.a1, shop.artisan_a) == 30
    assert buyer_holdings(shop.buyer.sub) == _zeroed(shop.a1)
    [entry] = _audit(client, shop.ops, order["order_id"])
    assert (entry["action"], entry["actor_id"], entry["details"]) == (
        "order.cancelled", shop.ops.sub, {"reason": "Fraud check", "refunded": False})
    _refused_without_writes(aws, lambda: call(client, "POST", f"/ops/orders/{order['order_id']}/cancel", shop.ops,
                                              {"reason": "again"}), 409, "INVALID_STATE")


def test_ops_cancel_a_partly_shipped_cod_order_restocks_only_what_did_not_ship(client, shop):
    order = placed(client, shop.buyer, make_order((shop.a1, 2), (shop.b1, 3), payment_method="cod"))
    assert call(client, "POST", f"/orders/{order['order_id']}/shipments", shop.artisan_a, SHIPMENT).status_code == 200

    response = call(client, "POST", f"/ops/orders/{order['order_id']}/cancel", shop.ops, {"reason": "Lost"})

    assert body_of(response)["status"] == "cancelled"
    assert (stock_of(client, shop.a1, shop.artisan_a), stock_of(client, shop.b1, shop.artisan_b)) == (28, 30)


def test_ops_cancel_is_for_ops_and_undelivered_orders_only(client, aws, shop):
    order = placed(client, shop.buyer, make_order((shop.a1, 1), payment_method="cod"))
    path = f"/ops/orders/{order['order_id']}/cancel"
    reason = {"reason": "r"}
    for user, status, code in ((shop.buyer, 403, "FORBIDDEN"), (shop.artisan_a, 403, "FORBIDDEN"),
                               (None, 401, "UNAUTHENTICATED")):
        _refused_without_writes(aws, lambda user=user: call(client, "POST", path, user, reason), status, code)
    _refused_without_writes(aws, lambda: call(client, "POST", "/ops/orders/ONOPE/cancel", shop.ops, reason),
                            404, "NOT_FOUND")
    _refused_without_writes(aws, lambda: call(client, "POST", path, shop.ops, {"reason": "r", "extra": 1}),
                            400, "VALIDATION_ERROR")
    assert call(client, "POST", f"/orders/{order['order_id']}/shipments", shop.artisan_a, SHIPMENT).status_code == 200
    assert call(client, "POST", f"/ops/orders/{order['order_id']}/delivered", shop.ops).status_code == 200
    _refused_without_writes(aws, lambda: call(client, "POST", path, shop.ops, reason), 409, "INVALID_STATE")


# --- the sweep drains every due reservation ------------------------------------------------------------


def test_one_sweep_expires_more_than_a_page_of_due_orders(client, aws, shop, monkeypatch):
    _limits(monkeypatch, RESERVATION_MINUTES="0.00005", MAX_OPEN_ORDERS="1000", MAX_UNITS_PER_BUYER="1000")
    artisan = shop.artisan_a
    listing = active_listing(client, artisan, stock=500, title="A stack of ajrak scarves")["listing_id"]
    due = 130  # more than the sweep's page of 100
    for _ in range(due):
        placed(client, shop.buyer, make_order((listing, 1)))
    assert stock_of(client, listing, artisan) == 500 - due
    time.sleep(0.01)

    assert _sweep(client)["expired"] == due

    assert stock_of(client, listing, artisan) == 500
    assert buyer_holdings(shop.buyer.sub) == _zeroed(listing)
    assert _sweep(client)["expired"] == 0

"""Hot listings (a flash sale): stock taken by a single-item write outside the order's transaction.

Through the real app on moto in-process. A listing is made hot the way the app makes it hot (its
`hot_until` mark, written here as the conflict path writes it); the crash repair is driven through
the scheduled sweep, as on AWS.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.ids import new_id, rfc3339, utc_now
from chalicelib.store import hot
from chalicelib.store.records import BuyerLimits, IdempotencyRecord, Order
from chalicelib.wiring import get_settings
from harness.aws import Aws, User
from harness.environment import REGION
from harness.factories import active_listing, make_order, order_of, place, stock_of, verified_artisan
from harness.http import body_of, code_of
from harness.stored import buyer_holdings, table_state


@dataclass
class Sale:
    artisan: User
    buyer: User
    listing_id: str
    cold_id: str


def _listing_item(aws: Aws, listing_id: str) -> dict[str, Any]:
    table = boto3.resource("dynamodb", region_name=REGION).Table(aws.env["TABLE_LISTINGS"])
    return dict(table.get_item(Key={"listing_id": listing_id}, ConsistentRead=True)["Item"])


def _make_hot(aws: Aws, listing_id: str) -> None:
    table = boto3.resource("dynamodb", region_name=REGION).Table(aws.env["TABLE_LISTINGS"])
    until = rfc3339(utc_now() + timedelta(minutes=15))
    table.update_item(Key={"listing_id": listing_id}, UpdateExpression="SET hot_until = :u",
                      ExpressionAttributeValues={":u": until})


def _holds(aws: Aws, listing_id: str) -> list[str]:
    return sorted(name for name in _listing_item(aws, listing_id) if name.startswith("hold_"))


@pytest.fixture
def sale(client: Any, aws: Aws) -> Sale:
    artisan = verified_artisan(client, aws)
    listing = active_listing(client, artisan, stock=3)
    cold = active_listing(client, artisan, stock=5, title="An everyday cushion cover")
    _make_hot(aws, listing["listing_id"])
    return Sale(artisan=artisan, buyer=aws.user(), listing_id=listing["listing_id"], cold_id=cold["listing_id"])


def _sweep(client: Any) -> dict[str, Any]:
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                             resources=["arn:aws:events:ap-south-1:123456789012:rule/sweep"])
    return dict(client.lambda_.invoke("sweep_expired_orders", event).payload)


def test_a_hot_listing_sells_with_a_single_item_write_and_leaves_nothing_held(client, aws, sale):
    response = place(client, sale.buyer, make_order((sale.listing_id, 2), (sale.cold_id, 1)))
    assert response.status_code == 201, response.body
    order = body_of(response)
    assert stock_of(client, sale.listing_id, sale.artisan) == 1
    assert stock_of(client, sale.cold_id, sale.artisan) == 4  # the cold line reserved in the order's transaction
    assert _holds(aws, sale.listing_id) == []
    assert order_of(client, order["order_id"], sale.buyer)["status"] == "pending_payment"
    lines = body_of(client.http.get("/artisans/me/orders", headers=sale.artisan.auth))["items"]
    assert [line["order_id"] for line in lines] == [order["order_id"]]  # the artisan's copy exists
    assert _sweep(client) == {"expired": 0, "repaired": 0}  # nothing of a finished order is repaired


def test_the_hot_path_is_idempotent(client, aws, sale):
    body = make_order((sale.listing_id, 1))
    first = place(client, sale.buyer, body, key="hot-key")
    again = place(client, sale.buyer, body, key="hot-key")
    assert (first.status_code, again.status_code) == (201, 200)
    assert body_of(first)["order_id"] == body_of(again)["order_id"]
    assert stock_of(client, sale.listing_id, sale.artisan) == 2


def test_a_sold_out_hot_listing_is_409_and_the_refusal_leaves_nothing(client, aws, sale):
    assert place(client, sale.buyer, make_order((sale.listing_id, 3))).status_code == 201
    before = table_state(aws)
    body = make_order((sale.listing_id, 1), (sale.cold_id, 1))
    refused = place(client, sale.buyer, body, key="too-late")
    assert refused.status_code == 409, refused.body
    assert code_of(refused) == "OUT_OF_STOCK"
    assert body_of(refused)["error"]["details"] == [{"listing_id": sale.listing_id, "available": 0}]
    assert table_state(aws) == before  # no order, no key, no hold, no stock moved
    retried = place(client, sale.buyer, body, key="too-late")
    assert retried.status_code == 409  # the key was given back with the refusal: no phantom order


def test_a_cold_line_short_after_the_hot_one_was_taken_gives_the_hot_units_back(client, aws, sale):
    before = table_state(aws)
    refused = place(client, sale.buyer, make_order((sale.listing_id, 1), (sale.cold_id, 6)))
    assert refused.status_code == 409, refused.body
    assert body_of(refused)["error"]["details"] == [{"listing_id": sale.cold_id, "available": 5}]
    assert table_state(aws) == before


def test_a_reservation_tells_how_many_orders_hold_the_listing_so_a_contended_hold_is_cleared_first(
        client, aws, sale):
    get_settings()
    key = (sale.listing_id, None)
    assert hot.reserve(key, "O-first", 1) == 1
    assert hot.reserve(key, "O-second", 1) == 2  # contended: the second order clears its hold before others reserve
    assert hot.release(key, "O-first") and hot.release(key, "O-second")
    assert _holds(aws, sale.listing_id) == []
    assert stock_of(client, sale.listing_id, sale.artisan) == 3


def test_the_sweep_gives_back_what_a_crashed_request_left_reserved_exactly_once(client, aws, sale):
    """A request that died between taking the units and writing the order (store/hot.py, steps 1-2)."""
    get_settings()
    now = utc_now()
    order = Order(order_id=new_id("O"), buyer_id=sale.buyer.sub, status="pending_payment",
                  lines=[{"listing_id": sale.listing_id, "artisan_id": sale.artisan.sub, "title": "t", "quantity": 2,
                          "unit_price": 250000, "line_total": 500000, "fulfilment": "pending", "carrier": None,
                          "tracking_number": None}],
                  subtotal=500000, shipping=25000, total=525000, charge_amount=525000, charge_currency="PKR",
                  fx_rate="1", payment_method="card", shipping_address={"country": "PK"},
                  created_at=rfc3339(now), updated_at=rfc3339(now), expires_at=rfc3339(now + timedelta(minutes=30)),
                  limits_counted=True)
    key = f"{sale.buyer.sub}#crashed"
    hot.begin(order, IdempotencyRecord(key=key, request_hash="h", order_id=order.order_id, expires_at_epoch=1),
              reserving_until=rfc3339(now - timedelta(seconds=1)),  # already past its repair time
              buyer_limits=BuyerLimits(max_open_orders=5, max_units_per_buyer=10))
    counted = {"open": 1, f"units#{sale.listing_id}": 2}
    assert buyer_holdings(sale.buyer.sub) == counted
    assert hot.reserve((sale.listing_id, None), order.order_id, 2) == 1  # holds on the listing: this one
    assert stock_of(client, sale.listing_id, sale.artisan) == 1
    assert _holds(aws, sale.listing_id) == [f"hold_{order.order_id}"]

    assert _sweep(client)["repaired"] == 1
    assert stock_of(client, sale.listing_id, sale.artisan) == 3
    assert _holds(aws, sale.listing_id) == []
    assert order_of_missing(client, order.order_id, sale.buyer)
    assert buyer_holdings(sale.buyer.sub) == dict.fromkeys(counted, 0)  # the buyer's counts came back
    assert _sweep(client)["repaired"] == 0
    assert hot.abandon(order.order_id) == []  # a second undo gives nothing back
    assert stock_of(client, sale.listing_id, sale.artisan) == 3
    assert buyer_holdings(sale.buyer.sub) == dict.fromkeys(counted, 0)  # ... and takes nothing back twice


def order_of_missing(client: Any, order_id: str, buyer: User) -> bool:
    return client.http.get(f"/orders/{order_id}", headers=buyer.auth).status_code == 404

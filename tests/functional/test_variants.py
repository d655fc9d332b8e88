"""Listing variants (API.md "Finding and choosing"): options, per-variant price, stock and SKU; orders reserve
per variant; every path that gives stock back gives it to the variant. Through the real app on moto in-process.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from harness.aws import Aws, User
from harness.environment import BASE_ENV
from harness.factories import active_listing, make_order, order_of, place, placed, start_payment, verified_artisan
from harness.gateways import jazzcash_return, post_jazzcash
from harness.http import body_of, call, code_of
from harness.stored import buyer_holdings, table_state
from tests.functional.test_refunds import Sandbox, sandbox  # noqa: F401 (the fixture: JazzCash refunds)

SIZES = ["8", "9"]
COLOURS = ["red", "black"]
OPTIONS = [{"name": "Size", "name_ur": "سائز", "values": SIZES},
           {"name": "Colour", "name_ur": "رنگ", "values": COLOURS}]
PRICE = {"amount": 250000, "currency": "PKR"}


def grid(stock: int = 3, **overrides: dict[str, Any]) -> list[dict[str, Any]]:
    """A variant per size x colour; `overrides` by name like s9_red."""
    return [{"options": {"Size": size, "Colour": colour}, "stock": stock, **overrides.get(f"s{size}_{colour}", {})}
            for size in SIZES for colour in COLOURS]


def variant_id(listing: dict[str, Any], size: str, colour: str) -> str:
    return next(v["variant_id"] for v in listing["variants"] if v["options"] == {"Size": size, "Colour": colour})


def stocks(client: Any, listing_id: str, owner: User) -> dict[str, int]:
    listing = body_of(call(client, "GET", f"/listings/{listing_id}", owner))
    return {f"{v['options']['Size']}/{v['options']['Colour']}": v["stock"] for v in listing["variants"]}


@dataclass
class Shop:
    artisan: User
    buyer: User
    ops: User
    khussa: dict[str, Any]

    def vid(self, size: str, colour: str) -> str:
        return variant_id(self.khussa, size, colour)


@pytest.fixture
def shop(client: Any, aws: Aws) -> Shop:
    artisan = verified_artisan(client, aws, craft="leather")
    khussa = active_listing(client, artisan, title="Khussa, hand-stitched", stock=None, price=PRICE,
                            options=OPTIONS, variants=grid(s9_red={"stock": 1, "price": {"amount": 300000,
                                                                                         "currency": "PKR"},
                                                                   "sku": "KH-9-RED"}))
    return Shop(artisan=artisan, buyer=aws.user(), ops=aws.user("ops"), khussa=khussa)


def _line(shop: Shop, size: str, colour: str, quantity: int = 1) -> dict[str, Any]:
    return {"listing_id": shop.khussa["listing_id"], "variant_id": shop.vid(size, colour), "quantity": quantity}


def _order(shop: Shop, *lines: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {**make_order(**overrides), "items": list(lines)}


def _refused_without_writes(aws: Aws, request: Callable[[], Any], status: int, code: str) -> Any:
    before = table_state(aws)
    response = request()
    assert response.status_code == status, response.body
    assert code_of(response) == code
    assert table_state(aws) == before
    return body_of(response)


# --- the listing --------------------------------------------------------------------------------


def test_a_listing_with_options_shows_its_variants_the_lowest_price_and_the_summed_stock(client, shop):
    khussa = shop.khussa
    assert khussa["options"] == OPTIONS
    assert [v["options"] for v in khussa["variants"]] == [
        {"Size": "8", "Colour": "red"}, {"Size": "8", "Colour": "black"},
        {"Size": "9", "Colour": "red"}, {"Size": "9", "Colour": "black"}]
    nine_red = next(v for v in khussa["variants"] if v["variant_id"] == shop.vid("9", "red"))
    assert nine_red == {"variant_id": shop.vid("9", "red"), "options": {"Size": "9", "Colour": "red"},
                        "price": {"amount": 300000, "currency": "PKR"}, "stock": 1, "sku": "KH-9-RED"}
    assert khussa["stock"] == 10 and khussa["price"] == PRICE  # 3 + 3 + 1 + 3; "from" the lowest
    public = body_of(call(client, "GET", f"/listings/{khussa['listing_id']}?currency=USD", None))
    assert all(v["display_price"]["currency"] == "USD" for v in public["variants"])
    browsed = body_of(call(client, "GET", "/listings?sort=price_asc", None))["items"]
    assert [item["price"] for item in browsed if item["listing_id"] == khussa["listing_id"]] == [PRICE]


@pytest.mark.parametrize(("body", "field"), [
    ({"stock": 5}, "body"),  # read-only with options
    ({"variants": [{"options": {"Size": "10", "Colour": "red"}, "stock": 1}]}, "variants[0].options"),
    ({"variants": [{"options": {"Size": "8"}, "stock": 1}]}, "variants[0].options"),
    ({"variants": grid() + [{"options": {"Size": "8", "Colour": "red"}, "stock": 1}]}, "variants[4].options"),
    ({"variants": [{"options": {"Size": "8", "Colour": "red"}, "stock": 1, "sku": "A"},
                   {"options": {"Size": "9", "Colour": "red"}, "stock": 1, "sku": "A"}]}, "variants[1].sku"),
    ({"variants": [{"options": {"Size": "8", "Colour": "red"}, "stock": 1,
                    "price": {"amount": 100, "currency": "USD"}}]}, "variants[0].price.currency"),
    ({"variants": []}, "variants"),
    ({"options": [*OPTIONS, {"name": "Width", "values": ["a"]}, {"name": "Sole", "values": ["b"]}],
      "variants": []}, "options"),
])
def test_invalid_variants_are_a_400_naming_the_field_and_create_nothing(client, aws, shop, body, field):
    from harness.factories import make_listing

    create = {**make_listing(), "stock": None, "options": OPTIONS, "variants": grid(), **body}
    if "stock" in body:
        create.pop("options")
        create["options"] = OPTIONS
    error = _refused_without_writes(aws, lambda: call(client, "POST", "/listings", shop.artisan, create),
                                    400, "VALIDATION_ERROR")
    assert any(detail["field"].startswith(field) for detail in error["error"]["details"]), error


def test_stock_is_read_only_and_an_edit_keeps_each_variants_id(client, aws, shop):
    path = f"/listings/{shop.khussa['listing_id']}"
    _refused_without_writes(aws, lambda: call(client, "PATCH", path, shop.artisan, {"stock": 4}), 400,
                            "VALIDATION_ERROR")
    edited = grid(stock=5)
    edited[0] = {**edited[0], "variant_id": shop.vid("8", "red"), "stock": 7}

    response = call(client, "PATCH", path, shop.artisan, {"variants": edited})

    assert response.status_code == 200, response.body
    listing = body_of(response)
    assert {v["variant_id"] for v in listing["variants"]} == {v["variant_id"] for v in shop.khussa["variants"]}
    assert stocks(client, shop.khussa["listing_id"], shop.artisan) == {"8/red": 7, "8/black": 5, "9/red": 5,
                                                                      "9/black": 5}
    assert listing["stock"] == 22 and listing["version"] == shop.khussa["version"] + 1
    unknown = [{**grid()[0], "variant_id": "VNOPE"}]
    _refused_without_writes(aws, lambda: call(client, "PATCH", path, shop.artisan, {"variants": unknown}), 400,
                            "VALIDATION_ERROR")


def test_a_variant_taken_off_is_unavailable_and_its_in_flight_stock_still_comes_back(client, shop):
    order = placed(client, shop.buyer, _order(shop, _line(shop, "9", "black", 2)))
    fewer = [v for v in grid() if v["options"] != {"Size": "9", "Colour": "black"}]
    path = f"/listings/{shop.khussa['listing_id']}"
    assert call(client, "PATCH", path, shop.artisan, {"variants": fewer}).status_code == 200

    refused = place(client, shop.buyer, _order(shop, _line(shop, "9", "black")))
    assert refused.status_code == 409 and code_of(refused) == "LISTING_UNAVAILABLE"
    assert body_of(refused)["error"]["details"] == [{"listing_id": shop.khussa["listing_id"],
                                                     "variant_id": shop.vid("9", "black")}]
    assert call(client, "POST", f"/orders/{order['order_id']}/cancel", shop.buyer).status_code == 200
    back = call(client, "PATCH", path, shop.artisan, {"variants": grid(stock=4)})
    assert variant_id(body_of(back), "9", "black") == shop.vid("9", "black")  # the same id comes back


def test_options_come_off_with_a_stock_and_go_on_again(client, shop):
    path = f"/listings/{shop.khussa['listing_id']}"
    off = call(client, "PATCH", path, shop.artisan, {"options": [], "variants": [], "stock": 6})
    assert off.status_code == 200, off.body
    assert (body_of(off)["options"], body_of(off)["variants"], body_of(off)["stock"]) == ([], [], 6)
    plain = place(client, shop.buyer, make_order((shop.khussa["listing_id"], 1)))
    assert plain.status_code == 201, plain.body
    on = call(client, "PATCH", path, shop.artisan, {"options": OPTIONS, "variants": grid(stock=2)})
    assert on.status_code == 200 and body_of(on)["stock"] == 8


# --- orders -------------------------------------------------------------------------------------


def test_an_order_reserves_one_variant_at_its_price_and_records_the_choice(client, aws, shop):
    order = placed(client, shop.buyer, _order(shop, _line(shop, "9", "red"), _line(shop, "8", "black", 2)))

    lines = {line["variant_id"]: line for line in order["items"]}
    nine_red, eight_black = lines[shop.vid("9", "red")], lines[shop.vid("8", "black")]
    assert nine_red["options"] == {"Size": "9", "Colour": "red"}
    assert (nine_red["unit_price"]["amount"], eight_black["unit_price"]["amount"]) == (300000, 250000)
    assert order["subtotal"]["amount"] == 300000 + 2 * 250000
    assert stocks(client, shop.khussa["listing_id"], shop.artisan) == {"8/red": 3, "8/black": 1, "9/red": 0,
                                                                      "9/black": 3}
    copy = body_of(call(client, "GET", "/artisans/me/orders", shop.artisan))["items"][0]
    assert {line["variant_id"]: line["options"] for line in copy["items"]} == {
        shop.vid("9", "red"): {"Size": "9", "Colour": "red"}, shop.vid("8", "black"): {"Size": "8", "Colour": "black"}}
    assert buyer_holdings(shop.buyer.sub)[f"units#{shop.khussa['listing_id']}#{shop.vid('9', 'red')}"] == 1


def test_an_order_without_a_variant_of_a_listing_with_variants_is_a_400(client, aws, shop):
    body = make_order((shop.khussa["listing_id"], 1))
    error = _refused_without_writes(aws, lambda: place(client, shop.buyer, body), 400, "VALIDATION_ERROR")
    assert error["error"]["details"][0]["field"] == "items[0].variant_id"
    plain = active_listing(client, shop.artisan, stock=4)
    wrong = make_order()
    wrong["items"] = [{"listing_id": plain["listing_id"], "variant_id": shop.vid("8", "red"), "quantity": 1}]
    _refused_without_writes(aws, lambda: place(client, shop.buyer, wrong), 400, "VALIDATION_ERROR")


def test_out_of_stock_names_the_variant_and_writes_nothing(client, aws, shop):
    error = _refused_without_writes(
        aws, lambda: place(client, shop.buyer, _order(shop, _line(shop, "9", "red", 2), _line(shop, "8", "red"))),
        409, "OUT_OF_STOCK")
    assert error["error"]["details"] == [{"listing_id": shop.khussa["listing_id"], "variant_id": shop.vid("9", "red"),
                                          "available": 1}]


def test_the_last_of_a_variant_sells_once_and_its_neighbours_are_untouched(client, shop, aws):
    assert place(client, shop.buyer, _order(shop, _line(shop, "9", "red"))).status_code == 201
    second = place(client, aws.user(), _order(shop, _line(shop, "9", "red")))
    assert second.status_code == 409 and body_of(second)["error"]["details"][0]["available"] == 0
    assert stocks(client, shop.khussa["listing_id"], shop.artisan) == {"8/red": 3, "8/black": 3, "9/red": 0,
                                                                      "9/black": 3}


def test_the_unit_limit_is_per_variant(client, aws, shop):
    edited = grid(stock=20)
    assert call(client, "PATCH", f"/listings/{shop.khussa['listing_id']}", shop.artisan,
                {"variants": edited}).status_code == 200
    assert place(client, shop.buyer, _order(shop, _line(shop, "8", "red", 10))).status_code == 201
    error = _refused_without_writes(aws, lambda: place(client, shop.buyer, _order(shop, _line(shop, "8", "red"))),
                                    409, "LIMIT_REACHED")
    assert error["error"]["details"][0]["variant_id"] == shop.vid("8", "red")
    assert place(client, shop.buyer, _order(shop, _line(shop, "8", "black", 10))).status_code == 201


# --- every path that gives stock back gives it to the variant ------------------------------------

FULL = {"8/red": 3, "8/black": 3, "9/red": 1, "9/black": 3}


def _take(client: Any, shop: Shop, **overrides: Any) -> dict[str, Any]:
    order = placed(client, shop.buyer, _order(shop, _line(shop, "9", "red"), _line(shop, "8", "black", 2),
                                              **overrides))
    assert stocks(client, shop.khussa["listing_id"], shop.artisan) == {**FULL, "9/red": 0, "8/black": 1}
    return order


def test_a_buyer_cancel_restocks_the_variants(client, shop):
    order = _take(client, shop)
    assert call(client, "POST", f"/orders/{order['order_id']}/cancel", shop.buyer).status_code == 200
    assert stocks(client, shop.khussa["listing_id"], shop.artisan) == FULL


def test_expiry_restocks_the_variants(client, shop, monkeypatch):
    from chalicelib.wiring import reset_settings

    monkeypatch.setenv("RESERVATION_MINUTES", "0.00005")
    reset_settings()
    order = _take(client, shop)
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=["arn:aws:events:ap-south-1:123456789012:rule/sweep"])
    assert client.lambda_.invoke("sweep_expired_orders", event).payload["expired"] == 1
    assert order_of(client, order["order_id"], shop.buyer)["status"] == "expired"
    assert stocks(client, shop.khussa["listing_id"], shop.artisan) == FULL


def test_an_artisan_decline_restocks_the_variants(client, shop):
    order = _take(client, shop, payment_method="cod")
    response = call(client, "POST", f"/orders/{order['order_id']}/rejection", shop.artisan, {"reason": "No thread"})
    assert response.status_code == 200, response.body
    assert stocks(client, shop.khussa["listing_id"], shop.artisan) == FULL


def test_an_ops_cancel_of_an_unpaid_order_restocks_the_variants(client, shop):
    order = _take(client, shop)
    response = call(client, "POST", f"/ops/orders/{order['order_id']}/cancel", shop.ops, {"reason": "Fraud check"})
    assert response.status_code == 200, response.body
    assert stocks(client, shop.khussa["listing_id"], shop.artisan) == FULL


def _paid(client: Any, shop: Shop, gateway: Sandbox) -> dict[str, Any]:
    order = _take(client, shop)
    form = start_payment(client, shop.buyer, order["order_id"])["form_fields"]
    gateway.control(charge={"ref": form["pp_TxnRefNo"], "amount": order["charge"]["amount"], "currency": "PKR"})
    salt = BASE_ENV["JAZZCASH_INTEGRITY_SALT"]
    assert post_jazzcash(client, jazzcash_return(form, salt=salt)).status_code == 200
    return order


def test_a_line_refund_before_shipping_restocks_that_variant_only(client, shop, sandbox):  # noqa: F811
    order = _paid(client, shop, sandbox)
    body = {"items": [{"listing_id": shop.khussa["listing_id"], "variant_id": shop.vid("8", "black"),
                       "quantity": 2}], "reason": "Wrong size"}
    response = call(client, "POST", f"/ops/orders/{order['order_id']}/refunds", shop.ops, body,
                    headers={"Idempotency-Key": "refund-variant"})
    assert response.status_code == 201, response.body
    assert body_of(response)["items"] == [{"listing_id": shop.khussa["listing_id"],
                                           "variant_id": shop.vid("8", "black"), "quantity": 2}]
    assert stocks(client, shop.khussa["listing_id"], shop.artisan) == {**FULL, "9/red": 0}
    without = {"items": [{"listing_id": shop.khussa["listing_id"], "quantity": 1}], "reason": "x"}
    refused = call(client, "POST", f"/ops/orders/{order['order_id']}/refunds", shop.ops, without,
                   headers={"Idempotency-Key": "refund-plain"})
    assert refused.status_code == 400


def test_an_ops_cancel_of_a_paid_order_refunds_and_restocks_the_variants(client, shop, sandbox):  # noqa: F811
    order = _paid(client, shop, sandbox)
    response = call(client, "POST", f"/ops/orders/{order['order_id']}/cancel", shop.ops, {"reason": "Out of leather"})
    assert response.status_code == 200, response.body
    assert body_of(response)["status"] == "cancelled"
    assert stocks(client, shop.khussa["listing_id"], shop.artisan) == FULL


def test_a_return_names_the_variant_and_its_approval_refunds_that_line(client, shop, sandbox):  # noqa: F811
    order = _paid(client, shop, sandbox)
    shipped = call(client, "POST", f"/orders/{order['order_id']}/shipments", shop.artisan,
                   {"carrier": "tcs", "tracking_number": "TCS-9"})
    assert shipped.status_code == 200
    assert call(client, "POST", f"/ops/orders/{order['order_id']}/delivered", shop.ops).status_code == 200
    item = {"listing_id": shop.khussa["listing_id"], "variant_id": shop.vid("9", "red"), "quantity": 1}
    without = call(client, "POST", f"/orders/{order['order_id']}/returns", shop.buyer,
                   {"items": [{"listing_id": shop.khussa["listing_id"], "quantity": 1}], "reason": "Too small"})
    assert without.status_code == 400

    requested = call(client, "POST", f"/orders/{order['order_id']}/returns", shop.buyer,
                     {"items": [item], "reason": "Too small"})
    assert requested.status_code == 201, requested.body
    decided = call(client, "POST", f"/ops/returns/{body_of(requested)['return_id']}/decision", shop.ops,
                   {"decision": "approved", "note": "ok"})

    assert decided.status_code == 200, decided.body
    after = order_of(client, order["order_id"], shop.buyer)
    assert {line["variant_id"]: line["refunded"] for line in after["items"]} == {
        shop.vid("9", "red"): 1, shop.vid("8", "black"): 0}
    # Delivered units go back to the artisan, who decides whether to list them again: no restock.
    assert stocks(client, shop.khussa["listing_id"], shop.artisan) == {**FULL, "9/red": 0, "8/black": 1}


def test_the_sweep_gives_an_abandoned_hot_reservation_back_to_the_variant(client, aws, shop):
    """A flash-sale request that died after taking a variant's units (store/hot.py, steps 1-2)."""
    from datetime import timedelta

    from chalicelib.ids import new_id, rfc3339, utc_now
    from chalicelib.store import hot
    from chalicelib.store.records import BuyerLimits, IdempotencyRecord, Order

    now = utc_now()
    key = (shop.khussa["listing_id"], shop.vid("8", "black"))
    order = Order(order_id=new_id("O"), buyer_id=shop.buyer.sub, status="pending_payment",
                  lines=[{"listing_id": key[0], "variant_id": key[1], "options": {"Size": "8", "Colour": "black"},
                          "artisan_id": shop.artisan.sub, "title": "t", "quantity": 2, "unit_price": 250000,
                          "line_total": 500000, "fulfilment": "pending", "carrier": None, "tracking_number": None}],
                  subtotal=500000, shipping=25000, total=525000, charge_amount=525000, charge_currency="PKR",
                  fx_rate="1", payment_method="card", shipping_address={"country": "PK"}, created_at=rfc3339(now),
                  updated_at=rfc3339(now), expires_at=rfc3339(now + timedelta(minutes=30)), limits_counted=True)
    hot.begin(order, IdempotencyRecord(key=f"{shop.buyer.sub}#crashed", request_hash="h", order_id=order.order_id,
                                       expires_at_epoch=1),
              reserving_until=rfc3339(now - timedelta(seconds=1)),
              buyer_limits=BuyerLimits(max_open_orders=5, max_units_per_buyer=10))
    hot.reserve(key, order.order_id, 2)
    assert stocks(client, shop.khussa["listing_id"], shop.artisan) == {**FULL, "8/black": 1}

    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=["arn:aws:events:ap-south-1:123456789012:rule/sweep"])
    assert client.lambda_.invoke("sweep_expired_orders", event).payload["repaired"] == 1

    assert stocks(client, shop.khussa["listing_id"], shop.artisan) == FULL
    assert hot.abandon(order.order_id) == []
    assert buyer_holdings(shop.buyer.sub)[f"units#{key[0]}#{key[1]}"] == 0

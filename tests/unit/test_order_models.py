"""The order request rules that need no I/O: item counts, quantities, currencies, cash on delivery."""
from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.orders.schemas import OrderCreate, ShipmentCreate


def make_request(**overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "items": [{"listing_id": "L1", "quantity": 1}], "currency": "PKR", "payment_method": "jazzcash",
        "shipping_address": {"name": "Ayesha", "phone": "+923001112223", "line1": "House 1", "city": "Lahore",
                             "country": "PK"}}
    request.update(overrides)
    return request


def _items(count: int, quantity: int = 1) -> list[dict[str, Any]]:
    return [{"listing_id": f"L{index}", "quantity": quantity} for index in range(count)]


def _abroad(country: str = "GB") -> dict[str, Any]:
    return {**make_request()["shipping_address"], "country": country}


@pytest.mark.parametrize("overrides", [
    {"items": _items(1)}, {"items": _items(25)}, {"items": _items(3, quantity=100)},
    {"payment_method": "cod"}, {"payment_method": "card", "currency": "SAR", "shipping_address": _abroad("SA")},
    {"payment_method": "card", "currency": "PKR", "shipping_address": _abroad()},
    {"payment_method": "jazzcash", "shipping_address": _abroad()},
])
def test_valid_requests_are_accepted(overrides):
    assert OrderCreate.model_validate(make_request(**overrides)).items


@pytest.mark.parametrize("overrides", [
    {"items": []}, {"items": _items(26)}, {"items": _items(1, quantity=0)}, {"items": _items(1, quantity=101)},
    {"items": [{"listing_id": "L1", "quantity": 1}, {"listing_id": "L1", "quantity": 1}]},
    {"items": [{"listing_id": "", "quantity": 1}]},
    {"payment_method": "cod", "shipping_address": _abroad()},
    {"payment_method": "cod", "currency": "USD"}, {"payment_method": "jazzcash", "currency": "EUR"},
    {"currency": "INR", "payment_method": "card"}, {"payment_method": "easypaisa", "currency": "USD"},
    {"payment_method": "sadapay"},
    {"shipping_address": {**_abroad(), "country": "pk"}}, {"shipping_address": {**_abroad(), "phone": "call me"}},
    {"gift_wrap": True},
])
def test_invalid_requests_are_refused(overrides):
    with pytest.raises(ValidationError):
        OrderCreate.model_validate(make_request(**overrides))


def test_a_quantity_given_as_a_float_is_refused():
    with pytest.raises(ValidationError):
        OrderCreate.model_validate(make_request(items=[{"listing_id": "L1", "quantity": 1.5}]))


@pytest.mark.parametrize("shipment", [{"carrier": "fedex", "tracking_number": "1"},
                                      {"carrier": "tcs", "tracking_number": ""},
                                      {"carrier": "tcs", "tracking_number": "x" * 41}])
def test_invalid_shipments_are_refused(shipment):
    with pytest.raises(ValidationError):
        ShipmentCreate.model_validate(shipment)

"""The shipping rate table of chalicelib/shipping.py: each artisan's parcel, priced per started 500 g."""
from __future__ import annotations

import pytest

from chalicelib.orders.shipping import order_shipping, shipment_cost


@pytest.mark.parametrize(("grams", "paisa"), [(1, 25_000), (500, 25_000), (501, 35_000), (1_000, 35_000),
                                              (1_001, 45_000), (100_000, 25_000 + 199 * 10_000)])
def test_domestic_parcels_cost_rs_250_then_rs_100_per_further_500_g(grams, paisa):
    assert shipment_cost(grams, "PK") == paisa


@pytest.mark.parametrize(("grams", "paisa"), [(1, 450_000), (500, 450_000), (501, 600_000), (1_500, 750_000)])
def test_international_parcels_cost_rs_4500_then_rs_1500_per_further_500_g(grams, paisa):
    assert shipment_cost(grams, "GB") == paisa
    assert shipment_cost(grams, "AE") == paisa


def test_every_country_but_pakistan_is_international():
    assert shipment_cost(400, "PK") != shipment_cost(400, "IN")


def test_each_artisan_ships_separately():
    """Two 400 g parcels are two first steps, not one 800 g parcel."""
    assert order_shipping([400, 400], "PK") == 2 * 25_000
    assert order_shipping([800], "PK") == 35_000
    assert order_shipping([400, 1_200], "US") == 450_000 + 750_000


def test_an_order_with_no_parcels_ships_free():
    assert order_shipping([], "PK") == 0

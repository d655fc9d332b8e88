"""Money conversion and commission: integer minor units, decimal rates, half-up rounding."""
from __future__ import annotations

import pytest

from chalicelib.money import DEFAULT_FX_RATES, MINOR_DIGITS, apply_bps, convert, money, rupees

RATES = {"USD": "0.005", "GBP": "0.002817", "EUR": "0.003289", "AED": "0.013115", "SAR": "0.013393"}


def test_every_supported_currency_has_two_minor_digits():
    assert {code: 2 for code in ("PKR", "USD", "GBP", "EUR", "AED", "SAR")} == MINOR_DIGITS


def test_money_is_an_integer_amount_and_a_code():
    assert money(250000, "PKR") == {"amount": 250000, "currency": "PKR"}


def test_pkr_converts_to_itself_at_rate_one():
    assert convert(123457, "PKR", RATES) == (123457, "1")


@pytest.mark.parametrize(("amount", "rate", "expected"), [
    (100100, "0.005", 501),        # 500.5 rounds up (half-even would give 500)
    (100300, "0.005", 502),        # 501.5
    (100, "0.005", 1),             # 0.5
    (99, "0.005", 0),              # 0.495
    (250000, "0.003571", 893),     # 892.75
    (140, "0.003571", 0),          # 0.49994
    (280, "0.003571", 1),          # 0.99988
    (10_000_000_00, "0.003571", 3_571_000),
    (0, "0.003571", 0),
])
def test_conversion_rounds_half_up_to_minor_units(amount, rate, expected):
    assert convert(amount, "USD", {**RATES, "USD": rate}) == (expected, rate)


def test_conversion_is_exact_where_floats_are_not():
    # In floats 2500 * 0.0006 is 1.4999999999999998, which would round down.
    assert 2500 * 0.0006 < 1.5
    assert convert(2500, "USD", {**RATES, "USD": "0.0006"})[0] == 2


def test_conversion_returns_the_rate_it_used_so_orders_can_lock_it():
    assert convert(250000, "GBP", RATES)[1] == RATES["GBP"]


def test_an_unknown_currency_has_no_rate():
    with pytest.raises(KeyError):
        convert(100, "JPY", RATES)


def test_default_rates_are_positive_decimal_strings():
    assert set(DEFAULT_FX_RATES) == {"USD", "GBP", "EUR", "AED", "SAR"}
    for rate in DEFAULT_FX_RATES.values():
        assert isinstance(rate, str) and float(rate) > 0


@pytest.mark.parametrize(("amount", "bps", "expected"), [
    (250000, 500, 12500),   # 5%
    (10, 500, 1),           # 0.5 -> 1
    (9, 500, 0),            # 0.45 -> 0
    (30, 500, 2),           # 1.5 -> 2
    (50, 500, 3),           # 2.5 -> 3 (half-even would give 2)
    (123456, 0, 0),
    (123456, 10000, 123456),
    (199, 250, 5),          # 4.975 -> 5
])
def test_commission_in_basis_points_rounds_half_up(amount, bps, expected):
    assert apply_bps(amount, bps) == expected


@pytest.mark.parametrize(("paisa", "text"), [(0, "0.00"), (1, "0.01"), (5, "0.05"), (-5, "-0.05"), (100, "1.00"),
                                             (50000, "500.00"), (123457, "1234.57"), (123456789, "1234567.89"),
                                             (-250, "-2.50"), (-250000, "-2500.00"), (10**15 + 7, "10000000000000.07"),
                                             (10**20 + 1, "1000000000000000000.01")])
def test_rupees_are_exact_from_integer_paisa(paisa: int, text: str) -> None:
    assert rupees(paisa) == text


"""Fair stock's decisions on plain values: the unit limit, declining, ops cancelling, what "open" means."""
from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.errors import InvalidStateError, LimitReachedError, NotFoundError
from chalicelib.orders import rules
from chalicelib.store import limits
from chalicelib.store.records import BuyerLimits, Order

NOW = "2026-11-28T10:00:00.000000Z"
LIMITS = BuyerLimits(max_open_orders=5, max_units_per_buyer=10)


def line(listing_id: str, artisan_id: str, quantity: int, fulfilment: str = "pending") -> dict:
    return {"listing_id": listing_id, "artisan_id": artisan_id, "title": "t", "quantity": quantity,
            "unit_price": 1000, "line_total": 1000 * quantity, "fulfilment": fulfilment, "carrier": None,
            "tracking_number": None}


def order(**changes: object) -> Order:
    base = Order(order_id="O1", buyer_id="B1", status="confirmed", lines=[line("L1", "A1", 2), line("L2", "A2", 1)],
                 subtotal=3000, shipping=0, total=3000, charge_amount=3000, charge_currency="PKR", fx_rate="1",
                 payment_method="cod", shipping_address={"country": "PK"}, created_at=NOW, updated_at=NOW)
    return replace(base, **changes)  # type: ignore[arg-type]


# --- limits ------------------------------------------------------------------------------------------


def test_a_line_over_the_unit_limit_is_refused_whatever_is_held() -> None:
    assert rules.over_unit_limit({("L1", None): 10, ("L2", None): 1}, LIMITS) is None
    refused = rules.over_unit_limit({("L1", None): 11, ("L2", None): 1}, LIMITS)
    assert isinstance(refused, LimitReachedError)
    assert refused.details == [{"limit": "max_units_per_buyer", "listing_id": "L1", "max": 10, "held": 0,
                                "requested": 11}]


def test_the_refusal_names_each_limit_passed() -> None:
    refused = rules.limit_reached(LIMITS, open_orders=5, units={("L1", None): (8, 3)})
    assert refused.details == [{"limit": "max_open_orders", "max": 5, "held": 5},
                               {"limit": "max_units_per_buyer", "listing_id": "L1", "max": 10, "held": 8,
                                "requested": 3}]
    assert "5 orders" in refused.message and "10 of one item" in refused.message


@pytest.mark.parametrize(("status", "counted"), [
    ("pending_payment", True), ("confirmed", True), ("paid", False), ("partially_shipped", False),
    ("shipped", False), ("delivered", False), ("cancelled", False), ("expired", False)])
def test_an_order_is_open_while_unpaid_or_confirmed_and_unshipped(status: str, counted: bool) -> None:
    assert limits.is_open(status) is counted


# --- an artisan declines -----------------------------------------------------------------------------


def test_an_artisan_with_lines_declines_a_confirmed_order_and_all_stock_goes_back() -> None:
    change = rules.reject(order(), "A2", "No glaze")
    assert change.updates == {"status": "cancelled", "cancelled_by": "artisan", "cancel_reason": "No glaze"}
    assert change.release == [(("L1", None), 2), (("L2", None), 1)]


@pytest.mark.parametrize(("current", "artisan", "error"), [
    (None, "A1", NotFoundError),
    (order(), "A9", NotFoundError),
    (order(status="pending_payment", payment_method="card"), "A1", InvalidStateError),
    (order(status="partially_shipped", lines=[line("L1", "A1", 2, "shipped"), line("L2", "A2", 1)]), "A2",
     InvalidStateError),
    (order(status="cancelled"), "A1", InvalidStateError),
])
def test_declining_is_refused_outside_a_confirmed_unshipped_order_of_ones_own(current: Order | None, artisan: str,
                                                                              error: type[Exception]) -> None:
    with pytest.raises(error):
        rules.reject(current, artisan, "r")


# --- ops cancel ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["pending_payment", "confirmed"])
def test_ops_cancel_an_unpaid_order_releasing_all(status: str) -> None:
    change = rules.ops_cancel(order(status=status), "Fraud")
    assert change is not None
    assert change.updates == {"status": "cancelled", "cancelled_by": "ops", "cancel_reason": "Fraud"}
    assert change.release == [(("L1", None), 2), (("L2", None), 1)]


def test_ops_cancel_a_partly_shipped_cod_order_restocks_only_the_unshipped_lines() -> None:
    current = order(status="partially_shipped", lines=[line("L1", "A1", 2, "shipped"), line("L2", "A2", 1)])
    change = rules.ops_cancel(current, "Lost")
    assert change is not None and change.release == [(("L2", None), 1)]


@pytest.mark.parametrize("status", ["paid", "partially_shipped", "shipped"])
def test_a_paid_order_is_cancelled_by_refunding_it(status: str) -> None:
    assert rules.ops_cancel(order(status=status, payment_method="card"), "r") is None
    assert rules.paid_for(order(status=status, payment_method="jazzcash"))


@pytest.mark.parametrize("status", ["delivered", "cancelled", "expired"])
def test_ops_cannot_cancel_a_delivered_or_finished_order(status: str) -> None:
    with pytest.raises(InvalidStateError):
        rules.ops_cancel(order(status=status), "r")
    with pytest.raises(NotFoundError):
        rules.ops_cancel(None, "r")

"""The reviews' decisions on plain values: no emulator, no app."""
from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.auth import Identity
from chalicelib.errors import InvalidStateError, NotFoundError
from chalicelib.reviews import rules
from chalicelib.store.records import Order, Review

NOW = "2026-11-28T10:00:00.000000Z"
BUYER = Identity(user_id="B1", email=None, groups=frozenset())
OPS = Identity(user_id="OPS1", email=None, groups=frozenset({"ops"}))


def order(**changes: object) -> Order:
    line = {"listing_id": "L1", "artisan_id": "A1", "title": "t", "quantity": 1, "unit_price": 100,
            "line_total": 100, "fulfilment": "shipped", "carrier": "tcs", "tracking_number": "T1"}
    base = Order(order_id="O1", buyer_id="B1", status="delivered", lines=[line], subtotal=100, shipping=0, total=100,
                 charge_amount=100, charge_currency="PKR", fx_rate="1", payment_method="cod",
                 shipping_address={"country": "PK"}, created_at=NOW, updated_at=NOW)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_review_id_is_fixed_by_its_order_and_listing() -> None:
    first = rules.review_id("O1", "L1")
    assert first == rules.review_id("O1", "L1")
    assert len({first, rules.review_id("O1", "L2"), rules.review_id("O2", "L1"), rules.review_id("O1L", "1")}) == 4
    assert first.startswith("RV") and first[2:].isalnum() and len(first) == 22


def test_the_buyer_reviews_a_delivered_line() -> None:
    rules.reviewable(order(), BUYER, "L1")


@pytest.mark.parametrize("who, found", [(OPS, order()), (Identity("B2", None, frozenset()), order()), (BUYER, None)])
def test_anyone_but_the_buyer_finds_no_order(who: Identity, found: Order | None) -> None:
    with pytest.raises(NotFoundError):
        rules.reviewable(found, who, "L1")


@pytest.mark.parametrize("status", ["pending_payment", "paid", "confirmed", "shipped", "cancelled", "refunded"])
def test_only_a_delivered_order_is_reviewed(status: str) -> None:
    with pytest.raises(InvalidStateError):
        rules.reviewable(order(status=status), BUYER, "L1")


def test_a_listing_the_order_does_not_hold_is_not_reviewed() -> None:
    with pytest.raises(InvalidStateError):
        rules.reviewable(order(), BUYER, "L2")


def test_hiding_changes_a_visible_review_only() -> None:
    review = Review(review_id="RV1", listing_id="L1", order_id="O1", buyer_id="B1", rating=4, created_at=NOW)
    assert rules.hiding(review) is True
    assert rules.hiding(replace(review, hidden_reason="spam", hidden_at=NOW)) is False
    with pytest.raises(NotFoundError):
        rules.hiding(None)


@pytest.mark.parametrize("total, count, average", [
    (0, 0, None), (5, 1, 5.0), (13, 3, 4.3), (17, 4, 4.3), (9, 4, 2.3), (7, 2, 3.5), (14, 3, 4.7), (1, 1, 1.0),
])
def test_the_average_has_one_decimal_rounded_half_up(total: int, count: int, average: float | None) -> None:
    assert rules.rating_summary(total, count) == {"average": average, "count": count}

"""The order's decisions on plain values: no emulator, no app."""
from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.auth import Identity
from chalicelib.errors import InvalidStateError, ListingUnavailableError, NotFoundError, OutOfStockError
from chalicelib.orders import rules
from chalicelib.store.records import Listing, Order, PaymentRecord, PayoutEntry

NOW = "2026-11-28T10:00:00.000000Z"
BUYER = Identity(user_id="B1", email=None, groups=frozenset())


def listing(listing_id: str, *, artisan_id: str = "A1", price: int = 250000, stock: int = 5,
            weight: int = 400, status: str = "active") -> Listing:
    return Listing(listing_id=listing_id, artisan_id=artisan_id, province="punjab", title=f"Item {listing_id}",
                   category="pottery", price_amount=price, stock=stock, weight_grams=weight, processing_days=3,
                   status=status, version=1, created_at=NOW, updated_at=NOW)


def line(listing_id: str, artisan_id: str, quantity: int, total: int, fulfilment: str = "pending") -> dict:
    return {"listing_id": listing_id, "artisan_id": artisan_id, "title": "t", "quantity": quantity,
            "unit_price": total // quantity, "line_total": total, "fulfilment": fulfilment, "carrier": None,
            "tracking_number": None}


def order(**changes: object) -> Order:
    base = Order(order_id="O1", buyer_id="B1", status="pending_payment",
                 lines=[line("L1", "A1", 2, 200000), line("L2", "A2", 1, 99999)], subtotal=299999, shipping=0,
                 total=299999, charge_amount=299999, charge_currency="PKR", fx_rate="1", payment_method="jazzcash",
                 shipping_address={"country": "PK"}, created_at=NOW, updated_at=NOW,
                 expires_at="2026-11-28T10:30:00.000000Z")
    return replace(base, **changes)  # type: ignore[arg-type]


# --- placing ------------------------------------------------------------------------------------


def test_unavailable_listings_are_named_before_short_ones() -> None:
    listings = {"L1": listing("L1", stock=0), "L2": listing("L2", status="draft")}
    refused = rules.refusal({("L1", None): 1, ("L2", None): 1, ("L3", None): 1}, listings)
    assert isinstance(refused, ListingUnavailableError)
    assert refused.details == [{"listing_id": "L2"}, {"listing_id": "L3"}]


def test_short_listings_say_how_many_are_left() -> None:
    refused = rules.refusal({("L1", None): 3, ("L2", None): 1}, {"L1": listing("L1", stock=2), "L2": listing("L2")})
    assert isinstance(refused, OutOfStockError)
    assert refused.details == [{"listing_id": "L1", "available": 2}]
    assert rules.refusal({("L1", None): 2}, {"L1": listing("L1", stock=2)}) is None


def test_prices_and_shipping_come_from_the_listings_one_shipment_per_artisan() -> None:
    listings = {"L1": listing("L1", price=100000, weight=600), "L2": listing("L2", artisan_id="A2", price=5000)}
    priced = rules.price({("L1", None): 2, ("L2", None): 3}, listings, country="PK", currency="PKR", rates={})
    assert [(item["listing_id"], item["line_total"]) for item in priced.lines] == [("L1", 200000), ("L2", 15000)]
    # A1 ships 1,200 g (Rs 250 + 2 x Rs 100), A2 ships 1,200 g too.
    assert priced.subtotal == 215000 and priced.shipping == 2 * 45000 and priced.total == 305000
    assert (priced.charge_amount, priced.fx_rate) == (305000, "1")


def test_the_charge_converts_the_total_at_the_given_rate_half_up() -> None:
    priced = rules.price({("L1", None): 1}, {"L1": listing("L1", price=250000)}, country="GB", currency="USD",
                         rates={"USD": "0.003571"})
    assert priced.total == 250000 + 450000
    assert (priced.charge_amount, priced.fx_rate) == (2500, "0.003571")  # 700000 x 0.003571 = 2499.7


# --- moving an order -------------------------------------------------------------------------


def test_the_buyer_cancels_an_unpaid_or_cash_order_and_the_stock_goes_back() -> None:
    change = rules.cancel(order(), BUYER)
    assert change.updates == {"status": "cancelled", "cancelled_by": "buyer"}
    assert change.release == [(("L1", None), 2), (("L2", None), 1)]
    assert rules.cancel(order(status="confirmed", payment_method="cod"), BUYER).updates["status"] == "cancelled"


@pytest.mark.parametrize("status", ["paid", "shipped", "expired", "cancelled", "delivered"])
def test_a_paid_or_finished_order_cannot_be_cancelled(status: str) -> None:
    with pytest.raises(InvalidStateError):
        rules.cancel(order(status=status), BUYER)


def test_someone_elses_order_does_not_exist_for_cancelling() -> None:
    with pytest.raises(NotFoundError):
        rules.cancel(order(buyer_id="B2"), BUYER)
    with pytest.raises(NotFoundError):
        rules.cancel(None, BUYER)


def test_only_a_due_unpaid_order_expires() -> None:
    due = rules.expire(order(), "2026-11-28T10:30:00.000001Z")
    assert due is not None and due.updates == {"status": "expired"}
    assert due.release == [(("L1", None), 2), (("L2", None), 1)]
    assert rules.expire(order(), "2026-11-28T10:29:59.000000Z") is None
    assert rules.expire(order(status="paid"), "2027-01-01T00:00:00.000000Z") is None
    assert rules.expire(None, NOW) is None


def test_each_artisan_ships_their_own_lines_then_the_order_is_shipped() -> None:
    first = rules.ship(order(status="paid"), "A1", carrier="tcs", tracking_number="T1")
    assert first.updates["status"] == "partially_shipped"
    assert [item["fulfilment"] for item in first.updates["lines"]] == ["shipped", "pending"]
    halfway = order(status="partially_shipped", lines=first.updates["lines"])
    with pytest.raises(InvalidStateError):
        rules.ship(halfway, "A1", carrier="tcs", tracking_number="T1")
    done = rules.ship(halfway, "A2", carrier="dhl", tracking_number="T2")
    assert done.updates["status"] == "shipped"
    with pytest.raises(NotFoundError):
        rules.ship(order(status="paid"), "A3", carrier="tcs", tracking_number="T3")
    with pytest.raises(InvalidStateError):
        rules.ship(order(), "A1", carrier="tcs", tracking_number="T1")  # not paid yet


def test_delivery_credits_each_artisan_once_less_commission() -> None:
    change = rules.deliver(order(status="shipped"), commission_bps=500, now=NOW)
    assert change.payout_credits == {"A1": 190000, "A2": 94999}  # 5% of 99,999 is 4,999.95 -> 5,000
    # Each sale entry carries the commission taken off it, so a statement shows the gross (credit + commission).
    assert change.once == [PayoutEntry("A1", "O1", 190000, NOW, commission=10000),
                           PayoutEntry("A2", "O1", 94999, NOW, commission=5000)]
    assert change.updates == {"status": "delivered", "delivered_at": NOW}
    with pytest.raises(InvalidStateError):
        rules.deliver(order(status="paid"), commission_bps=500, now=NOW)


def test_delivering_a_cash_order_records_it_paid_once() -> None:
    change = rules.deliver(order(status="shipped", payment_method="cod"), commission_bps=0, now=NOW)
    assert change.updates == {"status": "delivered", "delivered_at": NOW, "paid_at": NOW}
    assert PaymentRecord("paid#O1", "O1", "cod", 299999, "PKR", NOW) in change.once


def test_ops_resolve_only_a_flagged_order_without_an_open_dispute() -> None:
    flagged = order(status="pending_payment", needs_review=True, review_reason="amount_or_currency_mismatch")

    change = rules.resolve_review(flagged)

    assert change.updates == {"needs_review": False, "review_reason": None}
    with pytest.raises(InvalidStateError):
        rules.resolve_review(replace(flagged, needs_review=False))
    with pytest.raises(InvalidStateError):
        rules.resolve_review(replace(flagged, disputed=True))
    with pytest.raises(NotFoundError):
        rules.resolve_review(None)

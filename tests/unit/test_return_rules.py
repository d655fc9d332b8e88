"""Returns on plain values: the window, the quantities, the decisions."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chalicelib.errors import InvalidStateError, NotFoundError
from chalicelib.returns import rules
from chalicelib.store.records import AuditEntry, Order, ReturnRecord

DELIVERED = "2026-11-01T10:00:00.000000Z"
AUDIT = AuditEntry(audit_id="AU1", at=DELIVERED, actor_id="OPS", action="return.approved", target_id="O1")


def order(**changes: Any) -> Order:
    lines = [{"listing_id": "L1", "artisan_id": "A1", "title": "t", "quantity": 3, "unit_price": 100,
              "line_total": 300, "fulfilment": "shipped"}]
    base = Order(order_id="O1", buyer_id="B1", status="delivered", lines=lines, subtotal=300, shipping=0, total=300,
                 charge_amount=300, charge_currency="PKR", fx_rate="1", payment_method="cod",
                 shipping_address={"country": "PK"}, created_at=DELIVERED, updated_at=DELIVERED,
                 delivered_at=DELIVERED)
    return replace(base, **changes)


def ask(current: Order | None, quantity: int, *, now: str = "2026-11-10T10:00:00.000000Z", buyer: str = "B1") -> Any:
    return rules.request(current, buyer_id=buyer, items={("L1", None): quantity}, reason="r", return_id="RT1",
                         return_days=14, now=now)


def test_a_request_joins_the_queue_and_the_orders_list():
    change = ask(order(), 2)

    assert change.updates["open_returns"] == 1
    assert change.updates["returns"] == [{"return_id": "RT1", "status": "requested",
                                          "items": [{"listing_id": "L1", "quantity": 2}],
                                          "created_at": "2026-11-10T10:00:00.000000Z"}]
    assert change.return_record is not None and change.return_record.status == "requested"


@pytest.mark.parametrize(("now", "allowed"), [("2026-11-15T10:00:00.000000Z", True),
                                              ("2026-11-15T10:00:00.000001Z", False)])
def test_the_window_is_return_days_from_delivery(now, allowed):
    if allowed:
        assert ask(order(), 1, now=now).updates["open_returns"] == 1
    else:
        with pytest.raises(InvalidStateError):
            ask(order(), 1, now=now)


def test_an_undelivered_order_or_someone_elses_cannot_be_returned():
    with pytest.raises(InvalidStateError):
        ask(order(status="shipped", delivered_at=None), 1)
    with pytest.raises(NotFoundError):
        ask(order(), 1, buyer="B2")
    with pytest.raises(NotFoundError):
        ask(None, 1)


def test_waiting_approved_and_refunded_units_are_not_returnable_twice():
    waiting = {"return_id": "RT0", "status": "requested", "items": [{"listing_id": "L1", "quantity": 1}],
               "created_at": DELIVERED}
    approved = dict(waiting, return_id="RT9", status="approved")
    rejected = dict(waiting, return_id="RT8", status="rejected")
    refunded_line = [dict(order().lines[0], refunded=1)]

    assert rules.returnable(order(returns=[waiting, rejected])) == {("L1", None): 2}
    assert rules.returnable(order(returns=[waiting, approved])) == {("L1", None): 1}
    # The approved return's refund recorded: its unit counts once, as refunded.
    assert rules.returnable(order(returns=[approved], lines=refunded_line)) == {("L1", None): 2}
    # A direct refund of another unit beside a waiting return.
    assert rules.returnable(order(returns=[waiting], lines=refunded_line)) == {("L1", None): 1}
    with pytest.raises(InvalidStateError) as refused:
        ask(order(returns=[waiting, approved]), 2)
    assert refused.value.details == [{"listing_id": "L1", "available": 1}]


def test_a_decision_leaves_the_queue_and_is_taken_once():
    requested = ask(order(), 2)
    record = requested.return_record
    assert record is not None
    waiting = order(open_returns=1, returns=requested.updates["returns"])

    change = rules.decide(waiting, record, decision="rejected", note="n", actor_id="OPS", audit=AUDIT,
                          now="2026-11-11T10:00:00.000000Z")

    assert change.updates["open_returns"] == 0
    assert change.updates["returns"][0]["status"] == "rejected"
    assert change.return_record is not None and change.return_record.decided_by == "OPS"
    assert change.audit == AUDIT
    decided = replace(record, status="rejected")
    with pytest.raises(InvalidStateError):
        rules.decide(waiting, decided, decision="approved", note=None, actor_id="OPS", audit=AUDIT, now=DELIVERED)
    assert rules.replayed(decided, "rejected") is True
    with pytest.raises(InvalidStateError):
        rules.replayed(decided, "approved")


def test_a_decision_on_an_unknown_return_is_not_found():
    record = ReturnRecord(return_id="RT1", order_id="O2", buyer_id="B1", items=[], reason="r", status="requested",
                          created_at=DELIVERED)
    with pytest.raises(NotFoundError):
        rules.decide(order(), record, decision="approved", note=None, actor_id="OPS", audit=AUDIT, now=DELIVERED)
    with pytest.raises(NotFoundError):
        rules.decide(order(), None, decision="approved", note=None, actor_id="OPS", audit=AUDIT, now=DELIVERED)

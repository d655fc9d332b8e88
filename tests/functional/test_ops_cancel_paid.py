"""Ops cancel a paid order through `POST /ops/orders/{id}/cancel`: refunded in full through the gateway that
took the money and cancelled in the refund's own transaction (refunds.service.refund_order, cancel=True).

The sandbox gateways serve their real HTTP APIs on a free port (the fixture of test_refunds.py).
"""
from __future__ import annotations

from typing import Any

from harness.factories import order_of, stock_of
from harness.http import body_of, call, code_of
from harness.stored import buyer_holdings, table_state

from . import test_refunds
from .test_refunds import SHIPMENT, Market, _paid

# The paid orders and the sandbox gateways of the refund tests, as this module's fixtures.
market = test_refunds.market
sandbox = test_refunds.sandbox


def _cancel(client: Any, market: Market, order_id: str, reason: str = "Artisan is ill") -> Any:
    return call(client, "POST", f"/ops/orders/{order_id}/cancel", market.ops, {"reason": reason})


def test_ops_cancel_a_card_paid_order_refunds_the_whole_charge_once(client, aws, market, sandbox):
    order, ref = _paid(client, market, sandbox, "card")
    assert buyer_holdings(market.buyer.sub)["open"] == 0  # paid: no longer open

    response = _cancel(client, market, order["order_id"])

    assert response.status_code == 200, response.body
    cancelled = body_of(response)
    assert (cancelled["status"], cancelled["cancelled_by"], cancelled["cancel_reason"]) == (
        "cancelled", "ops", "Artisan is ill")
    assert cancelled["refunded_amount"]["amount"] == order["charge"]["amount"]
    assert sandbox.refunded(ref) == order["charge"]["amount"]
    assert stock_of(client, market.listing_a, market.artisan_a) == 10
    assert stock_of(client, market.listing_b, market.artisan_b) == 10
    audit = body_of(call(client, "GET", f"/ops/audit?target_id={order['order_id']}", market.ops))["items"]
    assert [entry["action"] for entry in audit] == ["order.cancelled"]
    assert buyer_holdings(market.buyer.sub)["open"] == 0  # nothing given back twice
    before = table_state(aws)
    again = _cancel(client, market, order["order_id"], "again")
    assert (again.status_code, code_of(again)) == (409, "INVALID_STATE")
    assert table_state(aws) == before
    assert sandbox.refunded(ref) == order["charge"]["amount"]


def test_ops_cancel_a_partly_shipped_paid_order_restocks_only_the_unshipped_lines(client, aws, market, sandbox):
    order, ref = _paid(client, market, sandbox, "jazzcash")
    assert call(client, "POST", f"/orders/{order['order_id']}/shipments", market.artisan_a, SHIPMENT).status_code == 200

    response = _cancel(client, market, order["order_id"])

    assert response.status_code == 200, response.body
    assert order_of(client, order["order_id"], market.buyer)["status"] == "cancelled"
    assert sandbox.refunded(ref) == order["charge"]["amount"]
    assert stock_of(client, market.listing_a, market.artisan_a) == 8  # shipped: not restocked
    assert stock_of(client, market.listing_b, market.artisan_b) == 10

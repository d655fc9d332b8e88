"""A small shop whose ledger moves through the real app: cash-on-delivery orders delivered (sales) and refunded by
ops (refunds, no gateway involved), and ledger entries written through the store (payouts, reversals, entries
dated in earlier months) the way the services write them."""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from chalicelib.ids import PAKISTAN_TIME, utc_now
from chalicelib.store import orders as store
from chalicelib.store.records import OrderChange, PayoutEntry
from chalicelib.wiring import get_settings
from harness.aws import Aws, User
from harness.factories import active_listing, make_order, placed, verified_artisan
from harness.http import body_of, call

SHIPMENT = {"carrier": "tcs", "tracking_number": "TCS-42"}
PRICE_A, PRICE_B = 250000, 100000  # Rs 2,500 and Rs 1,000


@dataclass
class Shop:
    client: Any
    artisan_a: User
    artisan_b: User
    listing_a: str
    listing_b: str
    buyer: User
    ops: User


def open_shop(client: Any, aws: Aws, stock: int = 500) -> Shop:
    """Two verified artisans with payout accounts (an IBAN, a wallet), a listing each, a buyer and ops."""
    artisan_a = verified_artisan(client, aws, payout_account={"method": "iban", "iban": "PK36SCBL0000001123456702",
                                                              "account_title": "Nasreen Bibi"})
    artisan_b = verified_artisan(client, aws, display_name="Ghulam Rasool", craft="pottery",
                                 payout_account={"method": "jazzcash_wallet", "msisdn": "+923451234567"})
    return Shop(client=client, artisan_a=artisan_a, artisan_b=artisan_b,
                listing_a=active_listing(client, artisan_a, stock=stock,
                                         price={"amount": PRICE_A, "currency": "PKR"})["listing_id"],
                listing_b=active_listing(client, artisan_b, stock=stock,
                                         price={"amount": PRICE_B, "currency": "PKR"})["listing_id"],
                buyer=aws.user(), ops=aws.user("ops"))


def delivered(shop: Shop, units_a: int, units_b: int) -> str:
    """A cash-on-delivery order with lines of either artisan (0 units: no line), shipped and delivered."""
    lines = [(listing, units) for listing, units in ((shop.listing_a, units_a), (shop.listing_b, units_b)) if units]
    order = placed(shop.client, shop.buyer, make_order(*lines, payment_method="cod"))
    order_id = order["order_id"]
    for artisan, units in ((shop.artisan_a, units_a), (shop.artisan_b, units_b)):
        if units:
            shipped = call(shop.client, "POST", f"/orders/{order_id}/shipments", artisan, SHIPMENT)
            assert shipped.status_code == 200, shipped.body
    deliver = call(shop.client, "POST", f"/ops/orders/{order_id}/delivered", shop.ops)
    assert deliver.status_code == 200, deliver.body
    return str(order_id)


def refund(shop: Shop, order_id: str, amount: int, key: str | None = None) -> Any:
    """Ops refund `amount` of a delivered order (cash on delivery: paid back by hand, no gateway)."""
    return call(shop.client, "POST", f"/ops/orders/{order_id}/refunds", shop.ops,
                {"amount": {"amount": amount, "currency": "PKR"}, "reason": "damaged in transit"},
                headers={"Idempotency-Key": key or uuid.uuid4().hex})


def statement(shop: Shop, artisan: User, month: str) -> dict[str, Any]:
    response = call(shop.client, "GET", f"/artisans/me/statements/{month}", artisan)
    assert response.status_code == 200, response.body
    return dict(body_of(response))


def ledger(shop: Shop, artisan: User) -> tuple[int, list[dict[str, Any]]]:
    """The balance and every entry, through GET /artisans/me/payouts page by page."""
    entries: list[dict[str, Any]] = []
    path = "/artisans/me/payouts?limit=100"
    while True:
        page = body_of(call(shop.client, "GET", path, artisan))
        entries.extend(page["entries"])
        if page["next_cursor"] is None:
            return int(page["balance"]["amount"]), entries
        path = f"/artisans/me/payouts?limit=100&cursor={page['next_cursor']}"


def write_entries(order_id: str, *entries: PayoutEntry, now: str) -> None:
    """Ledger entries written as a service writes them: each once, with the balance moved by them, in one order
    change through `store.orders.commit_change` (how entries dated in an earlier month get there)."""
    get_settings()
    credits: defaultdict[str, int] = defaultdict(int)
    for entry in entries:
        credits[entry.artisan_id] += entry.amount
    order = store.get_order(order_id)
    assert order is not None
    store.commit_change(OrderChange(order, once=list(entries), payout_credits=dict(credits)), now=now)


def pkt_month(offset: int) -> str:
    """The PKT month `offset` months from now (0: this month, -1: the last one)."""
    now = utc_now().astimezone(PAKISTAN_TIME)
    index = now.year * 12 + now.month - 1 + offset
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def assert_adds_up(document: dict[str, Any]) -> None:
    """closing = opening + the lines; each line's amount = gross - commission; the balances run; the totals agree."""
    running = document["opening_balance"]["amount"]
    for line in document["lines"]:
        assert line["amount"]["amount"] == line["gross"]["amount"] - line["commission"]["amount"]
        running += line["amount"]["amount"]
        assert line["balance"]["amount"] == running
    assert document["closing_balance"]["amount"] == running
    totals = {name: value["amount"] for name, value in document["totals"].items()}
    assert sum(value for name, value in totals.items() if name != "commission") - totals["commission"] == \
        running - document["opening_balance"]["amount"]

"""Refunds by ops (API.md part two "Refunds, returns and disputes"), through the real app on moto in-process and
the sandbox gateways' real HTTP APIs (local/sandbox.py, served on a free port for each test).

Faults are the sandbox's own switch (it drops the connection of a refund call, before or after applying it) and
botocore event hooks (a write that dies after the gateway answered). Nothing in `chalicelib` is patched.
"""
from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from werkzeug.serving import WSGIRequestHandler

from harness.aws import Aws, User
from harness.environment import BASE_ENV, REGION
from harness.factories import active_listing, make_order, order_of, placed, start_payment, stock_of, verified_artisan
from harness.gateways import card_success, jazzcash_return, post_card, post_jazzcash
from harness.http import body_of, call, code_of
from harness.stored import table_state
from local.sandbox import application as sandbox_app
from local.serving import ServedApp

SALT = BASE_ENV["JAZZCASH_INTEGRITY_SALT"]
CARD_SECRET = BASE_ENV["CARD_WEBHOOK_SECRET"]
SHIPMENT = {"carrier": "tcs", "tracking_number": "TCS-1"}
PRICE_A, PRICE_B = 250000, 100000  # Rs 2,500 and Rs 1,000


class Sandbox:
    """The sandbox gateways on a free port: what they were asked, and their switch."""

    def __init__(self, url: str) -> None:
        self.url = url

    def control(self, **order: Any) -> dict[str, Any]:
        request = urllib.request.Request(f"{self.url}/sandbox/control", data=json.dumps(order).encode(),
                                         method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as answer:
            return json.loads(answer.read())  # type: ignore[no-any-return]

    def state(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/sandbox/control", timeout=5) as answer:
            return json.loads(answer.read())  # type: ignore[no-any-return]

    def refunded(self, ref: str) -> int:
        return int(self.state()["refunded"].get(ref, 0))


@pytest.fixture
def sandbox(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    from chalicelib.wiring import reset_settings
    served = ServedApp("127.0.0.1", 0, name="sandbox")
    served.serve(sandbox_app, WSGIRequestHandler)
    monkeypatch.setenv("CARD_API_URL", f"{served.url}/sandbox/card-api")
    monkeypatch.setenv("JAZZCASH_API_URL", f"{served.url}/sandbox/jazzcash-api")
    monkeypatch.setenv("GATEWAY_TIMEOUT_SECONDS", "3")
    reset_settings()
    gateway = Sandbox(served.url)
    gateway.control(reset=True, webhooks=False)  # the API here is in-process: webhooks are posted by the tests
    yield gateway
    served.stop()
    reset_settings()


@dataclass
class Market:
    artisan_a: User
    artisan_b: User
    listing_a: str
    listing_b: str
    buyer: User
    ops: User


@pytest.fixture
def market(client: Any, aws: Aws, sandbox: Sandbox) -> Market:
    artisan_a = verified_artisan(client, aws)
    artisan_b = verified_artisan(client, aws, display_name="Ghulam Rasool", craft="pottery")
    return Market(artisan_a=artisan_a, artisan_b=artisan_b,
                  listing_a=active_listing(client, artisan_a, stock=10)["listing_id"],
                  listing_b=active_listing(client, artisan_b, stock=10,
                                           price={"amount": PRICE_B, "currency": "PKR"})["listing_id"],
                  buyer=aws.user(), ops=aws.user("ops"))


def _order(client: Any, market: Market, **overrides: Any) -> dict[str, Any]:
    return placed(client, market.buyer, make_order((market.listing_a, 2), (market.listing_b, 1), **overrides))


def _paid_by_jazzcash(client: Any, market: Market, sandbox: Sandbox) -> tuple[dict[str, Any], str]:
    order = _order(client, market)
    form = start_payment(client, market.buyer, order["order_id"])["form_fields"]
    sandbox.control(charge={"ref": form["pp_TxnRefNo"], "amount": order["charge"]["amount"], "currency": "PKR"})
    assert post_jazzcash(client, jazzcash_return(form, salt=SALT)).status_code == 200
    return order_of(client, order["order_id"], market.buyer), form["pp_TxnRefNo"]


def _paid_by_card(client: Any, market: Market, sandbox: Sandbox) -> tuple[dict[str, Any], str]:
    order = _order(client, market, payment_method="card", currency="USD")
    intent = f"pi_{order['order_id']}_1"
    sandbox.control(charge={"ref": intent, "amount": order["charge"]["amount"], "currency": "USD"})
    assert post_card(client, card_success(order), secret=CARD_SECRET).status_code == 200
    return order_of(client, order["order_id"], market.buyer), intent


def _paid(client: Any, market: Market, sandbox: Sandbox, method: str) -> tuple[dict[str, Any], str]:
    return (_paid_by_card if method == "card" else _paid_by_jazzcash)(client, market, sandbox)


def _delivered(client: Any, market: Market, sandbox: Sandbox, method: str = "jazzcash") -> tuple[dict[str, Any], str]:
    order, ref = _paid(client, market, sandbox, method)
    for artisan in (market.artisan_a, market.artisan_b):
        assert call(client, "POST", f"/orders/{order['order_id']}/shipments", artisan, SHIPMENT).status_code == 200
    assert call(client, "POST", f"/ops/orders/{order['order_id']}/delivered", market.ops).status_code == 200
    return order_of(client, order["order_id"], market.buyer), ref


def _refund(client: Any, market: Market, order_id: str, body: dict[str, Any], key: str = "refund-1") -> Any:
    return call(client, "POST", f"/ops/orders/{order_id}/refunds", market.ops, body,
                headers={"Idempotency-Key": key})


def _ledger(client: Any, artisan: User) -> dict[str, Any]:
    response = call(client, "GET", "/artisans/me/payouts?limit=100", artisan)
    assert response.status_code == 200, response.body
    return body_of(response)  # type: ignore[no-any-return]


def _balanced(ledger: dict[str, Any]) -> int:
    assert ledger["balance"]["amount"] == sum(entry["amount"]["amount"] for entry in ledger["entries"])
    return int(ledger["balance"]["amount"])


def _sweep(client: Any) -> dict[str, Any]:
    """The scheduled sweep, invoked as Lambda would invoke it."""
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=["arn:aws:events:ap-south-1:123456789012:rule/sweep"])
    return dict(client.lambda_.invoke("sweep_expired_orders", event).payload)


def _refund_items(aws: Aws) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb", region_name=REGION).Table(aws.env["TABLE_REFUNDS"])
    return table.scan(ConsistentRead=True)["Items"]  # type: ignore[no-any-return]


# --- whole, by line, by amount --------------------------------------------------------------------


@pytest.mark.parametrize("method", ["card", "jazzcash"])
def test_a_whole_refund_goes_back_through_the_gateway_that_took_it_and_gives_the_stock_back(
        client, aws, market, sandbox, method):
    order, ref = _paid(client, market, sandbox, method)
    everything = {"items": [{"listing_id": market.listing_a, "quantity": 2},
                            {"listing_id": market.listing_b, "quantity": 1}], "reason": "out of thread"}

    response = _refund(client, market, order["order_id"], everything)

    assert response.status_code == 201, response.body
    refund = body_of(response)
    charge = order["charge"]
    assert (refund["status"], refund["amount"]) == ("succeeded", {"amount": charge["amount"],
                                                                  "currency": charge["currency"]})
    assert sandbox.refunded(ref) == charge["amount"]
    after = order_of(client, order["order_id"], market.buyer)
    assert after["status"] == "refunded"
    assert after["refunded_amount"] == {"amount": charge["amount"], "currency": charge["currency"]}
    assert [(entry["refund_id"], entry["status"]) for entry in after["refunds"]] == [(refund["refund_id"],
                                                                                      "succeeded")]
    assert stock_of(client, market.listing_a, market.artisan_a) == 10
    assert stock_of(client, market.listing_b, market.artisan_b) == 10
    audit = body_of(call(client, "GET", f"/ops/audit?target_id={order['order_id']}", market.ops))["items"]
    assert [(entry["action"], entry["details"]["refund_id"]) for entry in audit] == [
        ("order.refunded", refund["refund_id"])]
    shipped = call(client, "POST", f"/orders/{order['order_id']}/shipments", market.artisan_a, SHIPMENT)
    assert (shipped.status_code, code_of(shipped)) == (409, "INVALID_STATE")


def test_a_line_refund_before_shipping_returns_that_lines_stock_and_its_money_only(client, aws, market, sandbox):
    order, ref = _paid(client, market, sandbox, "jazzcash")

    response = _refund(client, market, order["order_id"],
                       {"items": [{"listing_id": market.listing_b, "quantity": 1}], "reason": "broken in packing"})

    assert response.status_code == 201, response.body
    assert body_of(response)["amount"] == {"amount": PRICE_B, "currency": "PKR"}
    after = order_of(client, order["order_id"], market.buyer)
    assert (after["status"], after["refunded_amount"]["amount"]) == ("paid", PRICE_B)
    assert {line["listing_id"]: line["refunded"] for line in after["items"]} == {market.listing_a: 0,
                                                                                 market.listing_b: 1}
    assert stock_of(client, market.listing_b, market.artisan_b) == 10
    assert stock_of(client, market.listing_a, market.artisan_a) == 8
    assert sandbox.refunded(ref) == PRICE_B

    rest = _refund(client, market, order["order_id"],
                   {"items": [{"listing_id": market.listing_a, "quantity": 2}], "reason": "buyer changed mind"},
                   key="refund-2")
    assert rest.status_code == 201, rest.body
    assert body_of(rest)["amount"]["amount"] == order["charge"]["amount"] - PRICE_B  # the shipping goes back too
    assert order_of(client, order["order_id"], market.buyer)["status"] == "refunded"
    assert sandbox.refunded(ref) == order["charge"]["amount"]


def test_a_line_refund_after_delivery_debits_that_artisan_less_commission_once(client, aws, market, sandbox):
    order, _ = _delivered(client, market, sandbox)
    credit_b = PRICE_B - PRICE_B * 500 // 10000

    response = _refund(client, market, order["order_id"],
                       {"items": [{"listing_id": market.listing_b, "quantity": 1}], "reason": "arrived cracked"})
    again = _refund(client, market, order["order_id"],
                    {"items": [{"listing_id": market.listing_b, "quantity": 1}], "reason": "arrived cracked"})

    assert (response.status_code, again.status_code) == (201, 200)
    ledger_b = _ledger(client, market.artisan_b)
    assert sorted((entry["kind"], entry["amount"]["amount"]) for entry in ledger_b["entries"]) == [
        ("refund", -credit_b), ("sale", credit_b)]
    assert _balanced(ledger_b) == 0
    ledger_a = _ledger(client, market.artisan_a)
    assert [entry["kind"] for entry in ledger_a["entries"]] == ["sale"]
    assert stock_of(client, market.listing_b, market.artisan_b) == 9  # delivered goods do not restock


def test_an_amount_refund_after_delivery_debits_every_artisan_pro_rata_less_commission(client, aws, market, sandbox):
    order, ref = _delivered(client, market, sandbox)
    subtotal, total = 2 * PRICE_A + PRICE_B, order["total"]["amount"]
    amount = 120000

    response = _refund(client, market, order["order_id"],
                       {"amount": {"amount": amount, "currency": "PKR"}, "reason": "late delivery"})

    assert response.status_code == 201, response.body
    assert sandbox.refunded(ref) == amount
    goods = amount * subtotal // total
    debits = {}
    for artisan in (market.artisan_a, market.artisan_b):
        ledger = _ledger(client, artisan)
        _balanced(ledger)
        refunds = [entry["amount"]["amount"] for entry in ledger["entries"] if entry["kind"] == "refund"]
        assert len(refunds) == 1 and refunds[0] < 0
        debits[artisan.sub] = -refunds[0]
    share_a = goods * 2 * PRICE_A // subtotal
    assert abs(debits[market.artisan_a.sub] - (share_a - round(share_a * 0.05))) <= 1
    assert abs(sum(debits.values()) - (goods - round(goods * 0.05))) <= 1
    after = order_of(client, order["order_id"], market.buyer)
    assert (after["status"], after["refunded_amount"]["amount"]) == ("delivered", amount)


def test_a_delivery_after_a_partial_refund_credits_only_what_is_left(client, aws, market, sandbox):
    order, _ = _paid(client, market, sandbox, "jazzcash")
    assert _refund(client, market, order["order_id"], {"items": [{"listing_id": market.listing_a, "quantity": 1}],
                                                        "reason": "one was missing"}).status_code == 201
    for artisan in (market.artisan_a, market.artisan_b):
        assert call(client, "POST", f"/orders/{order['order_id']}/shipments", artisan, SHIPMENT).status_code == 200
    assert call(client, "POST", f"/ops/orders/{order['order_id']}/delivered", market.ops).status_code == 200

    ledger_a = _ledger(client, market.artisan_a)
    assert [(entry["kind"], entry["amount"]["amount"]) for entry in ledger_a["entries"]] == [
        ("sale", PRICE_A - PRICE_A * 500 // 10000)]
    assert _balanced(ledger_a) == PRICE_A - PRICE_A * 500 // 10000


def test_cash_on_delivery_is_refunded_by_hand_after_delivery_and_recorded_succeeded(client, aws, market, sandbox):
    order = _order(client, market, payment_method="cod")
    for artisan in (market.artisan_a, market.artisan_b):
        assert call(client, "POST", f"/orders/{order['order_id']}/shipments", artisan, SHIPMENT).status_code == 200
    assert call(client, "POST", f"/ops/orders/{order['order_id']}/delivered", market.ops).status_code == 200

    response = _refund(client, market, order["order_id"],
                       {"amount": {"amount": 50000, "currency": "PKR"}, "reason": "goodwill"})

    assert response.status_code == 201, response.body
    assert body_of(response)["status"] == "succeeded"
    assert sandbox.state()["calls"] == []


def test_ops_cancel_of_a_paid_order_refunds_it_in_full_and_cancels_it_in_one_change(client, aws, market, sandbox):
    from chalicelib.auth import Identity
    from chalicelib.refunds.service import refund_order

    order, ref = _paid(client, market, sandbox, "card")
    ops = Identity(user_id=market.ops.sub, email=None, groups=frozenset({"ops"}))

    refund = refund_order(identity=ops, order_id=order["order_id"], reason="artisan ill",
                          key=f"cancel#{order['order_id']}", cancel=True)
    again = refund_order(identity=ops, order_id=order["order_id"], reason="artisan ill",
                         key=f"cancel#{order['order_id']}", cancel=True)

    assert again == refund and refund["status"] == "succeeded"
    after = order_of(client, order["order_id"], market.buyer)
    assert (after["status"], after["cancelled_by"], after["refunded_amount"]["amount"]) == (
        "cancelled", "ops", order["charge"]["amount"])
    assert sandbox.refunded(ref) == order["charge"]["amount"]
    assert stock_of(client, market.listing_a, market.artisan_a) == 10


# --- exactly once --------------------------------------------------------------------------------


def test_the_same_key_and_body_returns_the_same_refund_and_another_body_is_422(client, aws, market, sandbox):
    order, ref = _paid(client, market, sandbox, "card")
    body = {"amount": {"amount": 1000, "currency": "USD"}, "reason": "late"}

    first = _refund(client, market, order["order_id"], body)
    second = _refund(client, market, order["order_id"], body)
    other = _refund(client, market, order["order_id"], {**body, "reason": "very late"})

    assert (first.status_code, second.status_code) == (201, 200)
    assert body_of(first) == body_of(second)
    assert (other.status_code, code_of(other)) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert sandbox.refunded(ref) == 1000
    assert order_of(client, order["order_id"], market.buyer)["refunded_amount"]["amount"] == 1000


def test_refunds_together_never_exceed_the_charge_409_changes_nothing(client, aws, market, sandbox):
    order, ref = _paid(client, market, sandbox, "jazzcash")
    charge = order["charge"]["amount"]
    assert _refund(client, market, order["order_id"],
                   {"amount": {"amount": charge - 100, "currency": "PKR"}, "reason": "most"}).status_code == 201
    before = table_state(aws)

    over = _refund(client, market, order["order_id"], {"amount": {"amount": 101, "currency": "PKR"}, "reason": "x"},
                   key="refund-2")
    too_many = _refund(client, market, order["order_id"],
                       {"items": [{"listing_id": market.listing_b, "quantity": 2}], "reason": "x"}, key="refund-3")

    assert (over.status_code, code_of(over)) == (409, "INVALID_STATE")
    assert (too_many.status_code, code_of(too_many)) == (409, "INVALID_STATE")
    assert table_state(aws) == before
    assert sandbox.refunded(ref) == charge - 100


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"reason": "neither"}, 400, "VALIDATION_ERROR"),
    ({"amount": {"amount": 100, "currency": "PKR"}, "items": [{"listing_id": "x", "quantity": 1}], "reason": "both"},
     400, "VALIDATION_ERROR"),
    ({"amount": {"amount": 100, "currency": "USD"}, "reason": "wrong currency"}, 400, "VALIDATION_ERROR"),
    ({"items": [{"listing_id": "L-unknown", "quantity": 1}], "reason": "not a line"}, 400, "VALIDATION_ERROR"),
    ({"items": [{"listing_id": "LISTING_A", "variant_id": "V1", "quantity": 1}], "reason": "variant"}, 400,
     "VALIDATION_ERROR"),
])
def test_a_malformed_refund_is_400_and_changes_nothing(client, aws, market, sandbox, body, status, code):
    order, _ = _paid(client, market, sandbox, "jazzcash")
    text = json.dumps(body).replace("LISTING_A", market.listing_a)
    before = table_state(aws)

    response = _refund(client, market, order["order_id"], json.loads(text))

    assert (response.status_code, code_of(response)) == (status, code)
    assert table_state(aws) == before


def test_only_ops_refund_and_only_a_paid_order(client, aws, market, sandbox):
    unpaid = _order(client, market)
    paid, _ = _paid(client, market, sandbox, "jazzcash")
    body = {"amount": {"amount": 100, "currency": "PKR"}, "reason": "x"}
    before = table_state(aws)

    for user, status in ((market.buyer, 403), (market.artisan_a, 403)):
        response = call(client, "POST", f"/ops/orders/{paid['order_id']}/refunds", user, body,
                        headers={"Idempotency-Key": "k"})
        assert response.status_code == status
    assert _refund(client, market, "O-missing", body).status_code == 404
    assert code_of(_refund(client, market, unpaid["order_id"], body)) == "INVALID_STATE"
    missing_key = call(client, "POST", f"/ops/orders/{paid['order_id']}/refunds", market.ops, body)
    assert code_of(missing_key) == "VALIDATION_ERROR"
    assert table_state(aws) == before


# --- faults: timeouts, lost answers, a crash after the gateway answered ---------------------------------


@pytest.mark.parametrize("method", ["card", "jazzcash"])
def test_a_lost_answer_is_confirmed_by_the_inquiry_and_never_refunded_twice(client, aws, market, sandbox, method):
    order, ref = _paid(client, market, sandbox, method)
    sandbox.control(lose_next="answer")

    response = _refund(client, market, order["order_id"], {"amount": {"amount": 500, "currency":
                                                                      order["charge"]["currency"]}, "reason": "x"})

    assert response.status_code == 201, response.body
    assert body_of(response)["status"] == "succeeded"
    calls = sandbox.state()["calls"]
    assert calls == [f"{method}.refund", f"{method}.inquiry"]
    assert sandbox.refunded(ref) == 500
    _sweep(client)
    assert sandbox.refunded(ref) == 500


@pytest.mark.parametrize("method", ["card", "jazzcash"])
def test_a_gateway_that_never_got_the_call_leaves_it_pending_until_the_sweep_asks_then_calls_once(
        client, aws, market, sandbox, method):
    order, ref = _paid(client, market, sandbox, method)
    sandbox.control(lose_next="request")
    body = {"amount": {"amount": 700, "currency": order["charge"]["currency"]}, "reason": "x"}

    response = _refund(client, market, order["order_id"], body)

    assert response.status_code == 201, response.body
    assert body_of(response)["status"] == "pending"
    assert sandbox.refunded(ref) == 0
    assert order_of(client, order["order_id"], market.buyer)["refunds"][0]["status"] == "pending"

    _sweep(client)
    _sweep(client)

    assert sandbox.refunded(ref) == 700
    # The dropped call never reached it; the request asked, the first sweep asked again and then called.
    assert sandbox.state()["calls"] == [f"{method}.inquiry", f"{method}.inquiry", f"{method}.refund"]
    assert order_of(client, order["order_id"], market.buyer)["refunds"][0]["status"] == "succeeded"
    assert body_of(_refund(client, market, order["order_id"], body))["status"] == "succeeded"


def test_a_crash_after_the_gateway_answered_is_settled_by_the_sweep_with_one_refund(client, aws, market, sandbox,
                                                                                    hooks):
    order, ref = _paid(client, market, sandbox, "card")
    transactions = {"seen": 0}

    def die_when_recording_the_answer(request: Any, **_: Any) -> None:
        target = request.headers.get("X-Amz-Target", b"")
        if (target.decode() if isinstance(target, bytes) else target).endswith(".TransactWriteItems"):
            transactions["seen"] += 1
            if transactions["seen"] == 2:  # the first decides the refund, the second records the gateway's answer
                raise RuntimeError("the function died after the gateway answered")

    hooks.add("before-send.dynamodb.TransactWriteItems", die_when_recording_the_answer)
    body = {"amount": {"amount": 900, "currency": "USD"}, "reason": "x"}

    died = _refund(client, market, order["order_id"], body)

    assert died.status_code == 500
    assert sandbox.refunded(ref) == 900
    stored = _refund_items(aws)
    assert [(item["status"], int(item["attempts"])) for item in stored] == [("pending", 1)]

    assert _sweep(client)["expired"] == 0
    assert sandbox.refunded(ref) == 900
    assert sandbox.state()["calls"] == ["card.refund", "card.inquiry"]
    retried = _refund(client, market, order["order_id"], body)
    assert (retried.status_code, body_of(retried)["status"]) == (200, "succeeded")
    assert order_of(client, order["order_id"], market.buyer)["refunded_amount"]["amount"] == 900


def test_charge_refunded_settles_a_pending_refund_once(client, aws, market, sandbox, hooks):
    from local.sandbox_api import charge_refunded_event

    order, intent = _paid(client, market, sandbox, "card")
    seen = {"n": 0}

    def die_on_the_second(request: Any, **_: Any) -> None:
        seen["n"] += 1
        if seen["n"] == 2:
            raise RuntimeError("died before recording the answer")

    hooks.add("before-send.dynamodb.TransactWriteItems", die_on_the_second)
    assert _refund(client, market, order["order_id"],
                   {"amount": {"amount": 300, "currency": "USD"}, "reason": "x"}).status_code == 500
    hooks.remove_all()
    event = json.dumps(charge_refunded_event(intent)).encode()

    for _ in range(2):
        assert post_card(client, event, secret=CARD_SECRET).status_code == 200

    after = order_of(client, order["order_id"], market.buyer)
    assert [entry["status"] for entry in after["refunds"]] == ["succeeded"]
    assert after["refunded_amount"]["amount"] == 300
    assert sandbox.state()["calls"] == ["card.refund"]


def test_a_refund_the_gateway_refuses_is_failed_and_put_in_front_of_a_person(client, aws, market, sandbox):
    order = _order(client, market, payment_method="card", currency="USD")
    assert post_card(client, card_success(order), secret=CARD_SECRET).status_code == 200  # a charge it never took

    response = _refund(client, market, order["order_id"],
                       {"amount": {"amount": 100, "currency": "USD"}, "reason": "x"})

    assert response.status_code == 201, response.body
    assert body_of(response)["status"] == "failed"
    after = order_of(client, order["order_id"], market.buyer)
    assert (after["refunded_amount"]["amount"], after["needs_review"]) == (0, True)

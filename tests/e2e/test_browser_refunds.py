"""Refunds in a real browser (Debian's Chromium) against the real local stack and its sandbox gateways.

Ops, signed in as staff, refund one line of a card order from its page (the sandbox card gateway
refunds it and then posts `charge.refunded`), and an amount of a delivered cash-on-delivery order;
the buyer sees the refunds on the order page, in English and in Urdu at 360 px; the artisan sees
the refund in the payouts tab as a debit, its kind named.
"""
from __future__ import annotations

import uuid

import requests
from playwright.sync_api import Browser, expect

from harness.factories import make_order
from harness.gateways import card_success
from tests.e2e.browser_helpers import (
    assert_fits_width,
    assert_no_page_errors,
    new_page,
    screenshot,
    sign_in,
    staff_sign_in,
)
from tests.e2e.conftest import LocalStack

from .test_orders_e2e import TIMEOUT, active_listing, api, ok, place, verified_artisan

SHIPMENT = {"carrier": "tcs", "tracking_number": "TCS-REFUND"}


def _paid_by_card(stack: LocalStack, order: dict) -> str:
    """Tell the sandbox card gateway about the charge, then deliver its signed success webhook."""
    intent = f"pi_{order['order_id']}_1"
    charge = {"ref": intent, "amount": order["charge"]["amount"], "currency": order["charge"]["currency"]}
    assert requests.post(f"{stack.web_url}/sandbox/control", json={"charge": charge}, timeout=TIMEOUT).ok
    response = stack.post_card_event(card_success(order))
    assert response.status_code == 200, response.text
    return intent


def test_ops_refund_a_line_and_an_amount_and_buyer_and_artisan_see_them(stack: LocalStack, browser: Browser) -> None:
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    buyer = stack.user()
    title = f"Sindhi ajrak {uuid.uuid4().hex[:6]}"
    listing = active_listing(stack, artisan, title=title, category="textiles", stock=10)
    price = listing["price"]["amount"]
    paid = ok(place(stack, buyer, make_order((listing["listing_id"], 2), payment_method="card", currency="PKR")), 201)
    intent = _paid_by_card(stack, paid)
    delivered = ok(place(stack, buyer, make_order((listing["listing_id"], 1), payment_method="cod")), 201)
    ok(api(stack, "POST", f"/orders/{delivered['order_id']}/shipments", artisan, SHIPMENT))
    ok(api(stack, "POST", f"/ops/orders/{delivered['order_id']}/delivered", ops))

    desk = new_page(browser, base_url=stack.web_url)
    staff_sign_in(desk, ops.email, ops.password, ops.totp_secret, next_path="/dashboard.html")
    desk.goto(f"/order.html?id={paid['order_id']}#refund")
    form = desk.locator("#refund")
    expect(form).to_contain_text("Refund (ops)")
    form.get_by_label("Some items").check()
    form.locator(f"#refund-qty-{listing['listing_id']}").fill("1")
    form.locator("#refund-reason").fill("One was torn")
    form.locator("#refund-submit").click()
    expect(desk.locator("#message")).to_have_text("Refunded.")
    expect(desk.locator("#refund-list li")).to_contain_text("Refunded")
    expect(desk.locator(f"#refund-qty-{listing['listing_id']}")).to_have_attribute("max", "1")
    screenshot(desk, "order-ops-refund-desktop")

    desk.goto(f"/order.html?id={delivered['order_id']}")
    form = desk.locator("#refund")
    expect(form).to_contain_text("Cash on delivery")
    form.get_by_label("An amount").check()
    form.locator("#refund-reason").fill("Late delivery")
    form.locator("#refund-submit").click()
    expect(desk.locator("#refund-status")).to_have_text("Enter the amount to refund.")
    form.locator("#refund-amount").fill("100")
    form.locator("#refund-submit").click()
    expect(desk.locator("#refunded-amount")).to_contain_text("100")
    assert_no_page_errors(desk)

    after = ok(api(stack, "GET", f"/orders/{paid['order_id']}", buyer))
    assert (after["status"], after["refunded_amount"]["amount"]) == ("paid", price)
    gateway = requests.get(f"{stack.web_url}/sandbox/control", timeout=TIMEOUT).json()
    assert gateway["refunded"][intent] == price

    phone = new_page(browser, base_url=stack.web_url, lang=None, phone=True)
    sign_in(phone, buyer.email, buyer.password, next_path=f"/order.html?id={paid['order_id']}")
    expect(phone.locator("#refunds-title")).to_have_text("Refunds")
    phone.evaluate("localStorage.setItem('mip.lang', 'ur')")
    phone.reload()
    expect(phone.locator("#refunds-title")).to_have_text("رقم کی واپسی")
    expect(phone.locator("#refund-list li")).to_contain_text("واپس ہو گئی")
    expect(phone.locator(".refunded-units")).to_have_text("1 کی رقم واپس")
    assert phone.locator("#refund").count() == 0  # the buyer has no refund form
    assert phone.locator("html").get_attribute("dir") == "rtl"
    assert_fits_width(phone)
    screenshot(phone, "order-refunds-ur-phone")
    assert_no_page_errors(phone)

    shop = new_page(browser, base_url=stack.web_url)
    sign_in(shop, artisan.email, artisan.password, next_path="/dashboard.html")
    shop.goto("/dashboard.html#payouts")
    expect(shop.locator("#payout-balance")).to_be_visible()
    debit = shop.locator("td.debit")
    expect(debit).to_have_count(1)
    expect(debit).to_contain_text("−")
    expect(shop.locator('td[data-kind="refund"]')).to_have_text("Refund")
    expect(shop.locator('td[data-kind="sale"]')).to_have_text("Sale")
    screenshot(shop, "dashboard-payouts-refund-desktop")
    assert_no_page_errors(shop)

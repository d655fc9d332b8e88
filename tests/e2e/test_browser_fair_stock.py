"""Fair stock in a real browser (Debian's Chromium) against the real local stack (MAX_OPEN_ORDERS 5).

A buyer holding five open orders is told at checkout why the sixth is refused (English on a desktop, Urdu on a
360 px phone); the artisan declines the cash-on-delivery one from the dashboard; ops, signed in as staff, cancel
another from its order page; the buyer sees who cancelled and why, in Urdu on a phone, and can order again.
"""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, Page, expect

from harness.factories import make_order
from tests.e2e.browser_helpers import (
    assert_fits_width,
    assert_no_page_errors,
    new_page,
    screenshot,
    sign_in,
    staff_sign_in,
)
from tests.e2e.conftest import LocalStack

from .test_orders_e2e import active_listing, api, ok, place, verified_artisan

DECLINED = "Out of indigo dye until next month"
CANCELLED = "Address could not be verified"


def _checkout(page: Page, listing_id: str, *, name: str, phone: str, line1: str, city: str) -> None:
    page.goto(f"/listing.html?id={listing_id}")
    page.locator("#add-to-cart").click()
    expect(page.locator("#cart-status")).not_to_be_empty()
    page.goto("/cart.html")
    page.locator("#name").fill(name)
    page.locator("#phone").fill(phone)
    page.locator("#line1").fill(line1)
    page.locator("#city").fill(city)
    page.locator("#country").select_option("PK")
    page.locator("input[name=payment_method][value=cod]").check()
    page.locator("#place-order").click()


def test_limits_at_checkout_an_artisan_declines_and_ops_cancel(stack: LocalStack, browser: Browser) -> None:
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    title = f"Indigo ajrak shawl {uuid.uuid4().hex[:6]}"
    listing_id = active_listing(stack, artisan, title=title, stock=20)["listing_id"]
    buyer = stack.user()
    cod = ok(place(stack, buyer, make_order((listing_id, 1), payment_method="cod")), 201)
    unpaid = [ok(place(stack, buyer, make_order((listing_id, 1))), 201) for _ in range(4)]

    shopper = new_page(browser, base_url=stack.web_url)
    sign_in(shopper, buyer.email, buyer.password)
    _checkout(shopper, listing_id, name="Sara Khan", phone="+923001112223", line1="House 9, Model Town", city="Lahore")
    status = shopper.locator("#checkout-status")
    expect(status).to_contain_text("You already have 5 orders waiting for payment or shipping")
    expect(shopper.locator("#limit-orders-link")).to_have_attribute("href", "/orders.html")
    screenshot(shopper, "checkout-limit-reached-desktop")
    assert_no_page_errors(shopper)

    phone = new_page(browser, base_url=stack.web_url, lang=None, phone=True)  # English until signed in
    sign_in(phone, buyer.email, buyer.password)
    phone.evaluate("localStorage.setItem('mip.lang', 'ur')")
    _checkout(phone, listing_id, name="سارہ خان", phone="+923001112223", line1="مکان 9، ماڈل ٹاؤن", city="لاہور")
    expect(phone.locator("#checkout-status")).to_contain_text("آپ کے 5 آرڈر پہلے ہی ادائیگی یا ترسیل کے منتظر ہیں")
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    assert_fits_width(phone)
    screenshot(phone, "checkout-limit-reached-ur-phone")
    assert_no_page_errors(phone)

    # The artisan declines the cash-on-delivery order (the dashboard in Urdu on a phone shows the form too).
    workshop = new_page(browser, base_url=stack.web_url, lang=None, phone=True)
    sign_in(workshop, artisan.email, artisan.password, next_path="/dashboard.html")
    workshop.evaluate("localStorage.setItem('mip.lang', 'ur')")
    workshop.goto("/dashboard.html#orders")
    workshop.reload()
    card = workshop.locator(f"li[data-order-id='{cod['order_id']}']")
    expect(card.locator(f"#decline-{cod['order_id']}-submit")).to_have_text("آرڈر نامنظور کریں")
    card.scroll_into_view_if_needed()
    assert_fits_width(workshop)
    screenshot(workshop, "dashboard-decline-ur-phone")
    desk = new_page(browser, base_url=stack.web_url)
    sign_in(desk, artisan.email, artisan.password, next_path="/dashboard.html")
    desk.goto("/dashboard.html#orders")
    card = desk.locator(f"li[data-order-id='{cod['order_id']}']")
    card.locator(f"#decline-{cod['order_id']}-submit").click()
    expect(card.locator(f"#decline-{cod['order_id']}-reason")).to_be_focused()  # a reason is required
    card.locator(f"#decline-{cod['order_id']}-reason").fill(DECLINED)
    card.locator(f"#decline-{cod['order_id']}-submit").click()
    declined = desk.locator(f"li[data-order-id='{cod['order_id']}']")
    expect(declined).to_have_attribute("data-status", "cancelled")
    expect(declined.locator("form")).to_have_count(0)
    screenshot(desk, "dashboard-declined-desktop")
    assert_no_page_errors(desk)

    # Ops, as staff, cancel an unpaid order from its page.
    office = new_page(browser, base_url=stack.web_url)
    staff_sign_in(office, ops.email, ops.password, ops.totp_secret, next_path="/dashboard.html")
    office.goto(f"/order.html?id={unpaid[0]['order_id']}")
    office.locator("#ops-cancel-reason").fill(CANCELLED)
    office.locator("#ops-cancel-submit").click()
    expect(office.locator("#order-status")).to_have_text("cancelled")
    expect(office.locator("#cancellation")).to_have_text(f"Cancelled by the marketplace: {CANCELLED}")
    expect(office.locator("#ops-cancel")).to_have_count(0)
    screenshot(office, "order-ops-cancelled-desktop")
    assert_no_page_errors(office)
    audit = ok(api(stack, "GET", f"/ops/audit?target_id={unpaid[0]['order_id']}", ops))["items"]
    assert [entry["action"] for entry in audit] == ["order.cancelled"]

    # The buyer reads why, in Urdu on a phone, sees no ops form, and may order again: two orders left open.
    phone.goto(f"/order.html?id={cod['order_id']}")
    expect(phone.locator("#cancellation")).to_have_text(f"کاریگر نے یہ آرڈر قبول نہیں کیا: {DECLINED}")
    expect(phone.locator("#ops-cancel")).to_have_count(0)
    assert_fits_width(phone)
    screenshot(phone, "order-declined-ur-phone")
    _checkout(phone, listing_id, name="سارہ خان", phone="+923001112223", line1="مکان 9، ماڈل ٹاؤن", city="لاہور")
    phone.wait_for_url(re.compile(r"/order\.html\?id="), timeout=30_000)
    expect(phone.locator("#order-status")).to_have_text("confirmed")
    assert_no_page_errors(phone)
    for page in (shopper, phone, workshop, desk, office):
        page.context.close()

"""Returns, disputes and the ops queues in a real browser (Debian's Chromium) against the real local stack.

A buyer asks to return one of two delivered items from the order page; ops, signed in as staff,
find the order in the Returns queue and approve it (which refunds it), and see a disputed card
order in the Disputed queue; the buyer then sees the decision, in English and in Urdu at 360 px.
"""
from __future__ import annotations

import uuid

from playwright.sync_api import Browser, expect

from harness.factories import make_order
from harness.gateways import card_dispute, card_success
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

SHIPMENT = {"carrier": "tcs", "tracking_number": "TCS-BROWSER"}


def _webhook(stack: LocalStack, body: bytes) -> None:
    response = stack.post_card_event(body)
    assert response.status_code == 200, response.text


def test_a_buyer_returns_an_item_and_ops_approve_it_from_the_returns_queue(stack: LocalStack,
                                                                           browser: Browser) -> None:
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    buyer = stack.user()
    title = f"Multani blue vase {uuid.uuid4().hex[:6]}"
    listing = active_listing(stack, artisan, title=title, category="pottery", stock=10)
    order = ok(place(stack, buyer, make_order((listing["listing_id"], 2), payment_method="cod")), 201)
    disputed = ok(place(stack, buyer, make_order((listing["listing_id"], 1), payment_method="card")), 201)
    _webhook(stack, card_success(disputed))
    for placed in (order, disputed):
        ok(api(stack, "POST", f"/orders/{placed['order_id']}/shipments", artisan, SHIPMENT))
        ok(api(stack, "POST", f"/ops/orders/{placed['order_id']}/delivered", ops))
    _webhook(stack, card_dispute(disputed, dispute_id=f"dp_{uuid.uuid4().hex[:8]}"))

    shopper = new_page(browser, base_url=stack.web_url)
    sign_in(shopper, buyer.email, buyer.password, next_path=f"/order.html?id={order['order_id']}")
    shopper.locator("#return-reason").fill("The glaze is cracked")
    shopper.locator("#return-submit").click()
    expect(shopper.locator("#return-status")).to_have_text("Choose how many of at least one item to return.")
    shopper.locator(f"#return-qty-{listing['listing_id']}").fill("1")
    shopper.locator("#return-submit").click()
    expect(shopper.locator("#message")).to_contain_text("Your return request is sent")
    expect(shopper.locator("#return-list li")).to_contain_text("Waiting for a decision")
    expect(shopper.locator(f"#return-qty-{listing['listing_id']}")).to_have_attribute("max", "1")
    screenshot(shopper, "order-return-requested-desktop")
    assert_no_page_errors(shopper)

    desk = new_page(browser, base_url=stack.web_url)
    staff_sign_in(desk, ops.email, ops.password, ops.totp_secret, next_path="/dashboard.html")
    desk.goto("/dashboard.html#queues")
    desk.locator("#queue-disputed").click()
    disputed_entry = desk.locator(f'#queue-list li[data-order-id="{disputed["order_id"]}"]')
    expect(disputed_entry).to_contain_text("Card dispute open")
    desk.locator("#queue-returns").click()
    entry = desk.locator(f'#queue-list li[data-order-id="{order["order_id"]}"]')
    expect(entry).to_contain_text(f"1 × {title}")
    entry.locator("input[name=note]").fill("Photo shows the crack")
    entry.get_by_role("button", name="Approve and refund").click()
    expect(entry).to_contain_text("Approved and refunded")
    screenshot(desk, "dashboard-ops-queues-desktop")
    assert_no_page_errors(desk)

    small_desk = new_page(browser, base_url=stack.web_url, lang=None, phone=True)
    staff_sign_in(small_desk, ops.email, ops.password, ops.totp_secret, next_path="/dashboard.html")
    small_desk.evaluate("localStorage.setItem('mip.lang', 'ur')")
    small_desk.goto("/dashboard.html#queues")
    small_desk.reload()
    small_desk.locator("#queue-disputed").click()
    disputed_row = small_desk.locator(f'#queue-list li[data-order-id="{disputed["order_id"]}"]')
    expect(disputed_row).to_contain_text("کارڈ اعتراض جاری")
    expect(small_desk.locator("#queue-needs_review")).to_have_text("جائزہ طلب")
    assert_fits_width(small_desk)
    screenshot(small_desk, "dashboard-ops-queues-ur-phone")
    assert_no_page_errors(small_desk)

    after = ok(api(stack, "GET", f"/orders/{order['order_id']}", buyer))
    assert [entry["status"] for entry in after["returns"]] == ["approved"]
    assert after["refunded_amount"]["amount"] == listing["price"]["amount"]

    phone = new_page(browser, base_url=stack.web_url, lang=None, phone=True)
    sign_in(phone, buyer.email, buyer.password, next_path=f"/order.html?id={order['order_id']}")
    phone.evaluate("localStorage.setItem('mip.lang', 'ur')")
    phone.reload()
    expect(phone.locator("#return-list li")).to_contain_text("منظور اور رقم واپس")
    expect(phone.locator("#returns-title")).to_have_text("واپسی")
    assert phone.locator("html").get_attribute("dir") == "rtl"
    assert_fits_width(phone)
    screenshot(phone, "order-return-approved-ur-phone")
    phone.goto(f"/order.html?id={disputed['order_id']}")
    expect(phone.locator("#dispute-notice")).to_contain_text("اعتراض")
    assert_fits_width(phone)
    assert_no_page_errors(phone)


def test_ops_settle_a_flagged_order_from_the_needs_review_queue(stack: LocalStack, browser: Browser) -> None:
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    buyer = stack.user()
    listing = active_listing(stack, artisan, title=f"Sindhi ajrak {uuid.uuid4().hex[:6]}", category="textiles",
                             stock=5)
    flagged = ok(place(stack, buyer, make_order((listing["listing_id"], 1), payment_method="card")), 201)
    _webhook(stack, card_success(flagged, amount=flagged["charge"]["amount"] - 1))

    small_desk = new_page(browser, base_url=stack.web_url, lang=None, phone=True)
    staff_sign_in(small_desk, ops.email, ops.password, ops.totp_secret, next_path="/dashboard.html")
    small_desk.evaluate("localStorage.setItem('mip.lang', 'ur')")
    small_desk.goto("/dashboard.html#queues")
    small_desk.reload()
    row = small_desk.locator(f'#queue-list li[data-order-id="{flagged["order_id"]}"]')
    expect(row.get_by_role("button", name="حل شدہ قرار دیں")).to_be_visible()
    assert_fits_width(small_desk)
    assert_no_page_errors(small_desk)

    desk = new_page(browser, base_url=stack.web_url)
    staff_sign_in(desk, ops.email, ops.password, ops.totp_secret, next_path="/dashboard.html")
    desk.goto("/dashboard.html#queues")
    entry = desk.locator(f'#queue-list li[data-order-id="{flagged["order_id"]}"]')
    expect(entry).to_contain_text("Flagged: amount_or_currency_mismatch")
    entry.locator("input[name=note]").fill("Buyer paid the missing paisa by bank transfer")
    entry.get_by_role("button", name="Mark as resolved").click()
    expect(entry).to_contain_text(f"Order {flagged['order_id']} is out of the review queue.")
    desk.reload()
    expect(desk.locator("#queue-list")).not_to_contain_text(flagged["order_id"])
    screenshot(desk, "dashboard-ops-review-resolved-desktop")
    assert_no_page_errors(desk)

    after = ok(api(stack, "GET", f"/orders/{flagged['order_id']}", ops))
    assert after["needs_review"] is False and after["status"] == "pending_payment"

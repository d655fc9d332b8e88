"""Being told, in a real browser (Debian's Chromium) against the real local stack: an artisan chooses how they are
told on the dashboard's Messages tab (Urdu, right to left, on a 360 px phone), a buyer on their orders page, and
ops read a phone number's message log on the Message log tab."""
from __future__ import annotations

import time

from playwright.sync_api import Browser, expect

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

ARTISAN_PHONE = "+923001234567"  # make_profile's


def test_an_artisan_chooses_how_they_are_told_in_urdu_on_a_phone(stack: LocalStack, browser: Browser) -> None:
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    page = new_page(browser, phone=True, lang=None, base_url=stack.web_url)  # English until signed in
    sign_in(page, artisan.email, artisan.password, next_path="/dashboard.html")
    page.evaluate("localStorage.setItem('mip.lang', 'ur')")
    page.goto("/dashboard.html#notify")
    page.reload()
    expect(page.locator("#notify-form")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#notify-sms")).to_be_checked()  # an artisan's default: Urdu SMS
    expect(page.locator("#notify-email")).not_to_be_checked()
    expect(page.locator("#notify-language")).to_have_value("ur")
    assert_fits_width(page)
    screenshot(page, "notifications-settings-ur-360")

    page.locator("#notify-email").check()
    page.locator("#notify-language").select_option("en")
    page.locator("#notify-save").click()
    expect(page.locator("#notify-status")).to_contain_text("محفوظ")

    assert ok(api(stack, "GET", "/me/notification-settings", artisan)) == {"sms": True, "email": True, "language": "en"}
    page.reload()
    expect(page.locator("#notify-email")).to_be_checked()
    expect(page.locator("#notify-language")).to_have_value("en")
    assert_no_page_errors(page)


def test_a_buyer_turns_email_off_on_their_orders_page(stack: LocalStack, browser: Browser) -> None:
    buyer = stack.user()
    page = new_page(browser, base_url=stack.web_url)
    sign_in(page, buyer.email, buyer.password, next_path="/orders.html")
    page.goto("/orders.html")
    expect(page.locator("#notify-email")).to_be_checked()  # a buyer's default: e-mail in English
    expect(page.locator("#notify-sms")).not_to_be_checked()
    page.locator("#notify-email").uncheck()
    page.locator("#notify-save").click()
    expect(page.locator("#notify-status")).to_contain_text("Saved")
    assert ok(api(stack, "GET", "/me/notification-settings", buyer))["email"] is False
    assert_no_page_errors(page)


def test_ops_read_a_phone_numbers_message_log_in_english_and_urdu(stack: LocalStack, browser: Browser) -> None:
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    listing = active_listing(stack, artisan, stock=5)
    buyer = stack.user()
    order = ok(place(stack, buyer, make_order((listing["listing_id"], 1), payment_method="cod")), 201)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the pump hands the event to the notifier
        log = ok(api(stack, "GET", f"/ops/notifications?recipient=%2B{ARTISAN_PHONE[1:]}&limit=100", ops))["items"]
        if any(order["order_id"] in item["notification_id"] for item in log):
            break
        time.sleep(0.3)

    for lang, heading, placed in (("en", "Message log", "Order placed"), ("ur", "پیغامات کا ریکارڈ", "آرڈر درج")):
        page = new_page(browser, phone=lang == "ur", lang=None, base_url=stack.web_url)  # English until signed in
        staff_sign_in(page, ops.email, ops.password, ops.totp_secret, next_path="/dashboard.html")
        page.evaluate(f"localStorage.setItem('mip.lang', {lang!r})")
        page.goto("/dashboard.html#notify_log")
        page.reload()
        expect(page.locator("#panel h2")).to_have_text(heading)
        page.locator("#log-recipient").fill(ARTISAN_PHONE)
        page.locator("#log-form button[type=submit]").click()
        sms = f"order.placed#{order['order_id']}#{artisan.sub}#sms"
        entry = page.locator(f"#log-list li[data-notification-id='{sms}']")
        expect(entry).to_contain_text(placed)
        expect(entry.locator("p.body")).to_contain_text(order["order_id"])
        expect(entry.locator("p.body")).to_have_attribute("lang", "ur")
        assert_fits_width(page)
        screenshot(page, f"notifications-log-{lang}")
        assert_no_page_errors(page)

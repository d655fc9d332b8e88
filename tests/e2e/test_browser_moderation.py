"""Moderation in a real browser (Debian's Chromium) against the real local stack.

Ops, signed in as staff, take one listing down and suspend its artisan from the dashboard; the
listings leave the storefront, the audit log shows both decisions, and the artisan's dashboard
shows the suspension's reason and the takedown's (English and Urdu, 360 px wide too).
"""
from __future__ import annotations

import uuid

from playwright.sync_api import Browser, expect

from tests.e2e.browser_helpers import (
    assert_fits_width,
    assert_no_page_errors,
    new_page,
    screenshot,
    sign_in,
    staff_sign_in,
)
from tests.e2e.conftest import LocalStack

from .test_orders_e2e import active_listing, verified_artisan

REASON = "Counterfeit goods reported by buyers"


def test_ops_suspend_an_artisan_whose_listings_leave_the_shop_and_who_sees_why(stack: LocalStack,
                                                                             browser: Browser) -> None:
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    title = f"Sindhi ajrak {uuid.uuid4().hex[:6]}"
    listing = active_listing(stack, artisan, title=title, category="ajrak-block-print")
    other = active_listing(stack, artisan, title=f"{title} cushion")

    shop = new_page(browser, base_url=stack.web_url)
    shop.goto("/")
    expect(shop.get_by_text(title, exact=True)).to_be_visible()

    desk = new_page(browser, base_url=stack.web_url)
    staff_sign_in(desk, ops.email, ops.password, ops.totp_secret, next_path="/dashboard.html")
    desk.goto("/dashboard.html#ops")
    desk.locator("#takedown-form-target").fill(other["listing_id"])
    desk.locator("#takedown-form-reason").fill("Copied design")
    desk.locator("#takedown-form-take_down").click()
    expect(desk.locator("#takedown-form-status")).to_contain_text("is taken down")
    desk.locator("#suspension-form-target").fill(artisan.sub)
    desk.locator("#suspension-form-suspend").click()
    expect(desk.locator("#suspension-form-status")).to_have_text("Required.")  # a suspension needs its reason
    desk.locator("#suspension-form-reason").fill(REASON)
    desk.locator("#suspension-form-suspend").click()
    expect(desk.locator("#suspension-form-status")).to_contain_text("is suspended")
    desk.locator("#audit-filter").select_option("target_id")
    desk.locator("#audit-value").fill(artisan.sub)
    desk.locator("#audit-show").click()
    expect(desk.locator("#audit-log li").first).to_have_attribute("data-action", "artisan.suspension")
    expect(desk.locator("#audit-log li").first).to_contain_text(REASON)
    screenshot(desk, "dashboard-ops-moderation-desktop")
    assert_no_page_errors(desk)

    shop.goto("/")
    expect(shop.locator("main")).not_to_contain_text(title)
    shop.goto(f"/listing.html?id={listing['listing_id']}")
    expect(shop.locator("main")).not_to_contain_text(title)

    for lang, phone in (("en", False), ("ur", True)):
        page = new_page(browser, base_url=stack.web_url, lang=None, phone=phone)  # English until signed in
        sign_in(page, artisan.email, artisan.password, next_path="/dashboard.html")
        page.evaluate(f"localStorage.setItem('mip.lang', {lang!r})")
        page.reload()
        notice = page.locator("#suspension-notice")
        expect(notice).to_contain_text(REASON)
        expect(notice).to_contain_text("suspended" if lang == "en" else "معطل")
        page.goto("/dashboard.html#listings")
        expect(page.locator(f'tr[data-listing-id="{other["listing_id"]}"] .takedown-reason')).to_contain_text(
            "Copied design")
        if phone:
            assert_fits_width(page)
        screenshot(page, f"dashboard-artisan-suspended-{lang}-{'phone' if phone else 'desktop'}")
        assert_no_page_errors(page)

"""Reviews and browsing by price in a real browser (Debian's Chromium) against the real local stack.

A buyer reviews a delivered order from its page, the listing's page shows the rating and the review, ops hide it
from that page; in Urdu on a 360 px phone as well. The storefront sorts by price without a craft.
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

from .test_orders_e2e import active_listing, api, ok, verified_artisan
from .test_review_races import delivered_orders


def test_a_buyer_reviews_a_delivered_order_and_ops_hide_it_from_the_listing_page(stack: LocalStack,
                                                                              browser: Browser) -> None:
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    title = f"Multani blue pottery {uuid.uuid4().hex[:6]}"
    listing_id = active_listing(stack, artisan, title=title, category="pottery")["listing_id"]
    buyer = stack.user()
    (order_id,) = delivered_orders(stack, artisan, ops, listing_id, [buyer])

    page = new_page(browser, base_url=stack.web_url)
    sign_in(page, buyer.email, buyer.password, next_path=f"/order.html?id={order_id}")
    form = page.locator(f"#review-{listing_id}")
    expect(page.locator("#write-reviews-title")).to_have_text("Write a review")
    form.get_by_label("4 stars").check()
    form.get_by_label("Your review (optional)").fill("Lovely glaze, arrived well packed.")
    form.get_by_role("button", name="Post review").click()
    expect(page.locator(f"#review-{listing_id}-done")).to_have_text("Thank you! Your review is posted.")
    screenshot(page, "order-review-desktop")
    page.reload()
    page.locator(f"#review-{listing_id}").get_by_role("button", name="Post review").click()
    expect(page.locator(f"#review-{listing_id}-status")).to_have_text(
        "You have already reviewed this item from this order.")
    assert_no_page_errors(page)

    shop = new_page(browser, base_url=stack.web_url)
    shop.goto(f"/listing.html?id={listing_id}")
    expect(shop.locator("#listing-rating")).to_contain_text("4.0 out of 5 (1 review)")
    expect(shop.locator("#reviews .review-text")).to_have_text("Lovely glaze, arrived well packed.")
    expect(shop.locator("#reviews .review")).to_contain_text("Verified purchase")
    expect(shop.locator(".hide-review")).to_have_count(0)  # only ops may hide
    assert_no_page_errors(shop)

    desk = new_page(browser, base_url=stack.web_url)
    staff_sign_in(desk, ops.email, ops.password, ops.totp_secret, next_path=f"/listing.html?id={listing_id}")
    desk.get_by_label("Reason for hiding").fill("Mentions a phone number")
    desk.get_by_role("button", name="Hide review").click()
    expect(desk.locator("#reviews .notice")).to_have_text("Review hidden.")
    desk.reload()
    expect(desk.locator("#listing-rating")).to_have_text("No reviews yet")
    expect(desk.locator("#reviews .review")).to_have_count(0)
    trail = ok(api(stack, "GET", f"/ops/audit?actor_id={ops.sub}&limit=5", ops))["items"]
    assert trail[0]["action"] == "review.hidden" and trail[0]["details"]["reason"] == "Mentions a phone number"
    assert_no_page_errors(desk)


def test_an_urdu_review_on_a_phone(stack: LocalStack, browser: Browser) -> None:
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    listing_id = active_listing(stack, artisan, title=f"Ajrak {uuid.uuid4().hex[:6]}", title_ur="اجرک")["listing_id"]
    buyer = stack.user()
    (order_id,) = delivered_orders(stack, artisan, ops, listing_id, [buyer])

    page = new_page(browser, base_url=stack.web_url, phone=True, lang=None)  # signs in in English, then Urdu
    sign_in(page, buyer.email, buyer.password, next_path=f"/order.html?id={order_id}")
    page.evaluate("localStorage.setItem('mip.lang', 'ur')")
    page.reload()
    expect(page.locator("#write-reviews-title")).to_have_text("جائزہ لکھیں")
    form = page.locator(f"#review-{listing_id}")
    form.get_by_label("5 ستارے").check()
    form.get_by_label("آپ کا جائزہ (اختیاری)").fill("بہت خوبصورت اجرک، رنگ پکے ہیں۔")
    form.get_by_role("button", name="جائزہ شائع کریں").click()
    expect(page.locator(f"#review-{listing_id}-done")).to_have_text("شکریہ! آپ کا جائزہ شائع ہو گیا۔")
    assert_fits_width(page)
    assert_no_page_errors(page)

    page.goto(f"/listing.html?id={listing_id}")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#listing-rating")).to_contain_text("5 میں سے 5.0 (1 جائزہ)")
    expect(page.locator("#reviews-title")).to_have_text("جائزے")
    expect(page.locator("#reviews .review-text")).to_have_text("بہت خوبصورت اجرک، رنگ پکے ہیں۔")
    page.locator("#reviews").scroll_into_view_if_needed()
    screenshot(page, "listing-reviews-phone-ur")
    assert_fits_width(page)
    assert_no_page_errors(page)


def test_the_storefront_sorts_every_craft_by_price(stack: LocalStack, browser: Browser) -> None:
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    for category, amount in (("pottery", 100), ("woodwork", 101), ("textiles", 102)):
        active_listing(stack, artisan, category=category, price={"amount": amount, "currency": "PKR"})

    page = new_page(browser, base_url=stack.web_url)
    page.goto("/")
    expect(page.locator("#sort")).to_be_enabled()
    page.locator("#sort").select_option("price_asc")
    page.wait_for_url(lambda url: url.endswith("/?sort=price_asc"))
    expect(page.locator("#results .card").first).to_be_visible()
    shown = page.locator("#results .card").evaluate_all("cards => cards.map((card) => card.dataset.listingId)")
    cheapest = ok(api(stack, "GET", "/listings?sort=price_asc&limit=12"))["items"]
    assert shown == [item["listing_id"] for item in cheapest]
    prices = [item["price"]["amount"] for item in cheapest]
    assert prices == sorted(prices) and prices[0] == 100
    page.locator("#province").select_option("sindh")
    page.wait_for_url(lambda url: url.endswith("/?province=sindh"))
    expect(page.locator("#sort")).to_be_disabled()
    expect(page.locator("#sort-hint")).to_be_visible()
    assert_no_page_errors(page)

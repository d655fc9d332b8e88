"""Easypaisa in a real browser (Debian's Chromium) against the real local stack and its sandbox checkout.

A buyer picks Easypaisa at checkout; the page posts the encrypted form to the sandbox's Easypay page, the buyer
pays there, the sandbox notifies the API (unsigned) and sends the buyer back through the API, which asks the
sandbox's inquiry API before it believes anything; the buyer lands on the order page and sees it paid. The
checkout offers Easypaisa in Urdu at 360 px too.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.browser_helpers import assert_fits_width, assert_no_page_errors, new_page, screenshot, sign_in
from tests.e2e.conftest import LocalStack

from .test_orders_e2e import active_listing, verified_artisan

PRICE = 180000  # Rs 1,800


@pytest.fixture
def listing_id(stack: LocalStack) -> str:
    artisan = verified_artisan(stack, stack.user("ops"))
    return str(active_listing(stack, artisan, stock=5, price={"amount": PRICE, "currency": "PKR"})["listing_id"])


def _checkout(page, listing_id: str) -> None:  # noqa: ANN001
    page.goto(f"/listing.html?id={listing_id}")
    page.locator("#add-to-cart").click()
    expect(page.locator("#cart-status")).to_be_visible()
    page.goto("/cart.html")
    page.locator("#name").fill("Ayesha Khan")
    page.locator("#phone").fill("+923111234567")
    page.locator("#line1").fill("House 12, Street 4, Gulberg")
    page.locator("#city").fill("Lahore")
    page.locator("#country").select_option("PK")


def test_buyer_pays_with_easypaisa_in_the_sandbox_and_sees_the_order_paid(stack: LocalStack, browser: Browser,
                                                                          listing_id: str) -> None:
    buyer = stack.user()
    page = new_page(browser, base_url=stack.web_url)
    sign_in(page, buyer.email, buyer.password)
    _checkout(page, listing_id)
    page.get_by_label("Easypaisa (PKR)").check()
    screenshot(page, "checkout-easypaisa-desktop")
    page.locator("#place-order").click()
    try:
        page.wait_for_url(re.compile(r"/sandbox/easypaisa$"))
    except PlaywrightTimeoutError:
        pytest.fail(f"no Easypaisa page; checkout said: {page.locator('#checkout-status').inner_text()!r}")
    expect(page.locator("h1")).to_have_text("Easypaisa sandbox")
    expect(page.locator("body")).to_contain_text("Rs 2,050.00")  # Rs 1,800 and Rs 250 shipping
    page.get_by_role("button", name="Pay").click()

    # The sandbox posts the buyer back to the API's callback, which inquires and redirects to the order page.
    page.wait_for_url(re.compile(r"/order\.html\?id="), timeout=30_000)
    expect(page.locator("#order-status")).to_have_text("paid")
    screenshot(page, "order-paid-easypaisa-desktop")
    assert_no_page_errors(page)
    page.context.close()


def test_the_checkout_offers_easypaisa_in_urdu_on_a_phone(stack: LocalStack, browser: Browser,
                                                          listing_id: str) -> None:
    buyer = stack.user()
    page = new_page(browser, phone=True, lang=None, base_url=stack.web_url)
    sign_in(page, buyer.email, buyer.password)
    page.evaluate("localStorage.setItem('mip.lang', 'ur')")
    _checkout(page, listing_id)
    choice = page.get_by_label("ایزی پیسہ (روپے)")
    expect(choice).to_be_visible()
    choice.check()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert_fits_width(page)
    screenshot(page, "checkout-easypaisa-ur-phone")
    assert_no_page_errors(page)
    page.context.close()

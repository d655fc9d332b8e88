"""Variants in a real browser (Debian's Chromium) against the real local stack.

An artisan lists a khussa in sizes x colours from the dashboard's option editor and variant grid; a buyer picks a
size and colour on the listing page (a sold-out combination cannot be picked), sees its price and stock, and
orders it; the cart and the order carry the variant. In Urdu, on a 360 px phone, the pickers and the grid work too.
"""
from __future__ import annotations

import re
import uuid
from typing import Any

from boto3.dynamodb.types import TypeSerializer
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.browser_helpers import assert_fits_width, assert_no_page_errors, new_page, screenshot, sign_in
from tests.e2e.conftest import LocalStack, User

from .test_orders_e2e import LISTINGS_TABLE, api, ok, verified_artisan


def _publish(stack: LocalStack, artisan: User, listing_id: str) -> dict[str, Any]:
    """A ready photo recorded as the image processor records one, then publish (the photo flow has its own tests)."""
    record = {"image_id": "IMG1", "status": "ready", "created_at": "2026-01-01T00:00:00.000000Z", "width": 1024,
              "height": 768, "rendition_keys": {name: f"public/{listing_id}/IMG1/{name}.jpg"
                                                for name in ("thumb", "medium", "large")}}
    stack.client("dynamodb").update_item(
        TableName=LISTINGS_TABLE, Key={"listing_id": {"S": listing_id}}, UpdateExpression="SET images.#image = :record",
        ExpressionAttributeNames={"#image": "IMG1"},
        ExpressionAttributeValues={":record": TypeSerializer().serialize(record)})
    return dict(ok(api(stack, "POST", f"/listings/{listing_id}/publish", artisan)))


def _option(page: Page, index: int, name: str, name_ur: str, values: str) -> None:
    page.locator("#add-option").click()
    page.locator(f"#option-name-{index}").fill(name)
    page.locator(f"#option-name-ur-{index}").fill(name_ur)
    page.locator(f"#option-values-{index}").fill(values)
    page.locator(f"#option-values-{index}").dispatch_event("change")


def _row(page: Page, label: str) -> Locator:
    return page.locator(f"#variant-grid tr[data-label='{label}']")


def test_an_artisan_lists_sizes_by_colours_and_a_buyer_orders_one_variant(stack: LocalStack, browser: Browser) -> None:
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    title = f"Khussa, hand-stitched {uuid.uuid4().hex[:6]}"

    page = new_page(browser, base_url=stack.web_url)
    sign_in(page, artisan.email, artisan.password, next_path="/dashboard.html")
    page.goto("/dashboard.html#listings")
    page.locator("#new-listing").click()
    page.get_by_label("Title (English)").fill(title)
    page.get_by_label("Title (Urdu)").fill("ہاتھ سے سلا کھسہ")
    page.locator("#category").select_option("leather")
    page.get_by_label("Price (Rs)", exact=True).fill("2,500")
    _option(page, 0, "Size", "سائز", "8, 9")
    _option(page, 1, "Colour", "رنگ", "red, black")
    expect(page.locator("#variant-grid tbody th")).to_have_text(["8 / red", "8 / black", "9 / red", "9 / black"])
    expect(page.locator("#stock")).to_be_disabled()  # the sum of the variants'
    for label, stock in (("8 / red", "2"), ("8 / black", "2"), ("9 / red", "1"), ("9 / black", "0")):
        _row(page, label).locator(".variant-stock").fill(stock)
    _row(page, "9 / red").locator(".variant-price").fill("3,000")
    _row(page, "9 / red").locator(".variant-sku").fill("KH-9-RED")
    screenshot(page, "dashboard-variants-desktop")
    page.locator("#listing-form-submit").click()
    expect(page.locator("#listing-status")).to_have_text("draft")
    expect(_row(page, "9 / red").locator(".variant-price")).to_have_value("3000")  # the edit form, as saved
    assert_no_page_errors(page)
    page.context.close()

    mine = ok(api(stack, "GET", "/artisans/me/listings?limit=100", artisan))["items"]
    listing = next(item for item in mine if item["title"] == title)
    assert listing["stock"] == 5 and listing["price"] == {"amount": 250000, "currency": "PKR"}
    ids = {f"{v['options']['Size']}/{v['options']['Colour']}": v for v in listing["variants"]}
    assert (ids["9/red"]["price"]["amount"], ids["9/red"]["sku"], ids["9/black"]["stock"]) == (300000, "KH-9-RED", 0)
    _publish(stack, artisan, listing["listing_id"])

    buyer = stack.user()
    shop = new_page(browser, base_url=stack.web_url)
    sign_in(shop, buyer.email, buyer.password, next_path=f"/listing.html?id={listing['listing_id']}")
    expect(shop.locator("#listing-price")).to_contain_text("from")
    expect(shop.locator("#add-to-cart")).to_be_disabled()
    shop.get_by_label("Size").select_option("9")
    black = shop.locator("#option-1 option[value=black]")
    expect(black).to_be_disabled()  # 9 / black is sold out
    expect(black).to_contain_text("sold out")
    shop.get_by_label("Colour").select_option("red")
    expect(shop.locator("#variant-price")).to_contain_text("3,000")
    expect(shop.locator("#variant-availability")).to_have_text("1 left")
    shop.locator("#add-to-cart").click()
    expect(shop.locator("#cart-status")).to_contain_text("Added to your cart.")
    shop.goto("/cart.html")
    expect(shop.locator("#cart-table .variant-choice")).to_have_text("Size: 9 · Colour: red")
    shop.get_by_label("Full name").fill("Sara Khan")
    shop.get_by_label("Phone").fill("+923001112223")
    shop.get_by_label("Address line 1").fill("House 9, Model Town")
    shop.get_by_label("City").fill("Lahore")
    shop.locator("#country").select_option("PK")
    shop.get_by_label("Cash on delivery (Pakistan only)").check()
    shop.locator("#place-order").click()
    shop.wait_for_url(re.compile(r"/order\.html\?id="), timeout=30_000)
    expect(shop.locator("#order-status")).to_have_text("confirmed")
    expect(shop.locator(".variant-choice")).to_have_text("Size: 9 · Colour: red")
    order_id = shop.url.split("id=")[1]
    assert_no_page_errors(shop)
    shop.context.close()

    order = ok(api(stack, "GET", f"/orders/{order_id}", buyer))
    assert [(line["variant_id"], line["unit_price"]["amount"]) for line in order["items"]] == [
        (ids["9/red"]["variant_id"], 300000)]
    after = ok(api(stack, "GET", f"/listings/{listing['listing_id']}"))
    assert {f"{v['options']['Size']}/{v['options']['Colour']}": v["stock"] for v in after["variants"]} == {
        "8/red": 2, "8/black": 2, "9/red": 0, "9/black": 0}

    # In Urdu on a 360 px phone: the pickers name the options in Urdu; the sold-out sizes cannot be picked.
    phone = new_page(browser, phone=True, lang="ur", base_url=stack.web_url)
    phone.goto(f"/listing.html?id={listing['listing_id']}")
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    expect(phone.locator("label[for=option-0]")).to_contain_text("سائز")
    expect(phone.locator("#option-0 option[value='9']")).to_be_disabled()  # 9 is sold out in every colour
    phone.locator("#option-0").select_option("8")
    phone.locator("#option-1").select_option("black")
    expect(phone.locator("#variant-availability")).to_have_text("2 باقی")
    assert_fits_width(phone)
    screenshot(phone, "listing-variants-phone-ur")
    assert_no_page_errors(phone)
    phone.context.close()

    # The artisan's editor in Urdu on a phone: the grid shows every combination and fits.
    desk = new_page(browser, phone=True, lang=None, base_url=stack.web_url)
    sign_in(desk, artisan.email, artisan.password, next_path="/dashboard.html")
    desk.evaluate("localStorage.setItem('mip.lang', 'ur')")
    desk.goto("/dashboard.html#listings")
    desk.reload()
    expect(desk.locator("html")).to_have_attribute("lang", "ur")
    desk.locator(f"tr[data-listing-id='{listing['listing_id']}'] button[data-action=edit]").click()
    expect(desk.locator("#variant-grid tbody tr")).to_have_count(4)
    expect(_row(desk, "9 / red").locator(".variant-stock")).to_have_value("0")
    _row(desk, "8 / red").locator(".variant-stock").fill("6")
    desk.locator("#listing-form-submit").click()
    expect(_row(desk, "8 / red").locator(".variant-stock")).to_have_value("6")
    assert_fits_width(desk)
    screenshot(desk, "dashboard-variants-phone-ur")
    assert_no_page_errors(desk)
    desk.context.close()
    edited = ok(api(stack, "GET", f"/listings/{listing['listing_id']}"))
    assert {v["variant_id"] for v in edited["variants"]} == {v["variant_id"] for v in listing["variants"]}
    assert edited["stock"] == 8

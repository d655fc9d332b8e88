"""Monthly statements in a real browser (Debian's Chromium) against the real local stack.

An artisan with a delivered cash-on-delivery sale and a refund on it opens the statements tab, the printable
statement of this month (totals, lines, running balance, the CSV download), prints it (navigation hidden), and
reads both screens in Urdu at 360 px (right to left, nothing wider than the screen).
"""
from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta, timezone

from playwright.sync_api import Browser, expect

from harness.factories import make_order
from tests.e2e.browser_helpers import assert_fits_width, assert_no_page_errors, new_page, screenshot, sign_in
from tests.e2e.conftest import LocalStack

from .test_orders_e2e import active_listing, api, ok, place, verified_artisan

SHIPMENT = {"carrier": "tcs", "tracking_number": "TCS-STMT"}


def _shown(paisa: int) -> str:
    """How the statement page writes an amount: grouped rupees, two decimals."""
    sign = "-" if paisa < 0 else ""
    whole, part = divmod(abs(paisa), 100)
    return f"{sign}{whole:,}.{part:02d}"


def test_an_artisan_reads_prints_and_downloads_this_months_statement(stack: LocalStack, browser: Browser) -> None:
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    buyer = stack.user()
    listing = active_listing(stack, artisan, title=f"Multani khussa {uuid.uuid4().hex[:6]}", stock=5,
                             price={"amount": 345050, "currency": "PKR"})
    order = ok(place(stack, buyer, make_order((listing["listing_id"], 1), payment_method="cod")), 201)
    ok(api(stack, "POST", f"/orders/{order['order_id']}/shipments", artisan, SHIPMENT))
    ok(api(stack, "POST", f"/ops/orders/{order['order_id']}/delivered", ops))
    ok(api(stack, "POST", f"/ops/orders/{order['order_id']}/refunds", ops,
           {"amount": {"amount": 10025, "currency": "PKR"}, "reason": "A scuffed heel"},
           headers={"Idempotency-Key": uuid.uuid4().hex}), 201)
    month = datetime.now(timezone(timedelta(hours=5))).strftime("%Y-%m")
    balance = ok(api(stack, "GET", "/artisans/me/payouts", artisan))["balance"]["amount"]
    document = ok(api(stack, "GET", f"/artisans/me/statements/{month}", artisan))
    assert document["closing_balance"]["amount"] == balance

    desk = new_page(browser, base_url=stack.web_url)
    sign_in(desk, artisan.email, artisan.password, next_path="/dashboard.html")
    desk.goto("/dashboard.html#statements")
    months = desk.locator("#statement-months li")
    expect(months).to_have_count(12)
    expect(months.first).to_have_attribute("data-month", month)
    desk.locator(f"#open-{month}").click()
    expect(desk.locator("#closing-balance")).to_have_text(_shown(balance))
    expect(desk.locator("#opening-balance")).to_have_text("0.00")
    expect(desk.locator("#total-sales")).to_have_text(_shown(345050))
    expect(desk.locator("#total-commission")).to_have_text(_shown(-document["totals"]["commission"]["amount"]))
    expect(desk.locator("#statement-lines tbody tr")).to_have_count(2)
    expect(desk.locator('#statement-lines tr[data-kind="refund"] td.running')).to_have_text(_shown(balance))
    expect(desk.locator("#statement-running")).to_be_visible()
    screenshot(desk, "statement-desktop")

    with desk.expect_download() as download:
        desk.locator(f"#csv-{month}").click()
    assert download.value.suggested_filename == f"statement-{month}.csv"
    with open(download.value.path(), encoding="utf-8") as saved:
        rows = list(csv.reader(io.StringIO(saved.read())))
    assert [row[1] for row in rows] == ["kind", "opening_balance", "sale", "refund", "closing_balance"]
    assert rows[-1][8] == f"{balance // 100}.{balance % 100:02d}"

    desk.emulate_media(media="print")
    expect(desk.locator("header.site")).to_be_hidden()
    expect(desk.locator("#print-statement")).to_be_hidden()
    expect(desk.locator("#statement-lines")).to_be_visible()
    desk.emulate_media(media="screen")
    assert_no_page_errors(desk)

    phone = new_page(browser, base_url=stack.web_url, lang=None, phone=True)
    sign_in(phone, artisan.email, artisan.password, next_path="/dashboard.html")
    phone.evaluate("localStorage.setItem('mip.lang', 'ur')")
    phone.goto("/dashboard.html#statements")
    phone.reload()  # the language is applied as a page loads; a hash change alone keeps the page's direction
    expect(phone.locator("#tab-statements")).to_have_text("گوشوارے")
    expect(phone.locator(f"#open-{month}")).to_have_text("دیکھیں اور پرنٹ کریں")
    assert phone.locator("html").get_attribute("dir") == "rtl"
    assert_fits_width(phone)
    screenshot(phone, "statements-ur-phone")
    phone.goto(f"/statement.html?month={month}")
    expect(phone.locator("#page-title")).to_contain_text("کا گوشوارہ")
    expect(phone.locator("#closing-balance")).to_have_text(_shown(balance))
    expect(phone.locator('#statement-lines tr[data-kind="sale"]')).to_contain_text("فروخت")
    assert phone.locator("html").get_attribute("lang") == "ur"
    assert_fits_width(phone)
    screenshot(phone, "statement-ur-phone")
    assert_no_page_errors(phone)

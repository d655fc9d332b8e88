"""Getting paid in a real browser (Debian's Chromium) against the real local stack.

The artisan gives a payout account on the Payouts tab (a wrong IBAN is refused, the saved one shows masked), and
later sees their payout sent, then returned to their balance. Ops, signed in as staff, start a run on the Payout
runs tab, download its bank file, and post the bank's results, from the form and from a CSV. Both screens in Urdu
(right to left) on a 360 px phone fit without sideways scrolling.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser_helpers import (
    assert_fits_width,
    assert_no_page_errors,
    new_page,
    screenshot,
    sign_in,
    staff_sign_in,
)
from tests.e2e.conftest import LocalStack, User

from .test_orders_e2e import active_listing, api, ok, verified_artisan
from .test_payout_races import _delivered, _payee

IBAN = "PK36SCBL0000001123456702"
MASKED = "********************6702"


def open_payouts(page: Page, artisan: User, *, urdu: bool = False) -> None:
    sign_in(page, artisan.email, artisan.password, next_path="/dashboard.html")
    if urdu:
        page.evaluate("localStorage.setItem('mip.lang', 'ur')")
    page.goto("/dashboard.html#payouts")
    page.reload()
    expect(page.locator("#payout-account-form")).to_be_visible()


def open_runs(page: Page, ops: User, *, urdu: bool = False) -> None:
    staff_sign_in(page, ops.email, ops.password, ops.totp_secret, next_path="/dashboard.html")
    if urdu:
        page.evaluate("localStorage.setItem('mip.lang', 'ur')")
    page.goto("/dashboard.html#payout_runs")
    page.reload()
    expect(page.locator("#run-form")).to_be_visible()


def test_an_artisan_gives_a_payout_account_and_follows_a_payout(stack: LocalStack, browser: Browser) -> None:
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    listing = active_listing(stack, artisan, stock=5, price={"amount": 100000, "currency": "PKR"})
    _delivered(stack, ops, artisan, listing["listing_id"])
    page = new_page(browser, base_url=stack.web_url)
    open_payouts(page, artisan)
    expect(page.locator("#payout-account-current")).to_contain_text("Not given yet")
    expect(page.locator("#payout-transfers")).to_contain_text("No payouts yet.")

    page.locator("#pa-method").select_option("iban")
    page.locator("#pa-number").fill(IBAN[:-1] + "3")
    page.locator("#pa-title").fill("Nasreen Bibi")
    page.locator("#payout-account-form-submit").click()
    expect(page.locator("#payout-account-form-status")).to_contain_text("mod-97")
    page.locator("#pa-number").fill("pk36 scbl 0000 0011 2345 6702")
    page.locator("#payout-account-form-submit").click()
    expect(page.locator("#payout-account-form-status")).to_have_text("Saved.")
    expect(page.locator("#payout-account-current")).to_contain_text(f"Bank account (IBAN) {MASKED} · Nasreen Bibi")
    expect(page.locator("#pa-number")).to_have_value("")
    assert IBAN not in page.content()

    run = ok(api(stack, "POST", "/ops/payout-runs", ops, {}, {"Idempotency-Key": f"browser-{artisan.sub}"}), 201)
    page.reload()
    item = page.locator(f"#payout-transfers li[data-run-id='{run['run_id']}']")
    expect(item).to_have_attribute("data-status", "sent")
    expect(item).to_contain_text("Sent to the bank")
    expect(page.locator("#payout-balance")).to_have_text("Rs 0")
    body = {"results": [{"artisan_id": artisan.sub, "status": "failed", "bank_ref": "RET-77"}]}
    ok(api(stack, "POST", f"/ops/payout-runs/{run['run_id']}/settlement", ops, body))
    page.reload()
    expect(item).to_contain_text("Returned to your balance")
    expect(item).to_contain_text("RET-77")
    expect(page.locator("#payout-ledger")).to_contain_text("Payout returned")
    screenshot(page, "dashboard-payouts-desktop-en")
    assert_no_page_errors(page)

    phone = new_page(browser, phone=True, lang=None, base_url=stack.web_url)
    open_payouts(phone, artisan, urdu=True)
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    returned = phone.locator(f"#payout-transfers li[data-run-id='{run['run_id']}']")
    expect(returned).to_contain_text("آپ کے بقایا میں واپس")
    expect(phone.locator("#payout-account-current")).to_contain_text(MASKED)
    assert_fits_width(phone)
    screenshot(phone, "dashboard-payouts-phone-ur")
    assert_no_page_errors(phone)


def _bank_rows(page: Page, directory: Path) -> list[dict[str, str]]:
    with page.expect_download() as downloading:
        page.locator("#run-file").click()
    download = downloading.value
    path = directory / download.suggested_filename
    download.save_as(str(path))
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_ops_start_a_run_download_the_bank_file_and_settle_it(stack: LocalStack, browser: Browser,
                                                              tmp_path: Path) -> None:
    ops = stack.user("ops")
    (paid, paid_listing), (failed, failed_listing) = _payee(stack, ops), _payee(stack, ops)
    _delivered(stack, ops, paid, paid_listing)
    _delivered(stack, ops, failed, failed_listing, quantity=2)
    page = new_page(browser, base_url=stack.web_url)
    open_runs(page, ops)

    page.locator("#run-min").fill("1")
    page.locator("#run-form-submit").click()
    expect(page.locator("#run-form-status")).to_contain_text("Run ready")
    detail = page.locator("#run-detail")
    expect(detail).to_have_attribute("data-status", "ready")
    run_id = detail.get_attribute("data-run-id")
    assert run_id
    expect(page.locator(f"#run-list li[data-run-id='{run_id}']")).to_contain_text("Ready for the bank")
    rows = {row["reference"]: row for row in _bank_rows(page, tmp_path)}
    assert rows[f"{run_id}-{paid.sub}"] == {"account_type": "IBAN", "account_number": IBAN,
                                            "account_title": "Race Payee", "amount_pkr": "950.00",
                                            "reference": f"{run_id}-{paid.sub}"}
    assert rows[f"{run_id}-{failed.sub}"]["amount_pkr"] == "1900.00"
    screenshot(page, "dashboard-payout-run-desktop-en")

    row = page.locator(f"#run-transfers li[data-artisan-id='{paid.sub}']")
    row.locator("select[name=outcome]").select_option("paid")
    row.locator("input[name=bank_ref]").fill("IBFT-0001")
    page.locator("#settle-post").click()
    expect(page.locator("#settle-status")).to_have_text("Results posted.")
    expect(page.locator(f"#run-transfers li[data-artisan-id='{paid.sub}']")).to_have_attribute("data-status", "paid")
    results = tmp_path / "results.csv"
    results.write_text(f"artisan_id,status,bank_ref\n{failed.sub},failed,RETURNED\n", encoding="utf-8")
    page.locator("#settle-file").set_input_files(str(results))
    page.locator("#settle-upload").click()
    returned = page.locator(f"#run-transfers li[data-artisan-id='{failed.sub}']")
    expect(returned).to_have_attribute("data-status", "failed")  # the list drawn again after the post
    expect(returned).to_contain_text("Returned to your balance")
    expect(returned.locator("select")).to_have_count(0)
    expect(page.locator("#settle-status")).to_have_text("Results posted.")
    balance = ok(api(stack, "GET", "/artisans/me/payouts", failed))["balance"]["amount"]
    assert balance == 190000
    assert_no_page_errors(page)

    phone = new_page(browser, phone=True, lang=None, base_url=stack.web_url)
    open_runs(phone, ops, urdu=True)
    phone.locator(f"#run-list li[data-run-id='{run_id}'] button").click()
    expect(phone.locator("#run-detail")).to_have_attribute("data-run-id", run_id)
    expect(phone.locator("#run-file")).to_be_visible()
    assert_fits_width(phone)
    screenshot(phone, "dashboard-payout-run-phone-ur")
    assert_no_page_errors(phone)

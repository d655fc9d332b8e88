"""Becoming an artisan in a real browser (Debian's Chromium) against the real local stack (API.md part two).

A newcomer with only a mobile number signs up on the storefront, reads the texted code from the
local outbox (/dev/outbox), confirms, signs in with the number, clicks "Sell on Made in Pakistan",
fills the profile and lands on the dashboard as an artisan: the page refreshed the token itself, no
sign-out. Ops verify the artisan (through the API); the artisan lists, photographs and publishes a
piece, and it is on the storefront. The sign-up screen and the Sell button in Urdu at 360 px too.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from chalicelib.onboarding.rules import normalise_phone
from tests.e2e.browser_helpers import (
    assert_fits_width,
    assert_no_page_errors,
    code_from_outbox,
    jpeg_file,
    new_page,
    screenshot,
)
from tests.e2e.conftest import LocalStack
from tests.e2e.test_imports_e2e import upload_registry, wait_until_done, welcome_sms
from tools.registry_file import generate

PASSWORD = "kashi-gar-2026"
TITLE = f"Hala ajrak, hand-blocked {uuid.uuid4().hex[:6]}"


def _stored_session(page: Page) -> dict[str, Any]:
    stored: dict[str, Any] = page.evaluate("JSON.parse(localStorage.getItem('mip.session'))")
    assert stored, "not signed in"
    return stored


def _sign_up_by_phone(page: Page, stack: LocalStack, typed: str, e164: str) -> None:
    """The anonymous storefront's Sell button, sign-up with a mobile number, a wrong code, a new code, the right one."""
    page.goto("/")
    page.locator("#sell-link").click()
    page.wait_for_url(re.compile(r"/signin\.html\?next=%2Fdashboard\.html%23sell$"))
    page.locator("#to-signup").click()
    page.get_by_label("E-mail or mobile number").fill(typed)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("#signup-form-submit").click()
    expect(page.locator("#confirm-hint")).to_contain_text(e164[-4:])
    first = code_from_outbox(stack.web_url, e164)
    page.get_by_label("Confirmation code").fill(f"{(int(first) + 1) % 10**6:06d}")
    page.locator("#confirm-form-submit").click()
    expect(page.locator("#confirm-form-status")).to_have_text("That code is not right. Type the newest code we sent.")
    page.locator("#resend-code").click()
    expect(page.locator("#confirm-form-status")).to_contain_text("A new code is on its way")
    page.get_by_label("Confirmation code").fill(code_from_outbox(stack.web_url, e164))
    page.locator("#confirm-form-submit").click()
    page.wait_for_url(re.compile(r"/dashboard\.html#sell$"))  # confirmed, signed in, and on to where Sell led


def test_a_newcomer_with_a_phone_number_becomes_an_artisan_and_sells(
    stack: LocalStack, browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    e164 = f"+92301{uuid.uuid4().int % 10**7:07d}"
    local = f"0{e164[3:6]} {e164[6:]}"  # as people write it: 0301 1234567
    page = new_page(browser, base_url=stack.web_url)
    _sign_up_by_phone(page, stack, local, e164)
    assert _stored_session(page)["groups"] == []

    # Out, then in again with the number written another way; the storefront offers selling.
    page.goto("/")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("header.site")).to_contain_text("Sign in")
    page.goto("/signin.html")
    page.get_by_label("E-mail or mobile number").fill(f"{e164[1:3]} {e164[3:6]} {e164[6:]}")  # 92 301 1234567
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("#signin-form-submit").click()
    page.wait_for_url(f"{stack.web_url}/")
    expect(page.locator("#sell-cta")).to_contain_text("Are you an artisan?")
    expect(page.locator("header.site")).not_to_contain_text("Dashboard")
    signed_in = _stored_session(page)
    assert signed_in["phone"] == e164

    # Sell: the profile form; saving it makes the account an artisan's, and the page refreshes the token itself.
    page.locator("#sell-link").click()
    page.wait_for_url(re.compile(r"/dashboard\.html#sell$"))
    expect(page.locator("h1")).to_have_text("Sell your craft on Made in Pakistan")
    expect(page.locator("#phone")).to_have_value(e164)  # from the sign-in
    page.get_by_label("Name shown to buyers").fill("Allah Bachayo Khatri")
    page.locator("#craft").select_option("ajrak-block-print")
    page.locator("#province").select_option("sindh")
    page.get_by_label("District").fill("Hala")
    page.locator("#cnic").fill(f"41203-{uuid.uuid4().int % 10**7:07d}-5")
    page.get_by_label("About you (Urdu)").fill("ہالا کا اجرک ساز")
    screenshot(page, "onboarding-sell-desktop")
    with page.expect_request(lambda request: request.headers.get("x-amz-target", "").endswith("InitiateAuth")
                             and "REFRESH_TOKEN_AUTH" in (request.post_data or "")):
        page.locator("#profile-form-submit").click()
    page.wait_for_url(re.compile(r"/dashboard\.html#profile$"))
    expect(page.locator("#verification")).to_have_text("pending")
    expect(page.locator("#tab-listings")).to_be_visible()
    expect(page.locator("#message")).to_contain_text("Welcome!")
    expect(page.locator("header.site")).to_contain_text("Dashboard")
    expect(page.locator("#sell-link")).to_have_count(0)
    artisan = _stored_session(page)
    assert artisan["groups"] == ["artisans"]
    assert artisan["refreshToken"] == signed_in["refreshToken"]  # the same sign-in: refreshed, not signed out again
    screenshot(page, "onboarding-dashboard-desktop")

    # Ops verify the new artisan (through the API, as staff).
    ops = stack.user("ops")
    decided = requests.post(f"{stack.api_url}/ops/artisans/{artisan['sub']}/verification", headers=ops.headers,
                            json={"decision": "verified", "note": "CNIC checked"}, timeout=30)
    assert decided.status_code == 200, decided.text

    # A listing, a photo, published.
    page.goto("/dashboard.html#listings")
    page.locator("#new-listing").click()
    page.get_by_label("Title (English)").fill(TITLE)
    page.get_by_label("Title (Urdu)").fill("ہاتھ سے چھپی اجرک")
    page.get_by_label("Description (English)").fill("Indigo and madder, printed by hand in Hala.")
    page.locator("#category").select_option("ajrak-block-print")
    page.get_by_label("Price (Rs)").fill("4,500")
    page.get_by_label("Stock").fill("3")
    page.locator("#listing-form-submit").click()
    expect(page.locator("#listing-status")).to_have_text("draft")
    page.locator("#photo-file").set_input_files(str(jpeg_file(tmp_path_factory.mktemp("ajrak"))))
    page.locator("#upload-photo").click()
    expect(page.locator("#image-list li[data-status=ready]")).to_have_count(1, timeout=40_000)
    page.locator("button[data-action=publish]").first.click()
    expect(page.locator("#listing-status")).to_have_text("active")
    assert_no_page_errors(page)
    page.context.close()

    # On the storefront, for anyone.
    shopper = new_page(browser, base_url=stack.web_url)
    shopper.goto("/?category=ajrak-block-print")
    card = shopper.locator("li.card", has_text=TITLE)
    expect(card).to_be_visible()
    listing_id = card.get_attribute("data-listing-id")
    listing = requests.get(f"{stack.api_url}/listings/{listing_id}", timeout=30).json()
    assert (listing["artisan_id"], listing["status"]) == (artisan["sub"], "active")
    assert_no_page_errors(shopper)
    shopper.context.close()


def test_a_mobile_number_that_is_not_pakistani_is_refused_before_cognito(stack: LocalStack, browser: Browser) -> None:
    page = new_page(browser, base_url=stack.web_url)
    page.goto("/signin.html#signup")
    sign_ups: list[str] = []
    page.on("request", lambda request: sign_ups.append(request.url)
            if request.headers.get("x-amz-target", "").endswith(".SignUp") else None)
    for typed in ("0300 12345", "+44 7700 900123", "04235761234", "not-an-address@"):
        page.get_by_label("E-mail or mobile number").fill(typed)
        page.get_by_label("Password").fill(PASSWORD)
        page.locator("#signup-form-submit").click()
        expect(page.locator("#signup-form-status")).to_have_text(
            "Enter an e-mail address, or a Pakistani mobile number like 0300 1234567.")
        expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    assert sign_ups == []
    assert_no_page_errors(page)
    page.context.close()


def test_sign_up_and_sell_in_urdu_on_a_phone(stack: LocalStack, browser: Browser) -> None:
    page = new_page(browser, base_url=stack.web_url, phone=True, lang="ur")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ur")
    expect(page.locator("#sell-link")).to_have_text("میڈ اِن پاکستان پر بیچیں")
    expect(page.locator("#sell-cta-link")).to_be_visible()
    assert_fits_width(page)
    screenshot(page, "onboarding-home-phone-ur")

    page.goto("/signin.html#signup")
    expect(page.locator("h1")).to_have_text("نیا اکاؤنٹ بنائیں")
    field = page.get_by_label("ای میل یا موبائل نمبر")
    expect(field).to_have_attribute("dir", "ltr")
    field.fill("۰۳۰۰ ۱۲۳")  # Urdu digits, too short
    page.locator("#password").fill(PASSWORD)
    page.locator("#signup-form-submit").click()
    expect(page.locator("#signup-form-status")).to_have_text("ای میل یا پاکستانی موبائل نمبر لکھیں، مثلاً 0300 1234567۔")
    assert_fits_width(page)
    screenshot(page, "onboarding-signup-phone-ur")

    e164 = f"+92333{uuid.uuid4().int % 10**7:07d}"
    field.fill("۰" + "".join("۰۱۲۳۴۵۶۷۸۹"[int(d)] for d in e164[3:]))  # the whole number in Urdu digits
    page.locator("#signup-form-submit").click()
    expect(page.locator("h1")).to_have_text("اپنا کوڈ لکھیں")
    expect(page.locator("#resend-code")).to_have_text("نیا کوڈ بھیجیں")
    assert_fits_width(page)
    screenshot(page, "onboarding-code-phone-ur")
    page.locator("#code").fill(code_from_outbox(stack.web_url, e164))
    page.locator("#confirm-form-submit").click()
    page.wait_for_url(f"{stack.web_url}/")
    page.locator("#sell-link").click()
    expect(page.locator("h1")).to_have_text("اپنا ہنر میڈ اِن پاکستان پر بیچیں")
    expect(page.locator("#profile-form")).to_be_visible()
    assert_fits_width(page)
    screenshot(page, "onboarding-sell-phone-ur")
    assert_no_page_errors(page)
    page.context.close()


def test_an_imported_artisan_signs_in_with_the_welcome_sms_and_chooses_a_password(stack: LocalStack,
                                                                                  browser: Browser) -> None:
    """A registry row becomes an artisan who has never seen the site: the welcome SMS names the number and a
    temporary password; the first sign-in asks for their own password (Cognito's NEW_PASSWORD_REQUIRED), then the
    dashboard opens on their profile, in Urdu on a phone."""
    registry = generate(1, seed=uuid.uuid4().int % 10**6, invalid_share=0, duplicate_share=0)
    ops = stack.user("ops")
    document = wait_until_done(stack, ops, upload_registry(stack, ops, registry.data)["import_id"])
    assert (document["status"], document["created"]) == ("done", 1), document
    header, values = list(csv.reader(io.StringIO(registry.data.decode("utf-8-sig"))))
    row = dict(zip(header, values, strict=True))
    phone = normalise_phone(row["phone"])
    assert phone is not None
    temporary = re.search(r"([A-Za-z0-9]{10})\s*$", welcome_sms(stack, phone))
    assert temporary, "no temporary password in the welcome SMS"

    page = new_page(browser, base_url=stack.web_url, phone=True, lang="ur")
    page.goto("/signin.html?next=%2Fdashboard.html")
    page.locator("#email").fill(f"0{phone[3:]}")
    page.locator("#password").fill(temporary.group(1))
    page.locator("#signin-form-submit").click()
    expect(page.locator("h1")).to_have_text("اپنا پاس ورڈ بنائیں")
    assert_fits_width(page)
    screenshot(page, "onboarding-new-password-phone-ur")
    page.locator("#new-password").fill(PASSWORD)
    page.locator("#new-password-form-submit").click()
    page.wait_for_url(re.compile(r"/dashboard\.html"))
    expect(page.locator("#tab-listings")).to_be_visible()  # the artisan's dashboard, not the buyer's Sell form
    page.goto("/dashboard.html#profile")
    expect(page.locator("#verification")).to_have_text(re.compile(r"^(pending|verified)$"))
    expect(page.locator("#display_name")).to_have_value(row["display_name"])  # the registry's row, in their form
    session = _stored_session(page)
    assert session["groups"] == ["artisans"] and session["phone"] == phone
    profile = requests.get(f"{stack.api_url}/artisans/me", headers={"Authorization": f"Bearer {session['idToken']}"},
                           timeout=30).json()
    assert profile["display_name"] == row["display_name"]
    assert_no_page_errors(page)
    page.context.close()

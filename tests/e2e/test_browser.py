"""The storefront and the artisan dashboard in a real browser (Debian's Chromium) against the real local stack.

One story, told in fixtures so each test states one outcome: an artisan signs in, creates a
profile, ops verifies it, the artisan creates a listing, uploads a JPEG straight to the bucket,
sees it become ready and publishes it; a new buyer signs up, browses, adds it to the cart,
orders with JazzCash and pays in the sandbox; the artisan ships the order. Screenshots of the
main pages (1280 px and 360 px wide, English and Urdu) go to test-output/screenshots/.
Ops work only through the staff sign-in: the ops app client, then the code from an authenticator app.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from local.totp import code as totp_code
from local.totp import fresh_code
from tests.e2e.browser_helpers import (
    assert_fits_width,
    assert_no_page_errors,
    code_from_outbox,
    enter_code,
    fill_staff_credentials,
    jpeg_file,
    new_page,
    screenshot,
    sign_in,
    staff_sign_in,
)
from tests.e2e.conftest import LocalStack, User

TITLE = f"Multan blue pottery bowl {uuid.uuid4().hex[:6]}"
TITLE_UR = "ملتانی نیلے ظروف کا پیالہ"


@dataclass
class Published:
    artisan: User
    listing_id: str


@dataclass
class PaidOrder:
    order_id: str
    buyer_email: str
    buyer_password: str


@pytest.fixture(scope="module")
def published(seeded_stack: LocalStack, browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Published:
    """An artisan's listing taken from nothing to active, through the dashboard only."""
    stack = seeded_stack
    artisan = stack.user("artisans")
    page = new_page(browser, base_url=stack.web_url)
    sign_in(page, artisan.email, artisan.password, next_path="/dashboard.html")

    # Profile (CNIC is write-only: the field is empty again after saving).
    page.get_by_label("Name shown to buyers").fill("Test Kashigar")
    page.locator("#craft").select_option("pottery")
    page.locator("#province").select_option("punjab")
    page.get_by_label("District").fill("Multan")
    page.locator("#phone").fill("+923001234567")
    page.locator("#cnic").fill(f"3520{uuid.uuid4().int % 10}-{uuid.uuid4().int % 10**7:07d}-1")
    page.get_by_label("About you (Urdu)").fill("ملتان کا کاشی گر")
    page.locator("#profile-form-submit").click()
    expect(page.locator("#verification")).to_have_text("pending", timeout=20_000)
    expect(page.locator("#cnic")).to_have_value("")
    screenshot(page, "dashboard-profile-desktop")

    # Ops approves the new artisan from the verification queue, signed in as staff (password, then the code).
    ops = stack.user("ops")
    ops_page = new_page(browser, base_url=stack.web_url)
    staff_sign_in(ops_page, ops.email, ops.password, ops.totp_secret, next_path="/dashboard.html")
    entry = ops_page.locator("li[data-artisan-id]", has_text="Test Kashigar")
    screenshot(ops_page, "dashboard-ops-desktop")
    entry.locator("button[data-decision=verified]").click()
    expect(entry).to_contain_text("Verified")
    ops_page.context.close()

    # A new listing, saved as a draft.
    page.goto("/dashboard.html#listings")
    page.locator("#new-listing").click()
    page.get_by_label("Title (English)").fill(TITLE)
    page.get_by_label("Title (Urdu)").fill(TITLE_UR)
    page.get_by_label("Description (English)").fill("Hand-painted cobalt on white, made in Multan.")
    page.locator("#category").select_option("pottery")
    page.get_by_label("Price (Rs)").fill("2,500")
    page.get_by_label("Stock").fill("5")
    page.locator("#listing-form-submit").click()
    expect(page.locator("#listing-status")).to_have_text("draft")

    # Photo: presigned POST to the bucket with a progress bar, then the processor makes it ready.
    photo = jpeg_file(tmp_path_factory.mktemp("photos"))
    page.locator("#photo-file").set_input_files(str(photo))
    page.locator("#upload-photo").click()
    expect(page.locator("#image-list li[data-status=ready]")).to_have_count(1, timeout=40_000)
    expect(page.locator("#editor-status")).to_have_text("The photo is ready.")
    thumb = page.locator("#image-list img").first
    expect(thumb).to_have_attribute("src", re.compile(r"^http://127\.0\.0\.1:\d+/.+"))
    screenshot(page, "dashboard-listing-desktop")

    # Publish.
    page.locator("button[data-action=publish]").first.click()
    expect(page.locator("#listing-status")).to_have_text("active")
    listing_id = page.evaluate("new URL(document.querySelector('#image-list img').src).pathname.split('/')[3]")
    assert_no_page_errors(page)
    page.context.close()
    return Published(artisan=artisan, listing_id=listing_id)


@pytest.fixture(scope="module")
def paid_order(seeded_stack: LocalStack, browser: Browser, published: Published) -> PaidOrder:
    """A buyer who signs up in the page, finds the listing, orders with JazzCash and pays in the sandbox."""
    page = new_page(browser, base_url=seeded_stack.web_url)
    email = f"buyer-{uuid.uuid4().hex[:10]}@test.mip.pk"
    password = "buyer-pass-2026"
    page.goto("/signin.html?next=/#signup")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("#signup-form-submit").click()
    # The emulator e-mails the code, as Cognito does; the local outbox shows it.
    expect(page.locator("#confirm-hint")).to_be_visible()
    page.get_by_label("Confirmation code").fill(code_from_outbox(seeded_stack.web_url, email))
    page.locator("#confirm-form-submit").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("header.site")).to_contain_text("My orders")

    # Browse by craft, newest first, and open the listing.
    page.locator("#category").select_option("pottery")
    page.wait_for_url(re.compile(r"category=pottery"))
    card = page.locator(f"li.card[data-listing-id='{published.listing_id}']")
    expect(card).to_be_visible()
    expect(card.locator("img.thumb")).to_have_attribute("loading", "lazy")
    expect(card.locator("img.thumb")).to_have_attribute("src", re.compile(r"/thumb\."))
    screenshot(page, "browse-pottery-desktop")
    card.locator("a").click()
    page.wait_for_url(re.compile(r"/listing\.html\?id="))
    expect(page.locator("#main-image")).to_have_attribute("src", re.compile(r"/medium\."))
    expect(page.locator("h1")).to_contain_text(TITLE)
    expect(page.locator("h1 [lang=ur]")).to_have_text(TITLE_UR)
    expect(page.locator("#listing-price")).to_contain_text("2,500")
    screenshot(page, "listing-desktop")
    page.get_by_label("Quantity").fill("2")
    page.locator("#add-to-cart").click()
    expect(page.locator("#cart-status")).to_contain_text("Added to your cart.")

    # Checkout with JazzCash: the page posts the signed form to the sandbox gateway.
    page.goto("/cart.html")
    expect(page.locator("#subtotal")).to_contain_text("5,000")
    page.get_by_label("Full name").fill("Ayesha Khan")
    page.get_by_label("Phone").fill("+923111234567")
    page.get_by_label("Address line 1").fill("House 12, Street 4, Gulberg")
    page.get_by_label("City").fill("Lahore")
    page.locator("#country").select_option("PK")
    page.get_by_label("JazzCash (PKR)").check()
    screenshot(page, "checkout-desktop")
    page.locator("#place-order").click()
    try:
        page.wait_for_url(re.compile(r"/sandbox/jazzcash"))
    except PlaywrightTimeoutError:
        pytest.fail(f"no payment page; checkout said: {page.locator('#checkout-status').inner_text()!r} at {page.url}")
    expect(page.locator("body")).to_contain_text("Rs 5,")
    page.get_by_role("button", name="Pay").click()

    # The callback answers the browser with a redirect to the order page.
    page.wait_for_url(re.compile(r"/order\.html\?id="), timeout=30_000)
    expect(page.locator("#order-status")).to_have_text("paid")
    order_id = page.evaluate("new URLSearchParams(location.search).get('id')")
    screenshot(page, "order-paid-desktop")
    page.goto("/orders.html")
    expect(page.locator(f"li[data-order-id='{order_id}']")).to_contain_text("Paid")
    assert_no_page_errors(page)
    page.context.close()
    return PaidOrder(order_id=order_id, buyer_email=email, buyer_password=password)


def test_artisan_publishes_a_listing_with_an_uploaded_photo(
    seeded_stack: LocalStack, browser: Browser, published: Published
) -> None:
    page = new_page(browser, base_url=seeded_stack.web_url)
    page.goto(f"/listing.html?id={published.listing_id}")
    expect(page.locator("h1")).to_contain_text(TITLE)
    expect(page.locator("#main-image")).to_have_attribute("loading", "lazy")
    natural_width = page.locator("#main-image").evaluate("img => img.decode().then(() => img.naturalWidth)")
    assert 320 < natural_width <= 1024


def test_buyer_signs_up_orders_with_jazzcash_and_sees_it_paid(paid_order: PaidOrder) -> None:
    assert re.fullmatch(r"[A-Za-z0-9_-]+", paid_order.order_id)


def test_artisan_ships_the_order(
    seeded_stack: LocalStack, browser: Browser, published: Published, paid_order: PaidOrder
) -> None:
    page = new_page(browser, base_url=seeded_stack.web_url)
    sign_in(page, published.artisan.email, published.artisan.password, next_path="/dashboard.html")
    page.locator("#tab-orders").click()
    order = page.locator(f"li[data-order-id='{paid_order.order_id}']")
    expect(order).to_contain_text("Ayesha Khan")
    order.get_by_label("Carrier").select_option("tcs")
    order.get_by_label("Tracking number").fill("TCS123456789")
    screenshot(page, "dashboard-orders-desktop")
    order.locator("button[type=submit]").click()
    shipped = page.locator(f"li[data-order-id='{paid_order.order_id}']")
    expect(shipped).to_have_attribute("data-status", "shipped")
    expect(shipped).to_contain_text("TCS123456789")
    page.locator("#tab-payouts").click()
    expect(page.locator("#payout-balance")).to_be_visible()
    assert_no_page_errors(page)

    # The buyer sees the shipment on the order page.
    buyer = new_page(browser, base_url=seeded_stack.web_url)
    sign_in(buyer, paid_order.buyer_email, paid_order.buyer_password, next_path=f"/order.html?id={paid_order.order_id}")
    expect(buyer.locator("#order-status")).to_have_text("shipped")
    expect(buyer.locator("main")).to_contain_text("TCS123456789")


def test_prices_in_the_buyers_currency(seeded_stack: LocalStack, browser: Browser, published: Published) -> None:
    page = new_page(browser, base_url=seeded_stack.web_url)
    page.goto(f"/listing.html?id={published.listing_id}&currency=USD")
    expect(page.locator("#listing-price")).to_contain_text("$")
    expect(page.locator("#listing-price")).to_contain_text("Rs")  # the PKR price beside it


def test_language_switch_and_urdu_font(seeded_stack: LocalStack, browser: Browser, published: Published) -> None:
    page = new_page(browser, base_url=seeded_stack.web_url, lang=None)
    page.goto("/")
    page.locator("#lang-switch").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ur")
    expect(page.locator("h1")).to_have_text("پاکستان کی دستکاری")
    loaded = page.evaluate("document.fonts.load('24px \"Noto Nastaliq Urdu\"', 'اردو').then(f => f.length)")
    assert loaded >= 1, "the Nastaliq face did not load from /fonts/"
    family = page.locator("h1").evaluate("h => getComputedStyle(h).fontFamily")
    assert "Noto Nastaliq Urdu" in family
    page.locator("#lang-switch").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")


PAGES = [
    ("home", "/"),
    ("listing", "/listing.html?id={listing_id}"),
    ("artisan", "/artisan.html?id={artisan_id}"),
    ("cart", "/cart.html"),
    ("signin", "/signin.html"),
    ("staff-signin", "/signin.html?staff=1"),
]


@pytest.mark.parametrize("lang", ["en", "ur"])
@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_main_pages_render_and_fit(
    seeded_stack: LocalStack, browser: Browser, published: Published, phone: bool, lang: str
) -> None:
    page = new_page(browser, base_url=seeded_stack.web_url, phone=phone, lang=lang)
    page.goto(f"/listing.html?id={published.listing_id}")
    artisan_href = page.locator("#artisan-link").get_attribute("href") or ""
    artisan_id = artisan_href.split("id=")[-1]
    page.locator("#add-to-cart").click()
    for name, path in PAGES:
        page.goto(path.format(listing_id=published.listing_id, artisan_id=artisan_id))
        page.wait_for_load_state("networkidle")
        expect(page.locator("meta[charset]")).to_have_attribute("charset", "utf-8")
        expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ur" else "ltr")
        expect(page.locator("main p.muted", has_text=re.compile("Loading|لوڈ"))).to_have_count(0)
        if phone:
            assert_fits_width(page)
        screenshot(page, f"{name}-{'phone' if phone else 'desktop'}-{lang}")
    assert_no_page_errors(page)


def test_unlabelled_controls_are_none(seeded_stack: LocalStack, browser: Browser, published: Published) -> None:
    """Every input, select and textarea on the dashboard and checkout has an accessible name."""
    page = new_page(browser, base_url=seeded_stack.web_url)
    sign_in(page, published.artisan.email, published.artisan.password, next_path="/dashboard.html")
    page.locator("#tab-listings").click()
    page.locator("button[data-action=edit]").first.click()
    expect(page.locator("#photo-file")).to_be_visible()
    unnamed = page.evaluate(
        """() => Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea, button'))
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
            .map(e => e.outerHTML)"""
    )
    assert unnamed == []


def _checkout(page: Page, listing_id: str, *, method_label: str, country: str, currency: str | None = None) -> None:
    """Put one unit of the listing in the cart and check out with the given payment method."""
    page.goto(f"/listing.html?id={listing_id}")
    page.get_by_label("Quantity").fill("1")
    page.locator("#add-to-cart").click()
    expect(page.locator("#cart-status")).to_contain_text("Added to your cart.")
    page.goto("/cart.html")
    page.get_by_label("Full name").fill("Sara Khan")
    page.get_by_label("Phone").fill("+447700900123" if country != "PK" else "+923001112223")
    page.get_by_label("Address line 1").fill("1 High Street" if country != "PK" else "House 9, Model Town")
    page.get_by_label("City").fill("London" if country != "PK" else "Lahore")
    page.locator("#country").select_option(country)
    page.get_by_label(method_label).check()
    if currency is not None:
        page.locator("#charge-currency").select_option(currency)
    page.locator("#place-order").click()


def test_buyer_pays_by_card_abroad_and_cancels_a_cash_on_delivery_order(
    seeded_stack: LocalStack, browser: Browser, published: Published
) -> None:
    page = new_page(browser, base_url=seeded_stack.web_url)
    sign_in(page, "buyer@demo.mip.pk", "demo-buyer-2026")

    _checkout(page, published.listing_id, method_label="Card", country="GB", currency="USD")
    page.wait_for_url(re.compile(r"/sandbox/card"))
    page.get_by_role("button", name="Pay").click()
    page.wait_for_url(re.compile(r"/order\.html\?id="), timeout=30_000)
    expect(page.locator("#order-status")).to_have_text("paid")
    expect(page.locator("body")).to_contain_text("Charged")  # shown only for a foreign-currency charge

    _checkout(page, published.listing_id, method_label="Cash on delivery (Pakistan only)", country="PK")
    page.wait_for_url(re.compile(r"/order\.html\?id="), timeout=30_000)
    expect(page.locator("#order-status")).to_have_text("confirmed")
    page.locator("#cancel-order").click()
    expect(page.locator("#order-status")).to_have_text("cancelled")
    assert_no_page_errors(page)
    page.context.close()


# --- signing in and out ----------------------------------------------------------------------------------------

WEB_JS = Path(__file__).resolve().parents[2] / "web" / "js"
IMPORT = re.compile(r"""^\s*(?:import|export)\b[^;'"]*?\bfrom\s*["']([^"']+)["']""", re.MULTILINE)


def test_the_web_modules_import_no_cycle() -> None:
    """A cycle (api.js <-> auth.js, as once) makes a module's exports undefined while the other first runs."""
    graph = {
        path: {(path.parent / target).resolve() for target in IMPORT.findall(path.read_text())}
        for path in WEB_JS.rglob("*.js")
    }
    assert graph[WEB_JS / "config.js"] <= {WEB_JS / "http.js"}
    done: set[Path] = set()

    def visit(path: Path, trail: tuple[Path, ...]) -> None:
        assert path not in trail, "import cycle: " + " -> ".join(p.name for p in (*trail, path))
        if path in done:
            return
        for target in graph.get(path, ()):
            visit(target, (*trail, path))
        done.add(path)

    for path in graph:
        visit(path, ())


@pytest.fixture(scope="module")
def buyer(seeded_stack: LocalStack) -> User:
    return seeded_stack.user()


def _sign_in_then_land(page: Page, user: User, raw_next: str) -> str:
    """Sign in from /signin.html?next=<raw_next> (as it stands in the address bar); the URL it leads to."""
    # Never reach out: a page led off the site lands on a stand-in page (and its URL fails the test).
    page.route(lambda url: urlsplit(url).hostname == "evil.example", lambda route: route.fulfill(body="off the site"))
    page.goto(f"/signin.html?next={raw_next}")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(user.password)
    page.locator("#signin-form-submit").click()
    page.wait_for_url(lambda url: urlsplit(url).path != "/signin.html")
    return page.url


# `next` as it stands in the address bar. Each starts like a path of this site, yet browsers
# read "\" as "/" and drop tabs, so "/\evil" and "/<tab>/evil" are "//evil": another site.
OFF_SITE_NEXT = {
    "encoded-backslash": "/%5Cevil.example",
    "backslash": "/\\evil.example",
    "encoded-tab": "/%09/evil.example",
    "tab": "/\t/evil.example",
    "double-encoded-backslash": "/%255Cevil.example",
    "backslash-slash": "/%5C/evil.example",
    "protocol-relative": "//evil.example",
    "absolute": "https://evil.example/",
    "javascript": "javascript:alert(document.domain)",
}


@pytest.mark.parametrize("raw_next", list(OFF_SITE_NEXT.values()), ids=list(OFF_SITE_NEXT))
def test_sign_in_never_follows_next_off_the_site(
    seeded_stack: LocalStack, browser: Browser, buyer: User, raw_next: str
) -> None:
    page = new_page(browser, base_url=seeded_stack.web_url)

    landed = urlsplit(_sign_in_then_land(page, buyer, raw_next))

    site = urlsplit(seeded_stack.web_url)
    assert (landed.scheme, landed.netloc) == (site.scheme, site.netloc)
    assert "evil" not in landed.netloc
    page.context.close()


def test_sign_in_follows_next_on_the_site(seeded_stack: LocalStack, browser: Browser, buyer: User) -> None:
    page = new_page(browser, base_url=seeded_stack.web_url)

    landed = _sign_in_then_land(page, buyer, "/orders.html")

    assert landed == f"{seeded_stack.web_url}/orders.html"
    expect(page.locator("h1")).to_be_visible()
    assert_no_page_errors(page)
    page.context.close()


REVOKE_TOKEN = "AWSCognitoIdentityProviderService.RevokeToken"


def _sign_in_and_out(stack: LocalStack, browser: Browser) -> tuple[Page, str, dict[str, str]]:
    """A new buyer signs in, then out from the header; the page, the refresh token it held, the RevokeToken body."""
    user = stack.user()
    page = new_page(browser, base_url=stack.web_url)
    sign_in(page, user.email, user.password, next_path="/orders.html")
    refresh_token = page.evaluate("JSON.parse(localStorage.getItem('mip.session')).refreshToken")
    assert refresh_token
    with page.expect_request(
        lambda request: request.method == "POST" and request.headers.get("x-amz-target") == REVOKE_TOKEN
    ) as revoke:
        page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{stack.web_url}/")
    return page, refresh_token, json.loads(revoke.value.post_data or "{}")


def test_sign_out_asks_cognito_to_revoke_the_refresh_token_and_forgets_the_session(
    seeded_stack: LocalStack, browser: Browser
) -> None:
    page, refresh_token, revoke = _sign_in_and_out(seeded_stack, browser)

    assert revoke == {"ClientId": seeded_stack.client_id, "Token": refresh_token}
    assert page.evaluate("localStorage.getItem('mip.session')") is None
    expect(page.locator("header.site")).to_contain_text("Sign in")
    expect(page.locator("header.site")).not_to_contain_text("Sign out")
    assert_no_page_errors(page)
    page.context.close()


def test_after_sign_out_the_old_refresh_token_no_longer_refreshes(
    seeded_stack: LocalStack, browser: Browser
) -> None:
    page, refresh_token, _ = _sign_in_and_out(seeded_stack, browser)
    page.context.close()

    with pytest.raises(ClientError) as refused:
        seeded_stack.client("cognito-idp").initiate_auth(
            ClientId=seeded_stack.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"


# --- staff sign-in: the ops app client and the authenticator code ----------------------------------------------

INITIATE_AUTH = "AWSCognitoIdentityProviderService.InitiateAuth"


def _stored_session(page: Page) -> dict[str, object] | None:
    stored: dict[str, object] | None = page.evaluate("JSON.parse(localStorage.getItem('mip.session'))")
    return stored


def _wrong_code(secret: str) -> str:
    """Six digits that are no code of this secret's previous, current or next step."""
    now = time.time()
    valid = {totp_code(secret, at=now + step * 30) for step in (-1, 0, 1)}
    return next(candidate for candidate in ("000000", "111111", "222222", "333333") if candidate not in valid)


def test_staff_sign_in_refuses_a_wrong_code(seeded_stack: LocalStack, browser: Browser) -> None:
    ops = seeded_stack.user("ops")
    assert ops.totp_secret
    page = new_page(browser, base_url=seeded_stack.web_url)
    fill_staff_credentials(page, ops.email, ops.password)
    field = page.get_by_label("6-digit code from your authenticator app")
    expect(field).to_have_attribute("inputmode", "numeric")
    expect(field).to_have_attribute("autocomplete", "one-time-code")

    field.fill(_wrong_code(ops.totp_secret))
    page.locator("#mfa-form-submit").click()

    alert = page.locator("#mfa-form-status")
    expect(alert).to_have_text(re.compile(r"^That code is not right\."))
    expect(alert).to_have_attribute("role", "alert")
    expect(field).to_have_attribute("aria-invalid", "true")
    assert _stored_session(page) is None
    assert urlsplit(page.url).path == "/signin.html"
    expect(page.locator("header.site")).to_contain_text("Sign in")

    # Not a number at all: said in the same place, without asking Cognito.
    field.fill("12ab")
    page.locator("#mfa-form-submit").click()
    expect(alert).to_have_text("Type the 6 digits your authenticator app shows.")
    assert _stored_session(page) is None

    # The same challenge still takes the right code (moto keeps it; Cognito may instead end it, and the page
    # then asks for the password again).
    enter_code(page, ops.totp_secret)
    page.wait_for_url(lambda url: urlsplit(url).path == "/dashboard.html")
    expect(page.locator("#verification-queue")).to_be_visible()
    assert_no_page_errors(page)
    page.context.close()


def test_ops_through_the_ordinary_sign_in_get_no_staff_actions(seeded_stack: LocalStack, browser: Browser) -> None:
    """The storefront's client asks an ops user for the code too, but its token does not carry the ops role."""
    ops = seeded_stack.user("ops")
    assert ops.totp_secret
    page = new_page(browser, base_url=seeded_stack.web_url)
    page.goto("/signin.html?next=/dashboard.html")
    page.get_by_label("E-mail").fill(ops.email)
    page.get_by_label("Password").fill(ops.password)
    page.locator("#signin-form-submit").click()
    enter_code(page, ops.totp_secret)
    page.wait_for_url(lambda url: urlsplit(url).path == "/dashboard.html")

    needs_staff = page.locator("#ops-needs-staff")
    expect(needs_staff).to_contain_text("Staff actions need an authenticator app")
    expect(page.locator("#verification-queue")).to_have_count(0)
    expect(page.locator("button[data-decision]")).to_have_count(0)
    expect(page.locator("#fx-form")).to_have_count(0)
    screenshot(page, "dashboard-ops-needs-staff-desktop")
    stored = _stored_session(page)
    assert stored is not None and stored["clientId"] == seeded_stack.client_id

    # Its link leads to the staff sign-in, which brings the user back to the ops area as staff.
    needs_staff.get_by_role("link", name="Staff sign-in").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/signin.html")
    assert "staff=1" in page.url
    page.locator("#email").fill(ops.email)
    page.locator("#password").fill(ops.password)
    page.locator("#signin-form-submit").click()
    enter_code(page, ops.totp_secret)
    page.wait_for_url(lambda url: urlsplit(url).path == "/dashboard.html")
    expect(page.locator("#verification-queue")).to_be_visible()
    stored = _stored_session(page)
    assert stored is not None and stored["clientId"] == seeded_stack.ops_client_id
    assert_no_page_errors(page)
    page.context.close()


def test_a_staff_session_refreshes_and_is_revoked_through_the_ops_client(
    seeded_stack: LocalStack, browser: Browser
) -> None:
    ops = seeded_stack.user("ops")
    page = new_page(browser, base_url=seeded_stack.web_url)
    staff_sign_in(page, ops.email, ops.password, ops.totp_secret, next_path="/dashboard.html")
    stored = _stored_session(page)
    assert stored is not None
    assert (stored["clientId"], stored["secondFactor"]) == (seeded_stack.ops_client_id, True)
    refresh_token = stored["refreshToken"]

    # The ID token has expired (ops tokens live 15 minutes): the page refreshes it through the ops client.
    page.evaluate("const s = JSON.parse(localStorage.getItem('mip.session')); s.exp = 0;"
                  " localStorage.setItem('mip.session', JSON.stringify(s));")
    with page.expect_request(
        lambda request: request.method == "POST" and request.headers.get("x-amz-target") == INITIATE_AUTH
    ) as refreshed:
        page.goto("/dashboard.html#ops")
    assert json.loads(refreshed.value.post_data or "{}") == {
        "ClientId": seeded_stack.ops_client_id,
        "AuthFlow": "REFRESH_TOKEN_AUTH",
        "AuthParameters": {"REFRESH_TOKEN": refresh_token},
    }
    expect(page.locator("#verification-queue")).to_be_visible()  # still staff: the API took the refreshed token

    with page.expect_request(
        lambda request: request.method == "POST" and request.headers.get("x-amz-target") == REVOKE_TOKEN
    ) as revoke:
        page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{seeded_stack.web_url}/")
    revoked = json.loads(revoke.value.post_data or "{}")
    assert revoked == {"ClientId": seeded_stack.ops_client_id, "Token": refresh_token}
    assert _stored_session(page) is None
    page.context.close()
    with pytest.raises(ClientError) as refused:
        seeded_stack.client("cognito-idp").initiate_auth(
            ClientId=seeded_stack.ops_client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_staff_sign_in_in_urdu_on_a_phone(seeded_stack: LocalStack, browser: Browser) -> None:
    ops = seeded_stack.user("ops")
    assert ops.totp_secret
    page = new_page(browser, base_url=seeded_stack.web_url, phone=True, lang="ur")
    page.goto("/signin.html?staff=1")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_have_text("عملے کا سائن اِن")
    page.locator("#email").fill(ops.email)
    page.locator("#password").fill(ops.password)
    page.locator("#signin-form-submit").click()

    field = page.get_by_label("تصدیقی ایپ سے 6 ہندسوں کا کوڈ")
    expect(field).to_be_focused()
    assert_fits_width(page)
    screenshot(page, "staff-code-phone-ur")
    field.fill(_wrong_code(ops.totp_secret))
    page.locator("#mfa-form-submit").click()
    expect(page.locator("#mfa-form-status")).to_contain_text("یہ کوڈ درست نہیں")
    assert_fits_width(page)

    field.fill(fresh_code(ops.totp_secret))
    page.locator("#mfa-form-submit").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/dashboard.html")
    expect(page.locator("#verification-queue")).to_be_visible()
    assert_fits_width(page)
    screenshot(page, "dashboard-ops-phone-ur")
    assert_no_page_errors(page)
    page.context.close()

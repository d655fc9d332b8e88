"""Helpers for the browser tests: Debian's Chromium under Playwright, sign-in (staff too), screenshots, test images.

Playwright never downloads a browser here (`playwright install` is not used):
it drives /usr/bin/chromium with the flags from ARCHITECTURE.md.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import quote, urlsplit

import requests
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, Page, ViewportSize, expect

from local.totp import fresh_code

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 360, "height": 780}
# Where a page keeps its uncaught JavaScript errors (not Playwright's own `Page.page_errors()` method).
_ERRORS = "mip_page_errors"


def new_page(browser: Browser, *, phone: bool = False, lang: str | None = "en", base_url: str = "") -> Page:
    """A page in a fresh context (its own localStorage), in the given UI language."""
    context = browser.new_context(
        viewport=PHONE if phone else DESKTOP,
        device_scale_factor=1,
        is_mobile=phone,
        has_touch=phone,
        base_url=base_url or None,
    )
    context.set_default_timeout(20_000)
    if lang is not None:
        context.add_init_script(f"localStorage.setItem('mip.lang', {lang!r});")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    setattr(page, _ERRORS, errors)
    return page


def assert_no_page_errors(page: Page) -> None:
    errors = getattr(page, _ERRORS, [])
    assert not errors, f"JavaScript errors on {page.url}: {errors}"


def sign_in(page: Page, email: str, password: str, *, next_path: str = "/") -> None:
    page.goto(f"/signin.html?next={next_path}")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("#signin-form-submit").click()
    want = urlsplit(next_path)
    page.wait_for_url(lambda url: (urlsplit(url).path, urlsplit(url).query) == (want.path, want.query))


def enter_code(page: Page, totp_secret: str) -> None:
    """Answer the sign-in's authenticator step with the current code (one that stays valid a few seconds more)."""
    field = page.get_by_label("6-digit code from your authenticator app")
    expect(field).to_be_focused()
    field.fill(fresh_code(totp_secret))
    page.locator("#mfa-form-submit").click()


def fill_staff_credentials(page: Page, email: str, password: str, *, next_path: str = "/dashboard.html") -> None:
    """Staff sign-in up to the code: /signin.html?staff=1, e-mail and password."""
    page.goto(f"/signin.html?staff=1&next={quote(next_path, safe='/')}")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#signin-form-submit").click()
    expect(page.locator("#mfa-code")).to_be_visible()


def staff_sign_in(page: Page, email: str, password: str, totp_secret: str | None, *,
                  next_path: str = "/dashboard.html") -> None:
    """Staff sign-in (the ops app client), then the authenticator code; waits for `next_path`."""
    assert totp_secret, f"{email} has no authenticator to sign in as staff"
    fill_staff_credentials(page, email, password, next_path=next_path)
    enter_code(page, totp_secret)
    want = urlsplit(next_path)
    page.wait_for_url(lambda url: (urlsplit(url).path, urlsplit(url).query) == (want.path, want.query))


def screenshot(page: Page, name: str) -> Path:
    """Saves the viewport as test-output/screenshots/<name>.png (fonts loaded first)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.fonts.ready.then(() => true)")
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def assert_fits_width(page: Page) -> None:
    """Nothing wider than the viewport (no sideways scrolling at 360 px)."""
    scroll, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client + 1, f"{page.url} scrolls sideways: {scroll} > {client}"


def jpeg_file(directory: Path, *, width: int = 1200, height: int = 900) -> Path:
    """A real photo-like JPEG (stripes and a circle) for the upload."""
    image = Image.new("RGB", (width, height), (1, 65, 28))
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 60):
        draw.rectangle([x, 0, x + 30, height], fill=(230, 200, 120))
    draw.ellipse([width // 4, height // 4, 3 * width // 4, 3 * height // 4], fill=(180, 30, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    path = directory / "rilli.jpg"
    path.write_bytes(buffer.getvalue())
    return path


def expect_text(page: Page, selector: str, text: str, timeout: int = 20_000) -> None:
    expect(page.locator(selector)).to_have_text(text, timeout=timeout)


def outbox(web_url: str) -> list[dict[str, str]]:
    """The local stack's outbox (`/dev/outbox.json`): the SMS and e-mails its emulator recorded, newest first."""
    response = requests.get(f"{web_url}/dev/outbox.json", timeout=10)
    response.raise_for_status()
    items: list[dict[str, str]] = response.json()["items"]
    return items


def code_from_outbox(web_url: str, recipient: str) -> str:
    """The 6-digit code in the newest message to `recipient` (a phone number in E.164 or an e-mail address)."""
    for sent in outbox(web_url):
        if sent["recipient"] == recipient:
            match = re.search(r"\b(\d{6})\b", sent["text"])
            assert match, f"no code in {sent}"
            return match.group(1)
    raise AssertionError(f"nothing was sent to {recipient}")

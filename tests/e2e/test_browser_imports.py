"""The registry import screen in a real browser (Debian's Chromium) against the real local stack.

Ops, signed in as staff, pick a generated registry file on the dashboard's Imports tab; the browser
posts it straight to the bucket, the stack's pump hands the notice to the worker, and the progress
bar follows the import to 100 %; the counts are the file's, and the error report downloads as CSV.
The same screen in Urdu (right to left) on a 360 px phone fits without sideways scrolling.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser_helpers import (
    assert_fits_width,
    assert_no_page_errors,
    new_page,
    screenshot,
    staff_sign_in,
)
from tests.e2e.conftest import LocalStack, User
from tools.registry_file import Registry, generate

ROWS = 16
DONE_WITHIN_MS = 60_000


@pytest.fixture(scope="module")
def ops(stack: LocalStack) -> User:
    return stack.user("ops")


@pytest.fixture(scope="module")
def registry() -> Registry:
    generated = generate(ROWS, seed=3301, invalid_share=0.2, duplicate_share=0.15)
    assert all(generated.expected.values())  # created, duplicate and rejected rows all present
    return generated


def open_imports(page: Page, ops: User) -> None:
    staff_sign_in(page, ops.email, ops.password, ops.totp_secret, next_path="/dashboard.html")
    page.locator("#tab-imports").click()
    expect(page.locator("#import-file")).to_be_visible()


@dataclass(frozen=True)
class Imported:
    page: Page  # the screen after the import is done
    import_id: str


@pytest.fixture(scope="module")
def imported(stack: LocalStack, browser: Browser, ops: User, registry: Registry,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Imported]:
    """The file imported through the screen (English, desktop), its first import."""
    path = tmp_path_factory.mktemp("registry") / "registry.csv"
    path.write_bytes(registry.data)
    page = new_page(browser, base_url=stack.web_url)
    open_imports(page, ops)
    page.locator("#import-file").set_input_files(str(path))
    page.locator("#import-start").click()
    progress = page.locator("#import-progress")
    expect(progress).to_have_attribute("data-status", "done", timeout=DONE_WITHIN_MS)
    import_id = progress.get_attribute("data-import-id")
    assert import_id
    yield Imported(page, import_id)
    page.context.close()


def test_ops_upload_a_registry_file_and_follow_it_to_done(imported: Imported, registry: Registry) -> None:
    page, import_id = imported.page, imported.import_id
    expect(page.locator("#import-bar")).to_have_js_property("value", 100)
    expect(page.locator("#import-percent")).to_have_text("100%")
    expected = registry.expected
    expect(page.locator("#import-counts")).to_have_text(
        f"{ROWS} of {ROWS} rows · {expected['created']} created · {expected['duplicates']} duplicates"
        f" · {expected['rejected']} rejected")
    expect(page.locator(f"#import-list li[data-import-id='{import_id}']")).to_contain_text("Done")
    screenshot(page, "dashboard-imports-desktop-en")

    with page.expect_download() as downloading:
        page.locator("#import-errors").click()
    download = downloading.value
    assert download.suggested_filename == f"{import_id}-errors.csv"
    lines = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert [int(line["row"]) for line in lines if line["outcome"] == "rejected"] == registry.rejected_rows
    assert [int(line["row"]) for line in lines if line["outcome"] == "duplicate"] == registry.duplicate_rows
    assert all(line["reason"] for line in lines)
    assert_no_page_errors(page)


def test_the_same_file_again_creates_nobody_and_says_so(stack: LocalStack, browser: Browser, ops: User,
                                                        registry: Registry, imported: Imported, tmp_path: Path) -> None:
    path = tmp_path / "registry.csv"
    path.write_bytes(registry.data)
    page = new_page(browser, base_url=stack.web_url)
    open_imports(page, ops)
    page.locator("#import-file").set_input_files(str(path))
    page.locator("#import-start").click()
    expect(page.locator("#import-progress")).to_have_attribute("data-status", "done", timeout=DONE_WITHIN_MS)
    expected = registry.expected
    expect(page.locator("#import-counts")).to_have_text(
        f"{ROWS} of {ROWS} rows · 0 created · {expected['created'] + expected['duplicates']} duplicates"
        f" · {expected['rejected']} rejected")
    assert_no_page_errors(page)
    page.context.close()


def test_the_import_screen_in_urdu_on_a_phone(stack: LocalStack, browser: Browser, ops: User,
                                              registry: Registry, imported: Imported) -> None:
    page = new_page(browser, base_url=stack.web_url, phone=True, lang=None)
    staff_sign_in(page, ops.email, ops.password, ops.totp_secret, next_path="/dashboard.html")
    page.locator("#lang-switch").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ur")
    page.locator("#tab-imports").click()
    page.wait_for_url(lambda url: urlsplit(url).fragment == "imports")
    expect(page.locator("#import-file")).to_be_visible()
    expect(page.locator("#panel h2")).to_have_text("کاریگر درآمد کریں")
    expect(page.locator("#import-start")).to_have_text("اپ لوڈ اور درآمد کریں")
    entry = page.locator(f"#import-list li[data-import-id='{imported.import_id}']")
    expect(entry).to_contain_text("مکمل")
    entry.get_by_role("button", name="دکھائیں").click()
    expected = registry.expected
    expect(page.locator("#import-counts")).to_have_text(
        f"{ROWS} میں سے {ROWS} قطاریں · {expected['created']} بنے · {expected['duplicates']} دہرائے گئے"
        f" · {expected['rejected']} مسترد")
    expect(page.locator("#import-errors")).to_have_text("غلطیوں کی رپورٹ ڈاؤن لوڈ کریں")
    page.evaluate("document.fonts.ready.then(() => true)")
    assert_fits_width(page)
    screenshot(page, "dashboard-imports-phone-ur")
    assert_no_page_errors(page)
    page.context.close()

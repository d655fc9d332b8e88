"""Search in a real browser (Debian's Chromium) against the real local stack, in English and in Urdu.

The search box is in every page's header; typing shows suggestions after a pause (one
request for a burst of keystrokes, not one per key), a suggestion leads to its listing,
and Enter leads to the results page. Urdu is typed with Arabic letter forms (ك, ي) and
still finds the listing whose title has the Urdu ones; the Urdu journey runs 360 px wide.
"""
from __future__ import annotations

import random
import uuid

from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser_helpers import assert_fits_width, assert_no_page_errors, new_page, screenshot
from tests.e2e.conftest import LocalStack

from .test_orders_e2e import active_listing, verified_artisan

URDU_LETTERS = "بپتٹجچدڈرزسشلمن"


def _search_requests(page: Page) -> list[str]:
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if "/search?" in request.url else None)
    return sent


def test_an_english_search_suggests_as_one_types_and_answers_on_the_results_page(stack: LocalStack,
                                                                                 browser: Browser) -> None:
    word = "zari" + uuid.uuid4().hex[:6]  # a word no other listing has
    artisan = verified_artisan(stack, stack.user("ops"))
    listing = active_listing(stack, artisan, title=f"Golden {word} embroidered shawl")

    page = new_page(browser, base_url=stack.web_url)
    page.goto("/cart.html")  # the box is on every page, not only the shop's
    sent = _search_requests(page)
    box = page.locator("#search-q")
    box.press_sequentially(word[:8], delay=40)  # a burst of keystrokes, quicker than the 250 ms pause
    suggestion = page.locator("#search-suggestions [role=option]").first
    expect(suggestion).to_contain_text(f"Golden {word} embroidered shawl")
    assert len(sent) == 1, sent  # debounced: one request for the whole burst, for the last text
    assert f"q={word[:8]}" in sent[0]
    box.press("ArrowDown")
    expect(suggestion).to_have_attribute("aria-selected", "true")
    screenshot(page, "search-suggestions-en-desktop")
    box.press_sequentially(word[8:] + " shawl")
    box.press("Enter")
    page.wait_for_url("**/search.html?q=*")
    expect(page.locator("#page-title")).to_contain_text(word)
    card = page.locator(f'#results [data-listing-id="{listing["listing_id"]}"]')
    expect(card).to_be_visible()
    page.locator("#category").select_option("pottery")  # another craft: not this shawl (other tests' may match)
    page.wait_for_url("**category=pottery**")
    expect(page.locator("#results")).not_to_contain_text(word)
    page.goto(f"/search.html?q={word}&category=pottery")  # no pottery has the unique word: the empty state
    expect(page.locator("#results")).to_contain_text("Nothing matches")
    screenshot(page, "search-results-en-desktop")
    assert_no_page_errors(page)


def test_an_urdu_search_typed_with_arabic_letter_forms_finds_the_urdu_title_on_a_phone(stack: LocalStack,
                                                                                    browser: Browser) -> None:
    middle = "".join(random.choice(URDU_LETTERS) for _ in range(5))
    urdu_word, typed = f"ک{middle}ی", f"ك{middle}ي"  # Urdu kaf and yeh in the title; Arabic ones typed
    artisan = verified_artisan(stack, stack.user("ops"))
    listing = active_listing(stack, artisan, title=f"Hand-woven basket {uuid.uuid4().hex[:6]}",
                             title_ur=f"ہاتھ سے بنی {urdu_word} ٹوکری", category="basketry")

    page = new_page(browser, base_url=stack.web_url, lang="ur", phone=True)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    box = page.locator("#search-q")
    box.press_sequentially(typed, delay=40)
    suggestion = page.locator("#search-suggestions [role=option]").first
    expect(suggestion).to_contain_text(urdu_word)
    expect(suggestion.locator("span")).to_have_attribute("lang", "ur")
    assert_fits_width(page)
    screenshot(page, "search-suggestions-ur-phone")
    box.press("Enter")
    page.wait_for_url("**/search.html?q=*")
    expect(page.locator("#page-title")).to_contain_text("کے نتائج")
    expect(page.locator(f'#results [data-listing-id="{listing["listing_id"]}"]')).to_be_visible()
    assert_fits_width(page)
    screenshot(page, "search-results-ur-phone")
    page.locator(f'#results [data-listing-id="{listing["listing_id"]}"] a').click()
    page.wait_for_url(f"**/listing.html?id={listing['listing_id']}")
    expect(page.locator("main")).to_contain_text(urdu_word)
    assert_no_page_errors(page)

"""The demo catalogue that `make run` loads (SEED=1), read back through the public API."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
import requests
from PIL import Image

from local.users import sign_in

from .conftest import LocalStack

URDU = re.compile(r"[\u0600-\u06FF]")


def every_page(stack: LocalStack, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 100, **({"cursor": cursor} if cursor else {})}
        response = requests.get(f"{stack.api_url}{path}", params=query, timeout=10)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


@pytest.fixture(scope="module")
def listings(seeded_stack: LocalStack) -> list[dict[str, Any]]:
    return every_page(seeded_stack, "/listings")


def test_at_least_forty_active_listings_across_eight_categories(listings: list[dict[str, Any]]) -> None:
    assert len(listings) >= 40
    assert {listing["status"] for listing in listings} == {"active"}
    assert len({listing["category"] for listing in listings}) >= 8


def test_listings_have_urdu_titles_and_realistic_pkr_prices(listings: list[dict[str, Any]]) -> None:
    assert all(URDU.search(listing["title_ur"] or "") for listing in listings)
    for listing in listings:
        assert listing["price"]["currency"] == "PKR"
        assert 1_000_00 <= listing["price"]["amount"] <= 100_000_00  # Rs 1,000 .. Rs 100,000
        assert listing["stock"] > 0


def test_at_least_eight_verified_artisans_across_five_provinces(seeded_stack: LocalStack) -> None:
    artisans = every_page(seeded_stack, "/artisans")
    assert len(artisans) >= 8
    assert {artisan["verification"] for artisan in artisans} == {"verified"}
    assert len({artisan["province"] for artisan in artisans}) >= 5


def test_demo_artisans_sign_in_to_their_own_profiles_and_listings(seeded_stack: LocalStack,
                                                                  listings: list[dict[str, Any]]) -> None:
    cognito = seeded_stack.client("cognito-idp")
    for role in ("artisan1", "artisan2"):
        email = f"{role}@demo.mip.pk"
        token = sign_in(cognito, client_id=seeded_stack.client_id, email=email, password="demo-artisan-2026")
        me = requests.get(f"{seeded_stack.api_url}/artisans/me", headers={"Authorization": f"Bearer {token}"},
                          timeout=10)
        assert me.status_code == 200, me.text
        assert me.json()["verification"] == "verified"
        assert any(listing["artisan_id"] == me.json()["artisan_id"] for listing in listings)


def test_every_listing_has_a_ready_photo_whose_renditions_are_fetchable(listings: list[dict[str, Any]]) -> None:
    for listing in listings:
        ready = [image for image in listing["images"] if image["status"] == "ready"]
        assert ready, listing["listing_id"]
    for listing in listings[:: max(1, len(listings) // 8)]:  # a sample of every rendition size
        for name, url in listing["images"][0]["urls"].items():
            response = requests.get(url, timeout=10)
            assert response.status_code == 200, (name, url)
            picture = Image.open(io.BytesIO(response.content))
            picture.load()
            assert picture.width <= {"thumb": 320, "medium": 1024, "large": 2048}[name]


def test_the_demo_catalogue_is_searchable_in_both_scripts(seeded_stack: LocalStack,
                                                          listings: list[dict[str, Any]]) -> None:
    ajrak = {listing["listing_id"] for listing in listings if listing["category"] == "ajrak-block-print"}
    for q in ("ajrak", "اجرک", "اجرك", "ajraak"):  # Urdu, Arabic kaf, one letter too many
        found = {item["listing_id"] for item in every_page(seeded_stack, "/search", q=q)}
        assert ajrak <= found, q

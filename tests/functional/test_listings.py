"""Listings: lifecycle, optimistic concurrency, visibility and every browse shape (API.md "Listings"),
and the request conventions they exercise (validation details, 413, UTF-8, cursors, limits)."""
from __future__ import annotations

import json
from typing import Any

import pytest

from harness.aws import User
from harness.factories import active_listing, image_record, make_listing, make_profile, store_ready_image
from harness.http import body_of, call
from harness.stored import store_image_record


def _code(response: Any) -> str:
    return str(body_of(response)["error"]["code"])


def _fields(response: Any) -> list[str]:
    return [detail["field"] for detail in body_of(response)["error"]["details"]]


def _artisan(client: Any, aws: Any, *, verified: bool = True, **profile: Any) -> User:
    user = aws.user("artisans")
    assert call(client, "PUT", "/artisans/me", user, make_profile(**profile)).status_code == 201
    if verified:
        ops = aws.user("ops")
        response = call(client, "POST", f"/ops/artisans/{user.sub}/verification", ops, {"decision": "verified"})
        assert response.status_code == 200
    return user


def _create(client: Any, user: User, **overrides: Any) -> dict[str, Any]:
    response = call(client, "POST", "/listings", user, make_listing(**overrides))
    assert response.status_code == 201, response.body
    return dict(body_of(response))


def _read(client: Any, listing_id: str, user: User) -> dict[str, Any]:
    response = call(client, "GET", f"/listings/{listing_id}", user)
    assert response.status_code == 200, response.body
    return dict(body_of(response))


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.body
    return [item["listing_id"] for item in body_of(response)["items"]]


# --- create --------------------------------------------------------------------------------


def test_create_is_a_draft_at_version_1(client, aws):
    artisan = _artisan(client, aws, verified=False)
    sent = make_listing()
    response = call(client, "POST", "/listings", artisan, sent)
    assert response.status_code == 201
    assert response.headers["ETag"] == '"1"'
    listing = body_of(response)
    assert listing["status"] == "draft" and listing["version"] == 1
    assert listing["artisan_id"] == artisan.sub
    assert listing["images"] == []
    assert listing["price"] == {"amount": 250000, "currency": "PKR"}
    for name in ("title", "title_ur", "description", "category", "stock", "weight_grams", "processing_days",
                 "attributes"):
        assert listing[name] == sent[name]
    assert listing["created_at"] == listing["updated_at"]
    assert _read(client, listing["listing_id"], artisan) == listing


def test_create_without_a_profile_is_409_and_creates_nothing(client, aws):
    artisan = aws.user("artisans")
    response = call(client, "POST", "/listings", artisan, make_listing())
    assert response.status_code == 409
    assert _code(response) == "INVALID_STATE"
    assert body_of(call(client, "GET", "/artisans/me/listings", artisan))["items"] == []


@pytest.mark.parametrize("groups", [(), ("ops",)])
def test_only_artisans_create_listings(client, aws, groups):
    user = aws.user(*groups)
    response = call(client, "POST", "/listings", user, make_listing())
    assert response.status_code == 403
    assert _code(response) == "FORBIDDEN"
    assert _ids(call(client, "GET", "/listings")) == []


# --- conventions: validation, size, UTF-8 ------------------------------------------------------


@pytest.mark.parametrize(("overrides", "field"), [
    ({"stock": "5"}, "stock"),
    ({"stock": 5.0}, "stock"),
    ({"stock": -1}, "stock"),
    ({"stock": 100001}, "stock"),
    ({"price": {"amount": 99, "currency": "PKR"}}, "price.amount"),
    ({"price": {"amount": 2500.5, "currency": "PKR"}}, "price.amount"),
    ({"price": {"amount": 250000, "currency": "USD"}}, "price.currency"),
    ({"price": 2500}, "price"),
    ({"weight_grams": 0}, "weight_grams"),
    ({"processing_days": 61}, "processing_days"),
    ({"title": "ab"}, "title"),
    ({"title": "t" * 141}, "title"),
    ({"description": "d" * 5001}, "description"),
    ({"category": "plastic"}, "category"),
    ({"attributes": {f"k{i}": "v" for i in range(21)}}, "attributes"),
    ({"attributes": {"colour": 1}}, "attributes.colour"),
    ({"status": "active"}, "status"),
    ({"colour": "red"}, "colour"),
])
def test_invalid_listings_are_400_with_the_field_path(client, aws, overrides, field):
    artisan = _artisan(client, aws, verified=False)
    response = call(client, "POST", "/listings", artisan, make_listing(**overrides))
    assert response.status_code == 400
    assert _code(response) == "VALIDATION_ERROR"
    assert field in _fields(response)
    assert all(set(detail) == {"field", "message"} for detail in body_of(response)["error"]["details"])
    assert body_of(call(client, "GET", "/artisans/me/listings", artisan))["items"] == []


@pytest.mark.parametrize("raw", ['{"title": ', "[1, 2]", "not json", "", '"a string"'])
def test_malformed_json_is_400(client, aws, raw):
    artisan = _artisan(client, aws, verified=False)
    response = call(client, "POST", "/listings", artisan, raw=raw)
    assert response.status_code == 400
    assert _code(response) == "VALIDATION_ERROR"
    assert body_of(call(client, "GET", "/artisans/me/listings", artisan))["items"] == []


def test_a_body_over_256_kib_is_413(client, aws):
    artisan = _artisan(client, aws, verified=False)
    raw = json.dumps(make_listing(description="x" * (256 * 1024)))
    response = call(client, "POST", "/listings", artisan, raw=raw)
    assert response.status_code == 413
    assert _code(response) == "PAYLOAD_TOO_LARGE"
    assert body_of(call(client, "GET", "/artisans/me/listings", artisan))["items"] == []


def test_a_body_just_under_256_kib_is_read(client, aws):
    artisan = _artisan(client, aws, verified=False)
    listing = make_listing(attributes={})
    padding = 256 * 1024 - len(json.dumps(listing)) - len(', "pad": ""')
    raw = json.dumps({**listing, "pad": "x" * padding})
    assert len(raw.encode()) == 256 * 1024
    response = call(client, "POST", "/listings", artisan, raw=raw)
    assert response.status_code == 400  # read and validated (an unknown field), not refused for size
    assert _fields(response) == ["pad"]


def test_urdu_round_trips_unchanged(client, aws):
    artisan = _artisan(client, aws, verified=False)
    title_ur = "ملتانی نیلی ظروف — ہاتھ سے بنے، ۱۲ عدد"
    description_ur = "نستعلیق: ﷽ اور زیر، زبر، پیش"
    attributes = {"رنگ": "نیلا", "size": "بڑا"}
    listing = _create(client, artisan, title_ur=title_ur, description_ur=description_ur, attributes=attributes)
    response = call(client, "GET", f"/listings/{listing['listing_id']}", artisan)
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert title_ur.encode() in response.body  # raw UTF-8, not \u escapes
    read = body_of(response)
    assert (read["title_ur"], read["description_ur"], read["attributes"]) == (title_ur, description_ur, attributes)


# --- reading and visibility -------------------------------------------------------------------


def test_a_draft_is_404_to_everyone_but_its_owner_and_ops(client, aws):
    owner = _artisan(client, aws, verified=False)
    listing = _create(client, owner)
    path = f"/listings/{listing['listing_id']}"
    for viewer in (None, aws.user(), _artisan(client, aws)):
        response = call(client, "GET", path, viewer)
        assert response.status_code == 404
        assert _code(response) == "NOT_FOUND"
    for viewer in (owner, aws.user("ops")):
        assert call(client, "GET", path, viewer).status_code == 200


def test_an_active_listing_is_public_with_its_etag(client, aws):
    owner = _artisan(client, aws)
    listing = active_listing(client, owner)
    response = call(client, "GET", f"/listings/{listing['listing_id']}")
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{listing["version"]}"'
    read = body_of(response)
    assert read == listing
    assert "display_price" not in read
    assert read["images"] == [{"image_id": "IMG1", "status": "ready", "width": 1024, "height": 768, "urls": {
        name: f"https://images.test.example/public/{listing['listing_id']}/IMG1/{name}.jpg"
        for name in ("thumb", "medium", "large")}}]


def test_an_unknown_listing_is_404(client):
    response = call(client, "GET", "/listings/L000000000000000")
    assert response.status_code == 404
    assert _code(response) == "NOT_FOUND"


@pytest.mark.parametrize(("amount", "rate", "expected"), [
    (250000, "0.003571", 893),  # 892.75
    (100100, "0.005", 501),     # 500.5: half-up, where half-even would give 500
    (100, "0.005", 1),          # 0.5
    (140, "0.003571", 0),       # 0.49994
])
def test_display_price_is_converted_half_up(client, aws, amount, rate, expected):
    owner = _artisan(client, aws)
    listing = active_listing(client, owner, price={"amount": amount, "currency": "PKR"})
    assert call(client, "PUT", "/ops/fx-rates", aws.user("ops"), {"rates": {"USD": rate}}).status_code == 200
    response = call(client, "GET", f"/listings/{listing['listing_id']}?currency=USD")
    assert response.status_code == 200
    assert body_of(response)["display_price"] == {"amount": expected, "currency": "USD"}
    assert body_of(response)["price"] == {"amount": amount, "currency": "PKR"}
    browsed = body_of(call(client, "GET", "/listings?currency=USD"))["items"]
    assert [item["display_price"] for item in browsed] == [{"amount": expected, "currency": "USD"}]


def test_an_unsupported_display_currency_is_400(client, aws):
    listing = active_listing(client, _artisan(client, aws))
    for path in (f"/listings/{listing['listing_id']}?currency=JPY", "/listings?currency=usd"):
        response = call(client, "GET", path)
        assert response.status_code == 400
        assert _code(response) == "VALIDATION_ERROR"


# --- editing with optimistic concurrency -------------------------------------------------------


def test_patch_without_if_match_applies_and_bumps_the_version(client, aws):
    owner = _artisan(client, aws, verified=False)
    listing = _create(client, owner)
    response = call(client, "PATCH", f"/listings/{listing['listing_id']}", owner,
                    {"stock": 9, "price": {"amount": 300000, "currency": "PKR"}, "title_ur": None})
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'
    patched = body_of(response)
    assert (patched["stock"], patched["price"]["amount"], patched["title_ur"], patched["version"]) == (
        9, 300000, None, 2)
    assert patched["title"] == listing["title"] and patched["created_at"] == listing["created_at"]
    assert patched["updated_at"] > listing["updated_at"]
    assert _read(client, listing["listing_id"], owner) == patched


@pytest.mark.parametrize("if_match", ['"1"', "1", 'W/"1"', "*"])
def test_patch_with_a_current_if_match_applies(client, aws, if_match):
    owner = _artisan(client, aws, verified=False)
    listing = _create(client, owner)
    response = call(client, "PATCH", f"/listings/{listing['listing_id']}", owner, {"stock": 2},
                    headers={"If-Match": if_match})
    assert response.status_code == 200
    assert (body_of(response)["stock"], body_of(response)["version"]) == (2, 2)


@pytest.mark.parametrize("if_match", ['"1"', '"3"', "abc"])
def test_patch_with_a_stale_if_match_is_412_and_changes_nothing(client, aws, if_match):
    owner = _artisan(client, aws, verified=False)
    listing = _create(client, owner)
    path = f"/listings/{listing['listing_id']}"
    assert call(client, "PATCH", path, owner, {"title": "Second title"}).status_code == 200
    before = _read(client, listing["listing_id"], owner)
    response = call(client, "PATCH", path, owner, {"stock": 0, "title": "Third"}, headers={"If-Match": if_match})
    assert response.status_code == 412
    assert _code(response) == "PRECONDITION_FAILED"
    assert _read(client, listing["listing_id"], owner) == before


@pytest.mark.parametrize(("body", "field"), [
    ({}, "body"), ({"stock": "3"}, "stock"), ({"stock": 100001}, "stock"), ({"status": "active"}, "status"),
    ({"version": 7}, "version"), ({"price": {"amount": 10, "currency": "PKR"}}, "price.amount"),
    ({"title": None}, "title"), ({"stock": None}, "stock"), ({"price": None}, "price"),
])
def test_an_invalid_patch_is_400_at_its_field(client, aws, body, field):
    owner = _artisan(client, aws, verified=False)
    listing = _create(client, owner)
    response = call(client, "PATCH", f"/listings/{listing['listing_id']}", owner, body)
    assert response.status_code == 400
    assert _code(response) == "VALIDATION_ERROR"
    assert field in _fields(response)


@pytest.mark.parametrize("body", [{}, {"title": None}, {"stock": None}, {"price": None}, {"category": None},
                                  {"stock": "3", "title": "Valid title"}])
def test_an_invalid_patch_changes_nothing(client, aws, body):
    owner = _artisan(client, aws, verified=False)
    listing = _create(client, owner)
    response = call(client, "PATCH", f"/listings/{listing['listing_id']}", owner, body)
    assert response.status_code == 400
    assert _code(response) == "VALIDATION_ERROR"
    assert _read(client, listing["listing_id"], owner) == listing


def test_someone_elses_listing_is_403_when_active_and_404_when_draft(client, aws):
    owner, other = _artisan(client, aws), _artisan(client, aws)
    active, draft = active_listing(client, owner), _create(client, owner)
    for listing, status, code in ((active, 403, "FORBIDDEN"), (draft, 404, "NOT_FOUND")):
        path = f"/listings/{listing['listing_id']}"
        for method, suffix, body in (("PATCH", "", {"stock": 0}), ("POST", "/publish", None),
                                     ("POST", "/unpublish", None), ("DELETE", "", None)):
            response = call(client, method, path + suffix, other, body)
            assert (response.status_code, _code(response)) == (status, code), (method, suffix)
        assert _read(client, listing["listing_id"], owner) == listing


def test_a_buyer_cannot_edit_an_active_listing(client, aws):
    listing = active_listing(client, _artisan(client, aws))
    response = call(client, "PATCH", f"/listings/{listing['listing_id']}", aws.user(), {"stock": 0})
    assert response.status_code == 403
    assert body_of(call(client, "GET", f"/listings/{listing['listing_id']}"))["stock"] == listing["stock"]


def test_patching_needs_a_token(client, aws):
    listing = active_listing(client, _artisan(client, aws))
    response = call(client, "PATCH", f"/listings/{listing['listing_id']}", None, {"stock": 0})
    assert response.status_code == 401
    assert body_of(call(client, "GET", f"/listings/{listing['listing_id']}")) == listing


# --- publishing -----------------------------------------------------------------------------


def test_publish_needs_a_verified_artisan(client, aws):
    owner = _artisan(client, aws, verified=False)
    listing = _create(client, owner)
    store_ready_image(listing["listing_id"])
    before = _read(client, listing["listing_id"], owner)
    response = call(client, "POST", f"/listings/{listing['listing_id']}/publish", owner)
    assert response.status_code == 409
    assert _code(response) == "NOT_PUBLISHABLE"
    assert _read(client, listing["listing_id"], owner) == before


@pytest.mark.parametrize("images", [[], ["pending"], ["rejected"], ["pending", "rejected"]])
def test_publish_needs_a_ready_image(client, aws, images):
    owner = _artisan(client, aws)
    listing = _create(client, owner)
    for number, status in enumerate(images):
        store_image_record(listing["listing_id"], image_record(listing["listing_id"], f"IMG{number}", status))
    before = _read(client, listing["listing_id"], owner)
    response = call(client, "POST", f"/listings/{listing['listing_id']}/publish", owner)
    assert response.status_code == 409
    assert _code(response) == "NOT_PUBLISHABLE"
    assert _read(client, listing["listing_id"], owner) == before
    assert _ids(call(client, "GET", "/listings")) == []


def test_publish_makes_the_listing_active_and_browsable(client, aws):
    owner = _artisan(client, aws)
    listing = _create(client, owner)
    store_image_record(listing["listing_id"], image_record(listing["listing_id"], "IMG0", "rejected"))
    store_ready_image(listing["listing_id"])
    response = call(client, "POST", f"/listings/{listing['listing_id']}/publish", owner)
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'
    assert (body_of(response)["status"], body_of(response)["version"]) == ("active", 2)
    assert _ids(call(client, "GET", "/listings")) == [listing["listing_id"]]


def test_unpublish_returns_to_draft_and_leaves_the_catalog(client, aws):
    owner = _artisan(client, aws)
    listing = active_listing(client, owner)
    response = call(client, "POST", f"/listings/{listing['listing_id']}/unpublish", owner)
    assert response.status_code == 200
    assert body_of(response)["status"] == "draft"
    assert body_of(response)["version"] == listing["version"] + 1
    assert call(client, "GET", f"/listings/{listing['listing_id']}").status_code == 404
    for query in ("", "?category=embroidery", f"?artisan_id={owner.sub}", "?province=punjab"):
        assert _ids(call(client, "GET", f"/listings{query}")) == []


def test_delete_archives_and_the_listing_is_gone_from_browse(client, aws):
    owner = _artisan(client, aws)
    listing = active_listing(client, owner)
    path = f"/listings/{listing['listing_id']}"
    response = call(client, "DELETE", path, owner)
    assert response.status_code == 204
    assert response.body in (b"", "")
    assert call(client, "GET", path).status_code == 404
    assert _read(client, listing["listing_id"], owner)["status"] == "archived"
    for query in ("", "?category=embroidery", "?category=embroidery&sort=price_asc", f"?artisan_id={owner.sub}",
                  "?province=punjab"):
        assert _ids(call(client, "GET", f"/listings{query}")) == []
    assert call(client, "DELETE", path, owner).status_code == 204


@pytest.mark.parametrize(("method", "suffix", "body"), [
    ("PATCH", "", {"stock": 1}), ("POST", "/publish", None), ("POST", "/unpublish", None)])
def test_an_archived_listing_cannot_change(client, aws, method, suffix, body):
    owner = _artisan(client, aws)
    listing = active_listing(client, owner)
    assert call(client, "DELETE", f"/listings/{listing['listing_id']}", owner).status_code == 204
    before = _read(client, listing["listing_id"], owner)
    response = call(client, method, f"/listings/{listing['listing_id']}{suffix}", owner, body)
    assert response.status_code == 409
    assert _code(response) == "INVALID_STATE"
    assert _read(client, listing["listing_id"], owner) == before


def test_editing_an_active_listing_moves_it_between_categories(client, aws):
    owner = _artisan(client, aws)
    listing = active_listing(client, owner)
    response = call(client, "PATCH", f"/listings/{listing['listing_id']}", owner,
                    {"category": "pottery", "price": {"amount": 500000, "currency": "PKR"}})
    assert response.status_code == 200
    assert body_of(response)["status"] == "active"
    assert _ids(call(client, "GET", "/listings?category=embroidery")) == []
    assert _ids(call(client, "GET", "/listings?category=pottery")) == [listing["listing_id"]]
    assert _ids(call(client, "GET", "/listings?category=pottery&min_price=500000")) == [listing["listing_id"]]
    assert _ids(call(client, "GET", "/listings?category=pottery&min_price=500001")) == []


# --- browsing --------------------------------------------------------------------------------


@pytest.fixture
def catalog(client, aws) -> dict[str, str]:
    """Active listings created in name order by two artisans, plus drafts and an archived one that never show."""
    punjab = _artisan(client, aws, province="punjab")
    sindh = _artisan(client, aws, province="sindh", craft="pottery")
    specs = [
        ("p_emb_3000", punjab, "embroidery", 300000),
        ("s_pot_1500", sindh, "pottery", 150000),
        ("p_emb_1000", punjab, "embroidery", 100000),
        ("s_emb_2000", sindh, "embroidery", 200000),
        ("p_pot_2500", punjab, "pottery", 250000),
        ("p_emb_5000", punjab, "embroidery", 500000),
    ]
    ids = {"punjab": punjab.sub, "sindh": sindh.sub}
    for name, owner, category, amount in specs:
        ids[name] = active_listing(client, owner, category=category, price={"amount": amount, "currency": "PKR"})[
            "listing_id"]
    _create(client, punjab, category="embroidery", price={"amount": 200000, "currency": "PKR"})
    archived = active_listing(client, sindh, category="embroidery", price={"amount": 210000, "currency": "PKR"})
    assert call(client, "DELETE", f"/listings/{archived['listing_id']}", sindh).status_code == 204
    unpublished = active_listing(client, punjab, category="embroidery", price={"amount": 220000, "currency": "PKR"})
    assert call(client, "POST", f"/listings/{unpublished['listing_id']}/unpublish", punjab).status_code == 200
    return ids


NEWEST_FIRST = ["p_emb_5000", "p_pot_2500", "s_emb_2000", "p_emb_1000", "s_pot_1500", "p_emb_3000"]


@pytest.mark.parametrize(("query", "expected"), [
    ("", NEWEST_FIRST),
    ("?sort=newest", NEWEST_FIRST),
    ("?category=embroidery", ["p_emb_5000", "s_emb_2000", "p_emb_1000", "p_emb_3000"]),
    ("?category=embroidery&sort=newest", ["p_emb_5000", "s_emb_2000", "p_emb_1000", "p_emb_3000"]),
    ("?category=embroidery&sort=price_asc", ["p_emb_1000", "s_emb_2000", "p_emb_3000", "p_emb_5000"]),
    ("?category=embroidery&sort=price_desc", ["p_emb_5000", "p_emb_3000", "s_emb_2000", "p_emb_1000"]),
    ("?category=embroidery&sort=price_asc&min_price=200000&max_price=300000", ["s_emb_2000", "p_emb_3000"]),
    ("?category=embroidery&sort=price_desc&min_price=200000&max_price=300000", ["p_emb_3000", "s_emb_2000"]),
    ("?category=embroidery&min_price=200001", ["p_emb_3000", "p_emb_5000"]),
    ("?category=embroidery&sort=price_desc&max_price=200000", ["s_emb_2000", "p_emb_1000"]),
    ("?category=pottery&sort=price_asc", ["s_pot_1500", "p_pot_2500"]),
    ("?category=woodwork", []),
    # By price without a craft: the keys-only by_price index.
    ("?sort=price_asc", ["p_emb_1000", "s_pot_1500", "s_emb_2000", "p_pot_2500", "p_emb_3000", "p_emb_5000"]),
    ("?sort=price_desc", ["p_emb_5000", "p_emb_3000", "p_pot_2500", "s_emb_2000", "s_pot_1500", "p_emb_1000"]),
    ("?min_price=200000&max_price=300000", ["s_emb_2000", "p_pot_2500", "p_emb_3000"]),
    ("?sort=price_desc&max_price=250000&currency=USD", ["p_pot_2500", "s_emb_2000", "s_pot_1500", "p_emb_1000"]),
    ("?artisan_id={punjab}", ["p_emb_5000", "p_pot_2500", "p_emb_1000", "p_emb_3000"]),
    ("?artisan_id={sindh}", ["s_emb_2000", "s_pot_1500"]),
    ("?province=sindh", ["s_emb_2000", "s_pot_1500"]),
    ("?province=punjab&currency=GBP", ["p_emb_5000", "p_pot_2500", "p_emb_1000", "p_emb_3000"]),
    ("?province=balochistan", []),
])
def test_every_browse_shape_lists_only_active_listings_in_order(client, catalog, query, expected):
    response = call(client, "GET", "/listings" + query.format(**catalog))
    assert _ids(response) == [catalog[name] for name in expected]
    items = body_of(response)["items"]
    assert all(item["status"] == "active" for item in items)
    assert body_of(response)["next_cursor"] is None


@pytest.mark.parametrize("query", [
    "?category=embroidery&artisan_id=x", "?category=embroidery&province=punjab", "?artisan_id=x&province=punjab",
    "?artisan_id=x&sort=price_asc", "?province=punjab&sort=price_desc", "?sort=newest&max_price=100",
    "?province=punjab&min_price=100", "?category=embroidery&sort=newest&min_price=100",
])
def test_unsupported_combinations_are_400_unsupported_query(client, query):
    response = call(client, "GET", f"/listings{query}")
    assert response.status_code == 400
    assert _code(response) == "UNSUPPORTED_QUERY"


@pytest.mark.parametrize(("query", "field"), [
    ("?limit=0", "limit"), ("?limit=101", "limit"), ("?limit=x", "limit"), ("?sort=cheapest", "sort"),
    ("?category=embroidery&min_price=-1", "min_price"), ("?category=plastic", "category"),
    ("?province=lahore", "province"), ("?colour=red", "colour"),
    ("?category=embroidery&min_price=300&max_price=200", "min_price"),
])
def test_invalid_browse_parameters_are_400_validation_errors(client, query, field):
    response = call(client, "GET", f"/listings{query}")
    assert response.status_code == 400
    assert _code(response) == "VALIDATION_ERROR"
    assert field in _fields(response)


def _walk(client: Any, query: str, limit: int) -> list[str]:
    seen: list[str] = []
    cursor = None
    for _ in range(20):
        separator = "&" if query else ""
        path = f"/listings?{query}{separator}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = call(client, "GET", path)
        page = _ids(response)
        assert len(page) <= limit
        seen += page
        cursor = body_of(response)["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize(("query", "expected"), [
    ("", NEWEST_FIRST),
    ("category=embroidery&sort=price_desc", ["p_emb_5000", "p_emb_3000", "s_emb_2000", "p_emb_1000"]),
    ("artisan_id={punjab}", ["p_emb_5000", "p_pot_2500", "p_emb_1000", "p_emb_3000"]),
    ("sort=price_asc", ["p_emb_1000", "s_pot_1500", "s_emb_2000", "p_pot_2500", "p_emb_3000", "p_emb_5000"]),
])
@pytest.mark.parametrize("limit", [1, 4])
def test_pages_walk_every_listing_exactly_once(client, catalog, query, expected, limit):
    assert _walk(client, query.format(**catalog), limit) == [catalog[name] for name in expected]


def test_limit_defaults_to_20(client, aws):
    owner = _artisan(client, aws)
    for _ in range(21):
        active_listing(client, owner)
    response = call(client, "GET", "/listings")
    assert len(_ids(response)) == 20
    assert body_of(response)["next_cursor"]


def test_a_tampered_or_foreign_cursor_is_400_bad_cursor(client, catalog):
    cursor = body_of(call(client, "GET", "/listings?category=embroidery&limit=1"))["next_cursor"]
    artisans_cursor = body_of(call(client, "GET", "/artisans?limit=1"))["next_cursor"]
    assert cursor and artisans_cursor
    payload, tag = cursor.split(".")
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    for query in (f"category=embroidery&limit=1&cursor={flipped}.{tag}",
                  f"category=embroidery&limit=1&cursor={payload}.{tag[::-1]}",
                  f"category=pottery&limit=1&cursor={cursor}",
                  f"category=embroidery&sort=price_asc&limit=1&cursor={cursor}",
                  f"limit=1&cursor={cursor}",
                  f"limit=1&cursor={artisans_cursor}",
                  "cursor=not-a-cursor", "cursor=a.b.c", "cursor=."):
        response = call(client, "GET", f"/listings?{query}")
        assert response.status_code == 400, query
        assert _code(response) == "BAD_CURSOR", query


def test_my_listings_include_drafts_and_refuse_foreign_cursors(client, aws, catalog):
    owner = _artisan(client, aws)
    first, second = _create(client, owner), active_listing(client, owner)
    response = call(client, "GET", "/artisans/me/listings?limit=1", owner)
    assert _ids(response) == [second["listing_id"]]
    cursor = body_of(response)["next_cursor"]
    assert _ids(call(client, "GET", f"/artisans/me/listings?limit=1&cursor={cursor}", owner)) == [
        first["listing_id"]]
    other = _artisan(client, aws)
    response = call(client, "GET", f"/artisans/me/listings?limit=1&cursor={cursor}", other)
    assert response.status_code == 400
    assert _code(response) == "BAD_CURSOR"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_a_body_that_is_not_json_is_refused_in_the_error_shape(client, aws, content_type):
    owner = _artisan(client, aws, verified=False)
    listing = _create(client, owner)
    created = call(client, "POST", "/listings", owner, make_listing(), headers={"Content-Type": content_type})
    patched = call(client, "PATCH", f"/listings/{listing['listing_id']}", owner, {"stock": 1},
                   headers={"Content-Type": content_type})
    for response in (created, patched):
        assert response.status_code == 400
        assert body_of(response)["error"]["details"] == [{"field": "Content-Type",
                                                          "message": "must be application/json"}]
    assert _read(client, listing["listing_id"], owner) == listing
    mine = body_of(call(client, "GET", "/artisans/me/listings", owner))["items"]
    assert [item["listing_id"] for item in mine] == [listing["listing_id"]]


def test_json_with_parameters_or_a_json_suffix_is_accepted(client, aws):
    owner = _artisan(client, aws, verified=False)
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = call(client, "POST", "/listings", owner, make_listing(), headers={"Content-Type": content_type})
        assert response.status_code == 201, response.body

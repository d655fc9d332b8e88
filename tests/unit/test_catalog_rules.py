"""The catalog's decisions on plain values: no emulator, no app."""
from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.auth import Identity
from chalicelib.catalog import rules
from chalicelib.errors import (
    ForbiddenError,
    InvalidStateError,
    NotFoundError,
    NotPublishableError,
    PreconditionFailedError,
    UnsupportedQueryError,
    ValidationError,
)
from chalicelib.store.records import Artisan, Listing

NOW = "2026-11-28T10:00:00.000000Z"
OWNER = Identity(user_id="A1", email=None, groups=frozenset({"artisans"}))
OTHER = Identity(user_id="A2", email=None, groups=frozenset({"artisans"}))
OPS = Identity(user_id="OPS", email=None, groups=frozenset({"ops"}))
READY = {"image_id": "I1", "status": "ready", "created_at": NOW}


def artisan(**changes: object) -> Artisan:
    base = Artisan(artisan_id="A1", display_name="Nasreen", craft="embroidery", province="punjab",
                   district="Multan", phone="+923001234567", cnic_hash="h1", cnic_last4="1111",
                   verification="verified", created_at=NOW, updated_at=NOW)
    return replace(base, **changes)  # type: ignore[arg-type]


def listing(**changes: object) -> Listing:
    base = Listing(listing_id="L1", artisan_id="A1", province="punjab", title="Shawl", category="embroidery",
                   price_amount=250000, stock=5, weight_grams=400, processing_days=3, status="draft", version=3,
                   created_at=NOW, updated_at=NOW)
    return replace(base, **changes)  # type: ignore[arg-type]


# --- who sees what ------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_a_listing_out_of_the_catalog_exists_only_for_its_owner_and_ops(status: str) -> None:
    hidden = listing(status=status)
    assert rules.may_see_listing(OWNER, hidden) is hidden
    assert rules.may_see_listing(OPS, hidden) is hidden
    for stranger in (OTHER, None):
        with pytest.raises(NotFoundError):
            rules.may_see_listing(stranger, hidden)


def test_an_active_listing_is_public_but_only_its_owner_may_change_it() -> None:
    active = listing(status="active")
    assert rules.may_see_listing(None, active) is active
    assert rules.owned(OWNER, active) is active
    with pytest.raises(ForbiddenError):
        rules.owned(OTHER, active)
    with pytest.raises(NotFoundError):
        rules.owned(OTHER, listing(status="draft"))  # a draft is not even known to exist
    with pytest.raises(NotFoundError):
        rules.may_see_listing(OWNER, None)


@pytest.mark.parametrize("verification", ["pending", "rejected"])
def test_an_unverified_artisan_is_visible_only_to_themselves_and_ops(verification: str) -> None:
    profile = artisan(verification=verification)
    assert rules.may_see_artisan(OWNER, profile) is profile
    assert rules.may_see_artisan(OPS, profile) is profile
    with pytest.raises(NotFoundError):
        rules.may_see_artisan(None, profile)
    assert rules.may_see_artisan(None, artisan()).artisan_id == "A1"


# --- profiles -------------------------------------------------------------------------------


def test_profile_edits_keep_the_cnic_unless_a_new_one_is_given() -> None:
    changes = rules.profile_changes(artisan(verification="pending"), {"district": "Lahore"}, cnic=None,
                                    cnic_hash=None, now=NOW)
    assert changes == {"district": "Lahore", "updated_at": NOW}
    moved = rules.profile_changes(artisan(verification="pending"), {}, cnic="35202-1234567-9", cnic_hash="h2",
                                  now=NOW)
    assert moved["cnic_hash"] == "h2" and moved["cnic_last4"] == "5679"


def test_the_cnic_cannot_change_after_verification_but_may_be_restated() -> None:
    with pytest.raises(InvalidStateError):
        rules.profile_changes(artisan(), {}, cnic="35202-1234567-9", cnic_hash="h2", now=NOW)
    same = rules.profile_changes(artisan(), {}, cnic="35202-0000000-1", cnic_hash="h1", now=NOW)
    assert "cnic_hash" not in same


def test_a_new_profile_needs_a_cnic() -> None:
    with pytest.raises(ValidationError) as refused:
        rules.require_cnic_on_create(None)
    assert refused.value.details == [{"field": "cnic", "message": "Field required when creating a profile"}]


# --- listing changes --------------------------------------------------------------------------


def test_edits_need_the_current_version_when_if_match_is_given() -> None:
    assert rules.edit(listing(), {"stock": 2}, if_match=3) == {"stock": 2}
    assert rules.edit(listing(), {"stock": 2}, if_match=None) == {"stock": 2}
    with pytest.raises(PreconditionFailedError):
        rules.edit(listing(), {"stock": 2}, if_match=2)
    with pytest.raises(InvalidStateError):
        rules.edit(listing(status="archived"), {"stock": 2}, if_match=None)


def test_publishing_needs_a_verified_artisan_and_a_ready_photo() -> None:
    changes, ready = rules.publish(listing(images={"I0": {"status": "pending"}, "I1": READY}),
                                   artisan(province="sindh"))
    assert changes == {"status": "active", "province": "sindh"} and ready == "I1"
    with pytest.raises(NotPublishableError):
        rules.publish(listing(images={"I1": READY}), artisan(verification="pending"))
    with pytest.raises(NotPublishableError):
        rules.publish(listing(images={"I1": READY}), None)
    with pytest.raises(NotPublishableError):
        rules.publish(listing(images={"I1": {"status": "rejected"}}), artisan())
    with pytest.raises(InvalidStateError):
        rules.publish(listing(status="archived", images={"I1": READY}), artisan())


def test_archiving_twice_is_no_change_and_an_archived_listing_cannot_be_unpublished() -> None:
    assert rules.move_out_of_catalog(listing(status="active"), status="draft") == {"status": "draft"}
    assert rules.move_out_of_catalog(listing(status="archived"), status="archived") is None
    with pytest.raises(InvalidStateError):
        rules.move_out_of_catalog(listing(status="archived"), status="draft")


# --- browse shapes ----------------------------------------------------------------------------


def shape(**query: object) -> rules.BrowseShape:
    given = {"category": None, "artisan_id": None, "province": None, "sort": None, "min_price": None,
             "max_price": None, **query}
    return rules.browse_shape(**given)  # type: ignore[arg-type]


def test_each_supported_browse_shape_names_one_index() -> None:
    assert shape() == rules.BrowseShape("recent")
    assert shape(province="sindh") == rules.BrowseShape("province", "sindh")
    assert shape(artisan_id="A1") == rules.BrowseShape("artisan", "A1")
    assert shape(category="pottery") == rules.BrowseShape("category", "pottery")
    assert shape(category="pottery", min_price=100) == rules.BrowseShape("category", "pottery", "price_asc", 100)
    assert shape(category="pottery", sort="price_desc", max_price=900).sort == "price_desc"
    assert shape(sort="price_asc") == rules.BrowseShape("price", None, "price_asc")
    assert shape(min_price=100) == rules.BrowseShape("price", None, "price_asc", 100)
    assert shape(sort="price_desc", max_price=900) == rules.BrowseShape("price", None, "price_desc", None, 900)
    assert shape(sort="newest") == rules.BrowseShape("recent")


@pytest.mark.parametrize("query", [
    {"category": "pottery", "province": "sindh"},
    {"province": "sindh", "sort": "price_asc"},
    {"sort": "newest", "min_price": 100},
    {"category": "pottery", "sort": "newest", "max_price": 10},
])
def test_other_shapes_are_unsupported(query: dict[str, object]) -> None:
    with pytest.raises(UnsupportedQueryError):
        shape(**query)


def test_a_price_range_must_not_be_upside_down() -> None:
    with pytest.raises(ValidationError):
        shape(category="pottery", min_price=500, max_price=100)


def test_the_artisans_group_is_added_only_for_a_token_without_it() -> None:
    assert rules.needs_artisans_group(Identity(user_id="B1", email=None, groups=frozenset()))
    assert rules.needs_artisans_group(OPS)
    assert not rules.needs_artisans_group(OWNER)

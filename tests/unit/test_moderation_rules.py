"""Moderation's decisions on plain values (chalicelib/catalog/rules.py): no emulator, no app."""
from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.auth import Identity
from chalicelib.catalog import rules
from chalicelib.errors import InvalidStateError, NotFoundError, NotPublishableError
from chalicelib.orders.rules import refusal
from chalicelib.store.records import Artisan, Listing

NOW = "2026-11-28T10:00:00.000000Z"
OWNER = Identity(user_id="A1", email=None, groups=frozenset({"artisans"}))
OPS = Identity(user_id="OPS", email=None, groups=frozenset({"ops"}))
READY = {"I1": {"image_id": "I1", "status": "ready", "created_at": NOW}}


def artisan(**changes: object) -> Artisan:
    base = Artisan(artisan_id="A1", display_name="Nasreen", craft="embroidery", province="punjab",
                   district="Multan", phone="+923001234567", cnic_hash="h1", cnic_last4="1111",
                   verification="verified", created_at=NOW, updated_at=NOW)
    return replace(base, **changes)  # type: ignore[arg-type]


def listing(**changes: object) -> Listing:
    base = Listing(listing_id="L1", artisan_id="A1", province="punjab", title="Shawl", category="embroidery",
                   price_amount=250000, stock=5, weight_grams=400, processing_days=3, status="active", version=3,
                   created_at=NOW, updated_at=NOW, images=dict(READY))
    return replace(base, **changes)  # type: ignore[arg-type]


def test_suspension_is_decided_once_and_keeps_the_first_reason() -> None:
    assert rules.suspension(artisan(), "fraud", now=NOW) == {"suspended": True, "suspension_reason": "fraud",
                                                            "updated_at": NOW}
    assert rules.suspension(artisan(suspended=True, suspension_reason="fraud"), "other", now=NOW) is None


def test_lifting_is_decided_only_for_a_suspended_artisan() -> None:
    assert rules.lifting(artisan(suspended=True, suspension_reason="x"), now=NOW) == {
        "suspended": False, "suspension_reason": None, "updated_at": NOW}
    assert rules.lifting(artisan(), now=NOW) is None


@pytest.mark.parametrize(("changes", "held"), [
    ({}, False), ({"suspended": True}, True), ({"verification": "rejected"}, True),
    ({"verification": "pending"}, True), ({"verification": "rejected", "suspended": True}, True),
])
def test_a_suspended_or_unverified_artisan_keeps_every_listing_held(changes: dict[str, object], held: bool) -> None:
    assert rules.keeps_listings_held(artisan(**changes)) is held


def test_hold_and_release_are_idempotent_and_leave_archived_listings_alone() -> None:
    assert rules.hold(listing()) == {"moderation_hold": rules.ARTISAN_HOLD}
    assert rules.hold(listing(status="draft")) == {"moderation_hold": rules.ARTISAN_HOLD}
    assert rules.hold(listing(moderation_hold=rules.ARTISAN_HOLD)) is None
    assert rules.hold(listing(status="archived")) is None
    assert rules.release(listing(moderation_hold=rules.ARTISAN_HOLD)) == {"moderation_hold": None}
    assert rules.release(listing()) is None


def test_a_held_or_taken_down_listing_is_not_sellable_and_is_hidden_from_the_public() -> None:
    for hidden in (listing(moderation_hold=rules.ARTISAN_HOLD), listing(status="taken_down", takedown_reason="x")):
        assert not hidden.sellable
        assert rules.may_see_listing(OWNER, hidden) is hidden
        assert rules.may_see_listing(OPS, hidden) is hidden
        with pytest.raises(NotFoundError):
            rules.may_see_listing(None, hidden)
    assert listing().sellable


def test_orders_refuse_a_held_listing_as_unavailable() -> None:
    error = refusal({("L1", None): 1}, {"L1": listing(moderation_hold=rules.ARTISAN_HOLD)})
    assert error is not None and error.details == [{"listing_id": "L1"}]
    assert type(error).__name__ == "ListingUnavailableError"


def test_a_suspended_artisan_is_hidden_from_the_public_but_not_from_themselves_or_ops() -> None:
    suspended = artisan(suspended=True, suspension_reason="x")
    assert rules.may_see_artisan(OWNER, suspended) is suspended
    assert rules.may_see_artisan(OPS, suspended) is suspended
    with pytest.raises(NotFoundError):
        rules.may_see_artisan(None, suspended)


@pytest.mark.parametrize(("listing_changes", "artisan_changes"), [
    ({"status": "taken_down"}, {}),
    ({"status": "draft"}, {"suspended": True}),
    ({"status": "draft"}, {"listing_hold": "held"}),
    ({"status": "draft", "moderation_hold": rules.ARTISAN_HOLD}, {}),
    ({"status": "draft"}, {"verification": "rejected"}),
])
def test_publishing_is_refused_while_taken_down_suspended_or_held(listing_changes: dict[str, object],
                                                                 artisan_changes: dict[str, object]) -> None:
    with pytest.raises(NotPublishableError):
        rules.publish(listing(**listing_changes), artisan(**artisan_changes))


def test_a_takedown_is_idempotent_and_refused_for_an_archived_listing() -> None:
    assert rules.takedown(listing(), "copy", now=NOW) == {"status": "taken_down", "takedown_reason": "copy",
                                                          "updated_at": NOW}
    assert rules.takedown(listing(status="draft"), "copy", now=NOW)["status"] == "taken_down"  # type: ignore[index]
    assert rules.takedown(listing(status="taken_down"), "again", now=NOW) is None
    with pytest.raises(InvalidStateError):
        rules.takedown(listing(status="archived"), "copy", now=NOW)


@pytest.mark.parametrize("status", ["draft", "active", "archived"])
def test_only_a_taken_down_listing_is_reinstated_and_it_becomes_a_draft(status: str) -> None:
    assert rules.reinstatement(listing(status="taken_down", takedown_reason="x"), now=NOW) == {
        "status": "draft", "takedown_reason": None, "updated_at": NOW}
    with pytest.raises(InvalidStateError):
        rules.reinstatement(listing(status=status), now=NOW)


def test_the_owner_may_archive_but_not_unpublish_a_taken_down_listing() -> None:
    down = listing(status="taken_down")
    assert rules.move_out_of_catalog(down, status="archived") == {"status": "archived"}
    with pytest.raises(InvalidStateError):
        rules.move_out_of_catalog(down, status="draft")

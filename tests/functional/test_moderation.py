"""Moderation (API.md "Becoming an artisan", ops): suspension, rejection of a verified artisan, takedown.

Through the real app on moto in-process. A held listing must be gone from every browse
shape and every artisan list at once, and refused by both order paths (the cold
transaction and the hot single-item write); lifting brings everything back.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.ids import rfc3339, utc_now
from harness.aws import Aws, User
from harness.environment import REGION
from harness.factories import (
    active_listing,
    make_listing,
    make_order,
    place,
    stock_of,
    store_ready_image,
    verified_artisan,
)
from harness.http import body_of, call, code_of
from harness.stored import table_state

BROWSE = ("/listings", "/listings?category=embroidery", "/listings?category=embroidery&sort=price_asc",
          "/listings?category=embroidery&sort=price_desc&min_price=100&max_price=99999999",
          "/listings?province=punjab", "/listings?sort=price_asc", "/listings?sort=price_desc&max_price=99999999")
ARTISAN_LISTS = ("/artisans", "/artisans?province=punjab", "/artisans?craft=embroidery",
                 "/artisans?province=punjab&craft=embroidery")


@dataclass
class Shop:
    artisan: User
    ops: User
    buyer: User
    active: list[str]
    draft: str  # with a ready photo: publishable while the artisan is in good standing


@pytest.fixture
def shop(client: Any, aws: Aws) -> Shop:
    artisan = verified_artisan(client, aws)
    active = [active_listing(client, artisan, stock=5)["listing_id"] for _ in range(2)]
    created = call(client, "POST", "/listings", artisan, make_listing(title="A draft cushion cover"))
    draft = body_of(created)["listing_id"]
    store_ready_image(draft)
    return Shop(artisan=artisan, ops=aws.user("ops"), buyer=aws.user(), active=active, draft=draft)


def _listed(client: Any, path: str, key: str = "listing_id") -> set[str]:
    response = client.http.get(f"{path}{'&' if '?' in path else '?'}limit=100")
    assert response.status_code == 200, response.body
    return {item[key] for item in body_of(response)["items"]}


def _in_every_browse_shape(client: Any, shop: Shop) -> list[bool]:
    """Per browse shape (the artisan's own one included): are all of the shop's active listings there?"""
    shapes = (*BROWSE, f"/listings?artisan_id={shop.artisan.sub}")
    return [set(shop.active) <= _listed(client, path) for path in shapes]


def _in_no_browse_shape(client: Any, shop: Shop) -> bool:
    shapes = (*BROWSE, f"/listings?artisan_id={shop.artisan.sub}")
    return all(not set(shop.active) & _listed(client, path) for path in shapes)


def _artisan_listed(client: Any, shop: Shop) -> list[bool]:
    return [shop.artisan.sub in _listed(client, path, "artisan_id") for path in ARTISAN_LISTS]


def _suspend(client: Any, shop: Shop, reason: str = "Counterfeit goods reported") -> Any:
    return call(client, "POST", f"/ops/artisans/{shop.artisan.sub}/suspension", shop.ops, {"reason": reason})


def _lift(client: Any, shop: Shop) -> Any:
    return call(client, "DELETE", f"/ops/artisans/{shop.artisan.sub}/suspension", shop.ops)


def _audit(client: Any, ops: User, target_id: str) -> list[dict[str, Any]]:
    response = call(client, "GET", f"/ops/audit?target_id={target_id}&limit=100", ops)
    assert response.status_code == 200, response.body
    return list(body_of(response)["items"])


def _make_hot(aws: Aws, listing_id: str) -> None:
    """Send the listing's next orders down the hot path, as the conflict path marks it."""
    table = boto3.resource("dynamodb", region_name=REGION).Table(aws.env["TABLE_LISTINGS"])
    table.update_item(Key={"listing_id": listing_id}, UpdateExpression="SET hot_until = :u",
                      ExpressionAttributeValues={":u": rfc3339(utc_now() + timedelta(minutes=15))})


# --- suspension ---------------------------------------------------------------------------------


def test_a_suspension_takes_every_listing_out_of_every_browse_shape_and_the_artisan_out_of_every_list(client, shop):
    assert all(_in_every_browse_shape(client, shop)) and all(_artisan_listed(client, shop))

    response = _suspend(client, shop)

    assert response.status_code == 200, response.body
    artisan = body_of(response)
    assert (artisan["suspended"], artisan["suspension_reason"]) == (True, "Counterfeit goods reported")
    assert _in_no_browse_shape(client, shop)
    assert not any(_artisan_listed(client, shop))


def test_a_suspended_artisan_is_hidden_from_the_public_but_sees_the_reason(client, shop):
    assert _suspend(client, shop).status_code == 200

    assert client.http.get(f"/artisans/{shop.artisan.sub}").status_code == 404
    assert call(client, "GET", f"/artisans/{shop.artisan.sub}", shop.buyer).status_code == 404
    assert call(client, "GET", f"/artisans/{shop.artisan.sub}", shop.ops).status_code == 200
    me = body_of(call(client, "GET", "/artisans/me", shop.artisan))
    assert (me["suspended"], me["suspension_reason"]) == (True, "Counterfeit goods reported")
    # The listings are the owner's and ops' to see, nobody else's.
    assert client.http.get(f"/listings/{shop.active[0]}").status_code == 404
    assert call(client, "GET", f"/listings/{shop.active[0]}", shop.artisan).status_code == 200
    mine = _owned(client, shop.artisan)
    assert set(shop.active) | {shop.draft} <= set(mine)


def _owned(client: Any, artisan: User) -> dict[str, dict[str, Any]]:
    response = call(client, "GET", "/artisans/me/listings?limit=100", artisan)
    assert response.status_code == 200, response.body
    return {item["listing_id"]: item for item in body_of(response)["items"]}


def test_orders_for_a_suspended_artisans_listing_are_refused_on_the_cold_path_and_change_nothing(client, aws, shop):
    assert _suspend(client, shop).status_code == 200
    before = table_state(aws)

    refused = place(client, shop.buyer, make_order((shop.active[0], 1)))

    assert refused.status_code == 409, refused.body
    assert code_of(refused) == "LISTING_UNAVAILABLE"
    assert body_of(refused)["error"]["details"] == [{"listing_id": shop.active[0]}]
    assert table_state(aws) == before


def test_orders_for_a_suspended_artisans_hot_listing_are_refused_and_change_nothing(client, aws, shop):
    _make_hot(aws, shop.active[0])
    assert place(client, shop.buyer, make_order((shop.active[0], 1))).status_code == 201  # the hot path sells
    assert _suspend(client, shop).status_code == 200
    before = table_state(aws)

    refused = place(client, shop.buyer, make_order((shop.active[0], 1)))

    assert refused.status_code == 409, refused.body
    assert code_of(refused) == "LISTING_UNAVAILABLE"
    assert table_state(aws) == before
    assert stock_of(client, shop.active[0], shop.artisan) == 4


def test_a_held_listing_refused_inside_the_transaction_is_reported_as_unavailable(client, aws, shop, hooks):
    """The order read the listing before the hold; its reservation's own condition refuses it."""
    from chalicelib.catalog import moderation

    listing_id = shop.active[0]
    held: list[str] = []

    def suspend_after_the_read(**_: Any) -> None:
        if not held:  # the suspension's first step lands between the order's read and its write
            held.append(listing_id)
            moderation.hold_catalog(shop.artisan.sub)

    hooks.add("after-call.dynamodb.BatchGetItem", suspend_after_the_read)
    refused = place(client, shop.buyer, make_order((listing_id, 1)))
    assert held == [listing_id]
    assert refused.status_code == 409, refused.body
    assert code_of(refused) == "LISTING_UNAVAILABLE"
    assert stock_of(client, listing_id, shop.artisan) == 5


def test_publishing_and_editing_cannot_bring_a_suspended_artisans_listing_back(client, shop):
    assert _suspend(client, shop).status_code == 200

    published = call(client, "POST", f"/listings/{shop.draft}/publish", shop.artisan)
    edited = call(client, "PATCH", f"/listings/{shop.active[0]}", shop.artisan, {"title": "Renamed shawl"})
    republished = call(client, "POST", f"/listings/{shop.active[1]}/publish", shop.artisan)

    assert (published.status_code, code_of(published)) == (409, "NOT_PUBLISHABLE")
    assert (republished.status_code, code_of(republished)) == (409, "NOT_PUBLISHABLE")
    assert edited.status_code == 200, edited.body
    assert _in_no_browse_shape(client, shop)


def test_suspending_twice_is_one_suspension_with_one_audit_entry(client, shop):
    first = _suspend(client, shop, "first reason")
    again = _suspend(client, shop, "second reason")

    assert (first.status_code, again.status_code) == (200, 200)
    assert body_of(again)["suspension_reason"] == "first reason"
    assert [entry["action"] for entry in _audit(client, shop.ops, shop.artisan.sub)] == [
        "artisan.suspension", "artisan.verification"]


def test_lifting_restores_browse_lists_orders_and_publishing(client, shop):
    assert _suspend(client, shop).status_code == 200

    lifted = _lift(client, shop)

    assert lifted.status_code == 200, lifted.body
    assert (body_of(lifted)["suspended"], body_of(lifted)["suspension_reason"]) == (False, None)
    assert all(_in_every_browse_shape(client, shop)) and all(_artisan_listed(client, shop))
    assert place(client, shop.buyer, make_order((shop.active[0], 1))).status_code == 201
    assert call(client, "POST", f"/listings/{shop.draft}/publish", shop.artisan).status_code == 200
    assert client.http.get(f"/artisans/{shop.artisan.sub}").status_code == 200
    assert _lift(client, shop).status_code == 200  # idempotent: nothing more happens, nothing is recorded
    assert [entry["action"] for entry in _audit(client, shop.ops, shop.artisan.sub)] == [
        "artisan.suspension_lifted", "artisan.suspension", "artisan.verification"]


def test_a_lift_interrupted_before_releasing_is_finished_by_repeating_it(client, shop, hooks):
    """A crash after the lift committed, before the holds were released: the repeat releases them."""
    assert _suspend(client, shop).status_code == 200
    crashes = {"left": 1}

    def crash_after_commit(http_response: Any, **_: Any) -> None:
        if crashes["left"] and http_response.status_code == 200:
            crashes["left"] -= 1
            raise RuntimeError("the function died after DynamoDB committed the lift")

    hooks.add("after-call.dynamodb.TransactWriteItems", crash_after_commit)
    interrupted = _lift(client, shop)
    assert interrupted.status_code == 500, interrupted.body
    assert crashes["left"] == 0
    assert _in_no_browse_shape(client, shop)  # still held: nothing sold meanwhile

    assert _lift(client, shop).status_code == 200

    assert all(_in_every_browse_shape(client, shop))
    assert call(client, "POST", f"/listings/{shop.draft}/publish", shop.artisan).status_code == 200


def test_suspension_needs_a_reason_and_an_existing_artisan(client, aws, shop):
    before = table_state(aws)
    for body in ({}, {"reason": ""}, {"reason": "x" * 501}, {"reason": 5}, {"reason": "ok", "extra": 1}):
        response = call(client, "POST", f"/ops/artisans/{shop.artisan.sub}/suspension", shop.ops, body)
        assert (response.status_code, code_of(response)) == (400, "VALIDATION_ERROR"), body
    missing = call(client, "POST", "/ops/artisans/nobody/suspension", shop.ops, {"reason": "fraud"})
    assert (missing.status_code, code_of(missing)) == (404, "NOT_FOUND")
    assert call(client, "DELETE", "/ops/artisans/nobody/suspension", shop.ops).status_code == 404
    assert table_state(aws) == before


@pytest.mark.parametrize("groups", [(), ("artisans",)])
def test_only_ops_moderate_and_a_refusal_changes_nothing(client, aws, shop, groups):
    caller = aws.user(*groups)
    before = table_state(aws)
    answers = [call(client, "POST", f"/ops/artisans/{shop.artisan.sub}/suspension", caller, {"reason": "x"}),
               call(client, "DELETE", f"/ops/artisans/{shop.artisan.sub}/suspension", caller),
               call(client, "POST", f"/ops/listings/{shop.active[0]}/takedown", caller, {"reason": "x"}),
               call(client, "POST", f"/ops/listings/{shop.active[0]}/reinstatement", caller),
               call(client, "GET", "/ops/audit", caller)]
    assert [answer.status_code for answer in answers] == [403] * 5
    assert table_state(aws) == before


# --- rejection of a verified artisan ----------------------------------------------------------------


def _verification(client: Any, shop: Shop, decision: str) -> Any:
    response = call(client, "POST", f"/ops/artisans/{shop.artisan.sub}/verification", shop.ops,
                    {"decision": decision, "note": "re-checked"})
    assert response.status_code == 200, response.body
    return body_of(response)


def test_rejecting_a_verified_artisan_holds_every_listing_and_verifying_again_releases_them(client, shop):
    assert _verification(client, shop, "rejected")["verification"] == "rejected"
    assert _in_no_browse_shape(client, shop) and not any(_artisan_listed(client, shop))
    refused = place(client, shop.buyer, make_order((shop.active[0], 1)))
    assert (refused.status_code, code_of(refused)) == (409, "LISTING_UNAVAILABLE")

    assert _verification(client, shop, "verified")["verification"] == "verified"

    assert all(_in_every_browse_shape(client, shop)) and all(_artisan_listed(client, shop))
    assert place(client, shop.buyer, make_order((shop.active[0], 1))).status_code == 201


def test_verifying_a_suspended_artisan_again_keeps_the_holds_until_the_lift(client, shop):
    assert _verification(client, shop, "rejected")["verification"] == "rejected"
    assert _suspend(client, shop).status_code == 200
    _verification(client, shop, "verified")
    assert _in_no_browse_shape(client, shop)

    assert _lift(client, shop).status_code == 200

    assert all(_in_every_browse_shape(client, shop))


def test_lifting_the_suspension_of_a_rejected_artisan_keeps_the_holds(client, shop):
    assert _suspend(client, shop).status_code == 200
    _verification(client, shop, "rejected")

    assert _lift(client, shop).status_code == 200

    assert _in_no_browse_shape(client, shop)
    published = call(client, "POST", f"/listings/{shop.draft}/publish", shop.artisan)
    assert (published.status_code, code_of(published)) == (409, "NOT_PUBLISHABLE")


# --- takedown and reinstatement ----------------------------------------------------------------------


def _takedown(client: Any, shop: Shop, listing_id: str, reason: str = "Copyrighted design") -> Any:
    return call(client, "POST", f"/ops/listings/{listing_id}/takedown", shop.ops, {"reason": reason})


def test_a_takedown_leaves_browse_and_orders_and_the_owner_sees_why(client, shop):
    listing_id = shop.active[0]
    response = _takedown(client, shop, listing_id)

    assert response.status_code == 200, response.body
    listing = body_of(response)
    assert (listing["status"], listing["takedown_reason"]) == ("taken_down", "Copyrighted design")
    assert all(listing_id not in _listed(client, path)
               for path in (*BROWSE, f"/listings?artisan_id={shop.artisan.sub}"))
    assert client.http.get(f"/listings/{listing_id}").status_code == 404
    seen = body_of(call(client, "GET", f"/listings/{listing_id}", shop.artisan))
    assert (seen["status"], seen["takedown_reason"]) == ("taken_down", "Copyrighted design")
    assert _owned(client, shop.artisan)[listing_id]["takedown_reason"] == "Copyrighted design"
    refused = place(client, shop.buyer, make_order((listing_id, 1)))
    assert (refused.status_code, code_of(refused)) == (409, "LISTING_UNAVAILABLE")


def test_the_owner_cannot_publish_or_unpublish_a_taken_down_listing(client, shop):
    listing_id = shop.active[0]
    assert _takedown(client, shop, listing_id).status_code == 200

    published = call(client, "POST", f"/listings/{listing_id}/publish", shop.artisan)
    unpublished = call(client, "POST", f"/listings/{listing_id}/unpublish", shop.artisan)

    assert (published.status_code, code_of(published)) == (409, "NOT_PUBLISHABLE")
    assert (unpublished.status_code, code_of(unpublished)) == (409, "INVALID_STATE")
    assert body_of(call(client, "GET", f"/listings/{listing_id}", shop.artisan))["status"] == "taken_down"


def test_reinstatement_returns_a_draft_the_owner_may_publish_again(client, shop):
    listing_id = shop.active[0]
    assert _takedown(client, shop, listing_id).status_code == 200
    assert _takedown(client, shop, listing_id, "another reason").status_code == 200  # idempotent

    response = call(client, "POST", f"/ops/listings/{listing_id}/reinstatement", shop.ops)

    assert response.status_code == 200, response.body
    assert (body_of(response)["status"], body_of(response)["takedown_reason"]) == ("draft", None)
    assert call(client, "POST", f"/listings/{listing_id}/publish", shop.artisan).status_code == 200
    assert listing_id in _listed(client, "/listings")
    assert [entry["action"] for entry in _audit(client, shop.ops, listing_id)] == [
        "listing.reinstatement", "listing.takedown"]
    assert _audit(client, shop.ops, listing_id)[1]["details"] == {"reason": "Copyrighted design"}


def test_takedown_and_reinstatement_refuse_what_they_cannot_change(client, aws, shop):
    archived = shop.active[1]
    assert call(client, "DELETE", f"/listings/{archived}", shop.artisan).status_code == 204
    before = table_state(aws)

    answers = [_takedown(client, shop, archived),
               call(client, "POST", f"/ops/listings/{shop.active[0]}/reinstatement", shop.ops),
               _takedown(client, shop, "L000000000000000"),
               call(client, "POST", "/ops/listings/L000000000000000/reinstatement", shop.ops)]

    assert [(answer.status_code, code_of(answer)) for answer in answers] == [
        (409, "INVALID_STATE"), (409, "INVALID_STATE"), (404, "NOT_FOUND"), (404, "NOT_FOUND")]
    assert table_state(aws) == before


def test_a_taken_down_listing_of_a_suspended_artisan_stays_down_after_the_lift(client, shop):
    listing_id = shop.active[0]
    assert _takedown(client, shop, listing_id).status_code == 200
    assert _suspend(client, shop).status_code == 200
    assert _lift(client, shop).status_code == 200

    assert listing_id not in _listed(client, "/listings")
    assert shop.active[1] in _listed(client, "/listings")

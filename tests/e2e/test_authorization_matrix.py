"""Who may call what: every route of app.py x every kind of caller, against the real local stack.

One row per endpoint (and per kind of object, where the object changes the
answer), one column per caller. The expected statuses are the ones API.md
implies: 401 without a token, 403 when the role does not allow it, 404 where
the caller may not know the object exists (someone else's order, a draft), and
for an active listing that is not yours, 403 (it is public, so its existence
is no secret; catalog.py refuses the change). Every refused write must leave its
object exactly as it was, which is checked by re-reading the object (as ops)
before and after the call.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from .conftest import LocalStack, run_stack
from .matrix_helpers import ADDRESS, LISTING, PROFILE, World, build_world, grant_image, random_cnic

ROLES = ("anonymous", "buyer", "other_buyer", "owner", "other_artisan", "new_artisan", "ops")
REFUSALS = (401, 403, 404)
BAD_HASH = "0" * 64


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # {placeholders} are World.ids
    expected: tuple[int, ...]  # one status per ROLES entry
    body: str | None = None  # a key of BODIES
    fresh: dict[str, str] = field(default_factory=dict)  # placeholder -> spare kind, for allowed writes
    snapshot: str | None = None  # what a refused call must leave unchanged

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def R(method: str, path: str, *expected: int, **options: Any) -> Row:
    assert len(expected) == len(ROLES), (method, path)
    return Row(method, path, tuple(expected), **options)


# fmt: off
#    method    path                                               anon buyer obuy owner oart  new   ops
MATRIX = [
    R("GET",    "/health",                                        200, 200, 200, 200, 200, 200, 200),
    R("GET",    "/openapi.json",                                  200, 200, 200, 200, 200, 200, 200),
    R("GET",    "/config",                                        200, 200, 200, 200, 200, 200, 200),
    R("GET",    "/categories",                                    200, 200, 200, 200, 200, 200, 200),
    R("GET",    "/fx-rates",                                      200, 200, 200, 200, 200, 200, 200),
    R("PUT",    "/ops/fx-rates",                                  401, 403, 403, 403, 403, 403, 200,
      body="fx", snapshot="fx"),
    R("GET",    "/artisans/me",                                   401, 404, 404, 200, 200, 404, 404),
    R("GET",    "/artisans/me/listings",                          401, 403, 403, 200, 200, 200, 403),
    R("GET",    "/artisans/{owner_id}",                           200, 200, 200, 200, 200, 200, 200),
    R("GET",    "/artisans/{other_artisan_id}",                   404, 404, 404, 404, 200, 404, 200),
    R("GET",    "/artisans",                                      200, 200, 200, 200, 200, 200, 200),
    R("GET",    "/ops/artisans",                                  401, 403, 403, 403, 403, 403, 200),
    R("POST",   "/ops/artisans/{other_artisan_id}/verification",  401, 403, 403, 403, 403, 403, 200,
      body="decision", fresh={"other_artisan_id": "pending_artisan"}, snapshot="artisan:other_artisan_id"),
    R("POST",   "/ops/artisans/{suspendable}/suspension",         401, 403, 403, 403, 403, 403, 200,
      body="reason", fresh={"suspendable": "suspendable"}, snapshot="moderation:suspendable"),
    R("DELETE", "/ops/artisans/{suspended_artisan}/suspension",   401, 403, 403, 403, 403, 403, 200,
      fresh={"suspended_artisan": "suspended_artisan"}, snapshot="moderation:suspended_artisan"),
    R("POST",   "/ops/listings/{active}/takedown",                401, 403, 403, 403, 403, 403, 200,
      body="reason", fresh={"active": "active"}, snapshot="moderation:active"),
    R("POST",   "/ops/listings/{taken_down}/reinstatement",       401, 403, 403, 403, 403, 403, 200,
      fresh={"taken_down": "taken_down"}, snapshot="moderation:taken_down"),
    R("GET",    "/ops/audit",                                     401, 403, 403, 403, 403, 403, 200),
    R("POST",   "/ops/artisan-imports",                           401, 403, 403, 403, 403, 403, 201,
      body="artisan_import", snapshot="artisan_imports"),
    R("GET",    "/ops/artisan-imports",                           401, 403, 403, 403, 403, 403, 200),
    R("GET",    "/ops/artisan-imports/{artisan_import}",          401, 403, 403, 403, 403, 403, 200),
    R("POST",   "/listings",                                      401, 403, 403, 201, 201, 409, 403,
      body="listing"),
    R("GET",    "/listings",                                      200, 200, 200, 200, 200, 200, 200),
    R("GET",    "/search?q=indigo%20ajrak",                       200, 200, 200, 200, 200, 200, 200),
    R("GET",    "/listings/{draft}",                              404, 404, 404, 200, 404, 404, 200),
    R("GET",    "/listings/{active}",                             200, 200, 200, 200, 200, 200, 200),
    R("PATCH",  "/listings/{draft}",                              401, 404, 404, 200, 404, 404, 403,
      body="patch", snapshot="listing:draft"),
    R("PATCH",  "/listings/{active}",                             401, 403, 403, 200, 403, 403, 403,
      body="patch", snapshot="listing:active"),
    R("POST",   "/listings/{draft}/publish",                      401, 404, 404, 200, 404, 404, 403,
      fresh={"draft": "draft_with_photo"}, snapshot="listing:draft"),
    R("POST",   "/listings/{active}/publish",                     401, 403, 403, 200, 403, 403, 403,
      snapshot="listing:active"),
    R("POST",   "/listings/{draft}/unpublish",                    401, 404, 404, 200, 404, 404, 403,
      snapshot="listing:draft"),
    R("POST",   "/listings/{active}/unpublish",                   401, 403, 403, 200, 403, 403, 403,
      fresh={"active": "active"}, snapshot="listing:active"),
    R("DELETE", "/listings/{draft}",                              401, 404, 404, 204, 404, 404, 403,
      fresh={"draft": "draft"}, snapshot="listing:draft"),
    R("DELETE", "/listings/{active}",                             401, 403, 403, 204, 403, 403, 403,
      fresh={"active": "active"}, snapshot="listing:active"),
    R("POST",   "/listings/{draft}/images",                       401, 404, 404, 201, 404, 404, 403,
      body="image", snapshot="listing:draft"),
    R("POST",   "/listings/{active}/images",                      401, 403, 403, 201, 403, 403, 403,
      body="image", snapshot="listing:active"),
    R("DELETE", "/listings/{draft}/images/{draft_image}",         401, 404, 404, 204, 404, 404, 403,
      fresh={"draft_image": "photo_on:draft"}, snapshot="listing:draft"),
    R("DELETE", "/listings/{active}/images/{active_image}",       401, 403, 403, 204, 403, 403, 403,
      fresh={"active_image": "photo_on:active"}, snapshot="listing:active"),
    # someone else's photo through the caller's own listing (other_draft is other_artisan's)
    R("DELETE", "/listings/{other_draft}/images/{draft_image}",   401, 404, 404, 404, 404, 404, 403,
      snapshot="listing:draft"),
    R("POST",   "/orders",                                        401, 201, 201, 201, 201, 201, 201,
      body="order", snapshot="listing:active"),
    R("GET",    "/orders",                                        401, 200, 200, 200, 200, 200, 200),
    R("GET",    "/orders/{order}",                                401, 200, 404, 404, 404, 404, 200),
    R("POST",   "/orders/{order}/cancel",                         401, 200, 404, 404, 404, 404, 404,
      fresh={"order": "cod_order"}, snapshot="order:order"),
    R("POST",   "/orders/{jazz_order}/payment",                   401, 200, 404, 404, 404, 404, 404,
      snapshot="order:jazz_order"),
    R("POST",   "/orders/{order}/shipments",                      401, 403, 403, 200, 404, 404, 403,
      body="shipment", fresh={"order": "cod_order"}, snapshot="order:order"),
    R("POST",   "/ops/orders/{order}/delivered",                  401, 403, 403, 403, 403, 403, 200,
      fresh={"order": "shipped_order"}, snapshot="order:order"),
    R("POST",   "/orders/{order}/rejection",                      401, 403, 403, 200, 404, 404, 403,
      body="reason", fresh={"order": "cod_order"}, snapshot="order:order"),
    R("POST",   "/ops/orders/{order}/cancel",                     401, 403, 403, 403, 403, 403, 200,
      body="reason", fresh={"order": "cod_order"}, snapshot="order:order"),
    R("POST",   "/orders/{delivered_order}/returns",              401, 201, 404, 404, 404, 404, 404,
      body="return_request", fresh={"delivered_order": "delivered_order"}, snapshot="order:delivered_order"),
    R("POST",   "/ops/returns/{return}/decision",                 401, 403, 403, 403, 403, 403, 200,
      body="return_decision", fresh={"return": "return"}, snapshot="order:return_order"),
    R("POST",   "/ops/returns/{missing_return}/decision",         401, 403, 403, 403, 403, 403, 404,
      body="return_decision"),
    R("GET",    "/ops/orders?queue=returns",                      401, 403, 403, 403, 403, 403, 200),
    R("POST",   "/ops/orders/{refundable_order}/refunds",         401, 403, 403, 403, 403, 403, 201,
      body="refund", fresh={"refundable_order": "refundable_order"}, snapshot="order:refundable_order"),
    R("POST",   "/ops/orders/{flagged_order}/review-resolution",  401, 403, 403, 403, 403, 403, 200,
      body="resolution", fresh={"flagged_order": "flagged_order"}, snapshot="order:flagged_order"),
    R("POST",   "/orders/{reviewable_order}/reviews",             401, 201, 404, 404, 404, 404, 404,
      body="review", fresh={"reviewable_order": "reviewable_order"}, snapshot="listing:active"),
    R("GET",    "/listings/{active}/reviews",                     200, 200, 200, 200, 200, 200, 200),
    R("GET",    "/listings/{draft}/reviews",                      404, 404, 404, 200, 404, 404, 200),
    R("POST",   "/ops/reviews/{review}/hide",                     401, 403, 403, 403, 403, 403, 200,
      body="reason", fresh={"review": "review"}, snapshot="listing:active"),
    R("POST",   "/ops/reviews/{missing_review}/hide",             401, 403, 403, 403, 403, 403, 404,
      body="reason"),
    R("GET",    "/artisans/me/orders",                            401, 403, 403, 200, 200, 200, 403),
    R("GET",    "/artisans/me/payouts",                           401, 403, 403, 200, 200, 200, 403),
    R("GET",    "/artisans/me/payout-transfers",                  401, 403, 403, 200, 200, 200, 403),
    R("POST",   "/ops/payout-runs",                               401, 403, 403, 403, 403, 403, 201,
      body="payout_run", snapshot="payout_runs"),
    R("GET",    "/ops/payout-runs",                               401, 403, 403, 403, 403, 403, 200),
    R("GET",    "/ops/payout-runs/{payout_run}",                  401, 403, 403, 403, 403, 403, 200),
    R("POST",   "/ops/payout-runs/{payout_run}/settlement",       401, 403, 403, 403, 403, 403, 200,
      body="settlement", snapshot="payout_run:payout_run"),
    R("GET",    "/artisans/me/statements/{month}",                401, 403, 403, 200, 200, 200, 403),
    R("GET",    "/artisans/me/statements/{month}/csv",            401, 403, 403, 200, 200, 200, 403),
    R("GET",    "/ops/artisans/{owner_id}/statements/{month}",    401, 403, 403, 403, 403, 403, 200),
    R("GET",    "/ops/artisans/{missing_artisan}/statements/{month}", 401, 403, 403, 403, 403, 403, 404),
    R("GET",    "/me/notification-settings",                      401, 200, 200, 200, 200, 200, 200),
    R("PUT",    "/me/notification-settings",                      401, 200, 200, 200, 200, 200, 200,
      body="notify_settings"),
    R("GET",    "/ops/notifications?recipient=%2B923001234567",   401, 403, 403, 403, 403, 403, 200),
    R("POST",   "/payments/jazzcash/callback",                    401, 401, 401, 401, 401, 401, 401,
      body="jazzcash_forged", snapshot="order:jazz_order"),
    R("POST",   "/payments/card/webhook",                         401, 401, 401, 401, 401, 401, 401,
      body="card_forged", snapshot="order:jazz_order"),
    # Unsigned by design: a forged notification is answered (the gateway would retry a refusal) and changes nothing,
    # since only the inquiry API's answer is applied (test_forged_notifications_change_nothing).
    R("POST",   "/payments/easypaisa/callback",                   200, 200, 200, 200, 200, 200, 200,
      body="easypaisa_forged"),
    # last: anyone signed in may create a profile (and so becomes an artisan: buyers, new_artisan and ops do here);
    # the verified owner may not change their CNIC (409), the pending other_artisan may (200)
    R("PUT",    "/artisans/me",                                   401, 201, 201, 409, 200, 201, 201,
      body="profile_new_cnic", snapshot="caller_profile"),
]
# fmt: on


def request_body(kind: str | None, world: World) -> dict[str, Any]:
    """requests keyword arguments for a row's body."""
    if kind is None:
        return {}
    if kind == "fx":
        return {"json": {"rates": world.fx_rates}}
    if kind == "decision":
        return {"json": {"decision": "verified", "note": "CNIC checked"}}
    if kind == "listing":
        return {"json": LISTING}
    if kind == "patch":
        return {"json": {"title": LISTING["title"]}}
    if kind == "image":
        return {"json": {"content_type": "image/jpeg", "size_bytes": 1000}}
    if kind == "order":
        return {"json": {"items": [{"listing_id": world.ids["active"], "quantity": 1}], "currency": "PKR",
                         "shipping_address": ADDRESS, "payment_method": "cod"},
                "headers": {"Idempotency-Key": uuid.uuid4().hex}}
    if kind == "return_request":
        return {"json": {"items": [{"listing_id": world.ids["active"], "quantity": 1}], "reason": "Too small"}}
    if kind == "refund":
        return {"json": {"amount": {"amount": 100, "currency": "PKR"}, "reason": "Matrix"},
                "headers": {"Idempotency-Key": uuid.uuid4().hex}}
    if kind == "resolution":
        return {"json": {"note": "Matrix: settled with the buyer"}}
    if kind == "return_decision":
        return {"json": {"decision": "rejected", "note": "Matrix"}}
    if kind == "shipment":
        return {"json": {"carrier": "tcs", "tracking_number": "TCS-0042"}}
    if kind == "reason":
        return {"json": {"reason": "Reported by buyers"}}
    if kind == "review":
        return {"json": {"listing_id": world.ids["active"], "rating": 4, "text": "Matrix world"}}
    if kind == "artisan_import":
        return {"json": {"size_bytes": 2048}}
    if kind == "payout_run":
        return {"json": {}, "headers": {"Idempotency-Key": uuid.uuid4().hex}}
    if kind == "settlement":
        owner = world.user("owner")
        assert owner is not None
        return {"json": {"results": [{"artisan_id": owner.sub, "status": "paid", "bank_ref": "MATRIX-1"}]}}
    if kind == "notify_settings":
        return {"json": {"sms": True, "email": True, "language": "ur"}}
    if kind == "profile_new_cnic":
        return {"json": dict(PROFILE, cnic=random_cnic())}
    if kind == "jazzcash_forged":
        return {"data": {"pp_TxnRefNo": f"{world.ids['jazz_order']}01", "pp_Amount": "100", "pp_TxnCurrency": "PKR",
                         "pp_ResponseCode": "000", "pp_SecureHash": BAD_HASH}}
    if kind == "easypaisa_forged":
        return {"data": {"orderRefNumber": f"{world.ids['easypaisa_order']}01", "status": "0000", "desc": "SUCCESS"}}
    if kind == "card_forged":
        event = {"id": "evt_forged", "type": "payment_intent.succeeded",
                 "data": {"object": {"id": "pi_forged", "amount": 100, "currency": "pkr",
                                     "metadata": {"order_id": world.ids["jazz_order"]}}}}
        return {"json": event, "headers": {"Stripe-Signature": f"t={int(time.time())},v1={BAD_HASH}"}}
    raise AssertionError(kind)


def snapshot(world: World, what: str | None, role: str) -> Any:
    """The object a write touches, as ops reads it (ops sees drafts and every order)."""
    if what is None:
        return None
    ops = world.user("ops")
    if what == "fx":
        response = world.api.call("GET", "/fx-rates")
    elif what == "caller_profile":
        caller = world.user(role)
        if caller is None:
            return None
        response = world.api.call("GET", f"/artisans/{caller.sub}", ops)
    elif what == "artisan_imports":
        # A refused POST starts no import: the list (newest first) is as it was.
        response = world.api.call("GET", "/ops/artisan-imports?limit=100", ops)
    elif what == "payout_runs":
        # A refused POST starts no run: the list (newest first, links aside) is as it was.
        runs = world.api.call("GET", "/ops/payout-runs?limit=100", ops).json()["items"]
        return [dict(run, file_url=None) for run in runs]
    elif what.startswith("payout_run:"):
        # The run and its transfers as ops read them, less the link (signed afresh on every read).
        run = world.api.call("GET", f"/ops/payout-runs/{world.ids[what.split(':')[1]]}?limit=100", ops).json()
        return dict(run, file_url=None)
    elif what.startswith("moderation:"):
        # The object as the public sees it (a suspended artisan or a taken-down listing is 404) and its audit trail.
        name = what.split(":")[1]
        target = world.ids[name]
        kind = "listings" if name in ("active", "taken_down") else "artisans"
        public = world.api.call("GET", f"/{kind}/{target}")
        trail = world.api.call("GET", f"/ops/audit?target_id={target}", ops)
        return public.status_code, public.json(), trail.json()
    else:
        kind, name = what.split(":")
        path = {"listing": "/listings/{}", "order": "/orders/{}", "artisan": "/artisans/{}"}[kind]
        response = world.api.call("GET", path.format(world.ids[name]), ops)
    return response.status_code, response.json()


def fresh_ids(row: Row, world: World) -> dict[str, str]:
    """The row's placeholders, with spares for the objects an allowed write changes for good."""
    ids = dict(world.ids)
    for placeholder, kind in row.fresh.items():
        if kind.startswith("photo_on:"):
            listing = kind.split(":")[1]
            owner = world.user("owner")
            assert owner is not None
            ids[placeholder] = grant_image(world.api, owner, ids[listing])["image_id"]
        else:
            ids[placeholder] = world.spare(kind)
    return ids


@dataclass
class Cell:
    expected: int
    actual: int
    body: str
    changed: bool = False


@dataclass
class Results:
    cells: dict[tuple[str, str], Cell]

    def table(self) -> str:
        width = max(len(row.label) for row in MATRIX)
        lines = [f"{'endpoint':<{width}}  " + " ".join(f"{role[:11]:>11}" for role in ROLES)]
        for row in MATRIX:
            marks = []
            for role in ROLES:
                cell = self.cells[(row.label, role)]
                mark = str(cell.actual) if cell.actual == cell.expected else f"{cell.actual}!={cell.expected}"
                marks.append(f"{mark + ('*' if cell.changed else ''):>11}")
            lines.append(f"{row.label:<{width}}  " + " ".join(marks))
        lines.append("a!=b: got a, API.md implies b; *: a refused write changed its object")
        return "\n".join(lines)


@pytest.fixture(scope="module")
def matrix_stack() -> Iterator[LocalStack]:
    """A stack of its own: the matrix verifies artisans and re-puts the exchange rates. Its one buyer holds
    more open orders (one spare per allowed write) than MAX_OPEN_ORDERS lets a buyer, so the limit is raised."""
    yield from run_stack(MAX_OPEN_ORDERS="50")


@pytest.fixture(scope="module")
def world(matrix_stack: LocalStack) -> World:
    return build_world(matrix_stack)


@pytest.fixture(scope="module")
def results(world: World) -> Results:
    cells: dict[tuple[str, str], Cell] = {}
    for row in MATRIX:
        for role, expected in zip(ROLES, row.expected, strict=True):
            allowed_write = row.method != "GET" and 200 <= expected < 300
            ids = fresh_ids(row, world) if allowed_write else world.ids
            path = row.path.format(**ids)
            watched = row.snapshot if expected in REFUSALS or not allowed_write else None
            before = snapshot(world, watched, role) if row.method != "GET" else None
            response = world.api.call(row.method, path, world.user(role), **request_body(row.body, world))
            after = snapshot(world, watched, role) if row.method != "GET" else None
            refused = response.status_code >= 400
            cells[(row.label, role)] = Cell(expected, response.status_code, response.text[:300],
                                            changed=refused and before != after)
    return Results(cells)


def test_every_endpoint_answers_every_caller_as_the_contract_says(results: Results) -> None:
    wrong = {key: cell for key, cell in results.cells.items() if cell.actual != cell.expected}

    assert not wrong, "\n" + results.table() + "\n\n" + "\n".join(
        f"{label} as {role}: {cell.actual} {cell.body}" for (label, role), cell in wrong.items())


def test_every_refused_write_leaves_its_object_unchanged(results: Results) -> None:
    changed = [key for key, cell in results.cells.items() if cell.changed]
    checked = [key for key, cell in results.cells.items()
               if cell.actual >= 400 and next(r for r in MATRIX if r.label == key[0]).snapshot]

    assert len(checked) > 50  # the spot checks really ran
    assert not changed, "\n" + results.table()


def test_forged_easypaisa_notifications_change_nothing(results: Results, world: World) -> None:
    """Every caller's forged notification was answered 200 (above); the order is as it was placed."""
    assert all(cell.actual == 200 for (label, _), cell in results.cells.items() if "easypaisa" in label)
    order = world.api.call("GET", f"/orders/{world.ids['easypaisa_order']}", world.user("ops")).json()
    assert order["status"] == "pending_payment"
    assert not order.get("needs_review") and not order.get("last_payment_error") and not order.get("paid_at")


def test_the_matrix_covers_every_route_of_the_app() -> None:
    from app import app

    # Every route the app serves, but the 405 answers each path gives the methods it does not take.
    served = {(method, path) for path, entries in app.routes.items() for method, entry in entries.items()
              if not entry.view_name.startswith("method_not_allowed")}
    covered = {(row.method, row.path) for row in MATRIX}
    shapes = {(method, _shape(path)) for method, path in covered}

    assert {(method, _shape(path)) for method, path in served} <= shapes


def _shape(path: str) -> str:
    return "/".join("{}" if part.startswith("{") else part for part in path.split("?")[0].split("/"))


# --- where existence must not leak -----------------------------------------------------------

HIDDEN_VERSUS_MISSING = [
    # role, method, hidden object's path, a path that does not exist at all, body
    ("other_buyer", "GET", "/orders/{order}", "/orders/{missing_order}", None),
    ("owner", "GET", "/orders/{order}", "/orders/{missing_order}", None),
    ("other_buyer", "POST", "/orders/{order}/cancel", "/orders/{missing_order}/cancel", None),
    ("other_buyer", "POST", "/orders/{reviewable_order}/reviews", "/orders/{missing_order}/reviews", "review"),
    ("anonymous", "GET", "/listings/{draft}/reviews", "/listings/{missing_listing}/reviews", None),
    ("other_buyer", "POST", "/orders/{jazz_order}/payment", "/orders/{missing_order}/payment", None),
    ("other_artisan", "POST", "/orders/{order}/shipments", "/orders/{missing_order}/shipments", "shipment"),
    ("other_artisan", "POST", "/orders/{order}/rejection", "/orders/{missing_order}/rejection", "reason"),
    ("other_buyer", "POST", "/orders/{delivered_order}/returns", "/orders/{missing_order}/returns",
     "return_request"),
    ("anonymous", "GET", "/listings/{draft}", "/listings/{missing_listing}", None),
    ("buyer", "GET", "/listings/{draft}", "/listings/{missing_listing}", None),
    ("other_artisan", "PATCH", "/listings/{draft}", "/listings/{missing_listing}", "patch"),
    ("other_artisan", "POST", "/listings/{draft}/publish", "/listings/{missing_listing}/publish", None),
    ("other_artisan", "DELETE", "/listings/{draft}", "/listings/{missing_listing}", None),
    ("other_artisan", "POST", "/listings/{draft}/images", "/listings/{missing_listing}/images", "image"),
    ("other_artisan", "DELETE", "/listings/{draft}/images/{draft_image}",
     "/listings/{missing_listing}/images/{missing_image}", None),
    # someone else's photo id on the caller's own listing is simply not on it
    ("other_artisan", "DELETE", "/listings/{other_draft}/images/{draft_image}",
     "/listings/{other_draft}/images/{missing_image}", None),
    ("anonymous", "GET", "/artisans/{other_artisan_id}", "/artisans/{missing_listing}", None),
    ("buyer", "GET", "/artisans/{other_artisan_id}", "/artisans/{missing_listing}", None),
]


@pytest.mark.parametrize("role, method, hidden, missing, body", HIDDEN_VERSUS_MISSING,
                         ids=[f"{case[0]}-{case[1]} {case[2]}" for case in HIDDEN_VERSUS_MISSING])
def test_a_hidden_object_answers_exactly_like_a_missing_one(world: World, role: str, method: str, hidden: str,
                                                            missing: str, body: str | None) -> None:
    user = world.user(role)
    seen = world.api.call(method, hidden.format(**world.ids), user, **request_body(body, world))
    absent = world.api.call(method, missing.format(**world.ids), user, **request_body(body, world))

    assert seen.status_code == absent.status_code == 404, (seen.text, absent.text)
    assert seen.json() == absent.json()
    assert seen.headers.get("Content-Type") == absent.headers.get("Content-Type")


# --- lists show only what is the caller's ---------------------------------------------------------


def test_lists_show_only_the_callers_own_objects(world: World) -> None:
    api, ids = world.api, world.ids

    def listed(path: str, role: str, key: str) -> set[str]:
        return {item[key] for item in api.ok("GET", path, world.user(role))["items"]}

    assert ids["order"] in listed("/orders?limit=100", "buyer", "order_id")
    assert ids["order"] not in listed("/orders?limit=100", "other_buyer", "order_id")
    assert ids["order"] not in listed("/orders?limit=100", "ops", "order_id")  # ops' own orders only
    assert ids["order"] in listed("/artisans/me/orders?limit=100", "owner", "order_id")
    assert ids["order"] not in listed("/artisans/me/orders?limit=100", "other_artisan", "order_id")
    assert ids["draft"] in listed("/artisans/me/listings?limit=100", "owner", "listing_id")
    assert ids["draft"] not in listed("/artisans/me/listings?limit=100", "other_artisan", "listing_id")
    for role in ("anonymous", "owner", "ops"):  # search answers the catalog only, whoever asks
        assert ids["draft"] not in listed("/search?q=indigo%20ajrak&limit=100", role, "listing_id")
    assert ids["draft"] not in listed(f"/listings?artisan_id={ids['owner_id']}&limit=100", "anonymous",
                                      "listing_id")
    assert ids["other_artisan_id"] not in listed("/artisans?limit=100", "anonymous", "artisan_id")
    assert ids["owner_id"] in listed("/artisans?limit=100", "anonymous", "artisan_id")


def test_private_profile_fields_reach_only_the_artisan_and_ops(world: World) -> None:
    public = world.api.ok("GET", f"/artisans/{world.ids['owner_id']}", world.user("buyer"))
    mine = world.api.ok("GET", "/artisans/me", world.user("owner"))
    queue = world.api.ok("GET", "/ops/artisans?verification=verified&limit=100", world.user("ops"))["items"]

    assert "phone" not in public and "cnic_last4" not in public
    assert mine["phone"] == PROFILE["phone"] and len(mine["cnic_last4"]) == 4
    assert any(item["artisan_id"] == world.ids["owner_id"] and item["phone"] == PROFILE["phone"] for item in queue)
    assert all("cnic" not in item and "cnic_hash" not in item for item in queue)

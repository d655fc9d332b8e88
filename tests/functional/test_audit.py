"""The audit log (API.md "Becoming an artisan", `GET /ops/audit`): every ops decision, written with it.

Each decision leaves exactly one entry, in the same transaction as the decision; a refused
or failed decision leaves none. The log lists newest first, by target, by actor or all,
paginated with tamper-proof cursors.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from harness.aws import Aws, User
from harness.environment import REGION
from harness.factories import active_listing, make_order, make_profile, placed, verified_artisan
from harness.http import body_of, call, code_of
from harness.stored import scan, table_state

RATES = {"rates": {"USD": "0.0036"}}


def _entries(client: Any, ops: User, query: str = "") -> list[dict[str, Any]]:
    response = call(client, "GET", f"/ops/audit?limit=100{'&' + query if query else ''}", ops)
    assert response.status_code == 200, response.body
    return list(body_of(response)["items"])


def _audit_rows(aws: Aws) -> list[dict[str, Any]]:
    import boto3

    return scan(boto3.client("dynamodb", region_name=aws.env["AWS_REGION"]), aws.env["TABLE_AUDIT"])


def _pending_artisan(client: Any, aws: Aws) -> User:
    artisan = aws.user("artisans")
    assert call(client, "PUT", "/artisans/me", artisan, make_profile()).status_code == 201
    return artisan


def test_a_verification_leaves_exactly_one_entry_with_the_decision(client, aws):
    ops, artisan = aws.user("ops"), _pending_artisan(client, aws)

    response = call(client, "POST", f"/ops/artisans/{artisan.sub}/verification", ops,
                    {"decision": "verified", "note": "CNIC checked"})

    assert response.status_code == 200, response.body
    (entry,) = _entries(client, ops, f"target_id={artisan.sub}")
    assert entry["actor_id"] == ops.sub and entry["action"] == "artisan.verification"
    assert entry["target_id"] == artisan.sub
    assert entry["details"] == {"decision": "verified", "note": "CNIC checked"}
    assert entry["at"].endswith("Z")
    assert len(_audit_rows(aws)) == 1


def test_setting_the_fx_rates_leaves_one_entry(client, aws):
    ops = aws.user("ops")

    response = call(client, "PUT", "/ops/fx-rates", ops, RATES)

    assert response.status_code == 200, response.body
    (entry,) = _entries(client, ops, "target_id=fx_rates")
    assert (entry["action"], entry["details"]) == ("fx_rates.update", RATES)
    assert entry["at"] == body_of(response)["updated_at"]


def test_a_delivery_leaves_one_entry_and_a_refused_one_none(client, aws):
    ops, buyer = aws.user("ops"), aws.user()
    artisan = verified_artisan(client, aws)
    listing = active_listing(client, artisan)
    order = placed(client, buyer, make_order((listing["listing_id"], 1), payment_method="cod"))
    before = len(_audit_rows(aws))

    early = call(client, "POST", f"/ops/orders/{order['order_id']}/delivered", ops)
    assert (early.status_code, code_of(early)) == (409, "INVALID_STATE")
    assert len(_audit_rows(aws)) == before

    shipped = call(client, "POST", f"/orders/{order['order_id']}/shipments", artisan,
                   {"carrier": "tcs", "tracking_number": "TCS-1"})
    assert shipped.status_code == 200, shipped.body
    assert call(client, "POST", f"/ops/orders/{order['order_id']}/delivered", ops).status_code == 200
    again = call(client, "POST", f"/ops/orders/{order['order_id']}/delivered", ops)
    assert again.status_code == 409

    (entry,) = _entries(client, ops, f"target_id={order['order_id']}")
    assert (entry["action"], entry["details"]) == ("order.delivered", {"payment_method": "cod"})


def test_refused_decisions_leave_no_entry(client, aws):
    ops, buyer = aws.user("ops"), aws.user()
    before = table_state(aws)
    answers = [
        call(client, "POST", "/ops/artisans/nobody/verification", ops, {"decision": "verified"}),
        call(client, "POST", "/ops/artisans/nobody/suspension", ops, {"reason": "fraud"}),
        call(client, "PUT", "/ops/fx-rates", ops, {"rates": {"USD": "-1"}}),
        call(client, "PUT", "/ops/fx-rates", buyer, RATES),
        call(client, "POST", "/ops/listings/L000000000000000/takedown", ops, {"reason": "x"}),
        call(client, "POST", "/ops/orders/O000000000000000/delivered", ops),
    ]
    assert [answer.status_code for answer in answers] == [404, 404, 400, 403, 404, 404]
    assert table_state(aws) == before


def test_a_decision_whose_transaction_fails_writes_neither_the_decision_nor_its_entry(client, aws, hooks):
    """Another writer moves the listing after every read the takedown makes: each of its transactions fails its
    condition, the takedown gives up, and neither the takedown nor an audit entry is written."""
    import boto3

    ops, artisan = aws.user("ops"), verified_artisan(client, aws)
    listing_id = active_listing(client, artisan)["listing_id"]
    listings = boto3.resource("dynamodb", region_name=REGION).Table(aws.env["TABLE_LISTINGS"])
    moves = []

    def move_the_listing(parsed: dict[str, Any], **_: Any) -> None:
        if parsed.get("Item", {}).get("listing_id") == {"S": listing_id}:
            moves.append(listing_id)
            listings.update_item(Key={"listing_id": listing_id}, UpdateExpression="ADD version :one",
                                 ExpressionAttributeValues={":one": 1})

    audit_before = _audit_rows(aws)
    hooks.add("after-call.dynamodb.GetItem", move_the_listing)
    response = call(client, "POST", f"/ops/listings/{listing_id}/takedown", ops, {"reason": "x"})
    hooks.remove_all()
    assert moves, "the takedown never read the listing"
    assert response.status_code in (409, 503), response.body
    assert _audit_rows(aws) == audit_before
    assert body_of(call(client, "GET", f"/listings/{listing_id}", artisan))["status"] == "active"


@pytest.fixture
def decisions(client: Any, aws: Aws) -> dict[str, Any]:
    """Five decisions by two ops members, in a known order."""
    first, second = aws.user("ops"), aws.user("ops")
    artisans = [_pending_artisan(client, aws) for _ in range(3)]
    for artisan in artisans:
        assert call(client, "POST", f"/ops/artisans/{artisan.sub}/verification", first,
                    {"decision": "verified"}).status_code == 200
    assert call(client, "PUT", "/ops/fx-rates", second, RATES).status_code == 200
    assert call(client, "POST", f"/ops/artisans/{artisans[0].sub}/suspension", second,
                {"reason": "Fake reviews"}).status_code == 200
    return {"first": first, "second": second, "artisans": artisans}


def test_with_no_filter_every_decision_is_listed_newest_first(client, decisions):
    entries = _entries(client, decisions["first"])

    assert [entry["action"] for entry in entries] == ["artisan.suspension", "fx_rates.update"] + [
        "artisan.verification"] * 3
    assert [entry["target_id"] for entry in entries[2:]] == [a.sub for a in reversed(decisions["artisans"])]
    assert [entry["at"] for entry in entries] == sorted((entry["at"] for entry in entries), reverse=True)


def test_the_log_filters_by_target_or_by_actor(client, decisions):
    ops, artisan = decisions["first"], decisions["artisans"][0]

    by_target = _entries(client, ops, f"target_id={artisan.sub}")
    by_actor = _entries(client, ops, f"actor_id={decisions['second'].sub}")

    assert [entry["action"] for entry in by_target] == ["artisan.suspension", "artisan.verification"]
    assert [entry["action"] for entry in by_actor] == ["artisan.suspension", "fx_rates.update"]
    assert {entry["actor_id"] for entry in by_actor} == {decisions["second"].sub}
    assert _entries(client, ops, "target_id=nothing-here") == []


@pytest.mark.parametrize("query", ["", "actor_id={first}", "target_id=fx_rates"])
def test_pages_walk_every_entry_exactly_once(client, decisions, query):
    ops = decisions["first"]
    query = query.format(first=ops.sub)
    everything = _entries(client, ops, query)
    walked: list[dict[str, Any]] = []
    cursor = None
    while True:
        path = f"/ops/audit?limit=2{'&' + query if query else ''}{'&cursor=' + cursor if cursor else ''}"
        page = body_of(call(client, "GET", path, ops))
        assert len(page["items"]) <= 2
        walked.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == everything and everything


def test_both_filters_at_once_and_bad_cursors_are_400(client, decisions):
    ops = decisions["first"]
    both = call(client, "GET", f"/ops/audit?target_id=x&actor_id={ops.sub}", ops)
    cursor = body_of(call(client, "GET", "/ops/audit?limit=1", ops))["next_cursor"]
    elsewhere = call(client, "GET", f"/ops/audit?limit=1&actor_id={ops.sub}&cursor={cursor}", ops)
    forged = call(client, "GET", "/ops/audit?cursor=eyJrIjp7fX0.AAAA", ops)

    assert (both.status_code, code_of(both)) == (400, "VALIDATION_ERROR")
    assert (elsewhere.status_code, code_of(elsewhere)) == (400, "BAD_CURSOR")
    assert (forged.status_code, code_of(forged)) == (400, "BAD_CURSOR")
    for query in ("limit=0", "limit=101", "target_id=", "unknown=1"):
        answer = call(client, "GET", f"/ops/audit?{query}", ops)
        assert (answer.status_code, code_of(answer)) == (400, "VALIDATION_ERROR"), query


def test_no_entry_carries_a_phone_number_or_a_cnic(client, aws, decisions):
    stored = json.dumps(_audit_rows(aws))

    assert "+92" not in stored and "35202-" not in stored and "cnic" not in stored.lower()
    assert "phone" not in stored.lower()

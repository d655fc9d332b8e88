"""Artisan profiles, CNIC rules, visibility, browsing and verification (API.md "Artisans")."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import boto3
import jwt
import pytest

from chalicelib.store.clients import reset_clients
from harness.aws import PASSWORD, User
from harness.counter import RequestCounter
from harness.environment import REGION
from harness.factories import make_listing, make_profile, next_cnic
from harness.http import body_of, call
from local.users import sign_in

PUBLIC_FIELDS = {"artisan_id", "display_name", "craft", "province", "district", "bio", "bio_ur", "verification",
                 "created_at"}
RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def _code(response: Any) -> str:
    return str(body_of(response)["error"]["code"])


def _profile(client: Any, user: User, **overrides: Any) -> dict[str, Any]:
    response = call(client, "PUT", "/artisans/me", user, make_profile(**overrides))
    assert response.status_code == 201, response.body
    return dict(body_of(response))


def _decide(client: Any, ops: User, artisan_id: str, decision: str, note: str | None = None) -> dict[str, Any]:
    response = call(client, "POST", f"/ops/artisans/{artisan_id}/verification", ops,
                    {"decision": decision, **({"note": note} if note else {})})
    assert response.status_code == 200, response.body
    return dict(body_of(response))


def _me(client: Any, user: User) -> dict[str, Any]:
    response = call(client, "GET", "/artisans/me", user)
    assert response.status_code == 200, response.body
    return dict(body_of(response))


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.body
    return [item["artisan_id"] for item in body_of(response)["items"]]


# --- create and update ------------------------------------------------------------------


def test_create_is_201_pending_with_private_fields(client, aws):
    artisan = aws.user("artisans")
    sent = make_profile(cnic="35202-1234567-8")
    response = call(client, "PUT", "/artisans/me", artisan, sent)
    assert response.status_code == 201
    profile = body_of(response)
    assert set(profile) >= PUBLIC_FIELDS | {"phone", "cnic_last4"}
    assert profile["artisan_id"] == artisan.sub
    assert profile["verification"] == "pending"
    assert profile["cnic_last4"] == "5678"
    assert RFC3339_UTC.match(profile["created_at"])
    for name in ("display_name", "craft", "province", "district", "bio", "bio_ur", "phone"):
        assert profile[name] == sent[name]
    assert _me(client, artisan) == profile


def test_update_is_200_keeps_creation_time_and_cnic(client, aws):
    artisan = aws.user("artisans")
    created = _profile(client, artisan, cnic="35202-1111111-9")
    changes = make_profile(display_name="Nasreen Textiles", district="Bahawalpur", bio_ur="نئی سوانح")
    del changes["cnic"]
    response = call(client, "PUT", "/artisans/me", artisan, changes)
    assert response.status_code == 200
    updated = body_of(response)
    assert updated["display_name"] == "Nasreen Textiles"
    assert updated["district"] == "Bahawalpur"
    assert updated["bio_ur"] == "نئی سوانح"
    assert updated["created_at"] == created["created_at"]
    assert updated["cnic_last4"] == "1119"
    assert _me(client, artisan) == updated


def test_cnic_is_required_on_create(client, aws):
    artisan = aws.user("artisans")
    profile = make_profile()
    del profile["cnic"]
    response = call(client, "PUT", "/artisans/me", artisan, profile)
    assert response.status_code == 400
    assert _code(response) == "VALIDATION_ERROR"
    assert [d["field"] for d in body_of(response)["error"]["details"]] == ["cnic"]
    assert call(client, "GET", "/artisans/me", artisan).status_code == 404


@pytest.mark.parametrize(("field", "value"), [
    ("cnic", "3520212345678"), ("cnic", "35202-123456-78"), ("phone", "03001234567"), ("province", "kashmir"),
    ("craft", "plastic"), ("display_name", ""), ("display_name", "x" * 81), ("district", "d" * 61),
    ("bio", "b" * 2001), ("verification", "verified"), ("district", 5),
])
def test_invalid_profiles_are_refused_by_field(client, aws, field, value):
    artisan = aws.user("artisans")
    response = call(client, "PUT", "/artisans/me", artisan, make_profile(**{field: value}))
    assert response.status_code == 400
    assert _code(response) == "VALIDATION_ERROR"
    assert field in [d["field"] for d in body_of(response)["error"]["details"]]
    assert call(client, "GET", "/artisans/me", artisan).status_code == 404


def test_me_is_404_before_the_profile_exists(client, aws):
    response = call(client, "GET", "/artisans/me", aws.user("artisans"))
    assert response.status_code == 404
    assert _code(response) == "NOT_FOUND"


# --- CNIC: write-only, unique, frozen after verification ----------------------------------


def test_cnic_never_appears_in_any_response(client, aws):
    artisan, ops = aws.user("artisans"), aws.user("ops")
    cnic = "42101-7654321-3"
    responses = [call(client, "PUT", "/artisans/me", artisan, make_profile(cnic=cnic))]
    responses.append(call(client, "GET", "/artisans/me", artisan))
    responses.append(call(client, "GET", "/ops/artisans", ops))
    responses.append(call(client, "POST", f"/ops/artisans/{artisan.sub}/verification", ops, {"decision": "verified"}))
    responses.append(call(client, "PUT", "/artisans/me", artisan, make_profile(cnic=cnic)))
    responses.append(call(client, "GET", f"/artisans/{artisan.sub}"))
    responses.append(call(client, "GET", "/artisans"))
    for response in responses:
        assert response.status_code in (200, 201), response.body
        text = response.body.decode()
        assert cnic not in text and cnic.replace("-", "") not in text
        assert '"cnic"' not in text and "cnic_hash" not in text


def test_a_cnic_backs_only_one_artisan(client, aws):
    first, second = aws.user("artisans"), aws.user("artisans")
    cnic = next_cnic()
    _profile(client, first, cnic=cnic)
    response = call(client, "PUT", "/artisans/me", second, make_profile(cnic=cnic))
    assert response.status_code == 409
    assert _code(response) == "DUPLICATE"
    assert call(client, "GET", "/artisans/me", second).status_code == 404
    assert call(client, "PUT", "/artisans/me", second, make_profile()).status_code == 201


def test_changing_to_another_artisans_cnic_is_409_and_changes_nothing(client, aws):
    first, second = aws.user("artisans"), aws.user("artisans")
    taken = next_cnic()
    _profile(client, first, cnic=taken)
    before = _profile(client, second)
    response = call(client, "PUT", "/artisans/me", second, make_profile(cnic=taken, display_name="Changed"))
    assert response.status_code == 409
    assert _code(response) == "DUPLICATE"
    assert _me(client, second) == before


def test_a_changed_cnic_frees_the_old_one(client, aws):
    first, second = aws.user("artisans"), aws.user("artisans")
    old, new = next_cnic(), "61101-0000001-5"
    _profile(client, first, cnic=old)
    response = call(client, "PUT", "/artisans/me", first, make_profile(cnic=new))
    assert response.status_code == 200
    assert body_of(response)["cnic_last4"] == "0015"
    assert call(client, "PUT", "/artisans/me", second, make_profile(cnic=old)).status_code == 201
    third = aws.user("artisans")
    assert _code(call(client, "PUT", "/artisans/me", third, make_profile(cnic=new))) == "DUPLICATE"


def test_cnic_cannot_change_after_verification(client, aws):
    artisan, ops = aws.user("artisans"), aws.user("ops")
    cnic = next_cnic()
    _profile(client, artisan, cnic=cnic)
    verified = _decide(client, ops, artisan.sub, "verified")
    response = call(client, "PUT", "/artisans/me", artisan, make_profile(cnic=next_cnic(), display_name="Other"))
    assert response.status_code == 409
    assert _code(response) == "INVALID_STATE"
    assert _me(client, artisan) == verified
    # Re-sending the same CNIC is not a change.
    assert call(client, "PUT", "/artisans/me", artisan, make_profile(cnic=cnic)).status_code == 200


@pytest.mark.parametrize("decision", ["verified", "rejected"])
def test_edits_keep_the_verification_status(client, aws, decision):
    artisan, ops = aws.user("artisans"), aws.user("ops")
    _profile(client, artisan)
    _decide(client, ops, artisan.sub, decision)
    changes = make_profile(display_name="Edited", province="sindh", craft="pottery")
    del changes["cnic"]
    response = call(client, "PUT", "/artisans/me", artisan, changes)
    assert response.status_code == 200
    assert body_of(response)["verification"] == decision
    assert _me(client, artisan)["verification"] == decision


# --- public visibility ---------------------------------------------------------------------


def test_an_unverified_profile_is_seen_only_by_its_artisan_and_ops(client, aws):
    artisan, other, buyer, ops = aws.user("artisans"), aws.user("artisans"), aws.user(), aws.user("ops")
    _profile(client, artisan)
    path = f"/artisans/{artisan.sub}"
    for viewer in (None, buyer, other):
        response = call(client, "GET", path, viewer)
        assert response.status_code == 404
        assert _code(response) == "NOT_FOUND"
    for viewer in (artisan, ops):
        response = call(client, "GET", path, viewer)
        assert response.status_code == 200
        assert set(body_of(response)) == PUBLIC_FIELDS


def test_a_verified_profile_is_public_without_private_fields(client, aws):
    artisan, ops = aws.user("artisans"), aws.user("ops")
    _profile(client, artisan)
    _decide(client, ops, artisan.sub, "verified", note="Documents checked")
    response = call(client, "GET", f"/artisans/{artisan.sub}")
    assert response.status_code == 200
    profile = body_of(response)
    assert set(profile) == PUBLIC_FIELDS
    assert profile["verification"] == "verified"


def test_a_rejected_or_unknown_artisan_is_404(client, aws):
    artisan, ops = aws.user("artisans"), aws.user("ops")
    _profile(client, artisan)
    _decide(client, ops, artisan.sub, "rejected")
    assert call(client, "GET", f"/artisans/{artisan.sub}").status_code == 404
    assert call(client, "GET", "/artisans/no-such-artisan").status_code == 404


# --- browsing --------------------------------------------------------------------------------


@pytest.fixture
def directory(client, aws) -> dict[str, str]:
    """Six artisans created in this order; all but the pending and the rejected one verified."""
    ops = aws.user("ops")
    specs = {
        "punjab_embroidery_1": ("punjab", "embroidery", "verified"),
        "sindh_pottery": ("sindh", "pottery", "verified"),
        "punjab_pottery": ("punjab", "pottery", "verified"),
        "punjab_embroidery_pending": ("punjab", "embroidery", None),
        "punjab_embroidery_rejected": ("punjab", "embroidery", "rejected"),
        "punjab_embroidery_2": ("punjab", "embroidery", "verified"),
    }
    ids = {}
    for name, (province, craft, _) in specs.items():
        user = aws.user("artisans")
        ids[name] = _profile(client, user, province=province, craft=craft)["artisan_id"]
    # Verify in reverse order, so newest-first can only come from the profiles' creation.
    for name, (_, _, decision) in reversed(specs.items()):
        if decision:
            _decide(client, ops, ids[name], decision)
    return ids


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["punjab_embroidery_2", "punjab_pottery", "sindh_pottery", "punjab_embroidery_1"]),
    ("?province=punjab", ["punjab_embroidery_2", "punjab_pottery", "punjab_embroidery_1"]),
    ("?craft=pottery", ["punjab_pottery", "sindh_pottery"]),
    ("?province=punjab&craft=embroidery", ["punjab_embroidery_2", "punjab_embroidery_1"]),
    ("?province=balochistan", []),
])
def test_browse_lists_verified_artisans_newest_first(client, directory, query, expected):
    response = call(client, "GET", f"/artisans{query}")
    assert _ids(response) == [directory[name] for name in expected]
    assert body_of(response)["next_cursor"] is None
    assert all(set(item) == PUBLIC_FIELDS for item in body_of(response)["items"])


def test_browse_pages_walk_every_artisan_once(client, directory):
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        response = call(client, "GET", "/artisans?province=punjab&limit=2" + (f"&cursor={cursor}" if cursor else ""))
        seen += _ids(response)
        assert len(body_of(response)["items"]) <= 2
        cursor = body_of(response)["next_cursor"]
        if cursor is None:
            break
    assert cursor is None
    assert seen == [directory[n] for n in ("punjab_embroidery_2", "punjab_pottery", "punjab_embroidery_1")]


@pytest.mark.parametrize("query", ["?province=kashmir", "?craft=plastic", "?verification=pending", "?limit=0",
                                   "?limit=101", "?limit=ten"])
def test_browse_refuses_invalid_queries(client, query):
    response = call(client, "GET", f"/artisans{query}")
    assert response.status_code == 400
    assert _code(response) == "VALIDATION_ERROR"


def test_a_cursor_from_another_query_is_bad(client, directory):
    cursor = body_of(call(client, "GET", "/artisans?province=punjab&limit=1"))["next_cursor"]
    assert cursor
    for query in (f"?province=sindh&limit=1&cursor={cursor}", f"?limit=1&cursor={cursor}",
                  f"?province=punjab&limit=1&cursor={cursor[:-2]}AA", "?cursor=garbage"):
        response = call(client, "GET", f"/artisans{query}")
        assert response.status_code == 400
        assert _code(response) == "BAD_CURSOR"


# --- the ops queue and decisions ----------------------------------------------------------


def test_the_queue_is_pending_artisans_oldest_first_with_private_fields(client, aws, directory):
    ops = aws.user("ops")
    late = aws.user("artisans")
    _profile(client, late)
    response = call(client, "GET", "/ops/artisans?verification=pending", ops)
    assert _ids(response) == [directory["punjab_embroidery_pending"], late.sub]
    assert all({"phone", "cnic_last4"} <= set(item) for item in body_of(response)["items"])
    assert _ids(call(client, "GET", "/ops/artisans", ops)) == _ids(response)
    assert _ids(call(client, "GET", "/ops/artisans?verification=rejected", ops)) == [
        directory["punjab_embroidery_rejected"]]
    verified = _ids(call(client, "GET", "/ops/artisans?verification=verified", ops))
    assert verified == [directory[n] for n in ("punjab_embroidery_1", "sindh_pottery", "punjab_pottery",
                                               "punjab_embroidery_2")]


def test_a_decision_moves_the_artisan_between_queue_and_browse(client, aws):
    artisan, ops = aws.user("artisans"), aws.user("ops")
    _profile(client, artisan)
    decided = _decide(client, ops, artisan.sub, "verified", note="CNIC checked")
    assert decided["verification"] == "verified"
    assert decided["artisan_id"] == artisan.sub
    assert _ids(call(client, "GET", "/ops/artisans", ops)) == []
    assert _ids(call(client, "GET", "/artisans")) == [artisan.sub]
    rejected = _decide(client, ops, artisan.sub, "rejected", note="Photo mismatch")
    assert rejected["verification"] == "rejected"
    assert _ids(call(client, "GET", "/artisans")) == []
    assert _me(client, artisan)["verification"] == "rejected"


@pytest.mark.parametrize("role", ["artisans", None])
def test_only_ops_decide_and_a_refusal_changes_nothing(client, aws, role):
    artisan = aws.user("artisans")
    before = _profile(client, artisan)
    user = aws.user(role) if role else aws.user()
    response = call(client, "POST", f"/ops/artisans/{artisan.sub}/verification", user, {"decision": "verified"})
    assert response.status_code == 403
    assert _code(response) == "FORBIDDEN"
    assert _me(client, artisan) == before
    for path in ("/ops/artisans", "/ops/artisans?verification=pending"):
        assert call(client, "GET", path, user).status_code == 403
    assert call(client, "GET", "/ops/artisans").status_code == 401


@pytest.mark.parametrize("body", [{"decision": "approved"}, {}, {"decision": "verified", "note": "n" * 501},
                                  {"decision": "verified", "extra": 1}])
def test_an_invalid_decision_is_400_and_changes_nothing(client, aws, body):
    artisan, ops = aws.user("artisans"), aws.user("ops")
    before = _profile(client, artisan)
    response = call(client, "POST", f"/ops/artisans/{artisan.sub}/verification", ops, body)
    assert response.status_code == 400
    assert _code(response) == "VALIDATION_ERROR"
    assert _me(client, artisan) == before


def test_deciding_on_an_unknown_artisan_is_404(client, aws):
    response = call(client, "POST", "/ops/artisans/nobody/verification", aws.user("ops"), {"decision": "verified"})
    assert response.status_code == 404
    assert _code(response) == "NOT_FOUND"


# --- self-service: any signed-in user becomes an artisan (API.md part two, "Becoming an artisan") ----


def _groups(aws: Any, user: User) -> set[str]:
    cognito = boto3.client("cognito-idp", region_name=REGION)
    listed = cognito.admin_list_groups_for_user(UserPoolId=aws.env["COGNITO_USER_POOL_ID"], Username=user.sub)
    return {group["GroupName"] for group in listed["Groups"]}


def _signed_in_again(aws: Any, user: User) -> User:
    """The user's next ID token (a fresh sign-in carries the groups as they are now)."""
    cognito = boto3.client("cognito-idp", region_name=REGION)
    token = sign_in(cognito, client_id=aws.env["COGNITO_CLIENT_ID"], email=user.email, password=PASSWORD)
    return replace(user, token=token)


def test_a_buyer_creates_a_profile_and_is_then_an_artisan(client, aws):
    buyer = aws.user()
    assert call(client, "GET", "/artisans/me", buyer).status_code == 404
    assert call(client, "POST", "/listings", buyer, make_listing()).status_code == 403
    assert _groups(aws, buyer) == set()

    created = _profile(client, buyer)

    assert created["artisan_id"] == buyer.sub
    assert created["verification"] == "pending"
    assert _groups(aws, buyer) == {"artisans"}
    assert _me(client, buyer) == created  # the old token, still without the group, reads the profile
    assert call(client, "POST", "/listings", buyer, make_listing()).status_code == 403
    artisan = _signed_in_again(aws, buyer)
    assert "artisans" in jwt.decode(artisan.token, options={"verify_signature": False})["cognito:groups"]
    assert call(client, "POST", "/listings", artisan, make_listing()).status_code == 201


def test_a_phone_number_user_becomes_an_artisan(client, aws):
    phone_user = aws.user(email="+923451234567")
    _profile(client, phone_user)
    assert _groups(aws, phone_user) == {"artisans"}


def test_a_failed_group_addition_is_a_503_and_the_retried_put_makes_it_good(client, aws):
    buyer = aws.user()
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool_id = aws.env["COGNITO_USER_POOL_ID"]
    cognito.delete_group(GroupName="artisans", UserPoolId=pool_id)  # the pool refuses the addition
    sent = make_profile()

    failed = call(client, "PUT", "/artisans/me", buyer, sent)

    assert failed.status_code == 503
    assert _code(failed) == "SERVICE_UNAVAILABLE"
    assert _me(client, buyer)["verification"] == "pending"  # the profile was written first
    cognito.create_group(GroupName="artisans", UserPoolId=pool_id)
    retried = call(client, "PUT", "/artisans/me", buyer, sent)
    assert retried.status_code == 200  # now an update
    assert _groups(aws, buyer) == {"artisans"}


def test_a_put_with_a_token_still_lacking_the_group_re_adds_it(client, aws):
    buyer = aws.user()
    _profile(client, buyer)
    cognito = boto3.client("cognito-idp", region_name=REGION)
    cognito.admin_remove_user_from_group(UserPoolId=aws.env["COGNITO_USER_POOL_ID"], Username=buyer.sub,
                                         GroupName="artisans")
    changes = make_profile(district="Lodhran")
    del changes["cnic"]
    assert call(client, "PUT", "/artisans/me", buyer, changes).status_code == 200
    assert _groups(aws, buyer) == {"artisans"}


def test_the_user_pool_is_asked_only_while_the_token_lacks_the_group(client, aws):
    buyer, artisan = aws.user(), aws.user("artisans")
    counter = RequestCounter("cognito-idp")
    with counter:
        reset_clients()  # the API's next client is made now, so it is counted
        with counter.recording() as created:
            _profile(client, buyer)
        with counter.recording() as edited:
            _profile(client, artisan)
    assert [request.operation for request in created] == ["AdminAddUserToGroup"]
    assert [request.operation for request in edited] == []


def test_a_refused_profile_adds_no_group(client, aws):
    buyer = aws.user()
    response = call(client, "PUT", "/artisans/me", buyer, make_profile(cnic="123"))
    assert response.status_code == 400
    assert _groups(aws, buyer) == set()

"""Token verification and roles (API.md "Identity and roles").

Bad tokens are built from a real ID token of the mock pool: re-signed with the
pool's own private key when only one claim is wrong (so the claim is what gets
refused), with a fresh key under the pool's `kid` when the signature is forged.
A control case re-signs the unchanged claims and must be accepted, which
proves the re-signing itself is sound.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.utilities.utils import load_resource

from harness.factories import make_listing, make_profile
from harness.http import body_of, call

KID = "dummy"  # the kid moto's pool signs with


def _pool_private_key() -> Any:
    return jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json"), algorithm="RS256").key


def _claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def _sign(claims: dict[str, Any], key: Any = None) -> str:
    return jwt.encode(claims, key or _pool_private_key(), algorithm="RS256", headers={"kid": KID})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(claims: dict[str, Any], header: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


def _alg_none(claims: dict[str, Any]) -> str:
    return _unsigned(claims, {"alg": "none", "kid": KID, "typ": "JWT"}) + "."


def _hs256_with_public_key(claims: dict[str, Any]) -> str:
    """The classic confusion: HMAC keyed with the RSA public key, hoping the server verifies with it."""
    public_pem = _pool_private_key().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = _unsigned(claims, {"alg": "HS256", "kid": KID, "typ": "JWT"})
    tag = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(tag)}"


def _swap_claims(token: str, claims: dict[str, Any]) -> str:
    header, _, signature = token.split(".")
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


def _forged(claims: dict[str, Any]) -> str:
    return _sign(claims, rsa.generate_private_key(public_exponent=65537, key_size=2048))


BAD_TOKENS: dict[str, Callable[[dict[str, Any]], str]] = {
    "forged signature": _forged,
    "expired": lambda c: _sign({**c, "iat": int(time.time()) - 7200, "exp": int(time.time()) - 60}),
    "wrong audience": lambda c: _sign({**c, "aud": "another-client"}),
    "wrong issuer": lambda c: _sign({**c, "iss": c["iss"].rsplit("/", 1)[0] + "/ap-south-1_other"}),
    "access token": lambda c: _sign({**c, "token_use": "access"}),
    "no token_use": lambda c: _sign({k: v for k, v in c.items() if k != "token_use"}),
    "no exp": lambda c: _sign({k: v for k, v in c.items() if k != "exp"}),
    "alg none": _alg_none,
    "HS256 keyed with the public key": _hs256_with_public_key,
    "unknown kid": lambda c: jwt.encode(c, _pool_private_key(), algorithm="RS256", headers={"kid": "other"}),
    "claims changed after signing": lambda c: _swap_claims(_sign(c), {**c, "cognito:groups": ["ops"]}),
}


def _assert_unauthenticated(response: Any) -> None:
    assert response.status_code == 401, response.body
    error = body_of(response)["error"]
    assert error["code"] == "UNAUTHENTICATED"
    assert set(error) <= {"code", "message", "details"} and error["message"]


def test_a_re_signed_copy_of_a_real_token_is_accepted(client, aws):
    artisan = aws.user("artisans")
    token = _sign(_claims(artisan.token))
    response = call(client, "GET", "/artisans/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404  # signed in, no profile yet


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_a_bad_token_is_401_and_writes_nothing(client, aws, case):
    artisan = aws.user("artisans")
    token = BAD_TOKENS[case](_claims(artisan.token))
    response = call(client, "PUT", "/artisans/me", body=make_profile(),
                    headers={"Authorization": f"Bearer {token}"})
    _assert_unauthenticated(response)
    assert call(client, "GET", "/artisans/me", artisan).status_code == 404


@pytest.mark.parametrize("header", [
    None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "not-a-jwt", "Bearer a.b.c", "Bearer x y",
    "Bearer eyJhbGciOiJSUzI1NiJ9.e30",
])
def test_a_missing_or_malformed_authorization_is_401(client, header):
    headers = {} if header is None else {"Authorization": header}
    _assert_unauthenticated(call(client, "GET", "/artisans/me", headers=headers))


@pytest.mark.parametrize("template", ["Bearer {}", "bearer {}", "{}", "  Bearer   {}  "])
def test_the_id_token_is_accepted_with_or_without_bearer(client, aws, template):
    artisan = aws.user("artisans")
    response = call(client, "GET", "/artisans/me", headers={"Authorization": template.format(artisan.token)})
    assert response.status_code == 404
    assert body_of(response)["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(("groups", "method", "path", "body"), [
    ((), "GET", "/ops/artisans", None),
    (("artisans",), "GET", "/ops/artisans", None),
    (("artisans",), "PUT", "/ops/fx-rates", lambda: {"rates": {"USD": "1"}}),
    ((), "POST", "/listings", make_listing),
])
def test_the_wrong_role_is_403(client, aws, groups, method, path, body):
    user = aws.user(*groups)
    response = call(client, method, path, user, body() if body else None)
    assert response.status_code == 403
    assert body_of(response)["error"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("groups", [(), ("ops",)])
def test_any_signed_in_user_has_their_own_artisan_profile(client, aws, groups):
    user = aws.user(*groups)  # API.md part two: a buyer (or ops member) becomes an artisan this way
    assert call(client, "GET", "/artisans/me", user).status_code == 404
    assert call(client, "PUT", "/artisans/me", user, make_profile()).status_code == 201
    assert call(client, "GET", "/artisans/me", user).status_code == 200


def test_groups_come_from_the_token(client, aws):
    both = aws.user("artisans", "ops")
    assert call(client, "GET", "/ops/artisans", both).status_code == 200
    assert call(client, "PUT", "/artisans/me", both, make_profile()).status_code == 201


# --- the ops role needs the ops client and a second factor ------------------------------------------


def _ops_member_without_second_factor(aws: Any, client_id_var: str) -> str:
    """An ops-group user who has not enrolled an authenticator, signed in through `client_id_var`'s client."""
    import boto3

    from harness.aws import PASSWORD
    from harness.environment import REGION
    from local.users import create_user, sign_in

    cognito = boto3.client("cognito-idp", region_name=REGION)
    email = f"ops-no-mfa-{time.time_ns()}@test.example"
    create_user(cognito, pool_id=aws.env["COGNITO_USER_POOL_ID"], email=email, password=PASSWORD, group="ops")
    return sign_in(cognito, client_id=aws.env[client_id_var], email=email, password=PASSWORD)


RATES = {"rates": {"USD": "0.0036"}}


def test_an_ops_user_with_an_authenticator_signed_in_through_the_ops_client_acts_as_ops(client, aws):
    ops = aws.user("ops")
    assert _claims(ops.token)["aud"] == aws.env["COGNITO_OPS_CLIENT_ID"]
    assert call(client, "PUT", "/ops/fx-rates", ops, RATES).status_code == 200


@pytest.mark.parametrize("client_id_var", ["COGNITO_CLIENT_ID", "COGNITO_OPS_CLIENT_ID"])
def test_the_ops_group_without_a_second_factor_is_an_ordinary_user(client, aws, client_id_var):
    token = _ops_member_without_second_factor(aws, client_id_var)
    headers = {"Authorization": f"Bearer {token}"}
    refused = call(client, "PUT", "/ops/fx-rates", body=RATES, headers=headers)
    assert refused.status_code == 403
    assert body_of(call(client, "GET", "/fx-rates"))["rates"]["USD"] != "0.0036"  # nothing changed
    assert call(client, "GET", "/orders", headers=headers).status_code == 200  # still a signed-in buyer


def test_an_ops_token_of_the_storefront_client_is_not_an_ops_token(client, aws):
    """The storefront's long-lived tokens never carry ops powers, even for a user with an authenticator."""
    import boto3

    from harness.aws import PASSWORD
    from harness.environment import REGION
    from local.users import sign_in

    ops = aws.user("ops")
    cognito = boto3.client("cognito-idp", region_name=REGION)
    storefront_token = sign_in(cognito, client_id=aws.env["COGNITO_CLIENT_ID"], email=ops.email, password=PASSWORD,
                               totp_secret=ops.totp_secret)
    assert _claims(storefront_token)["aud"] == aws.env["COGNITO_CLIENT_ID"]
    response = call(client, "PUT", "/ops/fx-rates", body=RATES, headers={"Authorization": f"Bearer {storefront_token}"})
    assert response.status_code == 403

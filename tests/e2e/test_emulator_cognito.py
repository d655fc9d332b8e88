"""Cognito's RevokeToken on the local emulator (moto 5.2.5 lacks it; `local.emulator.CognitoRevokeToken` answers it).

Against a real `LocalAws` on a free port, through boto3 as the application and the browser reach it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from local.emulator import LocalAws
from local.provision import provision
from local.users import create_user

PASSWORD = "test-pass-2026"


@dataclass(frozen=True)
class Pool:
    url: str
    cognito: Any
    pool_id: str
    client_id: str
    ops_client_id: str


@pytest.fixture(scope="module")
def pool() -> Iterator[Pool]:
    aws = LocalAws("127.0.0.1", 0)
    aws.start()
    try:
        env = provision(aws.endpoint_url).environment
        cognito = boto3.client(
            "cognito-idp",
            endpoint_url=aws.endpoint_url,
            region_name="ap-south-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        yield Pool(aws.endpoint_url, cognito, env["COGNITO_USER_POOL_ID"], env["COGNITO_CLIENT_ID"],
                   env["COGNITO_OPS_CLIENT_ID"])
    finally:
        aws.stop()


def signed_in(pool: Pool, client_id: str | None = None) -> dict[str, str]:
    """A new user's AuthenticationResult (IdToken, AccessToken, RefreshToken) through `client_id`."""
    email = f"revoke-{uuid.uuid4().hex[:10]}@test.mip.pk"
    create_user(pool.cognito, pool_id=pool.pool_id, email=email, password=PASSWORD)
    result: dict[str, str] = pool.cognito.initiate_auth(
        ClientId=client_id or pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return result


def refresh(pool: Pool, refresh_token: str, client_id: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = pool.cognito.initiate_auth(
        ClientId=client_id or pool.client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh_token},
    )
    return result


def error_code(raised: pytest.ExceptionInfo[ClientError]) -> str:
    return str(raised.value.response["Error"]["Code"])


def test_a_revoked_refresh_token_no_longer_refreshes(pool: Pool) -> None:
    tokens = signed_in(pool)
    assert refresh(pool, tokens["RefreshToken"])["AuthenticationResult"]["IdToken"]

    answer = pool.cognito.revoke_token(Token=tokens["RefreshToken"], ClientId=pool.client_id)

    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(ClientError) as refused:
        refresh(pool, tokens["RefreshToken"])
    assert error_code(refused) == "NotAuthorizedException"


def test_revoking_also_ends_the_access_tokens_made_from_it(pool: Pool) -> None:
    tokens = signed_in(pool)
    refreshed = refresh(pool, tokens["RefreshToken"])["AuthenticationResult"]["AccessToken"]
    other = signed_in(pool)

    pool.cognito.revoke_token(Token=tokens["RefreshToken"], ClientId=pool.client_id)

    for access_token in (tokens["AccessToken"], refreshed):
        with pytest.raises(ClientError) as refused:
            pool.cognito.get_user(AccessToken=access_token)
        assert error_code(refused) == "NotAuthorizedException"
    assert pool.cognito.get_user(AccessToken=other["AccessToken"])["Username"]  # another sign-in is untouched
    assert refresh(pool, other["RefreshToken"])["AuthenticationResult"]["IdToken"]


def test_the_ops_client_revokes_its_own_tokens(pool: Pool) -> None:
    tokens = signed_in(pool, pool.ops_client_id)

    pool.cognito.revoke_token(Token=tokens["RefreshToken"], ClientId=pool.ops_client_id)

    with pytest.raises(ClientError) as refused:
        refresh(pool, tokens["RefreshToken"], pool.ops_client_id)
    assert error_code(refused) == "NotAuthorizedException"


def test_a_token_of_another_client_is_refused_and_stays_valid(pool: Pool) -> None:
    tokens = signed_in(pool, pool.ops_client_id)

    with pytest.raises(ClientError) as refused:
        pool.cognito.revoke_token(Token=tokens["RefreshToken"], ClientId=pool.client_id)

    assert error_code(refused) == "UnauthorizedException"
    assert refresh(pool, tokens["RefreshToken"], pool.ops_client_id)["AuthenticationResult"]["IdToken"]


def test_unknown_and_already_revoked_tokens_succeed(pool: Pool) -> None:
    tokens = signed_in(pool)
    pool.cognito.revoke_token(Token=tokens["RefreshToken"], ClientId=pool.client_id)

    again = pool.cognito.revoke_token(Token=tokens["RefreshToken"], ClientId=pool.client_id)
    unknown = pool.cognito.revoke_token(Token=str(uuid.uuid4()), ClientId=pool.client_id)

    assert again["ResponseMetadata"]["HTTPStatusCode"] == unknown["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.parametrize("kind", ["AccessToken", "IdToken"])
def test_access_and_id_tokens_are_not_revocable(pool: Pool, kind: str) -> None:
    tokens = signed_in(pool)

    with pytest.raises(ClientError) as refused:
        pool.cognito.revoke_token(Token=tokens[kind], ClientId=pool.client_id)

    assert error_code(refused) == "UnsupportedTokenTypeException"
    assert refresh(pool, tokens["RefreshToken"])["AuthenticationResult"]["IdToken"]


def test_an_unknown_client_is_unauthorized(pool: Pool) -> None:
    tokens = signed_in(pool)

    with pytest.raises(ClientError) as refused:
        pool.cognito.revoke_token(Token=tokens["RefreshToken"], ClientId="nosuchclient")

    assert error_code(refused) == "UnauthorizedException"


def test_the_browser_reads_the_answer_cors_and_all(pool: Pool) -> None:
    """As the web page's fetch sends it: unsigned, with an Origin; the answer admits that origin."""
    tokens = signed_in(pool)
    origin = "http://127.0.0.1:8080"

    def post(body: bytes) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(pool.url + "/", data=body, method="POST", headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.RevokeToken",
            "Origin": origin,
        })
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    status, headers, body = post(json.dumps({"ClientId": pool.client_id, "Token": tokens["RefreshToken"]}).encode())
    assert (status, body) == (200, b"{}")
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert headers["Access-Control-Allow-Origin"] == origin

    status, headers, body = post(b"{}")
    assert status == 400
    assert json.loads(body)["__type"] == "InvalidParameterException"
    assert headers["Access-Control-Allow-Origin"] == origin

    status, _, body = post(b"not json")
    assert status == 400
    assert json.loads(body)["__type"] == "SerializationException"

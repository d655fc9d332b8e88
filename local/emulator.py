"""moto's server as local AWS, with DynamoDB requests serialised (and, optionally, contended).

moto 5.2.5's DynamoDB backend is not safe under concurrent requests (lost
updates, oversold stock, "dictionary changed size during iteration"), while
real DynamoDB serialises writes to an item. Running every DynamoDB request
under one lock restores the guarantees the application relies on; the other
services stay concurrent (SQS long polls must not block each other).

The lock also makes every hot item infinitely patient, which DynamoDB is not.
With a `Contention` (see `local.contention`), the same middleware turns requests
away as DynamoDB does: transaction conflicts and per-item write throttling.

moto 5.2.5 does not implement Cognito's RevokeToken either (its server answers
500 with an HTML page), so signing out could not be checked locally. A second,
small middleware answers it from moto's own Cognito backend (`CognitoRevokeToken`).

Nor does moto send or check sign-up verification codes: `local.verification`'s
middleware does (codes go to moto's SNS/SES, which `local.outbox` shows).

moto's transactions back up every table they touch in full, so each one grew slower with
the tables; `local.moto_transactions` backs up only the items they name. Its Cognito read every
user to find one by phone number or e-mail; `local.moto_cognito` indexes them.
"""

from __future__ import annotations

import base64
import io
import json
import os
import threading
import uuid
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

from moto.cognitoidp.models import CognitoIdpUserPool, CognitoIdpUserPoolClient, cognitoidp_backends
from moto.core.responses import BaseResponse
from moto.dynamodb.exceptions import ResourceNotFoundException
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.iam.models import get_account_id_from
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

from local.contention import OPERATIONS, AttributeMap, Contention, ContentionModel, TableSchema
from local.serving import ServedApp

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class QuietRequestHandler(MotoRequestHandler):
    """moto's request handler without a log line per request (errors are still logged)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class MotoTables:
    """Table schemas and stored items from moto's backend, for one request's account and region.

    The account and region are found as moto finds them (`BaseResponse.setup_class`);
    only ever used under the DynamoDB lock.
    """

    def __init__(self, environ: dict[str, Any]) -> None:
        self._environ = environ

    def schema(self, table_name: str) -> TableSchema | None:
        try:
            table = self._backend.get_table(table_name)
        except ResourceNotFoundException:
            return None
        return TableSchema(table.name, table.table_arn, table.hash_key_attr, table.range_key_attr)

    def stored_item(self, table: TableSchema, key: AttributeMap) -> AttributeMap | None:
        range_key = DynamoType(key[table.range_key]) if table.range_key is not None else None
        item = self._backend.get_table(table.name).get_item(DynamoType(key[table.hash_key]), range_key)
        if item is None:
            return None
        attributes: AttributeMap = item.to_json()["Attributes"]
        return attributes

    @cached_property
    def _backend(self) -> DynamoDBBackend:
        environ = self._environ
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        url_region = BaseResponse.region_regex.search(environ.get("HTTP_HOST", ""))
        agent_region = BaseResponse.region_from_useragent_regex.search(environ.get("HTTP_USER_AGENT", ""))
        if url_region:
            region = url_region.group(1)
        elif agent_region:
            region = agent_region.group(1)
        elif "AWS4" in authorization:
            region = authorization.split(",")[0].split("/")[2]
        else:
            region = BaseResponse.default_region
        access_key = BaseResponse.access_key_regex.search(authorization)
        account = (
            os.environ.get("MOTO_ACCOUNT_ID")
            or environ.get("HTTP_X_MOTO_ACCOUNT_ID")
            or get_account_id_from(access_key.group(1) if access_key else "AKIAEXAMPLE")
        )
        backend: DynamoDBBackend = dynamodb_backends[account][region]
        return backend


class SerialisedDynamoDb:
    """WSGI middleware: one DynamoDB request at a time, everything else passes through.

    With `contention`, each DynamoDB write (and `TransactGetItems`) is first put to the
    contention model, inside the same lock: it is either answered with DynamoDB's error
    without reaching moto, or passed on; a transaction that moto commits then holds its
    items for the commit window.
    """

    def __init__(self, app: WsgiApp, contention: Contention | None = None) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._model = ContentionModel(contention) if contention is not None else None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith("DynamoDB_"):
            return self._app(environ, start_response)
        operation = target.partition(".")[2]
        with self._lock:
            if self._model is None or operation not in OPERATIONS:
                return self._serve(environ, start_response)
            return self._contend(self._model, operation, environ, start_response)

    def _contend(
        self,
        model: ContentionModel,
        operation: str,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
    ) -> Iterable[bytes]:
        body = _read_body(environ)
        try:
            request = _json_loads(body)
        except ValueError:
            return self._serve(environ, start_response)  # moto answers the malformed request
        admission = model.admit(operation, request, MotoTables(environ))
        if admission.rejection is not None:
            start_response("400 Bad Request", admission.rejection.headers)
            return [admission.rejection.body]
        statuses: list[str] = []

        def recording_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            statuses.append(status)
            return start_response(status, headers, exc_info)

        answer = self._serve(environ, recording_start_response)
        if statuses and statuses[-1].startswith("200"):
            model.committed(admission)
        return answer

    def _serve(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        response = self._app(environ, start_response)
        try:
            # Drain the body inside the lock: the backend may build it lazily.
            return [b"".join(response)]
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()


def _read_body(environ: dict[str, Any]) -> bytes:
    """Read the request body and put it back, so that moto reads it too."""
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH") or ""
    if length.isdigit():
        body: bytes = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def _json_loads(body: bytes) -> Any:
    return json.loads(body) if body else None


REVOKE_TOKEN_TARGET = "AWSCognitoIdentityProviderService.RevokeToken"


class CognitoError(Exception):
    """One of Cognito's JSON errors: HTTP 400 with `__type` and `message`, as moto answers its own."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


class CognitoRevokeToken:
    """WSGI middleware: Cognito's RevokeToken, answered from moto's Cognito backend; everything else passes through.

    What it answers (Cognito's API reference lists these errors for RevokeToken; where it
    does not say which applies, the choice is marked):
    - a refresh token issued to `ClientId`: revoked, with the access tokens made from it
      (same `origin_jti`); 200 `{}`. moto then refuses it (`REFRESH_TOKEN_AUTH`:
      NotAuthorizedException "Refresh Token has been revoked"), as it does after a global sign-out;
    - a token it does not know, or one already revoked: 200 `{}` (nothing to revoke; as RFC 7009);
    - an access or ID token: 400 UnsupportedTokenTypeException (only refresh tokens are revocable);
    - a refresh token of another client of the pool: 400 UnauthorizedException, and the token
      stays valid (our choice: a client revokes only its own tokens);
    - an unknown `ClientId`, or a wrong `ClientSecret` for a client that has one: 400
      UnauthorizedException (our choice; moto's other calls say ResourceNotFoundException);
    - a client created with `EnableTokenRevocation: false`: 400 UnsupportedOperationException;
    - no `Token` or `ClientId`: 400 InvalidParameterException.
    Answers carry the CORS headers moto gives its own (the request's Origin, `Vary: Origin`),
    so the browser's sign-out reads them.
    """

    def __init__(self, app: WsgiApp) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET", "") != REVOKE_TOKEN_TARGET or environ.get("REQUEST_METHOD") != "POST":
            return self._app(environ, start_response)
        try:
            revoke_token(_json_loads(_read_body(environ)))
        except ValueError:
            return _cognito_answer(environ, start_response, CognitoError(
                "SerializationException", "The request body is not JSON."))
        except CognitoError as error:
            return _cognito_answer(environ, start_response, error)
        return _cognito_answer(environ, start_response, None)


def revoke_token(request: Any) -> None:
    """RevokeToken on moto's Cognito backend (see `CognitoRevokeToken`); raises CognitoError."""
    if not isinstance(request, dict):
        raise CognitoError("InvalidParameterException", "The request must be a JSON object.")
    token, client_id, client_secret = request.get("Token"), request.get("ClientId"), request.get("ClientSecret")
    if not isinstance(token, str) or not token or not isinstance(client_id, str) or not client_id:
        raise CognitoError("InvalidParameterException", "Token and ClientId are required.")
    found = _pool_of_client(client_id)
    if found is None:
        raise CognitoError("UnauthorizedException", f"Client {client_id} does not exist.")
    pool, client = found
    if client.generate_secret and client_secret != client.secret:
        raise CognitoError("UnauthorizedException", "Unable to verify secret hash for client.")
    if client.extended_config.get("EnableTokenRevocation") is False:
        raise CognitoError("UnsupportedOperationException", "Token revocation is not enabled for this client.")
    if token in pool.access_tokens or token in pool.id_tokens:
        raise CognitoError("UnsupportedTokenTypeException", "Only refresh tokens can be revoked.")
    issued = pool.refresh_tokens.get(token)  # (client id, username, origin jti); None once revoked
    if issued is None:
        return
    issued_to, _, origin_jti = issued
    if issued_to != client_id:
        raise CognitoError("UnauthorizedException", "The token was not issued to this client.")
    pool.refresh_tokens[token] = None
    for access_token in [t for t in list(pool.access_tokens) if _origin_jti(t) == origin_jti]:
        pool.access_tokens.pop(access_token, None)


def _pool_of_client(client_id: str) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient] | None:
    """The user pool (in any account and region, as moto looks for unauthenticated calls) with this client."""
    for backends in list(cognitoidp_backends.values()):
        for region, backend in list(backends.items()):
            if region == "global":
                continue
            for pool in list(backend.user_pools.values()):
                client = pool.clients.get(client_id)
                if client is not None:
                    return pool, client
    return None


def _origin_jti(jwt: str) -> str | None:
    """The `origin_jti` claim of one of moto's access tokens (read, not verified: moto made it)."""
    try:
        payload = jwt.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    return claims.get("origin_jti") if isinstance(claims, dict) else None


def _cognito_answer(
    environ: dict[str, Any], start_response: Callable[..., Any], error: CognitoError | None,
    body: dict[str, Any] | None = None,
) -> list[bytes]:
    """200 with `body` (default `{}`) or Cognito's JSON error, with the headers moto's server sets on its own."""
    if error is None:
        status, encoded = "200 OK", json.dumps(body or {}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1")]
    else:
        status = "400 Bad Request"
        encoded = json.dumps({"__type": error.error_type, "message": error.message}).encode()
        headers = [("Content-Type", "application/json"), ("X-Amzn-ErrorType", error.error_type)]
    headers += [("Content-Length", str(len(encoded))), ("x-amzn-requestid", uuid.uuid4().hex)]
    origin = environ.get("HTTP_ORIGIN")
    if origin:  # moto (flask-cors) admits any origin
        headers += [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
    start_response(status, headers)
    return [encoded]


class LocalAws(ServedApp):
    """The emulator on host:port, served by werkzeug in a background thread.

    `contention` (None: off, today's behaviour) makes hot items contend as on DynamoDB;
    the stack passes `Contention.from_env(environ)`.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 4566, *, contention: Contention | None = None) -> None:
        super().__init__(host, port, name="local-aws")
        self.contention = contention

    @property
    def endpoint_url(self) -> str:
        return self.url

    def start(self) -> None:
        from local.moto_cognito import install as indexed_cognito_users
        from local.moto_transactions import install as cheap_transactions
        from local.outbox import OutboxClock  # these import this module's Cognito helpers
        from local.verification import CognitoVerification

        cheap_transactions()
        indexed_cognito_users()
        moto = OutboxClock(DomainDispatcherApplication(create_backend_app))
        app = CognitoVerification(CognitoRevokeToken(SerialisedDynamoDb(moto, self.contention)))
        self.serve(app, QuietRequestHandler)

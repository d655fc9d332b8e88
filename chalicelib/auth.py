"""Cognito ID-token verification and roles.

Every token is checked the same way in every environment: RS256 signature
against the user pool's JWKS, `iss`, `aud` (one of the pool's two app clients),
`token_use == "id"` and `exp`. Locally the JWKS comes from the emulator's
endpoint, which is only a different base URL, not a different code path.

The ops role is honoured only in a token of the ops app client (15-minute
tokens) whose user has TOTP enrolled: with TOTP enrolled, Cognito asks for the
code at every sign-in, so no ops decision is made on a password alone. Any
other token of an ops user is an ordinary signed-in user's.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from .config import Settings
from .errors import ForbiddenError, UnauthenticatedError

OPS = "ops"
_JWKS_TTL_SECONDS = 3600
_LEEWAY_SECONDS = 0
_SECOND_FACTOR_TTL_SECONDS = 300


@dataclass(frozen=True)
class Identity:
    user_id: str
    email: str | None
    groups: frozenset[str]

    @property
    def is_ops(self) -> bool:
        return OPS in self.groups

    def require(self, group: str) -> None:
        if group not in self.groups:
            raise ForbiddenError()


class _JwksCache:
    """The pool's signing keys, fetched once per container and refreshed on an unknown `kid`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._url = ""

    def key_for(self, kid: str, url: str) -> Any:
        with self._lock:
            stale = time.monotonic() - self._fetched_at > _JWKS_TTL_SECONDS
            if url != self._url or stale or (kid not in self._keys and self._may_refresh()):
                self._refresh(url)
            key = self._keys.get(kid)
        if key is None:
            raise UnauthenticatedError()
        return key

    def _may_refresh(self) -> bool:
        # An unknown kid may mean rotated keys; refetch at most every 60 s so forged kids cannot hammer the pool.
        return time.monotonic() - self._fetched_at > 60

    def _refresh(self, url: str) -> None:
        import jwt
        import requests

        try:
            response = requests.get(url, timeout=5)
            response.raise_for_status()
            jwks = response.json()
        except (requests.RequestException, ValueError):
            raise UnauthenticatedError("The sign-in service could not be reached to verify the token.") from None
        self._keys = {}
        for jwk in jwks.get("keys", []):
            if jwk.get("kty") == "RSA" and "kid" in jwk:
                self._keys[jwk["kid"]] = jwt.PyJWK(jwk, algorithm="RS256").key
        self._url = url
        self._fetched_at = time.monotonic()


_jwks = _JwksCache()


class _SecondFactorCache:
    """Whether a user has TOTP enrolled, asked of Cognito at most every few minutes per user and container."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, tuple[bool, float]] = {}

    def enrolled(self, username: str, settings: Settings) -> bool:
        with self._lock:
            known = self._known.get(username)
        if known is not None and time.monotonic() - known[1] < _SECOND_FACTOR_TTL_SECONDS:
            return known[0]
        from .store.identities import has_totp  # only ops tokens pay for the Cognito client

        enrolled = has_totp(username, user_pool_id=settings.user_pool_id)
        with self._lock:
            self._known[username] = (enrolled, time.monotonic())
        return enrolled


_second_factor = _SecondFactorCache()


def forget_second_factors() -> None:
    """Ask Cognito afresh (tests that change a user's MFA call this through `wiring.reset_settings`)."""
    global _second_factor
    _second_factor = _SecondFactorCache()


def issuer(settings: Settings) -> str:
    return f"https://cognito-idp.{settings.region}.amazonaws.com/{settings.user_pool_id}"


def jwks_url(settings: Settings) -> str:
    base = settings.cognito_endpoint or f"https://cognito-idp.{settings.region}.amazonaws.com"
    return f"{base.rstrip('/')}/{settings.user_pool_id}/.well-known/jwks.json"


def bearer_token(authorization: str | None) -> str:
    """The token from `Authorization: Bearer <t>` or a bare `<t>`."""
    if not authorization:
        raise UnauthenticatedError()
    parts = authorization.strip().split()
    if len(parts) == 2 and parts[0].lower() == "bearer":
        return parts[1]
    if len(parts) == 1:
        return parts[0]
    raise UnauthenticatedError()


def verify_id_token(token: str, settings: Settings) -> Identity:
    import jwt

    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise UnauthenticatedError() from None
    if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
        raise UnauthenticatedError()
    key = _jwks.key_for(header["kid"], jwks_url(settings))
    try:
        claims = jwt.decode(
            token,
            key=key,
            algorithms=["RS256"],
            audience=[settings.user_pool_client_id, settings.ops_client_id],
            issuer=issuer(settings),
            leeway=_LEEWAY_SECONDS,
            options={"require": ["exp", "iss", "aud", "sub", "token_use"]},
        )
    except jwt.PyJWTError:
        raise UnauthenticatedError() from None
    if claims.get("token_use") != "id":
        raise UnauthenticatedError()
    groups = claims.get("cognito:groups") or []
    if not isinstance(groups, list):
        groups = [groups]
    roles = frozenset(map(str, groups))
    if OPS in roles and not _second_factor_proven(claims, settings):
        roles -= {OPS}
    return Identity(user_id=str(claims["sub"]), email=claims.get("email"), groups=roles)


def _second_factor_proven(claims: dict[str, Any], settings: Settings) -> bool:
    """A token of the ops client, for a user who cannot sign in without their TOTP code."""
    username = claims.get("cognito:username") or claims["sub"]
    return claims.get("aud") == settings.ops_client_id and _second_factor.enrolled(str(username), settings)


def authenticate(authorization: str | None, settings: Settings) -> Identity:
    return verify_id_token(bearer_token(authorization), settings)

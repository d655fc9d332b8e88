"""The emulator's Cognito finding a user by phone number or e-mail without reading every user.

In a pool with UsernameAttributes (ours: e-mail and phone number), moto 5.2.5 finds a user
by reading every user's attributes (`CognitoIdpUserPool._get_user`), and nearly every call
does that (AdminCreateUser to check the number is free, AdminAddUserToGroup, AdminGetUser,
sign-in): a registry import's cost per row grew with the users already in the pool.

`install()` keeps an index from (pool id, attribute value) to the users that carry it,
updated whenever moto sets a user's attributes (it always assigns `user.attributes`), and
answers from it, checking that the user is still in the pool. Local only, like `local/`.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool, flatten_attrs

_ALIASES = ("email", "phone_number")
_lock = threading.Lock()
_index: defaultdict[tuple[str, str], set[CognitoIdpUser]] = defaultdict(set)


def _values(attributes: list[dict[str, str]] | None) -> set[str]:
    flat = flatten_attrs(attributes or [])
    return {flat[name] for name in _ALIASES if flat.get(name)}


def _get_attributes(user: CognitoIdpUser) -> list[dict[str, str]]:
    attributes: list[dict[str, str]] = user.__dict__.get("_indexed_attributes", [])
    return attributes


def _set_attributes(user: CognitoIdpUser, attributes: list[dict[str, str]]) -> None:
    with _lock:
        for value in _values(user.__dict__.get("_indexed_attributes")):
            _index[(user.user_pool_id, value)].discard(user)
        user.__dict__["_indexed_attributes"] = attributes
        for value in _values(attributes):
            _index[(user.user_pool_id, value)].add(user)


def _get_user(self: CognitoIdpUserPool, username: str) -> Any:
    """moto's lookup: a user whose e-mail or phone number is `username` (when the pool signs in with those),
    else the user named `username`."""
    if not self.extended_config.get("UsernameAttributes"):
        return self.users.get(username)
    wanted = set(self.extended_config["UsernameAttributes"])
    with _lock:
        candidates = list(_index.get((self.id, username), ()))
    for user in candidates:
        flat = flatten_attrs(user.attributes)
        if self.users.get(user.username) is user and any(flat.get(name) == username for name in wanted):
            return user
    return self.users.get(username)


def install() -> None:
    """Patch this process's moto (idempotent); before any user exists, so every user is indexed."""
    if CognitoIdpUserPool._get_user is _get_user:
        return
    CognitoIdpUser.attributes = property(_get_attributes, _set_attributes)  # type: ignore[assignment]
    CognitoIdpUserPool._get_user = _get_user  # type: ignore[method-assign]

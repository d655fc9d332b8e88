"""Server-chosen opaque identifiers and timestamps."""
from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta, timezone

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
# Pakistan Standard Time: UTC+05:00 all year (no daylight saving since 2009): gateways' expiry times,
# statement months and SMS quiet hours are all in it.
PAKISTAN_TIME = timezone(timedelta(hours=5), "PKT")


def new_id(prefix: str, length: int = 15) -> str:
    """`prefix` + random base32 characters; alphanumeric so it can travel as a gateway reference."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def utc_now() -> datetime:
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    """RFC 3339 UTC with microseconds, so stored values sort in time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_rfc3339(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)

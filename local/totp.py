"""RFC 6238 time-based one-time codes (30 s steps, 6 digits, HMAC-SHA1): what an authenticator app shows.

Dev-only: the local stack, the tests and the harness sign ops in with the second factor
the user pool demands, as a person with an authenticator app would.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time

STEP_SECONDS = 30
DIGITS = 6
# A code this close to the end of its step may expire in flight (Cognito checks the current step only).
_MARGIN_SECONDS = 3


def code(secret: str, *, at: float | None = None) -> str:
    """The code for `secret` (base32, as Cognito's AssociateSoftwareToken returns it) at `at` (default: now)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // STEP_SECONDS)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def fresh_code(secret: str) -> str:
    """A code that stays valid for a few seconds more: waits out the end of a step if needed."""
    left = STEP_SECONDS - time.time() % STEP_SECONDS
    if left < _MARGIN_SECONDS:
        time.sleep(left + 0.05)
    return code(secret)


def otpauth_uri(secret: str, *, account: str, issuer: str = "MadeInPakistan") -> str:
    """What an authenticator app scans or takes as a link."""
    return f"otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}"


if __name__ == "__main__":
    import sys

    print(code(sys.argv[1]))

"""The stack under load: `python -m local` started on free loopback ports (SEED=1), or a running one.

`start_stack(**contention(window_ms, units))` starts it with the emulator's contention mode on.

A running stack is named by `LOAD_API_URL` and `LOAD_AWS_URL` (its emulator, read
directly for the invariants); its gateway secrets by `LOAD_CARD_SECRET` and
`LOAD_JAZZCASH_SALT` (the local stack's defaults otherwise).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from local.child import StackProcess, launch

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 30
CARD_SECRET = "whsec_load"
JAZZCASH_SALT = "load-integrity-salt"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# MAX_OPEN_ORDERS / MAX_UNITS_PER_BUYER for a stack under load (see start_stack); a running stack named by
# LOAD_API_URL needs the same, or its shoppers' purchases past the limits are refused with LIMIT_REACHED.
BUYER_LIMITS = {"MAX_OPEN_ORDERS": "1000000", "MAX_UNITS_PER_BUYER": "1000000"}


@dataclass
class Target:
    api_url: str
    aws_url: str
    card_secret: str
    jazzcash_salt: str
    commission_bps: int
    child: StackProcess | None = None  # None: a stack someone else runs
    web_url: str | None = None  # the storefront's server, whose /sandbox/ gateways refunds go to

    def stop(self) -> int:
        if self.child is None:
            return 0
        code = self.child.stop(timeout=STOP_TIMEOUT_SECONDS)
        return -9 if code is None else code


def _loopback_only(url: str) -> str:
    host = urlparse(url).hostname or ""
    if host not in LOOPBACK:
        raise SystemExit(f"load goes to loopback only; refusing {url}")
    return url.rstrip("/")


def running_target() -> Target | None:
    api, aws = os.environ.get("LOAD_API_URL"), os.environ.get("LOAD_AWS_URL")
    if not api:
        return None
    if not aws:
        raise SystemExit("LOAD_API_URL needs LOAD_AWS_URL (the stack's emulator) for the invariant checks")
    return Target(api_url=_loopback_only(api), aws_url=_loopback_only(aws),
                  card_secret=os.environ.get("LOAD_CARD_SECRET", "whsec_local"),
                  jazzcash_salt=os.environ.get("LOAD_JAZZCASH_SALT", "local-integrity-salt"),
                  commission_bps=int(os.environ.get("LOAD_COMMISSION_BPS", "500")),
                  web_url=_loopback_only(os.environ["LOAD_WEB_URL"]) if os.environ.get("LOAD_WEB_URL") else None)


def contention(window_ms: float, units_per_second: float, burst_units: float | None = None) -> dict[str, str]:
    """The environment that turns the emulator's contention mode on (local/README.md, "Contention mode"); with
    `burst_units`, an idle item's bucket holds that many units (else 0.1 s of them)."""
    environment = {"EMULATOR_CONTENTION": "1", "EMULATOR_COMMIT_WINDOW_MS": f"{window_ms:g}",
                   "EMULATOR_ITEM_WRITE_UNITS_PER_SECOND": f"{units_per_second:g}"}
    if burst_units is not None and units_per_second > 0:
        environment["EMULATOR_ITEM_BURST_SECONDS"] = f"{burst_units / units_per_second:g}"
    return environment


def start_stack(**overrides: str) -> Target:
    """`python -m local` with the demo catalogue, on free ports; returns once it printed READY.

    `overrides` go into its environment after the defaults (the contention mode, SWEEP_SECONDS, ...).
    The buyer limits are set out of the way (BUYER_LIMITS): a few signed-in accounts stand for thousands of
    buyers here, each making many purchases, which the limits meant for one person would refuse.
    """
    settings = {"SEED": "1", "CARD_WEBHOOK_SECRET": CARD_SECRET, "JAZZCASH_INTEGRITY_SALT": JAZZCASH_SALT,
                "COMMISSION_BPS": "500", "RESERVATION_MINUTES": "30", "SWEEP_SECONDS": "5", **BUYER_LIMITS,
                **overrides}
    child = launch(**settings)
    target = Target(api_url=child.api_url, aws_url=child.aws_url, card_secret=CARD_SECRET,
                    jazzcash_salt=JAZZCASH_SALT, commission_bps=500, child=child, web_url=child.web_url)
    started = time.monotonic()
    if not child.wait_ready(READY_TIMEOUT_SECONDS):
        target.stop()
        tail = "\n".join(child.lines[-40:])
        raise SystemExit(f"the local stack did not start:\n{tail}")
    print(f"local stack ready in {time.monotonic() - started:.1f} s: API {target.api_url}, AWS {target.aws_url}")
    return target

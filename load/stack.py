"""The stack under load: `python -m local` started on free loopback ports (SEED=1), or a running one.

A running stack is named by `LOAD_API_URL` and `LOAD_AWS_URL` (its emulator, read
directly for the invariants); its gateway secrets by `LOAD_CARD_SECRET` and
`LOAD_JAZZCASH_SALT` (the local stack's defaults otherwise).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 30
CARD_SECRET = "whsec_load"
JAZZCASH_SALT = "load-integrity-salt"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Target:
    api_url: str
    aws_url: str
    card_secret: str
    jazzcash_salt: str
    commission_bps: int
    process: subprocess.Popen[str] | None = None
    lines: list[str] = field(default_factory=list)

    def stop(self) -> int:
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait()


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
                  commission_bps=int(os.environ.get("LOAD_COMMISSION_BPS", "500")))


def start_stack() -> Target:
    """`python -m local` with the demo catalogue, on free ports; returns once it printed READY."""
    ports = {"API_PORT": free_port(), "AWS_PORT": free_port(), "WEB_PORT": free_port()}
    env = {**os.environ, **{name: str(port) for name, port in ports.items()}, "SEED": "1",
           "PYTHONUNBUFFERED": "1", "CARD_WEBHOOK_SECRET": CARD_SECRET, "JAZZCASH_INTEGRITY_SALT": JAZZCASH_SALT,
           "COMMISSION_BPS": "500", "RESERVATION_MINUTES": "30", "SWEEP_SECONDS": "5"}
    process = subprocess.Popen([sys.executable, "-m", "local"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, encoding="utf-8", start_new_session=True)
    target = Target(api_url=f"http://127.0.0.1:{ports['API_PORT']}", aws_url=f"http://127.0.0.1:{ports['AWS_PORT']}",
                    card_secret=CARD_SECRET, jazzcash_salt=JAZZCASH_SALT, commission_bps=500, process=process)
    ready = threading.Event()

    def drain() -> None:  # always read, so a chatty stack never blocks on a full pipe
        assert process.stdout is not None
        for line in process.stdout:
            target.lines.append(line.rstrip("\n"))
            if line.strip() == "READY":
                ready.set()
        ready.set()

    threading.Thread(target=drain, name="stack-output", daemon=True).start()
    started = time.monotonic()
    ready.wait(READY_TIMEOUT_SECONDS)
    if "READY" not in (line.strip() for line in target.lines):
        target.stop()
        tail = "\n".join(target.lines[-40:])
        raise SystemExit(f"the local stack did not start:\n{tail}")
    print(f"local stack ready in {time.monotonic() - started:.1f} s: API {target.api_url}, AWS {target.aws_url}")
    return target

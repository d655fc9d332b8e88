"""`python -m local` as a child process, on free ports: what the e2e tests and `make load` start.

The child gets its own process group, so nothing it starts can outlive it
unseen, and its output is always read, so a chatty stack never blocks on a
full pipe.
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

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class StackProcess:
    process: subprocess.Popen[str]
    env: dict[str, str]
    lines: list[str] = field(default_factory=list)
    _ready: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.env['API_PORT']}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.env['WEB_PORT']}"

    @property
    def aws_url(self) -> str:
        return f"http://127.0.0.1:{self.env['AWS_PORT']}"

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_ready(self, timeout: float) -> bool:
        """True once the stack printed READY; False if it exited or `timeout` passed first."""
        self._ready.wait(timeout)
        return "READY" in (line.strip() for line in self.lines)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int | None:
        """Send `sig` and wait; the exit code, or None if it had to be killed after `timeout` s."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGUSR1)  # the stack prints every thread's stack
            time.sleep(1)
            self.kill()
            time.sleep(0.5)  # let the reader collect the dump
            return None

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.strip() == "READY":
                self._ready.set()
        self._ready.set()


def launch(**overrides: str) -> StackProcess:
    """Start `python -m local` on free ports with `overrides` in its environment (not yet ready)."""
    ports = {"API_PORT": free_port(), "AWS_PORT": free_port(), "WEB_PORT": free_port()}
    env = {**os.environ, **{name: str(port) for name, port in ports.items()}, "PYTHONUNBUFFERED": "1", **overrides}
    process = subprocess.Popen([sys.executable, "-m", "local"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, encoding="utf-8", start_new_session=True)
    child = StackProcess(process=process, env=env)
    threading.Thread(target=child._drain, name="stack-output", daemon=True).start()
    return child

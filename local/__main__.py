"""`python -m local` (what `make run` runs): the local stack until SIGINT or SIGTERM."""

from __future__ import annotations

import faulthandler
import logging
import os
import signal
import sys
import time
from types import FrameType

from local.stack import run


class StopSignal:
    """Records SIGINT/SIGTERM without taking any lock.

    A handler that set a threading.Event could deadlock: Python runs handlers
    in the main thread between bytecodes, possibly while that thread holds the
    very Event's lock inside Event.wait(). A plain attribute and a short poll
    cannot.
    """

    def __init__(self) -> None:
        self.received = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.received = True

    def wait(self) -> None:
        while not self.received:
            time.sleep(0.1)


def main() -> int:
    # Line-buffered even into a pipe: tests and scripts wait for the READY line.
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("botocore").setLevel(logging.WARNING)
    # `kill -USR1 <pid>` prints every thread's stack: how to see what a stuck stop waits for.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    stop = StopSignal()
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    run(os.environ, stop.wait)
    return 0


if __name__ == "__main__":
    sys.exit(main())

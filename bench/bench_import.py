"""Registry import: N generated rows through the local stack exactly as in production, and what 50,000 cost.

Starts the local stack in this process (`local.stack.run` in a thread: the emulator, the API,
the web server and the event pump) on free loopback ports, with the harness's request counter
installed first, so every AWS request that the API, the pump and the import worker make is
counted by service and operation. Ops create an import, the file (tools/registry_file.py) goes
up with the granted presigned POST, the emulator's S3 notifies the import queue, the pump hands
the message to `process_import_events` as Lambda would, and the bench polls the import's GET
until it is done; the counts must equal the generator's (else exit 1).

The worker's Cognito pace (chalicelib/onboarding/pace.py, 10 rows/s by design) is lifted for the
run (`--rate`, IMPORT_ROWS_PER_SECOND) to measure the stack's own throughput; the wall time at the
designed rate is printed beside it. Costs use bench/cost_model.py's prices, plus the two that only
an import needs (Cognito MAUs beyond 100,000 and the SMS to Pakistan), for 50,000 rows like these.

Run from the repository root: `PYTHONPATH=. .venv/bin/python bench/bench_import.py [--rows 2000]`.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import math
import os
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.cost_model import PRICES, item_size, lambda_memory_mb, write_units
from harness.counter import Request, RequestCounter
from tools.registry_file import generate

TARGET_ROWS = 50_000
UNPACED = 1_000_000.0  # rows/s: the token bucket never waits
READY_SECONDS = 120
POLL_SECONDS = 1.0
WELCOMES_WITHIN_SECONDS = 120  # after the import is done, for the notifier's welcome SMS (via the outbox)
WORKER_THREAD = "pump-process_import_events"
COGNITO = "cognito-identity-provider"  # botocore's service id for cognito-idp
# The event source mapping's own calls (Lambda polls SQS and deletes what the function took).
EVENT_SOURCE = {"ReceiveMessage", "DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibilityBatch"}
# Prices an import adds to cost_model's (USD). Cognito Lite: $0.0055/MAU for 10,001-100,000, $0.0046 above.
COGNITO_FREE_MAU = 10_000
COGNITO_MAU_ABOVE_100K = 0.0046
# AWS End User Messaging SMS to Pakistan, per message part: NOT verified (the stored sources hold no AWS
# price for Pakistan); override with --sms-usd after reading https://aws.amazon.com/end-user-messaging/pricing/.
SMS_PK_USD_PER_PART = 0.20
DDB_TABLE_SAMPLE = 200  # items per table read (uncounted) at the end to size the updates


@dataclass
class Tally:
    """What one component asked of AWS while counting was on."""

    operations: Counter[tuple[str, str]] = field(default_factory=Counter)
    seconds: defaultdict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    rru: float = 0.0
    wru: float = 0.0
    first: float = 0.0
    last: float = 0.0

    def count(self, service: str) -> int:
        return sum(n for (name, _), n in self.operations.items() if name == service)


class Meter:
    """Attributes each counted request to the worker, the event source mapping or the API, and prices DynamoDB."""

    def __init__(self) -> None:
        self.on = False
        self.lock = threading.Lock()
        self.tallies: dict[str, Tally] = defaultdict(Tally)
        self.updates: list[tuple[str, str, dict[str, Any], int]] = []  # (who, table, key, times 1 or 2)

    def __call__(self, request: Request) -> None:
        if not self.on:
            return
        thread = threading.current_thread().name
        if thread == WORKER_THREAD:
            who = "event source" if request.service == "sqs" and request.operation in EVENT_SOURCE else "worker"
        elif thread.startswith("pump-") or thread == "MainThread":
            return  # the image queue's and the sweep's pumps; the bench's own calls
        else:
            who = "api"
        now = time.monotonic()
        with self.lock:
            tally = self.tallies[who]
            tally.operations[(request.service, request.operation)] += 1
            tally.seconds[(request.service, request.operation)] += request.seconds
            tally.first = tally.first or now
            tally.last = now
            if request.service == "dynamodb":
                self._dynamodb(who, tally, request)

    def _dynamodb(self, who: str, tally: Tally, request: Request) -> None:
        params, response, operation = request.params, request.response, request.operation
        if operation == "GetItem":
            tally.rru += _read_units(item_size(response.get("Item", {})), bool(params.get("ConsistentRead")))
        elif operation == "Query":
            size = sum(item_size(item) for item in response.get("Items", []))
            tally.rru += _read_units(size, bool(params.get("ConsistentRead")))
        elif operation == "PutItem":
            tally.wru += write_units(item_size(params["Item"]))
        elif operation in ("UpdateItem", "DeleteItem"):
            self.updates.append((who, params["TableName"], params["Key"], 1))
        elif operation == "TransactWriteItems":
            for action in params["TransactItems"]:
                (kind, body), = action.items()
                if kind == "Put":
                    tally.wru += 2 * write_units(item_size(body["Item"]))
                elif kind == "ConditionCheck":
                    tally.wru += 2 * write_units(item_size(body["Key"]))
                else:
                    self.updates.append((who, body["TableName"], body["Key"], 2))

    def price_updates(self, dynamodb: Any) -> None:
        """Updates and deletes are billed on the item's size: sized from a sample per table, read now, uncounted."""
        units: dict[str, float] = {}
        for table in {table for _, table, _, _ in self.updates}:
            keys = {json.dumps(key, sort_keys=True) for _, name, key, _ in self.updates if name == table}
            sizes = []
            for key in [json.loads(text) for text in sorted(keys)[:DDB_TABLE_SAMPLE]]:
                item = dynamodb.get_item(TableName=table, Key=key).get("Item")
                sizes.append(write_units(max(item_size(item or {}), item_size(key))))
            units[table] = sum(sizes) / len(sizes)
        for who, table, _, times in self.updates:
            self.tallies[who].wru += times * units[table]


def _read_units(size: int, consistent: bool) -> float:
    return max(1, math.ceil(size / 4096)) * (1 if consistent else 0.5)


@dataclass
class Stack:
    thread: threading.Thread
    stop: threading.Event
    api_url: str
    lines: list[str]


def start_stack() -> Stack:
    """The local stack in this process, as `python -m local` runs it, on free ports and without demo data."""
    from local.child import free_port
    from local.stack import run

    ports = {"API_PORT": free_port(), "AWS_PORT": free_port(), "WEB_PORT": free_port()}
    environ = {**os.environ, **{name: str(port) for name, port in ports.items()}, "SEED": "0",
               "SWEEP_SECONDS": "3600"}
    stop, ready, lines = threading.Event(), threading.Event(), []

    def say(line: str) -> None:
        lines.append(line)
        if line == "READY":
            ready.set()

    thread = threading.Thread(target=run, args=(environ, stop.wait, say), name="stack", daemon=True)
    thread.start()
    if not ready.wait(READY_SECONDS):
        raise SystemExit("the local stack did not start")
    return Stack(thread, stop, f"http://127.0.0.1:{ports['API_PORT']}", lines)


def ops_token() -> str:
    import boto3

    from local.users import new_signed_in_user

    _, token, _ = new_signed_in_user(
        boto3.client("cognito-idp"), pool_id=os.environ["COGNITO_USER_POOL_ID"],
        client_id=os.environ["COGNITO_CLIENT_ID"], ops_client_id=os.environ["COGNITO_OPS_CLIENT_ID"],
        email=f"ops-bench-{uuid.uuid4().hex[:8]}@bench.mip.pk", password="bench-pass-2026", groups=("ops",))
    return str(token)


def sms_parts() -> tuple[int, int]:
    """(messages, parts) of every SMS the emulator's SNS took (this process's moto)."""
    from moto.sns.models import sns_backends

    from chalicelib.notifications.rules import sms_segments

    texts = [text for regions in sns_backends.values() for region, backend in regions.items() if region != "global"
             for _, text, *_ in backend.sms_messages.values()]
    return len(texts), sum(sms_segments(text) for text in texts)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000, help="rows in the generated registry file")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rate", type=float, default=UNPACED,
                        help="IMPORT_ROWS_PER_SECOND for this run (default: unpaced, the stack's own throughput)")
    parser.add_argument("--sms-usd", type=float, default=SMS_PK_USD_PER_PART,
                        help="USD per SMS part to Pakistan (unverified default; see the module's note)")
    return parser.parse_args()


def main() -> int:
    args = arguments()
    from chalicelib.onboarding.pace import ROWS_PER_SECOND

    os.environ["IMPORT_ROWS_PER_SECOND"] = repr(args.rate)
    meter = Meter()
    counter = RequestCounter(on_request=meter)
    counter.install()  # before the stack makes any client
    print(f"Generating {args.rows:,} rows (seed {args.seed}); the local stack runs in-process (its log is kept "
          "quiet and shown only on a failure)...", flush=True)
    registry = generate(args.rows, seed=args.seed)
    report: list[str] = []
    log = io.StringIO()
    ok = False
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            stack = start_stack()
            try:
                ok = measure(args, stack, meter, registry, ROWS_PER_SECOND, report.append)
            finally:
                stack.stop.set()
                stack.thread.join(60)
    finally:
        counter.uninstall()
        print("\n".join(report))
        if not ok:
            print("-- the stack's log (last 80 lines):\n" + "\n".join(log.getvalue().splitlines()[-80:]))
    return 0 if ok else 1


def measure(args: argparse.Namespace, stack: Stack, meter: Meter, registry: Any, designed_rate: float,
            out: Callable[[str], None]) -> bool:
    """Run the import, write the report with `out`; True when the counts are the generator's."""
    import boto3

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {ops_token()}"
    meter.on = True
    started = time.monotonic()
    created = session.post(f"{stack.api_url}/ops/artisan-imports", json={"size_bytes": len(registry.data)},
                           timeout=30)
    assert created.status_code == 201, created.text
    grant = created.json()
    posted = requests.post(grant["upload"]["url"], data=grant["upload"]["fields"],
                           files={"file": ("registry.csv", registry.data, "text/csv")}, timeout=120)
    assert posted.status_code == 204, posted.text
    uploaded = time.monotonic()
    polls = 0
    while True:
        polls += 1
        document = session.get(f"{stack.api_url}/ops/artisan-imports/{grant['import_id']}", timeout=30).json()
        if document["status"] in ("done", "failed"):
            break
        time.sleep(POLL_SECONDS)
    finished = time.monotonic()
    meter.on = False

    counts = {name: document[name] for name in ("created", "duplicates", "rejected")}
    report = requests.get(document["errors_url"], timeout=60) if document["errors_url"] else None
    report_rows = len(list(csv.DictReader(io.StringIO(report.content.decode())))) if report is not None else -1
    messages, parts = sms_parts()
    welcomed_by = time.monotonic() + WELCOMES_WITHIN_SECONDS
    while messages < registry.expected["created"] and time.monotonic() < welcomed_by:
        time.sleep(POLL_SECONDS)
        messages, parts = sms_parts()
    meter.price_updates(boto3.client("dynamodb"))
    worker, source, api = meter.tallies["worker"], meter.tallies["event source"], meter.tallies["api"]
    rows = args.rows
    ok = document["status"] == "done" and counts == registry.expected and \
        report_rows == registry.expected["duplicates"] + registry.expected["rejected"] and \
        messages == registry.expected["created"]

    worker_seconds = worker.last - worker.first
    out(f"\n== {rows:,} rows, IMPORT_ROWS_PER_SECOND={args.rate:g}: status {document['status']}, {counts} "
          f"(expected {registry.expected}), error report {report_rows} rows, {messages} welcome SMS "
          f"-> {'OK' if ok else 'MISMATCH'}")
    out(f"upload {uploaded - started:.1f} s; upload landed -> done {finished - uploaded:.1f} s "
          f"({rows / (finished - uploaded):.1f} rows/s end to end, {polls} polls); worker busy {worker_seconds:.1f} s "
          f"({rows / worker_seconds:.1f} rows/s)")

    out("\nThe worker's requests (the event source mapping's SQS calls apart): count, per row, ms each, "
          "share of the worker's time")
    for (service, operation), n in sorted(worker.operations.items()):
        spent = worker.seconds[(service, operation)]
        out(f"  {service:<27}{operation:<22}{n:>9,}{n / rows:>8.3f}{spent / n * 1000:>8.1f}"
              f"{spent / worker_seconds:>8.0%}")
    created_rows = registry.expected["created"]
    per_row = {"dynamodb": worker.count("dynamodb") / rows, "cognito": worker.count(COGNITO) / rows,
               "sns": worker.count("sns") / rows, "s3": worker.count("s3"), "sqs": worker.count("sqs"),
               "wru": worker.wru / rows, "rru": worker.rru / rows}
    out(f"  DynamoDB {per_row['dynamodb']:.2f} requests/row ({per_row['wru']:.2f} WRU incl. transactions x2, "
          f"{per_row['rru']:.2f} RRU); Cognito {per_row['cognito']:.2f}/row "
          f"({worker.count(COGNITO) / created_rows:.2f} per artisan created); SNS {per_row['sns']:.2f}/row; "
          f"S3 {per_row['s3']} requests in all (+1 POST upload, +1 report GET); "
          f"SQS {per_row['sqs']} by the worker, {source.count('sqs')} by the event source")
    out(f"  API: {sum(api.operations.values())} AWS requests for 1 create + {polls} GETs "
          f"({dict(Counter({op: n for (_, op), n in api.operations.items()}))})")

    # --- 50,000 rows like these, at the designed rate, priced ---------------------------------
    scale = TARGET_ROWS / rows
    creates = worker.operations[(COGNITO, "AdminCreateUser")] * scale
    paced_seconds = max(worker_seconds * scale, creates / designed_rate)
    memory_gb = lambda_memory_mb()["process_import_events"] / 1024
    invocations = math.ceil(paced_seconds / (900 - 60))  # 15-min function, 60 s reserve, one continuation each
    artisans = registry.expected["created"] * scale
    cost = {
        "DynamoDB writes": worker.wru * scale * PRICES["ddb_wru"],
        "DynamoDB reads": worker.rru * scale * PRICES["ddb_rru"],
        "Lambda GB-s": paced_seconds * memory_gb * PRICES["lambda_gb_s"] + invocations * PRICES["lambda_request"],
        "SQS": (1 + 3 * invocations) * PRICES["sqs_request"],
        "S3": (1 + 1 + 1) * PRICES["s3_put"] + (2 * invocations + 1) * PRICES["s3_get"],
        "SMS to Pakistan": parts / max(messages, 1) * artisans * args.sms_usd,
        "Cognito MAU (pool alone)": max(0.0, artisans - COGNITO_FREE_MAU) * PRICES["cognito_mau"],
    }
    above = artisans * COGNITO_MAU_ABOVE_100K
    out(f"\n== {TARGET_ROWS:,} rows like these ({artisans:,.0f} artisans created), at the designed "
          f"{designed_rate:g} rows/s: wall time {paced_seconds / 3600:.2f} h ({paced_seconds:,.0f} s; "
          f"{invocations} Lambda invocations of <= 15 min)")
    out(f"  SMS: {parts / max(messages, 1):.2f} parts per welcome (Urdu, UCS-2) at ${args.sms_usd} a part "
          "(UNVERIFIED price: check AWS End User Messaging pricing for Pakistan)")
    for name, usd in cost.items():
        out(f"  {name:<28}${usd:>10,.2f}")
    out(f"  {'total':<28}${sum(cost.values()):>10,.2f}")
    out(f"  (Cognito: the first {COGNITO_FREE_MAU:,} MAU free, ${PRICES['cognito_mau']}/MAU to 100,000; in a pool "
          f"already past 100,000 MAU these artisans add ${above:,.2f} at ${COGNITO_MAU_ABOVE_100K}/MAU)")
    return ok


if __name__ == "__main__":
    sys.exit(main())

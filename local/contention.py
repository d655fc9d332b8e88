"""Contention mode for the local emulator: hot items behave as they do on DynamoDB.

The emulator's lock (`local.emulator.SerialisedDynamoDb`) makes moto correct,
but also infinitely patient: every request to a hot item waits its turn and
succeeds. Real DynamoDB turns some of them away, and a flash sale must be
designed for that. With contention mode on, the emulator gives the answers
DynamoDB gives (the shapes of the API reference, which botocore and pynamodb
parse):

- **Transaction conflicts.** A committed `TransactWriteItems` holds every item it
  touched (Put, Update, Delete and ConditionCheck) for `window_ms`. Meanwhile another
  transaction touching one of them is cancelled (`TransactionCanceledException`,
  reason `TransactionConflict` at that position, `None` elsewhere), a `TransactGetItems`
  reading one is cancelled the same way, and a `PutItem`/`UpdateItem`/`DeleteItem` on
  one fails with `TransactionConflictException`.
  DynamoDB has no such window: its transactions hold items between their prepare
  and commit phases, before the caller has an answer. Here a transaction is answered
  at once and its writes stay "in flight" for the window after, so even callers that
  wait for each other conflict, and one item takes at most one transaction per window
  (100 a second at 10 ms). That is the pessimistic side, on purpose: a design that
  sells well under it sells at least as well on AWS.
- **Per-item write throughput.** A token bucket per item refills `units_per_second`
  write units a second and holds `burst_seconds` of them (DynamoDB keeps up to 300 s
  of unused capacity for bursts; 0.1 s unless told). A single-item write costs
  one unit per started KB of the larger of the stored item and the written one; a
  transactional write costs twice that per written item (a ConditionCheck costs no
  write unit). Over the cap a single-item write fails with `ThrottlingException` (what
  an on-demand table answers for a hot key, reason `TableWriteKeyRangeThroughputExceeded`)
  and a transaction is cancelled with reason `ThrottlingError` at the throttled positions.
  Reads are not limited.

A request turned away here never reaches moto, so it changes nothing and costs no
units; a request let through pays its units whatever moto answers (DynamoDB charges
failed conditional writes too). The model is not thread-safe by itself: the
emulator calls it under its DynamoDB lock.
"""

from __future__ import annotations

import base64
import json
import math
import time
import uuid
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

AttributeMap = Mapping[str, Any]  # DynamoDB JSON: {"name": {"S": "value"}, ...}
ItemKey = tuple[tuple[str, str, str], ...]  # (attribute, type, canonical value), sorted
ItemRef = tuple[str, ItemKey]  # (table ARN, key): unique across accounts and regions

ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"
CONFLICT_MESSAGE = "Transaction is ongoing for the item"
# What an on-demand table answers for a hot key (API reference, TransactWriteItems: ThrottlingError).
THROTTLE_MESSAGE = (
    "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling "
    "your table or index so please try again shortly. If exceptions persist, check if you have a hot key: "
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html"
)
THROTTLE_REASON = "TableWriteKeyRangeThroughputExceeded"
CANCELLED_MESSAGE = "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]"

SINGLE_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem"})
TRANSACT_WRITE = "TransactWriteItems"
TRANSACT_GET = "TransactGetItems"
OPERATIONS = SINGLE_WRITES | {TRANSACT_WRITE, TRANSACT_GET}


@dataclass(frozen=True)
class Contention:
    """The settings of contention mode (None where the emulator is built means: off)."""

    window_ms: float = 10.0  # 0: no transaction holds its items
    units_per_second: float = 1000.0  # per item; 0: no cap
    burst_seconds: float = 0.1  # the bucket holds this many seconds of units

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Contention | None:
        """`EMULATOR_CONTENTION=1` turns the mode on; the other variables tune it."""
        if environ.get("EMULATOR_CONTENTION", "0") != "1":
            return None
        return cls(
            window_ms=float(environ.get("EMULATOR_COMMIT_WINDOW_MS", "10")),
            units_per_second=float(environ.get("EMULATOR_ITEM_WRITE_UNITS_PER_SECOND", "1000")),
            burst_seconds=float(environ.get("EMULATOR_ITEM_BURST_SECONDS", "0.1")),
        )

    def __post_init__(self) -> None:
        if self.window_ms < 0 or self.units_per_second < 0 or self.burst_seconds <= 0:
            raise ValueError(f"contention settings out of range: {self}")


@dataclass(frozen=True)
class TableSchema:
    name: str
    arn: str
    hash_key: str
    range_key: str | None

    def key_of(self, item: AttributeMap) -> AttributeMap | None:
        names = (self.hash_key,) if self.range_key is None else (self.hash_key, self.range_key)
        if not all(name in item for name in names):
            return None
        return {name: item[name] for name in names}


class Tables(Protocol):
    """What the model needs to know of the emulator's tables (for one request's account and region)."""

    def schema(self, table_name: str) -> TableSchema | None: ...

    def stored_item(self, table: TableSchema, key: AttributeMap) -> AttributeMap | None: ...


@dataclass(frozen=True)
class Rejection:
    """An error answer, given instead of moto's."""

    code: str
    body: bytes

    @property
    def headers(self) -> list[tuple[str, str]]:
        return [
            ("Content-Type", "application/x-amz-json-1.0"),
            ("Content-Length", str(len(self.body))),
            ("x-amzn-RequestId", uuid.uuid4().hex),
            ("x-amz-crc32", str(zlib.crc32(self.body))),
        ]


@dataclass(frozen=True)
class Admission:
    """The model's decision: turn the request away, or pass it on (and hold `holds` if it commits)."""

    rejection: Rejection | None = None
    holds: tuple[ItemRef, ...] = ()


PASS = Admission()


@dataclass(frozen=True)
class _Action:
    item: ItemRef  # (table ARN, key)
    units: int  # write units this action costs


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class ContentionModel:
    """Commit windows and token buckets, per item. Call it under one lock."""

    settings: Contention
    clock: Callable[[], float] = time.monotonic
    _held_until: dict[ItemRef, float] = field(default_factory=dict, init=False, repr=False)
    _buckets: dict[ItemRef, _Bucket] = field(default_factory=dict, init=False, repr=False)

    def admit(self, operation: str, request: Any, tables: Tables) -> Admission:
        """Decide before moto sees the request; anything the model cannot read goes to moto as it is."""
        if operation not in OPERATIONS or not isinstance(request, dict):
            return PASS
        actions = _actions(operation, request, tables, charge=self._capacity > 0)
        if actions is None:
            return PASS
        now = self.clock()
        conflicts = [self._held_until.get(action.item, -math.inf) > now for action in actions]
        if any(conflicts):
            if operation in SINGLE_WRITES:
                return Admission(_error("TransactionConflictException", message=CONFLICT_MESSAGE))
            return Admission(_cancelled([("TransactionConflict", CONFLICT_MESSAGE) if c else None for c in conflicts]))
        throttled = self._take(actions, now)
        if any(throttled):
            if operation in SINGLE_WRITES:
                reasons = [{"reason": THROTTLE_REASON, "resource": actions[0].item[0]}]
                return Admission(_error("ThrottlingException", message=THROTTLE_MESSAGE, throttlingReasons=reasons))
            return Admission(_cancelled([("ThrottlingError", THROTTLE_MESSAGE) if t else None for t in throttled]))
        if operation != TRANSACT_WRITE or self.settings.window_ms <= 0:
            return PASS
        return Admission(holds=tuple(action.item for action in actions))

    def committed(self, admission: Admission) -> None:
        """moto committed the admitted request: its items stay held for the window from now."""
        if not admission.holds:
            return
        now = self.clock()
        for item in [item for item, until in self._held_until.items() if until <= now]:
            del self._held_until[item]
        until = now + self.settings.window_ms / 1000
        for item in admission.holds:
            self._held_until[item] = until

    @property
    def _capacity(self) -> float:
        return self.settings.units_per_second * self.settings.burst_seconds

    def _take(self, actions: Sequence[_Action], now: float) -> list[bool]:
        """Take every action's units, or none: the list says which items were short."""
        if self._capacity <= 0:
            return [False] * len(actions)
        units: dict[ItemRef, int] = {}
        for action in actions:
            units[action.item] = units.get(action.item, 0) + action.units
        short = {
            item
            for item, need in units.items()
            # A request bigger than the bucket goes through on a full one and leaves it in debt.
            if need and self._bucket(item, now).tokens < min(need, self._capacity)
        }
        if short:
            return [action.units > 0 and action.item in short for action in actions]
        for item, need in units.items():
            if need:
                self._bucket(item, now).tokens -= need
        return [False] * len(actions)

    def _bucket(self, item: ItemRef, now: float) -> _Bucket:
        bucket = self._buckets.get(item)
        if bucket is None:
            if len(self._buckets) >= 10_000:
                self._forget_full_buckets(now)
            bucket = self._buckets[item] = _Bucket(tokens=self._capacity, updated=now)
        refill = (now - bucket.updated) * self.settings.units_per_second
        bucket.tokens = min(self._capacity, bucket.tokens + refill)
        bucket.updated = now
        return bucket

    def _forget_full_buckets(self, now: float) -> None:
        rate = self.settings.units_per_second
        for item in [i for i, b in self._buckets.items() if b.tokens + (now - b.updated) * rate >= self._capacity]:
            del self._buckets[item]


# --- Reading requests -------------------------------------------------------


def _actions(operation: str, request: dict[str, Any], tables: Tables, *, charge: bool) -> list[_Action] | None:
    """One action per item the request touches, or None if any of it cannot be read (moto will answer)."""
    if operation in SINGLE_WRITES:
        entries = [(operation, request)]
    else:
        entries = []
        for entry in request.get("TransactItems") or []:
            if not isinstance(entry, dict) or len(entry) != 1:
                return None
            entries.append(next(iter(entry.items())))
    actions = []
    for kind, body in entries:
        action = _action(kind, body, tables, transactional=operation != kind, charge=charge)
        if action is None:
            return None
        actions.append(action)
    return actions or None


def _action(kind: str, body: Any, tables: Tables, *, transactional: bool, charge: bool) -> _Action | None:
    if not isinstance(body, dict) or not isinstance(body.get("TableName"), str):
        return None
    table = tables.schema(body["TableName"])
    if table is None:
        return None
    written = body.get("Item") if kind in ("Put", "PutItem") else None
    source = written if written is not None else body.get("Key")
    if not isinstance(source, dict):
        return None
    key = table.key_of(source)
    item_key = _canonical(key) if key is not None else None
    if key is None or item_key is None:
        return None
    units = 0
    if charge and kind not in ("ConditionCheck", "Get"):
        stored = tables.stored_item(table, key)
        size = max(item_size(stored or {}), item_size(written or {}))
        units = max(1, math.ceil(size / 1024)) * (2 if transactional else 1)
    return _Action(item=(table.arn, item_key), units=units)


def _canonical(key: AttributeMap) -> ItemKey | None:
    parts = []
    for name, value in sorted(key.items()):
        if not isinstance(value, dict) or len(value) != 1:
            return None
        kind, raw = next(iter(value.items()))
        if kind == "N":
            try:
                raw = str(Decimal(raw).normalize())  # 10, 10.0 and 1E+1 are one key
            except (InvalidOperation, TypeError):
                return None
        parts.append((name, kind, str(raw)))
    return tuple(parts)


def item_size(item: AttributeMap) -> int:
    """An item's size as DynamoDB counts it: attribute names plus values ("Item sizes and formats")."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: Any) -> int:
    if not isinstance(value, dict) or len(value) != 1:
        return 0
    kind, raw = next(iter(value.items()))
    if kind == "S":
        return len(str(raw).encode())
    if kind == "N":
        return _number_size(str(raw))
    if kind == "B":
        return _binary_size(raw)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(v).encode()) for v in raw)
    if kind == "NS":
        return sum(_number_size(str(v)) for v in raw)
    if kind == "BS":
        return sum(_binary_size(v) for v in raw)
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in raw)
    if kind == "M":
        return 3 + sum(1 + len(str(k).encode()) + _value_size(v) for k, v in raw.items())
    return 0


def _number_size(raw: str) -> int:
    digits = raw.lstrip("+-").replace(".", "").split("e")[0].split("E")[0].strip("0")
    return 1 + math.ceil(len(digits) / 2)


def _binary_size(raw: Any) -> int:
    try:
        return len(base64.b64decode(raw))
    except (ValueError, TypeError):
        return len(str(raw))


# --- Answers ----------------------------------------------------------------


def _error(code: str, **members: Any) -> Rejection:
    return Rejection(code, json.dumps({"__type": ERROR_PREFIX + code, **members}).encode())


def _cancelled(reasons: Sequence[tuple[str, str] | None]) -> Rejection:
    """TransactionCanceledException: one reason per action, in request order ("None" where nothing failed)."""
    message = CANCELLED_MESSAGE.format(", ".join(reason[0] if reason else "None" for reason in reasons))
    cancellation = [{"Code": r[0], "Message": r[1]} if r else {"Code": "None"} for r in reasons]
    return _error("TransactionCanceledException", Message=message, CancellationReasons=cancellation)

"""The emulator's DynamoDB transactions at a cost that does not grow with the tables.

moto 5.2.5's `transact_write_items` backs up every table a transaction touches with
`copy.deepcopy(table)` before it starts, to roll back on a cancellation: each transaction
costs time in proportion to the whole tables, not to its few items. Measured here with a
registry import (bench/bench_import.py): 21 ms a transaction with a few hundred items in the
tables, and it grows with every artisan created, so 50,000 rows would take hours locally.

`install()` keeps moto's own transaction logic (conditions, cancellation reasons, the
rollback) and backs up only the items the transaction names: the table copy becomes a
no-op, and on any failure each named item is put back as it was (or deleted if it did not
exist). The emulator serialises DynamoDB requests (`SerialisedDynamoDb`), so nothing sees
the items between the failed writes and their restoration, as with moto's own rollback.
Local only, like the rest of `local/`.
"""

from __future__ import annotations

import copy
import functools
import types
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.core.exceptions import JsonRESTError
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table

_ORIGINAL = DynamoDBBackend.transact_write_items


def _deepcopy_but_tables(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """moto's module-level `copy.deepcopy`, except that a whole table is not copied (see `install`)."""
    return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _key(backend: DynamoDBBackend, kind: str, action: dict[str, Any]) -> dict[str, Any] | None:
    table = backend.tables.get(action.get("TableName", ""))
    if table is None:
        return None
    if kind != "Put":
        key: dict[str, Any] | None = action.get("Key")
        return key
    item = action.get("Item", {})
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return {name: item[name] for name in names if name in item} if table.hash_key_attr in item else None


@functools.wraps(_ORIGINAL)
def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    saved: list[tuple[str, dict[str, Any], Item | None]] = []
    for entry in transact_items:
        for kind, action in entry.items():
            key = _key(self, kind, action)
            if key is None:
                continue
            try:
                current = self.get_item(action["TableName"], key)
            except JsonRESTError:  # no such table or a malformed key: moto's own checks refuse the transaction
                continue
            saved.append((action["TableName"], key, copy.deepcopy(current)))
    try:
        _ORIGINAL(self, transact_items)
    except BaseException:
        for table_name, key, item in reversed(saved):
            if item is None:
                self.delete_item(table_name, key)
            else:
                self.put_item(table_name, item.to_json()["Attributes"])
        raise


def install() -> None:
    """Patch this process's moto (idempotent)."""
    if DynamoDBBackend.transact_write_items is _transact_write_items:
        return
    dynamodb_models.copy = types.SimpleNamespace(deepcopy=_deepcopy_but_tables)  # type: ignore[assignment]
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]

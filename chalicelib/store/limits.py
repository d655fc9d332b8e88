"""Buyer limits: what each buyer holds in open orders, counted inside the transactions that move orders.

An order is "open" while it is `pending_payment`, or `confirmed` and nothing of it shipped. Placing one
adds, in the same transaction as the order and its reservations, 1 to the buyer's "open" counter under
`held < max_open_orders` and each line's quantity to its "units#<listing_id>" counter (a variant's line:
"units#<listing_id>#<variant_id>", so the limit is per variant, as API.md "Fair stock" says) under
`held + quantity <= max_units_per_buyer`; two orders racing at the limit cannot both pass, whatever the
path (cold transaction or hot `begin`). The change that takes an order out of "open" takes its counts back
in its own transaction, which is conditional on the order's revision, so exactly once
(`store.orders.commit_change`, and `store.hot.abandon` for an order that never became real).
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from .records import BuyerLimits, StockKey
from .tables import BuyerLimitItem
from .transactions import Transaction

OPEN_STATUSES = frozenset({"pending_payment", "confirmed"})
OPEN_COUNTER = "open"
_TAG = "limit"


class LimitError(Exception):
    """A placement would pass a limit: `open_orders` if the open-order count, `keys` whose units (stock keys)."""

    def __init__(self, *, open_orders: bool, keys: list[StockKey]) -> None:
        super().__init__(f"open_orders={open_orders} keys={keys}")
        self.open_orders = open_orders
        self.keys = keys


@dataclass(frozen=True)
class Held:
    """What a buyer holds now: open orders and units of each listing (variant) asked about."""

    open_orders: int
    units: dict[StockKey, int]


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


def _units_counter(key: StockKey) -> str:
    listing_id, variant_id = key
    return f"units#{listing_id}" if variant_id is None else f"units#{listing_id}#{variant_id}"


def count_in(transaction: Transaction, buyer_id: str, units: Iterable[tuple[StockKey, int]],
             limits: BuyerLimits) -> None:
    """Add one open order and its units to the buyer's counters, each only within its limit."""
    transaction.update(BuyerLimitItem(buyer_id, OPEN_COUNTER), [BuyerLimitItem.held.add(1)],
                       condition=BuyerLimitItem.held.does_not_exist() | (BuyerLimitItem.held < limits.max_open_orders),
                       tag=(_TAG, OPEN_COUNTER))
    for key, quantity in units:
        room = limits.max_units_per_buyer - quantity
        transaction.update(BuyerLimitItem(buyer_id, _units_counter(key)), [BuyerLimitItem.held.add(quantity)],
                           condition=BuyerLimitItem.held.does_not_exist() | (BuyerLimitItem.held <= room),
                           tag=(_TAG, key))


def count_out(transaction: Transaction, buyer_id: str, units: Iterable[tuple[StockKey, int]]) -> None:
    """Take back what `count_in` added (the caller's transaction guarantees it runs once per order)."""
    transaction.update(BuyerLimitItem(buyer_id, OPEN_COUNTER), [BuyerLimitItem.held.add(-1)])
    for key, quantity in units:
        transaction.update(BuyerLimitItem(buyer_id, _units_counter(key)), [BuyerLimitItem.held.add(-quantity)])


def raise_for(failed: list[Hashable]) -> None:
    """LimitError if any of the failed tags is a limit's."""
    limited = [tag[1] for tag in failed if isinstance(tag, tuple) and tag[0] == _TAG]
    if limited:
        raise LimitError(open_orders=OPEN_COUNTER in limited,
                         keys=[tag for tag in limited if tag != OPEN_COUNTER])


def held(buyer_id: str, keys: list[StockKey]) -> Held:
    """The buyer's counters now (one BatchGetItem), to tell a refused buyer where they stand."""
    rows = [(buyer_id, OPEN_COUNTER)] + [(buyer_id, _units_counter(key)) for key in keys]
    found = {row.counter: int(row.held) for row in BuyerLimitItem.batch_get(rows, consistent_read=True)}
    return Held(open_orders=found.get(OPEN_COUNTER, 0),
                units={key: found.get(_units_counter(key), 0) for key in keys})

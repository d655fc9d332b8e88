"""Applying verified card dispute events, each exactly once however often and in whatever order they come.

The card webhook (payments/service.py) hands every `charge.dispute.*` event here.
The order change, its once-records and the ledger entries are one transaction
(store.orders.commit_change), conditional on the order revision that was read.
"""
from __future__ import annotations

import logging
from typing import Any

from ..ids import rfc3339, utc_now
from ..optimistic import read_decide_write
from ..orders.rules import payout_credits
from ..store import orders as store
from ..store.records import Order
from ..wiring import get_settings
from . import events, rules

logger = logging.getLogger(__name__)


def apply_card_dispute(event: dict[str, Any]) -> str:
    """Apply a verified `charge.dispute.created` / `charge.dispute.closed` event; returns what happened."""
    dispute = events.parse(event)
    bps = get_settings().commission_bps

    def write(order: Order | None, _: None) -> str:
        if order is None:
            logger.warning("dispute event for an unknown order", extra={"event_id": dispute.event_id})
            return "unknown_order"
        now = rfc3339(utc_now())
        change, outcome = rules.apply(order, dispute, credits=payout_credits(order, bps), now=now)
        if change is None:
            return outcome
        try:
            store.commit_change(change, now=now)
        except store.DuplicateRecordError:
            return "duplicate"
        return outcome

    return read_decide_write(lambda: store.get_order(dispute.order_id), lambda _: None, write, what="order")

"""A card gateway's dispute event (Stripe's `charge.dispute.created` / `charge.dispute.closed`) as plain facts.

Stripe's dispute object names the payment intent it disputes; ours are
`pi_<order id>_<attempt>` (payments/card.py), so the order is found from it
without a lookup. `metadata.order_id`, when present, must agree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from ..payments.gateway import MalformedCallbackError

Kind = Literal["created", "closed"]
KINDS: dict[str, Kind] = {"charge.dispute.created": "created", "charge.dispute.closed": "closed"}
# How a closed dispute ended: the merchant kept the money (won, or an inquiry closed without a chargeback) or not.
KEPT = frozenset({"won", "warning_closed"})
LOST = frozenset({"lost"})
_INTENT = re.compile(r"^pi_([0-9A-Z]{1,40})_[0-9]{1,3}$")


@dataclass(frozen=True)
class DisputeEvent:
    event_id: str
    kind: Kind
    dispute_id: str
    order_id: str
    status: str
    amount: int
    currency: str
    reason: str | None

    @property
    def won(self) -> bool:
        return self.kind == "closed" and self.status in KEPT


def parse(event: dict[str, Any]) -> DisputeEvent:
    """The facts of a verified dispute event; MalformedCallbackError (a 400) if any is missing or wrong."""
    kind = KINDS.get(str(event.get("type")))
    if kind is None:
        raise MalformedCallbackError("not a dispute event")
    data = event.get("data")
    dispute = data.get("object") if isinstance(data, dict) else None
    if not isinstance(dispute, dict):
        raise MalformedCallbackError("data.object is missing")
    dispute_id = _string(dispute, "id")
    intent = _INTENT.match(_string(dispute, "payment_intent"))
    if intent is None:
        raise MalformedCallbackError("data.object.payment_intent is not one of ours")
    metadata = dispute.get("metadata")
    if isinstance(metadata, dict) and metadata.get("order_id") not in (None, intent.group(1)):
        raise MalformedCallbackError("data.object.metadata.order_id disagrees with the payment intent")
    status = _string(dispute, "status")
    if kind == "closed" and status not in KEPT | LOST:
        raise MalformedCallbackError("a closed dispute's status must be won, warning_closed or lost")
    amount = dispute.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise MalformedCallbackError("data.object.amount must be a whole number of minor units")
    currency = _string(dispute, "currency")
    if not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
        raise MalformedCallbackError("data.object.currency must be an ISO 4217 code")
    reason = dispute.get("reason")
    return DisputeEvent(event_id=_string(event, "id"), kind=kind, dispute_id=dispute_id, order_id=intent.group(1),
                        status=status, amount=amount, currency=currency.upper(),
                        reason=reason[:100] if isinstance(reason, str) else None)


def _string(container: dict[str, Any], name: str) -> str:
    value = container.get(name)
    if not isinstance(value, str) or not value or len(value) > 255:
        raise MalformedCallbackError(f"{name} is missing")
    return value

"""What every payment gateway module produces: one normalized, verified event.

Each gateway module (jazzcash, card, and later Easypaisa or a bank) checks its own
signature and parses its own format, then hands the orders service a PaymentEvent.
The orders service applies it exactly once, keyed on (provider, event_id), and never
needs to know which gateway it came from. Gateways take differently shaped inputs
(a form, a raw body and a header), so there is no shared call signature to enforce;
the shared part is this event and these two errors.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Outcome = Literal["succeeded", "failed", "pending", "ignored"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)


class SignatureError(Exception):
    """The callback is not provably from the gateway (bad, missing or stale signature): HTTP 401."""


class MalformedCallbackError(Exception):
    """The callback is signed but its content cannot be understood: HTTP 400."""


@dataclass(frozen=True)
class PaymentEvent:
    """A verified gateway callback.

    `outcome` "ignored" is a verified callback about something that changes no order
    (an event type we do not act on); its order_ref, amount and currency may be empty.
    `amount` is in minor units of `currency` (upper-case ISO 4217).
    """

    provider: str
    event_id: str
    order_ref: str
    outcome: Outcome
    amount: int
    currency: str
    error: str | None = None
    # The gateway's own reference of the payment (card: the payment intent; JazzCash: the txn ref),
    # which a refund names later.
    payment_ref: str | None = None

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown payment outcome {self.outcome!r}")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise TypeError("amount must be an integer number of minor units")
        if self.currency != self.currency.upper():
            raise ValueError("currency must be upper-case ISO 4217")


@dataclass(frozen=True)
class RefundAnswer:
    """What a gateway says about one of our refunds (named by our `refund_id`).

    `status` "unknown": the gateway has no such refund (an inquiry), so calling it again is safe.
    """

    refund_id: str
    status: Literal["succeeded", "failed", "pending", "unknown"]
    gateway_ref: str | None = None
    failure: str | None = None

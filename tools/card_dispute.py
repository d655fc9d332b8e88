"""Open or close a card dispute on the local stack, as the card gateway would: a signed Stripe-format event.

    .venv/bin/python -m tools.card_dispute open O123... --amount 535000
    .venv/bin/python -m tools.card_dispute won O123...  --amount 535000   (or: lost, warning_closed)

It posts `charge.dispute.created` / `charge.dispute.closed` to the API's card webhook, signed with
CARD_WEBHOOK_SECRET (the local stack's default unless set), for the order's payment intent
(`pi_<order id>_<attempt>`, the first attempt unless --attempt). The dispute id defaults to one per order,
so `open` then `won` are the two ends of the same dispute.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.request
import uuid

from chalicelib.payments.card import sign_webhook

OUTCOMES = ("open", "won", "lost", "warning_closed")


def dispute_event(order_id: str, outcome: str, *, amount: int, currency: str, attempt: int = 1,
                  dispute_id: str, event_id: str | None = None) -> bytes:
    """The event body: the dispute of the order's payment intent, opened or closed with `outcome`."""
    dispute = {"id": dispute_id, "object": "dispute", "amount": amount, "currency": currency.lower(),
               "payment_intent": f"pi_{order_id}_{attempt}", "reason": "product_not_received",
               "status": "needs_response" if outcome == "open" else outcome, "metadata": {}}
    event = {"id": event_id or f"evt_{uuid.uuid4().hex}", "object": "event",
             "type": "charge.dispute.created" if outcome == "open" else "charge.dispute.closed",
             "data": {"object": dispute}}
    return json.dumps(event).encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outcome", choices=OUTCOMES)
    parser.add_argument("order_id")
    parser.add_argument("--amount", type=int, required=True, help="disputed amount, minor units of the charge")
    parser.add_argument("--currency", default="PKR")
    parser.add_argument("--attempt", type=int, default=1, help="the payment attempt that was paid")
    parser.add_argument("--dispute-id", help="default: dp_<order id>")
    parser.add_argument("--api", default=f"http://127.0.0.1:{os.environ.get('API_PORT', '8000')}")
    args = parser.parse_args(argv)
    body = dispute_event(args.order_id, args.outcome, amount=args.amount, currency=args.currency,
                         attempt=args.attempt, dispute_id=args.dispute_id or f"dp_{args.order_id}")
    secret = os.environ.get("CARD_WEBHOOK_SECRET", "whsec_local")
    request = urllib.request.Request(f"{args.api}/payments/card/webhook", data=body, method="POST", headers={
        "Content-Type": "application/json", "Stripe-Signature": sign_webhook(body, secret=secret,
                                                                              timestamp=int(time.time()))})
    with urllib.request.urlopen(request, timeout=30) as response:
        print(response.status, response.read().decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())

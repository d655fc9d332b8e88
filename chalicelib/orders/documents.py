"""Orders as the contract shows them (the response schemas in `schemas.py` check the shape)."""
from __future__ import annotations

from typing import Any

from ..money import money
from ..store.records import ArtisanOrder, Order

ADDRESS_VISIBLE = frozenset({"paid", "confirmed", "partially_shipped", "shipped", "delivered"})


def line_document(line: dict[str, Any]) -> dict[str, Any]:
    return {
        "listing_id": line["listing_id"],
        "variant_id": line.get("variant_id"),
        "options": line.get("options"),
        "artisan_id": line["artisan_id"],
        "title": line["title"],
        "quantity": line["quantity"],
        "unit_price": money(line["unit_price"], "PKR"),
        "line_total": money(line["line_total"], "PKR"),
        "fulfilment": line["fulfilment"],
        "carrier": line.get("carrier"),
        "tracking_number": line.get("tracking_number"),
        "refunded": int(line.get("refunded", 0)),
    }


def order_document(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "buyer_id": order.buyer_id,
        "status": order.status,
        "items": [line_document(line) for line in order.lines],
        "subtotal": money(order.subtotal, "PKR"),
        "shipping": money(order.shipping, "PKR"),
        "total": money(order.total, "PKR"),
        "charge": {"amount": order.charge_amount, "currency": order.charge_currency, "fx_rate": order.fx_rate},
        "payment_method": order.payment_method,
        "shipping_address": order.shipping_address,
        "expires_at": order.expires_at,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "paid_at": order.paid_at,
        "needs_review": order.needs_review,
        "review_reason": order.review_reason,
        "last_payment_error": order.last_payment_error,
        "cancelled_by": order.cancelled_by,
        "cancel_reason": order.cancel_reason,
        "delivered_at": order.delivered_at,
        "disputed": order.disputed,
        "dispute": dispute_document(order.dispute),
        "returns": [dict(entry) for entry in order.returns],
        "refunds": [{"refund_id": entry["refund_id"], "amount": money(int(entry["amount"]), entry["currency"]),
                     "status": entry["status"], "created_at": entry["created_at"]} for entry in order.refunds],
        "refunded_amount": money(order.refunded_amount, order.charge_currency),
    }


def dispute_document(dispute: dict[str, Any] | None) -> dict[str, Any] | None:
    """A card dispute as buyers and ops see it (what it holds from each artisan stays in the ledgers)."""
    if dispute is None:
        return None
    return {name: dispute.get(name) for name in ("dispute_id", "status", "amount", "currency", "reason", "opened_at",
                                                 "closed_at")}


def artisan_order_document(copy: ArtisanOrder) -> dict[str, Any]:
    document: dict[str, Any] = {"order_id": copy.order_id, "status": copy.status, "created_at": copy.created_at,
                            "items": [line_document(line) for line in copy.lines]}
    if copy.status in ADDRESS_VISIBLE:
        document["shipping_address"] = copy.shipping_address
    return document

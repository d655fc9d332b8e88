"""Orders as the contract shows them (the response schemas in `schemas.py` check the shape)."""
from __future__ import annotations

from typing import Any

from ..money import money
from ..store.records import ArtisanOrder, Order

ADDRESS_VISIBLE = frozenset({"paid", "confirmed", "partially_shipped", "shipped", "delivered"})


def line_document(line: dict[str, Any]) -> dict[str, Any]:
    return {
        "listing_id": line["listing_id"],
        "artisan_id": line["artisan_id"],
        "title": line["title"],
        "quantity": line["quantity"],
        "unit_price": money(line["unit_price"], "PKR"),
        "line_total": money(line["line_total"], "PKR"),
        "fulfilment": line["fulfilment"],
        "carrier": line.get("carrier"),
        "tracking_number": line.get("tracking_number"),
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
        "last_payment_error": order.last_payment_error,
    }


def artisan_order_document(copy: ArtisanOrder) -> dict[str, Any]:
    document: dict[str, Any] = {"order_id": copy.order_id, "status": copy.status, "created_at": copy.created_at,
                            "items": [line_document(line) for line in copy.lines]}
    if copy.status in ADDRESS_VISIBLE:
        document["shipping_address"] = copy.shipping_address
    return document

"""Shaping stored orders into the contract's documents."""
from __future__ import annotations

from typing import Any

from .money import money

ADDRESS_VISIBLE = frozenset({"paid", "confirmed", "partially_shipped", "shipped", "delivered"})


def line_view(line: dict[str, Any]) -> dict[str, Any]:
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


def order_view(order: Any) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "buyer_id": order.buyer_id,
        "status": order.status,
        "items": [line_view(line) for line in order.lines],
        "subtotal": money(int(order.subtotal), "PKR"),
        "shipping": money(int(order.shipping), "PKR"),
        "total": money(int(order.total), "PKR"),
        "charge": {"amount": int(order.charge_amount), "currency": order.charge_currency, "fx_rate": order.fx_rate},
        "payment_method": order.payment_method,
        "shipping_address": order.shipping_address,
        "expires_at": order.expires_at,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "paid_at": order.paid_at,
        "needs_review": bool(order.needs_review),
        "last_payment_error": order.last_payment_error,
    }


def artisan_order_view(copy: Any) -> dict[str, Any]:
    view: dict[str, Any] = {"order_id": copy.order_id, "status": copy.status, "created_at": copy.created_at,
                            "items": [line_view(line) for line in copy.lines]}
    if copy.status in ADDRESS_VISIBLE:
        view["shipping_address"] = copy.shipping_address
    return view

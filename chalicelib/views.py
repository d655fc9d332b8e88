"""Shaping stored items into the contract's response documents."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .config import get_settings
from .money import convert, money

ARTISAN_PUBLIC_FIELDS = ("artisan_id", "display_name", "craft", "province", "district", "bio", "bio_ur",
                         "verification", "created_at")


def artisan_view(item: Any, *, private: bool) -> dict[str, Any]:
    view = {name: getattr(item, name) for name in ARTISAN_PUBLIC_FIELDS}
    if private:
        view.update(phone=item.phone, cnic_last4=item.cnic_last4, verification_note=item.verification_note)
    return view


def image_view(record: Mapping[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {"image_id": record["image_id"], "status": record["status"]}
    if record["status"] == "ready":
        base = get_settings().images_base_url
        view["urls"] = {name: f"{base}/{key}" for name, key in record["rendition_keys"].items()}
        view["width"] = int(record["width"])
        view["height"] = int(record["height"])
    elif record["status"] == "rejected":
        view["reason"] = record["reason"]
    return view


def images_in_order(images: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    records = list(_as_dict(images).values())
    return sorted(records, key=lambda record: (record.get("created_at", ""), record["image_id"]))


def listing_view(item: Any, *, currency: str | None = None, rates: Mapping[str, str] | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "listing_id": item.listing_id,
        "artisan_id": item.artisan_id,
        "title": item.title,
        "title_ur": item.title_ur,
        "description": item.description or "",
        "description_ur": item.description_ur,
        "category": item.category,
        "price": money(int(item.price_amount), "PKR"),
        "stock": int(item.stock),
        "weight_grams": int(item.weight_grams),
        "processing_days": int(item.processing_days),
        "attributes": _as_dict(item.attributes),
        "status": item.status,
        "images": [image_view(record) for record in images_in_order(item.images)],
        "version": int(item.version),
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }
    if currency is not None and rates is not None:
        amount, _ = convert(int(item.price_amount), currency, rates)
        view["display_price"] = money(amount, currency)
    return view


def _as_dict(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if hasattr(value, "as_dict"):
        return value.as_dict()
    return dict(value)

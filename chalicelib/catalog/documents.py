"""Artisans and listings as the contract shows them (the response schemas in `schemas.py` check the shape)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..images.documents import image_documents
from ..money import convert, money
from ..reviews.rules import rating_summary
from ..store.records import Artisan, Listing
from .rules import live_variants, total_stock

ARTISAN_PUBLIC_FIELDS = ("artisan_id", "display_name", "craft", "province", "district", "bio", "bio_ur",
                         "verification", "created_at")


def artisan_document(artisan: Artisan, *, private: bool) -> dict[str, Any]:
    document = {name: getattr(artisan, name) for name in ARTISAN_PUBLIC_FIELDS}
    if private:
        document.update(phone=artisan.phone, cnic_last4=artisan.cnic_last4,
                        verification_note=artisan.verification_note, suspended=artisan.suspended,
                        suspension_reason=artisan.suspension_reason)
    return document


def listing_document(listing: Listing, *, currency: str | None = None,
                     rates: Mapping[str, str] | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "listing_id": listing.listing_id,
        "artisan_id": listing.artisan_id,
        "title": listing.title,
        "title_ur": listing.title_ur,
        "description": listing.description,
        "description_ur": listing.description_ur,
        "category": listing.category,
        "price": money(listing.price_amount, "PKR"),
        "stock": total_stock(listing),
        "weight_grams": listing.weight_grams,
        "processing_days": listing.processing_days,
        "attributes": dict(listing.attributes),
        "status": listing.status,
        "takedown_reason": listing.takedown_reason,
        "images": image_documents(listing.images),
        "options": [{"name": option["name"], "name_ur": option.get("name_ur"), "values": list(option["values"])}
                    for option in listing.options],
        "variants": [variant_document(variant_id, variant, currency=currency, rates=rates)
                     for variant_id, variant in live_variants(listing)],
        "rating": rating_summary(listing.rating_sum, listing.rating_count),
        "version": listing.version,
        "created_at": listing.created_at,
        "updated_at": listing.updated_at,
    }
    if currency is not None and rates is not None:
        amount, _ = convert(listing.price_amount, currency, rates)
        document["display_price"] = money(amount, currency)
    return document


def variant_document(variant_id: str, variant: Mapping[str, Any], *, currency: str | None = None,
                     rates: Mapping[str, str] | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {"variant_id": variant_id, "options": dict(variant["options"]),
                                "price": money(int(variant["price_amount"]), "PKR"), "stock": int(variant["stock"]),
                                "sku": variant.get("sku")}
    if currency is not None and rates is not None:
        amount, _ = convert(int(variant["price_amount"]), currency, rates)
        document["display_price"] = money(amount, currency)
    return document

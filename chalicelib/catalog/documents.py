"""Artisans and listings as the contract shows them (the response schemas in `schemas.py` check the shape)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..images.documents import image_documents
from ..money import convert, money
from ..reviews.rules import rating_summary
from ..store.records import Artisan, Listing

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
        "stock": listing.stock,
        "weight_grams": listing.weight_grams,
        "processing_days": listing.processing_days,
        "attributes": dict(listing.attributes),
        "status": listing.status,
        "takedown_reason": listing.takedown_reason,
        "images": image_documents(listing.images),
        "rating": rating_summary(listing.rating_sum, listing.rating_count),
        "version": listing.version,
        "created_at": listing.created_at,
        "updated_at": listing.updated_at,
    }
    if currency is not None and rates is not None:
        amount, _ = convert(listing.price_amount, currency, rates)
        document["display_price"] = money(amount, currency)
    return document

"""Test data: request bodies, and artisans, listings and orders made the way the app makes them.

Everything is set up through the API (profile, ops verification, POST, publish) except
the processed image record, which is written straight into the listing as the image
processor would (`stored.store_image_record`), because that pipeline is not what the
callers are about.
"""
from __future__ import annotations

import itertools
import uuid
from typing import Any

from .aws import Aws, User
from .http import body_of, call
from .stored import store_image_record

READY_IMAGE_ID = "IMG1"
RENDITIONS = ("thumb", "medium", "large")

_cnics = itertools.count(1000001)


# --- bodies ----------------------------------------------------------------------------------------


def next_cnic() -> str:
    """A CNIC no other profile made in this process has (profiles must not share one)."""
    return f"35202-{next(_cnics):07d}-1"


def make_profile(**overrides: Any) -> dict[str, Any]:
    """A `PUT /artisans/me` body with a fresh CNIC."""
    profile = {"display_name": "Nasreen Bibi", "craft": "embroidery", "province": "punjab",
               "district": "Multan", "bio": "Phulkari since 1990", "bio_ur": "پھلکاری ۱۹۹۰ سے",
               "phone": "+923001234567", "cnic": next_cnic()}
    profile.update(overrides)
    return profile


def make_listing(**overrides: Any) -> dict[str, Any]:
    """A `POST /listings` body: a PKR 2,500 shawl, 5 in stock."""
    listing = {"title": "Hand-embroidered phulkari shawl", "title_ur": "ہاتھ سے کڑھی پھلکاری شال",
               "description": "Silk thread on khaddar.", "category": "embroidery",
               "price": {"amount": 250000, "currency": "PKR"}, "stock": 5, "weight_grams": 400,
               "processing_days": 3, "attributes": {"colour": "red"}}
    listing.update(overrides)
    return listing


def make_address(**overrides: Any) -> dict[str, Any]:
    """A shipping address in Lahore."""
    address = {"name": "Ayesha Khan", "phone": "+923001112223", "line1": "House 12, Street 4",
               "city": "Lahore", "region": "Punjab", "postal_code": "54000", "country": "PK"}
    address.update(overrides)
    return address


def make_order(*lines: tuple[str, int], **overrides: Any) -> dict[str, Any]:
    """An order body: `lines` are (listing_id, quantity); PKR by JazzCash to Lahore unless overridden."""
    order: dict[str, Any] = {"items": [{"listing_id": lid, "quantity": qty} for lid, qty in lines],
                             "currency": "PKR", "shipping_address": make_address(), "payment_method": "jazzcash"}
    order.update(overrides)
    return order


def image_record(listing_id: str, image_id: str = READY_IMAGE_ID, status: str = "ready") -> dict[str, Any]:
    """The record the image processor stores for a photo in `status` (pending, ready or rejected)."""
    record: dict[str, Any] = {"image_id": image_id, "status": status, "created_at": "2026-01-01T00:00:00.000000Z"}
    if status == "ready":
        record.update(width=1024, height=768, rendition_keys={
            name: f"public/{listing_id}/{image_id}/{name}.jpg" for name in RENDITIONS})
    elif status == "rejected":
        record["reason"] = "not_an_image"
    return record


# --- state, through the API --------------------------------------------------------------------------


def store_ready_image(listing_id: str, image_id: str = READY_IMAGE_ID) -> None:
    """Test set-up of stored state: the record the image processor writes for a finished photo."""
    store_image_record(listing_id, image_record(listing_id, image_id))


def verified_artisan(client: Any, aws: Aws, **profile: Any) -> User:
    """A new artisan with a profile (make_profile with `profile` overrides) that ops has verified."""
    user = aws.user("artisans")
    assert call(client, "PUT", "/artisans/me", user, make_profile(**profile)).status_code == 201
    ops = aws.user("ops")
    response = call(client, "POST", f"/ops/artisans/{user.sub}/verification", ops, {"decision": "verified"})
    assert response.status_code == 200, response.body
    return user


def active_listing(client: Any, artisan: User, **overrides: Any) -> dict[str, Any]:
    """A published listing of `artisan` (price, stock and weight from make_listing unless overridden)."""
    created = call(client, "POST", "/listings", artisan, make_listing(**overrides))
    assert created.status_code == 201, created.body
    listing_id = body_of(created)["listing_id"]
    store_ready_image(listing_id)
    published = call(client, "POST", f"/listings/{listing_id}/publish", artisan)
    assert published.status_code == 200, published.body
    return dict(body_of(published))


def place(client: Any, buyer: User, body: dict[str, Any], key: str | None = None) -> Any:
    """POST /orders with a fresh Idempotency-Key unless one is given."""
    return call(client, "POST", "/orders", buyer, body, headers={"Idempotency-Key": key or uuid.uuid4().hex})


def placed(client: Any, buyer: User, body: dict[str, Any]) -> dict[str, Any]:
    """The order document of a placement that must succeed."""
    response = place(client, buyer, body)
    assert response.status_code == 201, response.body
    return dict(body_of(response))


def start_payment(client: Any, buyer: User, order_id: str) -> dict[str, Any]:
    """POST /orders/{id}/payment: the gateway's form (JazzCash) or payment intent (card)."""
    response = call(client, "POST", f"/orders/{order_id}/payment", buyer)
    assert response.status_code == 200, response.body
    return dict(body_of(response))


def stock_of(client: Any, listing_id: str, owner: User) -> int:
    """The listing's stock as its owner sees it."""
    response = call(client, "GET", f"/listings/{listing_id}", owner)
    assert response.status_code == 200, response.body
    return int(body_of(response)["stock"])


def order_of(client: Any, order_id: str, user: User) -> dict[str, Any]:
    """GET /orders/{id} as `user`."""
    response = call(client, "GET", f"/orders/{order_id}", user)
    assert response.status_code == 200, response.body
    return dict(body_of(response))

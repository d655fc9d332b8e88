"""Factories and helpers for the order, payment and fulfilment tests (functional tier).

Listings are made the way the app makes them (profile, ops verification, POST,
publish); only the processed image record is written straight into the listing,
as the image processor would, because that pipeline is not what these tests are
about. Gateway callbacks are signed with the same functions the gateways'
modules verify with, so a test's callback is exactly what a real gateway sends.
"""
from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import boto3

from chalicelib.payments import card, jazzcash
from tests.conftest import REGION, Aws, User
from tests.functional.helpers import body_of, call, make_listing, make_profile

READY_IMAGE_ID = "IMG1"


def make_address(**overrides: Any) -> dict[str, Any]:
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


def verified_artisan(client: Any, aws: Aws, **profile: Any) -> User:
    user = aws.user("artisans")
    assert call(client, "PUT", "/artisans/me", user, make_profile(**profile)).status_code == 201
    ops = aws.user("ops")
    response = call(client, "POST", f"/ops/artisans/{user.sub}/verification", ops, {"decision": "verified"})
    assert response.status_code == 200, response.body
    return user


def store_ready_image(listing_id: str, image_id: str = READY_IMAGE_ID) -> None:
    """Test set-up of stored state: the record the image processor writes for a finished photo."""
    from chalicelib.store.tables import ListingItem, bind_tables

    bind_tables()
    record = {"image_id": image_id, "status": "ready", "created_at": "2026-01-01T00:00:00.000000Z",
              "rendition_keys": {name: f"public/{listing_id}/{image_id}/{name}.jpg"
                                 for name in ("thumb", "medium", "large")},
              "width": 1024, "height": 768}
    ListingItem(listing_id).update(actions=[ListingItem.images[image_id].set(record)])


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
    response = place(client, buyer, body)
    assert response.status_code == 201, response.body
    return dict(body_of(response))


def stock_of(client: Any, listing_id: str, owner: User) -> int:
    response = call(client, "GET", f"/listings/{listing_id}", owner)
    assert response.status_code == 200, response.body
    return int(body_of(response)["stock"])


def order_of(client: Any, order_id: str, user: User) -> dict[str, Any]:
    response = call(client, "GET", f"/orders/{order_id}", user)
    assert response.status_code == 200, response.body
    return dict(body_of(response))


def code_of(response: Any) -> str:
    return str(body_of(response)["error"]["code"])


def table_state(aws: Aws) -> dict[str, list[str]]:
    """Every item of every table, so a test can show that a refused request wrote nothing."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    names = [value for name, value in aws.env.items() if name.startswith("TABLE_")]
    return {name: sorted(json.dumps(item, sort_keys=True) for item in _scan(dynamodb, name)) for name in names}


def _scan(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        items.extend(page["Items"])
    return items


def payment_records(aws: Aws, order_id: str) -> list[dict[str, Any]]:
    """The PaymentEventsTable items about one order (event records and the `paid#` record)."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    return [item for item in _scan(dynamodb, aws.env["TABLE_PAYMENT_EVENTS"]) if item["order_id"]["S"] == order_id]


# --- gateways ------------------------------------------------------------------------------


def start_payment(client: Any, buyer: User, order_id: str) -> dict[str, Any]:
    response = call(client, "POST", f"/orders/{order_id}/payment", buyer)
    assert response.status_code == 200, response.body
    return dict(body_of(response))


def jazzcash_return(form_fields: dict[str, str], *, salt: str, code: str = "000",
                    **overrides: str) -> dict[str, str]:
    """The gateway's signed return post for a payment form (overrides are applied before signing)."""
    echoed = ("pp_Version", "pp_TxnType", "pp_Language", "pp_MerchantID", "pp_TxnRefNo", "pp_Amount",
              "pp_TxnCurrency", "pp_TxnDateTime", "pp_BillReference")
    fields = {name: form_fields[name] for name in echoed}
    fields.update(pp_ResponseCode=code, pp_ResponseMessage="approved" if code == "000" else f"code {code}",
                  pp_RetreivalReferenceNo="123456789012")
    fields.update(overrides)
    fields[jazzcash.HASH_FIELD] = jazzcash.secure_hash(fields, salt)
    return fields


def post_jazzcash(client: Any, fields: dict[str, str], *, accept: str = "application/json") -> Any:
    return client.http.post("/payments/jazzcash/callback", body=urlencode(fields),
                            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept})


def card_event(order_id: str, *, amount: int, currency: str, succeeded: bool = True,
               event_id: str | None = None) -> bytes:
    intent: dict[str, Any] = {"id": f"pi_{order_id}_1", "object": "payment_intent", "amount": amount,
                              "currency": currency.lower(), "metadata": {"order_id": order_id}}
    if not succeeded:
        intent["last_payment_error"] = {"code": "card_declined", "message": "Your card was declined."}
    event = {"id": event_id or f"evt_{uuid.uuid4().hex}", "object": "event",
             "type": "payment_intent.succeeded" if succeeded else "payment_intent.payment_failed",
             "data": {"object": intent}}
    return json.dumps(event).encode()


def post_card(client: Any, body: bytes, *, secret: str, timestamp: int | None = None,
              signature: str | None = None) -> Any:
    header = signature if signature is not None else card.sign_webhook(
        body, secret=secret, timestamp=int(time.time()) if timestamp is None else timestamp)
    return client.http.post("/payments/card/webhook", body=body,
                            headers={"Content-Type": "application/json", "Stripe-Signature": header})


def card_success(order: dict[str, Any], **overrides: Any) -> bytes:
    """A succeeded event for exactly the order's charge."""
    charge = order["charge"]
    return card_event(order["order_id"], **{"amount": charge["amount"], "currency": charge["currency"], **overrides})

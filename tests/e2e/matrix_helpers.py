"""Test data for the authorization matrix and the contract fuzzer, made through the real local stack.

Everything goes through the public API (a photo is a real JPEG posted to the
presigned POST and processed by the stack's image pipeline), so the objects are
exactly what users would create.
"""

from __future__ import annotations

import io
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import requests
from PIL import Image

from harness.gateways import card_success

from .conftest import LocalStack, User

READY_WITHIN_SECONDS = 20
PROFILE = {"display_name": "Allah Bachayo Khatri", "craft": "ajrak-block-print", "province": "sindh",
           "district": "Hala", "phone": "+923331234567"}
LISTING = {"title": "Indigo ajrak, double-sided", "title_ur": "اجرک", "category": "ajrak-block-print",
           "price": {"amount": 450000, "currency": "PKR"}, "stock": 1000, "weight_grams": 350,
           "processing_days": 5}
# A listing with variants (sizes x colours), so the fuzzer exercises options, variants and variant orders.
VARIANTS = {"stock": None, "options": [{"name": "Size", "name_ur": "سائز", "values": ["8", "9"]},
                                       {"name": "Colour", "name_ur": "رنگ", "values": ["red", "black"]}],
            "variants": [{"options": {"Size": size, "Colour": colour}, "stock": 100, "sku": f"KH-{size}-{colour}"}
                         for size in ("8", "9") for colour in ("red", "black")]}
ADDRESS = {"name": "Ayesha Khan", "phone": "+923001234567", "line1": "House 12, Street 4",
           "city": "Lahore", "country": "PK"}


class Api:
    """HTTP to the stack's API, as one user or anonymously."""

    def __init__(self, stack: LocalStack) -> None:
        self.base = stack.api_url
        self.session = requests.Session()

    def call(self, method: str, path: str, user: User | None = None, *, json: Any = None,
             data: Any = None, headers: dict[str, str] | None = None) -> requests.Response:
        sent = dict(user.headers if user else {})
        sent.update(headers or {})
        return self.session.request(method, f"{self.base}{path}", json=json, data=data, headers=sent,
                                    timeout=30, allow_redirects=False)

    def ok(self, method: str, path: str, user: User | None = None, *, status: int = 200,
           **kwargs: Any) -> Any:
        """Call and insist on `status`; the JSON body (None for an empty one)."""
        response = self.call(method, path, user, **kwargs)
        assert response.status_code == status, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None


def small_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((160, 120), 40).convert("RGB").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def random_cnic() -> str:
    return f"42101-{secrets.randbelow(10**7):07d}-{secrets.randbelow(10)}"


def make_profile(api: Api, artisan: User) -> dict[str, Any]:
    return api.ok("PUT", "/artisans/me", artisan, status=201, json=dict(PROFILE, cnic=random_cnic()))  # type: ignore[no-any-return]


def verify(api: Api, ops: User, artisan: User) -> None:
    api.ok("POST", f"/ops/artisans/{artisan.sub}/verification", ops, json={"decision": "verified"})


def make_listing(api: Api, artisan: User, **changes: Any) -> str:
    listing = api.ok("POST", "/listings", artisan, status=201, json=dict(LISTING, **changes))
    return str(listing["listing_id"])


def grant_image(api: Api, artisan: User, listing_id: str, size: int = 1000) -> dict[str, Any]:
    return api.ok("POST", f"/listings/{listing_id}/images", artisan, status=201,  # type: ignore[no-any-return]
                  json={"content_type": "image/jpeg", "size_bytes": size})


def upload_photo(api: Api, artisan: User, listing_id: str) -> str:
    """Grant and post a real JPEG the way a browser does; the image id (processing continues)."""
    photo = small_jpeg()
    grant = grant_image(api, artisan, listing_id, size=len(photo))
    posted = requests.post(grant["upload"]["url"], data=grant["upload"]["fields"],
                           files={"file": ("photo.jpg", photo, "image/jpeg")}, timeout=30)
    assert posted.status_code in (200, 201, 204), posted.text
    return str(grant["image_id"])


def wait_ready(api: Api, artisan: User, photos: dict[str, str]) -> None:
    """Wait until every listing_id -> image_id in `photos` is `ready`."""
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    waiting = dict(photos)
    while waiting and time.monotonic() < deadline:
        for listing_id, image_id in list(waiting.items()):
            images = api.ok("GET", f"/listings/{listing_id}", artisan)["images"]
            status = next(image["status"] for image in images if image["image_id"] == image_id)
            assert status != "rejected", images
            if status == "ready":
                del waiting[listing_id]
        time.sleep(0.2)
    assert not waiting, f"photos not ready within {READY_WITHIN_SECONDS} s: {waiting}"


def place_order(api: Api, buyer: User, listing_id: str, *, payment_method: str = "cod",
                status: int = 201, variant_id: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"listing_id": listing_id, "quantity": 1}
    if variant_id is not None:
        item["variant_id"] = variant_id
    body = {"items": [item], "currency": "PKR",
            "shipping_address": ADDRESS, "payment_method": payment_method}
    return api.ok("POST", "/orders", buyer, status=status, json=body,  # type: ignore[no-any-return]
                  headers={"Idempotency-Key": uuid.uuid4().hex})


@dataclass
class World:
    """Who is who, and what they own.

    `owner` is a verified artisan with a draft and an active listing (each with a
    ready photo); `other_artisan` has a pending profile and a draft of their own;
    `new_artisan` is in the artisans group without a profile; `buyer` has a
    cash-on-delivery order (`confirmed`) and a JazzCash one (`pending_payment`) for
    the active listing. `spares` are extra objects for calls that change an
    object's kind (publishing a draft, archiving), so every row starts from the
    object it names.
    """

    api: Api
    users: dict[str, User | None]
    ids: dict[str, str]
    spares: dict[str, list[str]] = field(default_factory=dict)
    fx_rates: dict[str, str] = field(default_factory=dict)

    def user(self, role: str) -> User | None:
        return self.users[role]

    def spare(self, kind: str) -> str:
        assert self.spares.get(kind), f"no spare {kind!r} left"
        return self.spares[kind].pop()


def moderated_artisan(api: Api, stack: LocalStack, ops: User, *, suspended: bool) -> str:
    """A verified artisan (suspended by ops when asked), for the moderation rows."""
    artisan = stack.user("artisans")
    make_profile(api, artisan)
    verify(api, ops, artisan)
    if suspended:
        api.ok("POST", f"/ops/artisans/{artisan.sub}/suspension", ops, json={"reason": "Matrix world"})
    return artisan.sub


def taken_down(api: Api, owner: User, ops: User) -> str:
    """A draft of `owner` that ops took down."""
    listing_id = make_listing(api, owner)
    api.ok("POST", f"/ops/listings/{listing_id}/takedown", ops, json={"reason": "Matrix world"})
    return listing_id


def artisan_import(api: Api, ops: User) -> str:
    """An import that ops started (waiting for its file)."""
    return str(api.ok("POST", "/ops/artisan-imports", ops, status=201, json={"size_bytes": 100})["import_id"])


def flagged_order(api: Api, stack: LocalStack, buyer: User, listing_id: str) -> str:
    """A card order of `buyer` whose payment arrived for the wrong amount: waiting in the needs-review queue."""
    order = place_order(api, buyer, listing_id, payment_method="card")
    body = card_success(order, amount=order["charge"]["amount"] - 1)
    api.ok("POST", "/payments/card/webhook", data=body, headers=stack.card_webhook_headers(body))
    return str(order["order_id"])


def delivered_order(api: Api, buyer: User, owner: User, ops: User, listing_id: str) -> str:
    """A cash-on-delivery order of `buyer` for one unit of `listing_id`, shipped by `owner` and delivered."""
    order_id = str(place_order(api, buyer, listing_id)["order_id"])
    api.ok("POST", f"/orders/{order_id}/shipments", owner, json={"carrier": "tcs", "tracking_number": "T2"})
    api.ok("POST", f"/ops/orders/{order_id}/delivered", ops)
    return order_id


def waiting_return(api: Api, buyer: User, order_id: str, listing_id: str) -> str:
    """A return request of the order's one unit, waiting for ops."""
    body = {"items": [{"listing_id": listing_id, "quantity": 1}], "reason": "Matrix world"}
    return str(api.ok("POST", f"/orders/{order_id}/returns", buyer, status=201, json=body)["return_id"])


def review_of(api: Api, buyer: User, order_id: str, listing_id: str) -> str:
    """The buyer's review of the one listing of their delivered order."""
    body = {"listing_id": listing_id, "rating": 4, "text": "Matrix world"}
    return str(api.ok("POST", f"/orders/{order_id}/reviews", buyer, status=201, json=body)["review_id"])


def payout_run(api: Api, owner: User, ops: User) -> str:
    """A ready payout run that paid `owner`, who is given an IBAN first."""
    account = {"method": "iban", "iban": "PK36SCBL0000001123456702", "account_title": "Allah Bachayo Khatri"}
    api.ok("PUT", "/artisans/me", owner, json=dict(PROFILE, payout_account=account))
    run = api.ok("POST", "/ops/payout-runs", ops, status=201, json={"min_amount": {"amount": 1, "currency": "PKR"}},
                 headers={"Idempotency-Key": uuid.uuid4().hex})
    assert run["artisans"] == 1, run
    return str(run["run_id"])


def build_world(stack: LocalStack, *, spare_drafts_with_photo: int = 1, spare_actives: int = 3,
                spare_pending_artisans: int = 1, spare_shipped_orders: int = 1,
                spare_cod_orders: int = 4, spare_moderated: int = 1) -> World:
    api = Api(stack)
    ops = stack.user("ops")
    owner = stack.user("artisans")
    other_artisan = stack.user("artisans")
    new_artisan = stack.user("artisans")
    buyer = stack.user()
    other_buyer = stack.user()
    users: dict[str, User | None] = {"anonymous": None, "buyer": buyer, "other_buyer": other_buyer,
                                     "owner": owner, "other_artisan": other_artisan, "new_artisan": new_artisan,
                                     "ops": ops}
    make_profile(api, owner)
    verify(api, ops, owner)
    make_profile(api, other_artisan)

    drafts = [make_listing(api, owner) for _ in range(1 + spare_drafts_with_photo)]
    actives = [make_listing(api, owner) for _ in range(1 + spare_actives)]
    varied = make_listing(api, owner, **VARIANTS)
    actives.append(varied)
    photos = {listing_id: upload_photo(api, owner, listing_id) for listing_id in drafts + actives}
    wait_ready(api, owner, photos)
    for listing_id in actives:
        api.ok("POST", f"/listings/{listing_id}/publish", owner)

    ids = {"draft": drafts[0], "draft_image": photos[drafts[0]], "active": actives[0],
           "active_image": photos[actives[0]], "other_draft": make_listing(api, other_artisan),
           "owner_id": owner.sub, "other_artisan_id": other_artisan.sub, "missing_listing": "L" + "0" * 15,
           "missing_order": "O" + "0" * 15, "missing_image": "I" + "0" * 15}
    ids["variant_listing"] = varied
    variant_id = api.ok("GET", f"/listings/{varied}", owner)["variants"][0]["variant_id"]
    ids["variant_order"] = place_order(api, other_buyer, varied, variant_id=variant_id)["order_id"]
    ids["order"] = place_order(api, buyer, ids["active"])["order_id"]
    ids["jazz_order"] = place_order(api, buyer, ids["active"], payment_method="jazzcash")["order_id"]
    # Another buyer's, so the buyer stays within MAX_OPEN_ORDERS in the fuzzer's world.
    ids["easypaisa_order"] = place_order(api, other_buyer, ids["active"], payment_method="easypaisa")["order_id"]
    ids["suspendable"] = moderated_artisan(api, stack, ops, suspended=False)
    ids["suspended_artisan"] = moderated_artisan(api, stack, ops, suspended=True)
    ids["taken_down"] = taken_down(api, owner, ops)
    ids["artisan_import"] = artisan_import(api, ops)

    spares: dict[str, list[str]] = {
        "draft_with_photo": drafts[1:],
        "active": [listing_id for listing_id in actives[1:] if listing_id != varied],
        "draft": [make_listing(api, owner) for _ in range(1)],
        "cod_order": [place_order(api, buyer, ids["active"])["order_id"] for _ in range(spare_cod_orders)],
        "shipped_order": [],
        "pending_artisan": [],
        "suspendable": [moderated_artisan(api, stack, ops, suspended=False) for _ in range(spare_moderated)],
        "suspended_artisan": [moderated_artisan(api, stack, ops, suspended=True) for _ in range(spare_moderated)],
        "taken_down": [taken_down(api, owner, ops) for _ in range(spare_moderated)],
    }
    for _ in range(spare_shipped_orders):
        order_id = place_order(api, buyer, ids["active"])["order_id"]
        api.ok("POST", f"/orders/{order_id}/shipments", owner, json={"carrier": "tcs", "tracking_number": "T1"})
        spares["shipped_order"].append(order_id)
    # Returns: a delivered order to ask about (and a spare for the buyer's allowed request), and a return
    # waiting for ops on another (and a spare for ops' allowed decision).
    ids["delivered_order"] = delivered_order(api, buyer, owner, ops, ids["active"])
    spares["delivered_order"] = [delivered_order(api, buyer, owner, ops, ids["active"])]
    ids["return_order"] = delivered_order(api, buyer, owner, ops, ids["active"])
    ids["return"] = waiting_return(api, buyer, ids["return_order"], ids["active"])
    spares["return"] = [waiting_return(api, buyer, delivered_order(api, buyer, owner, ops, ids["active"]),
                                       ids["active"])]
    ids["missing_return"] = "RT" + "0" * 15
    # Refunds: a delivered cash-on-delivery order (refunded by hand: no gateway), and a spare for ops' refund.
    ids["refundable_order"] = delivered_order(api, buyer, owner, ops, ids["active"])
    spares["refundable_order"] = [delivered_order(api, buyer, owner, ops, ids["active"])]
    # The needs-review queue: a payment for the wrong amount (and a spare for ops' allowed resolution).
    ids["flagged_order"] = flagged_order(api, stack, buyer, ids["active"])
    spares["flagged_order"] = [flagged_order(api, stack, buyer, ids["active"])]
    # Reviews: a delivered order not yet reviewed (and a spare for the buyer's allowed review), and a review
    # (and a spare for ops' allowed hiding).
    ids["reviewable_order"] = delivered_order(api, buyer, owner, ops, ids["active"])
    spares["reviewable_order"] = [delivered_order(api, buyer, owner, ops, ids["active"])]
    ids["review"] = review_of(api, buyer, delivered_order(api, buyer, owner, ops, ids["active"]), ids["active"])
    spares["review"] = [review_of(api, buyer, delivered_order(api, buyer, owner, ops, ids["active"]), ids["active"])]
    ids["missing_review"] = "RV" + "0" * 20
    # Payout runs: the owner (credited by the deliveries above) gives a payout account and a run pays them.
    ids["payout_run"] = payout_run(api, owner, ops)
    ids["month"] = datetime.now(timezone(timedelta(hours=5))).strftime("%Y-%m")  # this month in Pakistan
    ids["missing_artisan"] = "00000000-0000-0000-0000-000000000000"
    for _ in range(spare_pending_artisans):
        artisan = stack.user("artisans")
        make_profile(api, artisan)
        spares["pending_artisan"].append(artisan.sub)
    rates = api.ok("GET", "/fx-rates")["rates"]
    return World(api=api, users=users, ids=ids, spares=spares, fx_rates=rates)

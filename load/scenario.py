"""What buyers, artisans and gateways do, over HTTP, each request timed by kind.

The mix per step of a shopper (weights below) follows a storefront: mostly
browsing (catalogue pages, category pages sorted by price, listing pages,
artisans), some signing in, and about one step in eight places an order, which
then is paid by card (webhook signed with CARD_WEBHOOK_SECRET) or JazzCash (the
return post signed with the integrity salt), or cancelled; cash on delivery
orders wait for delivery.
"""
from __future__ import annotations

import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import boto3
import requests

from chalicelib.payments import card, jazzcash
from load.metrics import Recorder
from local.users import new_signed_in_user

PASSWORD = "load-pass-2026"
DEMO = {"artisan1": ("artisan1@demo.mip.pk", "demo-artisan-2026"),
        "artisan2": ("artisan2@demo.mip.pk", "demo-artisan-2026")}
ADDRESS = {"name": "Load Tester", "phone": "+923001112223", "line1": "House 1, Street 2", "city": "Lahore",
           "country": "PK"}
WEIGHTS = {"browse_newest": 24, "browse_category": 12, "listing": 26, "artisans": 8, "artisan": 6, "sign_in": 6,
           "my_orders": 4, "order": 14}
TIMEOUT = 15
CONNECT_RETRIES = 3


@dataclass
class Account:
    email: str
    token: str = ""
    sub: str = ""

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    """What every worker shares: the API, the pool, the catalogue seen so far, the orders made."""

    api: str
    aws: str
    card_secret: str
    jazzcash_salt: str
    recorder: Recorder
    sandbox: str | None = None  # the sandbox gateways' control (`/sandbox/control`), when the stack is local
    client_id: str = ""
    ops_client_id: str = ""
    pool_id: str = ""
    listings: list[dict[str, Any]] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    artisan_ids: list[str] = field(default_factory=list)
    demo_listing_ids: set[str] = field(default_factory=set)
    orders: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def cognito(self) -> Any:
        return boto3.client("cognito-idp", endpoint_url=self.aws, region_name="ap-south-1",
                            aws_access_key_id="local", aws_secret_access_key="local")


def call(world: World, session: requests.Session, kind: str, method: str, path: str, *,
         expect: tuple[int, ...] = (200,), **kwargs: Any) -> requests.Response | None:
    """One timed request; a connection that fails before an answer (status 0) is retried up to
    CONNECT_RETRIES times with the very same request, as a browser would: safe, because reads are
    reads, orders carry their Idempotency-Key and callbacks apply once. None when no answer came."""
    for _ in range(1 + CONNECT_RETRIES):
        with world.recorder.timed(kind) as result:
            try:
                response = session.request(method, world.api + path, timeout=TIMEOUT, **kwargs)
            except requests.ConnectionError as error:
                world.recorder.note(f"{kind}: {type(error).__name__}: {str(error)[-90:]}")
                continue
            result["status"] = response.status_code
        return response
    return None


def sign_in(world: World, account: Account, password: str) -> None:
    """Cognito InitiateAuth (USER_PASSWORD_AUTH) against the emulator, timed as `sign_in`."""
    with world.recorder.timed("sign_in") as result:
        answer = world.cognito().initiate_auth(ClientId=world.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                               AuthParameters={"USERNAME": account.email, "PASSWORD": password})
        result["status"] = 200
    account.token = answer["AuthenticationResult"]["IdToken"]


def create_ops(world: World) -> Account:
    """An ops account of the run's own, with the authenticator ops need (through the ops client)."""
    email = f"load-ops-{uuid.uuid4().hex[:12]}@load.mip.pk"
    sub, token, _ = new_signed_in_user(world.cognito(), pool_id=world.pool_id, client_id=world.client_id,
                                       ops_client_id=world.ops_client_id, email=email, password=PASSWORD,
                                       groups=("ops",))
    return Account(email=email, token=token, sub=sub)


def create_buyer(world: World, cognito: Any) -> Account:
    email = f"load-{uuid.uuid4().hex[:12]}@load.mip.pk"
    cognito.admin_create_user(UserPoolId=world.pool_id, Username=email, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": email},
                                              {"Name": "email_verified", "Value": "true"}])
    cognito.admin_set_user_password(UserPoolId=world.pool_id, Username=email, Password=PASSWORD, Permanent=True)
    return Account(email=email)


def discover(world: World, session: requests.Session) -> None:
    """The pool from /config and the catalogue from the browse pages."""
    config = session.get(world.api + "/config", timeout=TIMEOUT).json()
    world.pool_id, world.client_id = config["user_pool_id"], config["user_pool_client_id"]
    world.ops_client_id = config["ops_client_id"]
    world.categories = [c["slug"] for c in session.get(world.api + "/categories", timeout=TIMEOUT).json()["items"]]
    cursor: str | None = None
    while True:
        params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        page = session.get(world.api + "/listings", params=params, timeout=TIMEOUT).json()
        # Listings with variants (the seed's khussa and kurta) are left out: these orders name no variant.
        world.listings += [listing for listing in page["items"] if not listing.get("variants")]
        cursor = page["next_cursor"]
        if not cursor:
            break
    world.artisan_ids = sorted({listing["artisan_id"] for listing in world.listings})


def place_order(world: World, session: requests.Session, buyer: Account, listing_id: str, *,
                method: str, kind: str = "order_place", key: str | None = None) -> requests.Response | None:
    body = {"items": [{"listing_id": listing_id, "quantity": 1}], "currency": "PKR",
            "shipping_address": ADDRESS, "payment_method": method}
    if method == "card" and random.random() < 0.3:
        body["currency"] = random.choice(["USD", "GBP", "AED"])
    return call(world, session, kind, "POST", "/orders", json=body,
                headers={**buyer.auth, "Idempotency-Key": key or uuid.uuid4().hex})


def _tell_the_sandbox(world: World, session: requests.Session, payment: dict[str, Any],
                      order: dict[str, Any]) -> None:
    """The load pays with the gateways' signed callbacks, not through their pages: record each charge with the
    sandbox gateways, as a real gateway would know it, so that ops' refunds of it succeed there."""
    if world.sandbox is None:
        return
    if payment["provider"] == "card":
        ref = payment["payment_intent_id"]
    else:
        ref = payment["form_fields"]["pp_TxnRefNo"]
    charge = {"ref": ref, "amount": order["charge"]["amount"], "currency": order["charge"]["currency"]}
    session.post(f"{world.sandbox}/control", json={"charge": charge}, timeout=15).raise_for_status()


def pay(world: World, session: requests.Session, buyer: Account, order: dict[str, Any]) -> None:
    """Start the payment as the buyer, then deliver the gateway's signed success callback."""
    started = call(world, session, "payment_start", "POST", f"/orders/{order['order_id']}/payment",
                   headers=buyer.auth)
    if started is None or started.status_code != 200:
        return
    payment = started.json()
    _tell_the_sandbox(world, session, payment, order)
    if payment["provider"] == "card":
        event = {"id": f"evt_{uuid.uuid4().hex}", "object": "event", "type": "payment_intent.succeeded",
                 "data": {"object": {"id": payment["payment_intent_id"], "object": "payment_intent",
                                     "amount": order["charge"]["amount"],
                                     "currency": order["charge"]["currency"].lower(),
                                     "metadata": {"order_id": order["order_id"]}}}}
        raw = json.dumps(event).encode()
        signature = card.sign_webhook(raw, secret=world.card_secret, timestamp=int(time.time()))
        call(world, session, "card_webhook", "POST", "/payments/card/webhook", data=raw,
             headers={"Content-Type": "application/json", "Stripe-Signature": signature})
    else:
        fields = dict(payment["form_fields"])
        echoed = ("pp_Version", "pp_TxnType", "pp_Language", "pp_MerchantID", "pp_TxnRefNo", "pp_Amount",
                  "pp_TxnCurrency", "pp_TxnDateTime", "pp_BillReference")
        form = {name: fields[name] for name in echoed if name in fields}
        form.update(pp_ResponseCode="000", pp_ResponseMessage="approved", pp_RetreivalReferenceNo="123456789012")
        form[jazzcash.HASH_FIELD] = jazzcash.secure_hash(form, world.jazzcash_salt)
        call(world, session, "jazzcash_callback", "POST", "/payments/jazzcash/callback", data=form,
             headers={"Accept": "application/json"})


def order_step(world: World, session: requests.Session, buyer: Account, rng: random.Random) -> None:
    # A third of orders go to the demo artisans' listings, so some can be shipped and delivered later.
    pool = [listing for listing in world.listings
            if listing["listing_id"] in world.demo_listing_ids] if rng.random() < 0.34 else world.listings
    listing = rng.choice(pool or world.listings)
    method = rng.choices(["card", "jazzcash", "cod"], weights=[55, 35, 10])[0]
    placed = place_order(world, session, buyer, listing["listing_id"], method=method)
    if placed is None or placed.status_code != 201:
        return
    order = placed.json()
    with world.lock:
        world.orders.append({"order": order, "buyer": buyer})
    if method == "cod":
        return
    if rng.random() < 0.1:
        call(world, session, "order_cancel", "POST", f"/orders/{order['order_id']}/cancel", headers=buyer.auth)
        return
    pay(world, session, buyer, order)


def shopper(world: World, buyers: list[Account], deadline: float, seed: int) -> None:
    """One worker: steps of the mix until the deadline or the request budget runs out."""
    rng = random.Random(seed)
    session = requests.Session()
    kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
    while time.monotonic() < deadline and world.recorder.budget_left():
        buyer = rng.choice(buyers)
        step = rng.choices(kinds, weights=weights)[0]
        if step == "browse_newest":
            page = call(world, session, "browse_newest", "GET", "/listings", params={"limit": "20"})
            if page is not None and page.status_code == 200 and page.json()["next_cursor"] and rng.random() < 0.5:
                call(world, session, "browse_newest", "GET", "/listings",
                     params={"limit": "20", "cursor": page.json()["next_cursor"]})
        elif step == "browse_category":
            call(world, session, "browse_category", "GET", "/listings",
                 params={"category": rng.choice(world.categories),
                         "sort": rng.choice(["newest", "price_asc", "price_desc"]),
                         **({"currency": "USD"} if rng.random() < 0.2 else {})})
        elif step == "listing":
            call(world, session, "listing", "GET", f"/listings/{rng.choice(world.listings)['listing_id']}")
        elif step == "artisans":
            call(world, session, "artisans", "GET", "/artisans",
                 params={"province": rng.choice(["punjab", "sindh", "khyber_pakhtunkhwa", "balochistan"])})
        elif step == "artisan":
            call(world, session, "artisan", "GET", f"/artisans/{rng.choice(world.artisan_ids)}")
        elif step == "sign_in":
            sign_in(world, buyer, PASSWORD)
        elif step == "my_orders":
            call(world, session, "my_orders", "GET", "/orders", headers=buyer.auth)
        else:
            order_step(world, session, buyer, rng)

"""One order's whole life over HTTP on the real local stack, paid through the sandbox gateway's pages.

The set-up helpers here (a verified artisan, an active listing) are shared with
test_races.py. A listing's finished photo is written straight into its record
on the stack's emulator, as the image processor would, because uploading and
processing photos is another test's subject.
"""
from __future__ import annotations

import uuid
from html.parser import HTMLParser
from typing import Any

import requests
from boto3.dynamodb.types import TypeSerializer

from harness.factories import make_listing, make_order, make_profile
from local.provision import PREFIX
from local.stack import StackSettings

from .conftest import LocalStack, User

TIMEOUT = 30
LISTINGS_TABLE = f"{PREFIX}-ListingsTable"


def api(stack: LocalStack, method: str, path: str, user: User | None = None, body: Any = None,
        headers: dict[str, str] | None = None, session: requests.Session | None = None) -> requests.Response:
    return (session or requests).request(method, f"{stack.api_url}{path}", json=body, timeout=TIMEOUT,
                                         headers={**(user.headers if user else {}), **(headers or {})})


def ok(response: requests.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def verified_artisan(stack: LocalStack, ops: User) -> User:
    artisan = stack.user("artisans")
    cnic = f"35202-{uuid.uuid4().int % 10**7:07d}-{uuid.uuid4().int % 10}"
    ok(api(stack, "PUT", "/artisans/me", artisan, make_profile(cnic=cnic)), 201)
    ok(api(stack, "POST", f"/ops/artisans/{artisan.sub}/verification", ops, {"decision": "verified"}))
    return artisan


def active_listing(stack: LocalStack, artisan: User, **overrides: Any) -> dict[str, Any]:
    listing = ok(api(stack, "POST", "/listings", artisan, make_listing(**overrides)), 201)
    listing_id = listing["listing_id"]
    record = {"image_id": "IMG1", "status": "ready", "created_at": "2026-01-01T00:00:00.000000Z", "width": 1024,
              "height": 768, "rendition_keys": {name: f"public/{listing_id}/IMG1/{name}.jpg"
                                                for name in ("thumb", "medium", "large")}}
    stack.client("dynamodb").update_item(
        TableName=LISTINGS_TABLE, Key={"listing_id": {"S": listing_id}}, UpdateExpression="SET images.#image = :record",
        ExpressionAttributeNames={"#image": "IMG1"},
        ExpressionAttributeValues={":record": TypeSerializer().serialize(record)})
    return dict(ok(api(stack, "POST", f"/listings/{listing_id}/publish", artisan)))


def stock_of(stack: LocalStack, listing_id: str) -> int:
    """Read straight from the emulator, so a poller adds no load on the API under test."""
    item = stack.client("dynamodb").get_item(TableName=LISTINGS_TABLE, Key={"listing_id": {"S": listing_id}},
                                             ConsistentRead=True)["Item"]
    return int(item["stock"]["N"])


def place(stack: LocalStack, buyer: User, body: dict[str, Any],
          session: requests.Session | None = None) -> requests.Response:
    return api(stack, "POST", "/orders", buyer, body, {"Idempotency-Key": uuid.uuid4().hex}, session)


class _Forms(HTMLParser):
    """Every <form> of a page: its attributes and its named inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append({**values, "fields": {}})
        elif tag == "input" and self.forms and "name" in values:
            self.forms[-1]["fields"][values["name"]] = values.get("value", "")


def form_labelled(page: str, label: str) -> dict[str, Any]:
    parser = _Forms()
    parser.feed(page)
    [form] = [form for form in parser.forms if form.get("aria-label") == label]
    return form


def test_an_order_is_paid_in_the_sandbox_shipped_delivered_and_paid_out(stack: LocalStack) -> None:
    settings = StackSettings.from_env(stack.env)
    ops = stack.user("ops")
    artisan = verified_artisan(stack, ops)
    listing = active_listing(stack, artisan, stock=3)
    buyer = stack.user()

    order = ok(place(stack, buyer, make_order((listing["listing_id"], 2))), 201)
    started = ok(api(stack, "POST", f"/orders/{order['order_id']}/payment", buyer))
    gateway_page = requests.post(started["action_url"], data=started["form_fields"], timeout=TIMEOUT)
    assert gateway_page.status_code == 200, gateway_page.text
    pay = form_labelled(gateway_page.text, "Pay")
    returned = requests.post(pay["action"], data=pay["fields"], headers={"Accept": "text/html"}, timeout=TIMEOUT,
                             allow_redirects=False)

    assert started["action_url"] == f"{stack.web_url}/sandbox/jazzcash"
    assert pay["action"] == f"{stack.api_url}/payments/jazzcash/callback"
    assert returned.status_code == 303, returned.text
    assert returned.headers["Location"] == f"{stack.web_url}/order.html?id={order['order_id']}"
    paid = ok(api(stack, "GET", f"/orders/{order['order_id']}", buyer))
    assert (paid["status"], paid["needs_review"]) == ("paid", False)
    assert stock_of(stack, listing["listing_id"]) == 1

    [entry] = ok(api(stack, "GET", "/artisans/me/orders?status=paid", artisan))["items"]
    assert entry["shipping_address"]["city"] == "Lahore"
    shipped = ok(api(stack, "POST", f"/orders/{order['order_id']}/shipments", artisan,
                     {"carrier": "pakistan_post", "tracking_number": "PP-2026-1"}))
    assert shipped["status"] == "shipped"
    delivered = ok(api(stack, "POST", f"/ops/orders/{order['order_id']}/delivered", ops))
    assert delivered["status"] == "delivered"

    line_total = order["items"][0]["line_total"]["amount"]
    credit = line_total - line_total * int(settings.commission_bps) // 10000
    payouts = ok(api(stack, "GET", "/artisans/me/payouts", artisan))
    assert payouts["balance"] == {"amount": credit, "currency": "PKR"}
    assert [(item["order_id"], item["amount"]["amount"]) for item in payouts["entries"]] == [
        (order["order_id"], credit)]

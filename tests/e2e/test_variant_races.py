"""Variants under races: real threads over HTTP against the local stack, whose emulator serialises DynamoDB.

The last "size 9 / red" khussa is sold once to many buyers released together, on the cold path (the order's
transaction reserves the variant) and on the hot path (a flash sale: single-item writes outside it); "size 8"
is never touched. A poller reads the variant's stock from the emulator throughout: it never goes below zero.
An artisan's variants edit racing orders never erases a reservation of any variant.
"""
from __future__ import annotations

from collections import Counter
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
import requests

from chalicelib.ids import rfc3339, utc_now
from harness.factories import make_order

from .conftest import LocalStack, User
from .test_orders_e2e import LISTINGS_TABLE, active_listing, api, ok, place, verified_artisan
from .test_races import error_code, polled, race

BUYERS = 16
OPTIONS = [{"name": "Size", "name_ur": "سائز", "values": ["8", "9"]},
           {"name": "Colour", "name_ur": "رنگ", "values": ["red", "black"]}]


def _variants(nine_red: int) -> list[dict[str, Any]]:
    return [{"options": {"Size": size, "Colour": colour}, "stock": nine_red if (size, colour) == ("9", "red") else 4}
            for size in ("8", "9") for colour in ("red", "black")]


def _stocks(stack: LocalStack, listing_id: str) -> dict[str, int]:
    """Every variant's stock (retired ones too), straight from the emulator: the poller adds no load on the API."""
    item = stack.client("dynamodb").get_item(TableName=LISTINGS_TABLE, Key={"listing_id": {"S": listing_id}},
                                             ConsistentRead=True)["Item"]
    return {variant_id: int(record["M"]["stock"]["N"]) for variant_id, record in item["variants"]["M"].items()}


def lowest_variant_stock(stack: LocalStack, listing_id: str) -> AbstractContextManager[list[int]]:
    """The lowest stock of any variant at each poll, until the block ends."""
    return polled(lambda: min(_stocks(stack, listing_id).values()), name="variant-stock-poller")


def _ids(listing: dict[str, Any]) -> dict[str, str]:
    return {f"{v['options']['Size']}/{v['options']['Colour']}": v["variant_id"] for v in listing["variants"]}


@pytest.fixture
def khussa(stack: LocalStack) -> tuple[User, dict[str, Any]]:
    artisan = verified_artisan(stack, stack.user("ops"))
    listing = active_listing(stack, artisan, title="Khussa, hand-stitched", stock=None, options=OPTIONS,
                             variants=_variants(nine_red=1))
    return artisan, listing


def _make_hot(stack: LocalStack, listing_id: str) -> None:
    """Mark the listing as the app marks a flash sale's, so its orders take the hot path (store/hot.py)."""
    stack.client("dynamodb").update_item(
        TableName=LISTINGS_TABLE, Key={"listing_id": {"S": listing_id}}, UpdateExpression="SET hot_until = :until",
        ExpressionAttributeValues={":until": {"S": rfc3339(utc_now() + timedelta(minutes=15))}})


def _the_last_nine_red_sells_once(stack: LocalStack, listing: dict[str, Any]) -> None:
    listing_id = listing["listing_id"]
    ids = _ids(listing)
    before = _stocks(stack, listing_id)
    buyers = [stack.user() for _ in range(BUYERS)]
    body = {**make_order(), "items": [{"listing_id": listing_id, "variant_id": ids["9/red"], "quantity": 1}]}

    with lowest_variant_stock(stack, listing_id) as seen:
        answers = race(stack, [lambda session, buyer=buyer: place(stack, buyer, body, session) for buyer in buyers])

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 1, 409: BUYERS - 1}, statuses
    refusals = [answer.json()["error"] for answer in answers if answer.status_code == 409]
    assert {refusal["code"] for refusal in refusals} == {"OUT_OF_STOCK"}
    assert all(refusal["details"] == [{"listing_id": listing_id, "variant_id": ids["9/red"], "available": 0}]
               for refusal in refusals)
    after = _stocks(stack, listing_id)
    assert after == {**before, ids["9/red"]: 0}  # size 8 (and 9/black) untouched
    assert seen and min(seen) >= 0
    winner = next(answer.json() for answer in answers if answer.status_code == 201)
    assert [(line["variant_id"], line["options"]) for line in winner["items"]] == [
        (ids["9/red"], {"Size": "9", "Colour": "red"})]
    public = ok(api(stack, "GET", f"/listings/{listing_id}"))
    assert public["stock"] == sum(after.values())


def test_the_last_size_9_red_sells_once_on_the_cold_path(stack, khussa):
    _, listing = khussa
    _the_last_nine_red_sells_once(stack, listing)


def test_the_last_size_9_red_sells_once_on_the_hot_path(stack, khussa):
    _, listing = khussa
    _make_hot(stack, listing["listing_id"])
    _the_last_nine_red_sells_once(stack, listing)
    holds = stack.client("dynamodb").get_item(TableName=LISTINGS_TABLE,
                                              Key={"listing_id": {"S": listing["listing_id"]}}, ConsistentRead=True)
    assert [name for name in holds["Item"] if name.startswith("hold_")] == []  # each finished order forgot its hold


def test_a_variants_edit_racing_orders_never_erases_a_reservation(stack, khussa):
    """The edit rewrites every variant (8/black's stock to 9), conditional on no variant's stock having moved
    since it read them (`variant_moves`), and is retried: the 8/red units that orders took, before or after
    the edit, stay taken."""
    artisan, listing = khussa
    listing_id = listing["listing_id"]
    ids = _ids(listing)
    edited = [dict(variant, stock=9) if variant["options"] == {"Size": "8", "Colour": "black"} else variant
              for variant in _variants(nine_red=1)]
    body = {**make_order(), "items": [{"listing_id": listing_id, "variant_id": ids["8/red"], "quantity": 1}]}
    buyers = [stack.user() for _ in range(6)]

    def edit(session: requests.Session) -> requests.Response:
        return api(stack, "PATCH", f"/listings/{listing_id}", artisan, {"variants": edited}, session=session)

    answers = race(stack, [edit] + [lambda session, buyer=buyer: place(stack, buyer, body, session)
                                    for buyer in buyers])

    edit_answer, orders = answers[0], answers[1:]
    assert edit_answer.status_code == 200, edit_answer.text
    assert all(answer.status_code == 201 or (answer.status_code, error_code(answer)) == (409, "OUT_OF_STOCK")
               for answer in orders)
    placed = sum(answer.status_code == 201 for answer in orders)
    stocks = _stocks(stack, listing_id)
    # The edit set 8/red to 4 (what it already was): the orders after it took from that 4, those before it were
    # absorbed by the edit. An erased reservation would leave more than 4 - (orders after the edit).
    after_edit = 4 - stocks[ids["8/red"]]
    assert 0 <= after_edit <= placed <= 4 + after_edit
    assert stocks[ids["8/black"]] == 9
    mine = [ok(api(stack, "GET", f"/orders/{answer.json()['order_id']}", buyer))
            for answer, buyer in zip(orders, buyers, strict=True) if answer.status_code == 201]
    assert len(mine) == placed

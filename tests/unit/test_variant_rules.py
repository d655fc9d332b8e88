"""Variants' decisions on plain values (catalog/rules.py, orders/rules.py): no emulator, no app."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chalicelib.catalog import rules
from chalicelib.errors import LimitReachedError, ListingUnavailableError, OutOfStockError, ValidationError
from chalicelib.orders import rules as order_rules
from chalicelib.store.records import Listing

NOW = "2026-11-28T10:00:00.000000Z"
SIZE = {"name": "Size", "name_ur": "سائز", "values": ["8", "9"]}
COLOUR = {"name": "Colour", "name_ur": "رنگ", "values": ["red", "black"]}


def variant(size: str, colour: str, stock: int = 3, **extra: Any) -> dict[str, Any]:
    return {"options": {"Size": size, "Colour": colour}, "stock": stock, **extra}


def grid(**stock: int) -> list[dict[str, Any]]:
    """Every size x colour; `stock` by name like s9_red (default 3)."""
    return [variant(size, colour, stock.get(f"s{size}_{colour}", 3)) for size in SIZE["values"]
            for colour in COLOUR["values"]]


def plain(**changes: Any) -> Listing:
    base = Listing(listing_id="L1", artisan_id="A1", province="punjab", title="Khussa", category="leather",
                   price_amount=250000, stock=5, weight_grams=400, processing_days=3, status="active", version=1,
                   created_at=NOW, updated_at=NOW)
    return replace(base, **changes)


def with_variants(variants: list[dict[str, Any]] | None = None) -> Listing:
    listing = plain()
    return replace(listing, **rules.variant_changes("L1", {}, options=[SIZE, COLOUR],
                                                    variants=grid() if variants is None else variants,
                                                    default_price=250000))


def fields(error: ValidationError) -> list[str]:
    return [detail["field"] for detail in error.details or []]


# --- validation ---------------------------------------------------------------------------------


def test_a_full_grid_is_valid() -> None:
    assert rules.check_variants([SIZE, COLOUR], grid()) == []


@pytest.mark.parametrize(("variants", "field"), [
    ([{"options": {"Size": "8"}, "stock": 1}], "variants[0].options"),  # one option missing
    ([{"options": {"Size": "8", "Colour": "red", "Width": "wide"}, "stock": 1}], "variants[0].options"),
    ([variant("10", "red")], "variants[0].options"),  # not one of the values
    ([variant("8", "red"), variant("8", "red")], "variants[1].options"),  # the same combination twice
    ([variant("8", "red", variant_id="V1"), variant("9", "red", variant_id="V1")], "variants[1].variant_id"),
    ([variant("8", "red", sku="K-8"), variant("9", "red", sku="K-8")], "variants[1].sku"),
    ([], "variants"),  # options need a variant
])
def test_every_variant_names_one_value_of_each_option_and_nothing_repeats(variants: list[dict[str, Any]],
                                                                          field: str) -> None:
    assert field in [detail["field"] for detail in rules.check_variants([SIZE, COLOUR], variants)]


def test_option_names_and_values_must_differ_and_variants_need_options() -> None:
    twice = [SIZE, {**COLOUR, "name": "size"}]
    assert "options" in [d["field"] for d in rules.check_variants(twice, [])]
    repeated = [{**SIZE, "values": ["8", "8"]}]
    assert "options[0].values" in [d["field"] for d in rules.check_variants(repeated, [])]
    assert [d["field"] for d in rules.check_variants([], [variant("8", "red")])] == ["variants"]


# --- ids, prices, stock -------------------------------------------------------------------------


def test_new_variants_get_ids_prices_and_the_listing_the_lowest_price_and_no_own_stock() -> None:
    variants = grid()
    variants[3] = {**variants[3], "price": 300000}
    changes = rules.variant_changes("L1", {}, options=[SIZE, COLOUR], variants=variants, default_price=200000)

    assert changes["stock"] == 0 and changes["price_amount"] == 200000
    prices = sorted(record["price_amount"] for record in changes["variants"].values())
    assert prices == [200000, 200000, 200000, 300000]
    assert all(variant_id.startswith("V") for variant_id in changes["variants"])
    # Decided again (a retried edit), the same ids.
    again = rules.variant_changes("L1", {}, options=[SIZE, COLOUR], variants=variants, default_price=200000)
    assert set(again["variants"]) == set(changes["variants"])


def test_ids_are_stable_across_edits_by_combination_or_by_the_id_named() -> None:
    listing = with_variants()
    ids = {tuple(sorted(v["options"].items())): vid for vid, v in listing.variants.items()}
    nine_red = ids[(("Colour", "red"), ("Size", "9"))]
    # 8/red by its combination; the id of 9/red now names 9/black (renamed, it keeps the id); 9/red is new.
    edited = [variant("8", "red"), variant("9", "black", 1, variant_id=nine_red), variant("9", "red", 7)]

    changes = rules.variant_changes("L1", listing.variants, options=[SIZE, COLOUR], variants=edited,
                                    default_price=250000)

    assert changes["variants"][nine_red]["options"] == {"Size": "9", "Colour": "black"}
    eight_red = ids[(("Colour", "red"), ("Size", "8"))]
    assert changes["variants"][eight_red]["options"] == {"Size": "8", "Colour": "red"}  # by combination
    new = [vid for vid in changes["variants"] if vid not in listing.variants]
    assert len(new) == 1 and changes["variants"][new[0]]["stock"] == 7
    old_nine_black = ids[(("Colour", "black"), ("Size", "9"))]
    assert changes["variants"][old_nine_black]["retired"] is True


def test_a_variant_left_out_is_retired_with_its_stock_and_comes_back_under_its_id() -> None:
    listing = with_variants(grid(s9_red=4))
    nine_red = next(vid for vid, v in listing.variants.items() if v["options"] == {"Size": "9", "Colour": "red"})
    fewer = [v for v in grid() if v["options"] != {"Size": "9", "Colour": "red"}]

    changes = rules.variant_changes("L1", listing.variants, options=[SIZE, COLOUR], variants=fewer,
                                    default_price=250000)
    retired = replace(listing, **changes)

    assert changes["variants"][nine_red] == {**listing.variants[nine_red], "retired": True}
    assert rules.variant_of(retired, nine_red) is None and rules.available(retired, nine_red) == 0
    assert nine_red not in [vid for vid, _ in rules.live_variants(retired)]
    assert rules.total_stock(retired) == 9
    back = rules.variant_changes("L1", retired.variants, options=[SIZE, COLOUR], variants=grid(s9_red=2),
                                 default_price=250000)
    assert back["variants"][nine_red] == {"options": {"Size": "9", "Colour": "red"}, "stock": 2,
                                          "price_amount": 250000}


def test_a_named_id_must_be_one_of_the_listings() -> None:
    with pytest.raises(ValidationError) as refused:
        rules.variant_changes("L1", {}, options=[SIZE, COLOUR], variants=[variant("8", "red", variant_id="VX")],
                              default_price=250000)
    assert fields(refused.value) == ["variants[0].variant_id"]


def test_a_listing_holds_at_most_so_many_variants_live_and_retired() -> None:
    many = {f"V{index}": {"options": {"Size": "8", "Colour": "red"}, "stock": 0, "price_amount": 100,
                          "retired": True} for index in range(rules.MAX_STORED_VARIANTS)}
    with pytest.raises(LimitReachedError):
        rules.variant_changes("L1", many, options=[SIZE, COLOUR], variants=[variant("9", "black")], default_price=100)


def test_live_variants_follow_the_option_value_order_and_the_stock_is_their_sum() -> None:
    listing = with_variants(grid(s8_red=1, s8_black=2, s9_red=0, s9_black=4))
    shown = [v["options"] for _, v in rules.live_variants(listing)]
    assert shown == [{"Size": "8", "Colour": "red"}, {"Size": "8", "Colour": "black"},
                     {"Size": "9", "Colour": "red"}, {"Size": "9", "Colour": "black"}]
    assert rules.total_stock(listing) == 7 and listing.stock == 0


# --- edits --------------------------------------------------------------------------------------


def test_stock_is_read_only_with_options_and_a_price_alone_cannot_apply() -> None:
    listing = with_variants()
    with pytest.raises(ValidationError) as stock:
        rules.variants_edit(listing, {"stock": 3}, options=None, variants=None)
    with pytest.raises(ValidationError) as price:
        rules.variants_edit(listing, {"price_amount": 300000}, options=None, variants=None)
    with pytest.raises(ValidationError) as alone:
        rules.variants_edit(listing, {}, options=[SIZE], variants=None)
    assert (fields(stock.value), fields(price.value), fields(alone.value)) == (["stock"], ["price"], ["variants"])
    assert rules.variants_edit(listing, {"title": "New"}, options=None, variants=None) == {"title": "New"}


def test_a_plain_listing_takes_options_and_gives_them_up_with_a_stock() -> None:
    changes = rules.variants_edit(plain(), {}, options=[SIZE, COLOUR], variants=grid())
    assert changes["stock"] == 0 and len(changes["variants"]) == 4
    varied = replace(plain(), **changes)
    with pytest.raises(ValidationError) as no_stock:
        rules.variants_edit(varied, {}, options=[], variants=[])
    assert fields(no_stock.value) == ["stock"]
    back = rules.variants_edit(varied, {"stock": 6}, options=[], variants=[])
    assert back["options"] == [] and back["stock"] == 6
    assert all(record["retired"] for record in back["variants"].values())
    with pytest.raises(ValidationError):
        rules.variants_edit(plain(), {}, options=None, variants=grid())


# --- orders -------------------------------------------------------------------------------------


def test_an_order_names_a_variant_exactly_when_the_listing_has_them() -> None:
    listing = with_variants()
    some = next(iter(listing.variants))
    without = order_rules.refusal({("L1", None): 1}, {"L1": listing})
    plain_with = order_rules.refusal({("L2", "V1"): 1}, {"L2": plain(listing_id="L2")})
    unknown = order_rules.refusal({("L1", "VNONE"): 1}, {"L1": listing})
    assert isinstance(without, ValidationError) and fields(without) == ["items[0].variant_id"]
    assert isinstance(plain_with, ValidationError) and isinstance(unknown, ValidationError)
    assert order_rules.refusal({("L1", some): 3}, {"L1": listing}) is None


def test_a_short_variant_is_named_with_what_is_left_and_a_retired_one_is_unavailable() -> None:
    listing = with_variants(grid(s9_red=1))
    ids = {tuple(sorted(v["options"].items())): vid for vid, v in listing.variants.items()}
    nine_red, eight_red = ids[(("Colour", "red"), ("Size", "9"))], ids[(("Colour", "red"), ("Size", "8"))]

    short = order_rules.refusal({("L1", nine_red): 2, ("L1", eight_red): 2}, {"L1": listing})
    assert isinstance(short, OutOfStockError)
    assert short.details == [{"listing_id": "L1", "variant_id": nine_red, "available": 1}]
    retired = replace(listing, variants={**listing.variants, nine_red: {**listing.variants[nine_red], "retired": True}})
    gone = order_rules.refusal({("L1", nine_red): 1}, {"L1": retired})
    assert isinstance(gone, ListingUnavailableError)
    assert gone.details == [{"listing_id": "L1", "variant_id": nine_red}]


def test_a_variant_line_is_priced_at_its_variant_and_records_the_choice() -> None:
    variants = grid()
    variants[0] = {**variants[0], "price": 280000}
    listing = with_variants(variants)
    eight_red = next(vid for vid, v in listing.variants.items() if v["options"] == {"Size": "8", "Colour": "red"})
    nine_black = next(vid for vid, v in listing.variants.items() if v["options"] == {"Size": "9", "Colour": "black"})

    priced = order_rules.price({("L1", eight_red): 2, ("L1", nine_black): 1}, {"L1": listing}, country="PK",
                               currency="PKR", rates={})

    assert [(line["variant_id"], line["options"], line["unit_price"], line["line_total"]) for line in priced.lines] == [
        (eight_red, {"Size": "8", "Colour": "red"}, 280000, 560000),
        (nine_black, {"Size": "9", "Colour": "black"}, 250000, 250000)]
    assert priced.subtotal == 810000
    released = order_rules.releases(replace(_order(priced.lines)))
    assert released == [(("L1", eight_red), 2), (("L1", nine_black), 1)]


def _order(lines: list[dict[str, Any]]) -> Any:
    from chalicelib.store.records import Order

    return Order(order_id="O1", buyer_id="B1", status="pending_payment", lines=lines, subtotal=0, shipping=0,
                 total=0, charge_amount=0, charge_currency="PKR", fx_rate="1", payment_method="jazzcash",
                 shipping_address={}, created_at=NOW, updated_at=NOW)

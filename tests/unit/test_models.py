"""Request models: strictness, unknown fields, and the partial-update null rules of ListingUpdate."""
from __future__ import annotations

from typing import Any

import pydantic
import pytest

from chalicelib.catalog.schemas import ArtisanUpsert, ListingCreate, ListingQuery, ListingUpdate


def _listing(**overrides: Any) -> dict[str, Any]:
    listing = {"title": "Blue pottery vase", "category": "pottery", "price": {"amount": 150000, "currency": "PKR"},
               "stock": 3, "weight_grams": 900, "processing_days": 5}
    listing.update(overrides)
    return listing


def _errors(model: type[pydantic.BaseModel], data: dict[str, Any]) -> list[tuple[Any, ...]]:
    with pytest.raises(pydantic.ValidationError) as caught:
        model.model_validate(data)
    return [tuple(error["loc"]) for error in caught.value.errors()]


@pytest.mark.parametrize("name", ["title_ur", "description_ur"])
def test_null_clears_an_optional_urdu_field(name):
    update = ListingUpdate.model_validate({name: None})
    assert update.changes() == {name: None}


@pytest.mark.parametrize("name", ["title", "description", "category", "price", "stock", "weight_grams",
                                  "processing_days", "attributes"])
def test_null_is_refused_for_every_other_field(name):
    with pytest.raises(pydantic.ValidationError) as caught:
        ListingUpdate.model_validate({name: None})
    assert name in str(caught.value)


def test_an_empty_update_is_refused():
    with pytest.raises(pydantic.ValidationError):
        ListingUpdate.model_validate({})


def test_changes_are_only_the_fields_sent():
    update = ListingUpdate.model_validate({"stock": 0, "title_ur": "نیلا گلدان"})
    assert update.changes() == {"stock": 0, "title_ur": "نیلا گلدان"}


def test_an_update_is_strict_and_closed():
    assert _errors(ListingUpdate, {"stock": "3"}) == [("stock",)]
    assert _errors(ListingUpdate, {"status": "active"}) == [("status",)]
    assert _errors(ListingUpdate, {"price": {"amount": 99, "currency": "PKR"}}) == [("price", "amount")]


def test_a_listing_strips_its_title_and_checks_its_length_after():
    assert ListingCreate.model_validate(_listing(title="  Vase  ")).title == "Vase"
    assert _errors(ListingCreate, _listing(title="  ab  ")) == [("title",)]


def test_a_listing_price_is_whole_pkr_minor_units():
    assert _errors(ListingCreate, _listing(price={"amount": 150000.0, "currency": "PKR"})) == [("price", "amount")]
    assert _errors(ListingCreate, _listing(price={"amount": 150000, "currency": "USD"})) == [("price", "currency")]


def test_at_most_twenty_attributes():
    assert ListingCreate.model_validate(_listing(attributes={str(i): "v" for i in range(20)}))
    assert _errors(ListingCreate, _listing(attributes={str(i): "v" for i in range(21)})) == [("attributes",)]


def test_a_profile_cnic_and_phone_have_fixed_forms():
    profile = {"display_name": "Ali", "craft": "woodwork", "province": "punjab", "district": "Chiniot",
               "phone": "+923001234567", "cnic": "35202-1234567-1"}
    assert ArtisanUpsert.model_validate(profile).cnic == "35202-1234567-1"
    assert ArtisanUpsert.model_validate({**profile, "cnic": None}).cnic is None
    assert _errors(ArtisanUpsert, {**profile, "cnic": "3520212345671"}) == [("cnic",)]
    assert _errors(ArtisanUpsert, {**profile, "phone": "03001234567"}) == [("phone",)]


def test_browse_queries_coerce_numbers_from_the_query_string():
    query = ListingQuery.model_validate({"category": "pottery", "min_price": "100", "limit": "5"})
    assert (query.min_price, query.limit) == (100, 5)
    assert _errors(ListingQuery, {"limit": "101"}) == [("limit",)]

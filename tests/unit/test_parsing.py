"""Request parsing: field paths in details, body limits, JSON errors, query strings and If-Match forms."""
from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.errors import PayloadTooLargeError, PreconditionFailedError, ValidationError
from chalicelib.http.parsing import MAX_BODY_BYTES, field_path, parse_body, parse_form, parse_if_match, parse_query


class Line(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    quantity: int = Field(ge=1, le=100)


class Basket(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    items: list[Line]
    note: str | None = None


class Page(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(20, ge=1, le=100)


@pytest.mark.parametrize(("location", "path"), [
    (("items", 0, "quantity"), "items[0].quantity"),
    (("items", 12), "items[12]"),
    (("rates", "USD"), "rates.USD"),
    (("a", 0, 1, "b", "c"), "a[0][1].b.c"),
    (("title",), "title"),
    ((), ""),
])
def test_field_path_joins_pydantic_locations(location, path):
    assert field_path(location) == path


def _details(raw: bytes, model: type[BaseModel] = Basket) -> list[dict[str, str]]:
    with pytest.raises(ValidationError) as caught:
        parse_body(raw, model)
    assert caught.value.details is not None
    return caught.value.details


def test_a_valid_body_is_parsed():
    assert parse_body(b'{"items": [{"quantity": 2}], "note": "\xd8\xb4\xda\xa9\xd8\xb1\xdb\x8c\xdb\x81"}',
                      Basket) == Basket(items=[Line(quantity=2)], note="شکریہ")


def test_details_name_the_nested_field():
    details = _details(b'{"items": [{"quantity": 1}, {"quantity": 0}]}')
    assert [d["field"] for d in details] == ["items[1].quantity"]
    assert details[0]["message"]


def test_every_problem_is_reported():
    details = _details(b'{"items": [{"quantity": "2"}, {"quantity": 101, "x": 1}], "colour": "red"}')
    assert sorted(d["field"] for d in details) == ["colour", "items[0].quantity", "items[1].quantity",
                                                   "items[1].x"]


def test_a_string_is_not_an_int():
    assert [d["field"] for d in _details(b'{"items": [{"quantity": "5"}]}')] == ["items[0].quantity"]


@pytest.mark.parametrize("raw", [b"{", b"not json", b'{"items": [}', b"\xff\xfe"])
def test_invalid_json_is_a_body_error(raw):
    assert _details(raw) == [{"field": "body", "message": "Invalid JSON"}]


@pytest.mark.parametrize("raw", [None, b"", b"   \n"])
def test_an_empty_body_is_required(raw):
    assert [d["field"] for d in _details(raw)] == ["body"]  # type: ignore[arg-type]


def test_a_non_object_body_is_a_body_error():
    assert [d["field"] for d in _details(b"[1, 2]")] == ["body"]


def test_a_body_over_256_kib_is_too_large_before_parsing():
    with pytest.raises(PayloadTooLargeError):
        parse_body(b"{" + b" " * MAX_BODY_BYTES + b"}", Basket)


def test_a_body_of_exactly_256_kib_is_parsed():
    body = json.dumps({"items": [{"quantity": 1}], "note": ""}).encode()
    body = body[:-1] + b" " * (MAX_BODY_BYTES - len(body)) + b"}"
    assert len(body) == MAX_BODY_BYTES
    assert parse_body(body, Basket).items == [Line(quantity=1)]


def test_query_strings_are_coerced_and_validated():
    assert parse_query({"limit": "5"}, Page).limit == 5
    assert parse_query(None, Page).limit == 20
    with pytest.raises(ValidationError) as caught:
        parse_query({"limit": "0", "sort": "x"}, Page)
    assert sorted(d["field"] for d in caught.value.details or []) == ["limit", "sort"]


def test_form_bodies_are_decoded_with_the_last_value_winning():
    assert parse_form(b"pp_Amount=2995&pp_Amount=3000&empty=&pp_Txt=%D8%B4") == {
        "pp_Amount": "3000", "empty": "", "pp_Txt": "ش"}
    with pytest.raises(PayloadTooLargeError):
        parse_form(b"a=" + b"x" * MAX_BODY_BYTES)
    with pytest.raises(ValidationError):
        parse_form(b"a=\xff")


@pytest.mark.parametrize(("header", "version"), [
    ('"3"', 3), ("3", 3), ('W/"3"', 3), (' "12" ', 12), ("*", None), (None, None), ('"007"', 7),
])
def test_if_match_forms(header, version):
    assert parse_if_match(header) == version


@pytest.mark.parametrize("header", ["", "abc", '"3", "4"', '"-1"', '"3.0"', '"1234567890123"', "W/", '"x3"'])
def test_an_unusable_if_match_can_match_no_version(header):
    with pytest.raises(PreconditionFailedError):
        parse_if_match(header)

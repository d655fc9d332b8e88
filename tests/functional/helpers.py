"""Test data factories and small request helpers for the functional tier."""
from __future__ import annotations

import json
from typing import Any

from tests.conftest import User

_cnic_counter = [1000000]


def next_cnic() -> str:
    _cnic_counter[0] += 1
    return f"35202-{_cnic_counter[0]:07d}-1"


def make_profile(**overrides: Any) -> dict[str, Any]:
    profile = {"display_name": "Nasreen Bibi", "craft": "embroidery", "province": "punjab",
               "district": "Multan", "bio": "Phulkari since 1990", "bio_ur": "پھلکاری ۱۹۹۰ سے",
               "phone": "+923001234567", "cnic": next_cnic()}
    profile.update(overrides)
    return profile


def make_listing(**overrides: Any) -> dict[str, Any]:
    listing = {"title": "Hand-embroidered phulkari shawl", "title_ur": "ہاتھ سے کڑھی پھلکاری شال",
               "description": "Silk thread on khaddar.", "category": "embroidery",
               "price": {"amount": 250000, "currency": "PKR"}, "stock": 5, "weight_grams": 400,
               "processing_days": 3, "attributes": {"colour": "red"}}
    listing.update(overrides)
    return listing


def call(client: Any, method: str, path: str, user: User | None = None, body: Any = None,
         headers: dict[str, str] | None = None, raw: bytes | str | None = None) -> Any:
    all_headers = {"Content-Type": "application/json", **(user.auth if user else {}), **(headers or {})}
    payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
    response = getattr(client.http, method.lower())(path, headers=all_headers, body=payload)
    return response


def body_of(response: Any) -> Any:
    return json.loads(response.body) if response.body else None

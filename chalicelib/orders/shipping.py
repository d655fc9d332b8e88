"""Shipping charges: one shipment per artisan in an order, priced by weight.

The rate table (PKR minor units), also in the README:

| destination   | first 500 g | each further 500 g (or part) |
|---------------|-------------|------------------------------|
| Pakistan (PK) | Rs 250      | Rs 100                       |
| international | Rs 4,500    | Rs 1,500                     |
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

STEP_GRAMS = 500


@dataclass(frozen=True)
class Rate:
    first_step: int
    each_further_step: int


DOMESTIC = Rate(first_step=25_000, each_further_step=10_000)
INTERNATIONAL = Rate(first_step=450_000, each_further_step=150_000)


def shipment_cost(weight_grams: int, country: str) -> int:
    rate = DOMESTIC if country == "PK" else INTERNATIONAL
    steps = max(1, -(-weight_grams // STEP_GRAMS))
    return rate.first_step + (steps - 1) * rate.each_further_step


def order_shipping(weights_by_artisan: Iterable[int], country: str) -> int:
    """Each artisan ships their part of an order separately."""
    return sum(shipment_cost(weight, country) for weight in weights_by_artisan)

"""The reviews' decisions, as pure functions of plain values: no I/O, unit-tested without an emulator."""
from __future__ import annotations

import hashlib
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..auth import Identity
from ..errors import InvalidStateError, NotFoundError
from ..store.records import Order, Review

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32, like every other id
_ID_LENGTH = 20


def review_id(order_id: str, listing_id: str) -> str:
    """The one id a review of this (order, listing) pair can have, so a second review is a failed put."""
    digest = int.from_bytes(hashlib.sha256(f"{order_id}#{listing_id}".encode()).digest(), "big")
    characters = []
    for _ in range(_ID_LENGTH):
        digest, index = divmod(digest, len(_ALPHABET))
        characters.append(_ALPHABET[index])
    return "RV" + "".join(characters)


def reviewable(order: Order | None, identity: Identity, listing_id: str) -> None:
    """Only the order's buyer reviews it (anyone else: 404, as if absent), once it is delivered, for its own lines."""
    if order is None or order.buyer_id != identity.user_id:
        raise NotFoundError()
    if order.status != "delivered":
        raise InvalidStateError("Only a delivered order can be reviewed.")
    if not any(line["listing_id"] == listing_id for line in order.lines):
        raise InvalidStateError("This order has no delivered item of that listing.")


def hiding(review: Review | None) -> bool:
    """Whether hiding changes anything: a missing review is 404; one hidden already stays as it is."""
    if review is None:
        raise NotFoundError()
    return not review.hidden


def rating_summary(rating_sum: int, rating_count: int) -> dict[str, Any]:
    """The listing's `rating`: the mean of the visible ratings to one decimal (half up), None before the first."""
    if rating_count <= 0:
        return {"average": None, "count": 0}
    average = (Decimal(rating_sum) / Decimal(rating_count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return {"average": float(average), "count": rating_count}

"""Reviews as the contract shows them. The buyer's and the order's ids are never shown to the public."""
from __future__ import annotations

from typing import Any

from ..store.records import Review


def review_document(review: Review, *, ops: bool = False) -> dict[str, Any]:
    document: dict[str, Any] = {"review_id": review.review_id, "listing_id": review.listing_id,
                                "rating": review.rating, "text": review.text, "verified_purchase": True,
                                "created_at": review.created_at, "hidden": review.hidden}
    if ops:
        document["hidden_reason"] = review.hidden_reason
    return document

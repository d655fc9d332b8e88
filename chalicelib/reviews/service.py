"""Writing, listing and hiding reviews: the service. Keyword-only arguments, plain values in and out."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..audit.service import audit_entry
from ..auth import Identity
from ..catalog.rules import may_see_listing
from ..errors import DuplicateError, InvalidStateError
from ..ids import rfc3339, utc_now
from ..optimistic import read_decide_write
from ..store import listings as listing_store
from ..store import orders as order_store
from ..store import reviews as store
from ..store.records import Review
from . import rules
from .documents import review_document

if TYPE_CHECKING:
    from .schemas import ReviewCreate


def write_review(*, identity: Identity, order_id: str, review: ReviewCreate) -> dict[str, Any]:
    """A verified buyer's review of one delivered listing of their order: once, with the listing's sums."""
    order = order_store.get_order(order_id)
    rules.reviewable(order, identity, review.listing_id)
    written = Review(review_id=rules.review_id(order_id, review.listing_id), listing_id=review.listing_id,
                     order_id=order_id, buyer_id=identity.user_id, rating=review.rating, text=review.text or None,
                     created_at=rfc3339(utc_now()))
    try:
        store.put_review(written)
    except store.DuplicateReviewError:
        raise DuplicateError("You have reviewed this item of this order already.") from None
    except store.OrderNotReviewableError:
        raise InvalidStateError("Only a delivered order can be reviewed.") from None
    return review_document(written)


def listing_reviews(*, identity: Identity | None, listing_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """The visible reviews of a listing, newest first; a listing the caller may not see is 404, as if absent."""
    may_see_listing(identity, listing_store.get_listing(listing_id))
    page = store.listing_reviews(listing_id, limit=limit, cursor=cursor)
    return {"items": [review_document(review) for review in page.items], "next_cursor": page.next_cursor}


def hide_review(*, identity: Identity, review_id: str, reason: str) -> dict[str, Any]:
    """Ops hide a review: out of the list and the listing's rating, audited; hiding it again changes nothing."""
    identity.require("ops")

    def write(review: Review | None, changes: bool) -> Review:
        assert review is not None  # `hiding` refused a missing one
        if not changes:
            return review
        at = rfc3339(utc_now())
        store.hide_review(review, reason=reason, at=at, audit_entry=audit_entry(
            identity, "review.hidden", review.review_id, at=at,
            details={"reason": reason, "listing_id": review.listing_id, "rating": review.rating}))
        return replace(review, hidden_reason=reason, hidden_at=at)

    hidden = read_decide_write(lambda: store.get_review(review_id), rules.hiding, write, what="review")
    return review_document(hidden, ops=True)

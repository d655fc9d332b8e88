"""Reviews: each written in one transaction with its listing's rating sums, so the aggregates stay exact.

A review's id is derived from its (order, listing) pair, so "once per listing per
order" is a conditional put. The same transaction adds the rating to the
listing's `rating_sum` and `rating_count` (an atomic ADD: racing reviews never
lose one) and checks that the order is still the buyer's and delivered. Hiding
removes the review from the sparse `by_listing` index and takes its rating off
the listing in one transaction with the ops decision's audit entry. The listing
item is also where stock lives: a review is one more short transaction on it.
"""
from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from ..optimistic import ConflictError
from . import audit
from .pages import Page, query_page
from .records import AuditEntry, Review
from .tables import ListingItem, OrderItem, ReviewItem
from .transactions import Transaction


class DuplicateReviewError(Exception):
    """This order's buyer has reviewed this listing already."""


class OrderNotReviewableError(Exception):
    """The order stopped being the buyer's delivered order before the review was written."""


def _review(row: ReviewItem) -> Review:
    return Review(review_id=row.review_id, listing_id=row.listing_id, order_id=row.order_id, buyer_id=row.buyer_id,
                  rating=int(row.rating), text=row.text, created_at=row.created_at, hidden_reason=row.hidden_reason,
                  hidden_at=row.hidden_at)


def get_review(review_id: str) -> Review | None:
    try:
        return _review(ReviewItem.get(review_id, consistent_read=True))
    except DoesNotExist:
        return None


def put_review(review: Review) -> None:
    """Write a new review and add its rating to the listing, if the order is still the buyer's and delivered.

    Raises DuplicateReviewError (a review of this pair exists) or OrderNotReviewableError.
    """
    transaction = Transaction(ReviewItem.Meta.region)
    transaction.put(ReviewItem(review.review_id, listing_id=review.listing_id, order_id=review.order_id,
                               buyer_id=review.buyer_id, rating=review.rating, text=review.text,
                               created_at=review.created_at, visible_listing=review.listing_id),
                    condition=ReviewItem.review_id.does_not_exist(), tag="review")
    transaction.update(ListingItem(review.listing_id),
                       [ListingItem.rating_sum.add(review.rating), ListingItem.rating_count.add(1)],
                       condition=ListingItem.listing_id.exists(), tag="listing")
    transaction.check(OrderItem, review.order_id, tag="order",
                      condition=(OrderItem.buyer_id == review.buyer_id) & (OrderItem.status == "delivered"))
    failed = transaction.commit()
    if "review" in failed:
        raise DuplicateReviewError()
    if failed:
        raise OrderNotReviewableError()


def hide_review(review: Review, *, reason: str, at: str, audit_entry: AuditEntry) -> None:
    """Hide a visible review and take its rating off the listing, with the audit entry, at once.

    Raises ConflictError if the review was hidden meanwhile (read it again: hiding twice changes nothing).
    """
    transaction = Transaction(ReviewItem.Meta.region)
    transaction.update(ReviewItem(review.review_id),
                       [ReviewItem.hidden_reason.set(reason), ReviewItem.hidden_at.set(at),
                        ReviewItem.visible_listing.remove()],
                       condition=ReviewItem.hidden_at.does_not_exist(), tag="review")
    transaction.update(ListingItem(review.listing_id),
                       [ListingItem.rating_sum.add(-review.rating), ListingItem.rating_count.add(-1)],
                       condition=ListingItem.listing_id.exists(), tag="listing")
    audit.record(transaction, audit_entry)
    if transaction.commit():
        raise ConflictError()


def listing_reviews(listing_id: str, *, limit: int, cursor: str | None) -> Page[Review]:
    """A listing's visible reviews, newest first: one Query of the sparse by_listing index."""
    return query_page(ReviewItem.by_listing, listing_id, convert=_review, query_id=f"reviews:{listing_id}",
                      limit=limit, cursor=cursor)

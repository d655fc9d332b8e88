"""Recognising failed DynamoDB conditions by error code, never by message text."""
from __future__ import annotations

from pynamodb.exceptions import PynamoDBException, TransactWriteError


def condition_failed(error: PynamoDBException) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


def cancelled_positions(error: TransactWriteError) -> list[int]:
    """Indexes of the transaction's actions whose condition failed."""
    reasons = error.cancellation_reasons or []
    return [i for i, reason in enumerate(reasons) if reason is not None and reason.code == "ConditionalCheckFailed"]


def transaction_conflict(error: TransactWriteError) -> bool:
    reasons = error.cancellation_reasons or []
    return any(reason is not None and reason.code == "TransactionConflict" for reason in reasons)

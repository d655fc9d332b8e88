"""Recognising failed DynamoDB conditions and conflicts by error code, never by message text."""
from __future__ import annotations

from pynamodb.exceptions import PynamoDBException

# Answers that clear with time: another writer holds the item, or it (or the table) is past its write rate.
BUSY_CODES = frozenset({"TransactionConflictException", "ThrottlingException", "ProvisionedThroughputExceededException",
                        "RequestLimitExceeded", "TransactionInProgressException"})


def condition_failed(error: BaseException) -> bool:
    return error_code(error) == "ConditionalCheckFailedException"


def met_a_transaction(error: BaseException) -> bool:
    """A single-item write refused because a transaction was writing the item (DynamoDB does not retry it)."""
    return error_code(error) == "TransactionConflictException"


def changed_meanwhile(error: BaseException) -> bool:
    """The item is not as it was read, or is being written: read again and decide again."""
    return condition_failed(error) or met_a_transaction(error)


def error_code(error: BaseException) -> str | None:
    """DynamoDB's error code of a botocore or pynamodb error, or None for anything else."""
    if isinstance(error, PynamoDBException):
        return error.cause_response_code
    response = getattr(error, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def busy(error: BaseException) -> bool:
    """The error, or one it was raised from, is DynamoDB saying "busy, try again shortly"."""
    seen: BaseException | None = error
    while seen is not None:
        if error_code(seen) in BUSY_CODES:
            return True
        seen = seen.__cause__ or seen.__context__
    return False

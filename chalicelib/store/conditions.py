"""Recognising failed DynamoDB conditions and conflicts by error code, never by message text."""
from __future__ import annotations

from pynamodb.exceptions import PynamoDBException


def condition_failed(error: PynamoDBException) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


def met_a_transaction(error: PynamoDBException) -> bool:
    """A single-item write refused because a transaction was writing the item (DynamoDB does not retry it)."""
    return error.cause_response_code == "TransactionConflictException"


def changed_meanwhile(error: PynamoDBException) -> bool:
    """The item is not as it was read, or is being written: read again and decide again."""
    return condition_failed(error) or met_a_transaction(error)

"""Recognising failed DynamoDB conditions by error code, never by message text."""
from __future__ import annotations

from pynamodb.exceptions import PynamoDBException


def condition_failed(error: PynamoDBException) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"

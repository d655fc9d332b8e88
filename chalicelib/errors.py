"""Domain errors and the one table that maps them to HTTP status and error code.

Services raise these; `app.py` turns them into the contract's error shape
`{"error": {"code", "message", "details"}}` with `http_error()`. Nothing else
decides a status code.
"""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a client may see. `message` is a human sentence."""

    default_message = "The request cannot be completed."

    def __init__(self, message: str | None = None, *, details: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        self.message = message or self.default_message
        self.details = details
        self.headers = headers or {}
        super().__init__(self.message)


class ValidationError(DomainError):
    default_message = "The request is not valid."


class BadCursorError(DomainError):
    default_message = "The cursor is malformed or was not issued for this query."


class UnsupportedQueryError(DomainError):
    default_message = "This combination of query parameters is not supported."


class UnauthenticatedError(DomainError):
    default_message = "Sign in with a valid token."


class ForbiddenError(DomainError):
    default_message = "Your role does not allow this."


class NotFoundError(DomainError):
    default_message = "Not found."


class OutOfStockError(DomainError):
    default_message = "Not enough stock for some items."


class ListingUnavailableError(DomainError):
    default_message = "A listing in the order is not available."


class NotPublishableError(DomainError):
    default_message = "The listing cannot be published yet."


class InvalidStateError(DomainError):
    default_message = "The current state does not allow this."


class DuplicateError(DomainError):
    default_message = "That already exists."


class LimitReachedError(DomainError):
    default_message = "A limit has been reached."


class PreconditionFailedError(DomainError):
    default_message = "The resource has changed since the version you sent."


class PayloadTooLargeError(DomainError):
    default_message = "The request body is larger than 256 KiB."


class IdempotencyKeyReusedError(DomainError):
    default_message = "This Idempotency-Key was used with a different request."


class MethodNotAllowedError(DomainError):
    default_message = "This path does not take that method."

    def __init__(self, allowed: list[str]) -> None:
        super().__init__(f"This path takes {', '.join(allowed)}.", headers={"Allow": ", ".join(allowed)})


class ServiceUnavailableError(DomainError):
    default_message = "The service is busy; retry shortly."


ERROR_TABLE: dict[type[DomainError], tuple[int, str]] = {
    ValidationError: (400, "VALIDATION_ERROR"),
    BadCursorError: (400, "BAD_CURSOR"),
    UnsupportedQueryError: (400, "UNSUPPORTED_QUERY"),
    UnauthenticatedError: (401, "UNAUTHENTICATED"),
    ForbiddenError: (403, "FORBIDDEN"),
    NotFoundError: (404, "NOT_FOUND"),
    OutOfStockError: (409, "OUT_OF_STOCK"),
    ListingUnavailableError: (409, "LISTING_UNAVAILABLE"),
    NotPublishableError: (409, "NOT_PUBLISHABLE"),
    InvalidStateError: (409, "INVALID_STATE"),
    DuplicateError: (409, "DUPLICATE"),
    LimitReachedError: (409, "LIMIT_REACHED"),
    MethodNotAllowedError: (405, "METHOD_NOT_ALLOWED"),
    PreconditionFailedError: (412, "PRECONDITION_FAILED"),
    PayloadTooLargeError: (413, "PAYLOAD_TOO_LARGE"),
    IdempotencyKeyReusedError: (422, "IDEMPOTENCY_KEY_REUSED"),
    ServiceUnavailableError: (503, "SERVICE_UNAVAILABLE"),
}


def http_error(error: DomainError) -> tuple[int, dict[str, Any]]:
    """Status and body of the contract's error shape for a domain error."""
    status, code = ERROR_TABLE[type(error)]
    body: dict[str, Any] = {"code": code, "message": error.message}
    if error.details is not None:
        body["details"] = error.details
    return status, {"error": body}


def internal_error_body() -> dict[str, Any]:
    return {"error": {"code": "INTERNAL", "message": "Something went wrong on our side; it has been logged."}}

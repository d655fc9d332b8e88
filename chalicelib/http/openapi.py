"""The OpenAPI 3.1 document, generated from the operations that `app.py` declares with its routes.

Only `GET /openapi.json` needs it, so JSON-schema generation never weighs on other requests.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .operations import REGISTRY, Operation, schema

_ERROR = "http:ErrorResponse"


_ERROR_DESCRIPTIONS = {
    400: "Validation failed (VALIDATION_ERROR, BAD_CURSOR, UNSUPPORTED_QUERY)",
    401: "Missing, malformed, expired or forged token, or bad signature (UNAUTHENTICATED)",
    403: "The role does not allow it (FORBIDDEN)",
    404: "Absent, or not yours to know (NOT_FOUND)",
    409: "The current state forbids it",
    412: "Stale If-Match (PRECONDITION_FAILED)",
    413: "Body over 256 KiB (PAYLOAD_TOO_LARGE)",
    422: "Idempotency-Key reused with another body (IDEMPOTENCY_KEY_REUSED)",
    503: "Busy; retry after the Retry-After seconds (SERVICE_UNAVAILABLE)",
}
_WITHOUT_STORAGE = frozenset({"/health", "/openapi.json"})


def _all_models() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = [schema(_ERROR)]
    for op in REGISTRY:
        for name in (op.response, op.request, *op.other_statuses.values()):  # None for body-less responses
            if name is not None and schema(name) not in found:
                found.append(schema(name))
    return found


def _json_content(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": ref}}}


def _parameters(op: Operation, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for segment in op.path.split("/"):
        if segment.startswith("{"):
            params.append({"name": segment.strip("{}"), "in": "path", "required": True,
                           "schema": {"type": "string", "minLength": 1, "maxLength": 64,
                                      "pattern": "^[A-Za-z0-9_-]+$"}})
    if op.query is not None:
        query = schema(op.query).model_json_schema(ref_template="#/components/schemas/{model}")
        for name, prop in query.get("properties", {}).items():
            params.append({"name": name, "in": "query", "required": name in query.get("required", []),
                           "schema": prop})
        schemas.update(query.get("$defs", {}))
    for name, required, description in op.headers:
        params.append({"name": name, "in": "header", "required": required, "description": description,
                       "schema": {"type": "string", "minLength": 1, "maxLength": 64}})
    return params


def _operation(op: Operation, refs: dict[type[BaseModel], str], schemas: dict[str, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    ok: dict[str, Any] = {"description": op.summary}
    if op.response is not None:
        ok["content"] = _json_content(refs[schema(op.response)])
    elif op.media_type is not None:
        ok["content"] = {op.media_type: {"schema": {"type": "string"}}}
    elif op.path == "/openapi.json":
        ok["content"] = {"application/json": {"schema": {"type": "object"}}}
    if op.response_headers:
        ok["headers"] = {name: {"schema": {"type": "string"}} for name in op.response_headers}
    responses[str(op.status)] = ok
    for other_status, name in op.other_statuses.items():
        responses[str(other_status)] = ({"description": "Redirect to the storefront's order page"} if name is None
                                        else {"description": op.summary, "content": _json_content(refs[schema(name)])})
    # Any route that reaches DynamoDB may answer 503 when it stays busy past the retries (app.py, `handle`).
    busy = () if op.path in _WITHOUT_STORAGE else (503,)
    for error_status in sorted(set(op.errors) | set(busy)):
        responses[str(error_status)] = {"description": _ERROR_DESCRIPTIONS[error_status],
                                        "content": _json_content(refs[schema(_ERROR)])}
    document: dict[str, Any] = {"summary": op.summary, "tags": [op.tag],
                                "operationId": op.operation_id,
                                "parameters": _parameters(op, schemas), "responses": responses}
    if op.request is not None:
        media = "application/x-www-form-urlencoded" if op.form else "application/json"
        document["requestBody"] = {"required": True,
                                   "content": {media: {"schema": {"$ref": refs[schema(op.request)]}}}}
    if op.auth:
        document["security"] = [{"cognitoIdToken": []}]
    return document


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    models = _all_models()
    keyed: list[tuple[type[BaseModel], Literal["validation"]]] = [(model, "validation") for model in models]
    ref_map, definitions = models_json_schema(keyed, ref_template="#/components/schemas/{model}")
    refs = {model: ref_map[(model, "validation")]["$ref"] for model in models}
    schemas: dict[str, Any] = dict(definitions.get("$defs", {}))
    paths: dict[str, Any] = {}
    for op in REGISTRY:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, refs, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Made in Pakistan marketplace", "version": "1.0.0",
                 "description": "The HTTP contract of the storefront, the artisan dashboard and outside clients."},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"cognitoIdToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                                   "description": "A Cognito ID token."}},
        },
    }

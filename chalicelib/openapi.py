"""The OpenAPI 3.1 document, generated from the pydantic models and the operation table.

`OPERATIONS` lists every route `app.py` serves; a functional test checks that
the two agree, so the document describes exactly what is implemented.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from . import models as m
from . import order_models as o


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    status: int = 200
    response: type[BaseModel] | None = None
    request: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    auth: bool = False
    errors: tuple[int, ...] = ()
    headers: tuple[tuple[str, bool, str], ...] = ()  # (name, required, description)
    response_headers: tuple[str, ...] = ()
    form: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # other status -> model (None: no body)


_ID_OF_LISTING = ("If-Match", False, "The listing version from its ETag; a stale one is refused with 412.")

OPERATIONS: list[Operation] = [
    Operation("GET", "/health", "Liveness", "documents", response=m.Health),
    Operation("GET", "/openapi.json", "This document", "documents"),
    Operation("GET", "/config", "How clients sign in", "documents", response=m.ClientConfig),
    Operation("GET", "/categories", "The crafts", "documents", response=m.CategoryList),
    Operation("GET", "/fx-rates", "PKR exchange rates", "documents", response=m.FxRatesPublic),
    Operation("PUT", "/ops/fx-rates", "Set exchange rates (ops)", "ops", response=m.FxRatesPublic,
              request=m.FxRatesUpdate, auth=True, errors=(400, 401, 403, 413)),
    Operation("PUT", "/artisans/me", "Create (201) or update (200) my artisan profile", "artisans",
              response=m.ArtisanPrivate, request=m.ArtisanUpsert, auth=True, errors=(400, 401, 403, 409, 413),
              extra={"201": m.ArtisanPrivate}),
    Operation("GET", "/artisans/me", "My artisan profile", "artisans", response=m.ArtisanPrivate, auth=True,
              errors=(401, 403, 404)),
    Operation("GET", "/artisans/me/listings", "My listings, drafts included", "artisans", response=m.ListingPage,
              query=m.PageQuery, auth=True, errors=(400, 401, 403)),
    Operation("GET", "/artisans/{artisan_id}", "A verified artisan", "artisans", response=m.ArtisanPublic,
              errors=(401, 404)),
    Operation("GET", "/artisans", "Verified artisans, newest first", "artisans", response=m.ArtisanPage,
              query=m.ArtisanQuery, errors=(400,)),
    Operation("GET", "/ops/artisans", "The verification queue, oldest first (ops)", "ops",
              response=m.ArtisanPrivatePage, query=m.VerificationQueueQuery, auth=True, errors=(400, 401, 403)),
    Operation("POST", "/ops/artisans/{artisan_id}/verification", "Verify or reject an artisan (ops)", "ops",
              response=m.ArtisanPrivate, request=m.VerificationDecision, auth=True,
              errors=(400, 401, 403, 404, 409, 413)),
    Operation("POST", "/listings", "Create a draft listing", "listings", status=201, response=m.ListingPublic,
              request=m.ListingCreate, auth=True, errors=(400, 401, 403, 409, 413), response_headers=("ETag",)),
    Operation("GET", "/listings", "Browse active listings", "listings", response=m.ListingPage,
              query=m.ListingQuery, errors=(400,)),
    Operation("GET", "/listings/{listing_id}", "A listing", "listings", response=m.ListingPublic,
              query=m.CurrencyQuery, errors=(400, 401, 404), response_headers=("ETag",)),
    Operation("PATCH", "/listings/{listing_id}", "Edit a listing (owner)", "listings", response=m.ListingPublic,
              request=m.ListingUpdate, auth=True, errors=(400, 401, 403, 404, 409, 412, 413),
              headers=(_ID_OF_LISTING,), response_headers=("ETag",)),
    Operation("POST", "/listings/{listing_id}/publish", "Publish (owner)", "listings", response=m.ListingPublic,
              auth=True, errors=(401, 403, 404, 409), response_headers=("ETag",)),
    Operation("POST", "/listings/{listing_id}/unpublish", "Back to draft (owner)", "listings",
              response=m.ListingPublic, auth=True, errors=(401, 403, 404, 409), response_headers=("ETag",)),
    Operation("DELETE", "/listings/{listing_id}", "Archive (owner)", "listings", status=204, auth=True,
              errors=(401, 403, 404)),
    Operation("POST", "/listings/{listing_id}/images", "Grant a photo upload: an S3 presigned POST (owner)",
              "listings", status=201, response=m.ImageUploadGrant, request=m.ImageUploadCreate, auth=True,
              errors=(400, 401, 403, 404, 409, 413)),
    Operation("DELETE", "/listings/{listing_id}/images/{image_id}", "Delete a photo and its renditions (owner)",
              "listings", status=204, auth=True, errors=(401, 403, 404)),
    Operation("POST", "/orders", "Place an order (201), or replay it (200)", "orders", status=201,
              response=o.OrderPublic, request=o.OrderCreate, auth=True, errors=(400, 401, 409, 413, 422, 503),
              headers=(("Idempotency-Key", True, "1..64 visible characters; a retry with the same body returns "
                        "the same order"),), extra={"200": o.OrderPublic}),
    Operation("GET", "/orders", "My orders, newest first", "orders", response=o.OrderPage, query=m.PageQuery,
              auth=True, errors=(400, 401)),
    Operation("GET", "/orders/{order_id}", "An order (its buyer and ops)", "orders", response=o.OrderPublic,
              auth=True, errors=(401, 404)),
    Operation("POST", "/orders/{order_id}/cancel", "Cancel and release stock (buyer)", "orders",
              response=o.OrderPublic, auth=True, errors=(401, 404, 409, 503)),
    Operation("POST", "/orders/{order_id}/payment", "Start paying (buyer)", "payments",
              response=o.PaymentStartPublic, auth=True, errors=(401, 404, 409)),
    Operation("POST", "/orders/{order_id}/shipments", "Ship my lines (artisan)", "fulfilment",
              response=o.OrderPublic, request=o.ShipmentCreate, auth=True, errors=(400, 401, 403, 404, 409, 413)),
    Operation("POST", "/ops/orders/{order_id}/delivered", "Mark delivered, credit payouts (ops)", "ops",
              response=o.OrderPublic, auth=True, errors=(401, 403, 404, 409)),
    Operation("GET", "/artisans/me/orders", "My order lines, grouped by order (artisan)", "fulfilment",
              response=o.ArtisanOrderPage, query=o.ArtisanOrderQuery, auth=True, errors=(400, 401, 403)),
    Operation("GET", "/artisans/me/payouts", "My payout balance and ledger (artisan)", "fulfilment",
              response=o.PayoutsPublic, query=m.PageQuery, auth=True, errors=(400, 401, 403)),
    Operation("POST", "/payments/jazzcash/callback", "JazzCash return post (signature-checked)", "payments",
              response=o.CallbackAccepted, request=o.JazzCashCallbackForm, form=True, errors=(400, 401, 413),
              extra={"303": None}),
    Operation("POST", "/payments/card/webhook", "Card gateway webhook (Stripe-Signature checked)", "payments",
              response=o.CallbackAccepted, request=o.CardWebhookEvent, errors=(400, 401, 413),
              headers=(("Stripe-Signature", True, "t=<unix>,v1=<hex HMAC-SHA256 of 't.body'>"),)),
]

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


def _all_models() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = [m.ErrorResponse]
    for op in OPERATIONS:
        for model in (op.response, op.request, *op.extra.values()):  # None for body-less responses
            if model is not None and model not in found:
                found.append(model)
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
        schema = op.query.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, prop in schema.get("properties", {}).items():
            params.append({"name": name, "in": "query", "required": name in schema.get("required", []),
                           "schema": prop})
        schemas.update(schema.get("$defs", {}))
    for name, required, description in op.headers:
        params.append({"name": name, "in": "header", "required": required, "description": description,
                       "schema": {"type": "string", "minLength": 1, "maxLength": 64}})
    return params


def _operation_id(op: Operation) -> str:
    """`GET /listings/{listing_id}` -> `get_listings_listing_id`."""
    return op.method.lower() + re.sub(r"[^A-Za-z0-9]+", "_", op.path.replace("{", "").replace("}", "")).rstrip("_")


def _operation(op: Operation, refs: dict[type[BaseModel], str], schemas: dict[str, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    ok: dict[str, Any] = {"description": op.summary}
    if op.response is not None:
        ok["content"] = _json_content(refs[op.response])
    elif op.path == "/openapi.json":
        ok["content"] = {"application/json": {"schema": {"type": "object"}}}
    if op.response_headers:
        ok["headers"] = {name: {"schema": {"type": "string"}} for name in op.response_headers}
    responses[str(op.status)] = ok
    for extra_status, model in op.extra.items():
        responses[extra_status] = ({"description": "Redirect to the storefront's order page"} if model is None
                             else {"description": op.summary, "content": _json_content(refs[model])})
    for error_status in op.errors:
        responses[str(error_status)] = {"description": _ERROR_DESCRIPTIONS[error_status],
                                  "content": _json_content(refs[m.ErrorResponse])}
    document: dict[str, Any] = {"summary": op.summary, "tags": [op.tag],
                                "operationId": _operation_id(op),
                                "parameters": _parameters(op, schemas), "responses": responses}
    if op.request is not None:
        media = "application/x-www-form-urlencoded" if op.form else "application/json"
        document["requestBody"] = {"required": True, "content": {media: {"schema": {"$ref": refs[op.request]}}}}
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
    for op in OPERATIONS:
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

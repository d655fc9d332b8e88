"""Routes and event handlers only: each declares its operation, parses, calls one service, shapes the answer."""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import wraps
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.exceptions import SchemaValidationError
from chalice import Chalice, CORSConfig, Cron, Rate, Response

from chalicelib.auth import Identity, authenticate
from chalicelib.catalog.categories import CATEGORIES
from chalicelib.config import client_config
from chalicelib.errors import (
    DomainError,
    MethodNotAllowedError,
    ServiceUnavailableError,
    http_error,
    internal_error_body,
)
from chalicelib.http.lazy import lazy_module
from chalicelib.http.operations import REGISTRY, Operation, register, schema, shape
from chalicelib.http.parsing import parse_body, parse_form, parse_if_match, parse_query
from chalicelib.http.replies import Reply
from chalicelib.wiring import get_settings

# Each service loads when a request first uses it, so a cold start pays only for what its request needs.
artisans = lazy_module("chalicelib.catalog.artisans")
listings = lazy_module("chalicelib.catalog.listings")
moderation = lazy_module("chalicelib.catalog.moderation")
audit = lazy_module("chalicelib.audit.service")
fx = lazy_module("chalicelib.fx.service")
uploads = lazy_module("chalicelib.images.uploads")
processor = lazy_module("chalicelib.images.processor")
imports = lazy_module("chalicelib.onboarding.imports")
import_worker = lazy_module("chalicelib.onboarding.worker")
orders = lazy_module("chalicelib.orders.service")
payments = lazy_module("chalicelib.payments.service")
payouts = lazy_module("chalicelib.payouts.service")
payout_runs = lazy_module("chalicelib.payouts.runs")
statements = lazy_module("chalicelib.payouts.statements")
refunds = lazy_module("chalicelib.refunds.service")
queues = lazy_module("chalicelib.orders.queues")
returns = lazy_module("chalicelib.returns.service")
reviews = lazy_module("chalicelib.reviews.service")
search = lazy_module("chalicelib.search.service")
notifications = lazy_module("chalicelib.notifications.service")

app = Chalice(app_name="made-in-pakistan")
logger = Logger(service="marketplace")
# The namespace defaults here so a missing setting can never fail a request at flush time.
metrics = Metrics(service="marketplace", namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "MadeInPakistan"))
# CORS is fixed when routes are declared, so the allowed origin is the one
# setting read at import; `make package` sets the stage's origin.
_CORS = CORSConfig(allow_origin=os.environ.get("ALLOWED_ORIGIN", "*"),
                   allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key"],
                   expose_headers=["ETag"], max_age=600)
JSON = "application/json; charset=utf-8"
SIGNED_IN = (401,)
_IF_MATCH = ("If-Match", False, "The listing version from its ETag; a stale one is refused with 412.")
_IDEMPOTENCY_KEY = ("Idempotency-Key", True, "1..64 visible characters; a retry with the same body returns the "
                    "same order")
_STRIPE_SIGNATURE = ("Stripe-Signature", True, "t=<unix>,v1=<hex HMAC-SHA256 of 't.body'>")


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body=json.dumps(body, ensure_ascii=False, separators=(",", ":")), status_code=status,
                    headers={"Content-Type": JSON, **(headers or {})})


def count(name: str, value: int = 1) -> None:
    """A business metric (EMF), published when the invocation ends."""
    if value:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def publish_metrics() -> None:
    """Flush the EMF metrics; a metrics failure is logged, never turned into the client's 500."""
    try:
        if metrics.metric_set:
            metrics.flush_metrics()
    except SchemaValidationError:
        logger.exception("metrics not published")
    finally:
        metrics.clear_metrics()


_METRIC_FOR_CODE = {"OUT_OF_STOCK": "StockConflicts", "LISTING_UNAVAILABLE": "StockConflicts",
                    "LIMIT_REACHED": "BuyerLimitsReached"}


class Call:
    """The request as a handler sees it: the caller, and the body and query parsed with the operation's schemas.

    Handlers parse before they name a service, so a refused request never loads the service's modules.
    """

    def __init__(self, operation: Operation) -> None:
        self._operation = operation
        self._request: Any = app.current_request  # set by Chalice for the request being handled

    def caller(self) -> Identity:
        return authenticate(self.header("authorization"), get_settings())

    def optional_caller(self) -> Identity | None:
        return self.caller() if self.header("authorization") else None

    def header(self, name: str) -> str | None:
        value: str | None = self._request.headers.get(name)
        return value

    def body(self) -> Any:
        assert self._operation.request is not None, "the operation declares no request body"
        return parse_body(self._request.raw_body, schema(self._operation.request),
                          content_type=self.header("content-type"))

    def query(self) -> Any:
        assert self._operation.query is not None, "the operation declares no query"
        return parse_query(self._request.query_params, schema(self._operation.query))

    def form(self) -> dict[str, str]:
        return parse_form(self._request.raw_body)

    @property
    def raw_body(self) -> bytes:
        raw: bytes = self._request.raw_body or b""
        return raw


def _refused(error: DomainError, path: str) -> Response:
    status, body = http_error(error)
    code = body["error"]["code"]
    logger.info("request refused", extra={"path": path, "status": status, "code": code})
    if code in _METRIC_FOR_CODE:
        count(_METRIC_FOR_CODE[code])
    if path.startswith("/payments/"):
        count("CallbacksRejected")
    return _json(body, status, error.headers)


def route(operation: Operation) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a route and its operation at once; the one place domain errors become the contract's error shape."""
    register(operation)

    def declare(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def handle(**params: Any) -> Response:
            request: Any = app.current_request
            logger.set_correlation_id(request.context.get("requestId"))
            try:
                get_settings()  # settings, secrets and table bindings, built once per container
                result = view(Call(operation), **params)
                reply = result if isinstance(result, Reply) else Reply(result, operation.status)
                if reply.body is None:
                    return Response(body="", status_code=reply.status, headers=dict(reply.headers))
                if operation.media_type is not None:
                    return Response(body=reply.body, status_code=reply.status,
                                    headers={"Content-Type": operation.media_type, **reply.headers})
                return _json(shape(operation, reply.status, reply.body), reply.status, reply.headers)
            except DomainError as error:
                return _refused(error, request.path)
            except Exception as error:
                from chalicelib.store.conditions import busy  # here: only an error needs it, not a cold start

                if busy(error):
                    # DynamoDB's "try again shortly" that outlasted the store's own retries: the client's to retry.
                    logger.warning("storage busy", extra={"path": request.path})
                    return _refused(ServiceUnavailableError(headers={"Retry-After": "1"}), request.path)
                logger.exception("unhandled error", extra={"path": request.path})
                return _json(internal_error_body(), 500)
            finally:
                publish_metrics()

        app.route(operation.path, methods=[operation.method], cors=_CORS,
                  # Every media type reaches the handler, so a wrong one is refused in the contract's
                  # error shape (by parse_body) rather than with Chalice's own 415.
                  content_types=["*/*"])(handle)
        return view

    return declare


def _with_etag(listing: dict[str, Any], status: int = 200) -> Reply:
    return Reply(listing, status, {"ETag": f'"{listing["version"]}"'})


# --- health and documents -------------------------------------------------------


@route(Operation("GET", "/health", "Liveness", "documents", response="http:Health"))
def health(call: Call) -> dict[str, str]:
    return {"status": "ok"}


@route(Operation("GET", "/openapi.json", "This document", "documents"))
def openapi(call: Call) -> dict[str, Any]:
    from chalicelib.http.openapi import openapi_document  # JSON-schema generation is only needed here

    return openapi_document()


@route(Operation("GET", "/config", "How clients sign in", "documents", response="http:ClientConfig"))
def get_client_config(call: Call) -> dict[str, Any]:
    return client_config(get_settings())


@route(Operation("GET", "/categories", "The crafts", "documents", response="http:CategoryList"))
def categories(call: Call) -> dict[str, Any]:
    return {"items": list(CATEGORIES)}


@route(Operation("GET", "/fx-rates", "PKR exchange rates", "documents", response="fx:FxRatesPublic"))
def get_fx_rates(call: Call) -> dict[str, Any]:
    return fx.fx_rates()


@route(Operation("PUT", "/ops/fx-rates", "Set exchange rates (ops)", "ops", response="fx:FxRatesPublic",
                 request="fx:FxRatesUpdate", auth=True, errors=(400, 401, 403, 413)))
def put_fx_rates(call: Call) -> dict[str, Any]:
    identity = call.caller()
    rates = call.body().rates
    return fx.set_fx_rates(identity=identity, rates=rates)


# --- artisans --------------------------------------------------------------------


@route(Operation("PUT", "/artisans/me", "Create (201) or update (200) my artisan profile (any signed-in user: "
                 "creating one joins the artisans group)", "artisans",
                 response="catalog:ArtisanPrivate", request="catalog:ArtisanUpsert", auth=True,
                 errors=(400, 401, 409, 413, 503), other_statuses={201: "catalog:ArtisanPrivate"}))
def put_my_profile(call: Call) -> Reply:
    identity = call.caller()
    request = call.body()
    profile, created = artisans.upsert_my_profile(identity=identity, profile=request)
    return Reply(profile, 201 if created else 200)


@route(Operation("GET", "/artisans/me", "My artisan profile (any signed-in user; 404 without one)", "artisans",
                 response="catalog:ArtisanPrivate", auth=True, errors=(401, 404)))
def get_my_profile(call: Call) -> dict[str, Any]:
    return artisans.get_my_profile(identity=call.caller())


@route(Operation("GET", "/artisans/me/listings", "My listings, drafts included", "artisans",
                 response="catalog:ListingPage", query="http:PageQuery", auth=True, errors=(400, 401, 403)))
def get_my_listings(call: Call) -> dict[str, Any]:
    identity = call.caller()
    page = call.query()
    return listings.my_listings(identity=identity, limit=page.limit, cursor=page.cursor)


@route(Operation("GET", "/artisans/{artisan_id}", "A verified artisan", "artisans", response="catalog:ArtisanPublic",
                 errors=(401, 404)))
def get_artisan(call: Call, artisan_id: str) -> dict[str, Any]:
    return artisans.get_artisan(identity=call.optional_caller(), artisan_id=artisan_id)


@route(Operation("GET", "/artisans", "Verified artisans, newest first", "artisans", response="catalog:ArtisanPage",
                 query="catalog:ArtisanQuery", errors=(400,)))
def list_artisans(call: Call) -> dict[str, Any]:
    params = call.query()
    return artisans.list_artisans(province=params.province, craft=params.craft, limit=params.limit,
                                  cursor=params.cursor)


@route(Operation("GET", "/ops/artisans", "The verification queue, oldest first (ops)", "ops",
                 response="catalog:ArtisanPrivatePage", query="catalog:VerificationQueueQuery", auth=True,
                 errors=(400, 401, 403)))
def verification_queue(call: Call) -> dict[str, Any]:
    identity = call.caller()
    params = call.query()
    return artisans.verification_queue(identity=identity, verification=params.verification, limit=params.limit,
                                       cursor=params.cursor)


@route(Operation("POST", "/ops/artisans/{artisan_id}/verification", "Verify or reject an artisan (ops)", "ops",
                 response="catalog:ArtisanPrivate", request="catalog:VerificationDecision", auth=True,
                 errors=(400, 401, 403, 404, 409, 413)))
def decide_verification(call: Call, artisan_id: str) -> dict[str, Any]:
    identity = call.caller()
    decision = call.body()
    return moderation.decide_verification(identity=identity, artisan_id=artisan_id, decision=decision.decision,
                                          note=decision.note)


# --- moderation (ops) --------------------------------------------------------------


@route(Operation("POST", "/ops/artisans/{artisan_id}/suspension", "Suspend an artisan: every listing leaves the "
                 "catalog (ops)", "ops", response="catalog:ArtisanPrivate", request="catalog:SuspensionCreate",
                 auth=True, errors=(400, 401, 403, 404, 409, 413, 503)))
def suspend_artisan(call: Call, artisan_id: str) -> dict[str, Any]:
    identity = call.caller()
    reason = call.body().reason
    return moderation.suspend(identity=identity, artisan_id=artisan_id, reason=reason)


@route(Operation("DELETE", "/ops/artisans/{artisan_id}/suspension", "Lift a suspension (ops)", "ops",
                 response="catalog:ArtisanPrivate", auth=True, errors=(401, 403, 404, 409, 503)))
def lift_suspension(call: Call, artisan_id: str) -> dict[str, Any]:
    return moderation.lift_suspension(identity=call.caller(), artisan_id=artisan_id)


@route(Operation("POST", "/ops/listings/{listing_id}/takedown", "Take a listing down (ops)", "ops",
                 response="catalog:ListingPublic", request="catalog:TakedownCreate", auth=True,
                 errors=(400, 401, 403, 404, 409, 413, 503)))
def take_down_listing(call: Call, listing_id: str) -> dict[str, Any]:
    identity = call.caller()
    reason = call.body().reason
    return moderation.take_down(identity=identity, listing_id=listing_id, reason=reason)


@route(Operation("POST", "/ops/listings/{listing_id}/reinstatement", "Reinstate a taken-down listing as a draft "
                 "(ops)", "ops", response="catalog:ListingPublic", auth=True, errors=(401, 403, 404, 409, 503)))
def reinstate_listing(call: Call, listing_id: str) -> dict[str, Any]:
    return moderation.reinstate(identity=call.caller(), listing_id=listing_id)


@route(Operation("GET", "/ops/audit", "Ops decisions, newest first: by target, by actor, or all (ops)", "ops",
                 response="audit:AuditPage", query="audit:AuditQuery", auth=True, errors=(400, 401, 403)))
def audit_log(call: Call) -> dict[str, Any]:
    identity = call.caller()
    params = call.query()
    return audit.audit_log(identity=identity, target_id=params.target_id, actor_id=params.actor_id,
                           limit=params.limit, cursor=params.cursor)


# --- listings --------------------------------------------------------------------


@route(Operation("POST", "/listings", "Create a draft listing", "listings", status=201,
                 response="catalog:ListingPublic", request="catalog:ListingCreate", auth=True,
                 errors=(400, 401, 403, 409, 413), response_headers=("ETag",)))
def create_listing(call: Call) -> Reply:
    identity = call.caller()
    request = call.body()
    return _with_etag(listings.create_listing(identity=identity, listing=request), 201)


@route(Operation("GET", "/listings", "Browse active listings", "listings", response="catalog:ListingPage",
                 query="catalog:ListingQuery", errors=(400,)))
def browse_listings(call: Call) -> dict[str, Any]:
    query = call.query()
    return listings.browse_listings(query=query)


@route(Operation("GET", "/search", "Search active listings, best first (Urdu and English; one typo; the last word "
                 "as a prefix)", "listings", response="catalog:ListingPage", query="search:SearchQuery",
                 errors=(400,)))
def search_listings(call: Call) -> dict[str, Any]:
    query = call.query()
    return search.search(query=query)


@route(Operation("GET", "/listings/{listing_id}", "A listing", "listings", response="catalog:ListingPublic",
                 query="http:CurrencyQuery", errors=(400, 401, 404), response_headers=("ETag",)))
def get_listing(call: Call, listing_id: str) -> Reply:
    identity = call.optional_caller()
    currency = call.query().currency
    return _with_etag(listings.get_listing(identity=identity, listing_id=listing_id, currency=currency))


@route(Operation("PATCH", "/listings/{listing_id}", "Edit a listing (owner)", "listings",
                 response="catalog:ListingPublic", request="catalog:ListingUpdate", auth=True,
                 errors=(400, 401, 403, 404, 409, 412, 413), headers=(_IF_MATCH,), response_headers=("ETag",)))
def update_listing(call: Call, listing_id: str) -> Reply:
    identity = call.caller()
    if_match = parse_if_match(call.header("if-match"))
    update = call.body()
    return _with_etag(listings.update_listing(identity=identity, listing_id=listing_id, update=update,
                                              if_match=if_match))


@route(Operation("POST", "/listings/{listing_id}/publish", "Publish (owner)", "listings",
                 response="catalog:ListingPublic", auth=True, errors=(401, 403, 404, 409),
                 response_headers=("ETag",)))
def publish_listing(call: Call, listing_id: str) -> Reply:
    return _with_etag(listings.publish_listing(identity=call.caller(), listing_id=listing_id))


@route(Operation("POST", "/listings/{listing_id}/unpublish", "Back to draft (owner)", "listings",
                 response="catalog:ListingPublic", auth=True, errors=(401, 403, 404, 409),
                 response_headers=("ETag",)))
def unpublish_listing(call: Call, listing_id: str) -> Reply:
    return _with_etag(listings.unpublish_listing(identity=call.caller(), listing_id=listing_id))


@route(Operation("DELETE", "/listings/{listing_id}", "Archive (owner)", "listings", status=204, auth=True,
                 errors=(401, 403, 404)))
def archive_listing(call: Call, listing_id: str) -> Reply:
    listings.archive_listing(identity=call.caller(), listing_id=listing_id)
    return Reply(None, 204)


@route(Operation("POST", "/listings/{listing_id}/images", "Grant a photo upload: an S3 presigned POST (owner)",
                 "listings", status=201, response="images:ImageUploadGrant", request="images:ImageUploadCreate",
                 auth=True, errors=(400, 401, 403, 404, 409, 413)))
def grant_image_upload(call: Call, listing_id: str) -> dict[str, Any]:
    identity = call.caller()
    request = call.body()
    return uploads.grant_upload(identity=identity, listing_id=listing_id, content_type=request.content_type,
                                size_bytes=request.size_bytes)


@route(Operation("DELETE", "/listings/{listing_id}/images/{image_id}", "Delete a photo and its renditions (owner)",
                 "listings", status=204, auth=True, errors=(401, 403, 404)))
def delete_image(call: Call, listing_id: str, image_id: str) -> Reply:
    uploads.delete_image(identity=call.caller(), listing_id=listing_id, image_id=image_id)
    return Reply(None, 204)


# --- orders ----------------------------------------------------------------------


@route(Operation("POST", "/orders", "Place an order (201), or replay it (200)", "orders", status=201,
                 response="orders:OrderPublic", request="orders:OrderCreate", auth=True,
                 errors=(400, 401, 409, 413, 422, 503), headers=(_IDEMPOTENCY_KEY,),
                 other_statuses={200: "orders:OrderPublic"}))
def place_order(call: Call) -> Reply:
    identity = call.caller()
    request = call.body()
    order, created = orders.place_order(identity=identity, request=request,
                                        idempotency_key=call.header("idempotency-key"))
    count("OrdersPlaced" if created else "OrdersReplayed")
    return Reply(order, 201 if created else 200)


@route(Operation("GET", "/orders", "My orders, newest first", "orders", response="orders:OrderPage",
                 query="http:PageQuery", auth=True, errors=(400, 401)))
def list_orders(call: Call) -> dict[str, Any]:
    identity = call.caller()
    page = call.query()
    return orders.list_orders(identity=identity, limit=page.limit, cursor=page.cursor)


@route(Operation("GET", "/orders/{order_id}", "An order (its buyer and ops)", "orders", response="orders:OrderPublic",
                 auth=True, errors=(401, 404)))
def get_order(call: Call, order_id: str) -> dict[str, Any]:
    return orders.get_order(identity=call.caller(), order_id=order_id)


@route(Operation("POST", "/orders/{order_id}/cancel", "Cancel and release stock (buyer)", "orders",
                 response="orders:OrderPublic", auth=True, errors=(401, 404, 409, 503)))
def cancel_order(call: Call, order_id: str) -> dict[str, Any]:
    return orders.cancel_order(identity=call.caller(), order_id=order_id)


@route(Operation("POST", "/orders/{order_id}/rejection", "Decline a cash-on-delivery order before shipping: "
                 "cancelled, stock released (artisan with lines in it)", "fulfilment", response="orders:OrderPublic",
                 request="orders:ReasonCreate", auth=True, errors=(400, 401, 403, 404, 409, 413, 503)))
def reject_order(call: Call, order_id: str) -> dict[str, Any]:
    identity = call.caller()
    rejection = call.body()
    return orders.reject_order(identity=identity, order_id=order_id, rejection=rejection)


@route(Operation("POST", "/orders/{order_id}/payment", "Start paying (buyer)", "payments",
                 response="payments:PaymentStartPublic", auth=True, errors=(401, 404, 409)))
def start_payment(call: Call, order_id: str) -> dict[str, Any]:
    return payments.start_payment(identity=call.caller(), order_id=order_id)


@route(Operation("POST", "/orders/{order_id}/shipments", "Ship my lines (artisan)", "fulfilment",
                 response="orders:OrderPublic", request="orders:ShipmentCreate", auth=True,
                 errors=(400, 401, 403, 404, 409, 413)))
def ship_order(call: Call, order_id: str) -> dict[str, Any]:
    identity = call.caller()
    shipment = call.body()
    return orders.ship(identity=identity, order_id=order_id, shipment=shipment)


@route(Operation("POST", "/ops/orders/{order_id}/delivered", "Mark delivered, credit payouts (ops)", "ops",
                 response="orders:OrderPublic", auth=True, errors=(401, 403, 404, 409)))
def mark_delivered(call: Call, order_id: str) -> dict[str, Any]:
    return orders.mark_delivered(identity=call.caller(), order_id=order_id)


@route(Operation("POST", "/ops/orders/{order_id}/refunds", "Refund lines or an amount through the gateway that "
                 "took the money (201), or replay it (200) (ops)", "ops", status=201, response="refunds:RefundPublic",
                 request="refunds:RefundCreate", auth=True, errors=(400, 401, 403, 404, 409, 413, 422, 503),
                 headers=(("Idempotency-Key", True, "1..64 visible characters; a retry with the same body returns "
                           "the same refund"),), other_statuses={200: "refunds:RefundPublic"}))
def create_refund(call: Call, order_id: str) -> Reply:
    identity = call.caller()
    request = call.body()
    refund, created = refunds.create_refund(identity=identity, order_id=order_id, request=request,
                                            idempotency_key=call.header("idempotency-key"))
    count("RefundsCreated" if created else "RefundsReplayed")
    return Reply(refund, 201 if created else 200)


@route(Operation("POST", "/ops/orders/{order_id}/cancel", "Cancel an undelivered order, refunding it in full if "
                 "it was paid (ops)", "ops", response="orders:OrderPublic", request="orders:ReasonCreate", auth=True,
                 errors=(400, 401, 403, 404, 409, 413, 422, 503)))
def ops_cancel_order(call: Call, order_id: str) -> dict[str, Any]:
    identity = call.caller()
    cancellation = call.body()
    return orders.ops_cancel_order(identity=identity, order_id=order_id, cancellation=cancellation)


@route(Operation("POST", "/ops/orders/{order_id}/review-resolution", "Take an order out of the needs-review "
                 "queue (ops)", "ops", response="orders:OrderPublic", request="orders:ReviewResolutionCreate",
                 auth=True, errors=(400, 401, 403, 404, 409, 413, 503)))
def resolve_order_review(call: Call, order_id: str) -> dict[str, Any]:
    identity = call.caller()
    resolution = call.body()
    return orders.resolve_review(identity=identity, order_id=order_id, resolution=resolution)


@route(Operation("GET", "/artisans/me/orders", "My order lines, grouped by order (artisan)", "fulfilment",
                 response="orders:ArtisanOrderPage", query="orders:ArtisanOrderQuery", auth=True,
                 errors=(400, 401, 403)))
def my_artisan_orders(call: Call) -> dict[str, Any]:
    identity = call.caller()
    params = call.query()
    return orders.artisan_orders(identity=identity, status=params.status, limit=params.limit, cursor=params.cursor)


@route(Operation("GET", "/artisans/me/payouts", "My payout balance and ledger (artisan)", "fulfilment",
                 response="payouts:PayoutsPublic", query="http:PageQuery", auth=True, errors=(400, 401, 403)))
def my_payouts(call: Call) -> dict[str, Any]:
    identity = call.caller()
    page = call.query()
    return payouts.payouts(identity=identity, limit=page.limit, cursor=page.cursor)


@route(Operation("GET", "/artisans/me/payout-transfers", "My payouts and their state: sent, paid or failed "
                 "(artisan)", "fulfilment", response="payouts:PayoutTransferPage", query="http:PageQuery", auth=True,
                 errors=(400, 401, 403)))
def my_payout_transfers(call: Call) -> dict[str, Any]:
    identity = call.caller()
    page = call.query()
    return payout_runs.my_transfers(identity=identity, limit=page.limit, cursor=page.cursor)


# --- payout runs (ops, and weekly by themselves) ------------------------------------------


@route(Operation("POST", "/ops/payout-runs", "Pay every artisan with a payout account and at least min_amount "
                 "(default Rs 500) their balance, once; the bank file (201), or the same run carried on (200) (ops)",
                 "ops", status=201, response="payouts:PayoutRunPublic", request="payouts:PayoutRunCreate", auth=True,
                 errors=(400, 401, 403, 409, 413, 422, 503),
                 headers=(("Idempotency-Key", True, "1..64 visible characters; a retry with the same body carries on "
                           "and returns the same run"),), other_statuses={200: "payouts:PayoutRunPublic"}))
def start_payout_run(call: Call) -> Reply:
    identity = call.caller()
    request = call.body()
    minimum = request.min_amount.amount if request.min_amount is not None else None
    run, created = payout_runs.start_run(identity=identity, min_amount=minimum,
                                         idempotency_key=call.header("idempotency-key"))
    return Reply(run, 201 if created else 200)


@route(Operation("GET", "/ops/payout-runs", "Payout runs, newest first (ops)", "ops",
                 response="payouts:PayoutRunPage", query="http:PageQuery", auth=True, errors=(400, 401, 403)))
def list_payout_runs(call: Call) -> dict[str, Any]:
    identity = call.caller()
    page = call.query()
    return payout_runs.list_runs(identity=identity, limit=page.limit, cursor=page.cursor)


@route(Operation("GET", "/ops/payout-runs/{run_id}", "A payout run, a fresh link to its bank file and a page of its "
                 "transfers (ops)", "ops", response="payouts:PayoutRunDetail", query="http:PageQuery", auth=True,
                 errors=(400, 401, 403, 404)))
def get_payout_run(call: Call, run_id: str) -> dict[str, Any]:
    identity = call.caller()
    page = call.query()
    return payout_runs.get_run(identity=identity, run_id=run_id, limit=page.limit, cursor=page.cursor)


@route(Operation("POST", "/ops/payout-runs/{run_id}/settlement", "Post the bank's results: each transfer paid or "
                 "failed once, a failed one credited back once (ops)", "ops", response="payouts:PayoutRunPublic",
                 request="payouts:SettlementCreate", auth=True, errors=(400, 401, 403, 404, 409, 413, 503)))
def settle_payout_run(call: Call, run_id: str) -> dict[str, Any]:
    identity = call.caller()
    settlement = call.body()
    return payout_runs.settle(identity=identity, run_id=run_id, results=settlement.results)


@route(Operation("GET", "/artisans/me/statements/{month}", "My statement for a month YYYY-MM, Pakistan time "
                 "(artisan)", "fulfilment", response="payouts:StatementPublic", auth=True,
                 errors=(400, 401, 403, 503)))
def my_statement(call: Call, month: str) -> dict[str, Any]:
    identity = call.caller()
    return statements.my_statement(identity=identity, month=month)


@route(Operation("GET", "/artisans/me/statements/{month}/csv", "My statement for a month as CSV (artisan)",
                 "fulfilment", media_type="text/csv; charset=utf-8", auth=True, errors=(400, 401, 403, 503),
                 response_headers=("Content-Disposition",)))
def my_statement_csv(call: Call, month: str) -> Reply:
    identity = call.caller()
    name, text = statements.my_statement_csv(identity=identity, month=month)
    return Reply(text, 200, {"Content-Disposition": f'attachment; filename="{name}"'})


@route(Operation("GET", "/ops/artisans/{artisan_id}/statements/{month}", "An artisan's statement for a month (ops)",
                 "ops", response="payouts:StatementPublic", auth=True, errors=(400, 401, 403, 404, 503)))
def artisan_statement(call: Call, artisan_id: str, month: str) -> dict[str, Any]:
    identity = call.caller()
    return statements.artisan_statement(identity=identity, artisan_id=artisan_id, month=month)


# --- payment callbacks (public, authenticated by signature only) ---------------------


@route(Operation("POST", "/payments/jazzcash/callback", "JazzCash return post (signature-checked)", "payments",
                 response="payments:CallbackAccepted", request="payments:JazzCashCallbackForm", form=True,
                 errors=(400, 401, 413), other_statuses={303: None}))
def jazzcash_callback(call: Call) -> Reply:
    form = call.form()
    result = payments.jazzcash_callback(form)
    count("PaymentsApplied", int(result.outcome == "paid"))
    if result.order_id and "text/html" in (call.header("accept") or ""):
        return Reply(None, 303, {"Location": payments.order_page_url(result.order_id)})
    return Reply({"status": "ok"}, 200)


@route(Operation("POST", "/payments/easypaisa/callback", "Easypaisa notification or return (unsigned: applied only "
                 "as the gateway's inquiry API confirms it)", "payments", response="payments:CallbackAccepted",
                 request="payments:EasypaisaNotification", form=True, errors=(400, 413, 503),
                 other_statuses={303: None}))
def easypaisa_callback(call: Call) -> Reply:
    browser = "text/html" in (call.header("accept") or "")
    result = payments.easypaisa_callback(call.form(), browser=browser)
    count("PaymentsApplied", int(result.outcome == "paid"))
    if result.order_id and browser:
        return Reply(None, 303, {"Location": payments.order_page_url(result.order_id)})
    return Reply({"status": "ok"}, 200)


@route(Operation("POST", "/payments/card/webhook", "Card gateway webhook (Stripe-Signature checked)", "payments",
                 response="payments:CallbackAccepted", request="payments:CardWebhookEvent", errors=(400, 401, 413),
                 headers=(_STRIPE_SIGNATURE,)))
def card_webhook(call: Call) -> dict[str, Any]:
    result = payments.card_webhook(call.raw_body, call.header("stripe-signature"))
    count("PaymentsApplied", int(result.outcome == "paid"))
    return {"status": "ok"}


# --- returns and the ops queues --------------------------------------------------------


@route(Operation("POST", "/orders/{order_id}/returns", "Ask to return delivered items, within RETURN_DAYS of "
                 "delivery (buyer)", "orders", status=201, response="returns:ReturnPublic",
                 request="returns:ReturnCreate", auth=True, errors=(400, 401, 404, 409, 413, 503)))
def request_return(call: Call, order_id: str) -> dict[str, Any]:
    identity = call.caller()
    request = call.body()
    return returns.request_return(identity=identity, order_id=order_id, request=request)


@route(Operation("POST", "/ops/returns/{return_id}/decision", "Approve (refunding the items) or reject a return "
                 "(ops)", "ops", response="returns:ReturnPublic", request="returns:ReturnDecision", auth=True,
                 errors=(400, 401, 403, 404, 409, 413, 503)))
def decide_return(call: Call, return_id: str) -> dict[str, Any]:
    identity = call.caller()
    decision = call.body()
    return returns.decide_return(identity=identity, return_id=return_id, decision=decision.decision,
                                 note=decision.note)


@route(Operation("GET", "/ops/orders", "Orders waiting for a person, longest waiting first: needs_review, disputed "
                 "or returns (ops)", "ops", response="orders:OrderPage", query="orders:OpsQueueQuery", auth=True,
                 errors=(400, 401, 403)))
def ops_order_queue(call: Call) -> dict[str, Any]:
    identity = call.caller()
    params = call.query()
    return queues.ops_queue(identity=identity, queue=params.queue, limit=params.limit, cursor=params.cursor)


# --- registry imports (ops) ----------------------------------------------------------


@route(Operation("POST", "/ops/artisan-imports", "Start a registry import: a presigned POST for its CSV (ops)", "ops",
                 status=201, response="onboarding:ArtisanImportCreated", request="onboarding:ArtisanImportCreate",
                 auth=True, errors=(400, 401, 403, 413)))
def create_artisan_import(call: Call) -> dict[str, Any]:
    identity = call.caller()
    request = call.body()
    return imports.create_import(identity=identity, size_bytes=request.size_bytes)


@route(Operation("GET", "/ops/artisan-imports", "Registry imports, newest first (ops)", "ops",
                 response="onboarding:ArtisanImportPage", query="http:PageQuery", auth=True, errors=(400, 401, 403)))
def list_artisan_imports(call: Call) -> dict[str, Any]:
    identity = call.caller()
    page = call.query()
    return imports.list_imports(identity=identity, limit=page.limit, cursor=page.cursor)


@route(Operation("GET", "/ops/artisan-imports/{import_id}", "A registry import's progress and error report (ops)",
                 "ops", response="onboarding:ArtisanImportPublic", auth=True, errors=(401, 403, 404)))
def get_artisan_import(call: Call, import_id: str) -> dict[str, Any]:
    return imports.get_import(identity=call.caller(), import_id=import_id)


# --- reviews -----------------------------------------------------------------------


@route(Operation("POST", "/orders/{order_id}/reviews", "Review a delivered item of my order, once (buyer)", "reviews",
                 status=201, response="reviews:ReviewPublic", request="reviews:ReviewCreate", auth=True,
                 errors=(400, 401, 404, 409, 413, 503)))
def write_review(call: Call, order_id: str) -> dict[str, Any]:
    identity = call.caller()
    review = call.body()
    return reviews.write_review(identity=identity, order_id=order_id, review=review)


@route(Operation("GET", "/listings/{listing_id}/reviews", "A listing's reviews, newest first", "reviews",
                 response="reviews:ReviewPage", query="http:PageQuery", errors=(400, 401, 404)))
def listing_reviews(call: Call, listing_id: str) -> dict[str, Any]:
    identity = call.optional_caller()
    page = call.query()
    return reviews.listing_reviews(identity=identity, listing_id=listing_id, limit=page.limit, cursor=page.cursor)


@route(Operation("POST", "/ops/reviews/{review_id}/hide", "Hide a review: out of the list and the rating (ops)",
                 "ops", response="reviews:ReviewPublic", request="reviews:ReviewHide", auth=True,
                 errors=(400, 401, 403, 404, 409, 413, 503)))
def hide_review(call: Call, review_id: str) -> dict[str, Any]:
    identity = call.caller()
    reason = call.body().reason
    return reviews.hide_review(identity=identity, review_id=review_id, reason=reason)


# --- notifications -----------------------------------------------------------------


@route(Operation("GET", "/me/notification-settings", "How I am told: SMS, e-mail, language (defaults until set)",
                 "notifications", response="notifications:NotificationSettingsPublic", auth=True, errors=(401,)))
def get_notification_settings(call: Call) -> dict[str, Any]:
    return notifications.get_my_settings(identity=call.caller())


@route(Operation("PUT", "/me/notification-settings", "Choose how I am told", "notifications",
                 response="notifications:NotificationSettingsPublic",
                 request="notifications:NotificationSettingsUpdate", auth=True, errors=(400, 401, 413)))
def put_notification_settings(call: Call) -> dict[str, Any]:
    identity = call.caller()
    chosen = call.body()
    return notifications.put_my_settings(identity=identity, sms=chosen.sms, email=chosen.email,
                                         language=chosen.language)


@route(Operation("GET", "/ops/notifications", "The delivery log of a phone number or e-mail address, newest first "
                 "(ops)", "ops", response="notifications:DeliveryPage", query="notifications:DeliveryLogQuery",
                 auth=True, errors=(400, 401, 403)))
def notification_log(call: Call) -> dict[str, Any]:
    identity = call.caller()
    params = call.query()
    return notifications.delivery_log(identity=identity, recipient=params.recipient, limit=params.limit,
                                      cursor=params.cursor)


# --- the other methods of every path: 405 with Allow ---------------------------------
# API Gateway (REST) answers an undeclared method like an unknown path, so each path declares the other
# standard methods too and answers them in the contract's shape (OPTIONS is CORS's; HEAD follows GET).
STANDARD_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _answer_other_methods() -> None:
    declared: dict[str, list[str]] = {}
    for operation in REGISTRY:
        declared.setdefault(operation.path, []).append(operation.method)
    for number, (path, methods) in enumerate(sorted(declared.items())):
        allowed = sorted(methods)

        def refuse(allowed: list[str] = allowed, **_: str) -> Response:
            status, body = http_error(MethodNotAllowedError(allowed))
            return _json(body, status, {"Allow": ", ".join(allowed)})

        refuse.__name__ = f"method_not_allowed_{number}"
        others = [method for method in STANDARD_METHODS if method not in methods]
        app.route(path, methods=others, cors=_CORS, content_types=["*/*"])(refuse)


_answer_other_methods()


# --- events ----------------------------------------------------------------------


@app.on_sqs_message(queue=os.environ.get("IMAGE_QUEUE_NAME", "mip-dev-image-events"), batch_size=10)
def process_image_events(event: Any) -> dict[str, Any]:
    """S3 upload notifications -> image records; failed messages go back to SQS (partial batch response)."""
    get_settings()
    result = processor.process_batch(event.to_dict()["Records"])
    count("ImagesProcessed", result.outcomes["ready"])
    count("ImagesRejected", result.outcomes["rejected"])
    publish_metrics()
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in result.failed]}


@app.on_sqs_message(queue=os.environ.get("IMPORT_QUEUE_NAME", "mip-dev-import-events"), batch_size=1)
def process_import_events(event: Any) -> dict[str, Any]:
    """A registry file landed (or a continuation): rows -> artisans until done or the time runs low."""
    get_settings()
    result = import_worker.process_batch(event.to_dict()["Records"],
                                         remaining_ms=event.context.get_remaining_time_in_millis)
    count("ImportsFinished", sum(outcome == "done" for outcome in result.outcomes.values()))
    publish_metrics()
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in result.failed]}


@app.on_sqs_message(queue=os.environ.get("NOTIFICATIONS_QUEUE_NAME", "mip-dev-notifications"), batch_size=10)
def send_notifications(event: Any) -> dict[str, Any]:
    """Outbox events -> SMS and e-mails, each once; refused ones go back to SQS (retried, then the DLQ)."""
    get_settings()
    result = notifications.process_batch(event.to_dict()["Records"])
    count("NotificationsSent", result.sent)
    count("NotificationsRefused", len(result.failed))
    publish_metrics()
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in result.failed]}


@app.schedule(Rate(1, unit=Rate.MINUTES))
def sweep_expired_orders(event: Any) -> dict[str, Any]:
    get_settings()
    expired = orders.expire_due_orders()
    repaired = orders.repair_abandoned_reservations()
    count("RefundsSettled", refunds.finish_pending_refunds())  # refunds whose gateway answer is still owed
    count("SearchReindexed", search.reindex_pending())  # whatever a crash left marked (search/service.py)
    count("NotificationsRelayed", notifications.relay_pending())  # outbox events the relay missed
    count("NotificationsReleased", notifications.release_due())  # SMS held by quiet hours, now morning
    count("OrdersExpired", expired)
    count("ReservationsRepaired", repaired)
    publish_metrics()
    return {"expired": expired, "repaired": repaired}


@app.schedule(Cron(0, 3, "?", "*", "MON", "*"))
def weekly_payout_run(event: Any) -> dict[str, Any]:
    """Monday 03:00 UTC (08:00 in Pakistan): the week's payout run, carried on if an earlier delivery stopped."""
    get_settings()
    run = payout_runs.weekly_run()
    count("PayoutsSent", run.artisans)
    publish_metrics()
    return {"run_id": run.run_id, "status": run.status, "artisans": run.artisans}

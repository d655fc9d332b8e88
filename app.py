"""Routes and event handlers only: parse -> call one service -> shape the response."""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import wraps
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.exceptions import SchemaValidationError
from chalice import Chalice, CORSConfig, Rate, Response

from chalicelib import catalog, fx, image_uploads, orders
from chalicelib.auth import Identity, authenticate
from chalicelib.categories import CATEGORIES
from chalicelib.config import client_config, get_settings
from chalicelib.errors import DomainError, http_error, internal_error_body
from chalicelib.lazy import lazy_module
from chalicelib.parsing import parse_body, parse_form, parse_if_match, parse_query
from chalicelib.payments import service as payments

# Request models build on pydantic; they load on the first request that parses a body or query string.
models = lazy_module("chalicelib.models")
order_models = lazy_module("chalicelib.order_models")

app = Chalice(app_name="made-in-pakistan")
logger = Logger(service="marketplace")
# The namespace defaults here so a missing setting can never fail a request at flush time.
metrics = Metrics(service="marketplace", namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "MadeInPakistan"))
# CORS is fixed when routes are declared, so the allowed origin is the one
# setting read at import; it comes from .chalice/config.json on AWS.
_CORS = CORSConfig(allow_origin=os.environ.get("ALLOWED_ORIGIN", "*"),
                   allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key"],
                   expose_headers=["ETag"], max_age=600)
JSON = "application/json; charset=utf-8"


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


_METRIC_FOR_CODE = {"OUT_OF_STOCK": "StockConflicts", "LISTING_UNAVAILABLE": "StockConflicts"}


def route(path: str, methods: tuple[str, ...] = ("GET",)) -> Callable:
    """`app.route` plus the one place that turns domain errors into the contract's error shape."""

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def handle(**params: Any) -> Response:
            request = app.current_request
            logger.set_correlation_id(request.context.get("requestId"))
            try:
                result = view(**params)
            except DomainError as error:
                status, body = http_error(error)
                code = body["error"]["code"]
                logger.info("request refused", extra={"path": request.path, "status": status, "code": code})
                if code in _METRIC_FOR_CODE:
                    count(_METRIC_FOR_CODE[code])
                if request.path.startswith("/payments/"):
                    count("CallbacksRejected")
                return _json(body, status, error.headers)
            except Exception:
                logger.exception("unhandled error", extra={"path": request.path})
                return _json(internal_error_body(), 500)
            finally:
                publish_metrics()
            return result if isinstance(result, Response) else _json(result)

        app.route(path, methods=list(methods), cors=_CORS,
                  # Every media type reaches the handler, so a wrong one is refused in the contract's
                  # error shape (by parse_body) rather than with Chalice's own 415.
                  content_types=["*/*"])(handle)
        return view

    return register


def _request() -> Any:
    return app.current_request


def caller() -> Identity:
    return authenticate(_request().headers.get("authorization"), get_settings())


def optional_caller() -> Identity | None:
    return caller() if _request().headers.get("authorization") else None


def body(model: type) -> Any:
    return parse_body(_request().raw_body, model, content_type=_request().headers.get("content-type"))


def query(model: type) -> Any:
    return parse_query(_request().query_params, model)


# --- health and documents -------------------------------------------------------


@route("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@route("/openapi.json")
def openapi() -> dict[str, Any]:
    from chalicelib.openapi import openapi_document  # JSON-schema generation is only needed here

    return openapi_document()


@route("/config")
def get_client_config() -> dict[str, Any]:
    return client_config(get_settings())


@route("/categories")
def categories() -> dict[str, Any]:
    return {"items": list(CATEGORIES)}


@route("/fx-rates")
def get_fx_rates() -> dict[str, Any]:
    return fx.fx_rates()


@route("/ops/fx-rates", methods=("PUT",))
def put_fx_rates() -> dict[str, Any]:
    identity = caller()
    return fx.set_fx_rates(identity=identity, rates=body(models.FxRatesUpdate).rates)


# --- artisans --------------------------------------------------------------------


@route("/artisans/me", methods=("PUT",))
def put_my_profile() -> Response:
    identity = caller()
    profile, created = catalog.upsert_my_profile(identity=identity, profile=body(models.ArtisanUpsert))
    return _json(profile, 201 if created else 200)


@route("/artisans/me")
def get_my_profile() -> dict[str, Any]:
    return catalog.get_my_profile(identity=caller())


@route("/artisans/me/listings")
def get_my_listings() -> dict[str, Any]:
    identity = caller()
    page = query(models.PageQuery)
    return catalog.my_listings(identity=identity, limit=page.limit, cursor=page.cursor)


@route("/artisans/{artisan_id}")
def get_artisan(artisan_id: str) -> dict[str, Any]:
    return catalog.get_artisan(identity=optional_caller(), artisan_id=artisan_id)


@route("/artisans")
def list_artisans() -> dict[str, Any]:
    params = query(models.ArtisanQuery)
    return catalog.list_artisans(province=params.province, craft=params.craft, limit=params.limit,
                                 cursor=params.cursor)


@route("/ops/artisans")
def verification_queue() -> dict[str, Any]:
    identity = caller()
    params = query(models.VerificationQueueQuery)
    return catalog.verification_queue(identity=identity, verification=params.verification, limit=params.limit,
                                      cursor=params.cursor)


@route("/ops/artisans/{artisan_id}/verification", methods=("POST",))
def decide_verification(artisan_id: str) -> dict[str, Any]:
    identity = caller()
    decision = body(models.VerificationDecision)
    return catalog.decide_verification(identity=identity, artisan_id=artisan_id, decision=decision.decision,
                                       note=decision.note)


# --- listings --------------------------------------------------------------------


def _with_etag(listing: dict[str, Any], status: int = 200) -> Response:
    return _json(listing, status, {"ETag": f'"{listing["version"]}"'})


@route("/listings", methods=("POST",))
def create_listing() -> Response:
    identity = caller()
    return _with_etag(catalog.create_listing(identity=identity, listing=body(models.ListingCreate)), 201)


@route("/listings")
def browse_listings() -> dict[str, Any]:
    return catalog.browse_listings(query=query(models.ListingQuery))


@route("/listings/{listing_id}")
def get_listing(listing_id: str) -> Response:
    identity = optional_caller()
    currency = query(models.CurrencyQuery).currency
    return _with_etag(catalog.get_listing(identity=identity, listing_id=listing_id, currency=currency))


@route("/listings/{listing_id}", methods=("PATCH",))
def update_listing(listing_id: str) -> Response:
    identity = caller()
    if_match = parse_if_match(_request().headers.get("if-match"))
    listing = catalog.update_listing(identity=identity, listing_id=listing_id, update=body(models.ListingUpdate),
                                     if_match=if_match)
    return _with_etag(listing)


@route("/listings/{listing_id}/publish", methods=("POST",))
def publish_listing(listing_id: str) -> Response:
    return _with_etag(catalog.publish_listing(identity=caller(), listing_id=listing_id))


@route("/listings/{listing_id}/unpublish", methods=("POST",))
def unpublish_listing(listing_id: str) -> Response:
    return _with_etag(catalog.unpublish_listing(identity=caller(), listing_id=listing_id))


@route("/listings/{listing_id}", methods=("DELETE",))
def archive_listing(listing_id: str) -> Response:
    catalog.archive_listing(identity=caller(), listing_id=listing_id)
    return Response(body="", status_code=204)


@route("/listings/{listing_id}/images", methods=("POST",))
def grant_image_upload(listing_id: str) -> Response:
    identity = caller()
    request = body(models.ImageUploadCreate)
    grant = image_uploads.grant_upload(identity=identity, listing_id=listing_id,
                                       content_type=request.content_type, size_bytes=request.size_bytes)
    return _json(grant, 201)


@route("/listings/{listing_id}/images/{image_id}", methods=("DELETE",))
def delete_image(listing_id: str, image_id: str) -> Response:
    image_uploads.delete_image(identity=caller(), listing_id=listing_id, image_id=image_id)
    return Response(body="", status_code=204)


# --- orders ----------------------------------------------------------------------


@route("/orders", methods=("POST",))
def place_order() -> Response:
    identity = caller()
    request = body(order_models.OrderCreate)
    order, created = orders.place_order(identity=identity, request=request,
                                        idempotency_key=_request().headers.get("idempotency-key"))
    count("OrdersPlaced" if created else "OrdersReplayed")
    return _json(order, 201 if created else 200)


@route("/orders")
def list_orders() -> dict[str, Any]:
    identity = caller()
    page = query(models.PageQuery)
    return orders.list_orders(identity=identity, limit=page.limit, cursor=page.cursor)


@route("/orders/{order_id}")
def get_order(order_id: str) -> dict[str, Any]:
    return orders.get_order(identity=caller(), order_id=order_id)


@route("/orders/{order_id}/cancel", methods=("POST",))
def cancel_order(order_id: str) -> dict[str, Any]:
    return orders.cancel_order(identity=caller(), order_id=order_id)


@route("/orders/{order_id}/payment", methods=("POST",))
def start_payment(order_id: str) -> dict[str, Any]:
    return payments.start_payment(identity=caller(), order_id=order_id)


@route("/orders/{order_id}/shipments", methods=("POST",))
def ship_order(order_id: str) -> dict[str, Any]:
    identity = caller()
    return orders.ship(identity=identity, order_id=order_id, shipment=body(order_models.ShipmentCreate))


@route("/ops/orders/{order_id}/delivered", methods=("POST",))
def mark_delivered(order_id: str) -> dict[str, Any]:
    return orders.mark_delivered(identity=caller(), order_id=order_id)


@route("/artisans/me/orders")
def my_artisan_orders() -> dict[str, Any]:
    identity = caller()
    params = query(order_models.ArtisanOrderQuery)
    return orders.artisan_orders(identity=identity, status=params.status, limit=params.limit, cursor=params.cursor)


@route("/artisans/me/payouts")
def my_payouts() -> dict[str, Any]:
    identity = caller()
    page = query(models.PageQuery)
    return orders.payouts(identity=identity, limit=page.limit, cursor=page.cursor)


# --- payment callbacks (public, authenticated by signature only) ---------------------


@route("/payments/jazzcash/callback", methods=("POST",))
def jazzcash_callback() -> Response:
    result = payments.jazzcash_callback(parse_form(_request().raw_body))
    count("PaymentsApplied", int(result.outcome == "paid"))
    if result.order_id and "text/html" in (_request().headers.get("accept") or ""):
        return Response(body="", status_code=303, headers={"Location": payments.order_page_url(result.order_id)})
    return _json({"status": "ok"})


@route("/payments/card/webhook", methods=("POST",))
def card_webhook() -> dict[str, Any]:
    result = payments.card_webhook(_request().raw_body or b"", _request().headers.get("stripe-signature"))
    count("PaymentsApplied", int(result.outcome == "paid"))
    return {"status": "ok"}


# --- events ----------------------------------------------------------------------


@app.on_sqs_message(queue=os.environ.get("IMAGE_QUEUE_NAME", "mip-dev-image-events"), batch_size=10)
def process_image_events(event: Any) -> dict[str, Any]:
    """S3 upload notifications -> image records; failed messages go back to SQS (partial batch response)."""
    result = image_uploads.process_batch(event.to_dict()["Records"])
    count("ImagesProcessed", result.outcomes["ready"])
    count("ImagesRejected", result.outcomes["rejected"])
    publish_metrics()
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in result.failed]}


@app.schedule(Rate(1, unit=Rate.MINUTES))
def sweep_expired_orders(event: Any) -> dict[str, Any]:
    expired = orders.expire_due_orders()
    count("OrdersExpired", expired)
    publish_metrics()
    return {"expired": expired}

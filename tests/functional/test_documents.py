"""Health, client configuration, categories, FX rates and the OpenAPI document (API.md "Health and documents")."""
from __future__ import annotations

import re
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from harness.http import body_of, call

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
DECIMAL = re.compile(r"^\d+(\.\d+)?$")
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF]")


def _error_code(response: Any) -> str:
    body = body_of(response)
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
    return str(body["error"]["code"])


def test_health_is_ok_json_in_utf8(client):
    response = call(client, "GET", "/health")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert body_of(response) == {"status": "ok"}


def test_config_tells_clients_how_to_sign_in(client, aws):
    response = call(client, "GET", "/config")
    assert response.status_code == 200
    assert body_of(response) == {
        "region": "ap-south-1",
        "user_pool_id": aws.env["COGNITO_USER_POOL_ID"],
        "user_pool_client_id": aws.env["COGNITO_CLIENT_ID"],
        "ops_client_id": aws.env["COGNITO_OPS_CLIENT_ID"],
        "cognito_endpoint": None,
        "currencies": ["PKR", "USD", "GBP", "EUR", "AED", "SAR"],
        "image_max_bytes": 10 * 1024 * 1024,
        "sign_in_with": ["email", "phone_number"],
        "return_days": 14,
    }


def test_categories_are_at_least_twelve_crafts_named_in_urdu(client):
    response = call(client, "GET", "/categories")
    assert response.status_code == 200
    items = body_of(response)["items"]
    assert len(items) >= 12
    slugs = [item["slug"] for item in items]
    assert len(set(slugs)) == len(slugs)
    assert {"textiles", "embroidery", "pottery", "woodwork", "jewellery", "leather", "carpets-rugs",
            "ajrak-block-print"} <= set(slugs)
    for item in items:
        assert set(item) == {"slug", "name", "name_ur"}
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", item["slug"])
        assert item["name"] and ARABIC_SCRIPT.search(item["name_ur"]), item
    # Urdu travels as UTF-8, not as \u escapes.
    assert "کڑھائی".encode() in response.body


def test_fx_rates_start_from_defaults_as_decimal_strings(client):
    response = call(client, "GET", "/fx-rates")
    assert response.status_code == 200
    document = body_of(response)
    assert set(document) == {"base", "rates", "updated_at"}
    assert document["base"] == "PKR"
    assert set(document["rates"]) == {"USD", "GBP", "EUR", "AED", "SAR"}
    assert all(isinstance(rate, str) and DECIMAL.match(rate) for rate in document["rates"].values())
    assert document["updated_at"] is None


def test_ops_sets_fx_rates_and_everyone_reads_them(client, aws):
    ops = aws.user("ops")
    before = body_of(call(client, "GET", "/fx-rates"))
    response = call(client, "PUT", "/ops/fx-rates", ops, {"rates": {"USD": "0.0036", "GBP": "0.0029"}})
    assert response.status_code == 200
    document = body_of(response)
    assert document["base"] == "PKR"
    assert document["rates"] == {**before["rates"], "USD": "0.0036", "GBP": "0.0029"}
    assert RFC3339_UTC.match(document["updated_at"])
    assert body_of(call(client, "GET", "/fx-rates")) == document


@pytest.mark.parametrize("role", ["artisans", None])
def test_only_ops_may_set_fx_rates(client, aws, role):
    user = aws.user(role) if role else aws.user()
    before = body_of(call(client, "GET", "/fx-rates"))
    response = call(client, "PUT", "/ops/fx-rates", user, {"rates": {"USD": "9"}})
    assert response.status_code == 403
    assert _error_code(response) == "FORBIDDEN"
    assert body_of(call(client, "GET", "/fx-rates")) == before


def test_setting_fx_rates_needs_a_token(client):
    before = body_of(call(client, "GET", "/fx-rates"))
    response = call(client, "PUT", "/ops/fx-rates", None, {"rates": {"USD": "9"}})
    assert response.status_code == 401
    assert _error_code(response) == "UNAUTHENTICATED"
    assert body_of(call(client, "GET", "/fx-rates")) == before


@pytest.mark.parametrize(("body", "field"), [
    ({"rates": {"USD": 0.0036}}, "rates.USD"),          # a float, not a decimal string
    ({"rates": {"USD": "-0.1"}}, "rates.USD"),
    ({"rates": {"USD": "0"}}, "rates"),
    ({"rates": {"USD": "1e-3"}}, "rates.USD"),
    ({"rates": {"XYZ": "1.0"}}, "rates.XYZ"),
    ({"rates": {"PKR": "1.0"}}, "rates.PKR"),
    ({"rates": {}}, "rates"),
    ({}, "rates"),
    ({"rates": {"USD": "0.0036"}, "base": "PKR"}, "base"),
])
def test_invalid_fx_rates_are_refused_field_by_field(client, aws, body, field):
    ops = aws.user("ops")
    before = body_of(call(client, "GET", "/fx-rates"))
    response = call(client, "PUT", "/ops/fx-rates", ops, body)
    assert response.status_code == 400
    assert _error_code(response) == "VALIDATION_ERROR"
    fields = [detail["field"] for detail in body_of(response)["error"]["details"]]
    assert any(name.startswith(field) for name in fields), fields
    assert body_of(call(client, "GET", "/fx-rates")) == before


def test_openapi_document_is_a_valid_openapi_31_schema(client):
    response = call(client, "GET", "/openapi.json")
    assert response.status_code == 200
    document = body_of(response)
    assert document["openapi"].startswith("3.1")
    errors = [str(error) for error in OpenAPIV31SpecValidator(document).iter_errors()]
    assert errors == []


def test_openapi_document_describes_exactly_the_registered_routes(client):
    from app import app

    document = body_of(call(client, "GET", "/openapi.json"))
    served = {(path, method.upper()) for path, methods in app.routes.items() for method, entry in methods.items()
              if method != "OPTIONS" and not entry.view_name.startswith("method_not_allowed")}
    described = {(path, method.upper()) for path, operations in document["paths"].items()
                 for method in operations}
    assert described == served


def test_openapi_marks_signed_in_operations_and_their_401(client):
    document = body_of(call(client, "GET", "/openapi.json"))
    assert document["components"]["securitySchemes"]["cognitoIdToken"]["scheme"] == "bearer"
    for path, method in [("/ops/fx-rates", "put"), ("/artisans/me", "put"), ("/listings", "post")]:
        operation = document["paths"][path][method]
        assert operation["security"] == [{"cognitoIdToken": []}]
        assert "401" in operation["responses"]
    assert "security" not in document["paths"]["/health"]["get"]


def test_openapi_documents_503_wherever_dynamodb_may_stay_busy(client):
    document = body_of(call(client, "GET", "/openapi.json"))
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert ("503" in operation["responses"]) == (path not in ("/health", "/openapi.json")), (method, path)


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("DELETE", "/health", "GET"),
    ("PUT", "/orders", "GET, POST"),
    ("POST", "/listings/L1", "DELETE, GET, PATCH"),
])
def test_a_method_a_path_does_not_take_is_405_with_allow_in_the_error_shape(client, method, path, allowed):
    response = call(client, method, path, body={})
    assert response.status_code == 405
    assert response.headers["Allow"] == allowed
    assert body_of(response)["error"]["code"] == "METHOD_NOT_ALLOWED"

"""Finish the template that `chalice package` wrote: point the CORS pre-flight answers at the stage's origin.

Chalice writes each route's OPTIONS answer as a mock integration whose
Access-Control-Allow-Origin is the CORSConfig origin that app.py read from
ALLOWED_ORIGIN when it was imported, that is on the packaging machine, where it
is "*". On AWS that origin is the stack's StorefrontOriginParameter (AllowedOrigin,
else the storefront's own domain), which the functions, API Gateway's own error
answers and the web ACL already use; this rewrites the pre-flight answers to the
same reference, so one deploy parameter decides every CORS answer of the stage.

    python infra/finish_template.py build/sam.yaml     (make package runs it)

tests/unit/test_template.py applies `finish` to the template it packages.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

ORIGIN_HEADER = "method.response.header.Access-Control-Allow-Origin"
# A header value of a mock integration is a quoted literal: 'https://shop.example.pk'.
STAGE_ORIGIN = {"Fn::Sub": "'${StorefrontOriginParameter.Value}'"}


def preflight_integrations(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The mock integrations that answer OPTIONS in the RestAPI's OpenAPI body."""
    body = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    found = []
    for operations in body.get("paths", {}).values():
        integration = (operations.get("options") or {}).get("x-amazon-apigateway-integration") or {}
        if integration.get("type") == "mock":
            found.append(integration)
    return found


def finish(template: dict[str, Any]) -> dict[str, Any]:
    """Rewrite, in place, every pre-flight answer's allowed origin to the stage's origin; returns the template."""
    for integration in preflight_integrations(template):
        for response in integration.get("responses", {}).values():
            parameters = response.get("responseParameters", {})
            if ORIGIN_HEADER in parameters:
                parameters[ORIGIN_HEADER] = dict(STAGE_ORIGIN)
    return template


def main(path: str) -> None:
    target = Path(path)
    template = yaml.safe_load(target.read_text(encoding="utf-8"))
    # Dumped as Chalice dumps it (no anchors: every value is a fresh object).
    target.write_text(yaml.safe_dump(finish(template), allow_unicode=True), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])

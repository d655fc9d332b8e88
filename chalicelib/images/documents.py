"""A listing's photos as the contract shows them."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..wiring import get_settings


def image_document(record: Mapping[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {"image_id": record["image_id"], "status": record["status"]}
    if record["status"] == "ready":
        base = get_settings().images_base_url
        document["urls"] = {name: f"{base}/{key}" for name, key in record["rendition_keys"].items()}
        document["width"] = int(record["width"])
        document["height"] = int(record["height"])
    elif record["status"] == "rejected":
        document["reason"] = record["reason"]
    return document


def image_documents(images: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Oldest first, so the first photo an artisan added stays the cover."""
    records = sorted(images.values(), key=lambda record: (record.get("created_at", ""), record["image_id"]))
    return [image_document(record) for record in records]

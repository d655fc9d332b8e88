"""A registry import as ops see it (the schemas in `schemas.py` check the shape)."""
from __future__ import annotations

from typing import Any

from ..store.imports import Import


def import_document(record: Import, *, errors_url: str | None) -> dict[str, Any]:
    return {"import_id": record.import_id, "status": record.status, "total": record.total,
            "processed": record.processed, "created": record.created, "duplicates": record.duplicates,
            "rejected": record.rejected, "errors_url": errors_url, "failure_reason": record.failure_reason,
            "created_at": record.created_at}

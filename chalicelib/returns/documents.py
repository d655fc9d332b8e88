"""Returns as the contract shows them."""
from __future__ import annotations

from typing import Any

from ..store.records import ReturnRecord


def return_document(record: ReturnRecord, refund_id: str | None = None) -> dict[str, Any]:
    return {"return_id": record.return_id, "order_id": record.order_id, "status": record.status,
            "items": [{"listing_id": item["listing_id"], "quantity": int(item["quantity"]),
                       **({"variant_id": item["variant_id"]} if item.get("variant_id") else {})}
                      for item in record.items],
            "reason": record.reason, "created_at": record.created_at, "note": record.note,
            "decided_at": record.decided_at, "refund_id": refund_id or record.refund_id}

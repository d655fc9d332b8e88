"""The audit log as ops read it."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..http.schemas import ResponseModel


class AuditQuery(BaseModel):
    """At most one of `target_id` and `actor_id`; neither lists every decision."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    target_id: str | None = Field(None, min_length=1, max_length=64)
    actor_id: str | None = Field(None, min_length=1, max_length=64)
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = None

    @model_validator(mode="after")
    def _one_filter(self) -> AuditQuery:
        if self.target_id is not None and self.actor_id is not None:
            raise ValueError("give target_id or actor_id, not both")
        return self


class AuditEntryPublic(ResponseModel):
    at: str
    actor_id: str
    action: str
    target_id: str
    details: dict[str, Any]


class AuditPage(ResponseModel):
    items: list[AuditEntryPublic]
    next_cursor: str | None

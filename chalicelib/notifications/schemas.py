"""Notification settings and the ops delivery log, as the API takes and gives them."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..http.schemas import RequestModel, ResponseModel

# An E.164 phone number or an e-mail address: what a delivery is addressed to.
RECIPIENT = r"^(\+[1-9][0-9]{6,14}|[^@\s]{1,64}@[^@\s]{1,255})$"


class NotificationSettingsUpdate(RequestModel):
    sms: bool
    email: bool
    language: Literal["en", "ur"]


class NotificationSettingsPublic(ResponseModel):
    sms: bool
    email: bool
    language: Literal["en", "ur"]


class DeliveryLogQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    recipient: str = Field(min_length=3, max_length=320, pattern=RECIPIENT)
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = None


class DeliveryPublic(ResponseModel):
    notification_id: str
    event: str
    channel: Literal["sms", "email"]
    language: Literal["en", "ur"]
    subject: str
    body: str
    # held: waiting for the end of quiet hours; sending: handed to the provider, its answer not recorded.
    status: Literal["sent", "failed", "suppressed", "held", "sending"]
    created_at: str


class DeliveryPage(ResponseModel):
    items: list[DeliveryPublic]
    next_cursor: str | None

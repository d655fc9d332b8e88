"""Starting a payment and the gateways' callbacks."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from ..http.schemas import Currency, ResponseModel


class PaymentStartPublic(BaseModel):
    """What the gateway's client needs; its fields depend on the provider."""

    model_config = ConfigDict(extra="allow", defer_build=True)
    provider: Literal["jazzcash", "card", "easypaisa"]
    action_url: str
    form_fields: dict[str, str] | None = None
    payment_intent_id: str | None = None
    client_secret: str | None = None
    amount: int | None = None
    currency: Currency | None = None


class CallbackAccepted(ResponseModel):
    status: Literal["ok"]


class JazzCashCallbackForm(BaseModel):
    """The gateway's return post: any `pp_*` fields, form-encoded."""

    model_config = ConfigDict(extra="allow", defer_build=True)
    pp_TxnRefNo: str
    pp_Amount: str
    pp_ResponseCode: str
    pp_SecureHash: str


class EasypaisaNotification(BaseModel):
    """Easypaisa's unsigned notification (or the buyer's return): only the order reference is read from it."""

    model_config = ConfigDict(extra="allow", defer_build=True)
    orderRefNumber: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,20}$")]


class CardWebhookEvent(BaseModel):
    """A Stripe-format event; `data.object` carries id, amount, currency and metadata.order_id."""

    model_config = ConfigDict(extra="allow", defer_build=True)
    id: str
    type: str
    data: dict[str, Any]

"""Deliveries (one message of one event to one user on one channel) and each user's notification settings.

A delivery is put, conditional on not existing, BEFORE its message is sent, so of any number of notifiers
given the same event only one sends (`claim`). A send the provider refused is marked `failed` and may be
claimed again (the queue's retry); a `sending` record whose sender died stays as it is: its message is not
sent again (at most once, see README "Being told"). SMS held by quiet hours wait in the sparse `by_held`
index until the sweep hands them back to the notifier (`release`).
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from .conditions import condition_failed
from .pages import Page, query_page
from .records import Delivery, NotificationSettings
from .tables import DeliveryByHeld, DeliveryItem, NotificationSettingItem

HELD = "held"


def _delivery(row: DeliveryItem) -> Delivery:
    return Delivery(delivery_id=row.delivery_id, event_id=row.event_id, kind=row.kind, user_id=row.user_id,
                    channel=row.channel, recipient=row.recipient, language=row.language, subject=row.subject,
                    body=row.body, status=row.status, created_at=row.created_at, updated_at=row.updated_at,
                    send_after=row.send_after, attempts=int(row.attempts or 0), provider_id=row.provider_id)


def _row(delivery: Delivery) -> DeliveryItem:
    values: dict[str, Any] = {name: value for name, value in asdict(delivery).items() if value is not None}
    if delivery.status == HELD:
        values["held_queue"] = HELD
    return DeliveryItem(**values)


def claim(delivery: Delivery) -> bool:
    """Record the delivery (status `sending`, `held` or `suppressed`) if it is new, or take back a `failed`
    one for another try; True only for the one caller that may now send it (status `sending`)."""
    try:
        _row(delivery).save(condition=DeliveryItem.delivery_id.does_not_exist())
    except PutError as error:
        if not condition_failed(error):
            raise
        return _retry(delivery) and delivery.status == "sending"
    return delivery.status == "sending"


def _retry(delivery: Delivery) -> bool:
    """A `failed` delivery takes the status decided now (sent now, held until morning, or turned off), once."""
    actions: list[Any] = [DeliveryItem.status.set(delivery.status), DeliveryItem.updated_at.set(delivery.updated_at)]
    if delivery.status == HELD and delivery.send_after is not None:
        actions += [DeliveryItem.held_queue.set(HELD), DeliveryItem.send_after.set(delivery.send_after)]
    try:
        DeliveryItem(delivery.delivery_id).update(actions=actions, condition=DeliveryItem.status == "failed")
    except UpdateError as error:
        if condition_failed(error):
            return False
        raise
    return True


def finish(delivery_id: str, *, status: str, now: str, provider_id: str | None = None) -> None:
    """`sent` (with the provider's message id) or `failed` (counted as an attempt), from `sending`."""
    actions: list[Any] = [DeliveryItem.status.set(status), DeliveryItem.updated_at.set(now),
                          DeliveryItem.attempts.add(1)]
    if provider_id is not None:
        actions.append(DeliveryItem.provider_id.set(provider_id))
    DeliveryItem(delivery_id).update(actions=actions, condition=DeliveryItem.status == "sending")


def release(delivery_id: str, now: str) -> Delivery | None:
    """Take a held delivery whose time has come for sending, once; None if it is not (or no longer) held and due."""
    row = DeliveryItem(delivery_id)
    try:
        row.update(actions=[DeliveryItem.status.set("sending"), DeliveryItem.updated_at.set(now),
                            DeliveryItem.held_queue.remove()],
                   condition=(DeliveryItem.status == HELD) & (DeliveryItem.send_after <= now))
    except UpdateError as error:
        if condition_failed(error):
            return None
        raise
    return _delivery(row)


def held_due(now: str, *, page_size: int = 100) -> list[str]:
    """Ids of the held deliveries due by `now` (the sparse index, earliest first)."""
    query = DeliveryItem.by_held.query(HELD, DeliveryByHeld.send_after <= now, page_size=page_size)
    return [row.delivery_id for row in query]


def get(delivery_id: str) -> Delivery | None:
    try:
        return _delivery(DeliveryItem.get(delivery_id, consistent_read=True))
    except DoesNotExist:
        return None


def by_recipient(recipient: str, *, limit: int, cursor: str | None) -> Page[Delivery]:
    """The delivery log of one phone number or e-mail address, newest first (one Query on by_recipient)."""
    return query_page(DeliveryItem.by_recipient, recipient, convert=_delivery,
                      query_id=f"deliveries:{recipient}", limit=limit, cursor=cursor)


def get_settings(user_id: str) -> NotificationSettings | None:
    try:
        row = NotificationSettingItem.get(user_id, consistent_read=True)
    except DoesNotExist:
        return None
    return NotificationSettings(sms=bool(row.sms), email=bool(row.email), language=row.language)


def put_settings(user_id: str, settings: NotificationSettings, *, now: str) -> None:
    NotificationSettingItem(user_id, sms=settings.sms, email=settings.email, language=settings.language,
                            updated_at=now).save()

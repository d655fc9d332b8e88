"""The notifier and its API: each event's messages sent once per user and channel, settings, the ops log.

An event arrives from the notifications queue (relayed from the outbox, store/outbox.py). For each of
its recipients and channels a delivery is recorded BEFORE sending (store/deliveries.py claim): whoever
records it sends it, nobody else ever does. A provider refusal marks it `failed` and fails the message,
so SQS retries it after the visibility timeout and, after maxReceiveCount, sets it aside in the DLQ
(an alarm); the order is never touched. Quiet hours hold an SMS (`held`) until 08:00 Pakistan time: the
minute sweep hands each due one back through the queue (`release_due`). Phone numbers and e-mail addresses
are never logged: a delivery is named by its id (event, user, channel). An imported artisan's welcome is
recorded with its password masked; the password is set on the account only as the SMS goes (`_send`).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..auth import Identity
from ..ids import rfc3339, utc_now
from ..onboarding.rules import temporary_password
from ..store import accounts, contacts, deliveries, outbox
from ..store import email as email_channel
from ..store import sms as sms_channel
from ..store.records import Delivery, NotificationSettings, OutboxEvent
from ..wiring import get_settings
from . import rules, templates

logger = logging.getLogger(__name__)


WELCOME = "artisan.welcome"


class NotSentError(Exception):
    """A provider refused (or did not answer) one of an event's messages: the queue retries the event."""


@dataclass
class BatchResult:
    failed: list[str] = field(default_factory=list)
    sent: int = 0


# --- the notifier --------------------------------------------------------------------------


def process_batch(records: Iterable[dict[str, Any]], *, now: datetime | None = None) -> BatchResult:
    """The notifier Lambda's batch: each message an event (or a held SMS whose morning came); the ids of
    those to retry are reported as failed (a partial batch response)."""
    result = BatchResult()
    for record in records:
        moment = now or utc_now()
        body = json.loads(record["body"])
        try:
            if "release" in body:
                result.sent += release(body["release"], now=moment)
            else:
                result.sent += deliver(outbox.event_from_message(record["body"]), now=moment)
        except NotSentError:
            result.failed.append(record["messageId"])
    return result


def deliver(event: OutboxEvent, *, now: datetime) -> int:
    """Record and send every message of `event` not recorded yet; returns how many went now.

    Raises NotSentError, after trying all of them, if a provider refused any.
    """
    sent, refused = 0, 0
    for recipient in rules.recipients(event):
        if not templates.has_template(event, recipient.audience):
            continue
        contact = contacts.contact(recipient.user_id)
        stored = deliveries.get_settings(recipient.user_id)
        if event.kind == WELCOME:
            chosen = rules.welcome_settings(stored)
        else:
            chosen = stored or rules.default_settings(artisan=contact.artisan, has_email=contact.email is not None,
                                                      locale=contact.locale)
        for channel in rules.CHANNELS:
            address = contact.phone if channel == "sms" else contact.email
            if address is None:
                continue
            delivery = _delivery(event, recipient, channel, address, chosen, now)
            if not deliveries.claim(delivery):
                continue
            if _send(delivery, now):
                sent += 1
            else:
                refused += 1
    if refused:
        raise NotSentError(f"{refused} message(s) of {event.event_id} not sent")
    return sent


def _delivery(event: OutboxEvent, recipient: rules.Recipient, channel: str, address: str,
              chosen: NotificationSettings, now: datetime) -> Delivery:
    wanted = bool(getattr(chosen, channel))
    message = templates.render(event, audience=recipient.audience, user_id=recipient.user_id,
                               language=chosen.language, channel=channel, phone=address)
    quiet = rules.quiet_hours(get_settings().sms_quiet_hours)
    hold = rules.send_after(now, channel, quiet) if wanted else None
    status = "suppressed" if not wanted else "held" if hold is not None else "sending"
    at = rfc3339(now)
    return Delivery(delivery_id=f"{event.event_id}#{recipient.user_id}#{channel}", event_id=event.event_id,
                    kind=event.kind, user_id=recipient.user_id, channel=channel, recipient=address,
                    language=chosen.language, subject=message.subject, body=message.body, status=status,
                    created_at=at, updated_at=at, send_after=rfc3339(hold) if hold is not None else None)


def _send(delivery: Delivery, now: datetime) -> bool:
    """Send a claimed delivery and record the outcome; False if the provider refused it.

    A lost answer (read timeout) leaves it `sending`: it may have gone, and is not sent again. A welcome
    first gets a fresh temporary password on the account, sent in place of the stored body's mask.
    """
    settings = get_settings()
    text = delivery.body
    if delivery.kind == WELCOME:
        password = temporary_password()
        try:
            accounts.set_temporary_password(delivery.user_id, password)  # by sub: the phone may have changed
        except Exception:  # noqa: BLE001 - nothing sent: the queue retries the welcome
            logger.warning("welcome password not set", extra={"delivery_id": delivery.delivery_id}, exc_info=True)
            deliveries.finish(delivery.delivery_id, status="failed", now=rfc3339(now))
            return False
        text = templates.with_password(text, password)
    try:
        if delivery.channel == "sms":
            provider_id = sms_channel.send_sms(delivery.recipient, text, sender_id=settings.sms_sender_id)
        else:
            provider_id = email_channel.send_email(sender=settings.email_sender, to=delivery.recipient,
                                                   subject=delivery.subject, text=text)
    except (sms_channel.SmsNotSentError, email_channel.EmailNotSentError) as error:
        logger.warning("message not sent", extra={"delivery_id": delivery.delivery_id, "reason": str(error),
                                                  "maybe_sent": error.maybe_sent})
        if error.maybe_sent:
            return True
        deliveries.finish(delivery.delivery_id, status="failed", now=rfc3339(now))
        return False
    deliveries.finish(delivery.delivery_id, status="sent", now=rfc3339(now), provider_id=provider_id)
    return True


def release(delivery_id: str, *, now: datetime) -> int:
    """Send a held SMS whose time has come, once (whoever takes it off hold sends it)."""
    delivery = deliveries.release(delivery_id, rfc3339(now))
    if delivery is None:
        return 0
    if not _send(delivery, now):
        raise NotSentError(f"{delivery_id} not sent")
    return 1


# --- the sweep -----------------------------------------------------------------------------


def relay_pending() -> int:
    """Events the relay right after their commit missed (a crash, SQS down): relayed now."""
    return outbox.relay_pending()


def release_due(*, now: datetime | None = None) -> int:
    """Hand each held SMS whose morning came to the notifier (through its queue, which retries a refusal)."""
    moment = rfc3339(now or utc_now())
    due = deliveries.held_due(moment)
    for delivery_id in due:
        outbox.hand_back(delivery_id)
    return len(due)


# --- the API -------------------------------------------------------------------------------


def _document(settings: NotificationSettings) -> dict[str, Any]:
    return {"sms": settings.sms, "email": settings.email, "language": settings.language}


def get_my_settings(*, identity: Identity) -> dict[str, Any]:
    """My settings, or the defaults I would get: an artisan's (Urdu SMS), or a buyer's (e-mail)."""
    stored = deliveries.get_settings(identity.user_id)
    if stored is None:
        stored = rules.default_settings(artisan="artisans" in identity.groups, has_email=identity.email is not None)
    return _document(stored)


def put_my_settings(*, identity: Identity, sms: bool, email: bool, language: str) -> dict[str, Any]:
    chosen = NotificationSettings(sms=sms, email=email, language=language)
    deliveries.put_settings(identity.user_id, chosen, now=rfc3339(utc_now()))
    return _document(chosen)


def delivery_log(*, identity: Identity, recipient: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """What was sent (or held, refused, turned off) to one phone number or e-mail address, newest first."""
    identity.require("ops")
    page = deliveries.by_recipient(recipient, limit=limit, cursor=cursor)
    return {"items": [{"notification_id": item.delivery_id, "event": item.kind, "channel": item.channel,
                       "language": item.language, "subject": item.subject, "body": item.body, "status": item.status,
                       "created_at": item.created_at} for item in page.items],
            "next_cursor": page.next_cursor}

"""Who is told what, through which channel, when: pure decisions, unit-tested without an emulator."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..ids import PAKISTAN_TIME
from ..money import MINOR_DIGITS
from ..store.records import NotificationSettings, OutboxEvent

LANGUAGES = ("en", "ur")
CHANNELS = ("sms", "email")
QUIET_FROM, QUIET_UNTIL = 22, 8  # SMS wait from 22:00 until 08:00 Pakistan time
MAX_SEGMENTS = 2
# GSM-7: (one message, each part of a long one). UCS-2 (Urdu, or any character outside GSM-7): 70 / 67.
GSM_LIMITS, UCS2_LIMITS = (160, 153), (70, 67)
_GSM_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                 "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM_EXTENDED = set("^{}\\[~]|€\f")  # sent as an escape and the character: two septets each


@dataclass(frozen=True)
class Recipient:
    user_id: str
    audience: str  # buyer | artisan


def welcome_settings(stored: NotificationSettings | None) -> NotificationSettings:
    """An imported artisan's welcome carries their only way in (a temporary password): by SMS whatever
    they chose, in their language (Urdu unless they chose otherwise)."""
    return NotificationSettings(sms=True, email=False, language=stored.language if stored else "ur")


def recipients(event: OutboxEvent) -> list[Recipient]:
    """Whom an event is for. Buyers hear of every step of their order; artisans of the orders they must
    fulfil (paid, or confirmed as cash on delivery), of their verification, payouts and welcome."""
    data = event.data
    if event.kind.startswith("order."):
        buyer = [Recipient(data["buyer_id"], "buyer")]
        artisans = [Recipient(artisan_id, "artisan") for artisan_id in data.get("artisan_ids", [])]
        if event.kind == "order.paid" or (event.kind == "order.placed" and data.get("status") == "confirmed"):
            return buyer + artisans
        return buyer
    return [Recipient(event.recipient_user_id, "artisan")] if event.recipient_user_id else []


def default_settings(*, artisan: bool, has_email: bool, locale: str | None = None) -> NotificationSettings:
    """Artisans live by their phone's SMS inbox, in Urdu; buyers get e-mail (SMS if they signed up by phone)
    in their language (the user pool's locale; English without one)."""
    if artisan:
        return NotificationSettings(sms=True, email=False, language="ur")
    language = "ur" if (locale or "").lower().startswith("ur") else "en"
    return NotificationSettings(sms=not has_email, email=has_email, language=language)


def quiet_hours(setting: str) -> tuple[int, int] | None:
    """The SMS_QUIET_HOURS setting, "22-8" (from 22:00 until 08:00), as hours; None for "" (no quiet hours)."""
    if not setting.strip():
        return None
    start, _, end = setting.partition("-")
    hours = (int(start), int(end))
    if not all(0 <= hour < 24 for hour in hours) or hours[0] == hours[1]:
        raise ValueError(f"SMS_QUIET_HOURS must be like 22-8, not {setting!r}")
    return hours


def send_after(now: datetime, channel: str,
               quiet: tuple[int, int] | None = (QUIET_FROM, QUIET_UNTIL)) -> datetime | None:
    """When an SMS decided at `now` may go: None (now), or the end of the quiet hours (08:00 Pakistan time)
    if `now` is in them.

    E-mail is never held: it waits in an inbox without waking anyone.
    """
    if channel != "sms" or quiet is None:
        return None
    start, end = quiet
    local = now.astimezone(PAKISTAN_TIME)
    inside = (local.hour >= start or local.hour < end) if start > end else start <= local.hour < end
    if not inside:
        return None
    morning = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if morning <= local:
        morning += timedelta(days=1)
    return morning.astimezone(UTC)


def is_gsm(text: str) -> bool:
    return set(text) <= _GSM_BASIC | _GSM_EXTENDED


def sms_units(text: str) -> tuple[int, str]:
    """The length SMS counts and its encoding: GSM-7 septets (extension characters two each), else UCS-2
    code units (a character beyond the BMP, such as an emoji, two)."""
    if is_gsm(text):
        return sum(2 if character in _GSM_EXTENDED else 1 for character in text), "gsm"
    return len(text.encode("utf-16-le")) // 2, "ucs2"


def sms_segments(text: str) -> int:
    """How many SMS parts `text` is sent as: one up to 160 GSM-7 (70 UCS-2), else parts of 153 (67)."""
    length, encoding = sms_units(text)
    single, part = GSM_LIMITS if encoding == "gsm" else UCS2_LIMITS
    return 1 if length <= single else -(-length // part)


def money_text(amount: int, currency: str, language: str) -> str:
    """`Rs 2,500` / `2,500 روپے` for rupees, `USD 12.50` otherwise (minor units in, whole units shown)."""
    digits = MINOR_DIGITS.get(currency, 2)
    whole, minor = divmod(int(amount), 10 ** digits)
    number = f"{whole:,}" if minor == 0 else f"{whole:,}.{minor:0{digits}d}"
    if currency == "PKR":
        return f"{number} روپے" if language == "ur" else f"Rs {number}"
    return f"{currency} {number}"


def fit_sms(render: Any, title: str, *, max_segments: int = MAX_SEGMENTS) -> str:
    """`render(title)` with the title shortened (an ellipsis in the message's own alphabet) until the
    message fits in `max_segments` SMS parts."""
    text = render(title)
    cut = len(title)
    while sms_segments(text) > max_segments and cut > 0:
        cut -= 1
        short = title[:cut].rstrip()
        # "…" is not GSM-7: in a Latin message it would turn every part into UCS-2's 67 characters.
        text = render(short + ("..." if is_gsm(render(short)) else "…"))
    return str(text)

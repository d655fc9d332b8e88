"""The messages, in English and Urdu: an SMS (at most 2 parts: titles are shortened to fit) and an e-mail.

Each template is keyed by what happened and to whom (`order.paid` to an `artisan`). Values: `order`
(the order id), `titles` (what was bought, shortened for SMS), `amount`, `carrier`, `tracking`, `ref`,
and for an imported artisan's welcome `phone` (their sign-in) and `password` (rendered as PASSWORD_MASK:
the notifier puts the real one in only as it sends, so no record or log ever holds it).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..store.records import OutboxEvent
from . import rules

SIGNATURE = {"en": "Made in Pakistan", "ur": "میڈ اِن پاکستان"}
CARRIERS = {"en": {"tcs": "TCS", "leopards": "Leopards", "pakistan_post": "Pakistan Post", "dhl": "DHL",
                   "other": "the courier"},
            "ur": {"tcs": "TCS", "leopards": "Leopards", "pakistan_post": "پاکستان پوسٹ", "dhl": "DHL",
                   "other": "کوریئر"}}
# As long as a temporary password (onboarding/rules.py), and GSM-7, so the stored body counts as the sent one.
PASSWORD_MASK = "**********"

# (template key, audience) -> language -> (SMS, e-mail subject, e-mail body)
TEMPLATES: dict[tuple[str, str], dict[str, tuple[str, str, str]]] = {
    ("order.placed.online", "buyer"): {
        "en": ("Order {order} placed: {titles}, {amount}. Complete the payment to confirm it.",
               "Your order {order} is placed",
               "Your order {order} is placed: {titles}, {amount}.\nComplete the payment to confirm it; "
               "until then the items are held for you."),
        "ur": ("آپ کا آرڈر {order} درج ہو گیا: {titles}، {amount}۔ آرڈر پکا کرنے کے لیے ادائیگی مکمل کریں۔",
               "آپ کا آرڈر {order} درج ہو گیا",
               "آپ کا آرڈر {order} درج ہو گیا: {titles}، {amount}۔\nآرڈر پکا کرنے کے لیے ادائیگی مکمل کریں؛ "
               "تب تک اشیاء آپ کے لیے رکھی گئی ہیں۔"),
    },
    ("order.placed.cod", "buyer"): {
        "en": ("Order {order} confirmed: {titles}. Pay {amount} in cash on delivery.",
               "Your order {order} is confirmed",
               "Your order {order} is confirmed: {titles}.\nPay {amount} in cash when it is delivered."),
        "ur": ("آپ کا آرڈر {order} پکا ہو گیا: {titles}۔ ڈیلیوری پر {amount} نقد ادا کریں۔",
               "آپ کا آرڈر {order} پکا ہو گیا",
               "آپ کا آرڈر {order} پکا ہو گیا: {titles}۔\nڈیلیوری پر {amount} نقد ادا کریں۔"),
    },
    ("order.placed.cod", "artisan"): {
        "en": ("New cash-on-delivery order {order}: {titles}. Please ship it soon.",
               "New order {order} (cash on delivery)",
               "A buyer ordered {titles} (order {order}), to pay in cash on delivery.\n"
               "Please pack and ship it, then add the tracking number in your dashboard."),
        "ur": ("نیا آرڈر {order} (ادائیگی بوقتِ ڈیلیوری): {titles}۔ براہ کرم جلد روانہ کریں۔",
               "نیا آرڈر {order} (ادائیگی بوقتِ ڈیلیوری)",
               "ایک خریدار نے {titles} کا آرڈر دیا (آرڈر {order})، ادائیگی ڈیلیوری پر ہو گی۔\n"
               "براہ کرم پیک کر کے روانہ کریں اور ڈیش بورڈ میں ٹریکنگ نمبر درج کریں۔"),
    },
    ("order.paid", "buyer"): {
        "en": ("Payment of {amount} received for order {order}. Thank you!",
               "Receipt for order {order}",
               "We received your payment of {amount} for order {order}: {titles}.\n"
               "We will tell you when it ships."),
        "ur": ("آرڈر {order} کے لیے {amount} کی ادائیگی موصول ہو گئی۔ شکریہ!",
               "آرڈر {order} کی رسید",
               "آرڈر {order} کے لیے آپ کی {amount} کی ادائیگی موصول ہو گئی: {titles}۔\n"
               "روانگی پر ہم آپ کو بتائیں گے۔"),
    },
    ("order.paid", "artisan"): {
        "en": ("New paid order {order}: {titles}. Please ship it soon.",
               "New paid order {order}",
               "A buyer paid for {titles} (order {order}).\n"
               "Please pack and ship it, then add the tracking number in your dashboard."),
        "ur": ("نیا ادا شدہ آرڈر {order}: {titles}۔ براہ کرم جلد روانہ کریں۔",
               "نیا ادا شدہ آرڈر {order}",
               "ایک خریدار نے {titles} کی ادائیگی کر دی (آرڈر {order})۔\n"
               "براہ کرم پیک کر کے روانہ کریں اور ڈیش بورڈ میں ٹریکنگ نمبر درج کریں۔"),
    },
    ("order.shipped", "buyer"): {
        "en": ("Order {order} shipped: {titles}. {carrier} tracking number {tracking}.",
               "Order {order} has shipped",
               "{titles} (order {order}) left the artisan's workshop with {carrier}.\nTracking number: {tracking}"),
        "ur": ("آرڈر {order} روانہ ہو گیا: {titles}۔ {carrier} ٹریکنگ نمبر {tracking}",
               "آرڈر {order} روانہ ہو گیا",
               "{titles} (آرڈر {order}) {carrier} کے ذریعے روانہ ہو گیا۔\nٹریکنگ نمبر: {tracking}"),
    },
    ("order.delivered", "buyer"): {
        "en": ("Order {order} was delivered. Thank you for buying from Pakistan's artisans!",
               "Order {order} was delivered",
               "Order {order} ({titles}) was delivered.\nThank you for buying from Pakistan's artisans."),
        "ur": ("آرڈر {order} پہنچ گیا۔ پاکستانی کاریگروں سے خریداری کا شکریہ!",
               "آرڈر {order} پہنچ گیا",
               "آرڈر {order} ({titles}) پہنچ گیا۔\nپاکستانی کاریگروں سے خریداری کا شکریہ۔"),
    },
    ("order.refunded", "buyer"): {
        "en": ("{amount} refunded for order {order}. It reaches your account in a few days.",
               "Refund for order {order}",
               "We refunded {amount} for order {order}.\nYour bank or wallet shows it within a few days."),
        "ur": ("آرڈر {order} کے {amount} واپس کر دیے گئے۔ چند دنوں میں آپ کے اکاؤنٹ میں آ جائیں گے۔",
               "آرڈر {order} کی رقم واپسی",
               "آرڈر {order} کے {amount} واپس کر دیے گئے۔\nچند دنوں میں آپ کے بینک یا والیٹ میں آ جائیں گے۔"),
    },
    ("artisan.verification.verified", "artisan"): {
        "en": ("Your artisan profile is verified. You can publish your listings now.",
               "Your artisan profile is verified",
               "Congratulations: your artisan profile is verified.\nYou can publish your listings now."),
        "ur": ("مبارک ہو! آپ کا فنکار پروفائل تصدیق ہو گیا۔ اب آپ اپنی اشیاء شائع کر سکتے ہیں۔",
               "آپ کا فنکار پروفائل تصدیق ہو گیا",
               "مبارک ہو: آپ کا فنکار پروفائل تصدیق ہو گیا۔\nاب آپ اپنی اشیاء شائع کر سکتے ہیں۔"),
    },
    ("artisan.verification.rejected", "artisan"): {
        "en": ("Your artisan profile could not be verified. See why in your dashboard.",
               "Your artisan profile could not be verified",
               "Your artisan profile could not be verified.\nYour dashboard shows why and what to change."),
        "ur": ("آپ کے فنکار پروفائل کی تصدیق نہیں ہو سکی۔ وجہ ڈیش بورڈ میں دیکھیں۔",
               "آپ کے فنکار پروفائل کی تصدیق نہیں ہو سکی",
               "آپ کے فنکار پروفائل کی تصدیق نہیں ہو سکی۔\nوجہ اور ضروری تبدیلی ڈیش بورڈ میں دیکھیں۔"),
    },
    ("payout.sent", "artisan"): {
        "en": ("Payout of {amount} sent to your payout account. Reference {ref}.",
               "Payout of {amount} sent",
               "We sent {amount} to your payout account (reference {ref}).\nYour dashboard lists what it pays for."),
        "ur": ("آپ کی {amount} کی ادائیگی آپ کے وصولی اکاؤنٹ میں بھیج دی گئی۔ حوالہ {ref}",
               "{amount} کی ادائیگی بھیج دی گئی",
               "ہم نے {amount} آپ کے وصولی اکاؤنٹ میں بھیج دیے (حوالہ {ref})۔\nتفصیل ڈیش بورڈ میں دیکھیں۔"),
    },
    ("artisan.welcome", "artisan"): {
        "en": ("Welcome to Made in Pakistan! Your artisan account is ready. Sign in with {phone}, "
               "temporary password: {password}",
               "Your Made in Pakistan artisan account is ready",
               "Welcome to Made in Pakistan! Your artisan account is ready.\n"
               "Sign in with {phone}, temporary password: {password}"),
        "ur": ("میڈ اِن پاکستان میں خوش آمدید! آپ کا فنکار اکاؤنٹ تیار ہے۔ فون: {phone} عارضی پاس ورڈ: {password}",
               "آپ کا فنکار اکاؤنٹ تیار ہے",
               "میڈ اِن پاکستان میں خوش آمدید! آپ کا فنکار اکاؤنٹ تیار ہے۔\n"
               "فون: {phone} عارضی پاس ورڈ: {password}"),
    },
}


@dataclass(frozen=True)
class Message:
    subject: str  # empty for an SMS
    body: str


def template_key(event: OutboxEvent) -> str:
    if event.kind == "order.placed":
        return "order.placed.cod" if event.data.get("status") == "confirmed" else "order.placed.online"
    if event.kind == "artisan.verification":
        return f"artisan.verification.{event.data['decision']}"
    return event.kind


def has_template(event: OutboxEvent, audience: str) -> bool:
    return (template_key(event), audience) in TEMPLATES


def titles(lines: list[dict[str, Any]], language: str) -> str:
    """What was bought, for the message: "Shawl x2", and "+2 more" beyond the first."""
    if not lines:
        return ""
    first = lines[0]
    text = str(first["title"]) + (f" x{first['quantity']}" if int(first.get("quantity", 1)) > 1 else "")
    if len(lines) > 1:
        text += f" اور {len(lines) - 1} مزید" if language == "ur" else f" +{len(lines) - 1} more"
    return text


def render(event: OutboxEvent, *, audience: str, user_id: str, language: str, channel: str,
           phone: str = "") -> Message:
    """The message `user_id` gets for `event` on `channel`; an SMS fits in 2 parts (titles shortened).

    A welcome's password is PASSWORD_MASK here (see `with_password`)."""
    sms, subject, email = TEMPLATES[(template_key(event), audience)][language]
    data = event.data
    lines = data.get("lines", [])
    if audience == "artisan":
        lines = [line for line in lines if line.get("artisan_id") == user_id] or lines
    carrier = data.get("carrier") or "other"
    values = {"order": data.get("order_id", ""), "carrier": CARRIERS[language].get(carrier, carrier),
              "tracking": data.get("tracking_number") or "", "ref": data.get("ref", ""),
              "phone": phone, "password": PASSWORD_MASK,
              "amount": rules.money_text(int(data.get("amount", 0)), data.get("currency", "PKR"), language)}
    title = titles(lines, language)
    if channel == "sms":
        return Message("", rules.fit_sms(lambda shown: sms.format(**values, titles=shown), title))
    body = email.format(**values, titles=title)
    return Message(subject.format(**values, titles=title), f"{body}\n\n{SIGNATURE[language]}")


def with_password(body: str, password: str) -> str:
    """The text actually sent for a rendered welcome: the mask replaced by the password just set."""
    return body.replace(PASSWORD_MASK, password, 1)

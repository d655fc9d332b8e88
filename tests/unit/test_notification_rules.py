"""Who is told what and when, SMS segment counting, and the real rendered messages (English and Urdu)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.notifications import rules, templates
from chalicelib.onboarding.rules import temporary_password
from chalicelib.store.records import NotificationSettings, OutboxEvent

LONG_TITLE = "Hand-embroidered Multani phulkari shawl in pure silk with mirror work and tassels, extra large"
LONG_TITLE_UR = "ہاتھ سے کڑھی ہوئی ملتانی پھلکاری شال، خالص ریشم، شیشے کے کام اور پھندنوں کے ساتھ، بہت بڑی"
ORDER = "O7K3M9QX2B8D4F6H"  # an order id as new_id("O") makes them: 16 characters
TRACKING = "LEO-4410-9912-7735-0021-8841-3390"  # 33 characters: long, as couriers' numbers go


def event(kind: str, **data: object) -> OutboxEvent:
    base = {"order_id": ORDER, "buyer_id": "buyer-1", "artisan_ids": ["artisan-1", "artisan-2"],
            "payment_method": "card", "amount": 1_234_567_00, "currency": "PKR",
            "lines": [{"artisan_id": "artisan-1", "title": LONG_TITLE, "quantity": 2},
                      {"artisan_id": "artisan-2", "title": LONG_TITLE_UR, "quantity": 1}]}
    return OutboxEvent(f"{kind}#{ORDER}", kind, "artisan-1" if not kind.startswith("order.") else None,
                       {**base, **data}, "2026-11-28T05:00:00.000000Z")


EVENTS = [
    event("order.placed", status="pending_payment"), event("order.placed", status="confirmed"),
    event("order.paid"), event("order.shipped", carrier="pakistan_post", tracking_number=TRACKING),
    event("order.delivered"), event("order.refunded", amount=99_999_99, currency="USD"),
    event("artisan.verification", decision="verified"), event("artisan.verification", decision="rejected"),
    event("payout.sent", ref="PR0123456789ABCDE", amount=98_765_43),
]


# --- segments -------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "segments"), [
    ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3),
    ("ب" * 70, 1), ("ب" * 71, 2), ("ب" * 134, 2), ("ب" * 135, 3),
    ("a" * 69 + "ب", 1),  # one Urdu letter makes the whole message UCS-2
    ("€" * 80, 1), ("€" * 81, 2),  # GSM-7 extension characters take two septets
    ("😀" * 35, 1), ("😀" * 36, 2),  # beyond the BMP: two UCS-2 units each
])
def test_segments_follow_gsm7_and_ucs2(text, segments):
    assert rules.sms_segments(text) == segments


# --- quiet hours ----------------------------------------------------------------------------


@pytest.mark.parametrize(("utc", "expected"), [
    (datetime(2026, 11, 28, 16, 59, tzinfo=UTC), None),  # 21:59 in Pakistan
    (datetime(2026, 11, 28, 17, 0, tzinfo=UTC), datetime(2026, 11, 29, 3, 0, tzinfo=UTC)),  # 22:00 -> 08:00
    (datetime(2026, 11, 28, 19, 0, tzinfo=UTC), datetime(2026, 11, 29, 3, 0, tzinfo=UTC)),  # 00:00
    (datetime(2026, 11, 29, 2, 59, tzinfo=UTC), datetime(2026, 11, 29, 3, 0, tzinfo=UTC)),  # 07:59
    (datetime(2026, 11, 29, 3, 0, tzinfo=UTC), None),  # 08:00
])
def test_an_sms_in_quiet_hours_waits_until_eight_in_pakistan(utc, expected):
    assert rules.send_after(utc, "sms") == expected


def test_an_email_is_never_held():
    assert rules.send_after(datetime(2026, 11, 28, 19, 0, tzinfo=UTC), "email") is None


# --- who and how --------------------------------------------------------------------------------


def test_artisans_hear_of_orders_to_fulfil_and_buyers_of_every_step():
    def audiences(e: OutboxEvent) -> list[tuple[str, str]]:
        return [(r.user_id, r.audience) for r in rules.recipients(e)]

    everyone = [("buyer-1", "buyer"), ("artisan-1", "artisan"), ("artisan-2", "artisan")]
    assert audiences(event("order.paid")) == everyone
    assert audiences(event("order.placed", status="confirmed")) == everyone  # cash on delivery
    assert audiences(event("order.placed", status="pending_payment")) == [("buyer-1", "buyer")]
    assert audiences(event("order.shipped")) == [("buyer-1", "buyer")]
    assert audiences(event("artisan.verification", decision="verified")) == [("artisan-1", "artisan")]


def test_defaults_urdu_sms_for_artisans_email_for_buyers_sms_for_phone_signups():
    assert rules.default_settings(artisan=True, has_email=True).__dict__ == {"sms": True, "email": False,
                                                                            "language": "ur"}
    assert rules.default_settings(artisan=False, has_email=True).__dict__ == {"sms": False, "email": True,
                                                                             "language": "en"}
    assert rules.default_settings(artisan=False, has_email=False, locale="ur-PK").__dict__ == {
        "sms": True, "email": False, "language": "ur"}


# --- the real messages --------------------------------------------------------------------------


def rendered(e: OutboxEvent, language: str, channel: str) -> list[templates.Message]:
    return [templates.render(e, audience=r.audience, user_id=r.user_id, language=language, channel=channel)
            for r in rules.recipients(e) if templates.has_template(e, r.audience)]


@pytest.mark.parametrize("language", ["en", "ur"])
@pytest.mark.parametrize("e", EVENTS, ids=lambda e: f"{e.kind}-{e.data.get('status') or e.data.get('decision', '')}")
def test_every_sms_fits_two_segments_with_long_titles_and_keeps_ids_whole(e, language):
    messages = rendered(e, language, "sms")
    assert messages
    for message in messages:
        assert rules.sms_segments(message.body) <= 2, (len(message.body), message.body)
        assert "{" not in message.body
        if e.kind.startswith("order."):
            assert ORDER in message.body
        if e.kind == "order.shipped":
            assert TRACKING in message.body


def test_an_urdu_sms_is_ucs2_and_shows_rupees_the_urdu_way():
    (buyer, first_artisan, _) = rendered(event("order.paid"), "ur", "sms")
    assert not rules.is_gsm(buyer.body)
    assert buyer.body == f"آرڈر {ORDER} کے لیے 1,234,567 روپے کی ادائیگی موصول ہو گئی۔ شکریہ!"
    assert first_artisan.body.startswith(f"نیا ادا شدہ آرڈر {ORDER}: ")  # their own line, shortened to fit
    assert first_artisan.body.endswith("براہ کرم جلد روانہ کریں۔")


def test_a_long_english_title_is_cut_with_a_gsm_ellipsis_so_the_message_stays_gsm7():
    e = event("order.paid", lines=[{"artisan_id": "artisan-1", "title": LONG_TITLE * 3, "quantity": 1}])
    (_, artisan, _) = rendered(e, "en", "sms")
    assert "..." in artisan.body and rules.is_gsm(artisan.body) and rules.sms_segments(artisan.body) == 2


@pytest.mark.parametrize("language", ["en", "ur"])
def test_emails_carry_a_subject_the_full_titles_and_the_signature(language):
    (message,) = rendered(event("order.shipped", carrier="tcs", tracking_number=TRACKING), language, "email")
    assert ORDER in message.subject and TRACKING in message.body and LONG_TITLE in message.body
    assert message.body.endswith(templates.SIGNATURE[language])


def test_money_is_shown_in_whole_units():
    assert rules.money_text(250000, "PKR", "en") == "Rs 2,500"
    assert rules.money_text(250050, "PKR", "ur") == "2,500.50 روپے"
    assert rules.money_text(1250, "USD", "en") == "USD 12.50"


def test_the_notifier_loads_neither_pillow_nor_the_xray_sdk():
    """Its cold start pays only for what it does (Lambda traces it actively, with no SDK in the code)."""
    import subprocess
    import sys

    code = ("import sys, app, chalicelib.notifications.service, chalicelib.store.outbox; "
            "print(sorted(m for m in ('PIL', 'aws_xray_sdk') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert loaded.stdout.strip() == "[]"


PHONE = "+923001234567"
WELCOME = OutboxEvent("artisan.welcome#imp-1#2", "artisan.welcome", "artisan-1", {"import_id": "imp-1", "row": 2},
                      "2026-11-28T05:00:00.000000Z")


def welcome(language: str) -> templates.Message:
    return templates.render(WELCOME, audience="artisan", user_id="artisan-1", language=language, channel="sms",
                            phone=PHONE)


def test_the_welcome_is_rendered_with_the_password_masked_and_sent_with_it_in_two_segments_at_most():
    stored = welcome("ur")
    assert stored.body.endswith(f"فون: {PHONE} عارضی پاس ورڈ: {templates.PASSWORD_MASK}")
    password = temporary_password()
    sent = templates.with_password(stored.body, password)
    assert password in sent and templates.PASSWORD_MASK not in sent and len(sent) == len(stored.body)
    assert not rules.is_gsm(sent) and rules.sms_segments(sent) == rules.sms_segments(stored.body) == 2
    english = templates.with_password(welcome("en").body, password)
    assert english.endswith(f"Sign in with {PHONE}, temporary password: {password}")
    assert rules.is_gsm(english) and rules.sms_segments(english) == 1


def test_the_welcome_goes_by_sms_in_urdu_unless_the_artisan_chose_english():
    assert rules.welcome_settings(None) == NotificationSettings(sms=True, email=False, language="ur")
    chosen = NotificationSettings(sms=False, email=True, language="en")
    assert rules.welcome_settings(chosen) == NotificationSettings(sms=True, email=False, language="en")


def test_quiet_hours_come_from_the_setting_and_an_empty_one_turns_them_off():
    night = datetime(2026, 11, 28, 18, 30, tzinfo=UTC)  # 23:30 in Pakistan
    assert rules.quiet_hours("22-8") == (22, 8)
    assert rules.send_after(night, "sms", rules.quiet_hours("22-8")) == datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
    assert rules.quiet_hours("") is None and rules.send_after(night, "sms", None) is None
    assert rules.send_after(datetime(2026, 11, 28, 16, 30, tzinfo=UTC), "sms", (1, 6)) is None  # 21:30
    for wrong in ("22", "8-8", "25-3", "x-y"):
        with pytest.raises(ValueError):
            rules.quiet_hours(wrong)

"""JazzCash: the published hash vector, the hashing rules, the return post and the signed form."""
from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from chalicelib.payments import jazzcash
from chalicelib.payments.gateway import (
    MalformedCallbackError,
    PaymentEvent,
    SignatureError,
)

SALT = "0F5DD14AE2"
MERCHANT = "MC12345"


def signed(fields: dict[str, str], salt: str = SALT) -> dict[str, str]:
    return {**fields, "pp_SecureHash": jazzcash.secure_hash(fields, salt)}


def make_callback(**overrides: str | None) -> dict[str, str]:
    """A return post; an override of None removes the field."""
    fields: dict[str, str | None] = {
        "pp_Version": "1.1",
        "pp_TxnType": "MWALLET",
        "pp_MerchantID": MERCHANT,
        "pp_TxnRefNo": "T20261126ABC",
        "pp_Amount": "250000",
        "pp_TxnCurrency": "PKR",
        "pp_TxnDateTime": "20261126190000",
        "pp_BillReference": "ord123",
        "pp_ResponseCode": "000",
        "pp_ResponseMessage": "Thank you for Using JazzCash, your transaction was successful.",
        "pp_RetreivalReferenceNo": "261126123456",
    }
    fields.update(overrides)
    return {name: value for name, value in fields.items() if value is not None}


def verify(form: dict[str, str]) -> PaymentEvent:
    return jazzcash.verify_callback(form, salt=SALT, merchant_id=MERCHANT)


def test_published_vector() -> None:
    fields = {"pp_MerchantID": "MER123", "pp_OrderInfo": "A48cvE28", "pp_Amount": "2995"}
    assert jazzcash.secure_hash(fields, SALT) == "c7689cda7474eb1adcd343fd0c0b676bad0ba66361cc46db589bdb0da4c1c867"


def hmac_of(message: str, salt: str = SALT) -> str:
    return hmac.new(salt.encode(), message.encode(), hashlib.sha256).hexdigest()


def test_names_sort_in_byte_order_uppercase_first() -> None:
    fields = {"pp_amount": "lower", "pp_Zeta": "upper-z", "pp_Amount": "upper-a"}
    assert jazzcash.secure_hash(fields, SALT) == hmac_of(f"{SALT}&upper-a&upper-z&lower")


def test_empty_fields_are_skipped() -> None:
    with_empty = {"pp_Amount": "2995", "pp_BankID": "", "pp_MerchantID": "MER123"}
    assert jazzcash.secure_hash(with_empty, SALT) == hmac_of(f"{SALT}&2995&MER123")


def test_ppmpf_fields_are_included_and_other_names_ignored() -> None:
    fields = {"pp_Amount": "2995", "ppmpf_1": "extra", "submit": "Pay", "PP_Upper": "x", "amount": "1"}
    assert jazzcash.secure_hash(fields, SALT) == hmac_of(f"{SALT}&2995&extra")


def test_the_hash_field_itself_is_not_hashed() -> None:
    fields = {"pp_Amount": "2995"}
    assert jazzcash.secure_hash({**fields, "pp_SecureHash": "abc"}, SALT) == jazzcash.secure_hash(fields, SALT)


def test_successful_callback_becomes_a_succeeded_event() -> None:
    event = verify(signed(make_callback()))
    assert event == PaymentEvent(
        provider="jazzcash",
        event_id="T20261126ABC:000",
        order_ref="T20261126ABC",
        outcome="succeeded",
        amount=250000,
        currency="PKR",
        error=None,
        payment_ref="T20261126ABC",  # what a refund of it names
    )


def test_hash_hex_case_is_not_significant() -> None:
    form = signed(make_callback())
    form["pp_SecureHash"] = form["pp_SecureHash"].upper()
    assert verify(form).outcome == "succeeded"


@pytest.mark.parametrize(
    ("code", "outcome"),
    [("000", "succeeded"), ("121", "succeeded"), ("124", "pending"), ("157", "pending"), ("210", "pending"),
     ("999", "failed")],
)
def test_response_codes_map_to_outcomes(code: str, outcome: str) -> None:
    event = verify(signed(make_callback(pp_ResponseCode=code)))
    assert (event.outcome, event.event_id) == (outcome, f"T20261126ABC:{code}")


def test_failure_carries_the_gateway_message_or_the_code() -> None:
    with_message = verify(signed(make_callback(pp_ResponseCode="999", pp_ResponseMessage="Declined")))
    without_message = verify(signed(make_callback(pp_ResponseCode="101", pp_ResponseMessage=None)))
    assert (with_message.error, without_message.error) == ("Declined", "101")


def test_tampered_value_is_a_signature_error() -> None:
    form = signed(make_callback())
    form["pp_Amount"] = "1"
    with pytest.raises(SignatureError):
        verify(form)


def test_wrong_salt_is_a_signature_error() -> None:
    with pytest.raises(SignatureError):
        verify(signed(make_callback(), salt="another-salt"))


def test_missing_hash_is_a_signature_error() -> None:
    with pytest.raises(SignatureError):
        verify(make_callback())


def test_non_ascii_hash_is_a_signature_error_not_a_crash() -> None:
    form = signed(make_callback())
    form["pp_SecureHash"] = "ہ" * 64
    with pytest.raises(SignatureError):
        verify(form)


def test_another_merchants_callback_is_a_signature_error() -> None:
    with pytest.raises(SignatureError):
        verify(signed(make_callback(pp_MerchantID="MC99999")))


def test_unsigned_post_with_malformed_content_is_still_a_signature_error() -> None:
    with pytest.raises(SignatureError):
        verify(make_callback(pp_Amount="lots", pp_TxnRefNo=None))


@pytest.mark.parametrize(
    "overrides",
    [
        {"pp_TxnRefNo": None},
        {"pp_Amount": None},
        {"pp_ResponseCode": None},
        {"pp_Amount": "12.50"},
        {"pp_Amount": "-100"},
        {"pp_Amount": "9" * 19},
        {"pp_TxnRefNo": "T" * 21},
        {"pp_TxnRefNo": "T-123"},
        {"pp_TxnCurrency": "USD"},
    ],
)
def test_signed_malformed_callback_is_malformed(overrides: dict[str, str | None]) -> None:
    with pytest.raises(MalformedCallbackError):
        verify(signed(make_callback(**overrides)))


def make_form(description: str = "Hand-stitched ajrak shawl") -> dict[str, object]:
    return jazzcash.payment_form(
        txn_ref="T20261126ABC",
        amount_paisa=250000,
        description=description,
        bill_reference="ord123",
        return_url="http://127.0.0.1:8000/payments/jazzcash/callback",
        action_url="http://127.0.0.1:8080/sandbox/jazzcash",
        merchant_id=MERCHANT,
        password="secret-password",
        salt=SALT,
        now=datetime(2026, 11, 26, 19, 0, 0, tzinfo=UTC),
        expiry_minutes=30,
    )


def test_payment_form_has_the_gateway_fields_in_pakistan_time() -> None:
    form = make_form()
    fields = form["form_fields"]
    assert isinstance(fields, dict)
    assert (form["provider"], form["action_url"]) == ("jazzcash", "http://127.0.0.1:8080/sandbox/jazzcash")
    assert {name: value for name, value in fields.items() if name != "pp_SecureHash"} == {
        "pp_Version": "1.1",
        "pp_TxnType": "MWALLET",
        "pp_Language": "EN",
        "pp_MerchantID": MERCHANT,
        "pp_Password": "secret-password",
        "pp_TxnRefNo": "T20261126ABC",
        "pp_Amount": "250000",
        "pp_TxnCurrency": "PKR",
        "pp_TxnDateTime": "20261127000000",
        "pp_TxnExpiryDateTime": "20261127003000",
        "pp_BillReference": "ord123",
        "pp_Description": "Hand-stitched ajrak shawl",
        "pp_ReturnURL": "http://127.0.0.1:8000/payments/jazzcash/callback",
    }
    assert fields["pp_SecureHash"] == jazzcash.secure_hash(fields, SALT)


def test_urdu_description_yields_ascii_fields_that_verify() -> None:
    fields = make_form("  اجرک   شال  Ajrak   shawl ")["form_fields"]
    assert isinstance(fields, dict)
    assert all(value.isascii() for value in fields.values())
    assert fields["pp_Description"] == "Ajrak shawl"
    assert fields["pp_SecureHash"] == jazzcash.secure_hash(fields, SALT)


def test_all_urdu_description_falls_back_to_the_bill_reference() -> None:
    fields = make_form("ہاتھ سے کڑھائی والی شال")["form_fields"]
    assert isinstance(fields, dict)
    assert fields["pp_Description"] == "Order ord123"


def test_description_is_transliterated_and_capped_at_100_characters() -> None:
    assert jazzcash.ascii_description("Café  Multāni\tkhussa", fallback="x") == "Cafe Multani khussa"
    assert len(jazzcash.ascii_description("a" * 150, fallback="x")) == 100


def test_payment_form_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError):
        jazzcash.payment_form(
            txn_ref="T1",
            amount_paisa=100,
            description="x",
            bill_reference="o1",
            return_url="http://r",
            action_url="http://a",
            merchant_id=MERCHANT,
            password="p",
            salt=SALT,
            now=datetime(2026, 11, 26, 19, 0, 0),
            expiry_minutes=30,
        )


# --- refunds and inquiries ---------------------------------------------------------------------------------


def _answer(**fields: str) -> dict[str, str]:
    answer = {"pp_TxnRefNo": "T20261126ABC", jazzcash.REFUND_FIELD: "RF1", **fields}
    answer[jazzcash.HASH_FIELD] = jazzcash.secure_hash(answer, SALT)
    return answer


def test_a_refund_request_is_signed_and_names_our_refund() -> None:
    fields = jazzcash.refund_fields(txn_ref="T20261126ABC", amount_paisa=5000, refund_id="RF1", merchant_id="MC1",
                                    password="pw", salt=SALT)
    jazzcash.verify_signature(fields, salt=SALT)
    assert (fields["pp_Amount"], fields[jazzcash.REFUND_FIELD]) == ("5000", "RF1")


def test_refund_answers_are_believed_only_when_signed_and_about_our_refund() -> None:
    done = jazzcash.refund_answer(_answer(pp_ResponseCode="000", pp_RetreivalReferenceNo="42"), refund_id="RF1",
                                  salt=SALT)
    assert (done.status, done.gateway_ref) == ("succeeded", "42")
    refused = jazzcash.refund_answer(_answer(pp_ResponseCode="199", pp_ResponseMessage="too much"), refund_id="RF1",
                                     salt=SALT)
    assert (refused.status, refused.failure) == ("failed", "too much")
    forged = {**_answer(pp_ResponseCode="000"), "pp_ResponseCode": "999"}
    with pytest.raises(SignatureError):
        jazzcash.refund_answer(forged, refund_id="RF1", salt=SALT)
    with pytest.raises(MalformedCallbackError):
        jazzcash.refund_answer(_answer(pp_ResponseCode="000"), refund_id="RF2", salt=SALT)


def test_the_inquiry_says_done_or_unknown() -> None:
    found = jazzcash.inquiry_answer(_answer(pp_ResponseCode="000", pp_RefundStatus=jazzcash.REFUND_DONE),
                                    refund_id="RF1", salt=SALT)
    missing = jazzcash.inquiry_answer(_answer(pp_ResponseCode="000", pp_RefundStatus=jazzcash.REFUND_NOT_FOUND),
                                      refund_id="RF1", salt=SALT)
    assert (found.status, missing.status) == ("succeeded", "unknown")

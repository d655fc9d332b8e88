"""Easypaisa: merchantHashedReq against an independent AES implementation, amounts, the form, the inquiry's answer."""
from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from chalicelib.payments import easypaisa
from chalicelib.payments.gateway import MalformedCallbackError

KEY = "8JZVPIU6MPD6H4GH"
STORE = "43511"
REF = "ORD0123456789ABC01"


def test_the_hashed_request_matches_openssl_aes_128_ecb_with_pkcs5_padding():
    # printf '%s' "amount=10.0&orderRefNum=1101&paymentMethod=InitialRequest&postBackURL=http://localhost:9081/
    # local/status.php&storeId=43&timeStamp=2013-01-01 10:10:10" | openssl enc -aes-128-ecb -K <hex of KEY> -base64 -A
    fields = {"storeId": "43", "timeStamp": "2013-01-01 10:10:10", "amount": "10.0", "orderRefNum": "1101",
              "postBackURL": "http://localhost:9081/local/status.php", "paymentMethod": "InitialRequest"}
    assert easypaisa.hashed_request(fields, KEY) == (
        "O+m0aN5ciSa7WqYBKaUtqK3Hdp6w2MC6EaJTRfBr5DVZHTF8zMpFKwyhk2f640PC5aG47Cm9pKmNaLRC08FTOBBXKFbPP1G8IYUgvtPo"
        "ciooL1l9bju80XYVudyty4WMoYK4PiGnmoNcnjHHfkO2mvkGq5+cdFMpAluc0jrQYsjeAFCnv68ymwtEAmAjD2S9B6Sd5x97avG9mQR+"
        "rnsa5A==")


def test_the_hash_field_itself_is_left_out_and_a_changed_field_no_longer_verifies():
    fields = {"amount": "10.0", "storeId": STORE}
    signed = {**fields, easypaisa.HASH_FIELD: easypaisa.hashed_request(fields, KEY)}
    assert easypaisa.hashed_request(signed, KEY) == signed[easypaisa.HASH_FIELD]
    assert easypaisa.verify_hashed_request(signed, KEY)
    assert not easypaisa.verify_hashed_request({**signed, "amount": "1.0"}, KEY)
    assert not easypaisa.verify_hashed_request(fields, KEY)
    assert not easypaisa.verify_hashed_request(signed, "another-key-16by")


@pytest.mark.parametrize("key", ["short", "seventeen-bytes!!", ""])
def test_a_hash_key_that_is_no_aes_key_is_refused(key):
    with pytest.raises(ValueError):
        easypaisa.hashed_request({"amount": "1.0"}, key)


@pytest.mark.parametrize(("paisa", "text"), [(250000, "2500.0"), (150, "1.5"), (155, "1.55"), (1, "0.01"),
                                             (100, "1.0")])
def test_amounts_are_rupees_with_at_least_one_decimal_and_read_back_exactly(paisa, text):
    assert easypaisa.amount_text(paisa) == text
    assert easypaisa.amount_paisa(text) == paisa
    assert easypaisa.amount_paisa(float(text)) == paisa


@pytest.mark.parametrize("bad", [0, -5, True, 1.5])
def test_only_a_positive_whole_number_of_paisa_is_charged(bad):
    with pytest.raises((ValueError, TypeError)):
        easypaisa.amount_text(bad)


@pytest.mark.parametrize("bad", ["1.005", "abc", "NaN", "Infinity", "-1.0", None, True, [1]])
def test_an_amount_that_is_not_whole_paisa_is_malformed(bad):
    with pytest.raises(MalformedCallbackError):
        easypaisa.amount_paisa(bad)


def test_the_form_is_signed_in_pakistan_time_with_the_wallet_method():
    now = datetime(2026, 11, 28, 19, 0, 0, tzinfo=UTC)
    started = easypaisa.payment_form(order_ref=REF, amount_paisa=250050, post_back_url="https://api.example/cb",
                                     action_url="https://easypay.example/easypay/Index.jsf", store_id=STORE,
                                     hash_key=KEY, now=now, expiry_minutes=30)
    form = started["form_fields"]
    assert started["provider"] == "easypaisa" and started["action_url"] == "https://easypay.example/easypay/Index.jsf"
    assert isinstance(form, dict)
    assert form["expiryDate"] == "20261129 003000"  # 19:00 UTC is 00:00 PKT the next day; +30 minutes
    assert (form["amount"], form["orderRefNum"], form["storeId"]) == ("2500.5", REF, STORE)
    assert easypaisa.verify_hashed_request(form, KEY)


@pytest.mark.parametrize("overrides", [{"order_ref": "has-dash"}, {"order_ref": "A" * 21},
                                       {"now": datetime(2026, 1, 1)}, {"expiry_minutes": 0}])
def test_a_form_is_never_built_from_bad_values(overrides):
    values = {"order_ref": REF, "amount_paisa": 100, "post_back_url": "https://api.example/cb",
              "action_url": "https://easypay.example", "store_id": STORE, "hash_key": KEY,
              "now": datetime(2026, 1, 1, tzinfo=UTC), "expiry_minutes": 30, **overrides}
    with pytest.raises(ValueError):
        easypaisa.payment_form(**values)


def test_only_the_order_reference_is_read_from_a_notification():
    assert easypaisa.notified_ref({"orderRefNumber": REF, "status": "0000", "amount": "1"}) == REF
    for bad in ({}, {"orderRefNumber": ""}, {"orderRefNumber": "a/b"}, {"orderRefNumber": "A" * 21}):
        with pytest.raises(MalformedCallbackError):
            easypaisa.notified_ref(bad)


def test_the_inquiry_request_carries_our_credentials_store_and_account():
    headers, body = easypaisa.inquiry_request(order_ref=REF, store_id=STORE, account_num="987", username="u",
                                              password="p:w")
    assert base64.b64decode(headers["Credentials"]).decode() == "u:p:w"
    assert json.loads(body) == {"orderId": REF, "storeId": STORE, "accountNum": "987"}


def _answer(**overrides: object) -> dict[str, object]:
    return {"responseCode": "0000", "responseDesc": "SUCCESS", "orderId": REF, "storeId": STORE,
            "transactionStatus": "PAID", "transactionAmount": 2500.5, "transactionId": "12345678901", **overrides}


def test_a_paid_inquiry_is_a_success_in_paisa_named_by_the_reference_and_status():
    event = easypaisa.inquiry_event(_answer(), order_ref=REF, store_id=STORE)
    assert (event.provider, event.event_id, event.order_ref) == ("easypaisa", f"{REF}:PAID", REF)
    assert (event.outcome, event.amount, event.currency, event.payment_ref) == ("succeeded", 250050, "PKR",
                                                                                "12345678901")


@pytest.mark.parametrize(("status", "outcome"), [("FAILED", "failed"), ("EXPIRED", "failed"),
                                                 ("REVERSED", "failed"), ("PENDING", "pending"),
                                                 ("INITIATED", "pending"), ("", "pending")])
def test_other_statuses_fail_or_change_nothing(status, outcome):
    event = easypaisa.inquiry_event(_answer(transactionStatus=status), order_ref=REF, store_id=STORE)
    assert (event.outcome, event.amount) == (outcome, 0)


def test_an_order_the_gateway_does_not_know_changes_nothing():
    event = easypaisa.inquiry_event({"responseCode": "0003", "responseDesc": "Order not found"}, order_ref=REF,
                                    store_id=STORE)
    assert event.outcome == "pending"


@pytest.mark.parametrize("answer", [[], "PAID", _answer(orderId="ORDOTHER"), _answer(storeId="1"),
                                    _answer(transactionAmount="lots")])
def test_an_answer_about_something_else_or_unreadable_is_malformed(answer):
    with pytest.raises(MalformedCallbackError):
        easypaisa.inquiry_event(answer, order_ref=REF, store_id=STORE)

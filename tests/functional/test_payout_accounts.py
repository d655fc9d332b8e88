"""Payout accounts on the artisan profile (API.md "Getting paid"): checked, masked in every answer, never logged."""
from __future__ import annotations

import logging
from typing import Any

import pytest

from harness.aws import Aws
from harness.factories import make_profile
from harness.http import body_of, call, code_of
from harness.stored import table_state

IBAN = "PK36SCBL0000001123456702"  # a valid Pakistani IBAN (mod-97)
WALLET = "+923451234567"


def _profile(client: Any, user: Any, **changes: Any) -> Any:
    return call(client, "PUT", "/artisans/me", user, make_profile(**changes))


def test_an_iban_is_kept_and_shown_masked_in_every_answer(client: Any, aws: Aws) -> None:
    artisan = aws.user("artisans")
    account = {"method": "iban", "iban": "pk36 scbl 0000 0011 2345 6702", "account_title": "Nasreen Bibi"}

    created = _profile(client, artisan, payout_account=account)

    assert created.status_code == 201, created.body
    shown = {"method": "iban", "iban": "********************6702", "account_title": "Nasreen Bibi"}
    assert body_of(created)["payout_account"] == shown
    read = call(client, "GET", "/artisans/me", artisan)
    assert body_of(read)["payout_account"] == shown
    assert IBAN not in created.body.decode() + read.body.decode()


def test_a_wallet_takes_the_display_name_as_its_title_and_an_edit_without_it_keeps_it(client: Any,
                                                                                       aws: Aws) -> None:
    artisan = aws.user("artisans")
    cnic = make_profile()["cnic"]
    assert _profile(client, artisan, cnic=cnic, payout_account={"method": "easypaisa_wallet",
                                                                "msisdn": WALLET}).status_code == 201

    edited = _profile(client, artisan, cnic=cnic, bio="Phulkari and more")

    assert edited.status_code == 200, edited.body
    assert body_of(edited)["payout_account"] == {"method": "easypaisa_wallet", "msisdn": "*********4567",
                                                 "account_title": "Nasreen Bibi"}
    removed = _profile(client, artisan, cnic=cnic, payout_account=None)
    assert "payout_account" not in body_of(removed)
    assert "payout_account" not in body_of(call(client, "GET", "/artisans/me", artisan))


@pytest.mark.parametrize(("account", "field"), [
    ({"method": "iban", "iban": "PK36SCBL0000001123456703", "account_title": "N"}, "iban"),  # check digits
    ({"method": "iban", "iban": "GB82WEST12345698765432", "account_title": "N"}, "iban"),  # not Pakistani
    ({"method": "iban", "iban": "PK36SCBL00000011234567", "account_title": "N"}, "iban"),  # 22 characters
    ({"method": "iban", "iban": IBAN}, "account_title"),
    ({"method": "jazzcash_wallet", "msisdn": "+924212345678"}, "msisdn"),  # a landline
    ({"method": "jazzcash_wallet", "msisdn": "03001234567"}, "msisdn"),  # not E.164
    ({"method": "bank_draft", "msisdn": WALLET}, "payout_account"),
])
def test_an_invalid_account_is_refused_and_changes_nothing(client: Any, aws: Aws, account: dict[str, Any],
                                                           field: str) -> None:
    artisan = aws.user("artisans")
    before = table_state(aws)

    response = _profile(client, artisan, payout_account=account)

    assert (response.status_code, code_of(response)) == (400, "VALIDATION_ERROR")
    fields = [detail["field"] for detail in body_of(response)["error"]["details"]]
    assert any(field in name for name in fields), fields
    number = account.get("iban") or account.get("msisdn")
    assert number not in response.body.decode()
    assert table_state(aws) == before


def test_account_numbers_never_reach_the_logs(client: Any, aws: Aws, caplog: pytest.LogCaptureFixture) -> None:
    artisan = aws.user("artisans")
    # The functions log at INFO (LOG_LEVEL); the SDKs' DEBUG request dumps are never switched on there.
    caplog.set_level(logging.INFO)

    _profile(client, artisan, payout_account={"method": "iban", "iban": IBAN, "account_title": "N B"})
    refused = _profile(client, artisan, payout_account={"method": "iban", "iban": IBAN[:-1] + "3",
                                                        "account_title": "N B"})
    assert refused.status_code == 400
    call(client, "GET", "/artisans/me", artisan)

    logged = "\n".join(record.getMessage() + repr(record.__dict__) for record in caplog.records)
    assert "request refused" in logged
    assert IBAN not in logged and IBAN[:-1] + "3" not in logged

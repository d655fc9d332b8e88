"""Payout rules: IBAN and wallet checks, masking, amounts, the bank file, settlement transitions."""
from __future__ import annotations

import pytest

from chalicelib.payouts import rules
from chalicelib.store.records import PayoutAccount

# Real-format Pakistani IBANs (PK, 2 check digits, 4-letter bank code, 16 digits) with correct check digits.
VALID = ["PK36SCBL0000001123456702", "PK40MEZN0001020101234567", "PK72HABB0012345678901234"]


@pytest.mark.parametrize("iban", VALID)
def test_valid_pakistani_ibans_pass_and_are_kept_without_spaces(iban: str) -> None:
    spaced = " ".join(iban[i:i + 4] for i in range(0, 24, 4)).lower()
    assert rules.check_iban(spaced) == iban


@pytest.mark.parametrize(("iban", "why"), [
    ("PK36SCBL0000001123456703", "check digits"),  # one digit changed: mod-97 catches it
    ("PK63SCBL0000001123456702", "check digits"),  # check digits swapped
    ("PK36SCBL000000112345670", "24 characters"),  # 23 characters
    ("PK36SCBL00000011234567021", "24 characters"),
    ("GB82WEST12345698765432", "Pakistani"),  # a valid British IBAN
    ("PK3612340000001123456702", "4 letters"),  # the bank code must be letters
    ("PK36SCBL00000011234567O2", "4 letters"),  # a letter O in the account digits
])
def test_invalid_ibans_are_refused_saying_why(iban: str, why: str) -> None:
    with pytest.raises(rules.AccountError, match=why):
        rules.check_iban(iban)


def test_the_mod_97_check_itself() -> None:
    assert rules.iban_checksum_ok("GB82WEST12345698765432")
    assert not rules.iban_checksum_ok("GB82WEST12345698765433")


@pytest.mark.parametrize("msisdn", ["+923001234567", "+92 345 1234567", "+92-321-7654321"])
def test_pakistani_mobile_numbers_are_wallets(msisdn: str) -> None:
    assert rules.check_msisdn(msisdn).startswith("+923") and len(rules.check_msisdn(msisdn)) == 13


@pytest.mark.parametrize("msisdn", ["03001234567", "+924212345678", "+92300123456", "+9230012345678", "+443001234567"])
def test_other_numbers_are_not(msisdn: str) -> None:
    with pytest.raises(rules.AccountError):
        rules.check_msisdn(msisdn)


def test_only_the_last_four_characters_show() -> None:
    assert rules.mask("PK36SCBL0000001123456702") == "*" * 20 + "6702"
    iban = PayoutAccount("iban", "PK36SCBL0000001123456702", "N B", "t")
    wallet = PayoutAccount("jazzcash_wallet", "+923001234567", "N B", "t")
    assert rules.account_document(iban) == {"method": "iban", "iban": "*" * 20 + "6702", "account_title": "N B"}
    assert rules.account_document(wallet) == {"method": "jazzcash_wallet", "msisdn": "*" * 9 + "4567",
                                              "account_title": "N B"}
    assert rules.account_document(None) is None


def test_a_wallet_without_a_title_takes_the_display_name_and_an_iban_needs_one() -> None:
    kept = rules.checked_account("easypaisa_wallet", iban=None, msisdn="+923001234567", title=None,
                                 default_title="Nasreen Bibi", now="t")
    assert kept == PayoutAccount("easypaisa_wallet", "+923001234567", "Nasreen Bibi", "t")
    with pytest.raises(rules.AccountError):
        rules.checked_account("iban", iban=VALID[0], msisdn=None, title=" ", default_title="x", now="t")


@pytest.mark.parametrize(("balance", "minimum", "paid"), [
    (50000, 50000, 50000), (49999, 50000, 0), (123457, 50000, 123457), (0, 0, 0), (-500, 1, 0), (1, 1, 1)])
def test_a_run_pays_the_whole_balance_once_it_reaches_the_minimum(balance: int, minimum: int, paid: int) -> None:
    assert rules.payout_amount(balance, minimum) == paid


def test_the_bank_file_layout() -> None:
    iban = PayoutAccount("iban", "PK36SCBL0000001123456702", 'Bibi, "N"', "t")
    wallet = PayoutAccount("easypaisa_wallet", "+923001234567", "=HYPERLINK()", "t")
    rows = [rules.bank_row(run_id="PR1", artisan_id="a1", account=iban, amount=123457),
            rules.bank_row(run_id="PR1", artisan_id="a2", account=wallet, amount=50000)]
    assert rules.bank_file(rows).decode() == (
        "account_type,account_number,account_title,amount_pkr,reference\r\n"
        'IBAN,PK36SCBL0000001123456702,"Bibi, ""N""",1234.57,PR1-a1\r\n'
        "EASYPAISA,+923001234567,'=HYPERLINK(),500.00,PR1-a2\r\n")


def test_run_ids_come_from_the_key_and_its_caller() -> None:
    assert rules.run_id_for("ops1", "k") == rules.run_id_for("ops1", "k")
    assert rules.run_id_for("ops1", "k") != rules.run_id_for("ops2", "k")
    assert rules.request_hash(1) != rules.request_hash(2)


def test_every_artisan_falls_in_one_of_the_index_shards() -> None:
    shards = {rules.payable_shard(f"artisan-{n}") for n in range(200)}
    assert shards == set(rules.all_shards())


@pytest.mark.parametrize(("current", "outcome", "step"), [
    ("sent", "paid", "apply"), ("sent", "failed", "apply"), ("paid", "paid", "same"), ("failed", "failed", "same"),
    ("paid", "failed", "conflict"), ("failed", "paid", "conflict")])
def test_a_transfer_leaves_sent_once(current: str, outcome: str, step: str) -> None:
    assert rules.settlement_transition(current, outcome) == step

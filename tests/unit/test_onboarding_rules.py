"""Registry rows decided without I/O: phones, CNICs, whole rows, the header, the temporary password, the pace."""
from __future__ import annotations

import pytest

from chalicelib.onboarding import rules
from chalicelib.onboarding.pace import TokenBucket
from tools.registry_file import generate

VALID = {"display_name": "فاطمہ بلوچ", "craft": "embroidery", "province": "balochistan", "district": "Kech",
         "phone": "03001234567", "cnic": "42101-1234567-1"}


@pytest.mark.parametrize("raw", ["03001234567", "+923001234567", "923001234567", "0300-1234567", "0300 1234567",
                                 "00923001234567"])
def test_mobile_numbers_in_every_common_form_become_e164(raw):
    assert rules.normalise_phone(raw) == "+923001234567"


@pytest.mark.parametrize("raw", ["", "0412345678", "04212345678", "+913001234567", "0300123456", "030012345678",
                                 "+92300123456a"])
def test_landlines_foreign_and_malformed_numbers_are_refused(raw):
    assert rules.normalise_phone(raw) is None


@pytest.mark.parametrize("raw", ["4210112345671", "42101-1234567-1", " 42101-1234567-1 "])
def test_cnics_with_or_without_dashes_become_dashed(raw):
    assert rules.normalise_cnic(raw) == "42101-1234567-1"


@pytest.mark.parametrize("raw", ["", "42101-123456-71", "421011234567", "42101123456712", "4210-11234567-1",
                                 "42101_1234567_1"])
def test_cnics_of_other_shapes_are_refused(raw):
    assert rules.normalise_cnic(raw) is None


def test_a_valid_row_is_normalised_and_names_of_provinces_and_crafts_are_accepted():
    accepted = rules.parse_row({**VALID, "province": "Khyber Pakhtunkhwa", "craft": "Carpets and rugs",
                                "phone": "+923001234567", "cnic": "4210112345671", "verified": "TRUE",
                                "email": "a@example.pk"})
    assert isinstance(accepted, rules.AcceptedRow)
    assert (accepted.province, accepted.craft) == ("khyber_pakhtunkhwa", "carpets-rugs")
    assert (accepted.phone, accepted.cnic, accepted.verified) == ("+923001234567", "42101-1234567-1", True)
    assert rules.parse_row({**VALID, "province": "گلگت بلتستان"}).province == "gilgit_baltistan"  # type: ignore[union-attr]
    assert rules.parse_row(VALID).verified is False  # type: ignore[union-attr]


@pytest.mark.parametrize(("change", "field"), [
    ({"phone": "042-1234567"}, "phone"), ({"cnic": "1234"}, "cnic"), ({"province": "Atlantis"}, "province"),
    ({"craft": "origami"}, "craft"), ({"display_name": ""}, "display_name"),
    ({"display_name": "x" * 81}, "display_name"),
    ({"district": ""}, "district"), ({"verified": "yes"}, "verified"), ({"email": "not-an-address"}, "email"),
    ({"bio": "b" * 2001}, "bio"),
])
def test_a_row_breaking_a_profile_rule_is_refused_with_the_field_and_never_the_value(change, field):
    refused = rules.parse_row({**VALID, **change})
    assert isinstance(refused, rules.RefusedRow)
    assert refused.reason.startswith(f"{field}:")
    for value in change.values():
        if len(value) > 3:
            assert value not in refused.reason


def test_the_header_needs_every_required_column_once_in_any_order():
    assert rules.header_problem(["CNIC", " phone", "district", "province", "craft", "Display_Name", "extra"]) is None
    assert "phone, cnic" in rules.header_problem(["display_name", "craft", "province", "district"])  # type: ignore[operator]
    assert "repeats" in rules.header_problem([*rules.REQUIRED_COLUMNS, "phone"])  # type: ignore[operator]
    cells = rules.row_cells(["Phone", "unknown", "display_name"], ["0300", "x"])
    assert cells == {"phone": "0300", "display_name": ""}


def test_temporary_passwords_meet_the_pool_policy_and_differ():
    passwords = {rules.temporary_password() for _ in range(50)}
    assert len(passwords) == 50
    for password in passwords:
        assert len(password) == 10
        assert any(c.islower() for c in password) and any(c.isdigit() for c in password)


def test_the_token_bucket_holds_the_rate_after_its_burst():
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(10, burst=5, clock=lambda: now[0], sleep=sleep)
    for _ in range(25):
        bucket.take()
    assert now[0] == pytest.approx(2.0)  # 5 at once, then 20 at 10 a second
    assert len(slept) == 20


def test_the_registry_generator_is_repeatable_and_knows_its_counts():
    first, again = generate(200, seed=3), generate(200, seed=3)
    assert first.data == again.data and first.expected == again.expected
    assert sum(first.expected.values()) == 200
    assert first.data.startswith("\ufeff".encode())
    assert generate(200, seed=4).data != first.data

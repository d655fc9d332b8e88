"""Payout decisions as pure functions: account checks, masking, who is paid what, the bank file's rows.

No I/O: unit-tested without an emulator (tests/unit/test_payout_rules.py).
"""
from __future__ import annotations

import hashlib
import re

from ..money import rupees
from ..store.records import PayoutAccount

# A Pakistani IBAN: PK, 2 check digits, 4 letters of the bank, 16 digits of the account (24 characters).
_PK_IBAN = re.compile(r"^PK[0-9]{2}[A-Z]{4}[0-9]{16}$")
# A Pakistani mobile number in E.164: +92 3xx xxxxxxx.
_PK_MOBILE = re.compile(r"^\+923[0-9]{9}$")
WALLETS = ("jazzcash_wallet", "easypaisa_wallet")
DEFAULT_MIN_AMOUNT = 50_000  # Rs 500 in paisa
# The eligibility index's partitions (store/payouts.py): spread so no single partition takes every balance write.
PAYABLE_SHARDS = 8
SENT = "sent"  # a transfer debited and in the bank file, not yet settled


class AccountError(ValueError):
    """The payout account is not acceptable; the message says why (it never repeats the number)."""


def normalise_iban(iban: str) -> str:
    """Banks print IBANs in groups of four; the value kept has no spaces and upper-case letters."""
    return re.sub(r"[\s-]", "", iban).upper()


def iban_checksum_ok(iban: str) -> bool:
    """ISO 13616 mod-97: the first four characters moved to the end, letters as 10..35, the number mod 97 is 1."""
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(char, 36)) for char in rearranged)
    return int(digits) % 97 == 1


def check_iban(iban: str) -> str:
    """The normalised IBAN, or AccountError: country PK, 24 characters, the bank's letters and digits, mod-97."""
    value = normalise_iban(iban)
    if not value.startswith("PK"):
        raise AccountError("must be a Pakistani IBAN (starting PK)")
    if len(value) != 24:
        raise AccountError("a Pakistani IBAN has 24 characters")
    if not _PK_IBAN.match(value):
        raise AccountError("a Pakistani IBAN is PK, 2 check digits, 4 letters and 16 digits")
    if not iban_checksum_ok(value):
        raise AccountError("the IBAN's check digits are wrong (mod-97)")
    return value


def check_msisdn(msisdn: str) -> str:
    """A Pakistani mobile wallet number in E.164 (+923xxxxxxxxx), or AccountError."""
    value = re.sub(r"[\s-]", "", msisdn)
    if not _PK_MOBILE.match(value):
        raise AccountError("must be a Pakistani mobile number in E.164 (+923xxxxxxxxx)")
    return value


def mask(number: str) -> str:
    """Only the last 4 characters show, in every answer and in the bank file's listing on screen."""
    return "*" * (len(number) - 4) + number[-4:]


def checked_account(method: str, *, iban: str | None, msisdn: str | None, title: str | None,
                    default_title: str, now: str) -> PayoutAccount:
    """The account to keep, or AccountError. A wallet's title defaults to the artisan's display name."""
    if method == "iban":
        if iban is None or not title or not title.strip():
            raise AccountError("an IBAN account needs iban and account_title")
        return PayoutAccount(method, check_iban(iban), title.strip(), now)
    if method not in WALLETS or msisdn is None:
        raise AccountError("a wallet needs msisdn")
    return PayoutAccount(method, check_msisdn(msisdn), (title or default_title).strip(), now)


def account_document(account: PayoutAccount | None) -> dict[str, str] | None:
    if account is None:
        return None
    shown = {"method": account.method, "account_title": account.title}
    shown["iban" if account.method == "iban" else "msisdn"] = mask(account.number)
    return shown


def payable_shard(artisan_id: str) -> str:
    """The eligibility index partition of an artisan: stable, spread evenly."""
    digest = hashlib.sha256(artisan_id.encode()).digest()
    return f"payable#{digest[0] % PAYABLE_SHARDS}"


def all_shards() -> list[str]:
    return [f"payable#{number}" for number in range(PAYABLE_SHARDS)]


def payout_amount(balance: int, min_amount: int) -> int:
    """The whole balance when it reaches the run's minimum, else nothing (0)."""
    return balance if balance >= max(min_amount, 1) else 0


def run_id_for(scope: str, key: str) -> str:
    """A run's id from its idempotency key (per caller), so a retried request resumes the same run."""
    return "PR" + hashlib.sha256(f"{scope}#{key}".encode()).hexdigest()[:20].upper()


def request_hash(min_amount: int) -> str:
    return hashlib.sha256(f"min_amount={min_amount}".encode()).hexdigest()


BANK_FILE_HEADER = ("account_type", "account_number", "account_title", "amount_pkr", "reference")


def bank_row(*, run_id: str, artisan_id: str, account: PayoutAccount, amount: int) -> tuple[str, str, str, str, str]:
    """One transfer in the bank's bulk layout; the reference names the run and the artisan."""
    kind = "IBAN" if account.method == "iban" else account.method.split("_")[0].upper()
    return kind, account.number, account.title, rupees(amount), f"{run_id}-{artisan_id}"


def csv_cell(value: str) -> str:
    """Quote for CSV, and keep a spreadsheet from reading a title as a formula."""
    if value[:1] in ("=", "+", "-", "@") and not _is_number(value):
        value = "'" + value
    if any(char in value for char in ',"\n\r'):
        value = '"' + value.replace('"', '""') + '"'
    return value


def _is_number(value: str) -> bool:
    return re.fullmatch(r"[+-]?[0-9]+(\.[0-9]+)?", value) is not None


def bank_file(rows: list[tuple[str, str, str, str, str]]) -> bytes:
    lines = [",".join(BANK_FILE_HEADER)] + [",".join(csv_cell(cell) for cell in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def settlement_transition(current: str, outcome: str) -> str:
    """What posting `outcome` for an item in state `current` does: "apply", "same" (already so: nothing),
    or "conflict" (settled the other way already)."""
    if current == SENT:
        return "apply"
    return "same" if current == outcome else "conflict"

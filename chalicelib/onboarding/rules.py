"""What a registry row means, decided without I/O: accepted values or the reason it is refused.

A row is validated by the profile's own request schema (`catalog.schemas.ArtisanUpsert`),
so an imported artisan meets exactly the rules of one who fills in the form.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from ..catalog.categories import CATEGORIES
from ..catalog.schemas import ArtisanUpsert

REQUIRED_COLUMNS: tuple[str, ...] = ("display_name", "craft", "province", "district", "phone", "cnic")
OPTIONAL_COLUMNS: tuple[str, ...] = ("email", "bio", "bio_ur", "verified")
GROUP = "artisans"

_PROVINCE_NAMES: dict[str, str] = {
    "punjab": "punjab", "پنجاب": "punjab",
    "sindh": "sindh", "سندھ": "sindh",
    "khyber pakhtunkhwa": "khyber_pakhtunkhwa", "kpk": "khyber_pakhtunkhwa", "kp": "khyber_pakhtunkhwa",
    "خیبر پختونخوا": "khyber_pakhtunkhwa",
    "balochistan": "balochistan", "بلوچستان": "balochistan",
    "islamabad": "islamabad", "ict": "islamabad", "islamabad capital territory": "islamabad",
    "اسلام آباد": "islamabad",
    "gilgit baltistan": "gilgit_baltistan", "gilgit-baltistan": "gilgit_baltistan", "gb": "gilgit_baltistan",
    "گلگت بلتستان": "gilgit_baltistan",
    "azad kashmir": "azad_kashmir", "ajk": "azad_kashmir", "azad jammu and kashmir": "azad_kashmir",
    "آزاد کشمیر": "azad_kashmir",
}
_CRAFT_NAMES: dict[str, str] = {
    name.casefold(): category["slug"]
    for category in CATEGORIES for name in (category["slug"], category["name"], category["name_ur"])
}
_PHONE = re.compile(r"^(?:\+92|0092|92|0)(3[0-9]{9})$")
_CNIC = re.compile(r"^([0-9]{5})-?([0-9]{7})-?([0-9])$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SEPARATORS = re.compile(r"[\s().-]")


@dataclass(frozen=True)
class AcceptedRow:
    """A row's values, normalised: the profile fields, the E.164 phone, the dashed CNIC."""

    display_name: str
    craft: str
    province: str
    district: str
    phone: str
    cnic: str
    email: str | None
    bio: str | None
    bio_ur: str | None
    verified: bool


@dataclass(frozen=True)
class RefusedRow:
    reason: str


def header_problem(header: Sequence[str]) -> str | None:
    """Why a header row cannot be imported, or None (columns in any order, case and spaces ignored)."""
    names = [name.strip().lower() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        return f"The header row lacks the column(s) {', '.join(missing)}."
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        return f"The header row repeats the column(s) {', '.join(repeated)}."
    return None


def row_cells(header: Sequence[str], record: Sequence[str]) -> dict[str, str]:
    """The known columns of one record by name (missing cells are empty, unknown columns ignored)."""
    names = [name.strip().lower() for name in header]
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    return {name: (record[i].strip() if i < len(record) else "") for i, name in enumerate(names) if name in known}


def is_blank(record: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in record)


def normalise_phone(raw: str) -> str | None:
    """A Pakistani mobile number (03XXXXXXXXX, +923XXXXXXXXX, 923XXXXXXXXX) in E.164, or None."""
    match = _PHONE.match(_SEPARATORS.sub("", raw))
    return f"+92{match.group(1)}" if match else None


def normalise_cnic(raw: str) -> str | None:
    """A CNIC of 13 digits, with or without its dashes, as XXXXX-XXXXXXX-X; or None."""
    match = _CNIC.match(raw.replace(" ", ""))
    return "-".join(match.groups()) if match else None


def parse_row(cells: Mapping[str, str]) -> AcceptedRow | RefusedRow:
    """Accept a row with the profile's own validation, or name the first thing wrong (never echoing a value)."""
    phone = normalise_phone(cells.get("phone", ""))
    if phone is None:
        return RefusedRow("phone: not a Pakistani mobile number (03XXXXXXXXX or +923XXXXXXXXX)")
    cnic = normalise_cnic(cells.get("cnic", ""))
    if cnic is None:
        return RefusedRow("cnic: not 13 digits (XXXXX-XXXXXXX-X)")
    email = cells.get("email") or None
    if email is not None and (len(email) > 254 or not _EMAIL.match(email)):
        return RefusedRow("email: not an e-mail address")
    verified = (cells.get("verified") or "false").lower()
    if verified not in ("true", "false"):
        return RefusedRow("verified: must be true or false")
    province_text = cells.get("province", "")
    craft_text = cells.get("craft", "")
    profile = {
        "display_name": cells.get("display_name", ""),
        "craft": _CRAFT_NAMES.get(craft_text.casefold(), craft_text),
        "province": _PROVINCE_NAMES.get(" ".join(province_text.lower().replace("_", " ").split()), province_text),
        "district": cells.get("district", ""),
        "bio": cells.get("bio") or None,
        "bio_ur": cells.get("bio_ur") or None,
        "phone": phone,
        "cnic": cnic,
    }
    try:
        valid = ArtisanUpsert.model_validate(profile)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "row"
        return RefusedRow(f"{field}: {first['msg']}")
    return AcceptedRow(display_name=valid.display_name, craft=valid.craft, province=valid.province,
                       district=valid.district, phone=phone, cnic=cnic, email=email, bio=valid.bio,
                       bio_ur=valid.bio_ur, verified=verified == "true")


def duplicate_reason(taken: Sequence[str]) -> str:
    """Why a row is a duplicate, from the claims someone else holds ("phone", "cnic") or the pool ("account")."""
    if "phone" in taken or "account" in taken:
        return "duplicate: the phone number already belongs to an account"
    return "duplicate: the CNIC already backs an artisan profile"


# --- the welcome SMS -------------------------------------------------------------------

SMS_SEGMENT_LIMITS = {"gsm": (160, 153), "ucs2": (70, 67)}  # single message, each part of a long one
MAX_SEGMENTS = 2
_GSM = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
           "¿abcdefghijklmnopqrstuvwxyzäöñüà")

WELCOME = {
    "ur": "میڈ اِن پاکستان میں خوش آمدید! آپ کا فنکار اکاؤنٹ تیار ہے۔ فون: {phone} عارضی پاس ورڈ: {password}",
    "en": "Welcome to Made in Pakistan! Your artisan account is ready. Sign in with {phone}, "
          "temporary password: {password}",
}


def welcome_sms(*, phone: str, password: str, language: str = "ur") -> str:
    """The welcome text with the sign-in and the temporary password (Urdu unless told otherwise)."""
    return WELCOME[language].format(phone=phone, password=password)


def sms_segments(text: str) -> int:
    """How many SMS parts `text` takes: GSM-7 if every character is in it, else UCS-2 (Urdu)."""
    gsm = set(text) <= _GSM  # the GSM extension characters ({, €...) are left out: they count double there
    single, part = SMS_SEGMENT_LIMITS["gsm" if gsm else "ucs2"]
    length = len(text) if gsm else len(text.encode("utf-16-le")) // 2  # UCS-2 code units
    return 1 if length <= single else -(-length // part)

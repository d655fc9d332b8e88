"""What a registry row means, decided without I/O: accepted values or the reason it is refused.

A row is validated by the profile's own request schema (`catalog.schemas.ArtisanUpsert`),
so an imported artisan meets exactly the rules of one who fills in the form.
"""
from __future__ import annotations

import re
import secrets
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


# --- the temporary password -----------------------------------------------------------

_PASSWORD_LETTERS = "abcdefghijkmnpqrstuvwxyz"
_PASSWORD_CAPITALS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_PASSWORD_DIGITS = "23456789"


def temporary_password() -> str:
    """10 characters the pool's policy accepts (lower case, capitals, digits), none easily misread in an SMS."""
    chosen = [secrets.choice(_PASSWORD_LETTERS) for _ in range(5)] + \
        [secrets.choice(_PASSWORD_CAPITALS) for _ in range(2)] + [secrets.choice(_PASSWORD_DIGITS) for _ in range(3)]
    secrets.SystemRandom().shuffle(chosen)
    return "".join(chosen)

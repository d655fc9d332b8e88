"""A realistic registry file for imports: Urdu and English names, the seven provinces and real districts,
the marketplace's crafts, valid and invalid phones and CNICs, rows repeated within the file.

    .venv/bin/python -m tools.registry_file --rows 50000 --seed 7 > registry.csv

The same seed gives the same file. `expected` says what an import of it into an empty
marketplace must count: each row is made valid, invalid (one thing wrong) or a repeat of
an earlier valid row's phone or CNIC.
"""
from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from dataclasses import dataclass, field

from chalicelib.catalog.categories import CATEGORIES

DISTRICTS: dict[str, tuple[str, ...]] = {
    "Punjab": ("Lahore", "Faisalabad", "Multan", "Bahawalpur", "Sialkot", "Gujranwala", "Rawalpindi", "Kasur",
               "Dera Ghazi Khan", "Chiniot"),
    "Sindh": ("Karachi South", "Hyderabad", "Sukkur", "Larkana", "Thatta", "Tharparkar", "Matiari", "Hala"),
    "Khyber Pakhtunkhwa": ("Peshawar", "Swat", "Chitral", "Mardan", "Abbottabad", "Dera Ismail Khan", "Bannu"),
    "Balochistan": ("Quetta", "Kech", "Khuzdar", "Gwadar", "Lasbela", "Loralai"),
    "Islamabad": ("Islamabad",),
    "Gilgit-Baltistan": ("Gilgit", "Hunza", "Skardu", "Ghanche"),
    "Azad Kashmir": ("Muzaffarabad", "Mirpur", "Neelum", "Bagh"),
}
URDU_GIVEN = ("محمد", "فاطمہ", "علی", "عائشہ", "حسن", "زینب", "عمر", "مریم", "بلال", "سکینہ", "نصرت", "غلام")
URDU_FAMILY = ("خان", "بلوچ", "قریشی", "انصاری", "شیخ", "بھٹی", "میمن", "اعوان", "چوہدری", "ملک")
LATIN_GIVEN = ("Muhammad", "Fatima", "Ali", "Ayesha", "Hassan", "Zainab", "Umar", "Maryam", "Bilal", "Sakina")
LATIN_FAMILY = ("Khan", "Baloch", "Qureshi", "Ansari", "Sheikh", "Bhatti", "Memon", "Awan", "Chaudhry", "Malik")
HEADER = ("display_name", "craft", "province", "district", "phone", "cnic", "email", "bio", "bio_ur", "verified")
INVALID_KINDS = ("phone", "cnic", "province", "craft", "name", "verified")


@dataclass
class Registry:
    """The file's bytes and what importing it into an empty marketplace counts."""

    data: bytes
    rows: int
    expected: dict[str, int] = field(default_factory=lambda: {"created": 0, "duplicates": 0, "rejected": 0})
    rejected_rows: list[int] = field(default_factory=list)  # spreadsheet row numbers (the header is row 1)
    duplicate_rows: list[int] = field(default_factory=list)


def _phone(rng: random.Random, number: int, style: int) -> str:
    digits = f"3{number:09d}"
    return (f"0{digits}", f"+92{digits}", f"92{digits}", f"0{digits[:3]}-{digits[3:]}")[style % 4]


def _cnic(number: int, dashed: bool) -> str:
    digits = f"{number:013d}"
    return f"{digits[:5]}-{digits[5:12]}-{digits[12]}" if dashed else digits


def generate(rows: int, *, seed: int = 1, invalid_share: float = 0.05, duplicate_share: float = 0.03,
             bom: bool = True) -> Registry:
    """`rows` data rows; about `invalid_share` invalid and `duplicate_share` repeats of earlier valid rows."""
    rng = random.Random(seed)
    # Distinct numbers per file, drawn from a range wide enough that seeds rarely meet.
    phones = rng.sample(range(10**8, 10**9 - 1), rows)
    cnics = rng.sample(range(10**12, 10**13 - 1), rows)
    registry = Registry(b"", rows)
    valid: list[tuple[str, str]] = []
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for index in range(rows):
        number = index + 2
        province = rng.choice(tuple(DISTRICTS))
        craft = rng.choice(CATEGORIES)
        urdu = rng.random() < 0.6
        name = (f"{rng.choice(URDU_GIVEN)} {rng.choice(URDU_FAMILY)}" if urdu
                else f"{rng.choice(LATIN_GIVEN)} {rng.choice(LATIN_FAMILY)}")
        phone = _phone(rng, phones[index], rng.randrange(4))
        cnic = _cnic(cnics[index], rng.random() < 0.7)
        row = {"display_name": name, "craft": craft["slug"] if rng.random() < 0.7 else craft["name"],
               "province": province, "district": rng.choice(DISTRICTS[province]), "phone": phone, "cnic": cnic,
               "email": f"artisan{phones[index]}@example.pk" if rng.random() < 0.2 else "",
               "bio": f"{craft['name']} from {province}" if rng.random() < 0.5 else "",
               "bio_ur": f"{craft['name_ur']} کا کام" if rng.random() < 0.5 else "",
               "verified": rng.choice(("true", "false", ""))}
        roll = rng.random()
        if roll < invalid_share:
            kind = rng.choice(INVALID_KINDS)
            row.update({"phone": {"phone": "0412345678"}, "cnic": {"cnic": "12345-123456-7"},
                        "province": {"province": "Atlantis"}, "craft": {"craft": "origami"},
                        "name": {"display_name": ""}, "verified": {"verified": "maybe"}}[kind])
            registry.expected["rejected"] += 1
            registry.rejected_rows.append(number)
        elif roll < invalid_share + duplicate_share and valid:
            earlier_phone, earlier_cnic = rng.choice(valid)
            if rng.random() < 0.5:
                row["phone"] = earlier_phone
            else:
                row["cnic"] = earlier_cnic
            registry.expected["duplicates"] += 1
            registry.duplicate_rows.append(number)
        else:
            valid.append((phone, cnic))
            registry.expected["created"] += 1
        writer.writerow([row[column] for column in HEADER])
    registry.data = ("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8")
    return registry


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    registry = generate(args.rows, seed=args.seed)
    sys.stdout.buffer.write(registry.data)
    print(f"expected: {registry.expected}", file=sys.stderr)


if __name__ == "__main__":
    main()

"""The crafts the marketplace lists, in English and Urdu."""
from __future__ import annotations

CATEGORIES: tuple[dict[str, str], ...] = (
    {"slug": "textiles", "name": "Textiles", "name_ur": "پارچہ بافی"},
    {"slug": "embroidery", "name": "Embroidery", "name_ur": "کڑھائی"},
    {"slug": "pottery", "name": "Pottery", "name_ur": "ظروف سازی"},
    {"slug": "woodwork", "name": "Woodwork", "name_ur": "لکڑی کا کام"},
    {"slug": "jewellery", "name": "Jewellery", "name_ur": "زیورات"},
    {"slug": "leather", "name": "Leather", "name_ur": "چمڑے کا کام"},
    {"slug": "carpets-rugs", "name": "Carpets and rugs", "name_ur": "قالین اور دریاں"},
    {"slug": "ajrak-block-print", "name": "Ajrak and block print", "name_ur": "اجرک اور ٹھپہ چھپائی"},
    {"slug": "truck-art", "name": "Truck art", "name_ur": "ٹرک آرٹ"},
    {"slug": "metalwork", "name": "Metalwork", "name_ur": "دھات کا کام"},
    {"slug": "onyx-marble", "name": "Onyx and marble", "name_ur": "سنگ مرمر اور سنگ سلیمانی"},
    {"slug": "basketry", "name": "Basketry", "name_ur": "ٹوکری سازی"},
    {"slug": "shawls", "name": "Shawls", "name_ur": "شالیں"},
    {"slug": "khussa-footwear", "name": "Khussa footwear", "name_ur": "کھسّہ"},
    {"slug": "camel-bone-lacquer", "name": "Camel bone and lacquer", "name_ur": "اونٹ کی ہڈی اور لاکھ کا کام"},
)

CATEGORY_SLUGS: frozenset[str] = frozenset(c["slug"] for c in CATEGORIES)

PROVINCES: tuple[str, ...] = (
    "punjab", "sindh", "khyber_pakhtunkhwa", "balochistan", "islamabad", "gilgit_baltistan", "azad_kashmir",
)

"""The demo catalogue for `make run` (SEED=1): verified artisans, active listings, one photo each.

Dev-only code, so it writes through chalicelib's services and store directly,
under the same rules the API applies (profiles validated, CNICs hashed, ops
verification, publishing needs a ready photo). The photos are drawn here with
Pillow, one pattern per craft, and go through the real image pipeline
(`images.process_image`, then the renditions under `public/`), so the
storefront shows exactly what an upload would produce. No downloads.
"""

from __future__ import annotations

import io
import random
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw

from chalicelib.auth import Identity
from chalicelib.catalog import artisans, listings, moderation
from chalicelib.catalog.schemas import ArtisanUpsert, ListingCreate
from chalicelib.ids import new_id, rfc3339, utc_now
from chalicelib.images.processor import write_renditions
from chalicelib.images.renditions import process_image
from chalicelib.store import listings as listing_store
from chalicelib.wiring import get_settings
from local.users import DemoUser

PHOTO_SIZE = (1200, 900)
WORKERS = 4
Colour = tuple[int, int, int]


@dataclass(frozen=True)
class Maker:
    """A demo artisan: `role` names a demo sign-in, or None for a generated one."""

    role: str | None
    display_name: str
    craft: str
    province: str
    district: str
    bio: str
    bio_ur: str


@dataclass(frozen=True)
class Item:
    title: str
    title_ur: str
    rupees: int
    stock: int
    weight_grams: int
    material: str
    # Variants: (name, Urdu name, values) per option; each combination gets `stock` units at the listing's price.
    options: tuple[tuple[str, str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Style:
    """How a craft's photo is drawn: cloth colour, motif colours, motif shape."""

    background: Colour
    palette: tuple[Colour, ...]
    motif: str


STYLES: dict[str, Style] = {
    "ajrak-block-print": Style((128, 20, 32), ((20, 30, 90), (15, 15, 20), (240, 235, 220)), "star"),
    "pottery": Style((246, 244, 238), ((22, 70, 160), (40, 160, 190), (90, 140, 60)), "flower"),
    "woodwork": Style((96, 58, 32), ((150, 100, 58), (60, 34, 18), (190, 140, 90)), "rosette"),
    "shawls": Style((236, 226, 204), ((120, 24, 40), (30, 80, 70), (200, 150, 60)), "paisley"),
    "leather": Style((150, 92, 48), ((90, 50, 22), (230, 200, 150), (60, 30, 10)), "stitch"),
    "embroidery": Style((20, 20, 24), ((200, 30, 50), (250, 190, 30), (30, 150, 80), (220, 220, 230)), "diamond"),
    "camel-bone-lacquer": Style((236, 150, 60), ((150, 60, 20), (250, 220, 140), (40, 110, 60)), "flower"),
    "truck-art": Style((250, 210, 20), ((220, 20, 90), (20, 150, 70), (30, 60, 200), (255, 120, 0)), "flower"),
    "carpets-rugs": Style((140, 24, 30), ((30, 30, 70), (230, 200, 150), (20, 90, 80)), "diamond"),
    "jewellery": Style((40, 18, 50), ((220, 180, 70), (210, 210, 220), (30, 90, 200)), "rosette"),
    "onyx-marble": Style((130, 170, 120), ((220, 235, 210), (80, 120, 80), (250, 245, 230)), "band"),
    "textiles": Style((236, 220, 190), ((180, 30, 60), (40, 90, 160), (230, 180, 40)), "stitch"),
}

MAKERS: tuple[tuple[Maker, tuple[Item, ...]], ...] = (
    (Maker("artisan1", "Allah Bachayo Khatri", "ajrak-block-print", "sindh", "Hala",
           "Third-generation ajrak printer: indigo and madder, sixteen steps, by hand.",
           "تیسری نسل کے اجرک ساز: نیل اور مجیٹھ، سولہ مراحل، سب ہاتھ سے۔"), (
        Item("Classic indigo and madder ajrak, 2.5 m", "روایتی اجرک، ڈھائی میٹر", 4500, 12, 350, "cotton"),
        Item("Double-sided ajrak shawl", "دو رُخی اجرک شال", 6800, 8, 400, "cotton"),
        Item("Ajrak block-printed bedsheet set", "اجرک پرنٹ بیڈ شیٹ سیٹ", 8500, 5, 1200, "cotton"),
        Item("Ajrak cushion covers, set of four", "اجرک کشن کور، چار کا سیٹ", 3200, 20, 500, "cotton"),
    )),
    (Maker("artisan2", "Ghulam Farid Kashigar", "pottery", "punjab", "Multan",
           "Multani blue pottery (kashi-kari), painted freehand in cobalt and turquoise.",
           "ملتانی کاشی کاری، کوبالٹ اور فیروزی رنگوں میں ہاتھ سے نقش۔"), (
        Item("Multani blue pottery vase, 12 inch", "ملتانی نیلے ظروف کا گلدان", 5500, 6, 1800, "ceramic"),
        Item("Kashi-kari serving platter", "کاشی کاری والی تھال", 4200, 10, 1500, "ceramic"),
        Item("Blue pottery tea set for six", "نیلے ظروف کا چائے کا سیٹ", 9800, 4, 3200, "ceramic"),
        Item("Hand-painted blue pottery lamp base", "ہاتھ سے نقش شدہ لیمپ", 6500, 5, 2200, "ceramic"),
    )),
    (Maker(None, "Fazal Rabbi", "woodwork", "khyber_pakhtunkhwa", "Swat",
           "Swati woodcarving in walnut and deodar, the motifs of the valley's old mosques.",
           "اخروٹ اور دیودار پر سواتی کندہ کاری۔"), (
        Item("Swati carved walnut jewellery box", "سواتی اخروٹ کی لکڑی کا زیورات کا ڈبہ", 7500, 7, 900, "walnut"),
        Item("Carved deodar side table", "دیودار کی نقش دار سائیڈ ٹیبل", 28000, 2, 9000, "deodar"),
        Item("Swati wooden wall panel", "سواتی لکڑی کا دیواری پینل", 18500, 3, 4500, "walnut"),
        Item("Walnut wood serving tray", "اخروٹ کی لکڑی کی ٹرے", 4800, 9, 1100, "walnut"),
    )),
    (Maker(None, "Shazia Mir", "shawls", "azad_kashmir", "Muzaffarabad",
           "Hand-woven Kashmiri shawls with sozni needlework from the Neelum valley.",
           "وادی نیلم کی سوزنی کڑھائی والی ہاتھ سے بنی کشمیری شالیں۔"), (
        Item("Kashmiri pashmina shawl, hand-woven", "کشمیری پشمینہ شال", 35000, 3, 300, "pashmina"),
        Item("Sozni-embroidered wool shawl", "سوزنی کڑھائی والی اونی شال", 22000, 4, 450, "wool"),
        Item("Kani-pattern stole", "کانی طرز کا اسٹول", 14500, 6, 250, "wool"),
        Item("Men's Kashmiri wool chadar", "مردانہ کشمیری چادر", 12000, 5, 700, "wool"),
    )),
    (Maker(None, "Haji Gul Khan", "leather", "khyber_pakhtunkhwa", "Peshawar",
           "Peshawari chappals cut and stitched by hand in Jehangirpura bazaar since 1978.",
           "۱۹۷۸ سے جہانگیرپورہ بازار میں ہاتھ سے بنی پشاوری چپلیں۔"), (
        Item("Peshawari chappal, hand-stitched, brown", "پشاوری چپل، ہاتھ سے سلی ہوئی", 4500, 15, 900, "leather"),
        Item("Kaptaan chappal, black leather", "کپتان چپل، کالا چمڑا", 5200, 12, 950, "leather"),
        Item("Hand-tooled leather wallet", "ہاتھ سے بنا چمڑے کا بٹوا", 2800, 20, 150, "leather"),
        Item("Norozi chappal with brass studs", "نوروزی چپل", 5800, 8, 1000, "leather"),
    )),
    (Maker(None, "Mahnaz Baloch", "embroidery", "balochistan", "Kech",
           "Balochi needlework and mirror work (pashk), stitched with women of Turbat.",
           "تربت کی خواتین کے ساتھ بلوچی کڑھائی اور شیشہ کاری۔"), (
        Item("Balochi mirror-work dress front (pashk)", "بلوچی شیشہ کاری والا پشک", 16000, 3, 400, "cotton"),
        Item("Balochi embroidered cushion pair", "بلوچی کڑھائی والے کشن", 4500, 10, 600, "cotton"),
        Item("Balochi embroidered clutch", "بلوچی کڑھائی والا کلچ", 2500, 18, 200, "cotton"),
        Item("Hand-embroidered Balochi dupatta", "بلوچی کڑھائی والا دوپٹہ", 9500, 6, 300, "chiffon"),
    )),
    (Maker(None, "Muhammad Aslam Naqqash", "camel-bone-lacquer", "punjab", "Multan",
           "Camel-skin lamps moulded on clay and painted in naqashi with gold leaf.",
           "مٹی کے سانچے پر بنے، سونے کے ورق سے نقاشی والے اونٹ کی کھال کے لیمپ۔"), (
        Item("Camel-skin lamp, naqashi painted, 14 inch", "اونٹ کی کھال کا لیمپ", 6500, 6, 800, "camel skin"),
        Item("Pair of camel-skin table lamps", "اونٹ کی کھال کے ٹیبل لیمپ کی جوڑی", 11500, 4, 1600, "camel skin"),
        Item("Camel-skin floor lamp", "اونٹ کی کھال کا فرشی لیمپ", 18000, 2, 3500, "camel skin"),
        Item("Camel-bone inlay mirror frame", "اونٹ کی ہڈی کی جڑائی والا آئینہ", 8500, 5, 1400, "camel bone"),
    )),
    (Maker(None, "Haider Ali", "truck-art", "sindh", "Karachi",
           "Truck-art painter from Karachi's Hub River Road workshops, now on kettles and trays.",
           "کراچی کی ورکشاپوں کے ٹرک آرٹسٹ، اب کیتلیوں اور ٹرے پر۔"), (
        Item("Truck-art painted kettle", "ٹرک آرٹ والی کیتلی", 3500, 25, 700, "steel"),
        Item("Truck-art serving tray, large", "ٹرک آرٹ ٹرے، بڑی", 2800, 30, 900, "steel"),
        Item("Truck-art wooden stool", "ٹرک آرٹ اسٹول", 6500, 6, 3000, "wood"),
        Item("Truck-art lantern (laltain)", "ٹرک آرٹ لالٹین", 3200, 14, 800, "tin"),
    )),
    (Maker(None, "Bibi Rehana", "carpets-rugs", "gilgit_baltistan", "Hunza",
           "Hand-knotted wool rugs and woven patti from the women's centre in Karimabad.",
           "کریم آباد کے خواتین مرکز سے ہاتھ سے بنے اونی قالین اور پٹی۔"), (
        Item("Hunza hand-knotted wool rug, 3 x 5 ft", "ہنزہ کا ہاتھ سے بنا اونی قالین", 38000, 2, 6000, "wool"),
        Item("Gilgiti patti runner", "گلگتی پٹی رنر", 9500, 5, 1800, "wool"),
        Item("Hunza embroidered prayer mat", "ہنزہ کی کڑھائی والی جائے نماز", 7500, 8, 700, "wool"),
        Item("Wakhi woven floor cushion", "وخی بنا ہوا فرشی کشن", 6000, 6, 1500, "wool"),
    )),
    (Maker(None, "Saima Qureshi", "jewellery", "islamabad", "Islamabad",
           "Silversmith working in kundan, lapis lazuli and feroza, from Saidpur village.",
           "سید پور گاؤں سے کندن، لاجورد اور فیروزے پر کام کرنے والی سنار۔"), (
        Item("Silver kundan jhumkas", "چاندی کے کندن جھمکے", 8500, 10, 60, "silver"),
        Item("Lapis lazuli silver pendant", "لاجورد کا چاندی کا لاکٹ", 6200, 12, 40, "silver"),
        Item("Hunza-style silver choker", "ہنزہ طرز کا چاندی کا گلوبند", 14000, 4, 120, "silver"),
        Item("Turquoise (feroza) silver ring", "فیروزے کی چاندی کی انگوٹھی", 4500, 15, 20, "silver"),
    )),
    (Maker(None, "Abdul Wahid Notezai", "onyx-marble", "balochistan", "Chagai",
           "Green onyx from the Chagai hills, cut and hand-turned in Dalbandin.",
           "چاغی کی پہاڑیوں کا سبز سنگِ سلیمانی، دالبندین میں تراشا ہوا۔"), (
        Item("Green onyx vase, hand-turned", "سبز سنگِ سلیمانی کا گلدان", 6800, 6, 2500, "onyx"),
        Item("Onyx chess set with board", "سنگِ سلیمانی کا شطرنج سیٹ", 15500, 3, 5000, "onyx"),
        Item("Marble mortar and pestle", "سنگِ مرمر کی کونڈی ڈنڈا", 3800, 10, 2800, "marble"),
        Item("Onyx coaster set of six", "سنگِ سلیمانی کوسٹر، چھ کا سیٹ", 2900, 20, 900, "onyx"),
    )),
    (Maker(None, "Nasreen Akhtar", "textiles", "sindh", "Tando Muhammad Khan",
           "Khussas with tilla thread and kurtas, cut and stitched to order in her own workshop.",
           "تلے کے دھاگے والے کھسے اور کرتے، اپنی ورکشاپ میں آرڈر پر سلے ہوئے۔"), (
        Item("Tilla-work khussa", "تلے والا کھسہ", 3900, 3, 700, "leather",
             (("Size", "سائز", ("6", "7", "8", "9", "10")),)),
        Item("Sindhi cotton kurta", "سندھی سوتی کرتا", 4200, 4, 350, "cotton",
             (("Colour", "رنگ", ("White", "Indigo", "Maroon")),)),
    )),
)


def seed_catalog(users: Mapping[str, DemoUser]) -> None:
    """Create the demo artisans (verified) and their active listings, each with a ready photo.

    Listings are built a few at a time: each is mostly waiting on the emulator,
    and Pillow releases the GIL while it encodes, so the seed stays well under
    the stack's start-up budget.
    """
    get_settings()  # the settings and table bindings the services write through
    ops = Identity(user_id=users["ops"]["sub"], email=users["ops"]["email"], groups=frozenset({"ops"}))
    work: list[tuple[Identity, Maker, Item]] = []
    for number, (maker, items) in enumerate(MAKERS):
        user = users[maker.role] if maker.role else None
        identity = Identity(user_id=user["sub"] if user else str(uuid.uuid4()),
                            email=user["email"] if user else None, groups=frozenset({"artisans"}))
        verified_profile(identity, ops, maker, number)
        work += [(identity, maker, item) for item in items]
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="seed") as pool:
        for done in [pool.submit(_active_listing, *job) for job in work]:
            done.result()


def verified_profile(identity: Identity, ops: Identity, maker: Maker, number: int) -> None:
    profile = ArtisanUpsert.model_validate({
        "display_name": maker.display_name, "craft": maker.craft, "province": maker.province,
        "district": maker.district, "bio": maker.bio, "bio_ur": maker.bio_ur,
        "phone": f"+92300{5550000 + number:07d}", "cnic": f"{35200 + number}-{8800000 + number:07d}-{number % 10}",
    })
    artisans.upsert_my_profile(identity=identity, profile=profile)
    moderation.decide_verification(identity=ops, artisan_id=identity.user_id, decision="verified",
                                  note="Demo artisan, verified by the seed.")


def listing_create(maker: Maker, item: Item, rng: random.Random) -> ListingCreate:
    """The demo listing of `item` (also the catalogue that search's golden set is written against)."""
    return ListingCreate.model_validate({
        "title": item.title, "title_ur": item.title_ur,
        "description": f"Made by hand by {maker.display_name} in {maker.district}. {maker.bio}",
        "description_ur": maker.bio_ur, "category": maker.craft,
        "price": {"amount": item.rupees * 100, "currency": "PKR"},
        "weight_grams": item.weight_grams, "processing_days": rng.randint(2, 10),
        "attributes": {"material": item.material, "origin": maker.district},
        **(_variants(item) if item.options else {"stock": item.stock}),
    })


def _variants(item: Item) -> dict[str, Any]:
    """Options and one variant per combination of their values, each with the item's stock."""
    options = [{"name": name, "name_ur": name_ur, "values": list(values)} for name, name_ur, values in item.options]
    combinations: list[dict[str, str]] = [{}]
    for name, _, values in item.options:
        combinations = [{**combination, name: value} for combination in combinations for value in values]
    return {"options": options, "variants": [{"options": combination, "stock": item.stock}
                                             for combination in combinations]}


def _active_listing(identity: Identity, maker: Maker, item: Item) -> None:
    rng = random.Random(f"{maker.display_name}/{item.title}")
    listing = listing_create(maker, item, rng)
    listing_id = listings.create_listing(identity=identity, listing=listing)["listing_id"]
    _ready_photo(identity, listing_id, draw_photo(STYLES[maker.craft], rng))
    listings.publish_listing(identity=identity, listing_id=listing_id)


def _ready_photo(identity: Identity, listing_id: str, photo: bytes) -> None:
    """Record the photo as the processor would: pending first, then its renditions and `ready`."""
    image_id = new_id("I")
    created_at = rfc3339(utc_now())
    listing_store.add_image(listing_id, owner_id=identity.user_id, image_id=image_id,
                            record={"image_id": image_id, "status": "pending", "created_at": created_at})
    processed = process_image(photo)
    keys = write_renditions(listing_id, image_id, processed)
    listing_store.finish_image(listing_id, image_id, {
        "image_id": image_id, "status": "ready", "created_at": created_at, "rendition_keys": keys,
        "width": processed.width, "height": processed.height,
    })


# --- the photos ---------------------------------------------------------------------------------


def draw_photo(style: Style, rng: random.Random) -> bytes:
    """A cloth-like field of the craft's motif in a border, varied per listing by `rng`."""
    width, height = PHOTO_SIZE
    image = Image.new("RGB", PHOTO_SIZE, style.background)
    draw = ImageDraw.Draw(image)
    palette = list(style.palette)
    rng.shuffle(palette)
    border = 60
    for band, colour in enumerate(palette[:3]):
        inset = band * border // 3
        draw.rectangle((inset, inset, width - 1 - inset, height - 1 - inset), outline=colour, width=border // 3)
    step = rng.choice((90, 110, 130))
    motif = MOTIFS[style.motif]
    for row, y in enumerate(range(border + step // 2, height - border, step)):
        offset = step // 2 if row % 2 else 0
        for column, x in enumerate(range(border + step // 2 + offset, width - border, step)):
            motif(draw, x, y, step * 0.38, palette[(row + column) % len(palette)])
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def _star(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, colour: Colour) -> None:
    draw.regular_polygon((x, y, r), 8, fill=colour)
    draw.regular_polygon((x, y, r * 0.5), 4, rotation=45, fill=(240, 235, 220))


def _flower(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, colour: Colour) -> None:
    for dx, dy in ((0, -1), (1, 0), (0, 1), (-1, 0)):
        draw.ellipse((x + dx * r * 0.5 - r * 0.4, y + dy * r * 0.5 - r * 0.4,
                      x + dx * r * 0.5 + r * 0.4, y + dy * r * 0.5 + r * 0.4), fill=colour)
    draw.ellipse((x - r * 0.25, y - r * 0.25, x + r * 0.25, y + r * 0.25), fill=(255, 255, 255))


def _rosette(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, colour: Colour) -> None:
    draw.ellipse((x - r, y - r, x + r, y + r), outline=colour, width=max(2, int(r * 0.18)))
    draw.regular_polygon((x, y, r * 0.6), 6, fill=colour)


def _paisley(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, colour: Colour) -> None:
    draw.ellipse((x - r * 0.6, y - r, x + r * 0.6, y + r * 0.6), fill=colour)
    draw.ellipse((x - r * 0.2, y + r * 0.3, x + r * 0.5, y + r), fill=colour)
    draw.ellipse((x - r * 0.2, y - r * 0.5, x + r * 0.2, y), fill=(236, 226, 204))


def _stitch(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, colour: Colour) -> None:
    for dash in range(-2, 3):
        draw.line((x + dash * r * 0.45, y - r * 0.15, x + dash * r * 0.45 + r * 0.25, y + r * 0.15),
                  fill=colour, width=4)


def _diamond(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, colour: Colour) -> None:
    draw.regular_polygon((x, y, r), 4, rotation=45, fill=colour)
    draw.ellipse((x - r * 0.22, y - r * 0.22, x + r * 0.22, y + r * 0.22), fill=(225, 228, 235))


def _band(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, colour: Colour) -> None:
    draw.arc((x - r * 1.4, y - r, x + r * 1.4, y + r), 200, 340, fill=colour, width=max(3, int(r * 0.3)))


MOTIFS: dict[str, Callable[[ImageDraw.ImageDraw, float, float, float, Colour], Any]] = {
    "star": _star, "flower": _flower, "rosette": _rosette, "paisley": _paisley, "stitch": _stitch,
    "diamond": _diamond, "band": _band,
}

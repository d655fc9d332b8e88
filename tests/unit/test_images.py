"""The image processor's core on real files, generated here with Pillow and decoded back."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image, ImageCms, ImageFile, ImageOps

from chalicelib.images import renditions
from chalicelib.images.renditions import (
    MAX_PIXELS,
    REJECTION_REASONS,
    RENDITION_WIDTHS,
    ImageRejectedError,
    ProcessedImage,
    process_image,
)

RED = (255, 0, 0)
WHITE = (255, 255, 255)
# JPEG markers that carry metadata: APP1 (EXIF, XMP), APP2 (ICC), APP13 (IPTC), COM.
METADATA_MARKERS = {0xE1, 0xE2, 0xED, 0xFE}


def encode(image: Image.Image, format: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **params)
    return buffer.getvalue()


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def reject_reason(data: bytes, **kwargs: int) -> str:
    with pytest.raises(ImageRejectedError) as caught:
        process_image(data, **kwargs)
    return caught.value.reason


def pixel(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    value = image.getpixel(xy)
    assert isinstance(value, tuple)
    return value


def close_to(
    pixel: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 40
) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def jpeg_markers(data: bytes) -> list[int]:
    """The markers of a JPEG's header segments, up to the start of scan."""
    markers, offset = [], 2
    while True:
        marker = data[offset + 1]
        markers.append(marker)
        if marker == 0xDA:
            return markers
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        offset += 2 + length


def png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body)
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def webp_canvas(width: int, height: int) -> bytes:
    """A real two-frame WebP whose VP8X header is rewritten to a `width`x`height` canvas."""
    frames = [Image.new("RGB", (16, 16), colour) for colour in (RED, WHITE)]
    data = bytearray(encode(frames[0], "WEBP", save_all=True, append_images=frames[1:]))
    vp8x = data.index(b"VP8X")
    data[vp8x + 12 : vp8x + 18] = (width - 1).to_bytes(3, "little") + (
        height - 1
    ).to_bytes(3, "little")
    return bytes(data)


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG signature and IHDR declaring `width`x`height`, with no pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IEND", b"")


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG whose SOF0 header is rewritten to claim `width`x`height`."""
    data = bytearray(encode(Image.new("RGB", (16, 16), RED), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def swapped_red_green_profile() -> bytes:
    """An ICC v2 RGB matrix profile whose red primary is sRGB's green and vice versa.

    Pure red in this space is sRGB green, which makes the conversion visible.
    """

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + struct.pack(
            ">3i", *(round(v * 65536) for v in (x, y, z))
        )

    description = b"Swapped RG\0"
    tags = {
        b"desc": b"desc\0\0\0\0"
        + struct.pack(">I", len(description))
        + description
        + bytes(4 + 4 + 2 + 1 + 67),
        b"wtpt": xyz(0.9642, 1.0, 0.8249),
        b"rXYZ": xyz(0.3851, 0.7169, 0.0971),
        b"gXYZ": xyz(0.4361, 0.2225, 0.0139),
        b"bXYZ": xyz(0.1431, 0.0606, 0.7141),
        b"rTRC": b"curv\0\0\0\0" + struct.pack(">IH", 1, 0x0233) + b"\0\0",
    }
    tags[b"gTRC"] = tags[b"bTRC"] = tags[b"rTRC"]
    table_size = 4 + 12 * len(tags)
    offset, entries, bodies = 128 + table_size, b"", b""
    for signature, body in tags.items():
        body += bytes(-len(body) % 4)
        entries += signature + struct.pack(">II", offset + len(bodies), len(body))
        bodies += body
    size = 128 + table_size + len(bodies)
    header = (
        struct.pack(">I", size)
        + bytes(4)
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + bytes(12)
        + b"acsp"
        + bytes(24)
        + struct.pack(">I", 0)
        + struct.pack(">3i", 63190, 65536, 54061)
        + bytes(48)
    )
    return header + struct.pack(">I", len(tags)) + entries + bodies


def phone_photo() -> bytes:
    """A landscape sensor image the camera says to rotate 90° clockwise, with GPS,
    XMP, an ICC profile and a comment, its top-left corner painted red."""
    raw = Image.new("RGB", (1600, 1200), WHITE)
    raw.paste(RED, (0, 0, 200, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.IFD.GPSInfo] = {
        1: "N",
        2: (33.0, 41.0, 0.0),
        3: "E",
        4: (73.0, 3.0, 0.0),
    }
    return encode(
        raw,
        "JPEG",
        quality=90,
        exif=exif,
        xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>Lahore</x:xmpmeta>",
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
        comment=b"shot at the workshop",
    )


def test_phone_photo_fixture_carries_what_it_claims() -> None:
    source = decode(phone_photo())

    assert source.getexif()[ExifTags.Base.Orientation] == 6
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)[1] == "N"
    assert {"xmp", "icc_profile", "comment"} <= source.info.keys()


def test_renditions_are_upright_by_exif_orientation() -> None:
    result = process_image(phone_photo())

    assert (result.width, result.height) == (1200, 1600)
    for rendition in result.renditions.values():
        image = decode(rendition.data).convert("RGB")
        w, h = image.size
        assert h > w
        assert close_to(pixel(image, (w - w // 16, h // 16)), RED)
        for corner in (
            (w // 16, h // 16),
            (w // 16, h - h // 16),
            (w - w // 16, h - h // 16),
        ):
            assert close_to(pixel(image, corner), WHITE)


def test_renditions_carry_no_metadata() -> None:
    result = process_image(phone_photo())

    for rendition in result.renditions.values():
        assert not METADATA_MARKERS & set(jpeg_markers(rendition.data))
        image = decode(rendition.data)
        assert len(image.getexif()) == 0
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert not {"exif", "xmp", "icc_profile", "comment"} & image.info.keys()
        for trace in (
            b"Exif",
            b"PhoneMaker",
            b"adobe:ns:meta",
            b"ICC_PROFILE",
            b"workshop",
        ):
            assert trace not in rendition.data


def test_opaque_photo_becomes_progressive_jpeg() -> None:
    result = process_image(phone_photo())

    for name, rendition in result.renditions.items():
        assert rendition.name == name
        assert (rendition.content_type, rendition.extension) == ("image/jpeg", "jpg")
        image = decode(rendition.data)
        assert image.format == "JPEG"
        assert image.info.get("progressive") == 1
        assert image.size == (rendition.width, rendition.height)


def transparent_png() -> bytes:
    image = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (200, 0, 400, 300))
    return encode(image, "PNG")


def test_png_with_transparency_keeps_alpha() -> None:
    result = process_image(transparent_png())

    for rendition in result.renditions.values():
        assert (rendition.content_type, rendition.extension) == ("image/webp", "webp")
        image = decode(rendition.data)
        assert image.format == "WEBP"
        assert image.mode == "RGBA"
        w, h = image.size
        assert pixel(image, (w // 8, h // 2))[3] == 0
        assert close_to(pixel(image, (w - w // 8, h // 2)), (0, 0, 255, 255), 10)


def test_palette_png_with_transparent_index_keeps_alpha() -> None:
    image = Image.new("P", (200, 100), 0)
    image.putpalette([255, 255, 255, 0, 128, 0])
    image.paste(1, (100, 0, 200, 100))
    result = process_image(encode(image, "PNG", transparency=0))

    decoded = decode(result.renditions["thumb"].data)
    assert decoded.mode == "RGBA"
    assert pixel(decoded, (10, 50))[3] == 0
    assert pixel(decoded, (190, 50))[3] == 255


def test_png_with_unused_alpha_becomes_jpeg() -> None:
    result = process_image(
        encode(Image.new("RGBA", (300, 200), (10, 120, 30, 255)), "PNG")
    )

    assert {r.content_type for r in result.renditions.values()} == {"image/jpeg"}


def test_webp_is_accepted() -> None:
    source = Image.new("RGB", (1200, 800), (200, 100, 20))
    result = process_image(encode(source, "WEBP", quality=90))

    assert (result.width, result.height) == (1200, 800)
    large = decode(result.renditions["large"].data)
    assert large.size == (1200, 800)
    assert close_to(pixel(large, (600, 400)), (200, 100, 20), 10)


def test_multi_picture_jpeg_from_a_phone_is_accepted() -> None:
    frames = [Image.new("RGB", (640, 480), colour) for colour in (RED, WHITE)]
    data = encode(frames[0], "MPO", save_all=True, append_images=frames[1:])
    assert Image.open(io.BytesIO(data)).format == "MPO"

    result = process_image(data)

    large = decode(result.renditions["large"].data)
    assert (large.format, large.size) == ("JPEG", (640, 480))
    assert close_to(pixel(large, (320, 240)), RED)


def test_text_file_named_jpg_is_not_an_image() -> None:
    named_photo_jpg = b"This is not a photo, only text pretending to be one.\n" * 20

    assert reject_reason(named_photo_jpg) == "not_an_image"


def test_empty_upload_is_not_an_image() -> None:
    assert reject_reason(b"") == "not_an_image"


def noisy_jpeg(size: tuple[int, int] = (400, 300)) -> bytes:
    return encode(Image.effect_noise(size, 60).convert("RGB"), "JPEG", quality=90)


def test_truncated_jpeg_is_corrupt() -> None:
    data = noisy_jpeg()

    assert reject_reason(data[: len(data) // 2]) == "corrupt"


def test_truncated_jpeg_is_corrupt_even_if_pillow_is_told_to_accept_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = noisy_jpeg()

    assert reject_reason(data[: len(data) // 2]) == "corrupt"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


def test_truncated_png_is_corrupt() -> None:
    data = encode(Image.effect_noise((300, 200), 60), "PNG")

    assert reject_reason(data[: len(data) // 2]) == "corrupt"


def test_jpeg_signature_with_garbage_is_corrupt() -> None:
    assert reject_reason(b"\xff\xd8\xff\xe0" + b"\x00garbage" * 50) == "corrupt"


def test_svg_is_unsupported_type() -> None:
    svg = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b'<rect width="10" height="10" fill="red"/></svg>\n'
    )

    assert reject_reason(svg) == "unsupported_type"


def test_html_page_with_inline_svg_is_not_an_image() -> None:
    page = b"<!doctype html><html><body><svg width='10' height='10'/></body></html>"

    assert reject_reason(page) == "not_an_image"


@pytest.mark.parametrize("format", ["GIF", "BMP", "TIFF"])
def test_other_raster_formats_are_unsupported_type(format: str) -> None:
    data = encode(Image.new("RGB", (40, 30), RED), format)

    assert reject_reason(data) == "unsupported_type"


def test_heic_is_unsupported_type() -> None:
    heic_start = struct.pack(">I", 24) + b"ftypheic" + b"\0\0\0\0mif1heic" + bytes(64)

    assert reject_reason(heic_start) == "unsupported_type"


@pytest.mark.parametrize(
    "data",
    [
        png_header_only(30000, 30000),
        png_header_only(8000, 6000),
        jpeg_declaring(30000, 30000),
        jpeg_declaring(7000, 7000),
        webp_canvas(7000, 7000),
    ],
    ids=["png-900MP", "png-48MP", "jpeg-900MP", "jpeg-49MP", "webp-49MP"],
)
def test_huge_declared_size_is_rejected_from_the_header(data: bytes) -> None:
    # The PNG and JPEG files hold no pixel data to match their header: decoding
    # them would fail as "corrupt", so "too_many_pixels" shows the header
    # decided. The WebP's frames are small; only its canvas is huge.
    assert len(data) < 1000
    assert reject_reason(data) == "too_many_pixels"


def test_pixel_limit_is_checked_even_without_pillows_own_guard(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)

    assert reject_reason(png_header_only(30000, 30000)) == "too_many_pixels"


def test_header_at_the_pixel_limit_is_not_too_many_pixels() -> None:
    assert 8000 * 5000 == MAX_PIXELS
    assert reject_reason(png_header_only(8000, 5000)) == "corrupt"


def test_over_max_bytes_is_too_large() -> None:
    data = noisy_jpeg((64, 48))

    assert reject_reason(data, max_bytes=len(data) - 1) == "too_large"
    assert process_image(data, max_bytes=len(data)).width == 64


def test_default_limit_is_ten_mebibytes() -> None:
    assert reject_reason(b"\xff\xd8\xff" + bytes(10 * 1024 * 1024)) == "too_large"


def test_tiny_image_is_never_upscaled() -> None:
    result = process_image(encode(Image.new("RGB", (100, 40), RED), "PNG"))

    assert (result.width, result.height) == (100, 40)
    for rendition in result.renditions.values():
        assert (rendition.width, rendition.height) == (100, 40)
        assert decode(rendition.data).size == (100, 40)


def dimensions(result: ProcessedImage) -> dict[str, tuple[int, int]]:
    for rendition in result.renditions.values():
        assert decode(rendition.data).size == (rendition.width, rendition.height)
    return {name: (r.width, r.height) for name, r in result.renditions.items()}


def test_widths_are_bounded_and_aspect_kept() -> None:
    wide = Image.linear_gradient("L").resize((3000, 1000)).convert("RGB")

    assert dimensions(process_image(encode(wide, "PNG"))) == {
        "thumb": (320, 107),
        "medium": (1024, 341),
        "large": (2048, 683),
    }


def test_portrait_is_bounded_by_width_only() -> None:
    tall = Image.linear_gradient("L").resize((1500, 3000)).convert("RGB")

    assert dimensions(process_image(encode(tall, "PNG"))) == {
        "thumb": (320, 640),
        "medium": (1024, 2048),
        "large": (1500, 3000),
    }


def test_large_jpeg_decoded_at_reduced_scale_stays_within_bounds() -> None:
    photo = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    result = process_image(encode(photo, "JPEG", quality=85))

    sizes = dimensions(result)
    assert (result.width, result.height) == (4000, 3000)
    assert sizes["thumb"] == (320, 240)
    assert sizes["medium"] == (1024, 768)
    large_width, large_height = sizes["large"]
    assert 0.95 * RENDITION_WIDTHS["large"] <= large_width <= RENDITION_WIDTHS["large"]
    assert large_height == round(large_width * 3 / 4)


def test_non_srgb_icc_profile_is_converted_then_dropped() -> None:
    source = encode(
        Image.new("RGB", (300, 200), RED),
        "JPEG",
        quality=95,
        icc_profile=swapped_red_green_profile(),
    )
    assert decode(source).info["icc_profile"]

    result = process_image(source)

    for rendition in result.renditions.values():
        image = decode(rendition.data)
        assert "icc_profile" not in image.info
        assert close_to(pixel(image, (150, 100)), (0, 255, 0))


def test_cmyk_jpeg_becomes_rgb() -> None:
    cmyk_red = Image.new("CMYK", (300, 200), (0, 255, 255, 0))
    result = process_image(encode(cmyk_red, "JPEG", quality=95))

    image = decode(result.renditions["medium"].data)
    assert image.mode == "RGB"
    assert close_to(pixel(image, (150, 100)), RED)


def test_rejection_carries_one_of_the_published_reasons() -> None:
    assert REJECTION_REASONS == (
        "not_an_image",
        "unsupported_type",
        "too_large",
        "too_many_pixels",
        "corrupt",
    )
    with pytest.raises(ValueError):
        ImageRejectedError("too_ugly")


# Extreme shapes. Renditions are bounded by width only, so a strip can shrink
# to 0 px high and a tall image keeps its height, past what the encoders write
# (JPEG 65,500 px a side, WebP 16,383). Whatever the shape, `process_image`
# answers with renditions or ImageRejectedError: any other exception would fail
# the whole SQS batch into the dead-letter queue.


def plain(size: tuple[int, int], *, alpha: bool = False) -> Image.Image:
    """A flat image; half see-through when `alpha`, so it stays RGBA (WebP)."""
    return Image.new("RGBA" if alpha else "RGB", size, (200, 30, 40, 128) if alpha else (200, 30, 40))


@pytest.mark.parametrize(
    "data",
    [
        encode(plain((65_500, 1)), "PNG"),
        encode(plain((20_000, 2)), "PNG"),
        encode(plain((65_500, 1)), "JPEG"),
        encode(plain((65_000, 8)), "JPEG"),
        encode(plain((16_383, 1)), "WEBP"),
        encode(plain((641, 1)), "PNG"),
    ],
    ids=["png-65500x1", "png-20000x2", "jpeg-65500x1", "jpeg-65000x8", "webp-16383x1", "png-641x1"],
)
def test_strip_whose_thumb_would_be_0_px_high_is_too_many_pixels(data: bytes) -> None:
    assert reject_reason(data) == "too_many_pixels"


def test_strip_whose_thumb_is_1_px_high_is_accepted() -> None:
    result = process_image(encode(plain((639, 1)), "PNG"))

    assert dimensions(result) == {"thumb": (320, 1), "medium": (639, 1), "large": (639, 1)}


def test_side_past_the_jpeg_encoder_is_too_many_pixels() -> None:
    assert reject_reason(encode(plain((1, 70_000)), "PNG")) == "too_many_pixels"


def test_tall_opaque_image_within_the_jpeg_encoder_is_accepted() -> None:
    result = process_image(encode(plain((1, 40_000)), "PNG"))

    assert dimensions(result) == {name: (1, 40_000) for name in RENDITION_WIDTHS}
    assert {r.content_type for r in result.renditions.values()} == {"image/jpeg"}


def test_see_through_side_past_the_webp_encoder_is_too_many_pixels() -> None:
    assert reject_reason(encode(plain((2, 20_000), alpha=True), "PNG")) == "too_many_pixels"
    assert reject_reason(encode(plain((1, 16_384), alpha=True), "PNG")) == "too_many_pixels"


def test_see_through_side_at_the_webp_limit_is_accepted() -> None:
    result = process_image(encode(plain((1, 16_383), alpha=True), "PNG"))

    assert dimensions(result) == {name: (1, 16_383) for name in RENDITION_WIDTHS}
    assert {r.content_type for r in result.renditions.values()} == {"image/webp"}


@pytest.mark.parametrize("alpha", [False, True], ids=["jpeg", "webp"])
def test_encoder_failure_is_corrupt(monkeypatch: pytest.MonkeyPatch, alpha: bool) -> None:
    # With the size guard lifted, the real encoder meets a side it cannot write.
    monkeypatch.setattr(renditions, "JPEG_MAX_SIDE", 10**6)
    monkeypatch.setattr(renditions, "WEBP_MAX_SIDE", 10**6)

    assert reject_reason(encode(plain((1, 70_000), alpha=alpha), "PNG")) == "corrupt"


def exif_block(*entries: tuple[int, int, bytes]) -> bytes:
    """An APP1/eXIf payload: a big-endian TIFF with one IFD of (tag, type, 4-byte value) entries, count 1."""
    ifd = struct.pack(">H", len(entries))
    for tag, kind, value in entries:
        ifd += struct.pack(">HHI", tag, kind, 1) + value.ljust(4, b"\0")
    return b"Exif\0\0MM\0*" + struct.pack(">I", 8) + ifd + struct.pack(">I", 0)


def test_unreadable_exif_is_ignored() -> None:
    data = encode(plain((60, 20)), "PNG", exif=b"Exif\0\0NOT-TIFF")
    with pytest.raises(SyntaxError):
        decode(data).getexif()

    result = process_image(data)

    assert (result.width, result.height) == (60, 20)


def test_orientation_beside_a_malformed_exif_tag_still_turns_the_photo_upright() -> None:
    # Tag 322 (TileWidth) holding text: Pillow reads it, but cannot write it back,
    # which is what ImageOps.exif_transpose would do.
    orientation_6 = (ExifTags.Base.Orientation, 3, struct.pack(">H", 6))
    data = encode(plain((60, 20)), "JPEG", exif=exif_block(orientation_6, (322, 2, b"X\0")))
    with pytest.raises(struct.error):
        ImageOps.exif_transpose(decode(data))

    result = process_image(data)

    assert (result.width, result.height) == (20, 60)
    assert dimensions(result) == {name: (20, 60) for name in RENDITION_WIDTHS}


EXTREME_SIDES = (1, 2, 319, 641, 2049, 16_383, 16_384, 40_000, 65_500, 70_000)


@pytest.mark.parametrize(
    ("format", "alpha"),
    [("PNG", False), ("PNG", True), ("JPEG", False), ("WEBP", False), ("WEBP", True)],
    ids=["png", "png-alpha", "jpeg", "webp", "webp-alpha"],
)
def test_any_extreme_shape_gives_renditions_or_a_rejection(format: str, alpha: bool) -> None:
    # Each side as large as the source format itself can hold; pixels kept low for speed.
    source_limit = {"PNG": 2**31 - 1, "JPEG": 65_500, "WEBP": 16_383}[format]
    shapes = [
        (w, h) for w in EXTREME_SIDES for h in EXTREME_SIDES if w * h <= 2_000_000 and max(w, h) <= source_limit
    ]
    outcomes = {}
    for shape in shapes:
        try:
            result = process_image(encode(plain(shape, alpha=alpha), format))
        except ImageRejectedError as rejection:
            outcomes[shape] = rejection.reason
            continue
        outcomes[shape] = "ready"
        for name, (w, h) in dimensions(result).items():
            assert 1 <= w <= min(shape[0], RENDITION_WIDTHS[name]), (shape, name)
            assert 1 <= h <= shape[1], (shape, name)
    assert set(outcomes.values()) == {"ready", "too_many_pixels"}, outcomes

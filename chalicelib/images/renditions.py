"""Bytes in, validated renditions out: the image processor's pure core.

Only the image processor Lambda imports this module, so Pillow never weighs on
the API's cold start. Nothing here talks to AWS.

The upload's declared content type and file name are never trusted: the format
is decided from the bytes. The pipeline is built for a 512 MB Lambda and for
speed: JPEGs are decoded at a reduced scale when the largest rendition allows it
(libjpeg's scaled IDCT is both the decoder and a good downscaler), and each
rendition is resized from the next larger one rather than from the original.
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError

RENDITION_WIDTHS: dict[str, int] = {"thumb": 320, "medium": 1024, "large": 2048}
MAX_PIXELS = 40_000_000
DEFAULT_MAX_BYTES = 10 * 1024 * 1024

# Why an upload was refused, as the API reports it (API.md, "Images").
REJECTION_REASONS: tuple[str, ...] = (
    "not_an_image",
    "unsupported_type",
    "too_large",
    "too_many_pixels",
    "corrupt",
)

# The large rendition may come out up to this fraction narrower than its bound
# when the JPEG decoder's 1/2, 1/4 or 1/8 scaling lands there (a 4000 px photo
# gives 2000 px, not 2048): halving the decode and skipping a full-size resize
# is worth those few pixels.
DRAFT_SLACK = 0.05
JPEG_QUALITY = 82
WEBP_QUALITY = 82
# Resize in two steps (a cheap box reduce, then Lanczos) only when shrinking by
# more than twice this factor; at 2.0 the result is visually the same.
REDUCING_GAP = 2.0
# The longest side each encoder writes: libjpeg's JPEG_MAX_DIMENSION and libwebp's
# WEBP_MAX_DIMENSION. A rendition past them would fail in the encoder, so such an
# image is refused before any rendition is made.
JPEG_MAX_SIDE = 65_500
WEBP_MAX_SIDE = 16_383

# HEIF/AVIF brands of ISO-BMFF files, so a phone's HEIC reads as "unsupported"
# rather than "not an image".
_ISOBMFF_IMAGE_BRANDS = (
    b"heic",
    b"heix",
    b"heim",
    b"heis",
    b"hevc",
    b"mif1",
    b"msf1",
    b"avif",
    b"avis",
)
_ROTATING_ORIENTATIONS = (5, 6, 7, 8)
# How each EXIF orientation other than 1 is made upright (as ImageOps.exif_transpose does).
_TRANSPOSES = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_ORIENTATION_TAG = 0x0112
# What Pillow's decoders raise on data they cannot decode.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    struct.error,
)


class ImageRejectedError(Exception):
    """The upload is not an image we publish; `reason` is one of REJECTION_REASONS."""

    def __init__(self, reason: str, detail: str = "") -> None:
        if reason not in REJECTION_REASONS:
            raise ValueError(f"unknown rejection reason: {reason}")
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class Rendition:
    """One encoded size of an image, ready to store."""

    name: str
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


@dataclass(frozen=True)
class ProcessedImage:
    """The upright original's size and its renditions by name."""

    width: int
    height: int
    renditions: dict[str, Rendition]


def process_image(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ProcessedImage:
    """Validate `data` and return its renditions, or raise ImageRejectedError."""
    if len(data) > max_bytes:
        raise ImageRejectedError("too_large", f"{len(data)} bytes > {max_bytes}")
    family = _sniff_family(data)
    with _open(data, family) as image:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ImageRejectedError("too_many_pixels", f"{width}x{height}")
        if family == "JPEG":
            _draft_for_large(image)
        _load_strictly(image)
        orientation = _orientation(image)
        if orientation in _ROTATING_ORIENTATIONS:
            width, height = height, width
        icc_profile = image.info.get("icc_profile")
        # Not ImageOps.exif_transpose: it writes the EXIF back, which fails on malformed tags (dropped anyway).
        upright = image.transpose(_TRANSPOSES[orientation]) if orientation in _TRANSPOSES else image
        working = _working_mode(upright)
        _check_encodable(width, height, has_alpha=working.mode in ("LA", "RGBA"))
        aspect = (width, height)
        large = _fit(working, RENDITION_WIDTHS["large"], aspect)
        large = _to_srgb(large, icc_profile)
    medium = _fit(large, RENDITION_WIDTHS["medium"], aspect)
    thumb = _fit(medium, RENDITION_WIDTHS["thumb"], aspect)
    sized = {"large": large, "medium": medium, "thumb": thumb}
    renditions = {name: _encode(name, sized[name]) for name in RENDITION_WIDTHS}
    return ProcessedImage(width=width, height=height, renditions=renditions)


def _sniff_family(data: bytes) -> str:
    """Name the accepted format the bytes start with, or reject them."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if _is_other_image(data):
        raise ImageRejectedError("unsupported_type")
    raise ImageRejectedError("not_an_image")


def _is_other_image(data: bytes) -> bool:
    """True for an image format we do not publish.

    SVG and HEIC are named so the artisan hears "unsupported type" rather
    than "not an image"; anything else is what Pillow's other decoders
    recognise from the header (GIF, BMP, TIFF, AVIF, ...).
    """
    if _looks_like_svg(data[:4096].lower()):
        return True
    if data[4:8] == b"ftyp" and data[8:12] in _ISOBMFF_IMAGE_BRANDS:
        return True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            Image.open(io.BytesIO(data)).close()
    except Image.DecompressionBombError:
        return True
    except UnidentifiedImageError:
        return False
    except _DECODE_ERRORS:
        return False
    return True


def _looks_like_svg(head: bytes) -> bool:
    """SVG is XML text no raster decoder reads: markup with an `<svg` element
    near its start, and not an HTML page that merely embeds one."""
    is_markup = head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
    return is_markup and b"<svg" in head and b"<html" not in head


@contextmanager
def _open(data: bytes, family: str) -> Iterator[ImageFile.ImageFile]:
    """Open (read the header only) with the one decoder the signature names."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[family])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageRejectedError("too_many_pixels", str(error)) from error
    except (UnidentifiedImageError, *_DECODE_ERRORS) as error:
        raise ImageRejectedError("corrupt", str(error)) from error
    with image:
        yield image


def _draft_for_large(image: ImageFile.ImageFile) -> None:
    """Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the large rendition allows."""
    width, height = image.size
    if _orientation(image) in _ROTATING_ORIENTATIONS:
        width, height = height, width
    target_width = min(RENDITION_WIDTHS["large"], width)
    if target_width == width:
        return
    floor = 1 - DRAFT_SLACK
    wanted = (
        max(1, int(target_width * floor)),
        max(1, int(height * target_width / width * floor)),
    )
    if (width, height) != image.size:
        wanted = (wanted[1], wanted[0])
    image.draft(image.mode, wanted)


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation; 1 (as stored) when absent, unknown or unreadable, as EXIF is only metadata."""
    try:
        value = image.getexif().get(_ORIENTATION_TAG, 1)
    except _DECODE_ERRORS:
        return 1
    return value if isinstance(value, int) and value in _TRANSPOSES else 1


@contextmanager
def _truncated_images_refused() -> Iterator[None]:
    """Refuse truncated files even if something set LOAD_TRUNCATED_IMAGES.

    That switch would make Pillow pad a cut-off upload with grey and skip PNG
    checksums; a partial upload must be rejected instead.
    """
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _load_strictly(image: ImageFile.ImageFile) -> None:
    """Decode the pixels, rejecting anything the decoder cannot read completely."""
    try:
        with _truncated_images_refused():
            image.load()
    except Image.DecompressionBombError as error:
        raise ImageRejectedError("too_many_pixels", str(error)) from error
    except _DECODE_ERRORS as error:
        raise ImageRejectedError("corrupt", str(error)) from error


def _working_mode(image: Image.Image) -> Image.Image:
    """Bring any decoded mode to L, RGB, CMYK (opaque) or LA, RGBA (transparent).

    Alpha is kept only when some pixel is actually see-through, so an opaque
    RGBA screenshot still becomes a compact JPEG.
    """
    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    elif mode == "1":
        image = image.convert("L")
    elif mode in ("P", "PA"):
        image = image.convert("RGBA" if _has_transparency(image) else "RGB")
    elif mode in ("L", "RGB") and "transparency" in image.info:
        image = image.convert("RGBA")
    elif mode not in ("L", "LA", "RGB", "RGBA", "CMYK"):
        image = image.convert("RGB")
    if image.mode in ("LA", "RGBA") and image.getchannel("A").getextrema()[0] == 255:
        image = image.convert(image.mode[:-1])
    return image


def _has_transparency(image: Image.Image) -> bool:
    return image.mode == "PA" or "transparency" in image.info


def _rendition_sizes(width: int, height: int) -> dict[str, tuple[int, int]]:
    """The size of each rendition of an upright `width`x`height` image, as `_fit` makes them.

    A height may be 0 here (a strip far wider than tall): `_check_encodable`
    refuses such an image rather than distort it.
    """
    sizes = {}
    for name, max_width in RENDITION_WIDTHS.items():
        if width <= max_width:
            sizes[name] = (width, height)
        else:
            sizes[name] = (max_width, round(height * max_width / width))
    return sizes


def _check_encodable(width: int, height: int, *, has_alpha: bool) -> None:
    """Refuse, as too_many_pixels, an image whose renditions no encoder could write.

    Renditions are bounded by width only, so a strip can come out 0 px high
    (65,500 x 1 shrunk to 320 wide) and a tall image keeps its height (1 x 70,000
    is past JPEG's limit; a see-through 2 x 20,000 is past WebP's). Either would
    fail in the resize or the encoder, and such an exception would fail the whole
    SQS batch into the dead-letter queue.
    """
    limit = WEBP_MAX_SIDE if has_alpha else JPEG_MAX_SIDE
    for name, (w, h) in _rendition_sizes(width, height).items():
        if w < 1 or h < 1:
            raise ImageRejectedError("too_many_pixels", f"{width}x{height}: the {name} rendition would be {w}x{h}")
        if max(w, h) > limit:
            encoder = "WebP" if has_alpha else "JPEG"
            raise ImageRejectedError(
                "too_many_pixels", f"{width}x{height}: the {name} rendition ({w}x{h}) is past {encoder}'s {limit} px"
            )


def _fit(image: Image.Image, max_width: int, aspect: tuple[int, int]) -> Image.Image:
    """Shrink to at most `max_width` wide, keeping the aspect; never enlarge.

    The height comes from the original's `aspect`, not from the larger
    rendition it is derived from, so rounding never accumulates.
    """
    if image.width <= max_width:
        return image
    height = max(1, round(aspect[1] * max_width / aspect[0]))
    return image.resize(
        (max_width, height), Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP
    )


# The ICC colour space each working mode must match for its profile to apply.
_PROFILE_SPACES = {
    "L": "GRAY",
    "LA": "GRAY",
    "RGB": "RGB",
    "RGBA": "RGB",
    "CMYK": "CMYK",
}


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Return an RGB or RGBA image in sRGB with no metadata attached.

    An embedded profile (Display P3 from phones, Adobe RGB, CMYK press
    profiles) is applied and then dropped: browsers assume sRGB when none is
    present. A profile that is unreadable or does not match the pixels is
    ignored, as it is only metadata.
    """
    alpha = image.getchannel("A") if image.mode in ("LA", "RGBA") else None
    colour = image.convert(image.mode[:-1]) if alpha is not None else image
    converted = _apply_profile(colour, icc_profile) if icc_profile else None
    if converted is None:
        converted = colour.convert("RGB")
    if alpha is not None:
        converted.putalpha(alpha)
    converted.info = {}
    return converted


def _apply_profile(image: Image.Image, icc_profile: bytes) -> Image.Image | None:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        if source.profile.xcolor_space.strip() != _PROFILE_SPACES.get(image.mode):
            return None
        transform = ImageCms.buildTransform(source, _srgb_profile(), image.mode, "RGB")
        return ImageCms.applyTransform(image, transform)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None


@cache
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _encode(name: str, image: Image.Image) -> Rendition:
    """Encode with no metadata: JPEG when opaque, WebP when it has alpha."""
    buffer = io.BytesIO()
    image.info = {}
    try:
        if image.mode == "RGBA":
            image.save(buffer, format="WEBP", quality=WEBP_QUALITY)
            content_type, extension = "image/webp", "webp"
        else:
            image.save(
                buffer, format="JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True
            )
            content_type, extension = "image/jpeg", "jpg"
    except (OSError, ValueError) as error:
        # _check_encodable keeps known limits away; whatever else an encoder
        # refuses is still a rejection of the upload, not a failed batch.
        raise ImageRejectedError("corrupt", f"{name}: {error}") from error
    return Rendition(
        name=name,
        data=buffer.getvalue(),
        content_type=content_type,
        extension=extension,
        width=image.width,
        height=image.height,
    )

"""Logo and favicon uploads: decoded by Pillow from an allowlist of raster formats, then
re-encoded as a fresh PNG at display size. Nothing of the upload but its pixels survives:
no metadata, no second frame, no trailing bytes, and never SVG (which can carry script).
"""

import base64
import hashlib
import warnings
from dataclasses import dataclass
from io import BytesIO

from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

from branding.models import ImageKind

# Decoders Pillow may use; others (EPS through Ghostscript, for one) are never tried.
FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP", "GIF": "GIF"}
ACCEPT = "image/png,image/jpeg,image/webp,image/gif"  # for the file input
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000  # decoded, an RGBA image this size is 100 MB
# The largest each kind is kept at: twice its biggest display size, for sharp high-DPI screens.
BOXES = {ImageKind.LOGO: (640, 200), ImageKind.FAVICON: (64, 64)}
MIN_SIDE = {ImageKind.LOGO: 16, ImageKind.FAVICON: 16}

UNREADABLE = "This file isn't an image we can read. Upload a PNG, JPEG, WebP or GIF."


@dataclass(frozen=True)
class PreparedImage:
    kind: str
    data: bytes
    width: int
    height: int

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.data).decode()


def _looks_like_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(b"<") and (b"<svg" in text or text.startswith((b"<?xml", b"<!doctype")))


def _decoded(upload) -> Image.Image:
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"This file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB.",
            code="too_large",
        )
    upload.seek(0)
    if _looks_like_svg(upload.read(1024)):
        raise ValidationError(
            "SVG files aren't accepted, as they can carry scripts. Export the image as a "
            "PNG (with a transparent background if you like) and upload that.",
            code="svg",
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=list(FORMATS))
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(
                    f"This image is {image.width} x {image.height} pixels; upload one under "
                    f"{MAX_PIXELS // 1_000_000} megapixels.",
                    code="too_many_pixels",
                )
            image.load()  # decodes the first frame: a truncated or corrupt file fails here
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,  # truncated or corrupt data
        SyntaxError,  # some of Pillow's parsers report malformed headers so
        ValueError,
    ):
        raise ValidationError(UNREADABLE, code="unreadable") from None
    return image


def images_chosen(data: dict) -> dict[str, PreparedImage | None]:
    """From a form's or serializer's cleaned ``data`` (``logo``, ``remove_logo``, and so on
    for each kind): kind → the new image, or None to remove it; kinds left alone are absent."""
    chosen = {}
    for kind in ImageKind.values:
        if data.get(kind):
            chosen[kind] = data[kind]
        elif data.get(f"remove_{kind}"):
            chosen[kind] = None
    return chosen


def prepare_image(upload, kind: str) -> PreparedImage:
    """Validate ``upload`` and return it as a PNG fitted to ``kind``'s box; ValidationError
    with a message for the person otherwise."""
    image = _decoded(upload)
    smallest = MIN_SIDE[kind]
    if min(image.size) < smallest:
        raise ValidationError(
            f"This image is {image.width} x {image.height} pixels; use one at least "
            f"{smallest} pixels on each side.",
            code="too_small",
        )
    image = ImageOps.exif_transpose(image).convert("RGBA")
    box = BOXES[kind]
    image.thumbnail(box, Image.Resampling.LANCZOS)
    if kind == ImageKind.FAVICON:
        # Browsers show favicons square: centre the image on a transparent square.
        square = Image.new("RGBA", box, (0, 0, 0, 0))
        square.paste(image, ((box[0] - image.width) // 2, (box[1] - image.height) // 2))
        image = square
    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    return PreparedImage(kind=kind, data=out.getvalue(), width=image.width, height=image.height)

"""Drawing a stored file's preview: PDF pages to PNGs with pypdfium2, images re-encoded to
PNG with Pillow, the opening of text files. Everything is bounded: the bytes read, the pages
drawn, the pixels of each. Never the PDF itself in a browser: pages reach it as pictures.

The web process only serves what this wrote; the task in ``tasks.py`` calls it.
"""

import io
from dataclasses import dataclass, field

from tenant_apps.files.models import PreviewState, StoredFile
from tenant_apps.files.storage import file_storage, open_seekable
from tenant_apps.files.validation import GIF, JPEG, PDF, PNG, TEXT, WEBP

MAX_PAGES = 10  # the first pages of a PDF; the rest is in the download
MAX_SOURCE_BYTES = 100 * 1024 * 1024  # bigger files are not read at all
PAGE_WIDTH = 1100  # pixels: sharp in the page's preview column on a wide screen
MAX_PAGE_HEIGHT = 4 * PAGE_WIDTH  # a very long page is drawn narrower instead
MAX_IMAGE_PIXELS = 40_000_000  # refuse to decode bigger images (decompression bombs)
TEXT_MAX_BYTES = 64 * 1024
TEXT_MAX_CHARS = 20_000
IMAGES = (PNG, JPEG, GIF, WEBP)


@dataclass
class Drawn:
    state: str
    pages: list[bytes] = field(default_factory=list)  # PNGs
    page_count: int = 0
    text: str = ""


class Unreadable(Exception):
    """The file cannot be previewed: damaged, protected by a password, or too big to draw."""


def _is(kind, content_type: str) -> bool:
    return content_type in kind.content_types.values()


def preview_draw(stored_file: StoredFile) -> Drawn:
    """The preview of ``stored_file``. A file we do not draw is UNSUPPORTED; one that fails
    to read is FAILED (never an exception: damaged and hostile files are expected)."""
    content_type = stored_file.content_type
    if stored_file.size > MAX_SOURCE_BYTES:
        return Drawn(PreviewState.FAILED)
    try:
        if _is(PDF, content_type):
            with open_seekable(stored_file.key) as stream:
                return _pdf(stream)
        if any(_is(kind, content_type) for kind in IMAGES):
            with open_seekable(stored_file.key) as stream:
                return Drawn(PreviewState.READY, pages=[_image(stream)], page_count=1)
        if _is(TEXT, content_type):
            return _text(stored_file.key)
    except Unreadable:
        return Drawn(PreviewState.FAILED)
    return Drawn(PreviewState.UNSUPPORTED)


def _png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _pdf(stream) -> Drawn:
    # Imported here: the web process never draws.
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(stream)  # a password-protected one raises here
    except pypdfium2.PdfiumError as error:
        raise Unreadable from error
    try:
        page_count = len(document)
        pages = []
        for index in range(min(page_count, MAX_PAGES)):
            page = document[index]
            try:
                width, height = page.get_size()  # in points
                if width <= 0 or height <= 0:
                    raise Unreadable
                scale = min(PAGE_WIDTH / width, MAX_PAGE_HEIGHT / height)
                bitmap = page.render(scale=scale, may_draw_forms=True)
                pages.append(_png(bitmap.to_pil()))
            except pypdfium2.PdfiumError as error:
                raise Unreadable from error
            finally:
                page.close()
    finally:
        document.close()
    if not pages:
        raise Unreadable
    return Drawn(PreviewState.READY, pages=pages, page_count=page_count)


def _image(stream) -> bytes:
    from PIL import Image, ImageOps

    try:
        with Image.open(stream) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise Unreadable
            image.seek(0)  # the first frame of an animation
            shown = ImageOps.exif_transpose(image)
            shown.thumbnail((PAGE_WIDTH, MAX_PAGE_HEIGHT))
            if shown.mode not in ("RGB", "RGBA", "L", "LA"):
                shown = shown.convert("RGBA")
            # Re-encoded: nothing of the upload but its pixels reaches the browser.
            return _png(shown)
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise Unreadable from error


def _text(key: str) -> Drawn:
    stream = file_storage().open(key)
    try:
        head = stream.read(TEXT_MAX_BYTES)
    finally:
        stream.close()
    # Validated as UTF-8 when stored; the cut may split a character, hence "replace".
    text = head.decode("utf-8", "replace")[:TEXT_MAX_CHARS].replace("\x00", " ")
    return Drawn(PreviewState.READY if text.strip() else PreviewState.UNSUPPORTED, text=text)

"""An agency's portal as an installable app: its web manifest, its icon, and what its service
worker may keep.

The service worker keeps the shell only (stylesheets, scripts, icons and an offline page,
fetched without cookies) and never a page or an answer of the agency's: those hold one
person's view of one agency. Its cache is named after the agency's schema and the shell's
files, so no two agencies (nor two releases) share one, whichever host serves them.
"""

import hashlib
from io import BytesIO

from django.templatetags.static import static
from django.urls import reverse
from PIL import Image, ImageDraw, ImageFont

from branding.selectors import BrandView

ICON_SIZES = (192, 512)
# Every workspace page uses these; the pages' own stylesheets come and go with them.
SHELL_STATIC = (
    "css/portal.css",
    "branding/branding.css",
    "vendor/htmx-2.min.js",
    "js/shell.js",
)
MANIFEST_BACKGROUND = "#ffffff"


def brand_version(brand: BrandView) -> str:
    """Changes when what the icon and manifest show changes, so browsers fetch them again."""
    seen = f"{brand.portal_name}|{brand.primary_colour}"
    return hashlib.sha256(seen.encode()).hexdigest()[:12]


def icon_url(brand: BrandView, size: int) -> str:
    return f"{reverse('branding:icon', args=[size])}?v={brand_version(brand)}"


def manifest(brand: BrandView) -> dict:
    return {
        "name": brand.portal_name,
        "short_name": brand.portal_name[:12],
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": brand.primary_colour,
        "background_color": MANIFEST_BACKGROUND,
        "icons": [
            {"src": icon_url(brand, size), "sizes": f"{size}x{size}", "type": "image/png"}
            for size in ICON_SIZES
        ],
    }


def icon_png(brand: BrandView, size: int) -> bytes:
    """The portal name's first letter in white on the primary colour (which brand settings
    keep at 4.5:1 against white), a square with room for a maskable icon's round crop."""
    image = Image.new("RGB", (size, size), brand.primary_colour)
    initial = (brand.portal_name.strip()[:1] or "P").upper()
    font = ImageFont.load_default(size=size * 0.5)
    ImageDraw.Draw(image).text(
        (size / 2, size / 2), initial, fill="#ffffff", font=font, anchor="mm"
    )
    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def shell_urls() -> list[str]:
    """What the service worker keeps: the shell's static files and the offline page."""
    return [static(path) for path in SHELL_STATIC] + [reverse("branding:offline")]


def shell_cache_name(schema_name: str) -> str:
    files = hashlib.sha256("\n".join(shell_urls()).encode()).hexdigest()[:12]
    return f"portal-shell-{schema_name}-{files}"

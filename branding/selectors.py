from dataclasses import asdict, dataclass

from asgiref.local import Local
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django_tenants.utils import tenant_context

from branding.models import Brand, BrandImage, ImageKind
from shared_apps.core.caching import cache_forget

# The cache's key function prefixes the current schema; brand_for only uses the cache when
# that schema is the agency's own, so one agency's brand can never be read for another.
CACHE_KEY = "brand:v2"
CACHE_SECONDS = 3600
# Within a request, {agency id: BrandView}: a page asks several times (the shell, the forms'
# labels in the agency's words), and each cache read costs more than the rest of brand_for.
# None outside requests (tasks, shells), which read the cache each time.
_this_request = Local()


@dataclass(frozen=True)
class BrandView:
    """Everything templates and emails show of a brand, cheap to cache (no image bytes)."""

    portal_name: str
    primary_colour: str
    accent_colour: str
    login_headline: str = ""
    welcome_text: str = ""
    email_sender_name: str = ""
    email_reply_to: str = ""
    client_word: str = "client"
    clients_word: str = "clients"
    request_word: str = "request"
    requests_word: str = "requests"
    logo_url: str = ""  # a path on the agency's host; empty without a logo
    logo_width: int = 0
    logo_height: int = 0
    favicon_url: str = ""
    agency_id: int | None = None

    @property
    def headline(self) -> str:
        return self.login_headline or f"Sign in to {self.portal_name}"

    @property
    def sender_name(self) -> str:
        return self.email_sender_name or self.portal_name


PLATFORM_BRAND = BrandView("Client Portal", "#1f6feb", "#0e9f6e")
BRAND_TEXT_FIELDS = [
    "portal_name",
    "primary_colour",
    "accent_colour",
    "login_headline",
    "welcome_text",
    "email_sender_name",
    "email_reply_to",
    "client_word",
    "clients_word",
    "request_word",
    "requests_word",
]


def image_path(kind: str, digest: str) -> str:
    # Tenant routes, whichever URLconf is current (emails are built in workers, too).
    return reverse("branding:image", args=[kind, digest[:16]], urlconf=settings.ROOT_URLCONF)


def _view(agency) -> BrandView:
    brand = Brand.objects.filter(agency_id=agency.pk).first()
    if brand is None:
        return BrandView(agency.name, PLATFORM_BRAND.primary_colour, PLATFORM_BRAND.accent_colour)
    images = {
        image.kind: image
        for image in BrandImage.objects.filter(brand=brand).only(
            "kind", "digest", "width", "height"
        )
    }
    logo, favicon = images.get(ImageKind.LOGO), images.get(ImageKind.FAVICON)
    return BrandView(
        **{name: getattr(brand, name) for name in BRAND_TEXT_FIELDS},
        logo_url=image_path(ImageKind.LOGO, logo.digest) if logo else "",
        logo_width=logo.width if logo else 0,
        logo_height=logo.height if logo else 0,
        favicon_url=image_path(ImageKind.FAVICON, favicon.digest) if favicon else "",
        agency_id=agency.pk,
    )


def brand_for(agency) -> BrandView:
    """The agency's brand, from the per-tenant cache when the connection is in its schema."""
    if agency is None or agency.pk is None:
        return PLATFORM_BRAND
    if connection.schema_name != agency.schema_name:
        return _view(agency)  # another schema's cache key would be the wrong agency's
    read = getattr(_this_request, "brands", None)
    if read is not None and agency.pk in read:
        return read[agency.pk]
    cached = cache.get(CACHE_KEY)
    # The id guards against a schema name reused by a later agency.
    if cached is not None and cached.get("agency_id") == agency.pk:
        view = BrandView(**cached)
    else:
        view = _view(agency)
        cache.set(CACHE_KEY, asdict(view), timeout=CACHE_SECONDS)
    if read is not None:
        read[agency.pk] = view
    return view


def brand_request_started(**kwargs) -> None:
    _this_request.brands = {}


def brand_request_finished(**kwargs) -> None:
    _this_request.brands = None


def brand_forget(agency) -> None:
    """Drop the agency's cached brand; the next brand_for reads it afresh."""
    if getattr(_this_request, "brands", None):
        _this_request.brands = {}
    with tenant_context(agency):
        cache_forget(CACHE_KEY)


def brand_image(agency, kind: str, digest: str) -> BrandImage | None:
    """The agency's current ``kind`` image if ``digest`` (a prefix) names it, else None."""
    return (
        BrandImage.objects.filter(brand__agency_id=agency.pk, kind=kind, digest__startswith=digest)
        .only("data", "digest")
        .first()
    )

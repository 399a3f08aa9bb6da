from dataclasses import asdict, dataclass

from django.core.cache import cache

from branding.models import Brand

CACHE_KEY = "brand:v1"  # the cache's key function prefixes the schema


@dataclass(frozen=True)
class BrandView:
    portal_name: str
    primary_colour: str
    accent_colour: str


PLATFORM_BRAND = BrandView("Client Portal", "#1f6feb", "#0e9f6e")


def brand_for(agency) -> BrandView:
    if agency is None or agency.pk is None:
        return PLATFORM_BRAND
    cached = cache.get(CACHE_KEY)
    if cached is None:
        brand = Brand.objects.filter(agency_id=agency.pk).first()
        view = (
            BrandView(brand.portal_name, brand.primary_colour, brand.accent_colour)
            if brand
            else BrandView(agency.name, PLATFORM_BRAND.primary_colour, PLATFORM_BRAND.accent_colour)
        )
        cache.set(CACHE_KEY, asdict(view), timeout=3600)
        return view
    return BrandView(**cached)

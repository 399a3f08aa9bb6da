from django.db import transaction

from branding.colours import validate_contrast
from branding.images import PreparedImage
from branding.models import Brand, BrandImage


def brand_create_default(*, agency) -> Brand:
    return Brand.objects.create(agency=agency, portal_name=agency.name)


def brand_apply(
    *, agency, changes: dict, images: dict[str, PreparedImage | None] | None = None
) -> tuple[Brand, dict]:
    """Apply ``changes`` (Brand fields) and ``images`` (kind → a prepared image, or None to
    remove that kind), all or nothing; returns the brand and what changed, for the agency's
    log (tenant_apps.brand_settings.actions.brand_update). The caches drop on save
    (branding.signals), so the next page shows the new brand. Raises ValidationError for a
    field out of bounds or colours too faint to read."""
    with transaction.atomic():
        brand = Brand.objects.select_for_update().get(agency_id=agency.pk)
        changed = {}
        for field, value in changes.items():
            before = getattr(brand, field)
            if before != value:
                setattr(brand, field, value)
                changed[field] = [before, value]
        brand.full_clean(exclude=["agency"])
        validate_contrast(
            {"primary_colour": brand.primary_colour, "accent_colour": brand.accent_colour}
        )
        if changed:
            brand.save()
        for kind, image in (images or {}).items():
            if image is None:
                if BrandImage.objects.filter(brand=brand, kind=kind).delete()[0]:
                    changed[kind] = "removed"
                continue
            BrandImage.objects.update_or_create(
                brand=brand,
                kind=kind,
                defaults={
                    "data": image.data,
                    "digest": image.digest,
                    "width": image.width,
                    "height": image.height,
                },
            )
            changed[kind] = f"new image, {image.width} x {image.height}"
        return brand, changed

from django.db import transaction

from branding.actions import brand_apply
from branding.images import PreparedImage
from branding.models import Brand
from tenant_apps.activity.actions import activity_record
from tenant_apps.brand_settings.audit import BrandAudit


def brand_update(
    *,
    agency,
    actor,
    changes: dict,
    images: dict[str, PreparedImage | None] | None = None,
    request=None,
) -> Brand:
    """Change the agency's brand (branding.actions.brand_apply) and log what changed, all or
    nothing. Raises ValidationError for a field out of bounds or colours too faint to read."""
    with transaction.atomic():
        brand, changed = brand_apply(agency=agency, changes=changes, images=images)
        if changed:
            activity_record(
                action=BrandAudit.BRAND_UPDATED,
                actor=actor,
                target=brand,
                changes=changed,
                request=request,
            )
        return brand

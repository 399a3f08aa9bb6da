from django.db import transaction

from branding.actions import brand_apply
from branding.images import PreparedImage
from branding.models import Brand
from shared_apps.core.regional import validate_regional
from tenant_apps.activity.actions import activity_record
from tenant_apps.brand_settings.audit import BrandAudit
from tenants.models import Agency


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


def regional_update(*, agency: Agency, actor, time_zone: str, locale: str, request=None) -> Agency:
    """Set the agency's default time zone and locale (its people's, unless they set their
    own), and log what changed. Raises ValidationError for a zone or locale not on the lists."""
    wanted = {"time_zone": time_zone, "locale": locale}
    validate_regional(**wanted)
    changed = {name: [getattr(agency, name), value] for name, value in wanted.items()}
    changed = {name: values for name, values in changed.items() if values[0] != values[1]}
    for name, value in wanted.items():
        setattr(agency, name, value)
    with transaction.atomic():
        if changed:
            agency.save(update_fields=list(changed))
            activity_record(
                action=BrandAudit.REGIONAL_UPDATED, actor=actor, changes=changed, request=request
            )
    return agency

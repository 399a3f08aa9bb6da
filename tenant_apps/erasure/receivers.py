"""A restore of an older backup brings back people erased since; they are erased again."""

from django.dispatch import receiver

from shared_apps.backups.signals import agency_restored
from tenant_apps.erasure.actions import erasure_reapply


@receiver(agency_restored, dispatch_uid="erasure.reapply_after_restore")
def erase_again_after_restore(sender, *, agency, **kwargs):
    """Sent inside the restore's transaction with the agency's schema active. A sandbox copy
    has the original's erasure records under its own schema name (agency_restore copies them)."""
    erasure_reapply(schema_name=agency.schema_name)

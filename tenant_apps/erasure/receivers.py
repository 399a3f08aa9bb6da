"""A restore of an older backup brings back people erased since; they are erased again."""

from django.dispatch import receiver

from shared_apps.backups.signals import agency_restored
from tenant_apps.erasure.actions import erasure_reapply


@receiver(agency_restored, dispatch_uid="erasure.reapply_after_restore")
def erase_again_after_restore(sender, *, agency, source_schema=None, **kwargs):
    """Sent inside the restore's transaction with the agency's schema active. A sandbox copy
    restored under another schema names the schema it was backed up from as ``source_schema``:
    the erasures recorded for that one apply to the copy too."""
    erasure_reapply(schema_name=source_schema or agency.schema_name)

"""What approvals do when other apps change things they rest on."""

from django.dispatch import receiver

from tenant_apps.approvals.actions import approvals_supersede
from tenant_apps.documents.signals import version_added


@receiver(version_added, dispatch_uid="approvals.supersede_older_versions")
def supersede_older_versions(sender, version, actor, **kwargs):
    # Inside the upload's transaction: the new version and the supersedes commit together.
    approvals_supersede(version=version, actor=actor)

from django.db import transaction
from django.utils import timezone

from tenant_apps.activity.actions import activity_record
from tenant_apps.workspace.audit import WorkspaceAudit
from tenant_apps.workspace.models import FirstRun


def first_run_locked() -> FirstRun:
    """The agency's one FirstRun row, made if missing and locked; call it in a transaction."""
    # ON CONFLICT DO NOTHING: two first callers at once cannot both insert it.
    FirstRun.objects.bulk_create([FirstRun(pk=1)], ignore_conflicts=True)
    return FirstRun.objects.select_for_update().get(pk=1)


def checklist_dismiss(*, actor, request=None) -> FirstRun:
    """Put away the first-run checklist for the whole team; once is enough."""
    with transaction.atomic():
        first_run = first_run_locked()
        if first_run.checklist_dismissed_at is None:
            first_run.checklist_dismissed_at = timezone.now()
            first_run.checklist_dismissed_by = actor
            first_run.save(update_fields=["checklist_dismissed_at", "checklist_dismissed_by"])
            activity_record(action=WorkspaceAudit.CHECKLIST_DISMISSED, actor=actor, request=request)
        return first_run

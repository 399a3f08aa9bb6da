"""The codes the workspace writes to the activity log, with their words."""

from tenant_apps.activity.events import AuditEvent


class WorkspaceAudit(AuditEvent):
    CHECKLIST_DISMISSED = (
        "workspace.checklist_dismissed",
        "First-run checklist dismissed",
        "Put away the first-run checklist",
    )

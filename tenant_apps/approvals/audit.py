"""The codes approvals writes to the activity log, with their words and links."""

from enum import nonmember

from tenant_apps.activity.events import HIDDEN, AuditEvent, By, Field, Item, link_items
from tenant_apps.approvals.models import ApprovalStatus, Decision, SignInMethod


class ApprovalAudit(AuditEvent):
    APPROVAL_REQUESTED = (
        "approval.requested",
        "Approval requested",
        "{actor} asked for approval of {object}",
    )
    APPROVAL_DECIDED = (
        "approval.decided",
        "Approval decision",
        By(
            "decision",
            {
                Decision.APPROVED: "{actor} approved {object}",
                Decision.CHANGES_REQUESTED: "{actor} asked for changes to {object}",
            },
            "{actor} decided on {object}",
        ),
    )
    APPROVAL_COMPLETED = (
        "approval.completed",
        "Approval completed",
        By(
            "status",
            {
                ApprovalStatus.APPROVED: "{object} was approved",
                ApprovalStatus.CHANGES_REQUESTED: "Changes were asked for on {object}",
            },
            "{object} was decided",
        ),
    )
    APPROVAL_SUPERSEDED = (
        "approval.superseded",
        "Approval superseded",
        "{actor} replaced {object} with version {version}",
        "{actor} replaced {object} with a new version",
    )
    APPROVAL_CANCELLED = (
        "approval.cancelled",
        "Approval cancelled",
        "{actor} cancelled the approval {object}",
    )

    fields = nonmember(
        {
            "document": Field("Document"),
            "invoice": Field("Invoice"),
            "version": Field("Version"),
            "approvers": Field("Approvers"),
            "due_date": Field("Due date"),
            "decision": Field("Decision", Decision),
            "comment": Field("Comment"),
            "status": Field("Status", ApprovalStatus),
            "signed_in_by": Field("Signed in with", SignInMethod, clients=False),
            # The decision's proof lives in the approval's record and its Verification details.
            "decided_by": HIDDEN,
            "decided_at": HIDDEN,
            "approval": HIDDEN,
            "replaces": HIDDEN,
            "sha256": HIDDEN,
            "ip_address": HIDDEN,
            "user_agent": HIDDEN,
        }
    )


link_items(
    Item(
        "approvals.approvalrequest",
        "approvals:detail",
        "tenant_apps.approvals.selectors.visible_approvals",
    ),
)

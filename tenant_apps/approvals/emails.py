"""What approval notifications say, and to whom: approvers when asked and when reminded, the
requester when someone decides.

They go through notifications.notification_send: an in-app notification, and an email as each
person chose (its task carries the tenant and sends once, however often it is retried), with
a single-purpose link to the approval, which a decision then records as how its decider had
signed in.
"""

from django.urls import reverse

from shared_apps.accounts.models import User
from tenant_apps.approvals.models import ApprovalDecision, ApprovalRequest, ApprovalStatus
from tenant_apps.approvals.selectors import approver_candidates
from tenant_apps.kit.access import Actor, can
from tenant_apps.notifications.actions import notification_send
from tenant_apps.people.models import TeamMember

ASKED, DECIDED = "approval.requested", "approval.decided"
REMINDER_TITLES = {  # by reminder step (reminders.reminder_step), without its number
    "due_soon": "Approval due {due}: {title}",
    "due_today": "Approval due today: {title}",
    "overdue": "Overdue approval (due {due}): {title}",
    "waiting": "Still waiting for your approval: {title}",
}


def waiting_approvers(approval: ApprovalRequest) -> list[User]:
    """Those asked who have not decided, while the approval is pending and they may still
    approve for its company."""
    if approval.status != ApprovalStatus.PENDING:
        return []
    return list(
        approver_candidates(approval.company)
        .filter(pk__in=approval.approver_links.values("user_id"))
        .exclude(pk__in=approval.decisions.values("decided_by_id"))
    )


def requester(approval: ApprovalRequest) -> list[User]:
    """Who asked, while they are on the team and still see the company."""
    member = (
        TeamMember.objects.filter(user_id=approval.requested_by_id, user__is_active=True)
        .select_related("user")
        .first()
    )
    if member is None or not can(Actor(member.user, member, None), "approval.manage", approval):
        return []
    return [member.user]


def _facts(approval: ApprovalRequest) -> str:
    lines = [approval.subject_label, f"SHA-256: {approval.sha256}"]
    if approval.due_date:
        lines.append(f"Due: {approval.due_date:%A %-d %B %Y}")
    if approval.message:
        lines.append(approval.message)
    return "\n".join(lines)


def _send(approval: ApprovalRequest, *, recipients, kind, title, body, actor=None) -> None:
    notification_send(
        recipients=recipients,
        kind=kind,
        target=approval,
        title=f"{title} (#{approval.pk})",
        url=reverse("approvals:detail", args=[approval.pk]),
        actor=actor,
        body=body,
    )


def notify_asked(approval: ApprovalRequest) -> None:
    _send(
        approval,
        recipients=waiting_approvers(approval),
        kind=ASKED,
        title=f"Please approve: {approval.title}",
        body=_facts(approval),
        actor=approval.requested_by,
    )


def notify_decided(approval: ApprovalRequest, decision: ApprovalDecision) -> None:
    said = decision.get_decision_display().lower()
    status = approval.get_status_display().lower()
    _send(
        approval,
        recipients=requester(approval),
        kind=DECIDED,
        title=f"{decision.decided_by}: {said}, {approval.title}",
        body="\n".join(filter(None, [decision.comment, f"The approval is now {status}."])),
        actor=decision.decided_by,
    )


def notify_reminder(approval: ApprovalRequest, step: str, recipient: User) -> None:
    name = step if step in REMINDER_TITLES else step.rsplit("_", 1)[0]
    due = f"{approval.due_date:%-d %B}" if approval.due_date else ""
    _send(
        approval,
        recipients=[recipient],
        kind=ASKED,
        title=REMINDER_TITLES[name].format(due=due, title=approval.title),
        body=_facts(approval),
    )

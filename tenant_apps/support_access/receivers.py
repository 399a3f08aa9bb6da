"""The agency's side of a support session's start and end (sent by operators.impersonation,
inside its transaction): entries in the agency's own activity log."""

from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.activity.actions import activity_record
from tenant_apps.support_access.audit import SupportAudit


def _record(session, action, changes, request):
    with tenant_context(session.agency):
        person = User.objects.filter(pk=session.target_user_id).first()
        activity_record(
            action=action,
            actor=person,
            target=person,
            changes={"operator": session.operator_label, "session": session.pk, **changes},
            request=request,
        )


def on_session_started(sender, *, session, request=None, **kwargs):
    changes = {"reason": session.reason, "until": session.ends_at.isoformat()}
    _record(session, SupportAudit.SUPPORT_SESSION_STARTED, changes, request)


def on_session_ended(sender, *, session, how, request=None, **kwargs):
    _record(session, SupportAudit.SUPPORT_SESSION_ENDED, {"how": how}, request)

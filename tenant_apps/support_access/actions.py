"""The owner's consent to platform support: grant for a while, revoke. Each write is in the
agency's activity log; revoking ends the support sessions under the grant at once."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from operators.impersonation import EndedHow, active_grants, impersonation_end, open_sessions
from operators.models import SupportGrant
from shared_apps.core.formatting import format_deadline
from tenant_apps.activity.actions import activity_record
from tenant_apps.support_access.audit import SupportAudit

SHORTEST = timedelta(hours=1)
LONGEST = timedelta(days=7)


def support_grant_create(*, ends_in: timedelta, note: str = "", actor, request=None):
    """Let platform support sign in as the agency's people for ``ends_in`` (1 hour to 7 days)."""
    if not SHORTEST <= ends_in <= LONGEST:
        raise ValidationError({"ends_in": "Choose between 1 hour and 7 days."})
    agency = connection.tenant
    with transaction.atomic():
        current = active_grants().select_for_update().filter(agency=agency).first()
        if current is not None:
            raise ValidationError(
                {
                    "ends_in": "Support access is already granted until "
                    f"{format_deadline(current.ends_at)}. Revoke it first to change it."
                }
            )
        now = timezone.now()
        grant = SupportGrant.objects.create(
            agency=agency,
            granted_by_id=actor.pk,
            granted_by_label=actor.email,
            note=note.strip(),
            starts_at=now,
            ends_at=now + ends_in,
        )
        activity_record(
            action=SupportAudit.SUPPORT_ACCESS_GRANTED,
            actor=actor,
            target=grant,
            changes={"until": grant.ends_at.isoformat(), "note": grant.note},
            request=request,
        )
        return grant


def support_grant_revoke(*, grant, actor, request=None) -> SupportGrant:
    """End ``grant`` now, and with it every support session under it."""
    with transaction.atomic():
        grant = active_grants().select_for_update().filter(pk=grant.pk).first()
        if grant is None:
            raise ValidationError({"grant": "This support access has already ended."})
        grant.revoked_at = timezone.now()
        grant.save(update_fields=["revoked_at"])
        activity_record(
            action=SupportAudit.SUPPORT_ACCESS_REVOKED, actor=actor, target=grant, request=request
        )
        for session in open_sessions().filter(grant=grant):
            impersonation_end(session=session, how=EndedHow.GRANT_REVOKED, request=request)
        return grant

"""Support sessions: an operator signs in as one of an agency's people, with the owner's consent.

The public core starts and ends sessions and writes the operator log; the agency's own log is
written by the agency side (tenant_apps.support_access), which listens to ``session_started``
and ``session_ended``, both sent inside the action's transaction, so either both logs say it
or neither does. The operator's browser reaches the agency's host with a single-use secret
(its SHA-256 in ``handoff_digest``) that works for HANDOFF_SECONDS.

Ending runs on the agency's host too, so it reads the session in the public schema
(``_public``): on an agency's search path ``accounts_user`` is the agency's own table, and a
join to the operator would find the wrong person (the handoff never joins it).
"""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from operators.log import operator_log_record
from operators.models import ImpersonationSession, SupportGrant
from shared_apps.accounts.models import User

SESSION_MINUTES = 60
HANDOFF_SECONDS = 60
NO_GRANT = (
    "This agency has not granted support access, or its grant has ended. Ask its owner to "
    "grant access from Settings → Support access."
)

# kwargs: session, request. Receivers write the agency's log, in the agency's schema.
session_started = Signal()
# kwargs: session, how (EndedHow), request.
session_ended = Signal()


class EndedHow:
    """Why a support session ended, as both logs record it."""

    OPERATOR = "ended_by_operator"
    SIGNED_OUT = "signed_out"
    EXPIRED = "expired"
    GRANT_REVOKED = "grant_revoked"
    GRANT_EXPIRED = "grant_expired"
    REPLACED = "replaced"
    PERSON_CHANGED = "person_changed"

    WORDS = {
        OPERATOR: "ended by the operator",
        SIGNED_OUT: "the operator signed out",
        EXPIRED: "its time ran out",
        GRANT_REVOKED: "the owner revoked support access",
        GRANT_EXPIRED: "support access expired",
        REPLACED: "the operator started another session",
        PERSON_CHANGED: "the person's sign-in changed (a new password, or deactivated)",
    }


class ImpersonationRefused(Exception):
    """Starting a session is refused; the message says why, in words for the operator."""


def _public():
    return schema_context(get_public_schema_name())


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def active_grants():
    now = timezone.now()
    return SupportGrant.objects.filter(revoked_at__isnull=True, starts_at__lte=now, ends_at__gt=now)


def active_grant(agency) -> SupportGrant | None:
    """The agency's grant in force now (the one lasting longest), if any."""
    return active_grants().filter(agency=agency).order_by("-ends_at").first()


def open_sessions():
    """Sessions not yet closed in the records (they may have run out meanwhile)."""
    return ImpersonationSession.objects.filter(ended_at__isnull=True)


def live_sessions():
    """Sessions in force now: open, within their time, under a grant still in force."""
    now = timezone.now()
    return open_sessions().filter(
        ends_at__gt=now,
        grant__revoked_at__isnull=True,
        grant__ends_at__gt=now,
    )


def agency_people(agency) -> list[User]:
    """The agency's active people, for the operator's chooser.

    The public core may not import the agency side, but ``User`` is the public core's model
    with a table in every schema: read inside the agency's schema, it lists exactly its
    people, with no registry to keep in step.
    """
    with tenant_context(agency):
        return list(User.objects.filter(is_active=True).order_by("full_name", "email"))


def session_end_reason(session: ImpersonationSession, now=None) -> str | None:
    """Why ``session`` (with its grant loaded) is over, or None while it is in force."""
    now = now or timezone.now()
    if session.ended_at is not None:
        return session.ended_how or EndedHow.OPERATOR
    if session.grant.revoked_at is not None:
        return EndedHow.GRANT_REVOKED
    if session.grant.ends_at <= now:
        return EndedHow.GRANT_EXPIRED
    if session.ends_at <= now:
        return EndedHow.EXPIRED
    return None


def impersonation_start(*, operator, agency, person_id, reason, request=None):
    """Open a session as ``person_id`` (in ``agency``'s schema) under its grant in force.

    Returns the session and the handoff secret (shown once, in the redirect to the agency's
    host). Refuses without a grant; an earlier open session of this operator at this agency
    is ended first, so one browser acts for one person at a time.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why you need to sign in as this person."})
    with transaction.atomic():
        grant = active_grants().select_for_update().filter(agency=agency).order_by("-ends_at")
        grant = grant.first()
        if grant is None:
            raise ImpersonationRefused(NO_GRANT)
        with tenant_context(agency):
            person = User.objects.filter(pk=person_id, is_active=True).first()
        if person is None:
            raise ValidationError({"person": "Choose one of the agency's people."})
        for earlier in open_sessions().filter(operator=operator, agency=agency):
            impersonation_end(session=earlier, how=EndedHow.REPLACED, request=request)
        secret = secrets.token_urlsafe(32)
        now = timezone.now()
        session = ImpersonationSession.objects.create(
            operator=operator,
            agency=agency,
            grant=grant,
            operator_label=operator.email,
            target_user_id=person.pk,
            target_label=person.email,
            reason=reason,
            started_at=now,
            ends_at=min(now + timedelta(minutes=SESSION_MINUTES), grant.ends_at),
            handoff_digest=digest(secret),
        )
        operator_log_record(
            operator=operator,
            action="impersonation.started",
            agency=agency,
            reason=reason,
            changes={
                "session": session.pk,
                "as": person.email,
                "until": session.ends_at.isoformat(),
            },
            request=request,
        )
        session_started.send(ImpersonationSession, session=session, request=request)
        return session, secret


def handoff_spend(*, agency, secret) -> ImpersonationSession | None:
    """The session ``secret`` opens at ``agency``, spent at once; None when it is unknown,
    used, older than HANDOFF_SECONDS, or its session is over."""
    now = timezone.now()
    with transaction.atomic():
        session = (
            ImpersonationSession.objects.select_for_update(of=("self",))
            .select_related("grant")
            .filter(
                agency=agency,
                handoff_digest=digest(secret),
                started_at__gt=now - timedelta(seconds=HANDOFF_SECONDS),
            )
            .first()
        )
        if session is None:
            return None
        session.handoff_digest = ""  # single use, whatever happens next
        session.save(update_fields=["handoff_digest"])
        return session if session_end_reason(session, now) is None else None


def impersonation_end(*, session, how, request=None) -> bool:
    """Close ``session`` in the records (both logs), once; False when it already was.

    A session that ran out is closed at the time it ran out, not when someone noticed.
    """
    with transaction.atomic():
        with _public():
            locked = (
                ImpersonationSession.objects.select_for_update(of=("self",))
                .select_related("grant", "operator", "agency")
                .get(pk=session.pk)
            )
            if locked.ended_at is not None:
                return False
            now = timezone.now()
            ran_out = {
                EndedHow.EXPIRED: locked.ends_at,
                EndedHow.GRANT_EXPIRED: locked.grant.ends_at,
            }
            locked.ended_at = min(ran_out.get(how, now), now)
            locked.ended_how = how
            locked.handoff_digest = ""
            locked.save(update_fields=["ended_at", "ended_how", "handoff_digest"])
            operator_log_record(
                operator=locked.operator,
                action="impersonation.ended",
                agency=locked.agency,
                reason=EndedHow.WORDS[how],
                changes={"session": locked.pk, "as": locked.target_label, "how": how},
                request=request,
            )
        session_ended.send(ImpersonationSession, session=locked, how=how, request=request)
        session.ended_at, session.ended_how = locked.ended_at, how
        return True

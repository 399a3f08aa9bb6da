"""Every write to the team and client directory, each logged in the same transaction."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from billing.actions import subscription_owner_emails_set
from billing.limits import client_company_check, seat_check
from shared_apps.accounts.models import User
from shared_apps.core.tasks import enqueue_on_commit
from tenant_apps.activity.actions import activity_record
from tenant_apps.kit.roles import TeamRole
from tenant_apps.people.audit import PeopleAudit
from tenant_apps.people.models import (
    ClientCompany,
    ClientMember,
    Invitation,
    TeamMember,
    secret_digest,
)
from tenant_apps.people.selectors import client_companies_used, owner_emails, seats_used
from tenant_apps.security.actions import credentials_revoke
from tenant_apps.security.audit import SecurityAudit

INVITATION_LIFETIME = timedelta(days=7)


def _user_create(*, email, full_name, password_hash) -> User:
    # No password (magic-link only) stores an unusable one, never an empty one.
    return User.objects.create(
        email=email.lower(), full_name=full_name, password=password_hash or make_password(None)
    )


def billing_owners_store() -> None:
    """Give billing (public schema) the owners' addresses it writes to; call it in the
    transaction of every change to who the owners are or their addresses."""
    subscription_owner_emails_set(agency=connection.tenant, emails=owner_emails)


def team_owner_create(*, user, request=None) -> TeamMember:
    """Make ``user``, whom signup has just created, the agency's first owner."""
    with transaction.atomic():
        member = TeamMember.objects.create(user=user, role=TeamRole.OWNER)
        billing_owners_store()
        activity_record(
            action=PeopleAudit.TEAM_OWNER_CREATED,
            actor=user,
            target=user,
            request=request,
            changes={"role": [None, TeamRole.OWNER]},
        )
        return member


def user_deactivate(*, user, actor, request=None) -> None:
    """Stop ``user`` signing in, and end their sessions and tokens now."""
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        credentials_revoke(user)
        billing_owners_store()  # an owner no longer gets billing's emails
        activity_record(
            action=SecurityAudit.AUTH_USER_DEACTIVATED, actor=actor, target=user, request=request
        )


def team_member_create(
    *, email, full_name, role, password_hash, actor, sees_all_clients=True, request=None
) -> TeamMember:
    with transaction.atomic():
        # billing: the plan's team seats (an accepted invitation's seat was held already)
        seat_check(used=lambda: seats_used(with_invitations=False))
        user = _user_create(email=email, full_name=full_name, password_hash=password_hash)
        member = TeamMember.objects.create(user=user, role=role, sees_all_clients=sees_all_clients)
        if role == TeamRole.OWNER:
            billing_owners_store()
        activity_record(
            action=PeopleAudit.TEAM_MEMBER_ADDED,
            actor=actor,
            target=user,
            request=request,
            changes={"role": [None, role]},
        )
        return member


def team_role_change(*, member: TeamMember, role, actor, request=None) -> TeamMember:
    with transaction.atomic():
        before = member.role
        member.role = role
        member.save(update_fields=["role"])
        if TeamRole.OWNER in (before, role):
            billing_owners_store()
        activity_record(
            action=PeopleAudit.TEAM_ROLE_CHANGED,
            actor=actor,
            target=member.user,
            request=request,
            changes={"role": [before, role]},
        )
        return member


def staff_assignments_set(*, member: TeamMember, companies, sees_all_clients, actor, request=None):
    """Limit a staff member to ``companies`` (or lift the limit)."""
    with transaction.atomic():
        before = sorted(member.assigned_companies.values_list("name", flat=True))
        member.sees_all_clients = sees_all_clients
        member.save(update_fields=["sees_all_clients"])
        member.assigned_companies.set(companies)
        activity_record(
            action=PeopleAudit.TEAM_ASSIGNMENTS_CHANGED,
            actor=actor,
            target=member.user,
            request=request,
            changes={
                "companies": [before, sorted(c.name for c in companies)],
                "sees_all_clients": sees_all_clients,
            },
        )


def client_company_create(*, name, actor, request=None) -> ClientCompany:
    with transaction.atomic():
        client_company_check(used=client_companies_used)  # billing: the plan's limit
        company = ClientCompany.objects.create(name=name)
        activity_record(
            action=PeopleAudit.CLIENT_COMPANY_CREATED, actor=actor, target=company, request=request
        )
        return company


def client_member_create(
    *, email, full_name, company, role, password_hash, actor, request=None
) -> ClientMember:
    with transaction.atomic():
        user = _user_create(email=email, full_name=full_name, password_hash=password_hash)
        member = ClientMember.objects.create(user=user, company=company, role=role)
        activity_record(
            action=PeopleAudit.CLIENT_PERSON_ADDED,
            actor=actor,
            target=user,
            request=request,
            changes={"company": company.name, "role": [None, role]},
        )
        return member


def client_role_change(*, member: ClientMember, role, actor, request=None) -> ClientMember:
    with transaction.atomic():
        before = member.role
        member.role = role
        member.save(update_fields=["role"])
        activity_record(
            action=PeopleAudit.CLIENT_ROLE_CHANGED,
            actor=actor,
            target=member.user,
            request=request,
            changes={"company": member.company.name, "role": [before, role]},
        )
        return member


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    # Exists only here and in the emailed link; the table holds its digest.
    secret: str


class InvitationRefused(Exception):
    """An invitation that cannot be accepted or revoked; ``reason`` says why."""

    MESSAGES = {
        "unknown": "This invitation link is not valid here.",
        "accepted": "This invitation has already been accepted.",
        "revoked": "This invitation was revoked.",
        "expired": "This invitation has expired.",
        "account_exists": "Someone with this email already has an account here.",
    }

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)

    @property
    def message(self) -> str:
        return self.MESSAGES[self.reason]


def invitation_create(
    *, email, full_name="", team_role="", company=None, client_role="", actor, request=None
) -> NewInvitation:
    """Invite ``email`` to the team (``team_role``) or to ``company`` (``client_role``).

    The email goes out from a task once the invitation is committed.
    """
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        if team_role:  # billing: a pending team invitation holds a seat
            seat_check(used=seats_used)
        invitation = Invitation.objects.create(
            email=email.lower(),
            full_name=full_name,
            team_role=team_role,
            company=company,
            client_role=client_role,
            invited_by=actor,
            secret_digest=secret_digest(secret),
            expires_at=timezone.now() + INVITATION_LIFETIME,
        )
        activity_record(
            action=PeopleAudit.INVITATION_CREATED,
            actor=actor,
            target=invitation,
            request=request,
            changes={"email": invitation.email, "role": invitation.role_label},
        )
        _send_after_commit(invitation.pk, secret)
    return NewInvitation(invitation=invitation, secret=secret)


def _send_after_commit(invitation_id: int, secret: str) -> None:
    enqueue_on_commit("tenant_apps.people.tasks.invitation_email_send", invitation_id, secret)


def _locked_pending(invitation_query) -> Invitation:
    """The invitation, row-locked, if it can still be used; else InvitationRefused."""
    invitation = invitation_query.select_for_update(of=("self",)).first()
    if invitation is None:
        raise InvitationRefused("unknown")
    if invitation.status != "pending":
        raise InvitationRefused(invitation.status)
    return invitation


def invitation_revoke(*, invitation: Invitation, actor, request=None) -> Invitation:
    with transaction.atomic():
        invitation = _locked_pending(
            Invitation.objects.select_related("company").filter(pk=invitation.pk)
        )
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        activity_record(
            action=PeopleAudit.INVITATION_REVOKED,
            actor=actor,
            target=invitation,
            request=request,
            changes={"email": invitation.email, "role": invitation.role_label},
        )
        return invitation


def invitation_accept(*, secret, full_name, password_hash, request=None) -> User:
    """Turn the invitation into an account, once. ``password_hash`` None means magic-link only.

    The password is hashed by the caller, before the row lock is taken.
    """
    with transaction.atomic():
        invitation = _locked_pending(
            Invitation.objects.select_related("company", "invited_by").filter(
                secret_digest=secret_digest(secret)
            )
        )
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise InvitationRefused("account_exists")
        account = {
            "email": invitation.email,
            "full_name": full_name,
            "password_hash": password_hash,
            # Whoever invited them is who gave them access.
            "actor": invitation.invited_by,
            "request": request,
        }
        try:
            if invitation.is_for_team:
                member = team_member_create(role=invitation.team_role, **account)
            else:
                member = client_member_create(
                    company=invitation.company, role=invitation.client_role, **account
                )
        except IntegrityError:  # the same email signed up through another invitation meanwhile
            raise InvitationRefused("account_exists") from None
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        activity_record(
            action=PeopleAudit.INVITATION_ACCEPTED,
            actor=member.user,
            target=invitation,
            request=request,
            changes={"role": invitation.role_label},
        )
        return member.user

"""Every write to the team and client directory, each logged in the same transaction."""

from django.contrib.auth.hashers import make_password
from django.db import transaction

from shared_apps.accounts.models import User
from tenant_apps.activity.actions import activity_record
from tenant_apps.people.models import ClientCompany, ClientMember, TeamMember, TeamRole


def _user_create(*, email, full_name, password_hash) -> User:
    # No password (magic-link only) stores an unusable one, never an empty one.
    return User.objects.create(
        email=email.lower(), full_name=full_name, password=password_hash or make_password(None)
    )


def team_owner_create(*, email, full_name, password_hash, request=None) -> User:
    """Create the agency's first owner. ``password_hash`` is pre-computed by the caller."""
    with transaction.atomic():
        user = _user_create(email=email, full_name=full_name, password_hash=password_hash)
        TeamMember.objects.create(user=user, role=TeamRole.OWNER)
        activity_record(
            action="team.owner_created",
            actor=user,
            target=user,
            request=request,
            changes={"role": [None, TeamRole.OWNER]},
        )
        return user


def team_member_create(
    *, email, full_name, role, password_hash, actor, sees_all_clients=True, request=None
) -> TeamMember:
    with transaction.atomic():
        user = _user_create(email=email, full_name=full_name, password_hash=password_hash)
        member = TeamMember.objects.create(user=user, role=role, sees_all_clients=sees_all_clients)
        activity_record(
            action="team.member_added",
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
        activity_record(
            action="team.role_changed",
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
            action="team.assignments_changed",
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
        company = ClientCompany.objects.create(name=name)
        activity_record(
            action="client.company_created", actor=actor, target=company, request=request
        )
        return company


def client_member_create(
    *, email, full_name, company, role, password_hash, actor, request=None
) -> ClientMember:
    with transaction.atomic():
        user = _user_create(email=email, full_name=full_name, password_hash=password_hash)
        member = ClientMember.objects.create(user=user, company=company, role=role)
        activity_record(
            action="client.person_added",
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
            action="client.role_changed",
            actor=actor,
            target=member.user,
            request=request,
            changes={"company": member.company.name, "role": [before, role]},
        )
        return member

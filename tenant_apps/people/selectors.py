"""Read queries for the people pages and API, each a fixed number of queries for any row count."""

from django.db.models import Count, QuerySet

from tenant_apps.kit.access import OWNER_OR_ADMIN, Actor, can
from tenant_apps.kit.roles import ClientRole, TeamRole
from tenant_apps.kit.samples import Sample, sample
from tenant_apps.people.models import (
    ClientCompany,
    ClientMember,
    Invitation,
    TeamMember,
    secret_digest,
)


def team_members() -> QuerySet[TeamMember]:
    return TeamMember.objects.select_related("user").prefetch_related("assigned_companies")


def companies_with_people_count(companies: QuerySet[ClientCompany]) -> QuerySet[ClientCompany]:
    # Explicit order: Meta.ordering is dropped from queries that GROUP BY.
    return companies.annotate(people_count=Count("members")).order_by("name", "pk")


def company_people(company: ClientCompany) -> QuerySet[ClientMember]:
    return company.members.select_related("user")


def company_people_sample(company: ClientCompany, *, limit: int) -> Sample:
    """The first of ``company``'s people by name, and how many it has (one query)."""
    return sample(company_people(company).order_by("user__full_name", "pk"), limit)


def invitations_listed(invitations: QuerySet[Invitation]) -> QuerySet[Invitation]:
    # What role_label and the "invited by" column read.
    return invitations.select_related("company", "invited_by")


def invitation_for_secret(secret: str) -> Invitation | None:
    return invitations_listed(
        Invitation.objects.filter(secret_digest=secret_digest(secret))
    ).first()


def visible_companies(actor: Actor) -> QuerySet[ClientCompany]:
    ids = actor.visible_company_ids
    companies = ClientCompany.objects.filter(is_archived=False)
    return companies if ids is None else companies.filter(pk__in=ids)


def company_pages_visible(actor: Actor) -> QuerySet[ClientCompany]:
    """The companies whose team page ``actor`` may open (the activity log links to them)."""
    if not can(actor, "clients.view"):
        return ClientCompany.objects.none()
    return visible_companies(actor)


def visible_invitations(actor: Actor) -> QuerySet[Invitation]:
    """Owners and admins see every invitation; a client admin those to their own company."""
    invitations = Invitation.objects.all()
    if actor.has_team_role(*OWNER_OR_ADMIN):
        return invitations
    if actor.has_client_role(ClientRole.ADMIN):
        return invitations.filter(company_id=actor.client.company_id)
    return invitations.none()


def owner_emails() -> list[str]:
    """The active owners' addresses, longest-serving first: whom billing writes to."""
    owners = TeamMember.objects.filter(role=TeamRole.OWNER, user__is_active=True)
    return list(owners.order_by("joined_at", "pk").values_list("user__email", flat=True))


def seats_used(*, with_invitations: bool = True) -> int:
    """Team members, plus pending team invitations: each holds a seat until it lapses."""
    used = TeamMember.objects.count()
    if with_invitations:
        used += Invitation.objects.pending().filter(company__isnull=True).count()
    return used


def client_companies_used() -> int:
    return ClientCompany.objects.filter(is_archived=False).count()

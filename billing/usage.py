"""What an agency uses of its plan's limits, counted in its own schema.

Billing is a shared app but its limits are about the agency's people, clients and files, so
these counts read tenant tables; call them inside the agency's tenant context.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Sum

from tenant_apps.files.models import StoredFile
from tenant_apps.people.models import ClientCompany, Invitation, TeamMember
from tenants.models import Domain


def seats_used(*, with_invitations: bool = True) -> int:
    """Team members, plus pending team invitations: each holds a seat until it lapses."""
    used = TeamMember.objects.count()
    if with_invitations:
        used += Invitation.objects.pending().filter(company__isnull=True).count()
    return used


def client_companies_used() -> int:
    return ClientCompany.objects.filter(is_archived=False).count()


def storage_used() -> int:
    """Bytes of every stored file of the agency, in any feature."""
    return StoredFile.objects.aggregate(total=Sum("size"))["total"] or 0


def custom_domains_used(agency) -> int:
    """Verified custom domains: the agency's routing names outside the platform's domain."""
    return (
        Domain.objects.filter(tenant_id=agency.pk)
        .exclude(domain__endswith=f".{settings.PLATFORM_DOMAIN}")
        .count()
    )


@dataclass(frozen=True)
class Usage:
    seats: int
    client_companies: int
    storage_bytes: int
    custom_domains: int


def usage_of(agency) -> Usage:
    return Usage(
        seats=seats_used(),
        client_companies=client_companies_used(),
        storage_bytes=storage_used(),
        custom_domains=custom_domains_used(agency),
    )

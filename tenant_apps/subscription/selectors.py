from dataclasses import dataclass

from billing.usage import custom_domains_used
from tenant_apps.files.selectors import storage_used
from tenant_apps.people.selectors import client_companies_used, seats_used


@dataclass(frozen=True)
class Usage:
    seats: int
    client_companies: int
    storage_bytes: int
    custom_domains: int


def usage_of(agency) -> Usage:
    """What the agency uses of its plan's limits; call it in the agency's schema."""
    return Usage(
        seats=seats_used(),
        client_companies=client_companies_used(),
        storage_bytes=storage_used(),
        custom_domains=custom_domains_used(agency),
    )

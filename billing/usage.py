"""What an agency uses of its plan that billing can count itself: its custom domains, in the
public schema. Seats, client companies and storage are counted by the agency's own apps
(tenant_apps.people.selectors, tenant_apps.files.selectors), which give the limits their
counts."""

from django.conf import settings

from tenants.models import Domain


def custom_domains_used(agency) -> int:
    """Verified custom domains: the agency's routing names outside the platform's domain."""
    return (
        Domain.objects.filter(tenant_id=agency.pk)
        .exclude(domain__endswith=f".{settings.PLATFORM_DOMAIN}")
        .count()
    )

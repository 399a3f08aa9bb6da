"""Per-process host → agency cache, so a warm request runs no routing query.

Entries live ``TENANT_HOST_CACHE_SECONDS``; any Agency, Domain or CustomDomain change made
in this process clears them at once (other processes catch up within the TTL). Unknown
hosts are never cached, so a new domain routes immediately. Entries hold plain field values
and each hit builds a fresh Agency, so requests never share a mutable model instance.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, Subquery

from tenants.models import Agency, Domain

_AGENCY_FIELDS = [field.attname for field in Agency._meta.concrete_fields]
_entries: dict[str, tuple[float, tuple]] = {}


@dataclass(frozen=True)
class Route:
    agency: Agency
    # Where to send the request: the agency's primary host when that is one of its own
    # domains and the request came in on another of its hosts. While the platform subdomain
    # is primary, every verified domain serves the portal as it is.
    redirect_to: str | None


def route_for_host(hostname: str) -> Route | None:
    now = time.monotonic()
    entry = _entries.get(hostname)
    if entry is None or entry[0] <= now:
        values = _lookup(hostname)
        if values is None:
            _entries.pop(hostname, None)
            return None
        entry = (now + settings.TENANT_HOST_CACHE_SECONDS, values)
        _entries[hostname] = entry
    *agency_values, primary = entry[1]
    agency = Agency.from_db(None, _AGENCY_FIELDS, agency_values)
    custom_primary = primary and not primary.endswith("." + settings.PLATFORM_DOMAIN)
    return Route(agency, primary if custom_primary and primary != hostname else None)


def _lookup(hostname: str) -> tuple | None:
    connection.set_schema_to_public()
    primary = Domain.objects.filter(tenant=OuterRef("tenant"), is_primary=True).values("domain")
    return (
        Domain.objects.filter(domain=hostname, tenant__is_active=True, tenant__is_spare=False)
        .annotate(primary_host=Subquery(primary[:1]))
        .values_list(*(f"tenant__{name}" for name in _AGENCY_FIELDS), "primary_host")
        .first()
    )


def clear() -> None:
    _entries.clear()

"""Per-process host → agency cache, so a warm request runs no routing query.

Entries live ``TENANT_HOST_CACHE_SECONDS``; any Agency or Domain change made in
this process clears them at once (other processes catch up within the TTL).
Unknown hosts are never cached, so a new domain routes immediately. Entries
hold plain field values and each hit builds a fresh Agency, so requests never
share a mutable model instance.
"""

import time

from django.conf import settings
from django.db import connection

from tenants.models import Agency, Domain

_AGENCY_FIELDS = [field.attname for field in Agency._meta.concrete_fields]
_entries: dict[str, tuple[float, tuple]] = {}


def agency_for_host(hostname: str) -> Agency | None:
    now = time.monotonic()
    entry = _entries.get(hostname)
    if entry is None or entry[0] <= now:
        values = _lookup(hostname)
        if values is None:
            _entries.pop(hostname, None)
            return None
        entry = (now + settings.TENANT_HOST_CACHE_SECONDS, values)
        _entries[hostname] = entry
    return Agency.from_db(None, _AGENCY_FIELDS, entry[1])


def _lookup(hostname: str) -> tuple | None:
    connection.set_schema_to_public()
    return (
        Domain.objects.filter(domain=hostname, tenant__is_active=True, tenant__is_spare=False)
        .values_list(*(f"tenant__{name}" for name in _AGENCY_FIELDS))
        .first()
    )


def clear() -> None:
    _entries.clear()

"""The codes custom domains writes to the activity log, with their words."""

from enum import nonmember

from tenant_apps.activity.events import AuditEvent, Field


class DomainAudit(AuditEvent):
    DOMAIN_ADDED = "domain.added", "Domain added", "{actor} added the domain {object}"
    DOMAIN_VERIFIED = "domain.verified", "Domain verified", "The domain {object} was verified"
    DOMAIN_MADE_PRIMARY = (
        "domain.made_primary",
        "Primary domain",
        "{actor} made {object} the primary domain",
        "{actor} made {primary} the primary domain",
        "{actor} changed the primary domain",
    )
    DOMAIN_REMOVED = "domain.removed", "Domain removed", "{actor} removed the domain {object}"

    fields = nonmember({"domain": Field("Domain"), "primary": Field("Primary domain")})

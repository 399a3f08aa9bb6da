"""The codes custom domains writes to the activity log, with their words."""

from tenant_apps.activity.events import AuditEvent


class DomainAudit(AuditEvent):
    DOMAIN_ADDED = "domain.added", "Domain added", "Added the domain {object}"
    DOMAIN_VERIFIED = "domain.verified", "Domain verified", "Verified the domain {object}"
    DOMAIN_MADE_PRIMARY = (
        "domain.made_primary",
        "Primary domain",
        "Made {object} the primary domain",
    )
    DOMAIN_REMOVED = "domain.removed", "Domain removed", "Removed the domain {object}"

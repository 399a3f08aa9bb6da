"""What each operator role may do in the console. One table, read by pages and API alike."""

from django.db import models


class Role(models.TextChoices):
    SUPPORT = "support", "Support"
    BILLING = "billing", "Billing"
    ADMIN = "admin", "Admin"


class Capability(models.TextChoices):
    VIEW = "view", "See agencies, usage and health"
    IMPERSONATE = "impersonate", "Sign in as an agency's person, with the agency's consent"
    BILLING = "billing", "Change plans, trials, credits and limits"
    SUSPEND = "suspend", "Suspend and restore agencies"
    DELETE = "delete", "Schedule and cancel agency deletion"
    ANNOUNCE = "announce", "Publish announcements"
    OPERATORS = "operators", "Add and remove operators"


GRANTS: dict[str, frozenset[str]] = {
    Role.SUPPORT: frozenset({Capability.VIEW, Capability.IMPERSONATE}),
    Role.BILLING: frozenset({Capability.VIEW, Capability.BILLING}),
    Role.ADMIN: frozenset(Capability.values),
}


def role_may(role: str, capability: str) -> bool:
    return capability in GRANTS.get(role, frozenset())

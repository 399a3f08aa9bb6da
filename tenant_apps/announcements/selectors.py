"""The platform's announcements as one person of this agency sees them."""

from django.db import connection

from billing.selectors import billing_state
from operators.announcements import Notice, announcements_for
from tenant_apps.kit.access import Actor


def audience_of(actor: Actor) -> str | None:
    """The announcement audience a person belongs to: their team role, or "client"."""
    if actor.team is not None:
        return actor.team.role
    return "client" if actor.client is not None else None


def announcements_seen_by(actor: Actor, *, billing=None) -> list[Notice]:
    audience = audience_of(actor)
    if audience is None:
        return []
    state = billing if billing is not None else billing_state(connection.tenant)
    return announcements_for(
        agency=connection.tenant, plan=state.plan.key, audience=audience, user_id=actor.user.pk
    )

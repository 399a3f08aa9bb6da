"""Plan limits, checked by the actions that create what they limit.

Each check raises ``PlanLimitReached``, whose message names the limit and offers the upgrade.
Billing never reads the agency's tables: each check is given ``used``, a function that counts
what the plan limits, called only when the plan has a limit. Call the seat and company checks
inside the creating action's transaction: they count under a per-agency lock held until it
ends, so two people cannot both take the last seat.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, reverse

from billing.selectors import BillingState, billing_state


class PlanLimitReached(ValidationError, PermissionDenied):
    """Both kinds, on purpose: callers that show refusals as field errors (uploads, forms,
    API views with an ``unkeyed_field``) catch it as a ValidationError; elsewhere it is a
    PermissionDenied, so pages answer 403 with the message (tenant_apps.subscription.middleware)
    and the API a 403 with it (shared_apps.core.api_errors)."""

    def __init__(self, message: str, *, limit: str):
        super().__init__(message, code="plan_limit")
        self.limit = limit
        # DRF rebuilds a PermissionDenied from these args: (detail, code).
        self.args = (message, "plan_limit")


def _upgrade_offer(state: BillingState, limit_text: str, goal: str = "to add more") -> str:
    bigger = state.upgrade_plans
    if not bigger:
        return f"That is the most any plan includes; contact us to raise the {limit_text}."
    try:
        where = f" ({reverse('billing:overview')})"
    except NoReverseMatch:  # on the platform host
        where = ""
    names = " or ".join(plan.name for plan in bigger)
    return f"Upgrade to {names} on the Billing page{where} {goal}."


def _refuse(state: BillingState, limit: str, what: str, limit_text: str, goal="to add more"):
    offer = _upgrade_offer(state, limit_text, goal)
    raise PlanLimitReached(f"Your {state.plan_label} includes {what}. {offer}", limit=limit)


def _one_more(limit: str, used: Callable[[], int], includes: str, limit_text: str) -> None:
    """Refuse unless one more of ``limit`` (a count in the plan) fits; ``used()`` counts.

    Counted under a lock held until the caller's transaction ends, so concurrent creators
    count one after another and never both take the last one."""
    state = billing_state(connection.tenant)
    allowed = getattr(state.plan, limit)
    if allowed is None:
        return
    assert transaction.get_connection().in_atomic_block, "check inside the action's transaction"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))",
            [f"{connection.schema_name}:billing:{limit}"],
        )
    if used() + 1 > allowed:
        _refuse(state, limit, includes.format(allowed=allowed), limit_text)


def seat_check(*, used: Callable[[], int]) -> None:
    """Before a team invitation or a new team member: is a seat free? ``used()`` counts the
    seats taken: team members, and pending team invitations, which hold seats (so accepting
    one counts members only)."""
    _one_more(
        "seats",
        used,
        "{allowed} team seats, all taken by team members and pending invitations",
        "team seats",
    )


def client_company_check(*, used: Callable[[], int]) -> None:
    """Before a new client company; ``used()`` counts those not archived."""
    _one_more("client_companies", used, "{allowed} client companies", "client companies")


def storage_check(*, name: str, size: int | None, used: Callable[[], int]) -> None:
    """Before storing ``size`` more bytes (the file named ``name``); ``used()`` counts the
    bytes the agency stores."""
    state = billing_state(connection.tenant)
    allowed = state.plan.storage_bytes
    if allowed is None:
        return
    in_use = used()
    if in_use + (size or 0) > allowed:
        raise PlanLimitReached(
            f"{name}: storing it would take the workspace past the "
            f"{state.plan.storage_gb} GB of storage your {state.plan_label} includes "
            f"({filesizeformat(in_use)} in use). {_upgrade_offer(state, 'storage', 'for more')}",
            limit="storage",
        )


def custom_domain_check(agency) -> None:
    """Before adding a custom domain for ``agency``: does its plan include them?"""
    state = billing_state(agency)
    if not state.plan.custom_domain:
        _refuse(state, "custom_domain", "no custom domains", "custom domains", "to use one")

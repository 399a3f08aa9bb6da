"""The plans an agency can be on, read from settings.BILLING_PLANS (cheapest first)."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

GB = 1024**3


# What subscriptions are priced and credited in.
PLAN_CURRENCY = "USD"


@dataclass(frozen=True)
class Plan:
    key: str
    name: str
    monthly_price: str  # in dollars, for display; Stripe's price is what is charged
    price_id: str
    seats: int | None  # team members and pending team invitations; None: no limit
    client_companies: int | None  # companies not archived
    storage_gb: int | None
    custom_domain: bool
    # Percent of each client payment (tenant_apps.payments) the platform keeps: 0 on the top.
    application_fee_percent: str = "0"

    @property
    def application_fee(self) -> Decimal:
        return Decimal(self.application_fee_percent)

    @property
    def storage_bytes(self) -> int | None:
        return None if self.storage_gb is None else self.storage_gb * GB


def billing_enabled() -> bool:
    """Billing is on only with a Stripe key; without one every agency is on the top plan."""
    return bool(settings.STRIPE_SECRET_KEY)


def all_plans() -> list[Plan]:
    return [Plan(**plan) for plan in settings.BILLING_PLANS]


def plan_named(key: str) -> Plan | None:
    return next((plan for plan in all_plans() if plan.key == key), None)


def plan_for_price(price_id: str) -> Plan | None:
    return next((plan for plan in all_plans() if price_id and plan.price_id == price_id), None)


def top_plan() -> Plan:
    return all_plans()[-1]


def trial_plan() -> Plan:
    return plan_named(settings.BILLING_TRIAL_PLAN)

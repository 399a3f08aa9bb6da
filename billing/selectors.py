"""An agency's billing state: its plan and what it may do, computed from its subscription row.

The row is cached per agency (the cache key function prefixes the schema), so a warm request
reads it without a query; every write forgets the cache. Time alone ends a trial: the state
is computed against the clock on each read, so no task has to flip it.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Case,
    DateTimeField,
    DecimalField,
    ExpressionWrapper,
    F,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django_tenants.utils import tenant_context

from billing.models import LIMIT_KEYS, AccountCredit, Status, Subscription
from billing.plans import Plan, all_plans, billing_enabled, plan_named, top_plan, trial_plan
from shared_apps.core.caching import cache_forget

CACHE_KEY = "billing:v2"
CACHE_SECONDS = 300
PAID_STATUSES = {Status.ACTIVE, Status.TRIALING}
# Never paid yet: the trial runs on, even while a first payment fails. Once a subscription
# has been paid for, its ending (cancelled, unpaid, paused) ends access at once.
TRIAL_STATUSES = {Status.TRIAL, Status.INCOMPLETE, Status.INCOMPLETE_EXPIRED}
# Statuses of a subscription that still exists in Stripe: the Customer Portal manages it
# (card, open invoices, resuming, plan changes), so no second Checkout is offered.
PORTAL_STATUSES = PAID_STATUSES | {Status.PAST_DUE, Status.UNPAID, Status.PAUSED}
# Why a workspace is read-only, and what lifts it.
READ_ONLY_REASONS = {
    Status.CANCELED: ("The subscription was cancelled.", "subscribes on the Billing page"),
    Status.UNPAID: (
        "The subscription is unpaid.",
        "pays the open invoice in the Customer Portal, from the Billing page",
    ),
    Status.PAUSED: (
        "The subscription is paused.",
        "resumes it in the Customer Portal, from the Billing page",
    ),
}


class Access:
    FULL = "full"  # subscribed, or billing is off
    TRIAL = "trial"  # the card-less trial is running
    GRACE = "grace"  # a payment failed; everything works while Stripe retries
    READ_ONLY = "read_only"  # trial over, cancelled or unpaid: look and download only


@dataclass(frozen=True)
class BillingState:
    enabled: bool
    plan: Plan
    status: str
    access: str
    trial_ends_at: datetime | None = None
    current_period_end: datetime | None = None
    cancel_at_period_end: bool = False
    has_customer: bool = False
    # What a platform operator set, whatever Stripe says (billing.models.Subscription).
    plan_set_by_platform: bool = False
    limits_set_by_platform: tuple[str, ...] = field(default=())
    platform_set_at: datetime | None = None

    @property
    def set_by_platform(self) -> bool:
        return self.plan_set_by_platform or bool(self.limits_set_by_platform)

    @property
    def read_only(self) -> bool:
        return self.access == Access.READ_ONLY

    @property
    def in_grace(self) -> bool:
        return self.access == Access.GRACE

    @property
    def in_trial(self) -> bool:
        return self.access == Access.TRIAL

    @property
    def subscribed(self) -> bool:
        """A Stripe subscription exists, even unpaid or paused: changes and payments go
        through the Customer Portal, never a second Checkout."""
        return self.status in PORTAL_STATUSES

    @property
    def next_invoice_at(self) -> datetime | None:
        """When Stripe bills next: the period's end, unless the subscription ends there."""
        renewing = self.status in PAID_STATUSES or self.status == Status.PAST_DUE
        return self.current_period_end if renewing and not self.cancel_at_period_end else None

    @property
    def trial_days_left(self) -> int:
        return days_until(self.trial_ends_at) if self.trial_ends_at else 0

    @property
    def status_label(self) -> str:
        return Status(self.status).label if self.status in Status.values else self.status

    @property
    def plan_label(self) -> str:
        """How limit messages name what the agency is on."""
        return "trial" if self.in_trial else f"{self.plan.name} plan"

    @property
    def read_only_message(self) -> str:
        reason, remedy = READ_ONLY_REASONS.get(
            self.status, (None, "subscribes on the Billing page")
        )
        if reason is None:
            ended = date_format(timezone.localtime(self.trial_ends_at), "j F Y")
            reason = f"The free trial ended on {ended}."
        return (
            f"{reason} The workspace is read-only: everything can still be seen and "
            f"downloaded, but nothing new can be added until the workspace owner {remedy}. "
            "Nothing has been deleted."
        )

    @property
    def upgrade_plans(self) -> list[Plan]:
        plans = all_plans()
        keys = [plan.key for plan in plans]
        return plans[keys.index(self.plan.key) + 1 :] if self.plan.key in keys else plans


def days_until(moment: datetime) -> int:
    """Whole days left until ``moment``, a part-day counting as one; 0 once it has passed."""
    return max(0, -(-(moment - timezone.now()) // timedelta(days=1)))


def billing_state(agency) -> BillingState:
    """What ``agency`` is on and may do now."""
    if not billing_enabled() or agency.pk is None:  # off, or the platform's own site
        return BillingState(enabled=False, plan=top_plan(), status="off", access=Access.FULL)
    row = _cached_row(agency)
    now = timezone.now()
    status = row["status"]
    if status in PAID_STATUSES:
        access = Access.FULL
    elif status == Status.PAST_DUE:
        access = Access.GRACE
    elif status in TRIAL_STATUSES and now < row["trial_ends_at"]:
        access = Access.TRIAL
    else:
        access = Access.READ_ONLY
    overridden = plan_named(row["plan_override"]) if row["plan_override"] else None
    if overridden is not None:
        plan = overridden
    else:
        plan = trial_plan() if access == Access.TRIAL else plan_named(row["plan"]) or trial_plan()
    limits = {key: value for key, value in row["limit_overrides"].items() if key in LIMIT_KEYS}
    return BillingState(
        enabled=True,
        plan=replace(plan, **limits),
        status=status,
        access=access,
        trial_ends_at=row["trial_ends_at"] if status not in PAID_STATUSES else None,
        current_period_end=row["current_period_end"],
        cancel_at_period_end=row["cancel_at_period_end"],
        has_customer=row["has_customer"],
        plan_set_by_platform=overridden is not None,
        limits_set_by_platform=tuple(sorted(limits)),
        platform_set_at=row["overrides_set_at"],
    )


def _cached_row(agency) -> dict:
    with tenant_context(agency):  # the key carries the agency's schema, wherever we are
        row = cache.get(CACHE_KEY)
        if row is None:
            row = _row(agency)
            cache.set(CACHE_KEY, row, CACHE_SECONDS)
        return row


def _row(agency) -> dict:
    subscription = Subscription.objects.filter(agency_id=agency.pk).first()
    if subscription is None:  # an agency older than billing: its trial ran from its creation
        return {
            "status": Status.TRIAL,
            "plan": settings.BILLING_TRIAL_PLAN,
            "trial_ends_at": agency.created_at + timedelta(days=settings.BILLING_TRIAL_DAYS),
            "current_period_end": None,
            "cancel_at_period_end": False,
            "has_customer": False,
            "plan_override": "",
            "limit_overrides": {},
            "overrides_set_at": None,
        }
    return {
        "status": subscription.status,
        "plan": subscription.plan,
        "trial_ends_at": subscription.trial_ends_at,
        "current_period_end": subscription.current_period_end,
        "cancel_at_period_end": subscription.cancel_at_period_end,
        "has_customer": bool(subscription.stripe_customer_id),
        "plan_override": subscription.plan_override,
        "limit_overrides": subscription.limit_overrides,
        "overrides_set_at": subscription.overrides_set_at,
    }


def billing_state_forget(agency) -> None:
    """Drop the agency's cached row; the next billing_state reads it afresh."""
    with tenant_context(agency):
        cache_forget(CACHE_KEY)


# Subscriptions that bring money in each month (MRR): paid, or paid before and being retried.
PAYING_STATUSES = {Status.ACTIVE, Status.PAST_DUE}


def with_billing_state(agencies: QuerySet) -> QuerySet:
    """Annotate Agency rows with billing_state's answers, in SQL, for lists of many agencies:
    ``billing_access`` (an Access), ``billing_plan`` (the plan key whose limits apply),
    ``billing_trial_ends_at`` and ``billing_mrr`` (the plan's monthly price while paying).
    It mirrors billing_state; tests/test_operator_agencies.py holds the two together."""
    if not billing_enabled():
        top = top_plan()
        return agencies.annotate(
            billing_access=Value(Access.FULL),
            billing_plan=Value(top.key),
            billing_trial_ends_at=Value(None, output_field=DateTimeField()),
            billing_mrr=Value(Decimal(0), output_field=DecimalField()),
        )
    # An agency older than billing (no row): its trial ran from its creation.
    agencies = agencies.annotate(
        billing_trial_ends_at=Coalesce(
            F("subscription__trial_ends_at"),
            ExpressionWrapper(
                F("created_at") + timedelta(days=settings.BILLING_TRIAL_DAYS),
                output_field=DateTimeField(),
            ),
        )
    )
    status = Coalesce(F("subscription__status"), Value(Status.TRIAL))
    agencies = agencies.annotate(
        billing_status=status,
        billing_access=Case(
            When(billing_status__in=PAID_STATUSES, then=Value(Access.FULL)),
            When(billing_status=Status.PAST_DUE, then=Value(Access.GRACE)),
            When(
                billing_status__in=TRIAL_STATUSES,
                billing_trial_ends_at__gt=timezone.now(),
                then=Value(Access.TRIAL),
            ),
            default=Value(Access.READ_ONLY),
        ),
    )
    agencies = agencies.annotate(
        billing_plan=Case(
            When(subscription__plan_override__gt="", then=F("subscription__plan_override")),
            When(billing_access=Access.TRIAL, then=Value(trial_plan().key)),
            default=Coalesce(F("subscription__plan"), Value(trial_plan().key)),
        )
    )
    prices = [
        When(billing_plan=plan.key, then=Value(Decimal(plan.monthly_price))) for plan in all_plans()
    ]
    return agencies.annotate(
        billing_mrr=Case(
            When(
                billing_status__in=PAYING_STATUSES,
                then=Case(*prices, default=Value(Decimal(0)), output_field=DecimalField()),
            ),
            default=Value(Decimal(0)),
            output_field=DecimalField(),
        )
    )


def account_credits(agency, *, limit: int = 10) -> list:
    """The credits the platform gave ``agency``, newest first."""
    return list(AccountCredit.objects.filter(agency_id=agency.pk).order_by("-created_at")[:limit])

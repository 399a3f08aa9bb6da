"""Operators' changes to an agency's plan, trial and limits: each with a reason, written to
the operator log in the transaction that makes it (billing.actions does the billing part)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from billing.actions import (
    account_credit_grant,
    subscription_overrides_set,
    subscription_trial_extend,
)
from operators.log import operator_log_record
from tenants.models import Agency

NEEDS_REASON = "Say why: the reason goes into the operator log."
UNCHANGED = "That is what the agency has already; nothing was changed."


def _reason_required(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": NEEDS_REASON})
    return reason


def agency_plan_override(*, operator, agency: Agency, plan: str, reason: str, request=None):
    """Put ``agency`` on ``plan`` (a plan key; "" goes back to what Stripe says) whatever its
    subscription. ``operator`` is the operator's User."""
    reason = _reason_required(reason)
    with transaction.atomic():
        changes = subscription_overrides_set(agency=agency, plan_override=plan)
        if not changes:
            raise ValidationError({"plan": UNCHANGED})
        operator_log_record(
            operator=operator,
            action="agency.plan_override",
            agency=agency,
            reason=reason,
            changes=changes,
            request=request,
        )


def agency_limits_set(*, operator, agency: Agency, limits: dict, reason: str, request=None):
    """Set the agency's own limits: ``limits`` maps each overridden key of LIMIT_KEYS to its
    value (None: no limit); a key left out takes the plan's. Replaces earlier overrides."""
    reason = _reason_required(reason)
    with transaction.atomic():
        changes = subscription_overrides_set(agency=agency, limit_overrides=limits)
        if not changes:
            raise ValidationError({"limits": UNCHANGED})
        operator_log_record(
            operator=operator,
            action="agency.limits_set",
            agency=agency,
            reason=reason,
            changes=changes,
            request=request,
        )


def agency_trial_extend(*, operator, agency: Agency, days: int, reason: str, request=None):
    """Move the running trial's end ``days`` days later (billing.actions refuses outside the
    trial, with BillingRefused)."""
    reason = _reason_required(reason)
    with transaction.atomic():
        changes = subscription_trial_extend(agency=agency, days=days)
        operator_log_record(
            operator=operator,
            action="agency.trial_extend",
            agency=agency,
            reason=reason,
            changes=changes,
            request=request,
        )


def agency_credit_grant(
    *, operator, agency: Agency, amount, reason: str, idempotency_key: str, request=None
):
    """Credit the agency's subscription balance (Stripe takes it off its next invoices); the
    operator log has it in the transaction that records the credit."""
    reason = _reason_required(reason)

    def logged(credit):
        operator_log_record(
            operator=operator,
            action="agency.credit_granted",
            agency=agency,
            reason=reason,
            changes={
                "amount": str(credit.amount),
                "currency": credit.currency,
                "stripe_balance_transaction": credit.stripe_balance_transaction_id,
            },
            request=request,
        )

    return account_credit_grant(
        agency=agency,
        amount=amount,
        reason=reason,
        granted_by=operator.email,
        idempotency_key=idempotency_key,
        then=logged,
    )

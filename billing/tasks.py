from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from billing import actions, connect
from billing.emails import trial_notice
from billing.models import ConnectedAccount, Subscription
from billing.plans import billing_enabled
from billing.selectors import TRIAL_STATUSES
from billing.stripe_api import StripeTransient
from tenants.models import Agency

TRIAL_ENDING_NOTICE = timedelta(days=3)


@shared_task(
    ignore_result=True, autoretry_for=(StripeTransient,), retry_backoff=True, max_retries=8
)
def customer_create(agency_id: int) -> None:
    """After signup: give the agency its Stripe customer. Retried safely: the creation carries
    the agency's Idempotency-Key, and an agency that has a customer is left alone."""
    agency = Agency.objects.live().filter(pk=agency_id).first()
    if agency is not None:
        actions.customer_ensure(agency=agency)


@shared_task(ignore_result=True)
def trial_notices() -> int:
    """Beat task: email the owners once when a trial has three days left and once when it
    has ended. Returns how many emails went out."""
    if not billing_enabled():
        return 0
    now = timezone.now()
    trials = Subscription.objects.filter(
        status__in=TRIAL_STATUSES, agency__in=Agency.objects.live()
    ).select_related("agency")
    due = [
        ("ending", "trial_ending_sent_at", trials.filter(trial_ends_at__gt=now)),
        ("ended", "trial_ended_sent_at", trials),
    ]
    sent = 0
    for kind, sent_field, candidates in due:
        before = now + TRIAL_ENDING_NOTICE if kind == "ending" else now
        for subscription in candidates.filter(
            trial_ends_at__lte=before, **{f"{sent_field}__isnull": True}
        ):
            sent += _notify_once(subscription, kind, sent_field, now)
    return sent


def _notify_once(subscription: Subscription, kind: str, sent_field: str, now) -> int:
    # The claim and the send commit together: a failed send is tried at the next beat, and
    # a concurrent sweep waits on the row, then finds it claimed.
    with transaction.atomic():
        claimed = Subscription.objects.filter(
            pk=subscription.pk, **{f"{sent_field}__isnull": True}
        ).update(**{sent_field: now})
        if not claimed:
            return 0
        trial_notice(subscription, kind).send()
        return 1


@shared_task(ignore_result=True)
def connect_accounts_refresh() -> int:
    """Beat task: read again from Stripe each live agency's connected account that does not
    take charges yet (onboarding, verification, restricted), so its state is never left
    stale by a lost account.updated. Safe to repeat; returns how many were read."""
    if not billing_enabled():
        return 0
    waiting = ConnectedAccount.objects.filter(
        charges_enabled=False, agency__in=Agency.objects.live()
    ).select_related("agency")
    read = 0
    for account in waiting:
        try:
            connect.account_sync(agency=account.agency)
        except StripeTransient:
            continue  # the next beat tries again
        read += 1
    return read

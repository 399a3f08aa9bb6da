import stripe
from celery import shared_task

from billing import actions
from tenants.models import Agency

# Worth trying again: Stripe unreachable, rate-limited or failing on its side.
TRANSIENT = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


@shared_task(ignore_result=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=8)
def customer_create(agency_id: int) -> None:
    """After signup: give the agency its Stripe customer. Retried safely: the creation carries
    the agency's Idempotency-Key, and an agency that has a customer is left alone."""
    agency = Agency.objects.live().filter(pk=agency_id).first()
    if agency is not None:
        actions.customer_ensure(agency=agency)

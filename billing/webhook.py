"""Stripe's webhook, on the platform host: verify, then apply once."""

import logging

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import actions, stripe_api
from billing.plans import billing_enabled

log = logging.getLogger(__name__)


@csrf_exempt  # authenticated by Stripe's signature instead
@require_POST
def stripe_webhook(request):
    if not billing_enabled():
        return JsonResponse({"error": "Billing is not set up here."}, status=404)
    try:
        event = stripe_api.webhook_event(request.body, request.headers.get("Stripe-Signature"))
    except stripe_api.SignatureRefused as refused:
        log.warning("Stripe webhook refused: %s", refused)
        return JsonResponse({"error": "The signature does not verify."}, status=400)
    except ValueError:
        return JsonResponse({"error": "The body is not a Stripe event."}, status=400)
    try:
        outcome = actions.webhook_event_handle(event=event)
    except stripe_api.StripeUnreachable:
        # Nothing was recorded: Stripe delivers the event again later.
        log.exception("Stripe unreachable while handling %s", event["id"])
        return JsonResponse({"error": "Stripe could not be reached; try again."}, status=503)
    return JsonResponse({"received": True, "outcome": outcome})

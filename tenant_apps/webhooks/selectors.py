from django.db.models import Count, Prefetch, Q, QuerySet

from tenant_apps.kit.access import Actor, can
from tenant_apps.webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint


def endpoints() -> QuerySet[Endpoint]:
    """The agency's endpoints, each with its client and how its deliveries stand."""
    return Endpoint.objects.select_related("company").annotate(
        delivered=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.SUCCEEDED)),
        failing=Count(
            "deliveries",
            filter=Q(deliveries__status__in=[DeliveryStatus.RETRYING, DeliveryStatus.FAILED]),
        ),
    )


def visible_endpoints(actor: Actor) -> QuerySet[Endpoint]:
    """The endpoints ``actor`` may open (the activity log links to them)."""
    return Endpoint.objects.all() if can(actor, "webhooks.manage") else Endpoint.objects.none()


def delivery_log(endpoint: Endpoint) -> QuerySet[Delivery]:
    """An endpoint's deliveries, newest first, with their event and every attempt."""
    return (
        endpoint.deliveries.select_related("event")
        .prefetch_related(Prefetch("attempt_log", queryset=Attempt.objects.order_by("number")))
        .order_by("-id")
    )

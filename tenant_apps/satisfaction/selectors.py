"""Reads of ratings."""

from tenant_apps.client_requests.models import ClientRequest
from tenant_apps.kit.access import Actor, can
from tenant_apps.satisfaction.actions import RATED_STATUSES
from tenant_apps.satisfaction.models import Rating


def rating_of(client_request: ClientRequest) -> Rating | None:
    return Rating.objects.select_related("rated_by").filter(request=client_request).first()


def rating_state(actor: Actor, client_request: ClientRequest) -> dict:
    """What the request page's rating panel shows ``actor``: ``visible`` (may see it at all),
    the ``rating`` (or None), and ``can_rate`` (the asker, resolved, not final yet)."""
    if not can(actor, "request.rating_view", client_request):
        return {"visible": False, "rating": None, "can_rate": False}
    rating = rating_of(client_request)
    can_rate = (
        can(actor, "request.rate", client_request)
        and client_request.status in RATED_STATUSES
        and (rating is None or not rating.is_final())
    )
    return {
        "visible": rating is not None or client_request.status in RATED_STATUSES,
        "rating": rating,
        "can_rate": can_rate,
    }

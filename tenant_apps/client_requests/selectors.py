from django.db.models import Prefetch, QuerySet

from tenant_apps.client_requests.models import ClientRequest, RequestEvent, RequestType
from tenant_apps.people.policy import Actor, can


def visible_requests(actor: Actor) -> QuerySet[ClientRequest]:
    """Requests of the companies ``actor`` may see, with what a list row shows."""
    requests = ClientRequest.objects.select_related("company", "type", "owner")
    ids = actor.visible_company_ids
    return requests if ids is None else requests.filter(company_id__in=ids)


def request_timeline(actor: Actor, client_request: ClientRequest) -> QuerySet[RequestEvent]:
    """The timeline ``actor`` may read: internal notes and changes only for the team."""
    events = client_request.events.select_related("actor").prefetch_related(
        Prefetch("attachments__file")
    )
    return events if can(actor, "request.work", client_request) else events.visible_to_clients()


def active_request_types() -> QuerySet[RequestType]:
    return RequestType.objects.filter(is_active=True)

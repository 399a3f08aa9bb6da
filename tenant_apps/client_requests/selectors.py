from zoneinfo import ZoneInfo

from django.db.models import (
    Prefetch,
    Q,
    QuerySet,
)
from django.http import QueryDict
from django.urls import reverse
from django.utils.http import urlencode

from shared_apps.accounts.models import User
from tenant_apps.client_requests.filters import SORTS, RequestFilterForm
from tenant_apps.client_requests.models import (
    OPEN_STATUSES,
    BulkJob,
    ClientRequest,
    RequestAttachment,
    RequestEvent,
    RequestTag,
    RequestType,
    SavedView,
    SlaPolicy,
    SlaState,
)
from tenant_apps.kit.access import Actor, can
from tenant_apps.kit.roles import TeamRole
from tenant_apps.kit.samples import Sample, sample
from tenant_apps.people.models import ClientCompany
from tenant_apps.people.selectors import visible_companies


def visible_requests(actor: Actor) -> QuerySet[ClientRequest]:
    """Requests of the companies ``actor`` may see, with what a list row shows."""
    requests = ClientRequest.objects.select_related("company", "type", "owner")
    ids = actor.visible_company_ids
    return requests if ids is None else requests.filter(company_id__in=ids)


def listed_requests(actor: Actor) -> QuerySet[ClientRequest]:
    """``visible_requests`` without the long columns a list row never shows."""
    return visible_requests(actor).defer("details", "intake", "search")


def open_requests_for_company(actor: Actor, company: ClientCompany, *, limit: int) -> Sample:
    """``company``'s open requests that ``actor`` sees, the soonest due for resolution first
    (the list's "sla" sort), with how many are breached (one query)."""
    requests = listed_requests(actor).filter(company=company, status__in=OPEN_STATUSES)
    return sample(requests.order_by(*SORTS["sla"]), limit, breached=Q(sla_state=SlaState.BREACHED))


def request_timeline(actor: Actor, client_request: ClientRequest) -> QuerySet[RequestEvent]:
    """The timeline ``actor`` may read: internal notes and changes only for the team."""
    events = client_request.events.select_related("actor").prefetch_related(
        Prefetch("attachments__file")
    )
    return events if can(actor, "request.work", client_request) else events.visible_to_clients()


def active_request_types() -> QuerySet[RequestType]:
    return RequestType.objects.filter(is_active=True)


def request_attachments(actor: Actor, client_request: ClientRequest) -> QuerySet[RequestAttachment]:
    """The files of ``client_request`` that ``actor`` may see: internal ones only for the team."""
    attachments = client_request.attachments.select_related("file")
    if can(actor, "request.work", client_request):
        return attachments
    return attachments.filter(is_internal=False)


def team_users() -> QuerySet[User]:
    """Everyone on the team, e.g. to filter requests by owner."""
    return User.objects.filter(team_member__isnull=False, is_active=True).order_by(
        "full_name", "email"
    )


def request_assignees(company: ClientCompany) -> QuerySet[User]:
    """Team members who may own ``company``'s requests: those who see it (as Actor does)."""
    sees_company = (
        ~Q(team_member__role=TeamRole.STAFF)
        | Q(team_member__sees_all_clients=True)
        | Q(team_member__assigned_companies=company)
    )
    return team_users().filter(sees_company).distinct()


def agency_zone() -> ZoneInfo:
    """The agency's business time zone: its SLA policy's."""
    return ZoneInfo(SlaPolicy.objects.values_list("timezone", flat=True).get(pk=1))


def request_tags() -> QuerySet[RequestTag]:
    return RequestTag.objects.all()


def saved_views_for(actor: Actor) -> QuerySet[SavedView]:
    """The request list's views ``actor`` may open: their own and the team's shared ones."""
    if not actor.is_team:
        return SavedView.objects.none()
    return SavedView.objects.filter(list="requests").filter(
        Q(owner_id=actor.user.pk) | Q(shared=True)
    )


def bulk_jobs_for(actor: Actor) -> QuerySet[BulkJob]:
    """Bulk changes ``actor`` started (nobody else follows them)."""
    return (
        BulkJob.objects.filter(actor_id=actor.user.pk) if actor.is_team else BulkJob.objects.none()
    )


def requests_matching(actor: Actor, query: QueryDict, *, limit: int) -> list[int] | dict:
    """Ids of the requests ``actor`` sees that the list's filters in ``query`` match, in the
    list's order, at most ``limit`` (+1, so a caller can tell "too many"); or the filters'
    field errors."""
    form = RequestFilterForm(query, companies=visible_companies(actor), actor_user=actor.user)
    if not form.is_valid():
        return {
            field: [error["message"] for error in errors]
            for field, errors in form.errors.get_json_data().items()
        }
    return list(form.apply(listed_requests(actor)).values_list("pk", flat=True)[: limit + 1])


def saved_view_url(view: SavedView) -> str:
    """The list with the view's filters and sort: following it applies the view."""
    query = urlencode(view.query, doseq=True)
    return (
        f"{reverse('client_requests:list')}?{query}" if query else reverse("client_requests:list")
    )

"""Request pages: the list, a new request, a request with its timeline, its files, and the
settings. Who may do what comes from the policy; every write is a named action.

The detail page's forms post with htmx and get back the parts they change (a partial of
detail.html, the others out of band); without htmx the same routes redirect or re-render.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from shared_apps.core.formatting import format_day
from shared_apps.core.regional import regional_for
from tenant_apps.client_requests import actions
from tenant_apps.client_requests.filters import RequestFilterForm
from tenant_apps.client_requests.forms import (
    MAX_INTAKE_FIELDS,
    BulkForm,
    HolidayForm,
    IntakeFieldForm,
    IntakeForm,
    MessageForm,
    RequestForm,
    RequestListForm,
    RequestTypeForm,
    RequestUpdateForm,
    SavedViewForm,
    SlaPolicyForm,
    TagForm,
    intake_field_formset,
)
from tenant_apps.client_requests.models import (
    TAG_HEX,
    ClientRequest,
    Holiday,
    Priority,
    RequestType,
    Status,
)
from tenant_apps.client_requests.selectors import (
    active_request_types,
    bulk_jobs_for,
    listed_requests,
    request_assignees,
    request_attachments,
    request_tags,
    request_timeline,
    requests_matching,
    saved_view_url,
    saved_views_for,
    team_users,
    visible_requests,
)
from tenant_apps.client_requests.sla import BusinessCalendar, business_time_between
from tenant_apps.client_requests.sla_sync import sla_calendar, sla_policy
from tenant_apps.files.responses import file_download_response
from tenant_apps.kit.access import actor_for, can, permission_required, require
from tenant_apps.kit.htmx import is_htmx, list_template
from tenant_apps.kit.words import agency_words
from tenant_apps.people.selectors import visible_companies
from tenant_apps.replies.actions import saved_reply_used
from tenant_apps.replies.selectors import replies_for
from tenant_apps.replies.variables import fill

PAGE_SIZE = 25
# Column header -> the sorts it switches between (first is the one a click picks).
SORTABLE = {
    "Submitted": ("newest", "oldest"),
    "Priority": ("priority",),
    "SLA": ("sla",),
    "Due": ("due",),
}


def _posted(request):
    return request.POST if request.method == "POST" else None


# SLA, as people read it


@dataclass(frozen=True)
class SlaClock:
    """The deadline a request is racing now, in the agency's business time."""

    label: str
    due_at: datetime | None = None
    left: timedelta | None = None  # negative once over

    @property
    def over(self) -> bool:
        return self.left is not None and self.left < timedelta()


def _calendar(policy) -> BusinessCalendar:
    return policy.calendar(holiday.date for holiday in policy.holidays.all())


def sla_clock(client_request: ClientRequest, calendar: BusinessCalendar, now) -> SlaClock:
    if client_request.status == Status.WAITING_ON_CLIENT:
        return SlaClock("Paused while waiting on the client")
    if not client_request.is_open:
        return SlaClock("Resolved")
    if client_request.first_response_at is None and client_request.response_due_at:
        label, due_at = "First response due", client_request.response_due_at
    elif client_request.resolution_due_at:
        label, due_at = "Resolution due", client_request.resolution_due_at
    else:
        return SlaClock("No target")
    if due_at >= now:
        left = business_time_between(calendar, now, due_at)
    else:
        left = -business_time_between(calendar, due_at, now)
    return SlaClock(label, due_at, left)


# List


@dataclass(frozen=True)
class Column:
    label: str
    url: str | None  # where clicking the header goes; None when it does not sort
    sorted: str | None  # "ascending"/"descending" when the list is sorted by it


def _query(request, **changes) -> str:
    """This page's query string with ``changes`` applied; the page number always reset."""
    query = request.GET.copy()
    query.pop("page", None)
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


def _columns(request, actor, current: str) -> list[Column]:
    words = agency_words()
    # Clients see their own company's requests, and our promise rather than our SLA clock.
    client = [] if actor.is_client else [words.client_word]
    clock = "Our response" if actor.is_client else "SLA"
    labels = [words.request_word, "Submitted", *client, "Type", "Status", "Priority", "Owner"]
    columns = []
    for label in [*labels, clock, "Due"]:
        sorts = SORTABLE.get(label)
        if not sorts:
            columns.append(Column(capfirst(label), None, None))
            continue
        active = current in sorts
        # Clicking the sorted column again flips it, where it can flip.
        pick = sorts[(sorts.index(current) + 1) % len(sorts)] if active else sorts[0]
        direction = "descending" if current in ("newest", "priority", "updated") else "ascending"
        url = f"?{_query(request, sort=pick)}"
        columns.append(Column(label, url, direction if active else None))
    return columns


@permission_required("workspace.use")
def request_list(request):
    actor = actor_for(request)
    form = RequestListForm(request.GET, actor=actor)
    calendar = sla_calendar()
    if form.is_valid():
        # Nor the type's intake fields (JSON parsed on every row) and description.
        requests = form.apply(listed_requests(actor)).defer(
            "type__intake_fields", "type__description"
        )
        status = 200
    else:
        # Field errors beside the filters, and no rows until they make sense. A 400, except
        # to htmx, which would not swap it in.
        requests = ClientRequest.objects.none()
        status = 200 if is_htmx(request) else 400
    team = actor.is_team
    if team:
        requests = requests.prefetch_related("tags")
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    bulk = can(actor, "requests.bulk")
    context = {
        "actor": actor,
        "form": form,
        "page": page,
        "rows": [(item, sla_clock(item, calendar, now)) for item in page],
        "columns": _columns(request, actor, form.cleaned_data.get("sort") or "newest"),
        "page_query": _query(request),
        "may_submit": can(actor, "requests.submit"),
        "bulk": bulk,
        "above": "client_requests/list.html#above" if team else "",
    }
    if team:
        context["filters_query"] = _query(request)
    if bulk and not is_htmx(request):
        context |= {
            "assignees": team_users().values_list("pk", "full_name", "email"),
            "tags": form.fields["tag"].widget.choices[1:],  # the filter's, without "Any tag"
            "statuses": Status.choices,
            "priorities": Priority.choices,
        }
    template = list_template(request, "client_requests/list.html", results="request-results")
    return render(request, template, context, status=status)


# New request


def _new_page(request, form, intake_form, request_type):
    context = {"form": form, "intake_form": intake_form, "request_type": request_type}
    return render(request, "client_requests/new.html", context)


@permission_required("requests.submit")
def request_new(request):
    actor = actor_for(request)
    companies = visible_companies(actor) if actor.is_team else None
    if request.method != "POST":
        # ?type=support opens the form on that type, with its intake fields.
        request_type = active_request_types().filter(key=request.GET.get("type", "")).first()
        form = RequestForm(companies=companies, initial={"type": request_type})
        intake_form = IntakeForm(request_type=request_type) if request_type else None
        return _new_page(request, form, intake_form, request_type)

    form = RequestForm(request.POST, request.FILES, companies=companies)
    valid = form.is_valid()
    request_type = form.cleaned_data.get("type")
    intake_form = None
    if request_type is not None:
        intake_form = IntakeForm(request.POST, request.FILES, request_type=request_type)
        valid = intake_form.is_valid() and valid
    if valid:
        data = form.cleaned_data
        company = data["company"] if companies is not None else actor.client.company
        require(actor, "requests.submit", company, request=request)
        try:
            created = actions.request_submit(
                actor=actor.user,
                company=company,
                type=request_type,
                title=data["title"],
                details=data["details"],
                priority=data["priority"],
                wanted_by=data["wanted_by"],
                intake=intake_form.intake.answers,
                files=[*data["files"], *intake_form.intake.uploads],
                request=request,
            )
        except ValidationError as refused:  # a file refused while it was being stored
            form.add_error(None, refused)
        else:
            messages.success(request, f"Request #{created.pk} received. Thank you.")
            return redirect("client_requests:detail", created.pk)
    return _new_page(request, form, intake_form, request_type)


@permission_required("requests.submit")
def intake_fields(request):
    """The chosen type's intake fields, swapped into the new-request form when the type changes."""
    request_type = active_request_types().filter(key=request.GET.get("type", "")).first()
    intake_form = IntakeForm(request_type=request_type) if request_type else None
    context = {"intake_form": intake_form, "request_type": request_type}
    return render(request, "client_requests/new.html#intake", context)


# One request


def _visible_request(request, request_id) -> ClientRequest:
    """The request if this person may see it at all; otherwise it does not exist (404)."""
    actor = actor_for(request)
    client_request = get_object_or_404(visible_requests(actor), pk=request_id)
    require(actor, "request.view", client_request, request=request)
    return client_request


def _intake_answers(client_request) -> list[tuple[str, object]]:
    """(label, answer) in the type's field order; answers to since-removed fields by key."""
    answers = dict(client_request.intake)
    labelled = [
        (spec["label"], answers.pop(spec["key"]))
        for spec in client_request.type.intake_fields
        if spec["key"] in answers
    ]
    return labelled + list(answers.items())


def _detail_context(request, client_request, policy, **bound_forms) -> dict:
    """Everything detail.html shows; ``bound_forms`` replace fresh forms (to show errors)."""
    actor = actor_for(request)
    works = can(actor, "request.work", client_request)
    replies = can(actor, "request.reply", client_request)
    context = {
        "actor": actor,
        "client_request": client_request,
        "tags": client_request.tags.all() if works else (),
        "tag_choices": request_tags().exclude(requests=client_request) if works else (),
        "works": works,
        "replies": replies,
        "timeline": request_timeline(actor, client_request),
        "clock": sla_clock(client_request, _calendar(policy), timezone.now()),
        "answers": _intake_answers(client_request),
    }
    if works:
        context["update_form"] = _update_form(client_request)
    if replies:
        label = "Reply to the client" if actor.is_team else "Your reply"
        context["reply_form"] = MessageForm(label=label, prefix="reply")
        context["saved_replies"] = replies_for(actor).only("title")
    return context | bound_forms


@permission_required("workspace.use")
def request_detail(request, request_id):
    client_request = _visible_request(request, request_id)
    policy = sla_policy()
    context = _detail_context(request, client_request, policy)
    return render(request, "client_requests/detail.html", context)


def _after_post(request, client_request, *, form_key, form, saved, primary, message):
    """Answer a detail-page form. htmx: the ``primary`` partial, and on success the header and
    timeline out of band; otherwise a redirect (saved) or the page with the form's errors."""
    policy = sla_policy()
    # As saved, with whatever the actions changed on the way (status, SLA, owner); as it was
    # when refused, since the actions then rolled back.
    client_request = visible_requests(actor_for(request)).get(pk=client_request.pk)
    context = _detail_context(
        request, client_request, policy, **({} if saved else {form_key: form})
    )
    context["saved_message"] = message if saved else ""
    if not is_htmx(request):
        if saved:
            messages.success(request, message)
            return redirect("client_requests:detail", client_request.pk)
        return render(request, "client_requests/detail.html", context)
    parts = [primary, *(part for part in ("header", "timeline") if saved and part != primary)]
    html = "".join(
        render_to_string(
            f"client_requests/detail.html#{part}",
            context | {"oob": part != primary},
            request=request,
        )
        for part in parts
    )
    return HttpResponse(html)


def _working(request, request_id) -> tuple:
    """The actor and a request they may work on: 404 if unseen, 403 if only seen."""
    actor = actor_for(request)
    client_request = _visible_request(request, request_id)
    require(actor, "request.work", client_request, request=request)
    return actor, client_request


def _update_form(client_request, data=None, files=None) -> RequestUpdateForm:
    assignees = request_assignees(client_request.company)
    return RequestUpdateForm(data, files, client_request=client_request, assignees=assignees)


def _saved_summary(changes: dict) -> str:
    """ "Saved: owner → Marc, status → In progress", in the form's words."""
    labels = {
        "owner": lambda user: str(user) if user else "Unassigned",
        "status": lambda value: Status(value).label,
        "priority": lambda value: Priority(value).label,
        "due_date": lambda value: (
            date_format(date.fromisoformat(value), "j M Y") if value else "cleared"
        ),
    }
    parts = [
        f"{name.replace('_', ' ')} → {labels[name](pair[1])}"
        for name, pair in changes.items()
        if name in labels
    ]
    if "note" in changes:
        parts.append("internal note added")
    return f"Saved: {', '.join(parts)}." if parts else "Nothing to save: no field changed."


@require_POST
@permission_required("workspace.use")
def request_update(request, request_id):
    """The one save of the team's form: what changed is written, then said back."""
    actor, client_request = _working(request, request_id)
    form = _update_form(client_request, request.POST, request.FILES)
    changes = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            changes = actions.request_update(
                client_request=client_request,
                actor=actor.user,
                owner=data["owner"],
                status=data["status"],
                priority=data["priority"],
                due_date=data["due_date"],
                note=data["note"],
                files=data["files"],
                request=request,
            )
        except ValidationError as refused:  # a field the actions refuse, or a file refused
            for field, errors in getattr(refused, "error_dict", {"files": refused}).items():
                form.add_error(field, errors)
    saved = changes is not None
    return _after_post(
        request,
        client_request,
        form_key="update_form",
        form=form,
        saved=saved,
        primary="update_form",
        message=_saved_summary(changes) if saved else "",
    )


@require_POST
@permission_required("workspace.use")
def request_reply(request, request_id):
    """A reply to the client (or, from a client, to the team), with its files."""
    actor = actor_for(request)
    client_request = _visible_request(request, request_id)
    require(actor, "request.reply", client_request, request=request)
    label = "Reply to the client" if actor.is_team else "Your reply"
    form = MessageForm(request.POST, request.FILES, label=label, prefix="reply")
    saved = False
    if form.is_valid():
        try:
            actions.request_reply_add(
                client_request=client_request,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
                actor=actor.user,
                request=request,
            )
            saved = True
        except ValidationError as refused:  # a file refused while it was being stored
            form.add_error("files", refused)
    return _after_post(
        request,
        client_request,
        form_key="reply_form",
        form=form,
        saved=saved,
        primary="reply_form",
        message="Reply sent.",
    )


def reply_variables(client_request, user) -> dict[str, str]:
    """What a saved reply's variables say on this request: the promise (its due date, else
    its SLA's resolution time) as the client who asked reads dates."""
    promised = client_request.due_date or client_request.resolution_due_at
    with regional_for(client_request.created_by):
        promise = format_day(promised) if promised else "(no date set yet)"
    return {
        "client_name": client_request.company.name,
        "request_number": f"#{client_request.pk}",
        "agent_name": user.full_name or user.email,
        "promise_date": promise,
    }


@require_POST
@permission_required("workspace.use")
def reply_insert(request, request_id):
    """Put a saved reply, its variables filled, after what the reply box holds; nothing is
    sent. The reply form comes back (htmx) or the page with it (without JavaScript)."""
    actor = actor_for(request)
    client_request = _visible_request(request, request_id)
    require(actor, "request.reply", client_request, request=request)
    saved = replies_for(actor).filter(pk=request.POST.get("saved_reply") or None).first()
    label = "Reply to the client" if actor.is_team else "Your reply"
    written = request.POST.get("reply-body", "").rstrip()
    form = MessageForm(label=label, prefix="reply")
    if saved is None:
        form = MessageForm({"reply-body": written}, label=label, prefix="reply")
        form.add_error("body", "Choose a saved reply to insert.")
    else:
        saved_reply_used(reply=saved)
        filled = fill(saved.body, reply_variables(client_request, actor.user))
        form.initial = {"body": f"{written}\n\n{filled}" if written else filled}
    context = _detail_context(request, client_request, sla_policy(), reply_form=form)
    template = "client_requests/detail.html#reply_form" if is_htmx(request) else None
    return render(request, template or "client_requests/detail.html", context)


@permission_required("workspace.use")
def attachment_download(request, request_id, attachment_id):
    """A file of a request; internal ones (on notes) exist only for the team."""
    client_request = _visible_request(request, request_id)
    attachments = request_attachments(actor_for(request), client_request)
    attachment = get_object_or_404(attachments, pk=attachment_id)
    return file_download_response(attachment.file)


# Settings: the SLA policy


def _sla_page(request, policy, *, form=None, holiday_form=None):
    context = {
        "form": form or SlaPolicyForm(policy=policy),
        "holiday_form": holiday_form or HolidayForm(policy=policy),
        "holidays": policy.holidays.all(),
    }
    return render(request, "client_requests/settings_sla.html", context)


@permission_required("requests.configure")
def sla_settings(request):
    policy = sla_policy()
    form = SlaPolicyForm(_posted(request), policy=policy)
    if not form.is_valid():
        return _sla_page(request, policy, form=form)
    data = form.cleaned_data
    actions.sla_policy_update(
        policy=policy,
        timezone=data["timezone"],
        working_days=data["working_days"],
        opens=data["opens"],
        closes=data["closes"],
        targets=form.targets(),
        actor=actor_for(request).user,
        request=request,
    )
    messages.success(request, "SLA policy saved; open requests' deadlines are recalculated.")
    return redirect("client_requests:sla_settings")


@require_POST
@permission_required("requests.configure")
def holiday_add(request):
    policy = sla_policy()
    form = HolidayForm(request.POST, policy=policy)
    if form.is_valid():
        try:
            holiday = actions.holiday_add(
                policy=policy,
                date=form.cleaned_data["date"],
                name=form.cleaned_data["name"],
                actor=actor_for(request).user,
                request=request,
            )
        except IntegrityError:  # added by someone else since the form was checked
            form.add_error("date", "That date is already a holiday.")
        else:
            messages.success(request, f"{holiday} added; deadlines are recalculated.")
            return redirect("client_requests:sla_settings")
    return _sla_page(request, policy, holiday_form=form)


@require_POST
@permission_required("requests.configure")
def holiday_remove(request, holiday_id):
    holiday = get_object_or_404(Holiday, pk=holiday_id)
    actions.holiday_remove(holiday=holiday, actor=actor_for(request).user, request=request)
    messages.success(request, f"{holiday} removed; deadlines are recalculated.")
    return redirect("client_requests:sla_settings")


# Settings: request types


@permission_required("requests.configure")
def request_types(request):
    return render(
        request, "client_requests/settings_types.html", {"types": RequestType.objects.all()}
    )


def _type_editor(request, request_type=None):
    """Create (no ``request_type``) or edit a type and its intake fields."""
    form = RequestTypeForm(
        _posted(request),
        request_type=request_type,
        initial={"name": request_type.name, "description": request_type.description}
        if request_type
        else None,
    )
    fields = intake_field_formset(_posted(request), request_type=request_type)
    if form.is_valid() and fields.is_valid():
        actor = actor_for(request)
        data = form.cleaned_data
        if request_type is None:
            request_type = actions.request_type_create(
                name=data["name"],
                description=data["description"],
                intake_fields=fields.specs(),
                actor=actor.user,
                request=request,
            )
            messages.success(request, f"{request_type} created; clients can choose it now.")
        else:
            actions.request_type_update(
                request_type=request_type,
                name=data["name"],
                description=data["description"],
                intake_fields=fields.specs(),
                actor=actor.user,
                request=request,
            )
            messages.success(request, f"{request_type} saved.")
        return redirect("client_requests:types")
    context = {"form": form, "fields": fields, "request_type": request_type}
    return render(request, "client_requests/settings_type.html", context)


@permission_required("requests.configure")
def request_type_create(request):
    return _type_editor(request)


@permission_required("requests.configure")
def request_type_edit(request, type_id):
    return _type_editor(request, get_object_or_404(RequestType, pk=type_id))


@require_POST
@permission_required("requests.configure")
def request_type_active(request, type_id):
    request_type = get_object_or_404(RequestType, pk=type_id)
    actions.request_type_update(
        request_type=request_type,
        is_active=not request_type.is_active,
        actor=actor_for(request).user,
        request=request,
    )
    if is_htmx(request):
        return render(
            request, "client_requests/settings_types.html#type_row", {"type": request_type}
        )
    state = "active again" if request_type.is_active else "deactivated"
    messages.success(request, f"{request_type} is {state}.")
    return redirect("client_requests:types")


@permission_required("requests.configure")
def intake_field_row(request):
    """One more blank row for the type editor, added in place by its "Add a field" button."""
    index = request.GET.get("index", "")
    if not index.isdecimal() or int(index) >= MAX_INTAKE_FIELDS:
        return HttpResponseBadRequest(f"A type has at most {MAX_INTAKE_FIELDS} intake fields.")
    index = int(index)
    fields = intake_field_formset()
    row = IntakeFieldForm(
        prefix=fields.add_prefix(index), empty_permitted=True, use_required_attribute=False
    )
    fields.add_fields(row, index)
    context = {"row": row, "next_index": index + 1, "max_fields": MAX_INTAKE_FIELDS}
    return render(request, "client_requests/settings_type.html#added_row", context)


# Tags: the settings page, and tags on one request


def _tags_page(request, form=None, status=200):
    context = {"form": form or TagForm(), "tags": request_tags(), "colours": TAG_HEX}
    return render(request, "client_requests/settings_tags.html", context, status=status)


@permission_required("request_tags.manage")
def tag_settings(request):
    if request.method != "POST":
        return _tags_page(request)
    form = TagForm(request.POST)
    if form.is_valid():
        try:
            tag = actions.request_tag_create(
                name=form.cleaned_data["name"],
                colour=form.cleaned_data["colour"],
                actor=actor_for(request).user,
                request=request,
            )
        except ValidationError as refused:
            for field, errors in refused.message_dict.items():
                form.add_error(field, errors)
        else:
            messages.success(request, f"The tag {tag} is ready to use.")
            return redirect("client_requests:tags")
    return _tags_page(request, form)


@require_POST
@permission_required("request_tags.manage")
def tag_delete(request, tag_id):
    tag = get_object_or_404(request_tags(), pk=tag_id)
    actions.request_tag_delete(tag=tag, actor=actor_for(request).user, request=request)
    messages.success(request, f"The tag {tag} is removed from every {agency_words().request_word}.")
    return redirect("client_requests:tags")


@require_POST
@permission_required("request_tags.use")
def request_tag_add(request, request_id):
    actor, client_request = _working(request, request_id)
    tag_id = actions.an_id(request.POST.get("tag", ""))
    tag = request_tags().filter(pk=tag_id).first() if tag_id else None
    if tag is None:
        messages.error(request, "Choose a tag to add.")
    elif actions.request_tag_add(
        client_request=client_request, tag=tag, actor=actor.user, request=request
    ):
        messages.success(request, f"Tagged {tag}.")
    return redirect("client_requests:detail", client_request.pk)


@require_POST
@permission_required("request_tags.use")
def request_tag_remove(request, request_id, tag_id):
    actor, client_request = _working(request, request_id)
    tag = get_object_or_404(request_tags(), pk=tag_id)
    if actions.request_tag_remove(
        client_request=client_request, tag=tag, actor=actor.user, request=request
    ):
        messages.success(request, f"The tag {tag} is off.")
    return redirect("client_requests:detail", client_request.pk)


# Saved views


def _view_query(query_string: str) -> dict:
    """The list's query string as the view keeps it: parameter -> values, no page, no blanks."""
    query = QueryDict(query_string)
    return {
        key: [value for value in query.getlist(key) if value]
        for key in query
        if key in RequestFilterForm.base_fields and any(query.getlist(key))
    }


@require_POST
@permission_required("request_views.use")
def saved_view_create(request):
    actor = actor_for(request)
    form = SavedViewForm(request.POST)
    if form.is_valid():
        try:
            view = actions.saved_view_create(
                name=form.cleaned_data["name"],
                query=_view_query(form.cleaned_data["query"]),
                shared=form.cleaned_data["shared"],
                actor=actor.user,
                request=request,
            )
        except ValidationError as refused:
            for field, errors in refused.message_dict.items():
                form.add_error(field, errors)
        else:
            messages.success(request, f"View “{view}” saved; it is in the navigation.")
            return redirect(saved_view_url(view))
    context = {"form": form, "views": saved_views_for(actor)}
    return render(request, "client_requests/saved_views.html", context, status=400)


@permission_required("request_views.use")
def saved_views(request):
    actor = actor_for(request)
    views = [(view, saved_view_url(view)) for view in saved_views_for(actor)]
    context = {"views": views, "actor": actor, "form": None}
    return render(request, "client_requests/saved_views.html", context)


@require_POST
@permission_required("request_views.use")
def saved_view_delete(request, view_id):
    actor = actor_for(request)
    view = get_object_or_404(saved_views_for(actor), pk=view_id)
    require(actor, "saved_view.delete", view, request=request)
    actions.saved_view_delete(view=view, actor=actor.user, request=request)
    messages.success(request, f"View “{view}” deleted.")
    return redirect("client_requests:views")


# Bulk changes


def bulk_ids(actor, form: BulkForm) -> list[int]:
    """The chosen ids, or every request matching the list's filters; ValidationError by field."""
    if not form.cleaned_data["everything"]:
        return form.cleaned_data["ids"]
    matching = requests_matching(
        actor, QueryDict(form.cleaned_data["filters"]), limit=actions.BULK_MAX_ITEMS
    )
    if isinstance(matching, dict):
        raise ValidationError({"filters": [f"{key}: {' '.join(v)}" for key, v in matching.items()]})
    return matching


@require_POST
@permission_required("requests.bulk")
def request_bulk(request):
    """The list's bulk bar: start the change and show how it went (or goes)."""
    actor = actor_for(request)
    form = BulkForm(request.POST)
    if form.is_valid():
        try:
            job = actions.bulk_job_start(
                operation=form.cleaned_data["operation"],
                value=form.value,
                request_ids=bulk_ids(actor, form),
                actor=actor.user,
                request=request,
            )
        except ValidationError as refused:
            for field, errors in refused.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return redirect("client_requests:bulk_job", job.pk)
    errors = [error for errors in form.errors.values() for error in errors]
    return render(request, "client_requests/bulk_job.html", {"errors": errors}, status=400)


@permission_required("requests.bulk")
def bulk_job(request, job_id):
    """How a bulk change went: counts, refusals with reasons; while it runs, its progress
    (htmx polls the progress part)."""
    job = get_object_or_404(bulk_jobs_for(actor_for(request)), pk=job_id)
    refused_ids = [item["id"] for item in job.refused]
    context = {"job": job, "unchanged": job.done - job.changed - len(refused_ids)}
    if is_htmx(request):
        return render(request, "client_requests/bulk_job.html#progress", context)
    return render(request, "client_requests/bulk_job.html", context)

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from tenant_apps.activity.actions import activity_record
from tenant_apps.activity.descriptions import line, readable
from tenant_apps.activity.export import csv_lines
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.activity.selectors import activity_filter, activity_window
from tenant_apps.history.audit import HistoryAudit
from tenant_apps.history.forms import LogFilterForm, PositionForm, SignInsForm
from tenant_apps.history.selectors import activity_visible_to, reader_for
from tenant_apps.kit.access import actor_for, permission_required
from tenant_apps.kit.htmx import is_htmx, list_template


def _page_url(request, **position) -> str:
    """This page's URL with its filters kept and its position replaced."""
    query = request.GET.copy()
    for key in ("before", "after"):
        query.pop(key, None)
    query.update(position)
    return f"?{query.urlencode()}"


def _render_log(request, template, entries, *, sign_ins="folded", status=200, **context):
    position = PositionForm(request.GET)
    # A mangled page link starts from the newest entry rather than failing.
    cursor = position.cleaned_data if position.is_valid() else {}
    reader = reader_for(actor_for(request))
    entries = readable(entries, reader, sign_ins=sign_ins)
    window = activity_window(entries, before=cursor.get("before"), after=cursor.get("after"))
    context |= {
        "window": window,
        "lines": [line(entry, reader) for entry in window.entries],
        "older_url": _page_url(request, before=window.older) if window.older else None,
        "newer_url": _page_url(request, after=window.newer) if window.newer else None,
        "newest_url": _page_url(request) if cursor.get("before") or cursor.get("after") else None,
        "page_query": _page_url(request).removeprefix("?"),  # the filters, if any
    }
    template = list_template(request, template, results="log-results")
    return render(request, template, context, status=status)


@permission_required("workspace.use")
def my_activity(request):
    actor = actor_for(request)
    form = SignInsForm(request.GET)
    # A mangled choice shows the default rather than failing.
    sign_ins = form.cleaned_data["sign_ins"] if form.is_valid() else "folded"
    entries = activity_filter(activity_visible_to(actor), person=actor.user)
    return _render_log(request, "activity/mine.html", entries, sign_ins=sign_ins, form=form)


def _workspace_filter(request) -> tuple[LogFilterForm, QuerySet[ActivityEntry] | None]:
    """The filter form and, when it is valid, the entries it selects (else None)."""
    actor = actor_for(request)
    form = LogFilterForm(request.GET, actor=actor)
    if not form.is_valid():
        return form, None
    filters = {name: value for name, value in form.cleaned_data.items() if name != "sign_ins"}
    return form, activity_filter(activity_visible_to(actor), **filters)


def _render_workspace_log(request, form, entries):
    if entries is None:
        # Field errors beside the filters, and no entries until they make sense. A 400, except
        # to htmx, which would not swap it in.
        status = 200 if is_htmx(request) else 400
        return _render_log(
            request,
            "activity/workspace.html",
            ActivityEntry.objects.none(),
            status=status,
            form=form,
        )
    export_url = reverse("activity:export") + _page_url(request)
    return _render_log(
        request,
        "activity/workspace.html",
        entries,
        sign_ins=form.cleaned_data["sign_ins"],
        form=form,
        export_url=export_url,
    )


@permission_required("activity.view_all")
def workspace_log(request):
    form, entries = _workspace_filter(request)
    return _render_workspace_log(request, form, entries)


@permission_required("activity.view_all")
def workspace_export(request):
    form, entries = _workspace_filter(request)
    if entries is None:
        return _render_workspace_log(request, form, entries)
    # Every entry, sign-ins too: the export is the record.
    filters = {
        name: str(value)
        for name, value in form.cleaned_data.items()
        if value and name != "sign_ins"
    }
    activity_record(
        action=HistoryAudit.ACTIVITY_EXPORTED,
        actor=actor_for(request).user,
        changes=filters,
        request=request,
    )
    filename = f"activity-{request.tenant.subdomain}-{timezone.localdate():%Y-%m-%d}.csv"
    return StreamingHttpResponse(
        csv_lines(entries),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

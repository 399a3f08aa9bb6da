"""Time on a request (logged by hand or by a timer) and the retainers settings page. The
request's time page is this app's: the request page does not link to it (client_requests
may not depend on timesheets); see docs/time-and-retainers.md."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tenant_apps.client_requests.selectors import visible_requests
from tenant_apps.kit.access import actor_for, permission_required, require
from tenant_apps.people.models import ClientCompany
from tenant_apps.people.selectors import visible_companies
from tenant_apps.timesheets import actions
from tenant_apps.timesheets.forms import RetainerForm, TimeEntryForm, TimeInvoiceForm
from tenant_apps.timesheets.models import Retainer, hours_text
from tenant_apps.timesheets.selectors import request_entries, retainer_overview


def _posted(request):
    return request.POST if request.method == "POST" else None


def _request_for(request, request_id):
    actor = actor_for(request)
    client_request = get_object_or_404(visible_requests(actor), pk=request_id)
    require(actor, "time.log", client_request, request=request)
    return actor, client_request


@permission_required("time.log")
def request_time(request, request_id):
    actor, client_request = _request_for(request, request_id)
    form = TimeEntryForm(_posted(request), initial={"worked_on": actions.agency_today()})
    if request.method == "POST" and form.is_valid():
        try:
            actions.time_log(
                client_request=client_request,
                **form.cleaned_data,
                actor=actor.user,
                request=request,
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, f"Logged {hours_text(form.cleaned_data['minutes'])}.")
            return redirect("timesheets:request", client_request.pk)
    entries = list(request_entries(actor, client_request))
    totals = request_entries(actor, client_request).aggregate(total=Sum("minutes"))
    billable = sum(entry.minutes for entry in entries if entry.billable)
    context = {
        "client_request": client_request,
        "entries": entries,
        "total": hours_text(totals["total"] or 0),
        "billable": hours_text(billable),
        "timer": actions.running_timer(actor.user),
        "form": form,
    }
    return render(request, "timesheets/request.html", context)


@require_POST
@permission_required("time.log")
def timer_start(request, request_id):
    actor, client_request = _request_for(request, request_id)
    try:
        actions.timer_start(client_request=client_request, actor=actor.user, request=request)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, "Timer started. Stop it when you are done.")
    return redirect("timesheets:request", client_request.pk)


@require_POST
@permission_required("time.log")
def timer_stop(request):
    try:
        entry = actions.timer_stop(actor=request.user, request=request)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect("workspace:home")
    messages.success(request, f"Timer stopped: {hours_text(entry.minutes)} logged.")
    return redirect("timesheets:request", entry.request_id)


@permission_required("retainers.manage")
def retainers(request):
    actor = actor_for(request)
    rows = retainer_overview(actor)
    companies = [row.company for row in rows]
    form = RetainerForm(_posted(request), companies=companies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        company = next(company for company in companies if company.pk == data.pop("company"))
        try:
            actions.retainer_set(company=company, **data, actor=actor.user, request=request)
        except ValidationError as refused:
            for field, errors in refused.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"{company.name}'s retainer is set.")
            return redirect("timesheets:retainers")
    context = {
        "rows": rows,
        "form": form,
        "over": sum(1 for row in rows if row.month and row.month.is_over),
    }
    return render(request, "timesheets/retainers.html", context)


@require_POST
@permission_required("retainers.manage")
def retainer_remove(request, company_id):
    company = get_object_or_404(ClientCompany, pk=company_id)
    retainer = get_object_or_404(Retainer, company=company)
    actions.retainer_remove(retainer=retainer, actor=request.user, request=request)
    messages.success(request, f"{company.name}'s retainer is removed.")
    return redirect("timesheets:retainers")


@permission_required("time.log")
def time_invoice(request):
    """Turn a company's billable time not yet invoiced into a draft invoice."""
    actor = actor_for(request)
    companies = list(visible_companies(actor).order_by("name"))
    today = actions.agency_today()
    initial = {"through": today, "issue_date": today, "due_date": today + timedelta(days=30)}
    form = TimeInvoiceForm(_posted(request), initial=initial, companies=companies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        company = next(company for company in companies if company.pk == data.pop("company"))
        require(actor, "invoices.create", company, request=request)
        try:
            invoice = actions.time_invoice(
                company=company, **data, actor=actor.user, request=request
            )
        except ValidationError as refused:
            for field, errors in refused.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"Draft invoice {invoice.number} made from billable time.")
            return redirect("invoices:detail", invoice.pk)
    return render(request, "timesheets/invoice.html", {"form": form})

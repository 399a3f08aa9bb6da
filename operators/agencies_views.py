"""The console's agencies pages: the list (with its CSV), one agency, and the changes to its
plan, trial and limits."""

from datetime import timedelta
from uuid import uuid4

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from billing.actions import BillingRefused
from billing.plans import GB, all_plans, plan_named
from billing.selectors import billing_state
from billing.stripe_api import StripeUnreachable
from operators import agencies_actions as actions
from operators.access import console_view
from operators.agencies import (
    ConsoleStatus,
    agencies_listed,
    agency_domains,
    agency_for_console,
    agency_operator_actions,
    usage_history,
)
from operators.agencies_forms import (
    SORT_CHOICES,
    AgencyFilterForm,
    CreditForm,
    LimitsForm,
    PlanOverrideForm,
    TrialExtendForm,
)
from operators.charts import first_day_of, line_chart
from operators.roles import Capability, role_may
from shared_apps.core.csv_export import csv_lines

PAGE_SIZE = 50
HISTORY_DAYS = 90
RESULTS_ID = "agency-results"
CSV_COLUMNS = [
    ("id", lambda a: a.pk),
    ("name", lambda a: a.name),
    ("host", lambda a: a.primary_domain or ""),
    ("status", lambda a: ConsoleStatus.LABELS.get(a.console_status, a.console_status)),
    ("plan", lambda a: a.billing_plan),
    ("mrr_usd", lambda a: a.billing_mrr),
    ("trial_ends_at", lambda a: _iso(a.billing_trial_ends_at)),
    ("owner_emails", lambda a: a.owner_emails_text or a.usage_owner_email or ""),
    ("seats", lambda a: a.usage_seats),
    ("client_companies", lambda a: a.usage_client_companies),
    ("client_people", lambda a: a.usage_client_people),
    ("requests_last_30_days", lambda a: a.usage_requests_last_30_days),
    ("storage_bytes", lambda a: a.usage_storage_bytes),
    ("last_activity_at", lambda a: _iso(a.usage_last_activity_at)),
    ("custom_domain", lambda a: "yes" if a.has_custom_domain else "no"),
    ("usage_gathered_on", lambda a: _iso(a.usage_day)),
    ("created_at", lambda a: _iso(a.created_at)),
]


def _iso(value) -> str:
    return value.isoformat() if value else ""


def _filtered(request):
    """The list's filter form and the agencies it selects (none while it is invalid)."""
    form = AgencyFilterForm(request.GET)
    if not form.is_valid():
        return form, None
    return form, agencies_listed(form.filters())


# The list's columns: (label, sort key, figures).
COLUMNS = [
    ("Agency", "name", False),
    ("Status", "status", False),
    ("Plan", "plan", False),
    ("Monthly revenue", "mrr", True),
    ("Seats", "seats", True),
    ("Clients", "clients", True),
    ("Requests (30 days)", "requests", True),
    ("Storage", "storage", True),
    ("Last activity", "activity", False),
]


def sortable_columns(query, sort: str) -> list[dict]:
    """Each column's header: a link sorting by it (the other way when it is the sort)."""
    columns = []
    for label, key, number in COLUMNS:
        current = sort.lstrip("-") == key
        descending = sort.startswith("-")
        link = query.copy()
        link.pop("page", None)
        # Figures read best largest first; names and states A to Z.
        first = f"-{key}" if number or key == "activity" else key
        link["sort"] = (key if descending else f"-{key}") if current else first
        columns.append(
            {
                "label": label,
                "number": number,
                "query": link.urlencode(),
                "aria_sort": ("descending" if descending else "ascending") if current else "",
            }
        )
    return columns


def sort_label(sort: str) -> str:
    named = dict(SORT_CHOICES).get(sort)
    if named:
        return named
    label = next((label for label, key, _ in COLUMNS if key == sort.lstrip("-")), "name")
    return f"{label}, {'descending' if sort.startswith('-') else 'ascending'}"


@console_view(Capability.VIEW)
def agencies(request):
    form, rows = _filtered(request)
    page = (
        Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")) if rows is not None else None
    )
    listed = list(page.object_list) if page else []
    plan_names = {plan.key: plan.name for plan in all_plans()}
    for row in listed:
        row.status_label = ConsoleStatus.LABELS.get(row.console_status, row.console_status)
        row.plan_name = plan_names.get(row.billing_plan, row.billing_plan)
    query = request.GET.copy()
    query.pop("page", None)
    sort = (form.cleaned_data.get("sort") if rows is not None else "") or "name"
    context = {
        "console_section": "agencies",
        "form": form,
        "page": page,
        "rows": listed,
        "page_query": query.urlencode(),
        "columns": sortable_columns(query, sort),
        "sort_label": sort_label(sort),
        "list_url": reverse("operator:agencies"),
        "csv_url": f"{reverse('operator:agencies_csv')}?{query.urlencode()}",
        "results_id": RESULTS_ID,
    }
    htmx = request.headers.get("HX-Request") == "true"
    template = "operators/agencies.html"
    if htmx and request.headers.get("HX-Target") == RESULTS_ID:
        template += "#results"
    return render(request, template, context, status=400 if rows is None else 200)


@console_view(Capability.VIEW)
def agencies_csv(request):
    """The list as CSV, with the page's filters and sort, every row (not one page)."""
    form, rows = _filtered(request)
    if rows is None:
        return render(
            request,
            "operators/agencies.html",
            {"console_section": "agencies", "form": form, "rows": [], "results_id": RESULTS_ID},
            status=400,
        )
    lines = csv_lines(
        [name for name, _ in CSV_COLUMNS],
        ([value(agency) for _, value in CSV_COLUMNS] for agency in rows.iterator(chunk_size=500)),
    )
    stamp = timezone.now().strftime("%Y-%m-%d")
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="agencies-{stamp}.csv"'
    return response


def _agency_or_404(agency_id: int):
    agency = agency_for_console(agency_id)
    if agency is None:
        raise Http404("No agency has that id.")
    return agency


def limit_rows(state, usage) -> list[dict]:
    """The plan's limits beside what the agency used on the last gathered day."""
    plan = state.plan
    overridden = set(state.limits_set_by_platform)

    def row(key, label, used, limit, used_text, limit_text):
        return {
            "key": key,
            "label": label,
            "used": used,
            "limit": limit,
            "used_text": used_text,
            "limit_text": limit_text,
            "full": limit is not None and used is not None and used >= limit,
            "set_by_platform": key in overridden,
        }

    seats = usage.seats if usage else None
    companies = usage.client_companies if usage else None
    storage = usage.storage_bytes if usage else None
    unknown = "Not gathered yet"
    return [
        row(
            "seats",
            "Team seats",
            seats,
            plan.seats,
            unknown if seats is None else str(seats),
            "No limit" if plan.seats is None else str(plan.seats),
        ),
        row(
            "client_companies",
            "Client companies",
            companies,
            plan.client_companies,
            unknown if companies is None else str(companies),
            "No limit" if plan.client_companies is None else str(plan.client_companies),
        ),
        row(
            "storage_gb",
            "Storage",
            storage,
            plan.storage_bytes,
            unknown if storage is None else filesizeformat(storage),
            "No limit" if plan.storage_gb is None else f"{plan.storage_gb} GB",
        ),
        row(
            "custom_domain",
            "Custom domain",
            None,
            None,
            "",
            "Included" if plan.custom_domain else "Not included",
        ),
    ]


def usage_charts(history, state, today) -> list:
    first = first_day_of(HISTORY_DAYS, today)
    plan = state.plan

    def count(n):
        return f"{n:,.0f}"

    def gigabytes(n):
        return f"{n:,.2f} GB"

    return [
        line_chart(
            key="seats",
            title="Team seats",
            rows=history,
            value=lambda r: r.seats,
            text=count,
            first_day=first,
            days=HISTORY_DAYS,
            limit=plan.seats,
        ),
        line_chart(
            key="clients",
            title="Client companies",
            rows=history,
            value=lambda r: r.client_companies,
            text=count,
            first_day=first,
            days=HISTORY_DAYS,
            limit=plan.client_companies,
        ),
        line_chart(
            key="storage",
            title="Storage",
            rows=history,
            value=lambda r: r.storage_bytes / GB,
            text=gigabytes,
            first_day=first,
            days=HISTORY_DAYS,
            limit=plan.storage_gb,
        ),
        line_chart(
            key="requests",
            title="Requests in the last 30 days",
            rows=history,
            value=lambda r: r.requests_last_30_days,
            text=count,
            first_day=first,
            days=HISTORY_DAYS,
        ),
    ]


def _agency_page(request, agency, *, forms=None, status=200):
    state = billing_state(agency)
    history = usage_history(agency, days=HISTORY_DAYS)
    usage = history[-1] if history else None
    subscription = getattr(agency, "subscription", None)
    may_change = role_may(request.operator.role, Capability.BILLING)
    overrides = subscription.limit_overrides if subscription else {}
    forms = forms or {}
    context = {
        "console_section": "agencies",
        "agency": agency,
        "state": state,
        "status_label": ConsoleStatus.LABELS.get(agency.console_status, agency.console_status),
        "subscription": subscription,
        "usage": usage,
        "contacts": usage.contacts if usage else [],
        "owner_emails": subscription.owner_emails if subscription else [],
        "limit_rows": limit_rows(state, usage),
        "charts": usage_charts(history, state, timezone.localdate()),
        "history": history,
        "history_days": HISTORY_DAYS,
        "domains": agency_domains(agency),
        "log_entries": agency_operator_actions(agency),
        "may_change": may_change,
        "plan_override": plan_named(subscription.plan_override)
        if subscription and subscription.plan_override
        else None,
        "plan_form": forms.get("plan")
        or PlanOverrideForm(
            prefix="plan", initial={"plan": subscription.plan_override if subscription else ""}
        ),
        "trial_form": forms.get("trial") or TrialExtendForm(prefix="trial", initial={"days": 14}),
        "credit_form": forms.get("credit") or CreditForm(prefix="credit", initial={"key": uuid4()}),
        "credits": agency.account_credits.all()[:10],
        "limits_form": forms.get("limits")
        or LimitsForm(prefix="limits", initial=LimitsForm.initial_from(overrides), agency=agency),
        "recent_days": 7,
        "stale": usage is not None and usage.day < timezone.localdate() - timedelta(days=1),
    }
    return render(request, "operators/agency.html", context, status=status)


@console_view(Capability.VIEW)
def agency(request, agency_id: int):
    return _agency_page(request, _agency_or_404(agency_id))


def _change(request, agency_id, key, form_class, act, done):
    """Validate ``form_class``, ``act(agency, data)`` and come back with ``done`` said;
    errors (the form's, the action's) are shown on the agency page, with nothing changed."""
    agency = _agency_or_404(agency_id)
    form = form_class(request.POST, prefix=key, agency=agency)
    if form.is_valid():
        try:
            act(agency, form)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        except BillingRefused as refused:  # said at the top: the form may not be shown
            messages.error(request, refused.message)
        except StripeUnreachable:
            messages.error(request, "Stripe did not take the change; nothing was done. Try again.")
        else:
            messages.success(request, done)
            return redirect("operator:agency", agency_id=agency.pk)
    return _agency_page(request, agency, forms={key: form}, status=400)


@require_POST
@console_view(Capability.BILLING)
def agency_plan(request, agency_id: int):
    def act(agency, form):
        actions.agency_plan_override(
            operator=request.user,
            agency=agency,
            plan=form.cleaned_data["plan"],
            reason=form.cleaned_data["reason"],
            request=request,
        )

    return _change(request, agency_id, "plan", PlanOverrideForm, act, "Plan saved.")


@require_POST
@console_view(Capability.BILLING)
def agency_trial(request, agency_id: int):
    def act(agency, form):
        actions.agency_trial_extend(
            operator=request.user,
            agency=agency,
            days=form.cleaned_data["days"],
            reason=form.cleaned_data["reason"],
            request=request,
        )

    return _change(request, agency_id, "trial", TrialExtendForm, act, "Trial extended.")


@require_POST
@console_view(Capability.BILLING)
def agency_limits(request, agency_id: int):
    def act(agency, form):
        actions.agency_limits_set(
            operator=request.user,
            agency=agency,
            limits=form.limits(),
            reason=form.cleaned_data["reason"],
            request=request,
        )

    return _change(request, agency_id, "limits", LimitsForm, act, "Limits saved.")


@require_POST
@console_view(Capability.BILLING)
def agency_credit(request, agency_id: int):
    def act(agency, form):
        actions.agency_credit_grant(
            operator=request.user,
            agency=agency,
            amount=form.cleaned_data["amount"],
            reason=form.cleaned_data["reason"],
            idempotency_key=str(form.cleaned_data["key"]),
            request=request,
        )

    return _change(request, agency_id, "credit", CreditForm, act, "Credit granted.")


urlpatterns = [
    path("agencies/", agencies, name="agencies"),
    path("agencies.csv", agencies_csv, name="agencies_csv"),
    path("agencies/<int:agency_id>/", agency, name="agency"),
    path("agencies/<int:agency_id>/plan/", agency_plan, name="agency_plan"),
    path("agencies/<int:agency_id>/trial/", agency_trial, name="agency_trial"),
    path("agencies/<int:agency_id>/limits/", agency_limits, name="agency_limits"),
    path("agencies/<int:agency_id>/credit/", agency_credit, name="agency_credit"),
]

"""The reports there are, the filters each honours, and how a request's filters become one.

Pages, CSV exports and the API all go through ``report_from_query``, so they show the same
figures for the same query string.
"""

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone

from tenant_apps.client_requests.models import SlaPolicy
from tenant_apps.kit.access import Actor
from tenant_apps.people.selectors import visible_companies
from tenant_apps.reports import deflection, selectors
from tenant_apps.reports.csat import csat
from tenant_apps.reports.filters import Filters, ReportFilterForm
from tenant_apps.reports.results import Report
from tenant_apps.reports.retainers import retainers

ALL_FILTERS = frozenset({"start", "end", "company", "type", "owner"})


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: str
    summary: str
    build: Callable[..., Report]
    filters: frozenset[str] = ALL_FILTERS
    # What the CSV export passes on top, to have every row where the page shows the first few.
    export_options: tuple = ()


REPORTS = {
    spec.name: spec
    for spec in [
        ReportSpec(
            "response-time",
            "Response time",
            "Median and p90 business hours to first response and to resolution, by week.",
            selectors.response_time,
        ),
        ReportSpec(
            "sla",
            "SLA compliance",
            "The share of SLA targets met per priority, client and week, and every breach.",
            selectors.sla_compliance,
            export_options=(("all_breaches", True),),
        ),
        ReportSpec(
            "volume",
            "Support volume",
            "Requests submitted by type, week and client.",
            selectors.support_volume,
        ),
        ReportSpec(
            "workload",
            "Workload",
            "Open and resolved requests per owner, with the age of what is open.",
            selectors.workload,
        ),
        ReportSpec(
            "approvals",
            "Approvals",
            "Time to decision, and the share approved the first time they were asked.",
            selectors.approvals,
            frozenset({"start", "end", "company", "owner"}),
        ),
        ReportSpec(
            "activity",
            "Client activity and engagement",
            "Sign-ins, uploads, messages and approval decisions by each client's people.",
            selectors.client_activity,
            frozenset({"start", "end", "company"}),
        ),
        ReportSpec(
            "csat",
            "Satisfaction (CSAT)",
            "Good, okay and bad ratings per client, owner and request type, and the CSAT %.",
            csat,
        ),
        ReportSpec(
            "deflection",
            "Help centre deflection",
            "How often a suggested help article answered a client before they sent a request.",
            deflection.deflection,
            frozenset({"start", "end", "company"}),
            export_options=(("all_articles", True),),
        ),
        ReportSpec(
            "retainers",
            "Retainers",
            "Each client's retainer hours this month: available, used, remaining and over.",
            retainers,
            frozenset({"end", "company"}),
        ),
        ReportSpec(
            "health",
            "Client health",
            "A score from 0 to 100 per client, how it was made up, and its trend.",
            selectors.health,
            frozenset({"end", "company"}),
        ),
    ]
}


def agency_zone() -> str:
    """The agency's business time zone (its SLA policy's), which reports count days in."""
    return SlaPolicy.objects.values_list("timezone", flat=True).get(pk=1)


def filter_form(spec: ReportSpec, actor: Actor, data, zone: str) -> ReportFilterForm:
    return ReportFilterForm(
        data,
        companies=visible_companies(actor).order_by("name"),
        uses=spec.filters,
        today=timezone.localdate(timezone=ZoneInfo(zone)),
    )


def report_from_query(spec: ReportSpec, actor: Actor, data, *, export: bool = False):
    """(form, report): the report for the query string ``data``, or None with an invalid
    form; ``export``: with every row (for the CSV). Queries: the zone, the form's checks of
    the chosen client, type and owner, then the report's own."""
    zone = agency_zone()
    form = filter_form(spec, actor, data, zone)
    if not form.is_valid():
        return form, None
    options = dict(spec.export_options) if export else {}
    report = spec.build(Filters.from_form(form, zone), **options)
    report.computed_at, report.zone = timezone.now(), zone
    return form, report

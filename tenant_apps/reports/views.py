"""Report pages and their CSV exports (owners and admins)."""

import csv
import io

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from shared_apps.core.csv_export import FORMULA_STARTS
from tenant_apps.kit.access import actor_for, permission_required
from tenant_apps.kit.htmx import is_htmx
from tenant_apps.reports.catalogue import REPORTS, ReportSpec, report_from_query
from tenant_apps.reports.results import Table, cell_text


def _spec(name: str) -> ReportSpec:
    try:
        return REPORTS[name]
    except KeyError:
        raise Http404("No such report.") from None


@permission_required("reports.view")
def report_index(request):
    return render(
        request, "reports/index.html", {"actor": actor_for(request), "reports": REPORTS.values()}
    )


@permission_required("reports.view")
def report_page(request, name):
    spec = _spec(name)
    form, report = report_from_query(spec, actor_for(request), request.GET)
    context = {
        "actor": actor_for(request),
        "spec": spec,
        "reports": REPORTS.values(),
        "form": form,
        "report": report,
        "charts": [report.chart_data(chart) for chart in report.charts] if report else [],
        "query": request.GET.urlencode(),
    }
    template = "reports/report.html"
    if is_htmx(request, target="report-results"):
        template += "#results"
    # Field errors beside the filters: a 400, except to htmx, which would not swap it in.
    status = 200 if report or is_htmx(request) else 400
    if report is None:
        return render(request, template, context, status=status)
    with timezone.override(report.zone):  # "computed at" in the agency's time
        return render(request, template, context, status=status)


def _csv_cell(value, numeric: bool) -> str:
    text = cell_text(value)
    # A spreadsheet runs text starting with these as a formula; numbers may be negative.
    return "'" + text if not numeric and text.startswith(FORMULA_STARTS) else text


def csv_text(table: Table) -> str:
    """The table as CSV: the page's column labels and figures, written the same way."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.label for column in table.columns])
    writer.writerows(
        [_csv_cell(row.get(c.key), c.numeric) for c in table.columns] for row in table.rows
    )
    return out.getvalue()


@permission_required("reports.view")
def report_csv(request, name, table):
    spec = _spec(name)
    form, report = report_from_query(spec, actor_for(request), request.GET, export=True)
    if report is None:
        errors = "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in form.errors.items()
        )
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    found = next((t for t in report.tables if t.key == table), None)
    if found is None:
        raise Http404("No such table.")
    response = HttpResponse(csv_text(found), content_type="text/csv; charset=utf-8")
    filename = f"{report.name}-{found.key}-{report.computed_at:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

"""The retainer report: each client's retainer in the month of the period's end, in hours:
included, carried over from the month before, available, used (billable time), remaining and
over. How the month is computed: tenant_apps.timesheets.selectors (docs/time-and-retainers.md).
Two statements: the retainers with their companies, and the usage of every month since the
earliest started."""

from decimal import ROUND_HALF_UP, Decimal

from tenant_apps.reports.filters import Filters
from tenant_apps.reports.results import Chart, Column, Report, Table
from tenant_apps.timesheets.selectors import retainer_months

FIGURES = ["included", "carried", "available", "used", "remaining", "over"]
TITLES = {
    "included": "Hours a month",
    "carried": "Carried over",
    "available": "Available",
    "used": "Used",
    "remaining": "Remaining",
    "over": "Over",
}


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), ROUND_HALF_UP)


def retainers(filters: Filters) -> Report:
    month = filters.end.replace(day=1)
    rows = [
        {"client": item.company.name}
        | {key: _hours(getattr(item, f"{key}_minutes")) for key in FIGURES}
        for item in retainer_months(month, company_id=filters.company_id)
    ]
    total = {"client": "All", "is_total": True} | {
        key: sum((row[key] for row in rows), Decimal(0)) for key in FIGURES
    }
    columns = [Column("client", "Client", numeric=False)] + [
        Column(key, TITLES[key]) for key in FIGURES
    ]
    note = (
        f"Hours in {month:%B %Y} (the month of the period's end). Used: billable time logged "
        "on the client's requests. Over: used beyond what was available."
    )
    return Report(
        name="retainers",
        title="Retainers",
        tables=[Table("by_client", "By client", columns, [*rows, total], note=note)],
        charts=[
            Chart(
                "retainers-chart",
                "Hours used and available per client",
                "bar",
                "by_client",
                "client",
                ("used", "available"),
                horizontal=True,
                unit="hours",
            )
        ],
    )

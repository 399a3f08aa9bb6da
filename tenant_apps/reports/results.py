"""What a report hands to its page, its CSV export and its API: tables of figures, and charts
drawn from those very tables, so that all of them show the same numbers."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = True  # right-aligned, and a chart may plot it
    link: str = ""  # a URL name whose one argument is the value, to link each cell (pages only)


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[dict]
    note: str = ""
    # Rows that exist when only the first len(rows) are shown on the page (the CSV has all).
    total_rows: int | None = None

    def as_dict(self, zone: str) -> dict:
        """For the API: dates and times in ISO 8601, times with the agency's UTC offset."""
        tz = ZoneInfo(zone)
        return {
            "title": self.title,
            "columns": [{"key": c.key, "label": c.label} for c in self.columns],
            "rows": [
                {c.key: json_value(row.get(c.key), tz) for c in self.columns} for row in self.rows
            ],
            **({"total_rows": self.total_rows} if self.total_rows is not None else {}),
        }


@dataclass(frozen=True)
class Chart:
    """A chart of ``series`` (column keys) of ``table`` against its ``labels`` column."""

    key: str
    title: str
    kind: str  # a Chart.js type: "line" or "bar"
    table: str
    labels: str
    series: tuple[str, ...]
    stacked: bool = False
    horizontal: bool = False
    unit: str = ""  # the value axis's title
    top: int | None = None  # the value axis's end, when it has one (100 %)


@dataclass
class Report:
    name: str
    title: str
    tables: list[Table]
    charts: list[Chart] = field(default_factory=list)
    computed_at: datetime | None = None
    zone: str = "UTC"  # the agency's, which dates and times are shown in

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)

    def chart_data(self, chart: Chart) -> dict:
        """Chart.js ``data`` and options, from the chart's table rows."""
        table = self.table(chart.table)
        rows = [row for row in table.rows if not row.get("is_total")]
        labels = {column.key: column.label for column in table.columns}
        return {
            "id": chart.key,
            "title": chart.title,
            "type": chart.kind,
            "stacked": chart.stacked,
            "horizontal": chart.horizontal,
            "unit": chart.unit,
            "top": chart.top,
            "labels": [cell_text(row[chart.labels]) for row in rows],
            "datasets": [
                {"label": labels[key], "data": [json_value(row.get(key)) for row in rows]}
                for key in chart.series
            ],
        }


def json_value(value, tz: ZoneInfo | None = None):
    """``value`` for JSON. Times from the report queries are the agency's local wall times
    (naive); ``tz`` gives them their offset."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime) and tz is not None:
        return value.replace(tzinfo=tz).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def cell_text(value, empty: str = "") -> str:
    """A figure as the page, the CSV and chart labels write it."""
    if value is None:
        return empty
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float | Decimal):
        return f"{value:.1f}"
    return str(value)

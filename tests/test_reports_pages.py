"""Report pages, CSV exports and the API: the same figures everywhere, filters that refuse
nonsense, and the same number of queries however many rows there are."""

import csv
import io
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django_tenants.utils import tenant_context

from tenant_apps.client_requests.models import ClientRequest, RequestType
from tenant_apps.reports.catalogue import REPORTS
from tenant_apps.reports.results import cell_text
from tenant_apps.reports.selectors import BREACHES_SHOWN
from tests.access_matrix import PERSONAS
from tests.conftest import signed_in_client
from tests.routes_reports import MORE_CASES, PERIOD, at, seed_period
from tests.test_access_matrix import TENANT_URLCONF, check
from tests.test_isolation import obtain_tokens

HTMX = {"HX-Request": "true", "HX-Target": "report-results"}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", sorted(MORE_CASES))
def test_more_access_cases(world, case, persona):
    name, matrix_case = MORE_CASES[case]
    check(world, TENANT_URLCONF, "acme.localhost", name, matrix_case, persona)


class FigureTables(HTMLParser):
    """The text of every cell of the page's ``<table data-table="...">``, by table key."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current = self.cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self.current = self.tables.setdefault(attrs["data-table"], [])
        elif self.current is not None and tag == "tr":
            self.current.append([])
        elif self.current is not None and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.current = None
        elif tag in ("td", "th") and self.cell is not None:
            self.current[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def page_tables(response) -> dict[str, list[list[str]]]:
    parser = FigureTables()
    parser.feed(response.content.decode())
    return parser.tables


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def owner(world):
    return signed_in_client(world.personas["owner"])


@pytest.fixture
def seeded(world):
    return seed_period(world)


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_table_exports_the_figures_on_screen(world, seeded, owner, name):
    page = owner.get(reverse("reports:report", args=[name]), PERIOD)
    assert page.status_code == 200
    tables = page_tables(page)
    assert set(tables) == {table.key for table in page.context["report"].tables}
    for key, screen in tables.items():
        export = owner.get(reverse("reports:csv", args=[name, key]), PERIOD)
        assert export["Content-Type"] == "text/csv; charset=utf-8"
        assert export["Content-Disposition"].startswith(f'attachment; filename="{name}-{key}-')
        # An empty figure is "—" on screen and an empty cell in the CSV.
        assert [[cell.replace("—", "") for cell in row] for row in screen] == csv_rows(export)
        assert len(screen) > 1, f"{name} {key} has no rows to compare"


def api_text(value) -> str:
    """An API figure as the CSV writes it: times, sent in ISO 8601 with the agency's offset
    (UTC here), as local wall times."""
    moment = parse_datetime(value) if isinstance(value, str) and "T" in value else None
    if moment is not None:
        assert moment.utcoffset() == timedelta(0)
        return cell_text(moment.replace(tzinfo=None))
    return cell_text(value)


@pytest.mark.parametrize("name", list(REPORTS))
def test_the_api_gives_the_same_figures(world, seeded, owner, name):
    report = owner.get(reverse("reports:report", args=[name]), PERIOD).context["report"]
    exported = {
        table.key: csv_rows(owner.get(reverse("reports:csv", args=[name, table.key]), PERIOD))
        for table in report.tables
    }
    token = obtain_tokens("acme.localhost", "owner@acme.example")["access"]
    response = owner.get(
        reverse(f"api-report-{name}"), PERIOD, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["report"] == name
    assert body["filters"]["end"] == PERIOD["end"]
    for key, table in body["tables"].items():
        header = [column["label"] for column in table["columns"]]
        keys = [column["key"] for column in table["columns"]]
        rows = [[api_text(row[k]) for k in keys] for row in table["rows"]]
        assert [header, *rows] == exported[key]


def test_the_sla_page_shows_the_newest_breaches_and_the_csv_all(world, seeded, owner):
    more_requests(world, 100)  # 75 of them breached, with R2 and R4: 77
    page = owner.get(reverse("reports:report", args=["sla"]), PERIOD)
    export = owner.get(reverse("reports:csv", args=["sla", "breaches"]), PERIOD)
    assert len(page_tables(page)["breaches"]) == 1 + BREACHES_SHOWN
    assert f"The newest {BREACHES_SHOWN} of 77; the CSV has them all.".encode() in page.content
    assert len(csv_rows(export)) == 1 + 77


def test_filters_refuse_a_backwards_or_overlong_period(world, owner):
    url = reverse("reports:report", args=["volume"])
    backwards = owner.get(url, {"start": "2026-10-18", "end": "2026-10-05"})
    assert backwards.status_code == 400
    assert b"The period must start on or before its end." in backwards.content
    too_long = owner.get(url, {"start": "2020-01-01", "end": "2026-10-05"})
    assert b"Choose a period of at most two years." in too_long.content
    # htmx swaps the errors in, so it gets a 200 with only the results part.
    partial = owner.get(url, {"start": "2026-10-18", "end": "2026-10-05"}, headers=HTMX)
    assert partial.status_code == 200
    assert b"Correct the filters above" in partial.content
    assert b"<form" not in partial.content
    token = obtain_tokens("acme.localhost", "owner@acme.example")["access"]
    api = owner.get(
        reverse("api-report-volume"),
        {"start": "2026-10-18", "end": "2026-10-05", "company": "999999"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert api.status_code == 400
    assert set(api.json()) == {"start", "company"}
    csv_refused = owner.get(
        reverse("reports:csv", args=["volume", "by_client"]), {"start": "nonsense"}
    )
    assert csv_refused.status_code == 400


def test_unknown_reports_and_tables_are_404(world, owner):
    assert owner.get(reverse("reports:report", args=["payroll"])).status_code == 404
    assert owner.get(reverse("reports:csv", args=["sla", "salaries"])).status_code == 404


def test_a_report_shows_only_the_filters_it_honours(world, owner):
    page = owner.get(reverse("reports:report", args=["activity"]))
    assert set(page.context["form"].fields) == {"start", "end", "company"}
    page = owner.get(reverse("reports:report", args=["response-time"]))
    assert set(page.context["form"].fields) == {"start", "end", "company", "type", "owner"}


def test_csv_cells_never_start_a_formula(world, seeded, owner):
    with tenant_context(world.acme):
        ClientRequest.objects.filter(pk=seeded["R2"].pk).update(title="=HYPERLINK(1)")
    export = owner.get(reverse("reports:csv", args=["sla", "breaches"]), PERIOD)
    titles = [row[1] for row in csv_rows(export)]
    assert "'=HYPERLINK(1)" in titles


def more_requests(world, count: int) -> None:
    """``count`` more requests over the period, for both companies, answered and resolved."""
    with tenant_context(world.acme):
        support = RequestType.objects.get(key="support")
        owner = world.personas["owner"].user
        ClientRequest.objects.bulk_create(
            ClientRequest(
                company=world.northwind if n % 2 else world.southwind,
                type=support,
                title=f"Bulk {n}",
                details="More of the same.",
                created_by=owner,
                owner=owner if n % 3 else None,
                created_at=at(5, 9) + timedelta(hours=n),
                first_response_at=at(5, 10) + timedelta(hours=n),
                first_response_seconds=3600 + n,
                resolved_at=at(6, 10) + timedelta(hours=n),
                resolution_seconds=7200 + n,
                status="resolved",
                sla_state="breached" if n % 4 else "met",
                response_due_at=at(5, 11) + timedelta(hours=n),
                resolution_due_at=at(6, 9) + timedelta(hours=n),
            )
            for n in range(count)
        )


def report_queries(client, name) -> list[str]:
    client.get(reverse("reports:report", args=[name]), PERIOD)  # routing caches warm
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reports:report", args=[name]), PERIOD)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


# Every page runs 5 statements before its report: the session, the user, the actor (with its
# membership), the agency's time zone, the team's saved views of the request list (in the
# navigation); then the report's own; then, as the form renders, one per choice list it shows
# (clients; request types; team members).
OWN_STATEMENTS = {
    "response-time": 1,  # weeks and total
    "sla": 2,  # per priority, client, week and total; the breaches
    "volume": 1,  # per week and type, client, type and total
    "workload": 1,  # per owner and total
    "approvals": 1,  # per week, client and total
    "activity": 2,  # per week, client and total; the clients, so that idle ones show
    "health": 2,  # every signal of every client at both points in time; their names
    "csat": 1,  # per client, owner, type and total
    "deflection": 2,  # per week, client and total; per article and total
    # the retainers; no acme retainer had started by PERIOD, so not their usage (one more
    # when any has: tests/test_timesheets.py)
    "retainers": 1,
}


@pytest.mark.parametrize("name", list(REPORTS))
def test_queries_do_not_grow_with_rows(world, seeded, owner, name):
    more_requests(world, 10)
    few = report_queries(owner, name)
    more_requests(world, 200)
    many = report_queries(owner, name)
    choices = len(set(REPORTS[name].filters) & {"company", "type", "owner"})
    assert len(few) == len(many) == 5 + OWN_STATEMENTS[name] + choices


def test_the_openapi_schema_documents_every_report(world):
    from tests.conftest import host_client

    schema = host_client("acme.localhost").get("/api/schema/?format=json").json()
    for name, spec in REPORTS.items():
        operation = schema["paths"][f"/api/v1/reports/{name}"]["get"]
        assert operation["summary"] == spec.title
        parameters = {parameter["name"] for parameter in operation["parameters"]}
        assert parameters == set(spec.filters)
    assert "/api/v1/reports" in schema["paths"]


def test_the_default_period_is_twelve_calendar_weeks_shown_in_the_form(world, owner):
    page = owner.get(reverse("reports:report", args=["volume"]))
    form = page.context["form"]
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    assert start.weekday() == 0
    assert (end - start).days // 7 + 1 == 12
    assert f'value="{start.isoformat()}"'.encode() in page.content
    assert len(page.context["report"].table("by_week").rows) == 12


def test_breaches_link_to_their_requests(world, seeded, owner):
    page = owner.get(reverse("reports:report", args=["sla"]), PERIOD)
    for name in ("R4", "R2"):
        url = reverse("client_requests:detail", args=[seeded[name].pk])
        assert f'<a href="{url}">{seeded[name].pk}</a>'.encode() in page.content

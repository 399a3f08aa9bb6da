"""The owner reads every report in a real browser: figures in the tables and charts drawn.

The test commits twelve weeks of requests, approvals, uploads and messages (rows it tags
and removes afterwards; it writes no activity entries, which could not be removed), and
saves a screenshot of the response-time report to docs/screenshots/.
"""

import random
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from shared_apps.accounts.models import User
from tenant_apps.approvals.models import ApprovalRequest
from tenant_apps.client_requests.models import ClientRequest, RequestType
from tenant_apps.documents.models import Document, DocumentKind, DocumentVersion
from tenant_apps.files.models import StoredFile
from tenant_apps.messaging.models import Message, Thread
from tenant_apps.people.models import ClientCompany
from tenant_apps.reports.catalogue import REPORTS
from tenant_apps.reports.filters import DEFAULT_WEEKS
from tenant_apps.satisfaction.models import Rating
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.test_requests_flow import sign_in

ACME = "acme.localhost"
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs/screenshots/response-time-report.png"
REQUESTS = 400


def _weeks_of_work(tag: str) -> None:
    """REQUESTS requests over the last twelve weeks, answered and resolved in business-like
    times that drift slower, with SLA outcomes; documents asked for approval in rounds;
    client uploads and messages. Everything is named or keyed with ``tag``."""
    rand = random.Random(2026)
    now = timezone.now()
    people = {user.email: user for user in User.objects.all()}
    team = [people[email] for email in ("owner@acme.example", "admin@acme.example")]
    team.append(people["staff@acme.example"])
    clients = {
        "Northwind": [people["ca@northwind.example"], people["approver@northwind.example"]],
        "Southwind": [people["ca@southwind.example"]],
    }
    companies = {company.name: company for company in ClientCompany.objects.all()}
    types = list(RequestType.objects.filter(is_builtin=True))
    requests = []
    for number in range(REQUESTS):
        age = timedelta(days=rand.uniform(0, 84))
        created = now - age
        company = companies[rand.choice(["Northwind", "Northwind", "Southwind"])]
        slower = 1 + (84 - age.days) / 84  # recent weeks answer more slowly
        answered = created + timedelta(hours=rand.expovariate(1 / (3 * slower)))
        resolved = answered + timedelta(hours=rand.expovariate(1 / 30))
        is_open = resolved > now or rand.random() < 0.1
        breached = rand.random() < 0.2
        requests.append(
            ClientRequest(
                company=company,
                type=rand.choice(types),
                title=f"Report flow {tag} {number}",
                details="Seeded by the reports browser test.",
                priority=rand.choice(["low", "normal", "normal", "high", "urgent"]),
                owner=rand.choice([*team, None]),
                created_by=clients[company.name][0],
                created_at=created,
                status="in_progress" if is_open else "resolved",
                first_response_at=min(answered, now),
                first_response_seconds=int((answered - created).total_seconds() * 0.6),
                response_due_at=created + timedelta(hours=4),
                resolved_at=None if is_open else resolved,
                resolution_seconds=None
                if is_open
                else int((resolved - created).total_seconds() * 0.4),
                resolution_due_at=created + timedelta(days=2),
                sla_state="breached" if breached else ("on_track" if is_open else "met"),
            )
        )
    ClientRequest.objects.bulk_create(requests)
    # Most resolved requests rated by their asker a few hours later (its own draws, so the
    # figures above stay as they were).
    rate = random.Random(19)
    Rating.objects.bulk_create(
        Rating(
            request=request,
            rated_by=request.created_by,
            score=rate.choice(["good", "good", "good", "okay", "bad"]),
            via="email",
            first_answered_at=request.resolved_at + timedelta(hours=2),
            answered_at=request.resolved_at + timedelta(hours=2),
        )
        for request in requests
        if request.resolved_at
        and request.resolved_at + timedelta(hours=2) < now
        and rate.random() < 0.7
    )
    files, documents, versions, approvals = [], [], [], []
    for number in range(30):
        asked = now - timedelta(days=rand.uniform(1, 80))
        company = companies[rand.choice(["Northwind", "Southwind"])]
        document = Document(
            company=company,
            name=f"Report flow {tag} deliverable {number}",
            kind=DocumentKind.DELIVERABLE,
            created_by=team[0],
        )
        documents.append(document)
        for round_number in (1, 2):
            file = StoredFile(
                key=f"report-flow/{tag}/{number}-{round_number}",
                name="deliverable.pdf",
                size=100,
                sha256=f"{number:032x}{round_number:032x}",
                content_type="application/pdf",
                uploaded_by=team[0],
                created_at=asked,
            )
            files.append(file)
            version = DocumentVersion(document=document, number=round_number, file=file)
            versions.append(version)
            decided = asked + timedelta(hours=rand.expovariate(1 / 20))
            first_try = round_number == 2 or rand.random() < 0.5
            approvals.append(
                ApprovalRequest(
                    company=company,
                    version=version,
                    sha256=file.sha256,
                    title=f"Report flow {tag}",
                    requested_by=team[0],
                    created_at=asked,
                    status="approved" if first_try else "changes_requested",
                    completed_at=decided,
                )
            )
            if first_try:
                break
            asked = decided + timedelta(hours=12)
    for number in range(60):
        name = rand.choice(list(clients))
        files.append(
            StoredFile(
                key=f"report-flow/{tag}/upload-{number}",
                name="brief.pdf",
                size=100,
                sha256="0" * 64,
                content_type="application/pdf",
                uploaded_by=rand.choice(clients[name]),
                created_at=now - timedelta(days=rand.uniform(0, 84)),
            )
        )
    StoredFile.objects.bulk_create(files)
    Document.objects.bulk_create(documents)
    DocumentVersion.objects.bulk_create(versions)
    ApprovalRequest.objects.bulk_create(approvals)
    for name, people_of in clients.items():
        thread, _ = Thread.objects.get_or_create(
            company=companies[name],
            is_internal=False,
            request=None,
            document=None,
            approval=None,
            invoice=None,
            defaults={"created_by": people_of[0]},
        )
        Message.objects.bulk_create(
            Message(
                thread=thread,
                author=rand.choice(people_of),
                body=f"Report flow {tag}",
                created_at=now - timedelta(days=rand.uniform(0, 84)),
            )
            for _ in range(25)
        )


def _remove(tag: str) -> None:
    Message.objects.filter(body=f"Report flow {tag}").delete()
    ApprovalRequest.objects.filter(title=f"Report flow {tag}").delete()
    versions = DocumentVersion.objects.filter(document__name__startswith=f"Report flow {tag} ")
    versions.delete()
    Document.objects.filter(name__startswith=f"Report flow {tag} ").delete()
    StoredFile.objects.filter(key__startswith=f"report-flow/{tag}/").delete()
    ClientRequest.objects.filter(title__startswith=f"Report flow {tag} ").delete()


@pytest.fixture
def seeded(django_db_blocker):
    tag = uuid.uuid4().hex[:8]

    def in_acme(work):
        def run():
            with tenant_context(Agency.objects.get(subdomain="acme")):
                work(tag)

        _with_database(django_db_blocker, run)

    in_acme(_weeks_of_work)
    yield tag
    in_acme(_remove)


# A canvas Chart.js has drawn on: its chart object exists and some pixel is not transparent.
DRAWN = """canvas => {
    const chart = window.Chart.getChart(canvas);
    const { width, height } = canvas;
    const pixels = canvas.getContext("2d").getImageData(0, 0, width, height).data;
    let inked = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked++;
    return Boolean(chart) && chart.data.datasets.length > 0 && inked > 500;
}"""


def expect_drawn(page):
    canvases = page.locator("canvas")
    expect(canvases.first).to_be_visible()
    for index in range(canvases.count()):
        canvas = canvases.nth(index)
        page.wait_for_function(DRAWN, arg=canvas.element_handle())


def test_every_report_shows_figures_and_draws_its_chart(page, live_url, seeded):
    sign_in(page, live_url, "owner@acme.example")
    page.get_by_role("navigation").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Reports")).to_be_visible()
    listed = page.get_by_role("main").get_by_role("listitem")
    expect(listed).to_have_text([re.compile(re.escape(spec.title)) for spec in REPORTS.values()])

    listed.first.get_by_role("link").click()
    for spec in REPORTS.values():
        tabs = page.get_by_role("navigation", name="Reports")
        tabs.get_by_role("link", name=spec.title, exact=True).click()
        expect(page.get_by_role("heading", name=spec.title, exact=True)).to_be_visible()
        first_table = page.locator("table.figures").first
        expect(first_table.locator("tbody tr").first).to_be_visible()
        expect_drawn(page)

    # The response-time report: figures for twelve weeks, then one client's, in place.
    page.goto(live_url(ACME, "/reports/response-time/"))
    rows = page.locator('table[data-table="weeks"] tbody tr')
    expect(rows).to_have_count(DEFAULT_WEEKS + 1)  # and the total
    expect(rows.last).to_contain_text("Whole period")
    expect_drawn(page)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    all_answered = rows.last.locator("td").nth(1).inner_text()
    page.evaluate("window.samePage = true")
    page.get_by_label("Client").select_option(label="Southwind")
    expect(page).to_have_url(re.compile(r"company=\d+"))
    expect(rows.last.locator("td").nth(1)).not_to_have_text(all_answered)
    expect_drawn(page)
    assert page.evaluate("window.samePage") is True

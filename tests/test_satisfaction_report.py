"""The CSAT report (per client, owner and request type, with CSV and a constant number of
queries) and CSAT as a client health signal."""

import csv
import io
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.client_requests.models import ClientRequest, RequestType
from tenant_apps.reports.health import client_health
from tenant_apps.satisfaction.actions import rating_give
from tenant_apps.satisfaction.models import Rating
from tests.conftest import signed_in_client
from tests.routes_satisfaction import resolved_request


def rated(world, score, *, by="client_admin", company=None, owner=None, type_key="support"):
    client_request = resolved_request(world, by=by, company=company)
    with tenant_context(world.acme):
        ClientRequest.objects.filter(pk=client_request.pk).update(
            owner=world.personas[owner].user if owner else None,
            type=RequestType.objects.get(key=type_key),
        )
        client_request.refresh_from_db()
        rating_give(client_request=client_request, actor=world.personas[by].user, score=score)
    return client_request


def seed(world):
    """Northwind: good, good, bad (staff owns two, support and change); Southwind: okay."""
    rated(world, "good", owner="staff")
    rated(world, "good", owner="staff", type_key="change")
    rated(world, "bad", owner="admin")
    rated(world, "okay", by="other_company", company=world.southwind)


def by_label(table, label):
    return {
        row[label]: (row["good"], row["okay"], row["bad"], row["answers"], row["csat_percent"])
        for row in table.rows
    }


def test_the_report_counts_answers_and_csat_per_client_owner_and_type(world):
    seed(world)
    owner = signed_in_client(world.personas["owner"])
    page = owner.get(reverse("reports:report", args=["csat"]))
    assert page.status_code == 200
    report = page.context["report"]
    assert by_label(report.table("by_client"), "client") == {
        "Northwind": (2, 0, 1, 3, 66.7),
        "Southwind": (0, 1, 0, 1, 0.0),
        "All": (2, 1, 1, 4, 50.0),
    }
    assert by_label(report.table("by_owner"), "owner") == {
        "Acme Staff": (2, 0, 0, 2, 100.0),
        "Acme Admin": (0, 0, 1, 1, 0.0),
        "Unassigned": (0, 1, 0, 1, 0.0),
        "All": (2, 1, 1, 4, 50.0),
    }
    assert by_label(report.table("by_type"), "type") == {
        "Support": (1, 1, 1, 3, 33.3),
        "Change": (1, 0, 0, 1, 100.0),
        "All": (2, 1, 1, 4, 50.0),
    }
    # Filtered to one client.
    northwind = owner.get(reverse("reports:report", args=["csat"]), {"company": world.northwind.pk})
    assert by_label(northwind.context["report"].table("by_client"), "client")["All"][3] == 3
    export = owner.get(reverse("reports:csv", args=["csat", "by_owner"]))
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0] == ["Owner", "Good", "Okay", "Bad", "Answers", "CSAT %"]
    assert ["Acme Staff", "2", "0", "0", "2", "100.0"] in rows


def test_only_owners_and_admins_read_the_report(world):
    for persona, status in [("staff", 403), ("client_admin", 403), ("admin", 200)]:
        client = signed_in_client(world.personas[persona])
        assert client.get(reverse("reports:report", args=["csat"])).status_code == status
        csv_url = reverse("reports:csv", args=["csat", "by_client"])
        assert client.get(csv_url).status_code == status


def bulk_ratings(world, count: int) -> None:
    """``count`` more rated requests for both companies, straight into the tables."""
    with tenant_context(world.acme):
        support = RequestType.objects.get(key="support")
        team = [world.personas[key].user for key in ("owner", "admin", "staff")]
        now = timezone.now()
        requests = ClientRequest.objects.bulk_create(
            ClientRequest(
                company=world.northwind if n % 2 else world.southwind,
                type=support,
                title=f"Rated {n}",
                details="Done.",
                created_by=world.personas["client_admin"].user,
                owner=team[n % 3],
                status="resolved",
                resolved_at=now,
                sla_state="met",
            )
            for n in range(count)
        )
        Rating.objects.bulk_create(
            Rating(request=r, score=("good", "okay", "bad")[n % 3], via="portal")
            for n, r in enumerate(requests)
        )


def report_queries(client) -> int:
    url = reverse("reports:report", args=["csat"])
    client.get(url)  # routing caches warm
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_the_report_runs_the_same_queries_for_10_ratings_as_for_many(world):
    owner = signed_in_client(world.personas["owner"])
    bulk_ratings(world, 10)
    few = report_queries(owner)
    bulk_ratings(world, 300)
    assert report_queries(owner) == few
    # 5 before every report (see tests/test_reports_pages.py), the report's one statement,
    # 3 choice lists in the form.
    assert few == 5 + 1 + 3


def test_csat_is_a_health_signal_with_its_documented_weight(world):
    seed(world)
    with tenant_context(world.acme):
        health = client_health(company_ids=[world.northwind.pk, world.southwind.pk])
        parts = {
            company: {part.signal: (part.value, part.points) for part in score.parts}
            for company, score in health.items()
        }
    # Northwind: 1 of 3 not good = 33.3 %, (33.3 - 20) / 50 of 10 points.
    assert parts[world.northwind.pk]["csat_not_good"] == (33.3, 2.7)
    # Southwind: its one answer was okay: 100 % not good, all 10 points.
    assert parts[world.southwind.pk]["csat_not_good"] == (100.0, 10.0)
    # Ratings older than 90 days no longer count.
    with tenant_context(world.acme):
        Rating.objects.update(first_answered_at=timezone.now() - timedelta(days=91))
        later = client_health(company_ids=[world.southwind.pk])[world.southwind.pk]
    assert {part.signal: part.points for part in later.parts}["csat_not_good"] == 0

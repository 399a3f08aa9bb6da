"""A client's overview for the team (/clients/<id>/ and /api/v1/clients/<id>/overview): each
section's count equals the list its "View all" links to, empty sections say so in the team's
words, only the team who see the client reach it (its own people are sent to their people
page), nothing crosses agencies, the health trend agrees with the reports' score, and the
queries are the same at a few rows and at many."""

import re

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from tenant_apps.client_requests.models import ClientRequest
from tenant_apps.people.actions import client_company_create, client_member_create
from tenant_apps.reports.health import TREND_WEEKS, client_health
from tests.conftest import PASSWORD, signed_in_client
from tests.people_support import api_client, api_get
from tests.routes_messaging import post_message
from tests.test_dashboard import SECRET, count_on_list, northwind_story

SECTIONS = ["requests", "approvals", "invoices", "files", "conversations", "milestones", "people"]


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


def overview_page(world, persona="owner", company=None):
    company = company or world.northwind
    return signed_in_client(world.personas[persona]).get(f"/clients/{company.pk}/")


def sections_on(html: str) -> dict[str, tuple[int, str]]:
    """{section: (the count in its heading, its "View all" link)}."""
    found = re.findall(
        r'<h2 id="(\w+)-heading">[^<]*<span class="badge">(\d+)</span></h2>\s*'
        r'<a href="([^"]+)" class="view-all">',
        html,
    )
    return {key: (int(count), url.replace("&amp;", "&")) for key, count, url in found}


def test_an_empty_client_says_so_in_the_teams_words(world):
    response = overview_page(world)
    assert response.status_code == 200
    html = response.content.decode()
    assert {key: count for key, (count, _) in sections_on(html).items()} == {
        "requests": 0,
        "approvals": 0,
        "invoices": 0,
        "files": 0,
        "conversations": 0,
        "milestones": 0,
        "people": 4,  # Northwind's four client personas
    }
    for empty in (
        "No open requests from Northwind.",
        "Nothing is waiting for Northwind's approval.",
        "Northwind has no unpaid invoices.",
        "No files in Northwind's space yet.",
        "No conversations with Northwind yet.",
        "No milestones for Northwind yet.",
    ):
        assert empty in html
    assert '<h2 id="health-heading">Health</h2>' in html


def test_each_section_counts_what_its_list_shows_for_the_client(world):
    northwind_story(world, 7)
    northwind_story(world, 1, company=world.southwind)
    team = signed_in_client(world.personas["owner"])
    html = team.get(f"/clients/{world.northwind.pk}/").content.decode()
    shown = sections_on(html)
    assert list(shown) == SECTIONS
    # Seven of each, but five shown and a link to the rest.
    assert shown["requests"][0] == 7
    assert html.count('<p class="more">') == 5  # requests, approvals, invoices, files, milestones
    for key in ("requests", "approvals", "invoices", "files"):
        count, url = shown[key]
        assert f"company={world.northwind.pk}" in url or f"/{world.northwind.pk}/" in url
        assert count_on_list(team, url) == count, key
    assert shown["files"][0] == 14  # the team sees the internal ones too, marked
    assert "Team only" in html and SECRET in html
    assert shown["conversations"] == (2, f"/messages/?company={world.northwind.pk}")
    assert shown["milestones"] == (7, f"/projects/clients/{world.northwind.pk}/")
    assert shown["people"] == (4, f"/clients/{world.northwind.pk}/people/")
    assert "Southwind" not in html


def test_the_api_gives_the_same_overview(world):
    northwind_story(world, 2)
    response = api_get(world, "staff", f"/api/v1/clients/{world.northwind.pk}/overview")
    assert response.status_code == 200
    data = response.json()
    assert data["company"] == {"id": world.northwind.pk, "name": "Northwind"}
    page = sections_on(overview_page(world, "staff").content.decode())
    for key in SECTIONS:
        assert (data[key]["total"], data[key]["url"]) == page[key], key
    assert data["requests"]["items"][0]["url"].startswith("/requests/")
    assert data["milestones"]["completed"] == 0
    assert data["invoices"]["overdue"] == 0
    assert [total["currency"] for total in data["invoice_totals"]] == ["EUR"]
    assert len(data["health"]["weekly"]) == TREND_WEEKS + 1


def test_the_overview_is_in_the_openapi_schema(world):
    schema = signed_in_client(world.personas["owner"]).get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/clients/{company_id}/overview"]["get"]
    output = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][output.rsplit("/", 1)[1]]["properties"]
    assert {"company", "health", *SECTIONS} <= set(fields)


def test_the_health_trend_ends_at_the_score_the_reports_give(world):
    northwind_story(world, 2)
    data = api_get(world, "owner", f"/api/v1/clients/{world.northwind.pk}/overview").json()
    with tenant_context(world.acme):
        score = client_health(company_ids=[world.northwind.pk])[world.northwind.pk]
    assert data["health"]["score"] == score.score
    assert data["health"]["trend"] == score.trend
    weekly = data["health"]["weekly"]
    assert weekly[-1]["score"] == score.score
    assert weekly == sorted(weekly, key=lambda week: week["as_of"])
    html = overview_page(world).content.decode()
    assert '<polyline class="trend-line" points="' in html
    assert f"Health over the last {TREND_WEEKS} weeks" in html


# Who reaches it


def test_a_client_person_is_sent_to_their_companys_people_page(world):
    response = overview_page(world, "viewer")
    assert response.status_code == 302
    assert response["Location"] == f"/clients/{world.northwind.pk}/people/"
    # Their own link in the navigation goes straight there.
    home = signed_in_client(world.personas["viewer"]).get("/").content.decode()
    assert f'href="/clients/{world.northwind.pk}/people/"' in home


@pytest.mark.parametrize(
    ("persona", "company"),
    [("staff", "southwind"), ("other_company", "northwind"), ("client_admin", "southwind")],
)
def test_a_client_someone_does_not_see_does_not_exist_for_them(world, persona, company):
    northwind_story(world, 1, company=world.southwind)
    company_id = getattr(world, company).pk
    assert overview_page(world, persona, getattr(world, company)).status_code == 404
    api = api_get(world, persona, f"/api/v1/clients/{company_id}/overview")
    assert api.status_code == 404


def test_the_clients_list_leads_the_team_to_the_overview(world):
    html = signed_in_client(world.personas["owner"]).get("/clients/").content.decode()
    assert f'href="/clients/{world.northwind.pk}/"' in html
    html = signed_in_client(world.personas["client_admin"]).get("/clients/").content.decode()
    assert f'href="/clients/{world.northwind.pk}/people/"' in html


def test_another_agencys_client_is_not_reachable(world):
    """Globex's owner, on Globex's host, asks for Acme's clients by their ids: ids repeat
    across agencies, so one may name Globex's own client, but never shows Acme's."""
    northwind_story(world, 1)
    outsider = world.personas["outsider"]
    with tenant_context(world.globex):
        own = client_company_create(name="Globex Client", actor=outsider.user)
    browser = signed_in_client(outsider)
    client, headers = api_client(world, "outsider")
    for company in (world.northwind, world.southwind):
        page = browser.get(f"/clients/{company.pk}/")
        api = client.get(
            f"/api/v1/clients/{company.pk}/overview", HTTP_HOST="globex.localhost", **headers
        )
        if company.pk == own.pk:
            assert page.status_code == 200 and api.status_code == 200
            assert "Globex Client" in page.content.decode()
            assert api.json()["company"]["name"] == "Globex Client"
        else:
            assert page.status_code == 404 and api.status_code == 404
        assert "Northwind" not in page.content.decode() + api.content.decode()
        assert "Logo" not in page.content.decode() + api.content.decode()  # Acme's requests


# Constant queries


def grow(world, times: int, start: int):
    """``times`` more of everything for Northwind, threads about its requests and people."""
    northwind_story(world, times)
    with tenant_context(world.acme):
        password_hash = make_password(PASSWORD)
        for number in range(start, start + times):
            client_member_create(
                email=f"person{number}@northwind.example",
                full_name=f"Northwind Person {number}",
                company=world.northwind,
                role="viewer",
                password_hash=password_hash,
                actor=world.personas["owner"].user,
            )
        requests = list(ClientRequest.objects.filter(company=world.northwind)[:times])
    for client_request in requests:
        post_message(world, by="owner", item=client_request, body="About this one.")


def test_the_overview_runs_the_same_queries_at_few_and_many_rows(world):
    """Session, user, the actor, (limited staff) their companies, the company, the agency's
    time zone, one query per section (two for invoices: the rows and the totals), the health
    trend; pages add the brand and the notification bell's count."""
    views = [
        ("owner", "page"),
        ("staff", "page"),
        ("owner", "api"),
        ("staff", "api"),
    ]
    path = f"/clients/{world.northwind.pk}/"
    api_path = f"/api/v1/clients/{world.northwind.pk}/overview"
    visitors = {}
    for persona, kind in views:
        if kind == "page":
            visitors[persona, kind] = (signed_in_client(world.personas[persona]), {}, path)
        else:
            client, headers = api_client(world, persona)
            visitors[persona, kind] = (client, headers, api_path)

    def queries(view) -> list[str]:
        client, headers, url = visitors[view]
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, **headers).status_code == 200
        return [query["sql"] for query in captured.captured_queries]

    def measure() -> dict:
        for view in views:
            queries(view)  # the first request switches schema
        return {view: queries(view) for view in views}

    grow(world, 1, 0)
    few = measure()
    grow(world, 9, 1)
    many = measure()
    for view in views:
        assert len(few[view]) == len(many[view]), (view, "\n\n".join(many[view]))
    assert len(many["owner", "api"]) <= 14, "\n\n".join(many["owner", "api"])

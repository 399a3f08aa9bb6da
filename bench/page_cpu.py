"""Page vs API: the CPU one GET costs this process, for the team's main lists.

Run by run.py (``--part pages``) against the bench database: ``python -m bench.page_cpu``.
Seeds the demo agency (``seed_demo``) plus CLIENTS more client companies, so that the
client filters hold as many choices as a real agency's, then, as the agency's owner
(a session for pages, a JWT for the API), GETs each page and its API list in turn:
WARM_UP untimed, then ROUNDS rounds of REPEAT each, taking the median round. CPU is this
process's (``time.process_time``: Python, templates, serializers; not PostgreSQL's), which
is where a page and its API differ. Queries per GET are counted too.

Prints JSON: {label: {"page_ms", "api_ms", "ratio", "page_queries", "api_queries"}}.
"""
# ruff: noqa: E402  (Django must be set up before models are imported)

import io
import json
import statistics
import sys
import time

import django

django.setup()

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.onboarding.demo_data import AGENCIES, DEMO_PASSWORD
from tenant_apps.people.models import ClientCompany
from tenants.models import Agency

CLIENTS = 200  # more client companies than the demo's few
WARM_UP, ROUNDS, REPEAT = 5, 5, 20
# label -> (page, API list): the lists a team member lives in.
LISTS = {
    "requests": ("/requests/", "/api/v1/requests"),
    "documents": ("/documents/", "/api/v1/documents"),
    "invoices": ("/invoices/", "/api/v1/invoices"),
    "approvals": ("/approvals/", "/api/v1/approvals"),
}


def seed() -> tuple[Agency, User]:
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    spec = AGENCIES[0]
    agency = Agency.objects.get(subdomain=spec.subdomain)
    with tenant_context(agency):
        owner = User.objects.get(email=spec.owner[1])
        # In bulk, past the plan's client limit: only the filters' choices need them.
        if not ClientCompany.objects.filter(name__startswith="Bench client").exists():
            ClientCompany.objects.bulk_create(
                ClientCompany(name=f"Bench client {number:03}") for number in range(CLIENTS)
            )
    return agency, owner


def cpu_ms(client: Client, path: str, headers: dict) -> float:
    """The median round's CPU per GET, in ms."""
    for _ in range(WARM_UP):
        assert client.get(path, headers=headers).status_code == 200, path
    rounds = []
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(REPEAT):
            client.get(path, headers=headers)
        rounds.append((time.process_time() - started) * 1000 / REPEAT)
    return statistics.median(rounds)


def queries(client: Client, path: str, headers: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(path, headers=headers)
    return len(captured.captured_queries)


def main():
    agency, owner = seed()
    with tenant_context(agency):  # the owner's sign-in and session live in its schema
        print(json.dumps(measure(agency.domains.get().domain, owner)))


def measure(host: str, owner: User) -> dict:
    page = Client(HTTP_HOST=host)
    page.force_login(owner)
    api = Client(HTTP_HOST=host)
    token = api.post(
        "/api/v1/auth/token",
        {"email": owner.email, "password": DEMO_PASSWORD},
        content_type="application/json",
    ).json()["access"]
    bearer = {"Authorization": f"Bearer {token}"}
    result = {}
    for label, (page_path, api_path) in LISTS.items():
        page_ms = cpu_ms(page, page_path, {})
        api_ms = cpu_ms(api, api_path, bearer)
        result[label] = {
            "page": page_path,
            "api": api_path,
            "page_ms": page_ms,
            "api_ms": api_ms,
            "ratio": page_ms / api_ms,
            "page_queries": queries(page, page_path, {}),
            "api_queries": queries(api, api_path, bearer),
        }
    return {"clients": CLIENTS, "lists": result}


if __name__ == "__main__":
    sys.exit(main())

"""seed_demo: two agencies with months of history of every kind, written through the real
actions at their moments (so the activity log reads in time order and still verifies), once."""

import re
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Max, Min
from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.activity.selectors import activity_first_broken_link
from tenant_apps.approvals.models import ApprovalDecision, ApprovalRequest
from tenant_apps.client_requests.models import (
    OPEN_STATUSES,
    ClientRequest,
    EventKind,
    RequestEvent,
    RequestPause,
)
from tenant_apps.documents.models import Document, DocumentVersion, ExtractionState
from tenant_apps.inbox.models import FileRequest
from tenant_apps.invoices.models import Invoice
from tenant_apps.messaging.models import Message
from tenant_apps.onboarding.demo_data import AGENCIES
from tenant_apps.people.models import ClientCompany, ClientMember, TeamMember
from tenant_apps.projects.models import Milestone
from tenants.models import Agency

KINDS = [
    ClientCompany,
    ClientMember,
    TeamMember,
    ClientRequest,
    RequestEvent,
    Document,
    DocumentVersion,
    ApprovalRequest,
    ApprovalDecision,
    Invoice,
    Message,
    Milestone,
    FileRequest,
    ActivityEntry,
]


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


def counts(agency) -> dict[str, int]:
    with tenant_context(agency):
        return {model.__name__: model.objects.count() for model in KINDS}


def statuses(model) -> set[str]:
    return set(model.objects.values_list("status", flat=True))


def test_seed_demo_writes_two_agencies_months_of_history_once(world):
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO())

    agencies = [Agency.objects.get(subdomain=spec.subdomain) for spec in AGENCIES]
    assert len(agencies) == 2
    assert "demo.localhost" in out.getvalue() and "portal-demo-2026" in out.getvalue()
    check_logins(out.getvalue())
    for agency, spec in zip(agencies, AGENCIES, strict=True):
        with tenant_context(agency):
            check_history(spec)
    first = [counts(agency) for agency in agencies]

    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())

    assert [counts(agency) for agency in agencies] == first


def check_history(spec):
    assert ClientCompany.objects.count() == len(spec.clients)
    assert ClientMember.objects.count() == sum(len(client.people) for client in spec.clients)
    assert TeamMember.objects.filter(sees_all_clients=False).count() == 1

    # Requests over about four months, most answered and resolved, some still open.
    requests = ClientRequest.objects.all()
    span = requests.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert span["last"] - span["first"] > timedelta(days=100)
    assert requests.count() >= 40
    assert requests.filter(status__in=OPEN_STATUSES).count() >= 3
    answered = requests.filter(first_response_seconds__isnull=False)
    assert answered.count() >= 0.8 * requests.count()
    assert requests.filter(resolution_seconds__isnull=False).count() >= 0.6 * requests.count()
    assert requests.filter(reopened_count__gt=0).exists()
    assert {"met", "breached"} <= set(requests.values_list("sla_state", flat=True))
    # Each first response came after its request, at the reply that gave it.
    for request in answered[:10]:
        first_reply = request.events.filter(
            kind=EventKind.REPLY, actor__team_member__isnull=False
        ).earliest("created_at")
        assert first_reply.created_at == request.first_response_at > request.created_at
    replies = RequestEvent.objects.filter(kind=EventKind.REPLY)
    assert replies.filter(actor__client_member__isnull=False).exists()
    assert RequestEvent.objects.filter(kind=EventKind.NOTE, is_internal=True).exists()
    assert RequestPause.objects.exists()

    # Documents with versions, their text extracted; an internal one for the team.
    assert DocumentVersion.objects.filter(number__gt=1).exists()
    assert not DocumentVersion.objects.exclude(extraction=ExtractionState.DONE).exists()
    assert Document.objects.filter(is_internal=True).exists()
    assert {"approved", "changes_requested"} <= statuses(ApprovalRequest)
    assert ApprovalDecision.objects.filter(decision="changes_requested").exists()

    assert "paid" in statuses(Invoice) and statuses(Invoice) & {"sent", "overdue"}
    assert Message.objects.filter(thread__is_internal=True).exists()
    assert Message.objects.filter(author__client_member__isnull=False).exists()
    assert {"completed", "planned"} <= statuses(Milestone)
    assert {"open", "fulfilled"} <= statuses(FileRequest)

    # The log: written at each step's moment, so in time order, over the months; it verifies.
    entries = ActivityEntry.objects.all()
    assert entries.filter(action="auth.signed_in").count() > 50
    assert set(entries.values_list("action", flat=True)) >= {
        "request.submitted",
        "request.replied",
        "documents.version_added",
        "approval.completed",
        "invoice.marked_paid",
        "message.posted",
        "milestone.status_changed",
        "file_request.fulfilled",
    }
    assert entries.aggregate(days=Max("occurred_at") - Min("occurred_at"))["days"] > timedelta(
        days=100
    )
    # (After the signup's own entry, made today: the history is written into the new agency.)
    signup = entries.get(action="team.owner_created").pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT occurred_at < lag(occurred_at) OVER (ORDER BY id) AS "
            f"back FROM {ActivityEntry._meta.db_table} WHERE id > %s) steps WHERE back",
            [signup],
        )
        assert cursor.fetchone()[0] == 0
    assert activity_first_broken_link() is None
    by_company = entries.values("company").annotate(n=Count("id"))
    assert len(by_company) > len(spec.clients)  # every client, and the team's own entries


README = Path(__file__).resolve().parent.parent / "README.md"
LOGIN_ROW = re.compile(r"^\| (\w+) \| `([^`]+)` \| ([^|]+) \|$", re.MULTILINE)


def check_logins(printed: str):
    """Each demo login the README lists is printed by seed_demo and is that person, in that
    agency, with that role (and client company)."""
    rows = LOGIN_ROW.findall(README.read_text())
    assert len(rows) >= 10
    for subdomain, email, who in rows:
        assert re.search(rf"{re.escape(email)} +{re.escape(who.strip())}$", printed, re.M), email
        role, _, company = who.strip().partition(", ")
        with tenant_context(Agency.objects.get(subdomain=subdomain)):
            team = TeamMember.objects.filter(user__email=email).first()
            client = ClientMember.objects.filter(user__email=email).select_related("company")
            client = client.first()
            if team is not None:
                assert team.get_role_display() == role
                assert team.sees_all_clients == (company != "some clients only")
            else:
                assert (client.get_role_display(), client.company.name) == (role, company)

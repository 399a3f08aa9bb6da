"""Matrix entries for the reports routes (see tests/access_matrix.py): owners and admins only;
staff, client people and Southwind get 403; no or foreign credentials sign in (302) or 401."""

from datetime import UTC, datetime
from unittest import mock

from django_tenants.utils import tenant_context

from tenant_apps.activity.actions import activity_record
from tenant_apps.approvals.models import ApprovalDecision, ApprovalRequest
from tenant_apps.client_requests.models import ClientRequest
from tenant_apps.files.actions import file_store
from tenant_apps.files.models import StoredFile
from tenant_apps.messaging.models import Message, Thread
from tenant_apps.reports.catalogue import REPORTS
from tests.access_matrix import api, signed_in
from tests.routes_approvals import ask, deliverable, new_version, pdf_upload
from tests.routes_people import OWNER_ADMIN
from tests.routes_requests import submit_request

FIRST = "response-time"

TENANT_ROUTES = {
    "reports:index": signed_in(200, 403, OWNER_ADMIN),
    "reports:report": signed_in(200, 403, OWNER_ADMIN, args=(FIRST,)),
    "reports:csv": signed_in(200, 403, OWNER_ADMIN, args=(FIRST, "weeks")),
    "api-reports": api(200, 403, OWNER_ADMIN),
    **{f"api-report-{name}": api(200, 403, OWNER_ADMIN) for name in REPORTS},
}
PUBLIC_ROUTES: dict = {}

# The other reports' pages and one CSV of each (the matrix holds one case per route);
# tests/test_reports_pages.py walks them for every persona.
MORE_CASES = {
    **{
        f"{name} page": ("reports:report", signed_in(200, 403, OWNER_ADMIN, args=(name,)))
        for name in REPORTS
        if name != FIRST
    },
    **{
        f"{name} csv": (
            "reports:csv",
            signed_in(200, 403, OWNER_ADMIN, args=(name, table)),
        )
        for name, table in [
            ("sla", "breaches"),
            ("volume", "by_client"),
            ("workload", "by_owner"),
            ("approvals", "by_week"),
            ("activity", "by_client"),
            ("health", "scores"),
            ("deflection", "by_client"),
            ("retainers", "by_client"),
        ]
    },
}


# --- a fortnight of known figures, for the reports' arithmetic --------------------------

PERIOD = {"start": "2026-10-05", "end": "2026-10-18"}  # two weeks, Monday to Sunday (UTC)


def at(day: int, hour: int, minute: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def stamped(when: datetime):
    """Django's clock set to ``when``, for writes that stamp their own time (the log's)."""
    return mock.patch("django.utils.timezone.now", return_value=when)


def request_with(world, company, **fields) -> ClientRequest:
    """A request to ``company`` whose timestamps, owner and SLA columns are then ``fields``."""
    made = submit_request(world, company=company, by="owner")
    with tenant_context(world.acme):
        blank = dict.fromkeys(["response_due_at", "resolution_due_at", "first_response_at"])
        ClientRequest.objects.filter(pk=made.pk).update(**(blank | fields))
    return made


FAR = datetime(2099, 1, 1, tzinfo=UTC)


def seed_requests(world) -> dict[str, ClientRequest]:
    """Five requests; R5 was submitted before the period but answered in it."""
    staff, admin = (world.personas[key].user for key in ("staff", "admin"))
    northwind, southwind = world.northwind, world.southwind
    return {
        "R1": request_with(
            world, northwind, priority="urgent", owner=staff, status="resolved",
            created_at=at(5, 10), response_due_at=at(5, 11), first_response_at=at(5, 10, 30),
            first_response_seconds=1800, resolution_due_at=at(7, 9), resolved_at=at(6, 12),
            resolution_seconds=36000, sla_state="met",
        ),
        "R2": request_with(
            world, northwind, priority="high", owner=admin, status="closed",
            created_at=at(6, 9), response_due_at=at(6, 13), first_response_at=at(6, 15),
            first_response_seconds=21600, resolution_due_at=at(8, 9), resolved_at=at(13, 10),
            resolution_seconds=100800, sla_state="breached",
        ),
        "R3": request_with(
            world, southwind, priority="normal", owner=admin, status="in_progress",
            created_at=at(12, 9), response_due_at=at(12, 17), first_response_at=at(12, 10),
            first_response_seconds=3600, resolution_due_at=FAR, sla_state="on_track",
        ),
        "R4": request_with(
            world, southwind, priority="normal", owner=None, status="new",
            created_at=at(13, 9), response_due_at=at(13, 13), resolution_due_at=FAR,
            sla_state="breached",
        ),
        "R5": request_with(
            world, northwind, priority="low", owner=staff, status="in_progress",
            created_at=at(20, 9, month=9), first_response_at=at(7, 9),
            first_response_seconds=7200, response_due_at=at(7, 10), resolution_due_at=FAR,
            sla_state="on_track",
        ),
    }  # fmt: skip


def seed_approvals(world) -> None:
    """On one deliverable: changes requested (4 h), then approved on version 2 (2 h, not the
    first time); on another: approved in 1 h (first time); and one still pending."""

    def asked(subject, created, status="pending", completed=None):
        approval = ask(world, subject)
        ApprovalRequest.objects.filter(pk=approval.pk).update(
            created_at=created, status=status, completed_at=completed
        )

    with tenant_context(world.acme):
        first = deliverable(world)
        asked(first.current_version, at(5, 9), "changes_requested", at(5, 13))
        asked(new_version(world, first), at(6, 9), "approved", at(6, 11))
        asked(deliverable(world).current_version, at(12, 9), "approved", at(12, 10))
        asked(deliverable(world).current_version, at(13, 9))


def seed_client_activity(world) -> None:
    """Northwind's approver signs in twice and decides once, its admin uploads a file and
    posts a message; Southwind signs in once. Plus a team sign-in, which never counts."""
    people = {key: world.personas[key].user for key in ("approver", "client_admin", "owner")}
    with tenant_context(world.acme):
        for who, when in [("approver", at(7, 9)), ("approver", at(14, 9)), ("owner", at(8, 9))]:
            with stamped(when):
                activity_record(action="auth.signed_in", actor=people[who], target=people[who])
        southwind = world.personas["other_company"].user
        with stamped(at(15, 9)):
            activity_record(action="auth.signed_in", actor=southwind, target=southwind)
        upload = file_store(upload=pdf_upload("brief.pdf"), uploaded_by=people["client_admin"])
        StoredFile.objects.filter(pk=upload.pk).update(created_at=at(8, 12))
        thread = Thread.objects.create(company=world.northwind, created_by=people["client_admin"])
        Message.objects.create(
            thread=thread, author=people["client_admin"], body="Hello", created_at=at(9, 12)
        )
        approval = ApprovalRequest.objects.filter(status="approved").earliest("created_at")
        with stamped(at(6, 11)):
            entry = activity_record(action="approval.decided", actor=people["approver"])
        ApprovalDecision.objects.create(
            approval=approval,
            decided_by=people["approver"],
            decision="approved",
            sha256=approval.sha256,
            signed_in_by="password",
            decided_at=at(6, 11),
            activity_entry=entry,
        )


def seed_period(world) -> dict[str, ClientRequest]:
    requests = seed_requests(world)
    seed_approvals(world)
    seed_client_activity(world)
    return requests

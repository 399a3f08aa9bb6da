"""The approvals API: asking, deciding with a token, refusals that write nothing, what each
side lists, exports, and the OpenAPI schema."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.approvals.models import ApprovalDecision, ApprovalRequest, ApprovalStatus
from tests.conftest import host_client
from tests.people_support import ACME, api_client
from tests.routes_approvals import (
    ask,
    decide,
    deliverable,
    invoice_with_pdf,
    new_version,
    user,
)


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


class Api:
    """acme's API as one persona."""

    def __init__(self, world, persona):
        self.client, self.headers = api_client(world, persona)

    def get(self, path, params=None):
        return self.client.get(path, params or {}, **self.headers)

    def post(self, path, data=None):
        return self.client.post(path, data or {}, content_type="application/json", **self.headers)


@pytest.fixture
def as_(world):
    made = {}

    def api(persona):
        if persona not in made:
            made[persona] = Api(world, persona)
        return made[persona]

    return api


def in_acme(world, work):
    with tenant_context(world.acme):
        return work()


def written(world) -> tuple[int, int, int]:
    return in_acme(
        world,
        lambda: (
            ApprovalRequest.objects.count(),
            ApprovalDecision.objects.count(),
            ActivityEntry.objects.filter(action__startswith="approval.").count(),
        ),
    )


def test_the_team_asks_and_the_approver_decides_with_a_token(world, as_):
    version = in_acme(world, lambda: deliverable(world, name="Homepage").current_version)
    due = timezone.localdate() + timedelta(days=3)
    created = as_("staff").post(
        "/api/v1/approvals",
        {
            "version": version.pk,
            "approvers": [user(world, "approver").pk],
            "title": "Approve the homepage",
            "due_date": due.isoformat(),
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert created["Location"] == f"/api/v1/approvals/{body['id']}"
    assert body["subject"] == {
        "type": "document_version",
        "document_id": version.document_id,
        "document": "Homepage",
        "version_id": version.pk,
        "version": 1,
        "invoice_id": None,
        "invoice_number": None,
        "file_name": "brand-guide.pdf",
        "size": version.file.size,
    }
    assert body["sha256"] == version.file.sha256 and body["status"] == "pending"
    assert body["approvers"] == [
        {
            "id": user(world, "approver").pk,
            "full_name": "Northwind Approver",
            "email": "approver@northwind.example",
            "decision": None,
        }
    ]
    assert body["links"]["record"].endswith(f"/api/v1/approvals/{body['id']}/record.json")

    mine = as_("approver").get("/api/v1/approvals", {"waiting_on_me": "true"}).json()["results"]
    assert [row["id"] for row in mine] == [body["id"]] and mine[0]["waiting_on_me"]

    decided = as_("approver").post(
        f"/api/v1/approvals/{body['id']}/decisions",
        {"decision": "approved", "comment": "Go."},
    )
    assert decided.status_code == 201, decided.json()
    record = decided.json()
    assert record["signed_in_by"] == "api_token" and record["sha256"] == body["sha256"]
    assert record["decided_by"]["email"] == "approver@northwind.example"
    one = as_("staff").get(f"/api/v1/approvals/{body['id']}").json()
    assert one["status"] == "approved" and one["decisions"][0]["id"] == record["id"]
    assert one["approvers"][0]["decision"] == "approved"


def test_bad_requests_are_400s_naming_the_field_and_write_nothing(world, as_):
    version = in_acme(world, lambda: deliverable(world).current_version)
    internal = in_acme(world, lambda: deliverable(world, internal=True).current_version)
    in_acme(world, lambda: ask(world, version))
    approver = user(world, "approver").pk
    before = written(world)

    def refused(field, **data):
        response = as_("staff").post("/api/v1/approvals", {"title": "T", **data})
        assert response.status_code == 400, response.json()
        return " ".join(response.json()[field])

    fresh = in_acme(world, lambda: deliverable(world).current_version)
    assert "There is no such version." in refused("version", version=999999, approvers=[approver])
    assert "cannot approve for Northwind" in refused(
        "approvers", version=fresh.pk, approvers=[user(world, "other_company").pk]
    )
    assert "no person with id 999999" in refused("approvers", version=fresh.pk, approvers=[999999])
    assert "internal" in refused("version", version=internal.pk, approvers=[approver])
    assert "already has a pending approval" in refused(
        "version", version=version.pk, approvers=[approver]
    )
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert "past" in refused("due_date", version=fresh.pk, approvers=[approver], due_date=yesterday)
    assert "either" in refused("version", approvers=[approver])
    assert written(world) == before


def test_decision_refusals_are_clear_and_write_nothing(world, as_):
    document = in_acme(world, lambda: deliverable(world))
    approval = in_acme(world, lambda: ask(world, document.current_version))
    url = f"/api/v1/approvals/{approval.pk}/decisions"

    assert as_("finance").post(url, {"decision": "approved"}).status_code == 403
    no_comment = as_("approver").post(url, {"decision": "changes_requested"})
    assert no_comment.status_code == 400 and "comment" in no_comment.json()
    assert as_("approver").post(url, {"decision": "approved"}).status_code == 201
    before = written(world)
    again = as_("approver").post(url, {"decision": "approved"})
    assert again.status_code == 400 and "You already decided" in again.json()["decision"][0]
    assert written(world) == before

    superseded = in_acme(world, lambda: ask(world, approvers=("approver", "client_admin")))
    in_acme(world, lambda: new_version(world, superseded.version.document))
    before = written(world)
    late = as_("client_admin").post(
        f"/api/v1/approvals/{superseded.pk}/decisions", {"decision": "approved"}
    )
    assert late.status_code == 400 and "superseded" in late.json()["decision"][0]
    assert written(world) == before


def test_ask_again_and_cancel(world, as_):
    document = in_acme(world, lambda: deliverable(world))
    approval = in_acme(world, lambda: ask(world, document.current_version))
    assert as_("staff").post(f"/api/v1/approvals/{approval.pk}/ask-again").status_code == 400
    cancelled = as_("staff").post(f"/api/v1/approvals/{approval.pk}/cancel")
    assert cancelled.json()["status"] == ApprovalStatus.CANCELLED
    assert as_("staff").post(f"/api/v1/approvals/{approval.pk}/cancel").status_code == 400
    v2 = in_acme(world, lambda: new_version(world, document))
    again = as_("staff").post(f"/api/v1/approvals/{approval.pk}/ask-again")
    assert again.status_code == 201
    assert (
        again.json()["subject"]["version_id"] == v2.pk and again.json()["replaces"] == approval.pk
    )


def test_invoice_approvals_reach_those_who_see_the_invoice_or_were_asked(world, as_):
    approval = in_acme(world, lambda: ask(world, invoice_with_pdf(world)))

    def ids(persona):
        return [row["id"] for row in as_(persona).get("/api/v1/approvals").json()["results"]]

    for persona in ["owner", "staff", "client_admin", "finance", "approver"]:
        assert ids(persona) == [approval.pk], persona
    assert ids("viewer") == [] and ids("other_company") == []
    assert as_("viewer").get(f"/api/v1/approvals/{approval.pk}/file").status_code == 404
    assert as_("approver").get(f"/api/v1/approvals/{approval.pk}/file").status_code == 200


def test_filters_and_their_mistakes(world, as_):
    def make():
        late = ask(world, title="Late")
        ApprovalRequest.objects.filter(pk=late.pk).update(
            due_date=timezone.localdate() - timedelta(days=1)
        )
        southwind = deliverable(world, company=world.southwind).current_version
        ask(world, southwind, title="Southwind", approvers=("other_company",))
        return late

    late = in_acme(world, make)

    def titles(persona, **params):
        response = as_(persona).get("/api/v1/approvals", params)
        assert response.status_code == 200, response.json()
        return [row["title"] for row in response.json()["results"]]

    assert titles("owner", status="overdue") == ["Late"]
    assert titles("owner", company=world.southwind.pk) == ["Southwind"]
    assert titles("staff") == ["Late"]  # staff work on Northwind only
    assert titles("other_company") == ["Southwind"]
    bad = as_("owner").get("/api/v1/approvals", {"status": "nonsense"})
    assert bad.status_code == 400 and "status" in bad.json()
    assert as_("owner").get(f"/api/v1/approvals/{late.pk}").json()["is_overdue"] is True


@pytest.mark.parametrize("persona", ["staff", "approver"])
def test_the_list_costs_the_same_queries_at_5_and_30_approvals(world, as_, persona):
    """Per page, whatever its length: the token's user, the actor, the page of approvals with
    their counts, and one query each for their approvers, decisions and later requests."""
    api = as_(persona)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/v1/approvals").status_code == 200
        return len(captured)

    def add(number):
        def make():
            for _ in range(number):
                decide(world, ask(world, approvers=("approver", "client_admin")), "client_admin")

        in_acme(world, make)

    add(5)
    queries()
    at_5 = queries()
    add(25)
    assert queries() == at_5


def test_the_exported_record_verifies(world, as_, tmp_path):
    approval = in_acme(world, lambda: ask(world))
    as_("approver").post(f"/api/v1/approvals/{approval.pk}/decisions", {"decision": "approved"})
    response = as_("client_admin").get(f"/api/v1/approvals/{approval.pk}/record.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    path = tmp_path / "record.json"
    path.write_bytes(response.content)
    out = StringIO()
    call_command("verify_activity_log", record=str(path), stdout=out)
    assert "the record's 2 entries are unaltered and in the log" in out.getvalue()
    decision = json.loads(response.content)["activity_entries"][1]
    assert decision["changes"]["signed_in_by"] == "api_token"
    certificate = as_("client_admin").get(f"/api/v1/approvals/{approval.pk}/certificate.pdf")
    assert certificate["Content-Type"] == "application/pdf"


def test_the_schema_documents_every_approvals_operation(world):
    schema = host_client(ACME).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    expected = {
        "/api/v1/approvals": {"get", "post"},
        "/api/v1/approvals/{approval_id}": {"get"},
        "/api/v1/approvals/{approval_id}/decisions": {"get", "post"},
        "/api/v1/approvals/{approval_id}/ask-again": {"post"},
        "/api/v1/approvals/{approval_id}/cancel": {"post"},
        "/api/v1/approvals/{approval_id}/file": {"get"},
        "/api/v1/approvals/{approval_id}/record.json": {"get"},
        "/api/v1/approvals/{approval_id}/certificate.pdf": {"get"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    listing = paths["/api/v1/approvals"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"status", "company", "waiting_on_me"}
    assert "signed_in_by" in json.dumps(schema["components"]["schemas"]["DecisionOutput"])

"""The operator log's page, CSV and API: newest first, filtered, paged in constant queries;
and its chain check, which catches an edited entry."""

import csv
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from operators.log import operator_log_record
from operators.models import OperatorLogEntry
from operators.roles import Role
from shared_apps.accounts.models import User
from tests.conftest import OPERATOR_EMAILS, host_client, operator_sign_in

PLATFORM = "localhost"


@pytest.fixture
def admin(world) -> User:
    return User.objects.get(email=OPERATOR_EMAILS[Role.ADMIN])


@pytest.fixture
def client(admin):
    return operator_sign_in(host_client(PLATFORM), admin)


def write_entries(
    count: int, *, operator, action="agency.suspended", agency=None, reason=""
) -> None:
    for n in range(count):
        operator_log_record(
            operator=operator, action=action, agency=agency, reason=reason or f"reason {n}"
        )


def test_the_log_lists_newest_first_and_filters(world, admin, client):
    support = User.objects.get(email=OPERATOR_EMAILS[Role.SUPPORT])
    write_entries(2, operator=admin, action="agency.suspended", agency=world.acme)
    write_entries(1, operator=support, action="support.session_started", agency=world.globex)
    operator_log_record(operator=admin, action="agency.restored", agency=world.acme, reason="=1+1")

    page = client.get("/operator/log/")
    assert page.status_code == 200
    entries = list(page.context["page"].object_list)
    assert [e.pk for e in entries] == sorted((e.pk for e in entries), reverse=True)
    body = page.content.decode()
    assert "agency.restored" in body and 'aria-current="page"' in body

    def listed(**query):
        response = client.get("/operator/log/", query)
        assert response.status_code == 200
        return list(response.context["page"].object_list)

    assert {e.operator_label for e in listed(operator=support.pk)} == {support.email}
    assert {e.action for e in listed(action="agency.suspended")} == {"agency.suspended"}
    assert {e.agency_id for e in listed(agency="Globex")} == {world.globex.pk}
    assert {e.agency_id for e in listed(agency=str(world.acme.pk))} == {world.acme.pk}
    today = timezone.localdate()
    assert len(listed(since=today.isoformat(), until=today.isoformat())) >= 4
    assert listed(until=(today - timedelta(days=400)).isoformat()) == []

    backwards = client.get("/operator/log/", {"since": today, "until": today - timedelta(days=1)})
    assert backwards.status_code == 400 and "before the start" in backwards.content.decode()


def test_the_log_pages_in_constant_queries(world, admin, client):
    def queries_for_pages():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/operator/log/").status_code == 200
        return len(captured)

    write_entries(10, operator=admin, agency=world.acme)
    at_ten = queries_for_pages()
    write_entries(60, operator=admin, agency=world.globex)
    assert queries_for_pages() == at_ten
    page_two = client.get("/operator/log/", {"page": 2, "agency": "Globex"})
    assert page_two.context["page"].number == 2
    assert len(page_two.context["page"].object_list) == 10
    assert "page=1" in page_two.content.decode()


def test_the_csv_export_keeps_the_filters_and_defuses_formulas(world, admin, client):
    operator_log_record(operator=admin, action="agency.restored", agency=world.acme, reason="=1+1")
    write_entries(3, operator=admin, action="agency.suspended", agency=world.globex)
    response = client.get("/operator/log.csv", {"action": "agency.restored"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(StringIO(b"".join(response.streaming_content).decode())))
    assert {row["action"] for row in rows} == {"agency.restored"}
    assert rows[0]["reason"] == "'=1+1" and rows[0]["agency"] == world.acme.name
    assert len(rows[0]["entry_hash"]) == 64


def test_the_log_api_pages_filters_and_exports(world, admin, client):
    write_entries(5, operator=admin, action="agency.suspended", agency=world.acme)
    response = client.get("/api/v1/operator/log", {"action": "agency.suspended", "page_size": 2})
    assert response.status_code == 200
    data = response.json()
    assert len(data["results"]) == 2 and data["next"]
    assert data["results"][0]["id"] > data["results"][1]["id"]
    assert data["results"][0]["agency_label"] == world.acme.name
    following = client.get(data["next"]).json()["results"]
    assert following[0]["id"] < data["results"][1]["id"]

    bad = client.get("/api/v1/operator/log", {"since": "2026-12-07", "until": "2026-12-01"})
    assert bad.status_code == 400 and "until" in bad.json()
    assert client.get("/api/v1/operator/log", {"since": "yesterday"}).status_code == 400

    exported = client.get("/api/v1/operator/log.csv", {"agency": str(world.acme.pk)})
    assert exported.status_code == 200
    rows = list(csv.DictReader(StringIO(b"".join(exported.streaming_content).decode())))
    assert len(rows) == 5 and {row["agency_id"] for row in rows} == {str(world.acme.pk)}


def test_verify_operator_log_passes_then_catches_an_edited_entry(world, admin):
    write_entries(3, operator=admin, agency=world.acme)
    out = StringIO()
    call_command("verify_operator_log", stdout=out)
    assert "intact" in out.getvalue()

    edited = OperatorLogEntry.objects.order_by("-id")[1]
    with connection.cursor() as cursor:
        # Someone with the database's keys turns off the append-only trigger first (the
        # test's own deferred checks run before, as they would have at commit).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "ALTER TABLE operators_operatorlogentry DISABLE TRIGGER operator_log_append_only"
        )
        cursor.execute(
            "UPDATE operators_operatorlogentry SET reason = 'nothing to see' WHERE id = %s",
            [edited.pk],
        )
    err = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_operator_log", stdout=StringIO(), stderr=err)
    assert f"entry {edited.pk}: its content does not match its hash" in err.getvalue()


def test_the_log_cannot_be_changed_with_the_trigger_on(world, admin):
    write_entries(1, operator=admin)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        OperatorLogEntry.objects.update(reason="changed")

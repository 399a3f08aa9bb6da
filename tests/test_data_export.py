"""A person's own data export: what the archive holds (and never holds), the build task, the
single-use link, one at a time, and the removal of expired archives."""

import hashlib
import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from config.celery import app
from shared_apps.core.tasks import task_named
from tenant_apps.client_requests.actions import request_note_add, request_reply_add
from tenant_apps.data_export.actions import person_export_request
from tenant_apps.data_export.models import ExportState, PersonExport
from tenant_apps.data_export.tasks import person_export_build, person_exports_expire_agency
from tenant_apps.documents.actions import version_add
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import file_storage
from tenant_apps.security.models import SignedInSession
from tests.conftest import signed_in_client
from tests.routes_approvals import ask, decide, pdf_upload, user
from tests.routes_data_export import LINK
from tests.routes_messaging import post_message
from tests.routes_requests import submit_request, text_file

PARTS = {
    "README.txt",
    "profile.json",
    "memberships.json",
    "requests.json",
    "messages.json",
    "files.json",
    "approval_decisions.json",
    "notifications.json",
    "sign_ins.json",
    "activity.json",
}
SOUTHWIND_SECRET = "Southwind merger codename BLUEBIRD"
SOUTHWIND_BYTES = b"Southwind only: the board minutes.\n"
EXPIRED_PAGE = "This link has expired — ask for a new export"


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


def exported(world, persona) -> tuple[PersonExport, zipfile.ZipFile, str]:
    """Ask for and build ``persona``'s export; the export, its archive and the link's token."""
    person = user(world, persona)
    with tenant_context(world.acme):
        export = person_export_request(person=person, actor=person)
        assert person_export_build(export.pk) is True
        export.refresh_from_db()
        with file_storage().open(export.archive.key) as stored:
            data = stored.read()
    [token] = LINK.findall(mail.outbox[-1].body)
    assert hashlib.sha256(data).hexdigest() == export.sha256 == export.archive.sha256
    return export, zipfile.ZipFile(io.BytesIO(data)), token


def part(archive: zipfile.ZipFile, name: str):
    return json.loads(archive.read(name))


def everything(archive: zipfile.ZipFile) -> bytes:
    return b"".join(archive.read(name) for name in archive.namelist())


def southwind_items(world):
    """Another client company's request, file and message, which no Northwind archive holds."""
    submit_request(
        world,
        by="other_company",
        company=world.southwind,
        title=SOUTHWIND_SECRET,
        files=[text_file("minutes.txt", SOUTHWIND_BYTES)],
    )
    with tenant_context(world.acme):
        post_message(world, by="other_company", item=world.southwind, body=SOUTHWIND_SECRET)


def test_a_clients_archive_holds_their_own_items_and_nothing_of_another_company(world):
    southwind_items(world)
    request = submit_request(
        world, title="Logo on invoices", files=[text_file("brief.txt", b"Our brief.\n")]
    )
    with tenant_context(world.acme):
        client_admin = user(world, "client_admin")
        request_reply_add(client_request=request, body="Any news?", actor=client_admin)
        request_note_add(client_request=request, body="Staff-only note", actor=user(world, "staff"))
        post_message(world, by="client_admin", body="Could we move the call?")
        approval = ask(world, approvers=("client_admin",))
        decide(world, approval, persona="client_admin", comment="Lovely.")
        version_add(
            document=approval.version.document,
            upload=pdf_upload(content=b"%PDF-1.7\n% client's revision\n%%EOF\n"),
            actor=user(world, "client_admin"),
        )
        SignedInSession.objects.create(
            user=user(world, "client_admin"),
            key_digest="a" * 64,
            ip_address="198.51.100.7",
            user_agent="Firefox/140 (Windows)",
        )

    export, archive, _token = exported(world, "client_admin")

    names = set(archive.namelist())
    assert names - {name for name in names if name.startswith("files/")} == PARTS
    assert part(archive, "profile.json")["email"] == "ca@northwind.example"
    assert "password" not in archive.read("profile.json").decode()
    assert part(archive, "memberships.json")["client"]["company"]["name"] == "Northwind"
    requests = part(archive, "requests.json")
    assert [r["title"] for r in requests["submitted"]] == ["Logo on invoices"]
    assert [r["text"] for r in requests["replies_and_notes"]] == ["Any news?"]
    assert [m["text"] for m in part(archive, "messages.json")] == ["Could we move the call?"]
    [decision] = part(archive, "approval_decisions.json")
    assert (decision["decision"], decision["comment"]) == ("Approved", "Lovely.")
    assert part(archive, "notifications.json"), "the approval asked them: a notification"
    assert part(archive, "sign_ins.json")["browsers_signed_in"][0]["ip_address"] == "198.51.100.7"
    codes = {entry["code"] for entry in part(archive, "activity.json")}
    assert {"request.submitted", "approval.decided", "data_export.requested"} <= codes
    # Every file they uploaded (the brief and the new version), byte for byte.
    with tenant_context(world.acme):
        theirs = StoredFile.objects.filter(uploaded_by=user(world, "client_admin")).exclude(
            pk=export.archive_id
        )
        expected = {stored.sha256 for stored in theirs}
    listed = part(archive, "files.json")
    assert {f["sha256"] for f in listed} == expected and len(expected) == 2
    for listing in listed:
        content = archive.read(listing["path_in_this_archive"])
        assert hashlib.sha256(content).hexdigest() == listing["sha256"]
    # Nothing of Southwind, of other people's words, or of the archive's own secrets.
    whole = everything(archive)
    assert b"Southwind" not in whole and SOUTHWIND_SECRET.encode() not in whole
    assert SOUTHWIND_BYTES not in whole
    assert b"Staff-only note" not in whole
    assert b"security_stamp" not in whole
    readme = archive.read("README.txt").decode()
    assert "approval_decisions.json" in readme and "Northwind Client Admin" in readme


def test_a_team_members_archive_holds_their_work_and_nothing_of_another_agency(world):
    request = submit_request(world)
    with tenant_context(world.acme):
        request_note_add(client_request=request, body="Call them back", actor=user(world, "staff"))
        post_message(world, by="staff", body="Here is the draft.")
    with tenant_context(world.globex):
        globex_owner = world.personas["outsider"].user
        # The same person id in another agency's schema: its export is its own business.
        assert PersonExport.objects.filter(person_id=globex_owner.pk).count() == 0

    export, archive, _token = exported(world, "staff")

    memberships = part(archive, "memberships.json")
    assert memberships["team"]["role"] == "Staff"
    assert memberships["team"]["assigned_client_companies"] == ["Northwind"]
    assert memberships["client"] is None
    notes = part(archive, "requests.json")["replies_and_notes"]
    assert [(n["text"], n["internal"]) for n in notes] == [("Call them back", True)]
    assert [m["text"] for m in part(archive, "messages.json")] == ["Here is the draft."]
    whole = everything(archive)
    assert b"globex" not in whole.lower() and b"Invoices show the old logo" in whole
    # Kept under acme's own folder of the storage, never readable from another agency's.
    assert export.archive.key.startswith(f"{world.acme.schema_name}/")
    with tenant_context(world.globex):
        assert not StoredFile.objects.filter(key=export.archive.key).exists()


def test_the_email_carries_a_single_use_link_for_that_person_alone(world):
    export, _archive, token = exported(world, "client_admin")
    [email] = mail.outbox
    assert email.to == ["ca@northwind.example"] and "ready to download" in email.subject
    assert "http://acme.localhost" in email.body or "acme." in email.body
    url = f"/account/data/download/{token}/"
    assert token.startswith(f"{world.acme.schema_name}.")
    with tenant_context(world.acme):
        assert export.token_digest and token.split(".", 1)[1] not in export.token_digest

    someone_else = signed_in_client(world.personas["approver"]).get(url)
    assert someone_else.status_code == 403
    assert "This link is for someone else" in someone_else.content.decode()

    own = signed_in_client(world.personas["client_admin"])
    first = own.get(url)
    assert first.status_code == 200
    assert hashlib.sha256(b"".join(first.streaming_content)).hexdigest() == export.sha256
    again = own.get(url)
    assert again.status_code == 410 and EXPIRED_PAGE in again.content.decode()
    # On another agency's host the token names acme's schema: refused before any look-up.
    foreign = signed_in_client(world.personas["outsider"]).get(url)
    assert foreign.status_code == 404
    with tenant_context(world.acme):
        export.refresh_from_db()
        assert export.downloaded_at is not None
        assert list(PersonExport.objects.filter(pk=export.pk).values_list("state", flat=True)) == [
            ExportState.READY
        ]


def test_a_link_past_its_time_shows_the_expired_page_and_the_api_says_410(world):
    export, _archive, token = exported(world, "approver")
    with tenant_context(world.acme):
        PersonExport.objects.filter(pk=export.pk).update(expires_at=timezone.now())
    client = signed_in_client(world.personas["approver"])
    page = client.get(f"/account/data/download/{token}/")
    assert page.status_code == 410 and EXPIRED_PAGE in page.content.decode()
    api = client.get(f"/api/v1/me/data-exports/download/{token}")
    assert api.status_code == 410 and api.json()["code"] == "link_expired"
    assert client.get(f"/account/data/{export.pk}/download/").status_code == 410


def test_the_build_task_is_idempotent(world):
    export, _archive, _token = exported(world, "viewer")
    with tenant_context(world.acme):
        assert person_export_build(export.pk) is False
        assert StoredFile.objects.filter(content_type="application/zip").count() == 1
        assert len(list(file_storage().listing(world.acme.schema_name))) == 1
    assert len(mail.outbox) == 1


def test_a_build_that_fails_leaves_a_failed_export_and_no_bytes(world):
    request = submit_request(world, by="finance", files=[text_file()])
    with tenant_context(world.acme):
        person = user(world, "finance")
        [attachment] = request.attachments.all()
        file_storage().delete(attachment.file.key)  # the upload's bytes went missing
        export = person_export_request(person=person, actor=person)
        assert person_export_build(export.pk) is False
        export.refresh_from_db()
        assert (export.state, export.archive_id) == (ExportState.FAILED, None)
        assert list(file_storage().listing(world.acme.schema_name)) == []
        # Failed: they may ask again.
        person_export_request(person=person, actor=person)
    assert mail.outbox == []


def test_one_at_a_time_and_only_ones_own_bad_input_is_400(world):
    client = signed_in_client(world.personas["staff"])
    assert client.post("/api/v1/me/data-exports", {}, "application/json").status_code == 201
    twice = client.post("/api/v1/me/data-exports", {}, "application/json")
    assert twice.status_code == 400
    assert "already being prepared" in twice.json()["non_field_errors"][0]
    someone_else = client.post(
        "/api/v1/me/data-exports", {"person": user(world, "owner").pk}, "application/json"
    )
    assert someone_else.status_code == 400
    assert someone_else.json()["person"] == ["You can only ask for an export of your own data."]
    garbage = client.post("/api/v1/me/data-exports", {"person": "me"}, "application/json")
    assert garbage.status_code == 400 and "person" in garbage.json()
    page = client.post("/account/data/export/")
    assert page.status_code == 400 and "already being prepared" in page.content.decode()
    with tenant_context(world.acme):
        assert PersonExport.objects.count() == 1
    listed = client.get("/api/v1/me/data-exports").json()["results"]
    assert [e["state"] for e in listed] == ["preparing"]


def test_expired_and_downloaded_archives_are_removed_daily(world):
    expired, _archive, _token = exported(world, "client_admin")
    downloaded, _archive, _token = exported(world, "staff")
    kept, _archive, _token = exported(world, "owner")
    now = timezone.now()
    with tenant_context(world.acme):
        PersonExport.objects.filter(pk=expired.pk).update(expires_at=now - timedelta(minutes=1))
        PersonExport.objects.filter(pk=downloaded.pk).update(downloaded_at=now - timedelta(hours=2))
        lost = PersonExport.objects.create(
            person=user(world, "admin"), requested_at=now - timedelta(days=2)
        )
        assert person_exports_expire_agency() == 2
        assert person_exports_expire_agency() == 0
        states = dict(PersonExport.objects.values_list("pk", "state"))
        assert states == {
            expired.pk: ExportState.EXPIRED,
            downloaded.pk: ExportState.EXPIRED,
            kept.pk: ExportState.READY,
            lost.pk: ExportState.FAILED,
        }
        assert list(StoredFile.objects.values_list("pk", flat=True)) == [kept.archive_id]
        keys = [key for key, _ in file_storage().listing(world.acme.schema_name)]
        assert keys == [kept.archive.key]
        assert PersonExport.objects.get(pk=expired.pk).sha256 == expired.sha256  # the record
    # The daily beat task names a registered task.
    schedule = settings.CELERY_BEAT_SCHEDULE["person-exports-expire"]
    assert task_named(schedule["task"]) is app.tasks[schedule["task"]]


def test_the_account_page_links_to_your_data(world):
    page = signed_in_client(world.personas["viewer"]).get("/account/")
    assert 'href="/account/data/"' in page.content.decode()
    ours = signed_in_client(world.personas["viewer"]).get("/account/data/")
    assert "Export my data" in ours.content.decode()
    assert re.search(r"haven.t asked for an export yet", ours.content.decode())


def test_the_page_costs_the_same_queries_at_1_and_5_exports(world):
    """Session, user, the actor, and the newest five exports (one query, no joins); the brand
    and the bell's count come from the cache."""
    client = signed_in_client(world.personas["finance"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/account/data/").status_code == 200
        return len(captured)

    def failed_exports(count: int) -> None:
        with tenant_context(world.acme):
            PersonExport.objects.bulk_create(
                PersonExport(person=user(world, "finance"), state=ExportState.FAILED)
                for _ in range(count)
            )

    failed_exports(1)
    queries()  # warms the brand and the bell's count
    one = queries()
    failed_exports(4)
    assert queries() == one

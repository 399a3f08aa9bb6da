"""The owner's full export: asked for on its page or the API, built by a task into the agency's
file storage without secrets, announced by email, downloadable by owners until it expires."""

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.agency_archive.actions import (
    agency_export_build,
    agency_exports_expire,
    agency_exports_lost,
)
from tenant_apps.agency_archive.models import AgencyExport, ExportState
from tenant_apps.agency_archive.secrets import EXPORT_SECRETS
from tenant_apps.agency_archive.tasks import agency_export_build as build_task
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import file_storage
from tests.conftest import host_client, signed_in_client
from tests.test_isolation import obtain_tokens


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


def downloaded_zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_owner_asks_on_the_page_gets_an_email_and_downloads_it_without_secrets(world):
    owner = signed_in_client(world.personas["owner"])
    page = owner.get("/settings/export/")
    assert page.status_code == 200
    assert "Export everything" in page.content.decode()

    asked = owner.post("/settings/export/", follow=True)
    assert "Your export is being prepared" in asked.content.decode()
    assert "Being prepared" in asked.content.decode()
    owner.post("/settings/export/")  # asking again while it is prepared gives the same one
    with tenant_context(world.acme):
        export = AgencyExport.objects.get()
        assert export.state == ExportState.PREPARING
        assert ActivityEntry.objects.filter(action="agency_export.requested").count() == 1

        assert build_task.run(export.pk) is True  # the task, run here
        assert build_task.run(export.pk) is False  # a repeated task does nothing
        export.refresh_from_db()
        assert export.state == ExportState.READY
        assert export.expires_at - export.ready_at == timedelta(days=7)
        assert export.file.key.startswith(f"{world.acme.schema_name}/")
    connection.set_schema_to_public()

    (email,) = mail.outbox
    assert email.to == [world.personas["owner"].user.email]
    assert "ready" in email.subject
    link = re.search(r"http://acme\.localhost\S*/settings/export/", email.body)
    assert link, email.body

    listed = owner.get("/settings/export/").content.decode()
    assert "Ready" in listed and f"/settings/export/{export.pk}/download/" in listed
    archive = downloaded_zip(owner.get(f"/settings/export/{export.pk}/download/"))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["kind"] == "export"
    assert manifest["secrets_omitted"]["accounts_user"] == ["password"]
    assert "README.txt" in archive.namelist()
    names = set(archive.namelist())
    for table in EXPORT_SECRETS.tables:
        assert f"schema/{table}.jsonl" not in names
    for table, columns in EXPORT_SECRETS.columns.items():
        for line in archive.read(f"schema/{table}.jsonl").splitlines():
            assert not set(columns) & set(json.loads(line))
    people = [json.loads(line) for line in archive.read("schema/accounts_user.jsonl").splitlines()]
    assert "owner@acme.example" in {person["email"] for person in people}
    with tenant_context(world.acme):
        assert ActivityEntry.objects.filter(action="agency_export.downloaded").count() == 1

    # Expired: no longer offered, not downloadable, and its file goes.
    with tenant_context(world.acme):
        AgencyExport.objects.filter(pk=export.pk).update(expires_at=timezone.now())
        assert agency_exports_expire() == 1
        assert not StoredFile.objects.filter(pk=export.file_id).exists()
    connection.set_schema_to_public()
    assert owner.get(f"/settings/export/{export.pk}/download/").status_code == 404


def test_the_api_asks_lists_and_downloads_for_owners_only(world):
    persona = world.personas["owner"]
    token = obtain_tokens(persona.host, persona.user.email)["access"]
    owner = host_client(persona.host)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    asked = owner.post("/api/v1/agency-exports", **headers)
    assert asked.status_code == 202
    assert asked.json()["state"] == "preparing" and asked.json()["download"] is None
    with tenant_context(world.acme):
        # The daily sweep queues a build again only once its task looks lost.
        assert agency_exports_lost() == []
        an_hour_ago = timezone.now() - timedelta(hours=1, seconds=1)
        AgencyExport.objects.update(requested_at=an_hour_ago)
        assert agency_exports_lost() == [asked.json()["id"]]
        agency_export_build(export_id=asked.json()["id"])
    connection.set_schema_to_public()

    (listed,) = owner.get("/api/v1/agency-exports", **headers).json()
    assert listed["state"] == "ready" and listed["size"] > 0
    assert listed["download"].endswith(f"/api/v1/agency-exports/{listed['id']}/download")
    archive = downloaded_zip(owner.get(listed["download"], **headers))
    assert json.loads(archive.read("manifest.json"))["agency"]["subdomain"] == "acme"

    admin = obtain_tokens(persona.host, world.personas["admin"].user.email)["access"]
    refused = owner.get(listed["download"], HTTP_AUTHORIZATION=f"Bearer {admin}")
    assert refused.status_code == 403
    file_storage().delete_all(world.acme.schema_name)


# Columns whose names look like a secret but are not one.
NOT_SECRETS = {
    "activity_activityentry.entry_hash",  # the log's chain: the export's proof
    "activity_activityentry.prev_hash",
    "activity_activityentry.personal_digest",  # the chain's commitment to personal fields
    "auth_permission.codename",
    "client_requests_requesttype.key",
    "files_storedfile.key",
    "notifications_notification.digest_id",  # the email digest it went out in
    "files_storedfile.sha256",
    "payments_payment.attempt_key",  # an idempotency key
    "payments_payment.stripe_checkout_session_id",
    "webhooks_endpoint.previous_secret_expires_at",
    "webhooks_attempt.status_code",
}
SECRET_LIKE = re.compile(r"secret|token|password|digest|hash|key|otp|session_data|code")


def test_every_secret_looking_column_is_left_out_or_known_to_be_no_secret(world):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = %s",
            [world.acme.schema_name],
        )
        columns = cursor.fetchall()
    tables = {table for table, _ in columns}
    assert EXPORT_SECRETS.tables <= tables
    left_out = {
        f"{table}.{column}" for table, names in EXPORT_SECRETS.columns.items() for column in names
    }
    assert left_out <= {f"{table}.{column}" for table, column in columns}
    looks_secret = {
        f"{table}.{column}"
        for table, column in columns
        if SECRET_LIKE.search(column) and table not in EXPORT_SECRETS.tables
    }
    assert looks_secret - left_out - NOT_SECRETS == set()

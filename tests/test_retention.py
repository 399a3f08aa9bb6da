"""Retention: the settings (page and API) and the daily task that removes closed requests,
old file versions and sign-in records older than the agency allows, and nothing else."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.activity.actions import activity_record
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.client_requests.actions import request_status_change, request_submit
from tenant_apps.client_requests.models import (
    ClientRequest,
    RequestAttachment,
    RequestType,
    Status,
)
from tenant_apps.documents.models import DocumentVersion
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import file_storage
from tenant_apps.messaging.actions import message_post
from tenant_apps.messaging.models import MessageAttachment
from tenant_apps.messaging.selectors import thread_for
from tenant_apps.retention.actions import retention_apply, retention_policy_update
from tenant_apps.retention.models import RetentionPolicy
from tenant_apps.retention.tasks import retention_apply_agency, retention_sweep
from tenant_apps.security.models import MagicLink, SignedInSession
from tests.conftest import host_client, signed_in_client
from tests.routes_approvals import ask, deliverable, new_version, user
from tests.test_isolation import obtain_tokens

LONG_AGO = timedelta(days=100)
LATELY = timedelta(days=10)
REMOVED_NOTHING = {"closed_requests": 0, "old_versions": 0, "sign_ins": 0, "files": 0}


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


def text_file(name="notes.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, f"{name} body".encode(), content_type="text/plain")


def closed_request(world, *, closed_ago, status=Status.CLOSED) -> ClientRequest:
    """A Northwind request with an attachment and a message with a file in its thread,
    moved to ``status`` ``closed_ago``."""
    owner, client = user(world, "owner"), user(world, "client_admin")
    submitted = request_submit(
        actor=client, company=world.northwind, type=RequestType.objects.first(),
        title="Logo files", details="Please", priority="normal", files=[text_file("brief.txt")],
    )  # fmt: skip
    message_post(
        thread=thread_for(submitted), author=owner, body="Here", files=[text_file("logo.txt")]
    )
    request_status_change(client_request=submitted, status=Status.RESOLVED, actor=owner)
    if status == Status.CLOSED:
        request_status_change(client_request=submitted, status=Status.CLOSED, actor=owner)
    when = timezone.now() - closed_ago
    ClientRequest.objects.filter(pk=submitted.pk).update(closed_at=when, resolved_at=when)
    return submitted


def replaced(version: DocumentVersion, ago: timedelta) -> None:
    """Date ``version``'s successor ``ago``: it was replaced then."""
    DocumentVersion.objects.filter(document=version.document_id, number=version.number + 1).update(
        created_at=timezone.now() - ago
    )


def request_file_keys(client_request) -> set[str]:
    ids = [
        *RequestAttachment.objects.filter(request=client_request).values_list("file", flat=True),
        *MessageAttachment.objects.filter(message__thread__request=client_request).values_list(
            "file", flat=True
        ),
    ]
    return set(StoredFile.objects.filter(pk__in=ids).values_list("key", flat=True))


def stored_keys() -> set[str]:
    return {key for key, _ in file_storage().listing(connection.schema_name)}


def applied_entries():
    return ActivityEntry.objects.filter(action="retention.applied")


def test_retention_removes_exactly_what_is_older_than_allowed_once(
    world, django_capture_on_commit_callbacks
):
    with tenant_context(world.acme):
        owner = user(world, "owner")
        old_closed = closed_request(world, closed_ago=LONG_AGO)
        recent_closed = closed_request(world, closed_ago=LATELY)
        old_resolved = closed_request(world, closed_ago=LONG_AGO, status=Status.RESOLVED)
        gone_keys = request_file_keys(old_closed)

        document = deliverable(world)  # v1 replaced long ago, v2 lately, v3 current
        v1 = document.current_version
        v2 = new_version(world, document)
        v3 = new_version(world, document)
        replaced(v1, LONG_AGO)
        replaced(v2, LATELY)
        asked = deliverable(world)  # v1 asked about, replaced long ago: kept for its approval
        asked_v1 = asked.current_version
        ask(world, asked_v1)
        new_version(world, asked)
        replaced(asked_v1, LONG_AGO)
        gone_keys.add(v1.file.key)

        now = timezone.now()
        old_session = SignedInSession.objects.create(
            user=owner, key_digest="a" * 64, last_seen_at=now - LONG_AGO
        )
        new_session = SignedInSession.objects.create(user=owner, key_digest="b" * 64)
        MagicLink.objects.create(user=owner, created_at=now - LONG_AGO, expires_at=now - LONG_AGO)
        attempt = AccessAttempt.objects.create(username="x@acme.example", failures_since_start=1)
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=now - LONG_AGO)
        kept_keys = stored_keys() - gone_keys

        # The defaults keep everything: nothing removed, nothing written.
        assert retention_apply() == REMOVED_NOTHING
        assert not applied_entries().exists()

        retention_policy_update(
            closed_requests_days=30, old_versions_days=30, sign_ins_days=30, actor=owner
        )
        with django_capture_on_commit_callbacks(execute=True):
            removed = retention_apply_agency()
        # 2 request files, 1 version file; the session, the link and the attempt.
        assert removed == {"closed_requests": 1, "old_versions": 1, "sign_ins": 3, "files": 3}
        assert set(ClientRequest.objects.values_list("pk", flat=True)) >= {
            recent_closed.pk,
            old_resolved.pk,
        }
        assert not ClientRequest.objects.filter(pk=old_closed.pk).exists()
        assert set(DocumentVersion.objects.filter(document__in=[document, asked]).values_list(
            "pk", flat=True
        )) == {v2.pk, v3.pk, asked_v1.pk, asked.versions.get(number=2).pk}  # fmt: skip
        assert list(SignedInSession.objects.filter(user=owner)) == [new_session]
        assert not SignedInSession.objects.filter(pk=old_session.pk).exists()
        assert not MagicLink.objects.exists() and not AccessAttempt.objects.exists()
        # The bytes went after the commit, and only those.
        assert stored_keys() == kept_keys
        assert not StoredFile.objects.filter(key__in=gone_keys).exists()
        entry = applied_entries().get()
        assert entry.actor is None and entry.changes == removed

        # Idempotent: a second run removes nothing and writes nothing.
        with django_capture_on_commit_callbacks(execute=True):
            assert retention_apply() == REMOVED_NOTHING
        assert applied_entries().count() == 1
        # The log itself is never cut: the removed items' entries are still there.
        assert ActivityEntry.objects.filter(
            object_type="client_requests.clientrequest", object_id=str(old_closed.pk)
        ).exists()


def test_a_run_costs_the_same_queries_for_few_or_many_old_versions(world):
    with tenant_context(world.acme):
        owner = user(world, "owner")
        retention_policy_update(
            closed_requests_days=None, old_versions_days=30, sign_ins_days=None, actor=owner
        )

        def old_versions(how_many):
            for _ in range(how_many):
                document = deliverable(world)
                version = document.current_version
                new_version(world, document)
                replaced(version, LONG_AGO)

        def queries_of_a_run():
            with CaptureQueriesContext(connection) as run:
                retention_apply()
            return len(run.captured_queries)

        old_versions(1)
        one = queries_of_a_run()
        # The settings; the run's savepoint. A batch (17): lock its ids, read their files;
        # Django's delete reads the versions and what protects them (current versions,
        # approvals) and deletes them; the files' keys with their previews; Django's delete
        # reads the files, their previews and what protects them (request attachments,
        # versions, invoices, credit notes, message attachments), unlinks them from person and
        # agency exports (2) and deletes them. The next, empty batch. The log entry (savepoint,
        # lock, last hash, insert, release); release.
        assert one == 1 + 1 + 17 + 1 + 5 + 1
        old_versions(5)
        assert queries_of_a_run() == one


# --- the settings page and API ---


def test_the_settings_page_saves_periods_and_refuses_nonsense(world):
    admin = signed_in_client(world.personas["admin"])
    url = reverse("retention:settings")
    page = admin.get(url).content.decode()
    assert "Never removed" in page and "The workspace log." in page
    for value, error in [
        ("-5", "At least 30 days"),
        ("7", "At least 30 days"),
        ("100000", "At most 3650 days"),
        ("soon", "Enter a whole number"),
    ]:
        form = {"closed_requests_days": value, "old_versions_days": "", "sign_ins_days": ""}
        response = admin.post(url, form)
        assert response.status_code == 200 and error in response.content.decode(), [
            line for line in response.content.decode().splitlines() if "error" in line
        ]
    with tenant_context(world.acme):
        assert not RetentionPolicy.objects.exists()

    form = {"closed_requests_days": "365", "old_versions_days": "", "sign_ins_days": "90"}
    response = admin.post(url, form)
    assert response.status_code == 302
    with tenant_context(world.acme):
        policy = RetentionPolicy.objects.get()
        assert (policy.closed_requests_days, policy.old_versions_days, policy.sign_ins_days) == (
            365,
            None,
            90,
        )
        entry = ActivityEntry.objects.get(action="retention.policy_changed")
        assert entry.actor.email == "admin@acme.example"
        assert entry.changes == {"closed_requests_days": [None, 365], "sign_ins_days": [None, 90]}
    log = admin.get(reverse("activity:workspace")).content.decode()
    assert "Keep closed requests: for good → 365 days" in log
    # The navigation leads there, for owners and admins only.
    assert f'href="{url}"' in admin.get("/").content.decode()
    staff_home = signed_in_client(world.personas["staff"]).get("/").content.decode()
    assert f'href="{url}"' not in staff_home


def test_the_api_reads_and_sets_the_periods_with_field_errors(world):
    token = obtain_tokens("acme.localhost", "owner@acme.example")["access"]
    api = host_client("acme.localhost")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    url = "/api/v1/retention"
    assert api.get(url, **headers).json()["closed_requests_days"] is None
    bad = {"closed_requests_days": -1, "old_versions_days": 5, "sign_ins_days": 100000}
    response = api.put(url, bad, content_type="application/json", **headers)
    assert response.status_code == 400
    assert set(response.json()) == {"closed_requests_days", "old_versions_days", "sign_ins_days"}
    partial = {"closed_requests_days": "x"}
    response = api.put(url, partial, content_type="application/json", **headers)
    assert response.status_code == 400 and "old_versions_days" in response.json()
    good = {"closed_requests_days": 730, "old_versions_days": 90, "sign_ins_days": None}
    response = api.put(url, good, content_type="application/json", **headers)
    assert response.status_code == 200 and response.json()["old_versions_days"] == 90
    with tenant_context(world.acme):
        assert RetentionPolicy.objects.get().closed_requests_days == 730


def test_the_retention_and_closing_apis_are_in_the_openapi_schema(world):
    paths = host_client("acme.localhost").get("/api/schema/?format=json").json()["paths"]
    assert {"get", "put"} <= set(paths["/api/v1/retention"])
    assert {"get", "post", "delete"} <= set(paths["/api/v1/billing/closure"])
    assert "409" in paths["/api/v1/billing/closure"]["post"]["responses"]


def test_the_log_and_the_settings_page_say_what_retention_removed(world):
    with tenant_context(world.acme):
        activity_record(
            action="retention.applied",
            changes={"closed_requests": 2, "old_versions": 0, "sign_ins": 5, "files": 3},
        )
    page = signed_in_client(world.personas["owner"]).get(reverse("activity:workspace"))
    assert (
        "Old records were removed under the retention settings: closed requests 2, old file "
        "versions 0, sign-in records 5"
    ) in page.content.decode()
    settings_page = signed_in_client(world.personas["owner"]).get(reverse("retention:settings"))
    assert "2 closed requests, 0 old file versions and 5 sign-in records" in (
        settings_page.content.decode()
    )


def test_the_sweep_runs_daily_for_every_agency():
    beat = settings.CELERY_BEAT_SCHEDULE["retention-sweep"]
    assert beat["task"] == retention_sweep.name
    assert beat["schedule"].hour == {3} and beat["schedule"].minute == {20}

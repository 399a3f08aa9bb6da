"""Erasing a person: nothing of their email or name is left in the agency's tables or in
billing, what others need stays naming the tombstone, the log and exported decision records
still verify, the policy, and a restore of an older backup erasing them again."""

import importlib
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.hashers import make_password
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import tenant_context
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from billing.models import Subscription
from shared_apps.accounts.models import User
from shared_apps.backups.models import PersonErasure
from shared_apps.backups.signals import agency_restored
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.client_requests.actions import request_reply_add
from tenant_apps.client_requests.models import ClientRequest
from tenant_apps.data_export.actions import person_export_request
from tenant_apps.data_export.models import PersonExport
from tenant_apps.data_export.tasks import person_export_build
from tenant_apps.documents.actions import document_upload
from tenant_apps.erasure.actions import person_erase, tombstone_for
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import file_storage
from tenant_apps.kit.roles import ClientRole
from tenant_apps.notifications.models import Notification
from tenant_apps.people.actions import client_member_create, invitation_create
from tenant_apps.people.models import Invitation
from tenant_apps.security.models import SignedInSession
from tests.conftest import PASSWORD, signed_in_client
from tests.people_support import api_client, api_post
from tests.routes_approvals import ask, decide, user
from tests.routes_messaging import post_message
from tests.routes_requests import submit_request, text_file
from tests.security_support import obtain, password_sign_in
from tests.test_approvals import exported, verify_record
from tests.test_billing_owner_emails import ADMIN, OWNER, promote_admin, stored


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


def where_named(*needles: str) -> list[str]:
    """Every "table.column" of the current schema whose text or JSON holds a needle."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema "
            "= %s AND data_type IN ('text', 'character varying', 'json', 'jsonb')",
            [connection.schema_name],
        )
        for table, column in cursor.fetchall():
            for needle in needles:
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE %s',
                    [f"%{needle}%"],
                )
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{column} ({needle})")
    return found


def log_verifies(world) -> str:
    out = StringIO()
    call_command("verify_activity_log", schema=world.acme.schema_name, stdout=out)
    return out.getvalue()


def test_an_erased_client_is_named_nowhere_yet_their_work_and_the_log_stand(world, tmp_path):
    approver = user(world, "approver")
    email, name = approver.email, approver.full_name
    # What a person leaves behind: sign-ins (one failed), an app token, a request, a message,
    # a decision, notifications, an invitation to their address, others' words about them.
    password_sign_in(email, password="wrong", REMOTE_ADDR="198.51.100.4")
    password_sign_in(email, REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="Edge/9")
    assert obtain(email).status_code == 200
    asked = submit_request(world, by="approver", title="New banner", details=f"Ask {email}.")
    post_message(world, by="approver", body="Here is the copy.")
    post_message(world, by="staff", body=f"Thanks {name}, on it.")
    with tenant_context(world.acme):
        request_reply_add(
            client_request=asked, body=f"Done, {name} ({email}).", actor=user(world, "owner")
        )
        approval = ask(world)
        decide(world, approval, comment="Ship it.")
        before = exported(world, approval)
        invitation_create(
            email=email,
            company=world.northwind,
            client_role=ClientRole.VIEWER,
            actor=user(world, "owner"),
        )
        assert Notification.objects.filter(recipient=approver).exists()
        assert where_named(email, name)
        assert ClientRequest.objects.filter(search=SearchQuery(name, config="english")).exists()

    erased = api_post(
        world, "owner", f"/api/v1/people/{approver.pk}/erase", {"confirm_name": name.upper()}
    )
    assert erased.status_code == 200, erased.content
    tombstone = f"Former client {approver.pk}"
    assert erased.json() == {"id": approver.pk, "tombstone": tombstone}

    with tenant_context(world.acme):
        assert where_named(email, name) == []
        # Nor in a search index: the request's words were indexed again.
        assert not ClientRequest.objects.filter(search=SearchQuery(name, config="english"))
        approver.refresh_from_db()
        assert (approver.email, approver.full_name) == (
            f"erased-{approver.pk}@erased.invalid",
            tombstone,
        )
        assert not approver.is_active and not approver.has_usable_password()
        assert not hasattr(approver, "client_member")
        for kept_nothing in (
            SignedInSession.objects.filter(user=approver),
            OutstandingToken.objects.filter(user=approver),
            Notification.objects.filter(recipient=approver),
            Invitation.objects.filter(email__iexact=email),
        ):
            assert not kept_nothing.exists()
        # Their work stays, naming the tombstone: the request's history, their decision.
        page = signed_in_client(world.personas["owner"]).get(f"/requests/{asked.pk}/")
        assert page.status_code == 200
        text = page.content.decode()
        assert tombstone in text and name not in text and email not in text
        assert approval.decisions.get().decided_by_id == approver.pk
        assert PersonErasure.objects.get(
            schema_name=world.acme.schema_name, user_id=approver.pk
        ).tombstone == (tombstone)
        by_them = ActivityEntry.objects.filter(actor=approver)
        assert set(by_them.values_list("actor_label", flat=True)) == {tombstone}
        assert by_them.filter(ip_address__isnull=False).count() == 0
        after = exported(world, approval)

    report = log_verifies(world)
    assert "intact" in report and "erased entries" in report
    # A record exported before the erasure still verifies, and so does one exported after,
    # which carries the erased entry without its salt.
    assert "unaltered and in the log" in verify_record(before, tmp_path)
    assert "unaltered and in the log" in verify_record(after, tmp_path)
    decision_proof = after["activity_entries"][-1]
    assert decision_proof["personal_salt"] is None
    assert decision_proof["actor_label"] == tombstone


def test_an_erased_owner_leaves_billing_and_the_last_owner_stays(world):
    promote_admin(world)
    admin = user(world, "admin")
    with tenant_context(world.acme):
        person_erase(person=admin, actor=user(world, "owner"))
        assert where_named(ADMIN, "Acme Admin") == []
    assert stored(world.acme) == [OWNER]
    assert ADMIN not in Subscription.objects.get(agency=world.acme).owner_emails

    # The one owner left is erased by nobody: not by themselves, not by anyone else.
    with tenant_context(world.acme):
        owner = User.objects.get(email=OWNER)
        for actor, refusal in [(owner, "yourself"), (None, "last owner")]:
            with pytest.raises(ValidationError) as refused, transaction.atomic():
                person_erase(person=owner, actor=actor)
            assert refusal in " ".join(refused.value.messages)
    assert stored(world.acme) == [OWNER]


@pytest.mark.parametrize(
    ("persona", "target", "status"),
    [
        ("client_admin", "staff", 404),  # the team is not theirs to see
        ("client_admin", "other_company", 404),  # nor another company's people
        ("staff", "viewer", 403),  # staff see Northwind's people, and erase nobody
        ("admin", "viewer", 403),  # only owners erase, of the team
        ("owner", "owner", 403),  # nobody erases themselves: they ask an owner
        ("viewer", "viewer", 403),
    ],
)
def test_who_may_erase_whom(world, persona, target, status):
    target_user = user(world, target)
    response = api_post(
        world, persona, f"/api/v1/people/{target_user.pk}/erase", {"confirm_name": "x"}
    )
    assert response.status_code == status, response.content
    with tenant_context(world.acme):
        assert User.objects.get(pk=target_user.pk).email == target_user.email


def test_a_wrong_name_is_a_field_error_and_erases_nothing(world):
    viewer = user(world, "viewer")
    client, headers = api_client(world, "client_admin")
    with tenant_context(world.acme):
        entries = ActivityEntry.objects.count()
    response = client.post(
        f"/api/v1/people/{viewer.pk}/erase",
        {"confirm_name": "Viewer"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 400
    assert list(response.json()) == ["confirm_name"]
    with tenant_context(world.acme):
        assert ActivityEntry.objects.count() == entries
        assert User.objects.get(pk=viewer.pk).is_active
    assert not PersonErasure.objects.filter(user_id=viewer.pk).exists()

    page = signed_in_client(world.personas["client_admin"])
    done = page.post(f"/people/{viewer.pk}/erase/", {"confirm_name": viewer.full_name})
    assert done.status_code == 302
    assert done.url == f"/clients/{world.northwind.pk}/people/"
    with tenant_context(world.acme):
        assert User.objects.get(pk=viewer.pk).full_name == f"Former client {viewer.pk}"


def test_a_restore_of_an_older_backup_erases_them_again(world):
    """The schema still holds the person (restored from before their erasure); the public
    record says they were erased: the receiver erases them again, once."""
    with tenant_context(world.acme):
        person = client_member_create(
            email="returning@northwind.example",
            full_name="Rita Returning",
            company=world.northwind,
            role=ClientRole.VIEWER,
            password_hash=make_password(PASSWORD),
            actor=user(world, "owner"),
        ).user
        PersonErasure.objects.create(
            schema_name=world.acme.schema_name, user_id=person.pk, tombstone="Former client 99"
        )
        # Records of another schema (the original of a sandbox copy) are not this one's.
        copied = client_member_create(
            email="copied@northwind.example",
            full_name="Carl Copied",
            company=world.northwind,
            role=ClientRole.VIEWER,
            password_hash=None,
            actor=user(world, "owner"),
        ).user
        PersonErasure.objects.create(
            schema_name="agency_original", user_id=copied.pk, tombstone="Former client 98"
        )
        agency_restored.send(sender=None, agency=world.acme)
        agency_restored.send(sender=None, agency=world.acme)  # idempotent
        person.refresh_from_db()
        copied.refresh_from_db()
        assert person.full_name == "Former client 99" and not person.is_active
        assert copied.full_name == "Carl Copied" and copied.is_active
        assert where_named("returning@northwind.example", "Rita Returning") == []
        assert ActivityEntry.objects.filter(action="person.erased_again").count() == 1
    assert "intact" in log_verifies(world)


def test_the_log_refuses_every_change_but_an_erasure(world):
    with tenant_context(world.acme):
        entry = ActivityEntry.objects.order_by("id").first()
        for change in (
            {"action": "forged"},  # a hashed column
            {"actor_label": "someone"},  # a personal field, the salt kept
            {"personal_salt": None, "entry_hash": "0" * 64},
        ):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                ActivityEntry.objects.filter(pk=entry.pk).update(**change)
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            ActivityEntry.objects.filter(pk=entry.pk).delete()
        # The erasure's shape passes: the salt gone, the personal fields blanked.
        ActivityEntry.objects.filter(pk=entry.pk).update(
            personal_salt=None, actor_label="Former client 1", ip_address=None
        )
    report = log_verifies(world)
    assert "intact" in report and "1 erased entry" in report


def test_the_migration_rechains_an_old_log_so_that_it_verifies(world):
    """Migration activity.0005 on a log in the old form (hashes over every field, no salt)."""
    migration = importlib.import_module(
        "tenant_apps.activity.migrations.0005_rechain_and_allow_only_erasure"
    )
    with tenant_context(world.acme), connection.cursor() as cursor:
        # As the migration runs: before its new trigger exists.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE activity_activityentry DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE activity_activityentry SET personal_salt = NULL, personal_digest = '', "
            "entry_hash = md5(id::text) || md5(action), prev_hash = md5(action) || md5(id::text)"
        )
        migration.rechain(django_apps, None)
        cursor.execute("ALTER TABLE activity_activityentry ENABLE TRIGGER USER")
        assert not ActivityEntry.objects.filter(personal_salt__isnull=True).exists()
    report = log_verifies(world)
    assert "intact" in report and "erased" not in report


def test_their_own_data_exports_go_with_them(world, django_capture_on_commit_callbacks):
    viewer = user(world, "viewer")
    with tenant_context(world.acme):
        export = person_export_request(person=viewer, actor=viewer)
        assert person_export_build(export.pk) is True
        key = StoredFile.objects.get(pk=PersonExport.objects.get(pk=export.pk).archive_id).key
        with django_capture_on_commit_callbacks(execute=True):
            person_erase(person=viewer, actor=user(world, "owner"))
        assert not PersonExport.objects.filter(person=viewer).exists()
        assert not StoredFile.objects.filter(key=key).exists()
        assert key not in {listed for listed, _ in file_storage().listing(connection.schema_name)}


def test_a_tombstone_that_would_duplicate_a_name_is_refused_and_nothing_changes(world):
    viewer = user(world, "viewer")
    owner = user(world, "owner")
    with tenant_context(world.acme):
        tombstone = tombstone_for(viewer)
        for name in (f"Notes for {viewer.full_name}", f"Notes for {tombstone}"):
            document_upload(company=world.northwind, upload=text_file(), actor=owner, name=name)
        entries = ActivityEntry.objects.count()
        with pytest.raises(ValidationError) as refused:
            person_erase(person=viewer, actor=owner)
        assert "Rename that item, then erase again" in str(refused.value)
        assert User.objects.get(pk=viewer.pk).is_active
        assert ActivityEntry.objects.count() == entries
    assert not PersonErasure.objects.filter(user_id=viewer.pk).exists()

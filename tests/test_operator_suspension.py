"""Suspending, restoring and deleting agencies: the actions, the console and its API, what the
agency's people see, and the deletion task."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_exists, tenant_context

from operators.emails import standing_email
from operators.models import (
    AgencyUsageDay,
    ImpersonationSession,
    Operator,
    OperatorLogEntry,
    SupportGrant,
)
from operators.roles import Role
from operators.suspension import (
    agency_delete_due,
    agency_deletion_cancel,
    agency_deletion_schedule,
    agency_restore,
    agency_suspend,
)
from shared_apps.accounts.models import User
from shared_apps.signup.actions import agency_signup
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.files.actions import file_store
from tenant_apps.files.storage import file_storage
from tenants.models import Agency, Domain
from tests.conftest import OPERATOR_EMAILS, PASSWORD, host_client, operator_sign_in
from tests.test_isolation import obtain_tokens

ACME = "acme.localhost"


def on_platform(name, *args) -> str:
    return reverse(name, args=args, urlconf="config.urls_public")


def operator(role=Role.ADMIN) -> Operator:
    connection.set_schema_to_public()
    return Operator.objects.get(user__email=OPERATOR_EMAILS[role])


def console(role=Role.ADMIN):
    return operator_sign_in(
        host_client(settings.PLATFORM_DOMAIN), User.objects.get(email=OPERATOR_EMAILS[role])
    )


def signed_in(world, key):
    client = host_client(ACME)
    with tenant_context(world.acme):
        client.force_login(world.personas[key].user)
    connection.set_schema_to_public()
    return client


def log_actions(agency) -> list[str]:
    return list(
        OperatorLogEntry.objects.filter(agency_id=agency.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )


def agency_log(agency) -> list[tuple]:
    with tenant_context(agency):
        return list(
            ActivityEntry.objects.filter(action__startswith="workspace.")
            .order_by("id")
            .values_list("action", "changes")
        )


def suspend(agency, **overrides):
    fields = {"category": "billing", "reason": "Card declined three times", "message": ""}
    return agency_suspend(agency=agency, operator=operator(), **(fields | overrides))


# --- actions ---


def test_suspend_and_restore_write_both_logs_and_keep_the_reason_internal(world):
    agency = suspend(world.acme, message="Please update your card.")
    assert agency.is_suspended and agency.suspension_category == "billing"
    entry = OperatorLogEntry.objects.filter(agency_id=agency.pk).latest("id")
    assert (entry.action, entry.reason, entry.operator_label) == (
        "agency.suspended",
        "Card declined three times",
        OPERATOR_EMAILS[Role.ADMIN],
    )
    assert entry.changes == {"category": "billing", "message": "Please update your card."}

    agency = agency_restore(agency=agency, reason="Paid", operator=operator())
    assert not agency.is_suspended and agency.suspension_reason == ""
    assert log_actions(agency) == ["agency.suspended", "agency.restored"]
    # The agency's own log says what happened, never the operator's reason.
    assert agency_log(agency) == [
        ("workspace.suspended", {"category": "billing"}),
        ("workspace.restored", {"category": "billing"}),
    ]


def test_bad_suspensions_are_refused_with_field_errors_and_change_nothing(world):
    with pytest.raises(ValidationError) as refused:
        suspend(world.acme, category="whim", reason="  ")
    assert set(refused.value.message_dict) == {"category", "reason"}
    suspend(world.acme)
    with pytest.raises(ValidationError, match="already suspended"):
        suspend(world.acme, category="abuse")
    with pytest.raises(ValidationError, match="not suspended"):
        agency_restore(agency=world.globex, reason="x", operator=operator())
    assert log_actions(world.acme) == ["agency.suspended"]
    assert Agency.objects.get(pk=world.acme.pk).suspension_category == "billing"


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.BILLING])
def test_support_and_billing_operators_may_neither_suspend_nor_delete(world, role):
    with pytest.raises(PermissionDenied):
        agency_suspend(agency=world.acme, category="abuse", reason="x", operator=operator(role))
    with pytest.raises(PermissionDenied):
        agency_deletion_schedule(agency=world.acme, reason="x", operator=operator(role))
    assert log_actions(world.acme) == []


def test_deletion_is_scheduled_with_a_grace_period_and_cancelled(world):
    before = timezone.now()
    agency = agency_deletion_schedule(
        agency=world.acme, reason="Asked by email", operator=operator()
    )
    grace = timedelta(days=settings.AGENCY_DELETION_GRACE_DAYS)
    assert before + grace <= agency.deletion_due_at <= timezone.now() + grace
    assert agency.deletion_requested_by == "operator"
    with pytest.raises(ValidationError, match="already scheduled"):
        agency_deletion_schedule(agency=agency, reason="again", operator=operator())
    owner = world.personas["owner"].user
    # The platform asked: the owner cannot call it off themselves.
    with pytest.raises(PermissionDenied, match=settings.PLATFORM_SUPPORT_EMAIL):
        agency_deletion_cancel(agency=agency, reason="No", owner=owner)
    agency = agency_deletion_cancel(agency=agency, reason="Changed their mind", operator=operator())
    assert agency.deletion_due_at is None and agency.deletion_requested_by == ""
    assert log_actions(agency) == ["agency.deletion_scheduled", "agency.deletion_cancelled"]
    assert [action for action, _ in agency_log(agency)] == [
        "workspace.deletion_scheduled",
        "workspace.deletion_cancelled",
    ]


def test_an_owner_schedules_and_cancels_their_own_deletion(world):
    owner = world.personas["owner"].user
    agency = agency_deletion_schedule(agency=world.acme, reason="Closing down", owner=owner)
    assert agency.deletion_requested_by == "owner"
    entry = OperatorLogEntry.objects.filter(agency_id=agency.pk).latest("id")
    assert entry.operator is None and entry.changes["owner"] == "owner@acme.example"
    agency_deletion_cancel(agency=agency, reason="Staying", owner=owner)
    with tenant_context(world.acme):
        actors = list(
            ActivityEntry.objects.filter(action__startswith="workspace.").values_list(
                "actor__email", flat=True
            )
        )
    assert actors == ["owner@acme.example", "owner@acme.example"]


def test_a_due_deletion_cannot_be_cancelled_any_more(world):
    agency = agency_deletion_schedule(agency=world.acme, reason="Closing", operator=operator())
    Agency.objects.filter(pk=agency.pk).update(deletion_due_at=timezone.now())
    with pytest.raises(ValidationError, match="under way"):
        agency_deletion_cancel(agency=agency, reason="Too late", operator=operator())


def test_the_owners_are_emailed_what_happened_and_what_they_can_do(world):
    agency = suspend(world.acme, message="Please update your card.")
    email = standing_email(agency, "suspended")
    assert email.to == ["owner@acme.example"] and email.subject == "Acme is suspended"
    assert "because of a billing problem" in email.body and "Please update your card." in email.body
    assert "Card declined" not in email.body  # the operator's reason stays internal
    agency = agency_restore(agency=agency, reason="Paid", operator=operator())
    assert standing_email(agency, "suspended") is None  # overtaken: not sent
    assert standing_email(agency, "restored").subject == "Acme is open again"

    owner = world.personas["owner"].user
    agency = agency_deletion_schedule(agency=agency, reason="Closing", owner=owner)
    body = standing_email(agency, "deletion_scheduled").body
    assert "Keep the workspace" in body and settings.PLATFORM_SUPPORT_EMAIL not in body
    agency = agency_deletion_cancel(agency=agency, reason="Staying", owner=owner)
    agency = agency_deletion_schedule(agency=agency, reason="Unpaid", operator=operator())
    body = standing_email(agency, "deletion_scheduled").body
    assert settings.PLATFORM_SUPPORT_EMAIL in body and "Keep the workspace" not in body


# --- the console's pages and API ---


def test_the_console_panel_suspends_and_restores(world):
    client = console()
    page = client.get(on_platform("operator:agency", world.acme.pk))
    assert b"Suspend Acme" in page.content and b"Schedule deletion" in page.content
    response = client.post(
        on_platform("operator:agency_suspend", world.acme.pk),
        {"suspend-category": "abuse", "suspend-reason": "Phishing pages", "suspend-message": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == on_platform("operator:agency", world.acme.pk)
    page = client.get(response["Location"])
    assert b"is suspended" in page.content and b"Phishing pages" in page.content
    assert b"Restore Acme" in page.content
    response = client.post(
        on_platform("operator:agency_restore", world.acme.pk), {"restore-reason": "Cleaned"}
    )
    assert response.status_code == 302
    assert not Agency.objects.get(pk=world.acme.pk).is_suspended


def test_the_console_answers_bad_input_with_the_form_and_its_errors(world):
    client = console()
    response = client.post(
        on_platform("operator:agency_suspend", world.acme.pk),
        {"suspend-category": "whim", "suspend-reason": ""},
    )
    assert response.status_code == 400
    assert b'class="field has-error"' in response.content
    response = client.post(
        on_platform("operator:agency_deletion_schedule", world.acme.pk),
        {"delete-reason": "Asked", "delete-confirm": "globex"},
    )
    assert response.status_code == 400 and b"Type acme to confirm" in response.content
    suspend(world.acme)
    response = client.post(
        on_platform("operator:agency_suspend", world.acme.pk),
        {"suspend-category": "abuse", "suspend-reason": "again"},
    )
    assert response.status_code == 400 and b"already suspended" in response.content
    assert log_actions(world.acme) == ["agency.suspended"]
    response = client.post(
        on_platform("operator:agency_deletion_schedule", world.acme.pk),
        {"delete-reason": "Asked", "delete-confirm": "ACME"},
    )
    assert response.status_code == 302
    assert Agency.objects.get(pk=world.acme.pk).deletion_requested_by == "operator"


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.BILLING])
def test_support_and_billing_see_the_state_but_are_refused(world, role):
    client = console(role)
    page = client.get(on_platform("operator:agency", world.acme.pk))
    assert page.status_code == 200 and b"Only admin operators" in page.content
    assert b"Schedule deletion" not in page.content
    for name, data in [
        ("operator:agency_suspend", {"suspend-category": "abuse", "suspend-reason": "x"}),
        ("operator:agency_deletion_schedule", {"delete-reason": "x", "delete-confirm": "acme"}),
    ]:
        assert client.post(on_platform(name, world.acme.pk), data).status_code == 403
    path = on_platform("api-operator-agency-suspend", world.acme.pk)
    response = client.post(path, {"category": "abuse", "reason": "x"}, "application/json")
    assert response.status_code == 403
    assert log_actions(world.acme) == []


def test_the_api_suspends_restores_and_schedules(world):
    client = console()
    suspend_path = on_platform("api-operator-agency-suspend", world.acme.pk)
    response = client.post(suspend_path, {"category": "nope", "reason": ""}, "application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"category", "reason"}
    body = {"category": "security", "reason": "Leaked keys", "message": "We will call you."}
    response = client.post(suspend_path, body, "application/json")
    assert response.status_code == 200, response.content
    assert response.json()["suspension_category"] == "security"
    assert response.json()["is_suspended"] is True
    response = client.post(suspend_path, body, "application/json")
    assert response.status_code == 400
    assert "already suspended" in response.json()["non_field_errors"][0]
    restore_path = on_platform("api-operator-agency-restore", world.acme.pk)
    response = client.post(restore_path, {"reason": "Rotated"}, "application/json")
    assert response.status_code == 200 and response.json()["is_suspended"] is False

    deletion_path = on_platform("api-operator-agency-deletion", world.acme.pk)
    response = client.post(deletion_path, {"reason": "Asked", "confirm": "acm"}, "application/json")
    assert response.status_code == 400 and "confirm" in response.json()
    response = client.post(
        deletion_path, {"reason": "Asked", "confirm": "acme"}, "application/json"
    )
    assert response.status_code == 200 and response.json()["deletion_requested_by"] == "operator"
    response = client.delete(deletion_path, {"reason": "Kept"}, "application/json")
    assert response.status_code == 200 and response.json()["deletion_due_at"] is None
    assert log_actions(world.acme) == [
        "agency.suspended",
        "agency.restored",
        "agency.deletion_scheduled",
        "agency.deletion_cancelled",
    ]


def test_agency_credentials_and_the_anonymous_get_nothing_from_the_api(world):
    path = on_platform("api-operator-agency-suspend", world.acme.pk)
    body = {"category": "abuse", "reason": "x"}
    anonymous = host_client(settings.PLATFORM_DOMAIN)
    assert anonymous.post(path, body, "application/json").status_code in (401, 403)
    access = obtain_tokens(ACME, "owner@acme.example")["access"]
    response = host_client(settings.PLATFORM_DOMAIN).post(
        path, body, "application/json", HTTP_AUTHORIZATION=f"Bearer {access}"
    )
    assert response.status_code == 401
    assert not Agency.objects.get(pk=world.acme.pk).is_suspended


# --- what the agency's people see ---


@pytest.mark.parametrize("key", ["admin", "staff", "client_admin", "viewer"])
def test_the_agencys_people_see_the_suspended_page(world, key):
    suspend(world.acme, category="abuse", reason="Internal: phishing", message="Call us.")
    response = signed_in(world, key).get("/")
    assert response.status_code == 403
    text = response.content.decode()
    assert "This workspace is suspended" in text
    assert "breach of the terms of service" in text and "Call us." in text
    assert settings.PLATFORM_SUPPORT_EMAIL in text
    assert "Internal: phishing" not in text
    assert "Go to the Billing page" not in text


def test_the_owner_still_signs_in_and_reaches_billing(world):
    suspend(world.acme)
    anonymous = host_client(ACME)
    assert anonymous.get("/").status_code == 403
    assert anonymous.get(reverse("accounts:login")).status_code == 200
    response = anonymous.post(
        reverse("accounts:login"), {"username": "owner@acme.example", "password": PASSWORD}
    )
    assert response.status_code == 302
    home = anonymous.get("/")
    assert home.status_code == 403 and b"Go to the Billing page" in home.content
    assert anonymous.get(reverse("billing:overview")).status_code == 200
    # Staff are not let into billing by the suspension either.
    assert signed_in(world, "staff").get(reverse("billing:overview")).status_code == 403


def test_the_api_answers_403_with_the_reason_code_and_restore_brings_it_back(world):
    access = obtain_tokens(ACME, "admin@acme.example")["access"]
    client = host_client(ACME)
    suspend(world.acme, category="security")
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert response.status_code == 403
    body = response.json()
    assert (body["code"], body["reason"]) == ("agency_suspended", "security")
    assert body["detail"].startswith("This workspace is suspended.")
    # Signing in over the API still works (owners reach the billing API).
    owner_access = obtain_tokens(ACME, "owner@acme.example")["access"]
    billing = client.get("/api/v1/billing", HTTP_AUTHORIZATION=f"Bearer {owner_access}")
    assert billing.status_code == 200
    agency_restore(agency=world.acme, reason="Resolved", operator=operator())
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 200
    assert signed_in(world, "viewer").get("/").status_code == 200


def test_periodic_work_skips_a_suspended_agency_but_billing_does_not(world):
    suspend(world.acme)
    assert world.acme.pk not in Agency.objects.serving().values_list("pk", flat=True)
    assert world.acme.pk in Agency.objects.live().values_list("pk", flat=True)


def test_a_switched_off_agency_still_has_no_portal(world):
    Agency.objects.filter(pk=world.acme.pk).update(is_active=False)
    assert host_client(ACME).get("/").status_code == 404


def test_a_scheduled_deletion_shows_on_every_page_with_how_to_keep_it(world):
    agency_deletion_schedule(agency=world.acme, reason="Asked", operator=operator())
    owner_page = signed_in(world, "owner").get("/").content.decode()
    assert "scheduled for deletion on" in owner_page
    assert f"mailto:{settings.PLATFORM_SUPPORT_EMAIL}" in owner_page
    assert "Keep the workspace" not in owner_page
    client_page = signed_in(world, "client_admin").get("/").content.decode()
    assert "This portal is closing on" in client_page  # in a client's words
    assert settings.PLATFORM_SUPPORT_EMAIL not in client_page
    # Not before signing in.
    assert "scheduled for deletion" not in host_client(ACME).get("/auth/login/").content.decode()


def test_the_banner_shows_the_date_in_the_viewers_time_zone(world):
    agency = agency_deletion_schedule(agency=world.acme, reason="Asked", operator=operator())
    due = Agency.objects.filter(pk=agency.pk)
    due.update(deletion_due_at=datetime(2031, 3, 1, 23, 30, tzinfo=UTC))
    with tenant_context(world.acme):
        User.objects.filter(email="owner@acme.example").update(time_zone="Asia/Tokyo")
    page = signed_in(world, "owner").get("/").content.decode()
    assert "2 Mar 2031, 08:30" in page


def test_an_owner_keeps_the_workspace_whose_deletion_they_asked_for(world):
    owner = world.personas["owner"].user
    agency_deletion_schedule(agency=world.acme, reason="Closing", owner=owner)
    client = signed_in(world, "owner")
    assert b"Keep the workspace" in client.get("/").content
    assert signed_in(world, "admin").post(reverse("billing:deletion_cancel")).status_code == 403
    response = client.post(reverse("billing:deletion_cancel"))
    assert response.status_code == 302
    assert Agency.objects.get(pk=world.acme.pk).deletion_due_at is None
    assert b"scheduled for deletion" not in client.get("/").content


# --- the deletion task ---


def doomed_agency(subdomain="doomed") -> Agency:
    signup = agency_signup(
        name="Doomed Co",
        subdomain=subdomain,
        owner_name="D",
        owner_email=f"d@{subdomain}.example",
        owner_password=PASSWORD,
    )
    agency = signup.agency
    with tenant_context(agency):
        upload = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")
        file_store(upload=upload, uploaded_by=signup.owner)
    agency_deletion_schedule(agency=agency, reason="Closing", operator=operator())
    Agency.objects.filter(pk=agency.pk).update(deletion_due_at=timezone.now())
    return Agency.objects.get(pk=agency.pk)


def test_the_deletion_drops_the_schema_purges_files_and_logs_what_went(world):
    agency = doomed_agency()
    schema, storage = agency.schema_name, file_storage()
    now = timezone.now()
    grant = SupportGrant.objects.create(
        agency=agency, granted_by_id=1, granted_by_label="d@doomed.example",
        starts_at=now, ends_at=now + timedelta(hours=1),
    )  # fmt: skip
    ImpersonationSession.objects.create(
        operator=operator(Role.SUPPORT).user, agency=agency, grant=grant, target_user_id=1,
        target_label="d@doomed.example", reason="Help", started_at=now, ends_at=now,
    )  # fmt: skip
    AgencyUsageDay.objects.create(agency=agency, day=now.date(), gathered_at=now)
    assert len(list(storage.listing(schema))) == 1
    with connection.cursor() as cursor:
        # Rows written in this test's transaction have their checks pending, which would stop
        # the drop; in real life they were committed long before.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    deleted = agency_delete_due(agency_id=agency.pk)
    assert deleted.files == 1
    assert not schema_exists(schema)
    assert not Agency.objects.filter(pk=agency.pk).exists()
    assert not Domain.objects.filter(domain="doomed.localhost").exists()
    assert list(storage.listing(schema)) == []
    entry = OperatorLogEntry.objects.filter(agency_id=agency.pk).latest("id")
    assert entry.action == "agency.deleted" and entry.operator is None
    assert entry.agency_label == "Doomed Co"
    assert entry.changes["subdomain"] == "doomed" and entry.changes["schema"] == schema
    counted = entry.changes["deleted"]
    assert counted == {
        "domains": 1,
        "custom_domains": 0,
        "subscriptions": 1,
        "connected_accounts": 0,
        "brands": 1,
        "usage_days": 1,
        "support_grants": 1,
        "impersonation_sessions": 1,
        "files": 1,
    }
    assert not SupportGrant.objects.filter(pk=grant.pk).exists()
    # Again: nothing left to do.
    assert agency_delete_due(agency_id=agency.pk) is None
    assert host_client("doomed.localhost").get("/").status_code == 404


def test_an_agency_not_due_yet_or_cancelled_is_not_deleted(world):
    agency = agency_deletion_schedule(agency=world.globex, reason="Later", operator=operator())
    assert agency_delete_due(agency_id=agency.pk) is None
    agency_deletion_cancel(agency=agency, reason="Kept", operator=operator())
    assert agency_delete_due(agency_id=agency.pk) is None
    assert schema_exists(agency.schema_name) and Agency.objects.get(pk=agency.pk).is_active

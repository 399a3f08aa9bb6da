"""An owner closes the agency: the page offers the export and explains the grace period,
every page then shows the date (in words for each side), the owners are emailed, the owner
may keep it until then, and afterwards the operators' deletion removes it all."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_exists, tenant_context

from billing.models import Subscription
from branding.models import Brand
from operators.emails import standing_email
from operators.suspension import agency_delete_due, agency_deletion_schedule
from shared_apps.signup.actions import agency_signup
from tenant_apps.files.actions import file_store
from tenant_apps.files.storage import file_storage
from tenant_apps.support_access.middleware import refused
from tenants.models import Agency, Domain
from tests.conftest import PASSWORD, host_client, signed_in_client
from tests.test_isolation import obtain_tokens
from tests.test_operator_suspension import operator

EXPORT_PATH = "/settings/export/"


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


def acme() -> Agency:
    return Agency.objects.get(subdomain="acme")


def test_the_owner_closes_from_the_page_and_every_page_shows_the_date(world):
    owner = signed_in_client(world.personas["owner"])
    url = reverse("billing:close")
    assert f'href="{url}"' in owner.get(reverse("billing:overview")).content.decode()
    page = owner.get(url).content.decode()
    assert f'href="{EXPORT_PATH}"' in page and "30 days" in page
    assert "<strong>acme</strong>" in page
    assert signed_in_client(world.personas["admin"]).get(url).status_code == 403

    for form, error in [
        ({"confirm": "globex", "reason": "Retiring"}, "That is not the address name"),
        ({"confirm": "acme", "reason": " "}, "Tell us in a few words why"),
    ]:
        response = owner.post(url, form)
        assert response.status_code == 200 and error in response.content.decode()
        assert not acme().is_deletion_scheduled

    before = timezone.now()
    response = owner.post(url, {"confirm": " ACME ", "reason": "Retiring"})
    assert response.status_code == 302 and response["Location"] == url
    agency = acme()
    assert agency.deletion_requested_by == "owner"
    grace = timedelta(days=settings.AGENCY_DELETION_GRACE_DAYS)
    assert before + grace <= agency.deletion_due_at <= timezone.now() + grace
    assert "Keep the workspace" in owner.get(url).content.decode()

    # Every page, in each side's words; the owner learns how to export and how to keep it.
    home = owner.get("/").content.decode()
    assert "scheduled for deletion on" in home
    assert f'href="{EXPORT_PATH}"' in home and "Keep the workspace" in home
    staff = signed_in_client(world.personas["staff"]).get("/").content.decode()
    assert "scheduled for deletion on" in staff and "Keep the workspace" not in staff
    client = signed_in_client(world.personas["viewer"]).get("/").content.decode()
    assert "This portal is closing on" in client and "download anything you want" in client
    assert "Keep the workspace" not in client and EXPORT_PATH not in client
    assert 'href="/account/data/">take a copy of your own data' in client  # theirs alone
    # The owners' email says when, how to export and how to keep it.
    body = standing_email(agency, "deletion_scheduled").body
    assert f"acme.localhost{EXPORT_PATH}" in body.replace(f":{settings.PUBLIC_PORT}", "")
    assert "Keep the workspace" in body


def test_the_owner_closes_and_keeps_it_over_the_api(world):
    token = obtain_tokens("acme.localhost", "owner@acme.example")["access"]
    api, headers = host_client("acme.localhost"), {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    url = "/api/v1/billing/closure"

    def send(method, data=None):
        return getattr(api, method)(url, data, content_type="application/json", **headers)

    state = send("get").json()
    assert state["closing"] is False and state["grace_days"] == settings.AGENCY_DELETION_GRACE_DAYS
    assert state["export_url"].endswith(EXPORT_PATH)
    response = send("post", {})
    assert response.status_code == 400 and set(response.json()) == {"confirm", "reason"}
    response = send("post", {"confirm": "globex", "reason": "Retiring"})
    assert response.status_code == 400 and list(response.json()) == ["confirm"]
    assert not acme().is_deletion_scheduled

    response = send("post", {"confirm": "acme", "reason": "Retiring"})
    assert response.status_code == 201
    assert response.json()["closing"] is True and response.json()["requested_by"] == "owner"
    assert send("post", {"confirm": "acme", "reason": "Again"}).status_code == 409
    response = send("delete")
    assert response.status_code == 200 and response.json()["closing"] is False
    assert send("delete").json()["code"] == "not_cancellable"

    # A deletion the platform scheduled is not the owner's to cancel.
    agency_deletion_schedule(agency=acme(), reason="Unpaid", operator=operator())
    response = send("delete")
    assert (
        response.status_code == 403 and settings.PLATFORM_SUPPORT_EMAIL in response.json()["detail"]
    )


def test_a_closed_agency_goes_after_the_grace_with_its_schema_files_and_rows(world):
    signup = agency_signup(
        name="Close Co", subdomain="closeco", owner_name="C",
        owner_email="c@closeco.example", owner_password=PASSWORD,
    )  # fmt: skip
    agency, schema = signup.agency, signup.agency.schema_name
    owner = Client(HTTP_HOST="closeco.localhost")
    with tenant_context(agency):
        upload = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")
        file_store(upload=upload, uploaded_by=signup.owner)
        owner.force_login(signup.owner)
    connection.set_schema_to_public()
    storage = file_storage()
    assert len(list(storage.listing(schema))) == 1
    close = {"confirm": "closeco", "reason": "Retiring"}

    # Closed, then kept before the date: nothing goes.
    assert owner.post(reverse("billing:close"), close).status_code == 302
    assert owner.post(reverse("billing:deletion_cancel")).status_code == 302
    assert agency_delete_due(agency_id=agency.pk) is None
    assert not Agency.objects.get(pk=agency.pk).is_deletion_scheduled

    # Closed again; the grace runs out: the console's own deletion takes it all.
    assert owner.post(reverse("billing:close"), close).status_code == 302
    assert agency_delete_due(agency_id=agency.pk) is None  # not due yet
    Agency.objects.filter(pk=agency.pk).update(deletion_due_at=timezone.now())
    with connection.cursor() as cursor:
        # Rows written in this test's transaction have their checks pending, which would stop
        # the drop; in real life they were committed long before.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    deleted = agency_delete_due(agency_id=agency.pk)
    assert deleted.subdomain == "closeco" and deleted.files == 1
    assert not schema_exists(schema)
    assert list(storage.listing(schema)) == []
    assert not Agency.objects.filter(pk=agency.pk).exists()
    assert not Domain.objects.filter(domain="closeco.localhost").exists()
    assert not Subscription.objects.filter(agency_id=agency.pk).exists()
    assert not Brand.objects.filter(agency_id=agency.pk).exists()


def test_a_support_session_may_look_but_neither_close_nor_change_retention():
    for name in ("billing:close", "api-billing-closure", "retention:settings", "api-retention"):
        assert not refused(name, "GET")
        for method in ("POST", "PUT", "DELETE"):
            assert refused(name, method), (name, method)

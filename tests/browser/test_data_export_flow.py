"""A client and a team member on "Your data": each asks for an export of their own data; the
client's is built, downloaded once from the page (the bytes are the archive's), and the emailed
link then says it has expired. At 390 and 1280 px: no horizontal scrolling, no axe violations.

A real Celery worker builds the archive and sends the email; what the test commits is removed
afterwards: the exports, their archives and the archives' bytes.
"""

import hashlib
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from shared_apps.accounts.models import User
from tenant_apps.data_export.models import PersonExport
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import file_storage
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.pages import check_page
from tests.conftest import PASSWORD
from tests.processes import outbox_files, wait_until
from tests.routes_data_export import LINK

HOST = "acme.localhost"
CLIENT, STAFF = "ca@northwind.example", "staff@acme.example"


def acme() -> Agency:
    return Agency.objects.get(subdomain="acme")


@pytest.fixture
def forget_exports(django_db_blocker):
    yield

    def remove():
        with tenant_context(acme()):
            exports = PersonExport.objects.filter(person__email__in=[CLIENT, STAFF])
            archives = list(StoredFile.objects.filter(pk__in=exports.values("archive")))
            exports.delete()
            for archive in archives:
                file_storage().delete(archive.key)
                archive.delete()

    _with_database(django_db_blocker, remove)


def sign_in(page, live_url, email):
    page.goto(live_url(HOST, "/auth/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def ask_for_export(page):
    page.get_by_role("button", name="Export my data").click()
    expect(page.locator(".messages")).to_contain_text("We're preparing your data.")
    expect(page.locator("#exports")).to_contain_text("Being prepared")


def test_a_client_and_a_team_member_export_their_own_data(
    new_page, live_url, forget_exports, django_db_blocker, tmp_path, celery_worker
):
    client = new_page()
    sign_in(client, live_url, CLIENT)
    client.goto(live_url(HOST, "/account/"))
    client.get_by_role("link", name="Your data").click()
    expect(client.get_by_role("heading", name="Your data", level=1)).to_be_visible()
    expect(client.get_by_text("You haven't asked for an export yet.")).to_be_visible()
    ask_for_export(client)

    def ready():
        with tenant_context(acme()):
            return PersonExport.objects.filter(person__email=CLIENT, state="ready").first()

    wait_until(lambda: _with_database(django_db_blocker, ready) is not None)
    sha256 = _with_database(django_db_blocker, ready).sha256
    emailed = message_from_bytes(outbox_files(CLIENT)[-1], policy=policy.default)
    [token] = LINK.findall(emailed.get_body(("plain",)).get_content())
    client.reload()
    expect(client.locator("#exports")).to_contain_text("Ready")
    check_page(client, "your-data-client")

    with client.expect_download() as download:
        client.get_by_role("link", name=re.compile(r"^Download")).click()
    saved = Path(tmp_path, "archive.zip")
    download.value.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == sha256
    client.reload()
    expect(client.locator("#exports")).to_contain_text("Downloaded")

    # The emailed link, after the one download: a clear page, and the way to a new one.
    client.goto(live_url(HOST, f"/account/data/download/{token}/"))
    expect(client.get_by_role("heading", level=1)).to_have_text(
        "This link has expired — ask for a new export"
    )
    check_page(client, "your-data-link-expired")
    client.get_by_role("link", name="Go to Your data").click()
    expect(client.get_by_role("button", name="Export my data")).to_be_visible()

    staff = new_page()
    sign_in(staff, live_url, STAFF)
    staff.goto(live_url(HOST, "/account/data/"))
    ask_for_export(staff)
    check_page(staff, "your-data-team")

    def people_exports():
        with tenant_context(acme()):
            return sorted(
                User.objects.filter(data_exports__isnull=False).values_list("email", flat=True)
            )

    assert _with_database(django_db_blocker, people_exports) == [CLIENT, STAFF]

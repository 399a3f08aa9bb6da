"""The owner's full export in a real browser: found under Settings, asked for, shown as being
prepared, then (once built) ready to download, on a phone and a laptop."""

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from tenant_apps.agency_archive.models import AgencyExport
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import file_storage
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.pages import check_page
from tests.browser.test_activity_flow import sign_in
from tests.processes import wait_until

HOST = "acme.localhost"


def in_acme(work):
    def run():
        with tenant_context(Agency.objects.get(subdomain="acme")):
            return work()

    return run


@pytest.fixture
def exports_forgotten(django_db_blocker):
    """Afterwards acme's exports go, with their files (the log keeps its entries)."""
    yield

    def forget():
        exports = AgencyExport.objects.exclude(file=None)
        keys = list(exports.values_list("file__key", flat=True))
        files = list(exports.values_list("file_id", flat=True))
        AgencyExport.objects.all().delete()
        StoredFile.objects.filter(pk__in=files).delete()
        for key in keys:
            file_storage().delete(key)

    _with_database(django_db_blocker, in_acme(forget))


def test_the_owner_prepares_and_downloads_the_full_export(
    page, live_url, django_db_blocker, exports_forgotten, celery_worker
):
    sign_in(page, live_url, "owner@acme.example")
    page.get_by_role("link", name="Export everything").first.click()
    expect(page.get_by_role("heading", name="Export everything")).to_be_visible()
    expect(page.get_by_text("No exports yet.")).to_be_visible()
    page.get_by_role("button", name="Prepare an export").click()
    expect(page.get_by_text("Your export is being prepared.")).to_be_visible()
    expect(page.get_by_text("Being prepared", exact=True)).to_be_visible()

    # A real worker builds it; the page's poll shows the result.
    def built():
        export = AgencyExport.objects.exclude(file=None).first()
        return export.file.name if export else None

    wait_until(lambda: _with_database(django_db_blocker, in_acme(built)) is not None)
    name = _with_database(django_db_blocker, in_acme(built))
    download = page.get_by_role("link", name=name)
    expect(download).to_be_visible(timeout=15_000)
    check_page(page, "agency-export")
    with page.expect_download() as started:
        download.click()
    assert started.value.suggested_filename == name

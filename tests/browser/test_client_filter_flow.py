"""The lists' client filter in an agency with many clients: a search box instead of a select
of every name, which filters with or without JavaScript, at phone and desktop widths."""

import re
import uuid

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from shared_apps.accounts.models import User
from tenant_apps.client_requests.actions import request_submit
from tenant_apps.client_requests.models import ClientRequest, RequestType
from tenant_apps.kit.widgets import ClientPicker
from tenant_apps.people.models import ClientCompany
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.pages import check_page
from tests.browser.test_requests_flow import ACME, sign_in


@pytest.fixture
def many_clients(django_db_blocker):
    """More clients than a select lists, and a Northwind request; removed afterwards."""
    tag = uuid.uuid4().hex[:8]

    def add():
        with tenant_context(Agency.objects.get(subdomain="acme")):
            ClientCompany.objects.bulk_create(
                ClientCompany(name=f"Filler {tag} {number:03}")
                for number in range(ClientPicker.MANY)
            )
            request_submit(
                actor=User.objects.get(email="ca@northwind.example"),
                company=ClientCompany.objects.get(name="Northwind"),
                type=RequestType.objects.get(key="support"),
                title=f"Northwind asks {tag}",
                details="Filtered by name.",
                priority="normal",
            )

    def remove():
        with tenant_context(Agency.objects.get(subdomain="acme")):
            ClientRequest.objects.filter(title=f"Northwind asks {tag}").delete()
            ClientCompany.objects.filter(name__startswith=f"Filler {tag}").delete()

    _with_database(django_db_blocker, add)
    yield tag
    _with_database(django_db_blocker, remove)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_client_filter_searches_by_name_when_clients_are_many(
    new_page, live_url, many_clients, width
):
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_url, "owner@acme.example")
    page.goto(live_url(ACME, "/requests/"))
    filters = page.locator("details.fold", has=page.locator("form.filters"))
    if width < 600:  # on phones the filters fold behind their summary
        filters.locator("summary").click()
    search = page.locator("form.filters").get_by_label("Client")
    expect(search).to_have_attribute("type", "search")
    search.fill("northw")
    search.press("Enter")
    expect(page.locator("#request-results")).to_contain_text(f"Northwind asks {many_clients}")
    expect(page).to_have_url(re.compile(r"company=northw"))  # pushed once the results settle
    # The client column: after the pick box and the title.
    expect(page.locator("#request-results tbody td:nth-child(4)").first).to_have_text("Northwind")
    check_page(page, "client-filter", widths=(width,))

    # Several match: the results say which (htmx swaps only them).
    search.fill(f"Filler {many_clients}")
    search.press("Enter")
    expect(page.locator("#request-results")).to_contain_text("Type more of the name.")

"""The team applies a saved view of the request list from the navigation and assigns the 50
requests it shows in one bulk change, then sees them assigned: at phone and desktop widths no
overflow, no axe violations, no console or CSP errors (the new_page fixture)."""

import uuid

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from shared_apps.accounts.models import User
from tenant_apps.client_requests.models import (
    BulkJob,
    ClientRequest,
    RequestTag,
    RequestType,
    SavedView,
)
from tenant_apps.people.models import ClientCompany
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.pages import check_page
from tests.browser.test_requests_flow import ACME, sign_in

COUNT = 50


@pytest.fixture
def launch_week(django_db_blocker):
    """50 unassigned Northwind requests tagged "Launch week", one more without the tag, and
    the owner's shared view of the tagged, unassigned ones; all removed afterwards."""
    marker = uuid.uuid4().hex[:8]
    view_name = f"Launch week, unassigned {marker}"

    def acme():
        return Agency.objects.get(subdomain="acme")

    def make():
        with tenant_context(acme()):
            client = User.objects.get(email="ca@northwind.example")
            owner = User.objects.get(email="owner@acme.example")
            tag = RequestTag.objects.create(name=f"Launch week {marker}", colour="teal")
            made = ClientRequest.objects.bulk_create(
                ClientRequest(
                    company=ClientCompany.objects.get(name="Northwind"),
                    type=RequestType.objects.get(key="support"),
                    title=f"Launch task {number} {marker}",
                    details="Part of the launch week.",
                    created_by=client,
                )
                for number in range(COUNT + 1)
            )
            tag.requests.add(*made[:COUNT])
            SavedView.objects.create(
                name=view_name,
                owner=owner,
                shared=True,
                query={"tag": [str(tag.pk)], "owner": ["none"]},
            )
            return {"tag": tag.pk, "ids": [item.pk for item in made], "view": view_name}

    def remove():
        with tenant_context(acme()):
            BulkJob.objects.filter(actor__email="staff@acme.example").delete()
            ClientRequest.objects.filter(title__endswith=marker).delete()
            RequestTag.objects.filter(name__endswith=marker).delete()
            SavedView.objects.filter(name__endswith=view_name).delete()

    made = _with_database(django_db_blocker, make)
    yield made
    _with_database(django_db_blocker, remove)


def test_the_team_applies_a_saved_view_and_bulk_assigns_50_requests(
    new_page, live_url, launch_week, django_db_blocker
):
    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_url, "staff@acme.example")

    # The owner's shared view is in the navigation; one click applies it.
    page.get_by_role("link", name=launch_week["view"]).click()
    expect(page.locator("#request-results")).to_contain_text(f"{COUNT} requests")
    check_page(page, "request-list-saved-view")

    # Every request matching the view (two pages of them), assigned to me in one change.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label(f"All {COUNT} requests matching these filters").check()
    expect(page.locator("#bulk-count")).to_have_text(f"All {COUNT} matching")
    page.locator("#bulk-owner").select_option(label="Acme Staff")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(f"Done: {COUNT} changed.")
    check_page(page, "request-bulk-result")

    # The view now shows none (none is unassigned); the list of mine shows all 50, tagged.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name=launch_week["view"]).click()
    expect(page.locator("#request-results")).to_contain_text("No requests match these filters.")
    page.goto(live_url(ACME, f"/requests/?owner=me&tag={launch_week['tag']}"))
    expect(page.locator("#request-results")).to_contain_text(f"{COUNT} requests")

    # These filters, saved as my own view: in my navigation at once.
    page.get_by_text("Save this view").click()
    page.get_by_label("Name this view").fill(f"Mine {launch_week['view']}")
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_role("link", name=f"Mine {launch_week['view']}")).to_be_visible()
    expect(page.locator("#request-results")).to_contain_text(f"{COUNT} requests")

    def owners():
        with tenant_context(Agency.objects.get(subdomain="acme")):
            return list(
                ClientRequest.objects.filter(pk__in=launch_week["ids"])
                .order_by("pk")
                .values_list("owner__email", flat=True)
            )

    assigned = _with_database(django_db_blocker, owners)
    assert assigned == ["staff@acme.example"] * COUNT + [None]

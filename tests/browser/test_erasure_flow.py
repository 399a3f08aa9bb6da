"""The page that erases a person, for an owner (a team member) and a client admin (a person of
their company): what goes and what stays, and a name to type. Nobody is erased here: the
world is shared by the browser tests that follow."""

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from shared_apps.accounts.models import User
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.pages import assert_accessible, check_page
from tests.browser.test_requests_flow import ACME, sign_in


def user_id(django_db_blocker, email: str) -> int:
    def find():
        with tenant_context(Agency.objects.get(subdomain="acme")):
            return User.objects.get(email=email).pk

    return _with_database(django_db_blocker, find)


@pytest.mark.parametrize(
    ("signed_in", "erasing", "listed_at", "name"),
    [
        ("owner@acme.example", "staff@acme.example", "/team/", "erasure-confirm-owner"),
        ("ca@northwind.example", "viewer@northwind.example", None, "erasure-confirm-client-admin"),
    ],
)
def test_the_erase_page_says_what_goes_and_asks_for_the_name(
    new_page, live_url, django_db_blocker, signed_in, erasing, listed_at, name
):
    person_id = user_id(django_db_blocker, erasing)
    page = new_page()
    sign_in(page, live_url, signed_in)
    if listed_at:
        page.goto(live_url(ACME, listed_at))
    else:  # a client admin finds their people under Clients
        page.goto(live_url(ACME, "/clients/"))
        page.get_by_role("link", name="Northwind").first.click()
    # The list with its Erase links is as accessible as before, at a phone's width too.
    page.set_viewport_size({"width": 390, "height": 900})
    assert_accessible(page, f"{page.url} for {signed_in}")
    page.locator(f"a[href='/people/{person_id}/erase/']").click()
    expect(page.get_by_role("heading", name="What is kept")).to_be_visible()

    page.get_by_label("Type their name to confirm").fill("Someone Else")
    page.get_by_role("button", name="Erase this person").click()
    expect(page.get_by_text("Type the person's name exactly as shown above.")).to_be_visible()
    check_page(page, name)

"""The team's one update form on a request, and the keyboard shortcuts, at phone and desktop
widths: no overflow, no axe violations, the confirmation says what changed."""

import uuid

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from shared_apps.accounts.models import User
from tenant_apps.client_requests.actions import request_submit
from tenant_apps.client_requests.models import ClientRequest, RequestType
from tenant_apps.people.models import ClientCompany
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.pages import check_page
from tests.browser.test_requests_flow import ACME, sign_in


@pytest.fixture
def northwind_request(django_db_blocker):
    """A new Northwind request to work on (and one more, for the list), removed afterwards."""
    title = f"Homepage banner is blurry {uuid.uuid4().hex[:8]}"

    def acme():
        return Agency.objects.get(subdomain="acme")

    def submit():
        with tenant_context(acme()):
            made = [
                request_submit(
                    actor=User.objects.get(email="ca@northwind.example"),
                    company=ClientCompany.objects.get(name="Northwind"),
                    type=RequestType.objects.get(key="support"),
                    title=f"{title}{suffix}",
                    details="The banner looks soft on big screens.",
                    priority="normal",
                )
                for suffix in ("", " again")
            ]
            return made[0].pk

    def remove():
        with tenant_context(acme()):
            ClientRequest.objects.filter(title__startswith=title).delete()

    request_id = _with_database(django_db_blocker, submit)
    yield request_id
    _with_database(django_db_blocker, remove)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_team_updates_a_request_in_one_save_and_by_keyboard(
    new_page, live_url, northwind_request, width
):
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_url, "staff@acme.example")
    page.goto(live_url(ACME, f"/requests/{northwind_request}/"))
    page.evaluate("window.samePage = true")

    # One form: status and priority together, one save, a confirmation of what changed.
    form = page.locator("#request-update")
    form.get_by_label("Status").select_option("in_progress")
    form.get_by_label("Priority").select_option("high")
    form.get_by_role("button", name="Save changes").click()
    saved = page.get_by_role("status")
    expect(saved).to_have_text("Saved: status → In progress, priority → High.")
    expect(page.locator("#request-status")).to_have_text("In progress")
    expect(page.locator("#request-timeline")).to_contain_text(
        "changed the priority from normal to high"
    )

    # An error sits beside its field, and nothing is saved.
    form.get_by_label("Due date").fill("2020-01-01")
    form.get_by_label("Status").select_option("resolved")
    form.get_by_role("button", name="Save changes").click()
    expect(form.locator("#update-due_date_error")).to_have_text(
        "The due date cannot be in the past."
    )
    expect(page.locator("#request-status")).to_have_text("In progress")
    expect(form.get_by_label("Due date")).to_have_attribute(
        "aria-describedby", "update-due_date_helptext update-due_date_error"
    )
    form.get_by_label("Due date").fill("")
    form.get_by_label("Status").select_option("in_progress")

    # Shortcuts: typing in a field never fires them; `a` assigns to me, `s`/`n` focus fields.
    form.get_by_label("Internal note").press_sequentially("a s n")
    expect(form.get_by_label("Internal note")).to_have_value("a s n")
    expect(page.locator("#request-header")).to_contain_text("OwnerUnassigned")
    form.get_by_label("Internal note").fill("")
    page.locator("h1").click()
    page.keyboard.press("a")
    expect(saved).to_have_text("Saved: owner → Acme Staff.")
    expect(page.locator("#request-header")).to_contain_text("OwnerAcme Staff")
    page.locator("h1").click()
    page.keyboard.press("s")
    expect(form.get_by_label("Status")).to_be_focused()
    page.locator("h1").click()
    page.keyboard.press("n")
    expect(form.get_by_label("Internal note")).to_be_focused()

    # `?` opens the list of shortcuts in a modal dialog; Escape closes it, focus comes back.
    page.get_by_role("button", name="Keyboard shortcuts").focus()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Assign the request to me")
    check_page(page, "request-shortcuts", widths=(width,))
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Keyboard shortcuts")).to_be_focused()
    assert page.evaluate("window.samePage") is True
    check_page(page, "request-detail", widths=(width,))

    # In the list, j and k move between the requests.
    page.goto(live_url(ACME, "/requests/"))
    page.locator("h1").click()
    links = page.locator("table.requests tbody td.title a")
    page.keyboard.press("j")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("j")
    expect(links.nth(1)).to_be_focused()
    page.keyboard.press("k")
    expect(links.nth(0)).to_be_focused()
    check_page(page, "request-list", widths=(width,))

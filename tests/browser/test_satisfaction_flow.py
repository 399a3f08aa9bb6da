"""Issue 19's CSAT flow in a real browser: a Northwind request is resolved; the worker emails
its client admin the survey; the "Good" link from that email asks for one click, records the
rating and opens the rating page (that page only), where a comment is added; the team sees
both on the request page; the same link is refused on another agency's host. The link page
and the rated page are checked at 390 and 1280 px (fit, axe, no console or CSP errors).

What the test commits (its request, rating, survey, links and notifications) is removed
afterwards; activity entries cannot be deleted.
"""

import re
import time
import uuid
from email import message_from_bytes, policy

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from shared_apps.accounts.models import User
from tenant_apps.client_requests.actions import request_status_change, request_submit
from tenant_apps.client_requests.models import ClientRequest, RequestType
from tenant_apps.notifications.models import ActionLink, Notification
from tenant_apps.people.models import ClientCompany
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.pages import check_page
from tests.browser.test_requests_flow import ACME, sign_in
from tests.processes import outbox_files

GLOBEX = "globex.localhost"
CLIENT = "ca@northwind.example"
MAIL_SECONDS = 30


@pytest.fixture
def resolved(django_db_blocker):
    """A Northwind request asked by its client admin and resolved by the owner (committed, so
    the worker sends the survey); removed afterwards with all it led to."""
    title = f"Logo on invoices {uuid.uuid4().hex[:8]}"

    def acme():
        return Agency.objects.get(subdomain="acme")

    def make():
        with tenant_context(acme()):
            made = request_submit(
                actor=User.objects.get(email=CLIENT),
                company=ClientCompany.objects.get(name="Northwind"),
                type=RequestType.objects.get(key="support"),
                title=title,
                details="The old logo is still on every invoice.",
                priority="normal",
            )
            request_status_change(
                client_request=made,
                status="resolved",
                actor=User.objects.get(email="owner@acme.example"),
            )
            return made.pk

    def remove():
        with tenant_context(acme()):
            requests = ClientRequest.objects.filter(title=title)
            ids = [str(pk) for pk in requests.values_list("pk", flat=True)]
            notifications = Notification.objects.filter(
                object_type="client_requests.clientrequest", object_id__in=ids
            )
            ActionLink.objects.filter(
                object_type="client_requests.clientrequest", object_id__in=ids
            ).delete()
            notifications.delete()
            # Its rating, survey, events and notification records go with it.
            ClientRequest.objects.filter(title=title).delete()

    request_id = _with_database(django_db_blocker, make)
    yield title, request_id
    _with_database(django_db_blocker, remove)


def emailed_survey_link(to: str, title: str, score: str) -> str:
    """Waits for the worker's survey email about ``title``; the path of its ``score`` link."""
    link = re.compile(rf"https?://{re.escape(ACME)}(?::\d+)?(/rate/[\w.-]+/{score}/)")
    deadline = time.monotonic() + MAIL_SECONDS
    while True:
        for raw in outbox_files(to):
            message = message_from_bytes(raw, policy=policy.default)
            if "How did we do?" in message["Subject"] and title in message["Subject"]:
                match = link.search(message.get_body(("plain",)).get_content())
                assert match, "the survey email has no link for " + score
                return match.group(1)
        assert time.monotonic() < deadline, f"no survey email to {to} about {title}"
        time.sleep(0.2)


def test_a_resolved_request_is_rated_from_the_emailed_link(
    new_page, live_url, celery_worker, resolved
):
    title, request_id = resolved
    path = emailed_survey_link(CLIENT, title, "good")

    # The link asks for the click, with the answer chosen in the email already chosen.
    client = new_page()
    client.goto(live_url(ACME, path))
    expect(client.get_by_role("heading", name="How did we do?")).to_be_visible()
    expect(client.get_by_label("Good")).to_be_checked()
    check_page(client, "satisfaction-link")
    client.get_by_role("button", name="Send my rating").click()

    # Recorded; the rating page offers a comment.
    expect(client).to_have_url(live_url(ACME, f"/requests/{request_id}/rating/"))
    expect(client.locator(".messages")).to_contain_text("Thank you for your rating.")
    expect(client.locator("#rating-given")).to_contain_text("Good")
    client.get_by_label("Comment (optional)").fill("Fixed the same day, thank you.")
    client.get_by_role("button", name="Save changes").click()
    expect(client.locator("#rating .saved")).to_have_text("Thank you, your rating is saved.")
    expect(client.locator(".rating-comment")).to_have_text("Fixed the same day, thank you.")
    check_page(client, "satisfaction-rated")
    # The link's session opens nothing else.
    client.goto(live_url(ACME, f"/requests/{request_id}/"))
    expect(client).to_have_url(re.compile(r"/auth/login/"))

    # The team sees the rating on the request page, and cannot rate.
    team = new_page()
    sign_in(team, live_url, "owner@acme.example")
    team.goto(live_url(ACME, f"/requests/{request_id}/"))
    panel = team.locator("#rating")
    expect(panel.get_by_role("heading", name="Client rating")).to_be_visible()
    expect(panel).to_contain_text("Good")
    expect(panel).to_contain_text("Fixed the same day, thank you.")
    expect(panel.get_by_role("radio")).to_have_count(0)

    # On another agency's host the same link is refused outright.
    elsewhere = new_page()
    refused = elsewhere.goto(live_url(GLOBEX, path))
    assert refused.status == 403
    expect(elsewhere.get_by_role("alert")).to_contain_text("belongs to another workspace")

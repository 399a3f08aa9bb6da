"""A conversation between the team and a client, in two real browsers side by side: staff
write to Northwind on its company page, the client replies from their messages, and the reply
appears in the staff member's open page while it stays open (no reload).

What the test commits (its threads, messages and their notifications) is removed afterwards;
activity entries cannot be deleted, so the test asserts on its own rows only.
"""

import uuid

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from tenant_apps.messaging.models import Message, Thread
from tenant_apps.notifications.models import Notification
from tenant_apps.people.models import ClientCompany
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.test_requests_flow import ACME, sign_in


@pytest.fixture
def run(django_db_blocker):
    """This run's words, Northwind's id, and afterwards the removal of what the run wrote."""
    tag = uuid.uuid4().hex[:8]

    def acme():
        return Agency.objects.get(subdomain="acme")

    def before():
        with tenant_context(acme()):
            return (
                ClientCompany.objects.get(name="Northwind").pk,
                set(Thread.objects.values_list("pk", flat=True)),
            )

    northwind_id, threads_before = _with_database(django_db_blocker, before)

    def remove():
        with tenant_context(acme()):
            Message.objects.filter(body__contains=tag).delete()
            new = Thread.objects.exclude(pk__in=threads_before)
            Notification.objects.filter(
                object_type="messaging.thread",
                object_id__in=[str(pk) for pk in new.values_list("pk", flat=True)],
            ).delete()
            new.delete()  # their messages, files, read marks and email records go with them

    yield {"tag": tag, "northwind": northwind_id}
    _with_database(django_db_blocker, remove)


def conversation(page):
    return page.locator(".conversation .thread-messages")


def test_a_client_reply_appears_live_in_the_staff_members_open_thread(new_page, live_url, run):
    hello = f"Hello Northwind, the first drafts are ready ({run['tag']})."
    reply = f"Thank you, we will look today ({run['tag']})."
    staff, client = new_page(), new_page()

    # Staff write to Northwind in the general conversation on its company page.
    sign_in(staff, live_url, "staff@acme.example")
    staff.goto(live_url(ACME, f"/clients/{run['northwind']}/people/"))
    panel = staff.locator(".thread-panel")
    expect(panel.get_by_role("heading", name="Conversation")).to_be_visible()
    expect(panel).to_contain_text("Northwind sees this conversation")
    panel.get_by_label("Message").fill(hello)
    panel.get_by_role("button", name="Send").click()
    expect(conversation(staff)).to_contain_text(hello)
    expect(panel.get_by_label("Message")).to_have_value("")
    # Marks this page: a reload would lose it.
    staff.evaluate("window.stillTheSamePage = true")

    # The client finds it unread in their messages, opens it and replies.
    sign_in(client, live_url, "ca@northwind.example")
    client.get_by_role("navigation").get_by_role("link", name="Messages").click()
    row = client.get_by_role("row").filter(has_text="General conversation with Northwind")
    expect(row.locator(".unread-count")).to_be_visible()
    row.get_by_role("link", name="General conversation with Northwind").click()
    expect(conversation(client)).to_contain_text(hello)
    expect(client.locator(".message.unread")).to_contain_text(hello)
    expect(client.locator(".messages")).to_have_count(0)  # no flash boxes on the page
    client.get_by_label("Message").fill(reply)
    client.get_by_role("button", name="Send").click()
    expect(conversation(client)).to_contain_text(reply)

    # The reply turns up on the staff member's page, which never reloaded.
    expect(conversation(staff).locator(".message").last).to_contain_text(reply)
    expect(conversation(staff).locator(".message.unread")).to_contain_text("Northwind Client Admin")
    assert staff.evaluate("window.stillTheSamePage") is True
    # Once each, in order: the poll and the post never both added a message.
    expect(conversation(staff).locator(".message")).to_have_count(
        conversation(client).locator(".message").count()
    )

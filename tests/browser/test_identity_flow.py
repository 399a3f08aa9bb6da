"""An invited client admin joins without a password, signs in by emailed link, invites a
colleague and finds only their own doings under "My activity".

The emails come from the real worker, read from the files it writes. What the test commits
is removed afterwards, except the client admin's account: their activity entries keep it
(entries cannot be deleted), so it is deactivated and taken out of Northwind instead.
"""

import re
import time
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from shared_apps.accounts.models import User
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.people.models import ClientMember, Invitation
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.conftest import PASSWORD
from tests.processes import outbox_files

ACME = "acme.localhost"
MAIL_SECONDS = 30
INVITATION_PATH = r"/invitations/[\w-]+/"
SIGN_IN_LINK_PATH = r"/auth/magic-link/[\w-]+/"


def acme() -> Agency:
    return Agency.objects.get(subdomain="acme")


@pytest.fixture
def people(django_db_blocker):
    """This run's addresses for the client admin and their colleague, and their cleanup."""
    tag = uuid.uuid4().hex[:8]
    emails = {
        "client_admin": f"cara-{tag}@northwind.example",
        "colleague": f"colin-{tag}@northwind.example",
    }
    yield emails

    def remove():
        with tenant_context(acme()):
            Invitation.objects.filter(email__in=emails.values()).delete()
            ClientMember.objects.filter(user__email__in=emails.values()).delete()
            User.objects.filter(email__in=emails.values()).update(is_active=False)

    _with_database(django_db_blocker, remove)


def emailed_link(to: str, path: str) -> tuple[EmailMessage, str]:
    """Waits for the worker's email to ``to`` linking to acme at ``path`` (a pattern).

    Returns the email and the link's path: the worker builds links for the dev
    server's port, not this test server's.
    """
    link = re.compile(rf"https?://{re.escape(ACME)}(?::\d+)?({path})")
    deadline = time.monotonic() + MAIL_SECONDS
    while True:
        for raw in outbox_files(to):
            message = message_from_bytes(raw, policy=policy.default)
            match = link.search(message.get_body(("plain",)).get_content())
            if match:
                return message, match.group(1)
        assert time.monotonic() < deadline, f"no email to {to} linking to {path}"
        time.sleep(0.2)


def nav(page):
    return page.get_by_role("navigation")


def invite(page, *, email, name, role):
    """Sends the invite form of the company page ``page`` is on."""
    form = page.locator("form").filter(has=page.get_by_role("button", name="Send invitation"))
    form.get_by_label("Email").fill(email)
    form.get_by_label("Name").fill(name)
    form.get_by_label("Role").select_option(role)
    form.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".messages")).to_contain_text(f"Invitation to {email} is on its way.")
    expect(page.get_by_role("row").filter(has_text=email)).to_contain_text(name)


def test_invited_client_admin_signs_in_by_link_invites_and_sees_own_activity(
    new_page, live_url, celery_worker, people, django_db_blocker
):
    client_email, colleague_email = people["client_admin"], people["colleague"]

    # The owner signs in with their password and invites a client admin for Northwind.
    owner = new_page()
    owner.goto(live_url(ACME, "/auth/login/"))
    owner.get_by_label("Email").fill("owner@acme.example")
    owner.get_by_label("Password").fill(PASSWORD)
    owner.get_by_role("button", name="Sign in").click()
    nav(owner).get_by_role("link", name="Clients").click()
    owner.get_by_role("link", name="Northwind", exact=True).click()
    owner.get_by_role("link", name="View all people").click()  # from the client's overview
    invite(owner, email=client_email, name="Cara Client", role="client_admin")

    message, accept_path = emailed_link(client_email, INVITATION_PATH)
    assert message["Subject"] == "Acme Owner invited you to Acme"
    body = message.get_body(("plain",)).get_content()
    assert "has invited you to join Acme as Client admin at Northwind." in body

    # In a browser of their own, they accept and choose to sign in by emailed link only.
    client = new_page()
    client.goto(live_url(ACME, accept_path))
    expect(client.get_by_role("heading", name="Join Acme")).to_be_visible()
    expect(client.get_by_text(f"You will sign in as {client_email}.")).to_be_visible()
    expect(client.get_by_label("Your name")).to_have_value("Cara Client")
    client.get_by_label("With a link emailed to me each time (no password)").check()
    client.get_by_role("button", name="Accept and sign in").click()
    expect(client).to_have_url(live_url(ACME, "/"))
    expect(client.locator(".messages")).to_contain_text("Welcome, Cara")
    expect(client.get_by_role("navigation", name="Account")).to_contain_text("Cara Client")

    def has_password():
        with tenant_context(acme()):
            return User.objects.get(email=client_email).has_usable_password()

    assert not _with_database(django_db_blocker, has_password)

    # Signed out, they ask the login page for a sign-in link and use it.
    nav(client).get_by_role("button", name="Sign out").click()
    expect(client).to_have_url(live_url(ACME, "/auth/login/"))
    client.get_by_role("link", name="Email me a sign-in link").click()
    client.get_by_label("Email").fill(client_email)
    client.get_by_role("button", name="Email me a link").click()
    expect(client.get_by_role("heading", name="Check your email")).to_be_visible()

    _, sign_in_path = emailed_link(client_email, SIGN_IN_LINK_PATH)
    client.goto(live_url(ACME, sign_in_path))
    expect(client.get_by_text(f"You're signing in as {client_email}.")).to_be_visible()
    client.get_by_role("button", name="Sign in").click()
    expect(client).to_have_url(live_url(ACME, "/"))
    expect(nav(client).get_by_role("button", name="Sign out")).to_be_visible()

    # From their own company's page they invite an approver, who gets the email.
    nav(client).get_by_role("link", name="Northwind", exact=True).click()
    expect(client.get_by_role("row").filter(has_text=client_email)).to_contain_text("(you)")
    invite(client, email=colleague_email, name="Colin Colleague", role="approver")
    message, _ = emailed_link(colleague_email, INVITATION_PATH)
    assert message["Subject"] == "Cara Client invited you to Acme"

    # "My activity" holds their own entries, newest first, and nobody else's.
    def their_actions():
        with tenant_context(acme()):
            entries = ActivityEntry.objects.filter(actor__email=client_email).order_by("id")
            return list(entries.values_list("action", flat=True))

    assert _with_database(django_db_blocker, their_actions) == [
        "invitation.accepted",
        "auth.signed_in",
        "auth.signed_out",
        "auth.magic_link_sent",
        "auth.magic_link_used",
        "auth.signed_in",
        "invitation.created",
    ]
    nav(client).get_by_role("link", name="My activity").click()
    expect(client.get_by_role("heading", name="My activity")).to_be_visible()
    # In sentences, newest first; the day's two sign-ins folded into one line.
    lines = client.locator("ol.log > li")
    expect(lines).to_have_count(6)
    expect(lines.first).to_contain_text(f"Cara Client invited {colleague_email}")
    expect(lines.filter(has_text="Cara Client signed in 2 times")).to_have_count(1)
    expect(lines.filter(has_text="signed in with an emailed link")).to_have_count(1)
    expect(lines.filter(has_text="Cara Client signed out")).to_have_count(1)
    expect(lines.last).to_contain_text("Cara Client accepted an invitation")
    # The owner's entries about them (inviting them, adding them to Northwind) are not here.
    expect(client.locator("ol.log")).not_to_contain_text(client_email)
    expect(client.locator("ol.log")).not_to_contain_text("added")
    expect(nav(client).get_by_role("link", name="Workspace log")).to_have_count(0)
    client.screenshot(path="/tmp/identity_activity.png", full_page=True)

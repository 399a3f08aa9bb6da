"""Reply by email: message emails carry a per-recipient reply address; what comes back through
anymail's inbound webhook is posted to the right thread of the right agency, only from the
person the address belongs to, without the quoted message or the signature."""

import base64
import json
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.files.models import StoredFile
from tenant_apps.messaging.email_replies import (
    REPLY_ABOVE,
    reply_address,
    reply_text,
    reply_to_parse,
)
from tenant_apps.messaging.models import Message, Source
from tenant_apps.notifications.models import Notification
from tenant_apps.notifications.tasks import notification_email
from tests.conftest import host_client
from tests.routes_messaging import post_message

AUTH = "postmark-inbound:correct-horse"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def inbound(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"
    settings.ANYMAIL_WEBHOOK_SECRET = [AUTH]
    settings.INBOUND_EMAIL_ESP = "postmark"
    settings.MESSAGING_REPLY_DOMAIN = "reply.portal.example"


# Taking the quoted message and the signature off


GMAIL = """Sounds good, Thursday works.

On Mon, 23 Nov 2026 at 10:02, Acme Staff <staff@acme.example> wrote:
> Could we meet on Thursday?
> Best, Staff
"""
GMAIL_WRAPPED = """Thursday it is.

On Mon, 23 Nov 2026 at 10:02, Acme Staff via Acme Portal <
reply+1-2-3-abc@reply.portal.example> wrote:

> Could we meet on Thursday?
"""
OUTLOOK = """Yes, approved from our side.

-----Original Message-----
From: Acme Portal <no-reply@portal.example>
Sent: Monday, November 23, 2026 10:02 AM
Subject: Acme Staff wrote in General conversation with Northwind
"""
OUTLOOK_RULE = """Approved.

________________________________
From: Acme Portal <no-reply@portal.example>
Sent: Monday, November 23, 2026 10:02 AM
"""
OUTLOOK_HEADERS = """Fine by me.

From: Acme Portal <no-reply@portal.example>
Sent: Monday, November 23, 2026 10:02 AM
To: ca@northwind.example
"""
# The signature delimiter is "-- " with its space (RFC 3676).
SIGNATURE = (
    "Here are the figures.\nTotal is 4,200.\n\n-- \nAna Client\nNorthwind Ltd, +44 20 0000\n"
)
IPHONE = """On my way

Sent from my iPhone

On 23 Nov 2026, at 10:02, Acme Staff wrote:
"""
INTERLEAVED = """> Could we meet on Thursday?
Yes.
> And bring the brief?
Of course.
"""
OURS = f"""Thanks!

{REPLY_ABOVE}

Acme Staff wrote in General conversation with Northwind.
"""
FRENCH = """D'accord.

Le lun. 23 nov. 2026 à 10:02, Acme Staff <staff@acme.example> a écrit :
> On se voit jeudi ?
"""


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        (GMAIL, "Sounds good, Thursday works."),
        (GMAIL_WRAPPED, "Thursday it is."),
        (OUTLOOK, "Yes, approved from our side."),
        (OUTLOOK_RULE, "Approved."),
        (OUTLOOK_HEADERS, "Fine by me."),
        (SIGNATURE, "Here are the figures.\nTotal is 4,200."),
        (IPHONE, "On my way"),
        (INTERLEAVED, "Yes.\nOf course."),
        (OURS, "Thanks!"),
        (FRENCH, "D'accord."),
        ("Just this.\r\n\r\n", "Just this."),
    ],
    ids=[
        "gmail",
        "gmail-wrapped",
        "outlook",
        "outlook-rule",
        "outlook-headers",
        "signature",
        "iphone",
        "interleaved",
        "our-marker",
        "french",
        "crlf",
    ],
)
def test_quoted_history_and_signatures_are_taken_off(text, reply):
    assert reply_text(text) == reply


# Reply addresses


def thread_of(world, **kwargs):
    message = post_message(world, **kwargs)
    with tenant_context(world.acme):
        return message.thread


def address_for(world, thread, persona="client_admin") -> str:
    return reply_address(world.acme, thread, world.personas[persona].user)


def test_a_reply_address_names_agency_thread_and_person_and_cannot_be_altered(world):
    thread = thread_of(world)
    address = address_for(world, thread)
    local, domain = address.split("@")
    assert domain == "reply.portal.example"
    assert len(local) <= 64  # what mail systems accept
    parsed = reply_to_parse(address.upper())  # mail systems may change the case
    assert (parsed.agency, parsed.thread_id, parsed.user_id) == (
        world.acme,
        thread.pk,
        world.personas["client_admin"].user.pk,
    )
    prefix, mac = local.rsplit("-", 1)
    agency_id, thread_id, user_id = prefix.removeprefix("reply+").split("-")
    forged = [
        f"{prefix}-{mac[:-1]}{'a' if mac[-1] != 'a' else 'b'}@{domain}",  # a changed signature
        f"reply+{agency_id}-{int(thread_id) + 1}-{user_id}-{mac}@{domain}",  # another thread
        f"reply+{agency_id}-{thread_id}-{int(user_id) + 1}-{mac}@{domain}",  # another person
        f"reply+{world.globex.pk}-{thread_id}-{user_id}-{mac}@{domain}",  # another agency
        f"{local}@reply.elsewhere.example",  # not our domain
    ]
    assert [reply_to_parse(address) for address in forged] == [None] * 5


# The inbound webhook, posted to as the ESP would


def mime(
    *, to, sender, text, message_id=None, headers=None, attachments=(), subject="Re: Hello"
) -> str:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = to
    email["Subject"] = subject
    email["Message-ID"] = message_id or make_msgid(domain="mail.northwind.example")
    for name, value in (headers or {}).items():
        email[name] = value
    email.set_content(text)
    for name, content, kind in attachments:
        maintype, subtype = kind.split("/")
        email.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return email.as_string()


def deliver(raw: str, auth: str = AUTH):
    """POST ``raw`` to the inbound webhook on the platform host, as Postmark does (JSON with
    the full MIME message in RawEmail, HTTP basic auth)."""
    headers = {}
    if auth:
        headers["HTTP_AUTHORIZATION"] = f"Basic {base64.b64encode(auth.encode()).decode()}"
    payload = {"RawEmail": raw, "MessageID": "postmark-1", "Headers": []}
    return host_client("localhost").post(
        "/inbound-email/", json.dumps(payload), content_type="application/json", **headers
    )


def messages_in(world, thread) -> list[Message]:
    with tenant_context(world.acme):
        return list(thread.messages.select_related("author").order_by("id"))


def test_an_emailed_reply_is_posted_to_its_thread_by_its_recipient(world, mailoutbox):
    thread = thread_of(world, body="Could we meet on Thursday?")
    raw = mime(
        to=f"Acme Portal <{address_for(world, thread)}>",
        sender="Northwind Client Admin <CA@Northwind.example>",
        text=GMAIL,
        attachments=[("agenda.pdf", PDF, "application/pdf")],
    )
    response = deliver(raw)
    assert response.status_code == 200
    [_, reply] = messages_in(world, thread)
    assert reply.author == world.personas["client_admin"].user
    assert (reply.body, reply.source) == ("Sounds good, Thursday works.", Source.EMAIL)
    with tenant_context(world.acme):
        [attachment] = reply.attachments.select_related("file")
        assert (attachment.file.name, attachment.file.content_type) == (
            "agenda.pdf",
            "application/pdf",
        )
        entry = ActivityEntry.objects.filter(action="message.posted").latest("id")
        assert entry.changes["source"] == "email"
    assert mailoutbox == []  # nothing to refuse


def test_the_reply_lands_in_the_right_agency(world):
    """Two agencies, a thread with the same id in both: the address's agency decides."""
    ours = thread_of(world, body="Acme's thread")
    with tenant_context(world.globex):
        from tenant_apps.messaging.actions import message_post
        from tenant_apps.messaging.selectors import thread_for
        from tenant_apps.people.models import ClientCompany

        initech = ClientCompany.objects.create(name="Initech")
        theirs = message_post(
            thread=thread_for(initech),
            author=world.personas["outsider"].user,
            body="Globex's thread",
        ).thread
    raw = mime(to=address_for(world, ours), sender="ca@northwind.example", text="For Acme.")
    assert deliver(raw).status_code == 200
    assert [m.body for m in messages_in(world, ours)] == ["Acme's thread", "For Acme."]
    with tenant_context(world.globex):
        assert list(theirs.messages.values_list("body", flat=True)) == ["Globex's thread"]


def counts(world) -> tuple:
    with tenant_context(world.acme):
        return Message.objects.count(), StoredFile.objects.count(), ActivityEntry.objects.count()


def test_a_reply_from_another_sender_is_refused_and_the_sender_told(world, mailoutbox):
    thread = thread_of(world, body="Could we meet on Thursday?")
    before = counts(world)
    raw = mime(
        to=address_for(world, thread),  # the client admin's address...
        sender="Northwind Approver <approver@northwind.example>",  # ...from someone else
        text="Forwarded to me; Thursday is fine.",
        attachments=[("agenda.pdf", PDF, "application/pdf")],
    )
    assert deliver(raw).status_code == 200  # accepted, so the ESP does not send it again
    assert counts(world) == before
    [notice] = mailoutbox
    assert notice.to == ["approver@northwind.example"]
    assert notice.extra_headers["Auto-Submitted"] == "auto-replied"
    assert "sent from another address" in notice.body
    assert "Thursday" not in notice.body  # nothing of the conversation


@pytest.mark.parametrize(
    "headers",
    [{"Auto-Submitted": "auto-replied"}, {"Precedence": "bulk"}, {"X-Autoreply": "yes"}],
)
def test_automatic_replies_are_dropped_without_an_answer(world, mailoutbox, headers):
    thread = thread_of(world)
    before = counts(world)
    raw = mime(
        to=address_for(world, thread),
        sender="ca@northwind.example",
        text="I am out of the office until Monday.",
        headers=headers,
    )
    assert deliver(raw).status_code == 200
    assert counts(world) == before
    assert mailoutbox == []


def test_someone_who_lost_access_cannot_post_by_email(world, mailoutbox):
    thread = thread_of(world)
    address = address_for(world, thread, persona="approver")
    with tenant_context(world.acme):
        from tenant_apps.people.models import ClientMember

        ClientMember.objects.filter(user=world.personas["approver"].user).update(role="viewer")
    before = counts(world)
    raw = mime(to=address, sender="approver@northwind.example", text="Still here?")
    assert deliver(raw).status_code == 200
    assert counts(world) == before
    assert "may no longer post" in mailoutbox[0].body


def test_a_redelivered_email_is_posted_once(world):
    thread = thread_of(world)
    raw = mime(
        to=address_for(world, thread),
        sender="ca@northwind.example",
        text="Once only.",
        message_id="<unique-1@mail.northwind.example>",
    )
    assert deliver(raw).status_code == 200
    assert deliver(raw).status_code == 200
    assert [m.body for m in messages_in(world, thread)] == ["Hello from the team.", "Once only."]


def test_mail_to_an_address_that_is_not_ours_writes_nothing(world, mailoutbox):
    thread = thread_of(world)
    forged = address_for(world, thread).replace("reply+", "reply+9")
    before = counts(world)
    raw = mime(to=forged, sender="ca@northwind.example", text="Let me in")
    assert deliver(raw).status_code == 200
    assert counts(world) == before
    assert mailoutbox == []  # not even an answer: nobody was sent that address


def test_the_webhook_needs_its_basic_auth(world, settings):
    thread = thread_of(world)
    raw = mime(to=address_for(world, thread), sender="ca@northwind.example", text="Hi")
    before = counts(world)
    assert deliver(raw, auth="").status_code == 400
    assert deliver(raw, auth="postmark-inbound:wrong").status_code == 400
    settings.ANYMAIL_WEBHOOK_SECRET = []
    assert deliver(raw).status_code == 403  # not configured: refuse everyone
    assert counts(world) == before


# The emails that carry reply addresses


def test_a_message_notification_email_is_answered_by_replying_to_it(world, mailoutbox):
    message = post_message(world, by="staff", body="The draft is attached.")
    client_admin = world.personas["client_admin"].user
    with tenant_context(world.acme):
        notification = Notification.objects.get(kind="message.posted", recipient=client_admin)
        assert notification_email(notification.pk)  # the notifications app's task, in-process
    [sent] = mailoutbox
    [reply_to] = sent.reply_to
    parsed = reply_to_parse(reply_to)
    assert (parsed.agency, parsed.thread_id, parsed.user_id) == (
        world.acme,
        message.thread_id,
        client_admin.pk,
    )
    assert sent.body.startswith(REPLY_ABOVE)

    # Answering it, above the quoted email, posts the answer alone.
    quoted = "\n".join(f"> {line}" for line in sent.body.splitlines())
    raw = mime(
        to=f"Acme Portal <{reply_to}>",
        sender=client_admin.email,
        text=f"Got it, thanks.\n\nOn Tue, Acme Portal wrote:\n{quoted}",
    )
    assert deliver(raw).status_code == 200
    assert [m.body for m in messages_in(world, message.thread)] == [
        "The draft is attached.",
        "Got it, thanks.",
    ]


@pytest.mark.parametrize(
    ("text", "message_id"),
    [("Thursday\x00works.", None), ("Thursday works.", "<a\x00b@mail.northwind.example>")],
)
def test_a_reply_carrying_text_the_database_cannot_store_is_refused_and_told(
    world, mailoutbox, text, message_id
):
    thread = thread_of(world)
    before = counts(world)
    raw = mime(
        to=address_for(world, thread),
        sender="ca@northwind.example",
        text=text,
        message_id=message_id,
    )
    assert deliver(raw).status_code == 200  # accepted, so the ESP does not send it again
    assert counts(world) == before
    [notice] = mailoutbox
    assert notice.to == ["ca@northwind.example"]
    assert "the message itself was refused" in notice.body

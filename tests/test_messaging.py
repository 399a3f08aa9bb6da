"""Conversations: threads about companies and items, who may read them, mentions, edits with
their history, unread counts and who is told about a message."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.approvals.models import ApprovalApprover, ApprovalRequest
from tenant_apps.documents.models import Document
from tenant_apps.files.models import StoredFile
from tenant_apps.invoices.models import Invoice, InvoiceStatus
from tenant_apps.kit.access import NOBODY, Actor, can
from tenant_apps.messaging.actions import message_edit, message_post, thread_mark_read
from tenant_apps.messaging.models import Message, MessageRevision, Thread
from tenant_apps.messaging.selectors import (
    people_who_may_see,
    thread_for,
    unread_threads,
    visible_threads,
)
from tenant_apps.notifications.models import Notification
from tests.access_matrix import CLIENTS, TEAM
from tests.routes_messaging import post_message, text_file
from tests.routes_requests import submit_request


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path / "files"


def actor(world, persona) -> Actor:
    user = world.personas[persona].user
    with tenant_context(world.acme):
        user.refresh_from_db()
        return Actor(
            user=user,
            team=getattr(user, "team_member", None),
            client=getattr(user, "client_member", None),
        )


def emails(users) -> set[str]:
    return {user.email for user in users}


def emails_of(world, *personas) -> set[str]:
    return {world.personas[persona].user.email for persona in personas}


def notified(world, kind) -> set[str]:
    with tenant_context(world.acme):
        return set(
            Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True)
        )


def test_the_first_message_starts_the_thread_and_the_next_ones_join_it(world):
    first = post_message(world, body="Welcome aboard!")
    second = post_message(world, by="client_admin", body="Thanks, glad to be here.")
    with tenant_context(world.acme):
        thread = Thread.objects.get()
        assert first.thread_id == second.thread_id == thread.pk
        assert thread.company == world.northwind and thread.about == "company"
        assert thread.title == "General conversation with Northwind"
        assert thread.last_message_at == second.created_at
        assert list(ActivityEntry.objects.filter(action="thread.started")) != []
        assert ActivityEntry.objects.filter(action="message.posted").count() == 2
        # The team's internal thread about the same company is another one.
        internal = post_message(world, internal=True, body="They pay late.").thread
        assert internal.pk != thread.pk and internal.is_internal


def test_a_thread_is_about_one_item_and_belongs_to_its_company(world):
    request = submit_request(world)
    message = post_message(world, item=request, body="We're on it.")
    with tenant_context(world.acme):
        thread = message.thread
        assert (thread.about, thread.item, thread.company) == ("request", request, world.northwind)
        assert thread.title == f"Request #{request.pk}: {request.title}"
        assert thread_for(request).pk == thread.pk
        assert thread_for(world.northwind).pk is None  # the general one is not started yet


def _items(world) -> dict:
    """One thing of each kind a thread can be about, some that clients may not see."""
    owner = world.personas["owner"].user
    with tenant_context(world.acme):
        document = Document.objects.create(company=world.northwind, name="Brief", created_by=owner)
        hidden = Document.objects.create(
            company=world.northwind, name="Margins", is_internal=True, created_by=owner
        )

        def invoice(number, status):
            return Invoice.objects.create(
                company=world.northwind,
                number=number,
                currency="EUR",
                status=status,
                issue_date=date(2026, 1, 1),
                due_date=date(2026, 1, 31),
                sent_at=timezone.now() if status == InvoiceStatus.SENT else None,
                created_by=owner,
            )

        sent, draft = invoice("INV-1", InvoiceStatus.SENT), invoice("INV-2", InvoiceStatus.DRAFT)
        approval = ApprovalRequest.objects.create(
            company=world.northwind,
            invoice=sent,
            sha256="0" * 64,
            title="Approve INV-1",
            requested_by=owner,
        )
        ApprovalApprover.objects.create(approval=approval, user=world.personas["approver"].user)
        other = ApprovalRequest.objects.create(
            company=world.northwind,
            invoice=draft,
            sha256="1" * 64,
            title="Approve INV-2",
            requested_by=owner,
        )
    return {
        "company": world.northwind,
        "southwind": world.southwind,
        "request": submit_request(world),
        "document": document,
        "internal document": hidden,
        "sent invoice": sent,
        "draft invoice": draft,
        "invoice approval (approver asked)": approval,
        "invoice approval (nobody asked)": other,
    }


def test_visible_threads_says_in_sql_what_the_policy_says_per_thread(world):
    """Each persona reads exactly the threads the "thread.view" rule lets them read: team-only
    threads, internal documents, drafts and invoices are kept from the clients who may not
    see them, and other companies' threads from everyone who does not see those companies."""
    for item in _items(world).values():
        for internal in (False, True):
            post_message(world, by="owner", item=item, internal=internal, body="About this.")
    with tenant_context(world.acme):
        threads = list(Thread.objects.select_related("company", "request", "document"))
        assert len(threads) == 18
        for persona in [*TEAM, *CLIENTS]:
            who = actor(world, persona)
            allowed = {thread.pk for thread in threads if can(who, "thread.view", thread)}
            assert set(visible_threads(who).values_list("pk", flat=True)) == allowed, persona
            for thread in threads:
                readers = emails(people_who_may_see(thread))
                assert (who.user.email in readers) == (thread.pk in allowed), (persona, thread)
        clients = {persona: actor(world, persona) for persona in CLIENTS}
        assert not any(
            can(who, "thread.view", thread)
            for who in clients.values()
            for thread in threads
            if thread.is_internal
        )
        sees = {
            persona: sorted(thread.title for thread in visible_threads(who))
            for persona, who in clients.items()
        }
    assert sees["viewer"] == sorted(
        [
            "General conversation with Northwind",
            f"Request #{_request_id(threads)}: Invoices show the old logo",
            "Document: Brief",
        ]
    )
    assert set(sees["approver"]) == {*sees["viewer"], "Approval: Approve INV-1"}
    # Neither a draft invoice nor an approval about one reaches any client.
    assert (
        set(sees["finance"])
        == set(sees["client_admin"])
        == {
            *sees["viewer"],
            "Invoice INV-1",
            "Approval: Approve INV-1",
        }
    )
    assert sees["other_company"] == ["General conversation with Southwind"]
    assert list(visible_threads(NOBODY)) == []


def _request_id(threads) -> int:
    return next(thread.request_id for thread in threads if thread.request_id)


def counts(world) -> tuple:
    """What a refused message must not add."""
    with tenant_context(world.acme):
        return (
            Thread.objects.count(),
            Message.objects.count(),
            StoredFile.objects.count(),
            ActivityEntry.objects.count(),
            Notification.objects.count(),
        )


@pytest.mark.parametrize(
    ("internal", "mentioned"),
    [
        (False, "ca@southwind.example"),  # another company's person
        (False, "nobody@nowhere.example"),  # nobody at all: the same answer
        (True, "ca@northwind.example"),  # a client, in the team's own thread
    ],
)
def test_mentioning_someone_who_cannot_read_the_thread_is_refused_and_writes_nothing(
    world, internal, mentioned
):
    before = counts(world)
    with pytest.raises(ValidationError) as refused:
        post_message(
            world,
            internal=internal,
            body=f"@{mentioned} could you look at this?",
            files=[text_file()],
        )
    assert refused.value.message_dict == {
        "body": [
            f"@{mentioned} cannot see this conversation, so you cannot mention that person "
            "here. Remove the mention, or mention someone who can see it."
        ]
    }
    assert counts(world) == before


def test_a_mention_notifies_the_person_mentioned_once(world):
    message = post_message(
        world, body="@CA@northwind.example and @finance@northwind.example: the brief is in."
    )
    with tenant_context(world.acme):
        assert emails(message.mentions.all()) == emails_of(world, "client_admin", "finance")
    assert notified(world, "message.mentioned") == emails_of(world, "client_admin", "finance")
    # Everyone else at Northwind hears about the message; the mentioned people not twice.
    assert notified(world, "message.posted") == emails_of(world, "approver", "viewer")


def test_who_hears_about_a_message(world):
    # The team writes to a client: the client's people hear of it.
    post_message(world, by="staff", body="Here's the plan.")
    assert notified(world, "message.posted") == emails_of(
        world, "client_admin", "approver", "finance", "viewer"
    )
    # A client answers: the team who wrote in the thread (staff), and everyone who wrote there.
    with tenant_context(world.acme):
        Notification.objects.all().delete()
    post_message(world, by="client_admin", body="Looks good.")
    assert notified(world, "message.posted") == emails_of(world, "staff")
    # A client writes first on a new thread: the team who see the company hear of it.
    with tenant_context(world.acme):
        Notification.objects.all().delete()
    post_message(world, by="finance", item=submit_request(world), body="A question.")
    assert notified(world, "message.posted") == emails_of(world, "owner", "admin", "staff")
    # Internal threads: only the team who wrote there; no client ever.
    with tenant_context(world.acme):
        Notification.objects.all().delete()
    post_message(world, by="owner", internal=True, body="Budget is tight.")
    post_message(world, by="admin", internal=True, body="Noted.")
    assert notified(world, "message.posted") == emails_of(world, "owner")


def test_unread_counts_are_kept_per_person_and_per_thread(world):
    request = submit_request(world)
    post_message(world, body="One")
    post_message(world, body="Two")
    post_message(world, item=request, body="About the request")
    client_admin, staff = actor(world, "client_admin"), actor(world, "staff")
    with tenant_context(world.acme):
        unread = {thread.title: thread.unread for thread in unread_threads(client_admin)}
        assert unread == {
            "General conversation with Northwind": 2,
            f"Request #{request.pk}: {request.title}": 1,
        }
        assert list(unread_threads(staff)) == []  # their own messages are never unread
        general = thread_for(world.northwind)
        thread_mark_read(thread=general, user=client_admin.user)
        assert [thread.unread for thread in unread_threads(client_admin)] == [1]
        # A read mark never moves back.
        thread_mark_read(thread=general, user=client_admin.user, up_to=1)
        assert [thread.unread for thread in unread_threads(client_admin)] == [1]
    post_message(world, body="Three")
    with tenant_context(world.acme):
        unread = {thread.title: thread.unread for thread in unread_threads(client_admin)}
        assert unread["General conversation with Northwind"] == 1


def test_unread_threads_is_one_query_however_many_threads(world):
    client_admin = actor(world, "client_admin")

    def queries() -> int:
        with tenant_context(world.acme), CaptureQueriesContext(connection) as captured:
            assert len(unread_threads(client_admin)) == count
        # Not the SET search_path that entering the schema costs.
        return len([query for query in captured if not query["sql"].startswith("SET ")])

    post_message(world, body="General")
    count = 1
    assert queries() == 1
    for _ in range(5):
        post_message(world, item=submit_request(world), body="About a request")
    count = 6
    assert queries() == 1


def test_an_edit_keeps_what_the_message_said_before(world):
    message = post_message(world, by="client_admin", body="Meet on Tusday?")
    with tenant_context(world.acme):
        client_admin = world.personas["client_admin"].user
        message_edit(message=message, body="Meet on Tuesday?", actor=client_admin)
        message_edit(
            message=message,
            body="Meet on Tuesday? @staff@acme.example",
            actor=client_admin,
        )
        message.refresh_from_db()
        assert message.body == "Meet on Tuesday? @staff@acme.example"
        assert message.edited_at is not None
        assert [revision.body for revision in message.revisions.all()] == [
            "Meet on Tuesday?",
            "Meet on Tusday?",
        ]
        assert MessageRevision.objects.count() == 2
        assert ActivityEntry.objects.filter(action="message.edited").count() == 2
        # Newly mentioned people are told once, not on every later edit.
        message_edit(
            message=message, body="Meet on Tuesday at 10? @staff@acme.example", actor=client_admin
        )
    assert notified(world, "message.mentioned") == emails_of(world, "staff")
    with tenant_context(world.acme):
        assert Notification.objects.filter(kind="message.mentioned").count() == 1


def test_only_its_author_may_edit_a_message_while_they_may_still_post(world):
    message = post_message(world, by="client_admin", body="Hello")
    with tenant_context(world.acme):
        message = Message.objects.select_related("thread__company").get(pk=message.pk)
        assert can(actor(world, "client_admin"), "message.edit", message)
        for persona in ["owner", "staff", "finance", "viewer", "other_company"]:
            assert not can(actor(world, persona), "message.edit", message), persona
        with pytest.raises(ValidationError) as refused:
            message_edit(message=message, body="  ", actor=world.personas["client_admin"].user)
        assert refused.value.message_dict == {"body": ["Write a message or attach a file."]}


def test_viewers_read_conversations_but_do_not_write_in_them(world):
    post_message(world, body="Hello Northwind")
    with tenant_context(world.acme):
        thread = thread_for(world.northwind)
        viewer = actor(world, "viewer")
        assert can(viewer, "thread.view", thread) and not can(viewer, "thread.post", thread)
        assert can(actor(world, "approver"), "thread.post", thread)


def test_two_people_starting_the_same_thread_at_once_get_one_thread(world):
    with tenant_context(world.acme):
        theirs, ours = thread_for(world.northwind), thread_for(world.northwind)
        first = message_post(thread=theirs, author=world.personas["staff"].user, body="Hi")
        second = message_post(thread=ours, author=world.personas["owner"].user, body="Hello")
        assert first.thread_id == second.thread_id
        assert Thread.objects.count() == 1


def test_an_item_of_another_company_cannot_be_mentioned_into(world):
    """A thread's company is its item's: a Southwind request's thread is Southwind's."""
    southwind_request = submit_request(world, by="other_company", company=world.southwind)
    message = post_message(world, by="owner", item=southwind_request, body="Hi Southwind")
    with tenant_context(world.acme):
        assert message.thread.company == world.southwind
        assert message.thread.pk not in visible_threads(actor(world, "client_admin")).values_list(
            "pk", flat=True
        )
    assert notified(world, "message.posted") == emails_of(world, "other_company")

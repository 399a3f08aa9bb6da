"""notification_send: in-app rows, emails per preference, never twice; digests batch."""

import smtplib
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from branding.selectors import brand_for
from tenant_apps.notifications.actions import (
    notification_send,
    notifications_mark_read,
    preferences_update,
)
from tenant_apps.notifications.kinds import KINDS, Channel, kinds_for
from tenant_apps.notifications.models import (
    ActionLink,
    Digest,
    Notification,
    NotificationEmail,
)
from tenant_apps.notifications.selectors import unread_count
from tenant_apps.notifications.tasks import digest_send, digest_sweep_agency, notification_email
from tenant_apps.people.models import ClientCompany

pytest_plugins = ["tests.notifications_fixtures"]


def person(world, key):
    return world.personas[key].user


def send(world, *, to, kind="file_request.created", by="staff", title="Upload the logo"):
    return notification_send(
        recipients=[person(world, key) for key in to],
        kind=kind,
        target=world.northwind,
        title=title,
        url="/clients/1/",
        actor=person(world, by) if by else None,
        body="In SVG please.",
    )


def test_everyone_but_the_actor_gets_one_in_app_notification_about_the_item(world, acme):
    with acme():
        made = send(world, to=["client_admin", "approver", "staff"], by="staff")
        rows = list(Notification.objects.order_by("recipient__email"))

    assert made and len(rows) == 2
    assert {row.recipient_id for row in rows} == {
        person(world, "client_admin").pk,
        person(world, "approver").pk,
    }
    for row in rows:
        assert (row.object_type, row.object_id, row.object_label) == (
            "people.clientcompany",
            str(world.northwind.pk),
            "Northwind",
        )
        assert (row.title, row.body, row.url, row.kind) == (
            "Upload the logo",
            "In SVG please.",
            "/clients/1/",
            "file_request.created",
        )
        assert row.actor_id == person(world, "staff").pk and row.read_at is None


def test_an_unknown_kind_is_refused_before_anything_is_written(world, acme):
    with acme(), pytest.raises(ValueError, match="Unknown notification kind"):
        send(world, to=["client_admin"], kind="file_request.made_up")
    with tenant_context(world.acme):
        assert not Notification.objects.exists()


def test_immediate_email_is_branded_from_the_agency_and_carries_a_single_purpose_link(
    world, acme, mailoutbox
):
    with acme():
        send(world, to=["client_admin"])
    with tenant_context(world.acme):
        brand = brand_for(world.acme)
        link = ActionLink.objects.get()

    [message] = mailoutbox
    assert message.to == [person(world, "client_admin").email]
    assert message.subject == "Upload the logo"
    assert message.from_email == f"{brand.portal_name} <no-reply@{django_settings.PLATFORM_DOMAIN}>"
    [(html, _)] = message.alternatives
    assert brand.portal_name in html and brand.primary_colour in html
    assert "In SVG please." in message.body
    assert f"http://acme.{django_settings.PLATFORM_DOMAIN}" in message.body
    prefix = f"/l/{world.acme.schema_name}."
    assert prefix in message.body and "View this clientcompany" in message.body
    assert (link.user_id, link.path, link.action) == (
        person(world, "client_admin").pk,
        "/clients/1/",
        "view",
    )
    # Only the digest of the link's secret is kept.
    secret = message.body.split(prefix)[1].split("/")[0]
    assert secret not in link.secret_digest and len(link.secret_digest) == 64


def test_a_retried_or_repeated_email_task_never_sends_twice(world, acme, mailoutbox):
    with acme():
        [notification] = send(world, to=["client_admin"])
    assert len(mailoutbox) == 1

    with tenant_context(world.acme):
        assert notification_email(notification.pk) is False
        assert notification_email(notification.pk) is False
        assert NotificationEmail.objects.count() == 1
    assert len(mailoutbox) == 1


class FailingOnce(EmailBackend):
    failures = 1

    def send_messages(self, messages):
        if FailingOnce.failures:
            FailingOnce.failures -= 1
            raise smtplib.SMTPServerDisconnected("mail server went away")
        return super().send_messages(messages)


def test_a_failed_send_records_nothing_so_the_retry_sends_it(world, settings, mailoutbox):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FailingOnce"}}
    FailingOnce.failures = 1
    with tenant_context(world.acme):
        [notification] = send(world, to=["client_admin"])
        with pytest.raises(smtplib.SMTPServerDisconnected):
            notification_email(notification.pk)
        assert not NotificationEmail.objects.exists()
        # Its link commits before the send, so that the copy a worker killed mid-send leaves
        # in the mailbox works (docs/reliability/worker-kill.md); this one was never sent.
        assert ActionLink.objects.count() == 1
        assert notification_email(notification.pk) is True
        assert notification_email(notification.pk) is False
        assert ActionLink.objects.count() == 2  # none for the run that found it sent
    assert len(mailoutbox) == 1


def test_preferences_decide_the_email_per_person_and_kind(world, acme, mailoutbox):
    with acme():
        preferences_update(
            user=person(world, "approver"), channels={"file_request.created": Channel.OFF}
        )
        preferences_update(
            user=person(world, "finance"), channels={"file_request.created": Channel.DIGEST}
        )
        send(world, to=["client_admin", "approver", "finance"])
        channels = dict(Notification.objects.values_list("recipient__email", "channel"))

    # Everyone still sees it in the app; only the immediate person is emailed now.
    assert channels == {
        person(world, "client_admin").email: "immediately",
        person(world, "approver").email: "off",
        person(world, "finance").email: "digest",
    }
    assert [message.to for message in mailoutbox] == [[person(world, "client_admin").email]]


def test_kinds_have_a_label_a_default_and_a_side(world):
    assert all(kind.label and kind.default in Channel.values for kind in KINDS.values())
    assert "request.assigned" in kinds_for(is_team=True)
    assert "request.assigned" not in kinds_for(is_team=False)
    assert "approval.requested" in kinds_for(is_team=False)
    assert "message.posted" in kinds_for(is_team=True) and "message.posted" in kinds_for(
        is_team=False
    )


def test_kinds_the_source_app_emails_get_no_second_email_from_here(world, acme, mailoutbox):
    with acme():
        send(world, to=["client_admin"], kind="request.replied")
        assert Notification.objects.count() == 1
    assert mailoutbox == []


# Digests


def test_a_digest_batches_everything_since_the_last_one_into_one_email(world, acme, mailoutbox):
    with acme():
        preferences_update(
            user=person(world, "client_admin"),
            channels={"file_request.created": Channel.DIGEST, "invoice.sent": Channel.DIGEST},
        )
        send(world, to=["client_admin", "approver"], title="Upload the logo")
        send(world, to=["client_admin"], title="Upload the brand book")
        send(world, to=["client_admin"], kind="invoice.sent", title="Invoice INV-7 is ready")
    mailoutbox.clear()  # the approver's immediate email

    with acme():
        assert digest_sweep_agency() == 1
        # The second run of the day finds nothing left to send.
        assert digest_sweep_agency() == 0
        assert digest_send(person(world, "client_admin").pk) == 0

    [message] = mailoutbox
    assert message.to == [person(world, "client_admin").email]
    assert message.subject == "Your daily summary: 3 updates"
    for title in ["Upload the logo", "Upload the brand book", "Invoice INV-7 is ready"]:
        assert title in message.body
    with tenant_context(world.acme):
        digest = Digest.objects.get()
        assert digest.notifications.count() == 3
        assert ActionLink.objects.filter(user=person(world, "client_admin")).count() == 3


def test_whatever_arrives_after_todays_digest_waits_for_tomorrows(world, acme, mailoutbox):
    with acme():
        preferences_update(
            user=person(world, "client_admin"), channels={"file_request.created": Channel.DIGEST}
        )
        send(world, to=["client_admin"], title="First")
        digest_sweep_agency()
        send(world, to=["client_admin"], title="Second")
        digest_sweep_agency()
    assert [m.subject for m in mailoutbox] == ["Your daily summary: 1 update"]

    with tenant_context(world.acme):
        Digest.objects.update(day=timezone.localdate() - timedelta(days=1))
    with acme():
        digest_sweep_agency()
    assert len(mailoutbox) == 2 and "Second" in mailoutbox[1].body
    assert "First" not in mailoutbox[1].body


# The bell


def test_the_bell_count_is_cached_and_follows_changes(world, acme):
    # Each block ends as a commit would, running the cache invalidation queued on commit.
    client_admin = person(world, "client_admin")
    with acme():
        cache.clear()
        send(world, to=["client_admin"])
        send(world, to=["client_admin"])
    with acme():
        assert unread_count(client_admin) == 2
        with CaptureQueriesContext(connection) as queries:
            assert unread_count(client_admin) == 2
        assert len(queries) == 0  # served from the cache
        first = Notification.objects.order_by("id").first()
        assert notifications_mark_read(user=client_admin, ids=[first.pk]) == 1
    with acme():
        assert unread_count(client_admin) == 1
        send(world, to=["client_admin"])
    with acme():
        assert unread_count(client_admin) == 2
        assert notifications_mark_read(user=client_admin) == 2
    with acme():
        assert unread_count(client_admin) == 0


def test_the_cache_key_is_per_agency(world, acme):
    # Users ids repeat across agencies; the cache's key function prefixes the schema.
    with acme():
        cache.clear()
        send(world, to=["client_admin"])
        assert unread_count(person(world, "client_admin")) == 1
        user_id = person(world, "client_admin").pk
    with tenant_context(world.globex):
        assert ClientCompany.objects.count() == 0
        from shared_apps.accounts.models import User

        assert unread_count(User(pk=user_id)) == 0


def test_a_message_notification_can_be_answered_by_email(world, acme, mailoutbox):
    from tenant_apps.messaging.actions import message_post
    from tenant_apps.messaging.email_replies import REPLY_ABOVE, reply_to_parse
    from tenant_apps.messaging.selectors import thread_for

    with acme():
        thread = thread_for(world.northwind, is_internal=False)
        message_post(thread=thread, author=person(world, "staff"), body="Draft attached soon.")
    [message] = [m for m in mailoutbox if m.to == [person(world, "client_admin").email]]
    # The recipient's own signed reply address, for this thread; the cut line above all.
    [address] = message.reply_to
    with tenant_context(world.acme):
        thread = thread.__class__.objects.get(company=world.northwind, is_internal=False)
    parsed = reply_to_parse(address)
    assert (parsed.agency, parsed.thread_id, parsed.user_id) == (
        world.acme,
        thread.pk,
        person(world, "client_admin").pk,
    )
    assert message.body.startswith(REPLY_ABOVE)
    assert "Reply to this thread" in message.body

"""Emails of conversations: a message, to someone told about it (answerable by replying), and
the note that tells a sender their emailed reply was not posted."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection

from branding.emails import branded_email
from tenant_apps.messaging.models import Message
from tenants.middleware import agency_url


def message_email(message: Message, recipient, *, mentioned: bool) -> EmailMultiAlternatives:
    """``message`` for ``recipient``, from the agency, with a Reply-To that posts their answer
    to the thread (see email_replies). Mail programs thread the emails of one conversation."""
    from tenant_apps.messaging.actions import thread_url
    from tenant_apps.messaging.email_replies import REPLY_ABOVE, reply_address

    thread = message.thread
    author = message.author.full_name or message.author.email
    verb = "mentioned you in" if mentioned else "wrote in"
    email = branded_email(
        to=[recipient.email],
        subject=f"{author} {verb} {thread.title}",
        text_template="messaging/emails/message.txt",
        html_template="messaging/emails/message.html",
        context={
            "message": message,
            "thread": thread,
            "recipient": recipient,
            "headline": f"{author} {verb} {thread.title}.",
            "files": [attachment.file.name for attachment in message.attachments.all()],
            "url": agency_url(connection.tenant.subdomain, thread_url(thread)),
            "reply_above": REPLY_ABOVE,
        },
        reply_to=[reply_address(connection.tenant, thread, recipient)],
    )
    domain = settings.MESSAGING_REPLY_DOMAIN
    conversation = f"<thread-{thread.pk}.{connection.schema_name}@{domain}>"
    email.extra_headers |= {
        "Message-ID": f"<message-{message.pk}.{recipient.pk}.{connection.schema_name}@{domain}>",
        "In-Reply-To": conversation,
        "References": conversation,
    }
    return email


def refusal_notice(*, to: str, refusal) -> EmailMultiAlternatives:
    """To ``to``, in the agency's name: why their emailed reply was not posted.

    It quotes nothing of the conversation: the sender may not be someone allowed to read it.
    Marked Auto-Submitted so that no auto-responder answers it back.
    """
    email = branded_email(
        to=[to],
        subject_template="messaging/emails/reply_refused_subject.txt",
        text_template="messaging/emails/reply_refused.txt",
        context={"reason": refusal.value},
    )
    email.extra_headers["Auto-Submitted"] = "auto-replied"
    return email

"""Reply by email: per-recipient reply addresses, and the replies that come back to them.

A message email's Reply-To is ``reply+<token>@<MESSAGING_REPLY_DOMAIN>``. The token names the
agency, the thread and the recipient, with an HMAC over the agency's schema, the thread and
the recipient, so it cannot be made up or moved to another thread, person or agency. It is
lower-case base32, as mail systems may change the case of an address.

What arrives at that address is posted by the ESP to anymail's inbound webhook on the
platform host (/inbound-email/); anymail's ``inbound`` signal hands it to ``reply_receive``,
which appends the reply to the thread only when the sender is that recipient and they may
still post there. Anything else is refused and nothing is written.
"""

import base64
import logging
import re
from contextlib import suppress
from dataclasses import dataclass
from enum import StrEnum

from anymail.exceptions import AnymailInvalidAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.html import strip_tags
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from shared_apps.core.text import unstorable_message
from tenant_apps.files.validation import upload_accept
from tenant_apps.kit.access import Actor, can
from tenant_apps.messaging.actions import message_post
from tenant_apps.messaging.emails import refusal_notice
from tenant_apps.messaging.models import Message, Source, Thread
from tenant_apps.messaging.selectors import THREAD_RELATED
from tenants.models import Agency

logger = logging.getLogger(__name__)

TOKEN_SALT = "tenant_apps.messaging.reply"
TOKEN = re.compile(r"^reply\+(\d+)-(\d+)-(\d+)-([a-z2-7]{24})$")
# Shown above the quoted message in our emails; everything from it down is dropped.
REPLY_ABOVE = "##- Reply above this line to answer in the portal -##"


def _mac(schema_name: str, thread_id: int, user_id: int) -> str:
    digest = salted_hmac(
        TOKEN_SALT, f"{schema_name}:{thread_id}:{user_id}", algorithm="sha256"
    ).digest()
    return base64.b32encode(digest[:15]).decode().lower()


def reply_address(agency: Agency, thread: Thread, user) -> str:
    """The address at which ``user`` answers ``thread`` by email."""
    mac = _mac(agency.schema_name, thread.pk, user.pk)
    return f"reply+{agency.pk}-{thread.pk}-{user.pk}-{mac}@{settings.MESSAGING_REPLY_DOMAIN}"


def notification_reply_address(notification) -> str:
    """The recipient's reply address for a notification about a thread."""
    thread = Thread(pk=int(notification.object_id))
    return reply_address(connection.tenant, thread, notification.recipient)


@dataclass(frozen=True)
class ReplyTo:
    agency: Agency
    thread_id: int
    user_id: int


def reply_to_parse(address: str) -> ReplyTo | None:
    """The agency, thread and person an address of ours stands for; None unless it is one,
    with a valid signature, of a live agency."""
    local, _, domain = address.strip().lower().rpartition("@")
    if domain != settings.MESSAGING_REPLY_DOMAIN.lower():
        return None
    match = TOKEN.match(local)
    if match is None:
        return None
    agency_id, thread_id, user_id, mac = match.groups()
    agency = Agency.objects.live().filter(pk=int(agency_id)).first()
    if agency is None or not constant_time_compare(
        mac, _mac(agency.schema_name, int(thread_id), int(user_id))
    ):
        return None
    return ReplyTo(agency, int(thread_id), int(user_id))


# Where the quoted message starts, in the forms mail programs write it.
QUOTE_HEADERS = [
    re.compile(r"^On\b.{0,300}\bwrote:\s*$", re.IGNORECASE),  # Gmail, Apple Mail, Thunderbird
    re.compile(r"^-{2,}\s*Original Message\s*-{2,}", re.IGNORECASE),  # Outlook
    re.compile(r"^-{2,}\s*Forwarded message\s*-{2,}", re.IGNORECASE),
    re.compile(r"^_{10,}\s*$"),  # Outlook's rule above its From:/Sent: block
    re.compile(r"^Le\b.{0,300}\ba écrit\s?:\s*$", re.IGNORECASE),
    re.compile(r"^Am\b.{0,300}\bschrieb.{0,200}:\s*$", re.IGNORECASE),
]
# An Outlook header block without a rule: "From: ..." then "Sent:"/"Date:" soon after.
FROM_LINE = re.compile(r"^\*?From:\*?\s", re.IGNORECASE)
SENT_LINE = re.compile(r"^\*?(Sent|Date):\*?\s", re.IGNORECASE)
# Where a signature starts: the "-- " delimiter (RFC 3676) and mobile mail's sign-offs.
SIGNATURES = [
    re.compile(r"^--\s?$"),
    re.compile(r"^Sent from my \w+", re.IGNORECASE),
    re.compile(r"^Sent from (Mail|Outlook|Yahoo Mail)\b", re.IGNORECASE),
    re.compile(r"^Get Outlook for \w+", re.IGNORECASE),
]


def _quote_starts(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    if line == REPLY_ABOVE or any(pattern.match(line) for pattern in QUOTE_HEADERS):
        return True
    # Gmail wraps a long "On <date>, <name> <address> wrote:" over two lines.
    following = lines[index + 1].strip() if index + 1 < len(lines) else ""
    if line.startswith("On ") and following.endswith("wrote:"):
        return True
    if FROM_LINE.match(line):
        return any(SENT_LINE.match(later.strip()) for later in lines[index + 1 : index + 4])
    return False


def reply_text(text: str) -> str:
    """The new words of an emailed reply: without the quoted message, ">" lines and the
    signature."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _quote_starts(lines, index) or any(sig.match(stripped) for sig in SIGNATURES):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


BLOCK_END = re.compile(r"(?i)<br\s*/?>|</(p|div|li|tr|h\d)>")
QUOTED_HTML = re.compile(
    r'(?is)<blockquote\b.*|<div[^>]*class="[^"]*(gmail_quote|moz-cite-prefix)[^"]*".*'
)


def html_text(html: str) -> str:
    """Plain text of an HTML-only email, with its quoted part (blockquotes) left out."""
    return strip_tags(BLOCK_END.sub("\n", QUOTED_HTML.sub("", html)))


class Refusal(StrEnum):
    """Why an inbound email was not posted (logged; nothing is written)."""

    NOT_OURS = "not addressed to a reply address of ours, or its signature is wrong"
    SPAM = "the ESP marked it as spam"
    AUTOMATIC = "an automatic reply (out of office, a bounce or a list)"
    NO_THREAD = "the thread or the person no longer exists"
    WRONG_SENDER = "sent from another address than the one the reply address belongs to"
    NO_ACCESS = "the person may no longer post in the thread"
    DUPLICATE = "it was posted already (the ESP delivered it twice)"
    EMPTY = "nothing was left once the quoted message and signature were taken off"
    INVALID = "the message itself was refused (a mention, a file or characters it cannot hold)"


# Refusals the sender hears about, by email: a person replied to one of our emails (the
# address is genuine) and would otherwise think they had answered.
TOLD = {Refusal.WRONG_SENDER, Refusal.NO_ACCESS, Refusal.EMPTY, Refusal.INVALID}
AUTOMATIC_HEADERS = ["X-Autoreply", "X-Autorespond"]


def _automatic(inbound) -> bool:
    # RFC 3834's Auto-Submitted, and what mail programs that ignore it send instead.
    if (inbound["Auto-Submitted"] or "no").strip().lower() != "no":
        return True
    if (inbound["Precedence"] or "").strip().lower() in {"auto_reply", "bulk", "junk", "list"}:
        return True
    return any(inbound[header] for header in AUTOMATIC_HEADERS)


def _addresses(inbound) -> list[str]:
    found = [inbound.envelope_recipient] if inbound.envelope_recipient else []
    # anymail parses the headers when asked; a To or Cc no one can read leaves the envelope's.
    with suppress(AnymailInvalidAddress):
        found += [address.addr_spec for address in (*inbound.to, *inbound.cc)]
    return found


def _sender(inbound) -> str:
    try:
        sender = inbound.from_email
    except AnymailInvalidAddress:  # a From no one can read is no one's
        return ""
    # Several From addresses is legal but never a plain reply from one person.
    return sender.addr_spec.lower() if sender is not None and not isinstance(sender, list) else ""


def _uploads(inbound) -> list[SimpleUploadedFile]:
    """The email's attachments the file rules accept; the others are left out."""
    uploads = []
    for part in inbound.attachments:
        content = part.get_content_bytes() or b""
        upload = SimpleUploadedFile(part.get_filename() or "attachment", content)
        try:
            upload_accept(upload, max_bytes=settings.FILE_MAX_UPLOAD_BYTES)
        except ValidationError:
            logger.info("Emailed reply: left out the attachment %r", upload.name)
            continue
        upload.seek(0)
        uploads.append(upload)
    return uploads


def _post(inbound, reply_to: ReplyTo) -> Message | Refusal:
    """In the agency's schema: the checks that need its people and threads, then the post."""
    user = (
        User.objects.select_related("team_member", "client_member__company")
        .filter(pk=reply_to.user_id, is_active=True)
        .first()
    )
    thread = Thread.objects.select_related(*THREAD_RELATED).filter(pk=reply_to.thread_id).first()
    if user is None or thread is None:
        return Refusal.NO_THREAD
    if _sender(inbound) != user.email.lower():
        return Refusal.WRONG_SENDER
    actor = Actor(
        user=user,
        team=getattr(user, "team_member", None),
        client=getattr(user, "client_member", None),
    )
    if not can(actor, "thread.post", thread):
        return Refusal.NO_ACCESS
    message_id = (inbound["Message-ID"] or "").strip()[:250]
    body = reply_text(inbound.text or html_text(inbound.html or ""))
    if unstorable_message(message_id) or unstorable_message(body):
        return Refusal.INVALID
    if message_id and thread.messages.filter(email_message_id=message_id).exists():
        return Refusal.DUPLICATE
    uploads = _uploads(inbound)
    if not body and not uploads:
        return Refusal.EMPTY
    try:
        return message_post(
            thread=thread,
            author=user,
            body=body,
            files=uploads,
            source=Source.EMAIL,
            email_message_id=message_id,
        )
    except ValidationError as refused:
        logger.info("Emailed reply refused: %s", refused.messages)
        return Refusal.INVALID
    except IntegrityError:  # the same email, posted by a concurrent delivery a moment ago
        return Refusal.DUPLICATE


def reply_receive(inbound) -> Message | Refusal:
    """Post an emailed reply (an ``AnymailInboundMessage``) to its thread, or refuse it; a
    refused sender is told why by email (see TOLD)."""
    reply_to = next(filter(None, map(reply_to_parse, _addresses(inbound))), None)
    if reply_to is None:
        return Refusal.NOT_OURS
    if inbound.spam_detected:
        return Refusal.SPAM
    if _automatic(inbound):
        return Refusal.AUTOMATIC
    with tenant_context(reply_to.agency):
        outcome = _post(inbound, reply_to)
        if outcome in TOLD:
            try:
                refusal_notice(to=_sender(inbound), refusal=outcome).send()
            except Exception:  # the reply stays refused; an error would make the ESP resend it
                logger.exception("Could not tell %s their reply was refused", _sender(inbound))
    return outcome


def on_inbound_email(sender, event, esp_name, **kwargs) -> None:
    """anymail's ``inbound`` signal. Refusals are logged, never raised: an error would make
    the ESP deliver the same email again and again."""
    outcome = reply_receive(event.message)
    if isinstance(outcome, Refusal):
        logger.warning("Emailed reply refused (%s): %s", esp_name, outcome.value)

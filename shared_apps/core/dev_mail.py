"""Mail in development: one log line per email, with its links whole and clickable, and the
email itself kept in a folder, instead of its quoted-printable body on the console. The
mailbox page (shared_apps.core.views.dev_mailbox, DEBUG only) lists what the folder keeps."""

import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from itertools import count
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)
LINK = re.compile(r"https?://[^\s\"'<>]+")
KEPT_NAME = re.compile(r"^[\w.-]+\.eml$")
_numbers = count(1)


def links_in(texts) -> list[str]:
    """The links in ``texts``, each once, in order."""
    found = [link.rstrip(".,;)") for text in texts for link in LINK.findall(str(text))]
    return list(dict.fromkeys(found))


def email_links(message) -> list[str]:
    """The links of ``message`` (text body and HTML alternatives), each once, in order."""
    alternatives = getattr(message, "alternatives", [])
    return links_in([message.body, *(content for content, _ in alternatives)])


class DevMailBackend(BaseEmailBackend):
    def __init__(self, *, folder, **kwargs):
        super().__init__(**kwargs)
        self.folder = Path(folder)

    def send_messages(self, messages) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        for message in messages:
            # Sortable by time; the process id keeps the web server's and the worker's apart.
            name = f"{timezone.now():%Y%m%d-%H%M%S-%f}-{os.getpid()}-{next(_numbers)}.eml"
            path = self.folder / name
            # Whole or not at all: readers (the mailbox, the browser tests) never see half.
            partial = path.with_suffix(".part")
            partial.write_bytes(message.message().as_bytes())
            partial.replace(path)
            links = " ".join(email_links(message)) or "no links"
            logger.info(
                "Email to %s: %r — %s (whole in %s)",
                ", ".join(message.to),
                message.subject,
                links,
                path,
            )
        return len(messages)


def kept_folder() -> Path | None:
    """Where the default mailer keeps emails, if it is the DevMailBackend."""
    mailer = settings.MAILERS.get("default", {})
    backend = mailer.get("BACKEND", "")
    if not backend or not issubclass(import_string(backend), DevMailBackend):
        return None
    return Path(mailer["OPTIONS"]["folder"])


@dataclass(frozen=True)
class KeptEmail:
    name: str  # its file's name in the folder
    sent_at: datetime
    to: str
    subject: str
    text: str
    html: str
    links: list[str]


def _kept(path: Path) -> KeptEmail:
    parsed: EmailMessage = message_from_bytes(path.read_bytes(), policy=policy.default)
    plain, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    text = plain.get_content() if plain else ""
    markup = html.get_content() if html else ""
    return KeptEmail(
        name=path.name,
        sent_at=parsedate_to_datetime(parsed["Date"]),
        to=parsed["To"] or "",
        subject=parsed["Subject"] or "",
        text=text,
        html=markup,
        links=links_in([text, markup]),
    )


def kept_emails(folder: Path, *, limit: int = 50) -> list[KeptEmail]:
    """The newest ``limit`` emails kept in ``folder``, newest first."""
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns, reverse=True)
    return [_kept(path) for path in paths[:limit]]


def kept_email(folder: Path, name: str) -> KeptEmail | None:
    """The email kept in ``folder`` as ``name``; None for any other name."""
    path = folder / name
    return _kept(path) if KEPT_NAME.match(name) and path.is_file() else None

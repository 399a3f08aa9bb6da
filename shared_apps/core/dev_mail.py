"""Mail in development: one log line per email, with its links whole and clickable, and the
email itself kept in a folder, instead of its quoted-printable body on the console."""

import logging
import re
from itertools import count
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

logger = logging.getLogger(__name__)
LINK = re.compile(r"https?://[^\s\"'<>]+")
_numbers = count(1)


def email_links(message) -> list[str]:
    """The links of ``message`` (text body and HTML alternatives), each once, in order."""
    texts = [message.body, *(content for content, kind in getattr(message, "alternatives", []))]
    found = [link.rstrip(".,;)") for text in texts for link in LINK.findall(str(text))]
    return list(dict.fromkeys(found))


class DevMailBackend(BaseEmailBackend):
    def __init__(self, *, folder, **kwargs):
        super().__init__(**kwargs)
        self.folder = Path(folder)

    def send_messages(self, messages) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        for message in messages:
            name = f"{timezone.now():%Y%m%d-%H%M%S}-{next(_numbers)}.eml"
            path = self.folder / name
            path.write_bytes(message.message().as_bytes())
            links = " ".join(email_links(message)) or "no links"
            logger.info(
                "Email to %s: %r — %s (whole in %s)",
                ", ".join(message.to),
                message.subject,
                links,
                path,
            )
        return len(messages)

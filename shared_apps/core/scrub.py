"""What must never reach a log line or an error report, recognised by its shape.

Log lines and Sentry events carry messages written for people (paths, exception texts,
addresses). Whatever in them looks like a credential or personal data is replaced before it
leaves the process: JSON Web Tokens, email addresses (reply-by-email addresses too), URLs'
query strings (next=, search words, tokens) and long random tokens (link secrets, session
keys, signatures). Passwords and file names have no shape: they travel only in request
bodies, which are never logged nor sent (shared_apps.core.error_reports).

No Django here: gunicorn's master process logs through this too (deploy/gunicorn.conf.py).
"""

import re

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# A query string after a path or a host: "/login/?next=/l/abc/" keeps "/login/".
QUERY = re.compile(r"(?<=[\w/])\?[^\s\"'<>]+")
WORD = re.compile(r"[A-Za-z0-9_-]{20,}")
# Task ids and the like: identifiers, never secrets in this project.
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _token(match: re.Match) -> str:
    """A long run of URL-safe characters is a token when it mixes letters and digits (a
    secret of 20+ random characters almost always does), or is long and mixes cases; names
    in code and tracebacks (``invitation_email_send``, ``ReadOnlySqlTransaction``) stay."""
    word = match[0]
    if UUID.fullmatch(word):
        return word
    has_digit = any(c.isdigit() for c in word)
    has_letter = any(c.isalpha() for c in word)
    mixed_case = any(c.islower() for c in word) and any(c.isupper() for c in word)
    if (has_digit and has_letter) or (len(word) >= 32 and mixed_case):
        return "[token]"
    return word


def scrub_text(text: str) -> str:
    text = JWT.sub("[token]", text)
    text = EMAIL.sub("[email]", text)
    text = QUERY.sub("?[query]", text)
    return WORD.sub(_token, text)

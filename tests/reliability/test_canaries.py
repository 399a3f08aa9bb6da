"""No secret and no personal data reaches a log line or an error report.

The app runs as in production (gunicorn with DEBUG off and JSON logs, a Celery worker), with
Sentry pointed at a stand-in receiver (tests/sentry_standin.py). Requests then carry planted
canaries: a password and an email in the sign-in form, a session cookie, an action-link token
in a query string, a sign-in link's secret in the path, JWTs (an Authorization header, a
refresh token), an upload's file name, a reply-by-email address and its sender; a task
carries an invitation's secret in its arguments. Each of them fails for real:

- the database refuses writes, as a read-only standby does after a failover (PGOPTIONS
  default_transaction_read_only for the app's processes only): signing in, spending the
  link, issuing, refreshing and using tokens, uploading and the task all raise, unhandled;
- no ESP credentials: the refusal email to a reply's wrong sender cannot be sent, and the
  app logs the failure (logger.exception), as it does in production.

Every failure must reach Sentry (an event tagged with the failing request's id) and the
logs, and no canary may appear in the processes' output or in any envelope received.
"""

import base64
import json
import re
import secrets
import string
import sys
from datetime import timedelta
from email.message import EmailMessage
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context
from tenant_schemas_celery.task import headers_with_schema

from config.celery import app
from shared_apps.signup.actions import agency_signup
from tenant_apps.messaging.actions import thread_start
from tenant_apps.messaging.email_replies import reply_address
from tenant_apps.messaging.models import Thread
from tenant_apps.people.actions import client_company_create
from tenant_apps.security.link_secrets import secret_digest
from tenant_apps.security.models import MagicLink
from tenants.actions import schema_pool_fill
from tenants.models import Agency
from tests.browser.conftest import _free_port
from tests.committed import committed_db  # noqa: F401  (the committed `db`)
from tests.processes import app_processes, celery_worker_args, wait_until
from tests.sentry_standin import SentryStandIn
from tests.test_isolation import obtain_tokens

QUEUE_SUFFIX = "-canaries"


def _word(length: int = 12) -> str:
    """Letters only, and short: no shape a scrubber would recognise (tokens have digits)."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(length))


@pytest.fixture
def canaries(db):
    """An agency of its own (dropped after) and every canary, by name."""
    word = _word(8)
    found = {
        "password": f"violet-{_word()}-{_word()}",
        "owner email": f"owner.{word}@{_word(6)}.example",
        "sender email": f"someone.{_word(6)}@{_word(6)}.example",
        "file name": f"Payroll {_word()} confidential.txt",
        "session id": secrets.token_hex(16),
        "action link token": secrets.token_urlsafe(32),
        "magic link secret": secrets.token_urlsafe(32),
        "invitation secret": secrets.token_urlsafe(32),
        "webhook password": f"inbound-{_word()}",
    }
    connection.set_schema_to_public()
    spares_before = Agency.objects.spares().count()
    signup = agency_signup(
        name=f"Canary {word}",
        subdomain=f"canary{word}",
        owner_name="Canary Owner",
        owner_email=found["owner email"],
        owner_password=found["password"],
    )
    agency, owner = signup.agency, signup.owner
    host = agency.domains.get().domain
    with tenant_context(agency):
        company = client_company_create(name="Lighthouse", actor=owner)
        thread = thread_start(thread=Thread(company=company), actor=owner)
        now = timezone.now()
        MagicLink.objects.create(
            user=owner,
            secret_digest=secret_digest(found["magic link secret"]),
            expires_at=now + timedelta(minutes=15),
            sent_at=now,
        )
        found["reply address"] = reply_address(agency, thread, owner)
    tokens = obtain_tokens(host, found["owner email"], found["password"])
    found["access token"], found["refresh token"] = tokens["access"], tokens["refresh"]
    yield agency, host, company.pk, found
    connection.set_schema_to_public()
    Agency.objects.get(pk=agency.pk).delete(force_drop=True)
    schema_pool_fill(size=spares_before)


class Visitor:
    """One browser's requests to the app's port, as through the TLS proxy (HTTPS)."""

    def __init__(self, port: int, host: str):
        self.port, self.host = port, host
        self.cookies: dict[str, str] = {}
        self.request_ids: dict[str, int] = {}

    def send(self, method, path, *, body=b"", headers=None, host=None):
        host = host or self.host
        sent = {
            "Host": host,
            "X-Forwarded-Proto": "https",
            "Referer": f"https://{host}{path}",
            **({"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}),
            **(headers or {}),
        }
        conn = HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            content = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie", []):
            self.cookies.update({k: m.value for k, m in SimpleCookie(header).items()})
        self.request_ids[response.headers["X-Request-ID"]] = response.status
        return response.status, content

    def form(self, path, fields):
        if "csrftoken" not in self.cookies:
            self.send("GET", path)
        data = {"csrfmiddlewaretoken": self.cookies["csrftoken"], **fields}
        kind = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.send("POST", path, body=urlencode(data).encode(), headers=kind)[0]

    def api(self, method, path, payload, token=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.send(method, path, body=json.dumps(payload).encode(), headers=headers)[0]

    def upload(self, path, fields, file_name, token):
        boundary = secrets.token_hex(12)
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{file_name}"\r\nContent-Type: text/plain\r\n\r\nWhat we need.\r\n'
            f"--{boundary}--\r\n"
        )
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Authorization": f"Bearer {token}",
        }
        return self.send("POST", path, body="".join(parts).encode(), headers=headers)[0]


def _reply_email(canaries: dict) -> bytes:
    email = EmailMessage()
    email["From"] = canaries["sender email"]
    email["To"] = canaries["reply address"]
    email["Subject"] = "Re: Lighthouse"
    email.set_content("Yes, Thursday works.")
    payload = {"RawEmail": email.as_string(), "MessageID": "postmark-1", "Headers": []}
    return json.dumps(payload).encode()


def _ready(port: int) -> bool:
    probe = HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        probe.request("GET", "/healthz/ready", headers={"Host": "10.0.0.7"})
        return probe.getresponse().status == 200
    except OSError:
        return False
    finally:
        probe.close()


def test_no_canary_reaches_a_log_line_or_an_error_report(canaries, tmp_path):
    agency, host, company_id, found = canaries
    sentry = SentryStandIn().start()
    port = _free_port()
    queue = settings.CELERY_TASK_DEFAULT_QUEUE + QUEUE_SUFFIX
    production = {
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "ANYMAIL_ESP": "postmark",  # and no ANYMAIL_POSTMARK_SERVER_TOKEN
        "ANYMAIL_WEBHOOK_SECRET": f"postmark:{found['webhook password']}",
        "LOG_FORMAT": "json",
        "SENTRY_DSN": sentry.dsn,
        "PGOPTIONS": "-c default_transaction_read_only=on",
        "CELERY_QUEUE": queue,
    }
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"]
    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
    web_env = production | {"BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
    worker_ready = lambda: bool(app.control.ping(destination=[f"canary@{host}"], timeout=0.5))  # noqa: E731
    worker = [*celery_worker_args(), "-n", f"canary@{host}"]
    with app_processes(
        (gunicorn, web_log, lambda: _ready(port), web_env),
        (worker, worker_log, worker_ready, production),
    ):
        visitor = Visitor(port, host)
        # The sign-in form: password, email, a session cookie, a token in the query string.
        visitor.cookies["sessionid"] = found["session id"]
        next_path = quote(f"/l/{found['action link token']}/")
        sign_in = f"/auth/login/?next={next_path}"
        fields = {"username": found["owner email"], "password": found["password"]}
        assert visitor.form(sign_in, fields) == 500
        # A sign-in link's secret in the path: GET asks, POST spends it.
        magic = f"/auth/magic-link/{found['magic link secret']}/"
        assert visitor.send("GET", magic)[0] == 200
        assert visitor.form(magic, {}) == 500
        assert visitor.send("GET", f"/l/{found['action link token']}/")[0] == 404  # refused
        # The API: a password, a refresh token, an access token on a read and on an upload.
        credentials = {"email": found["owner email"], "password": found["password"]}
        assert visitor.api("POST", "/api/v1/auth/token", credentials) == 500
        refresh = {"refresh": found["refresh token"]}
        assert visitor.api("POST", "/api/v1/auth/token/refresh", refresh) == 500
        assert (
            visitor.send(
                "GET", "/api/v1/me", headers={"Authorization": f"Bearer {found['access token']}"}
            )[0]
            == 200
        )
        upload = {"company": company_id}
        assert (
            visitor.upload("/api/v1/documents", upload, found["file name"], found["access token"])
            == 500
        )
        # A reply by email from another address than its recipient's: refused, and telling
        # the sender fails (no ESP credentials), which the app logs with its traceback.
        auth = base64.b64encode(f"postmark:{found['webhook password']}".encode()).decode()
        inbound = {"Content-Type": "application/json", "Authorization": f"Basic {auth}"}
        status, _ = visitor.send(
            "POST",
            "/inbound-email/",
            body=_reply_email(found),
            headers=inbound,
            host=settings.PLATFORM_DOMAIN,
        )
        assert status == 200
        # A task with a secret in its arguments, on its last attempt: it fails for good.
        with tenant_context(agency):
            headers = headers_with_schema({})
        task = app.send_task(
            "tenant_apps.people.tasks.invitation_email_send",
            args=[1, found["invitation secret"]],
            queue=queue,
            retries=6,
            headers=headers,
        )
        failed = {rid for rid, status in visitor.request_ids.items() if status == 500}
        assert len(failed) == 5

        def reported():
            tags = [event.get("tags", {}) for event in sentry.events()]
            by_request = {tag.get("request_id") for tag in tags}
            by_task = {tag.get("task_id") for tag in tags}
            return failed <= by_request and task.id in by_task

        wait_until(reported, seconds=30)
        wait_until(
            lambda: any(
                "Could not tell" in e.get("logentry", {}).get("message", "")
                for e in sentry.events()
            ),
            seconds=15,
        )
    logs = web_log.read_text() + worker_log.read_text()
    reports = b"".join(sentry.envelopes).decode("utf-8", "replace")
    # The failures are there to be read, by request id and task name, without the canaries.
    assert all(request_id in logs for request_id in failed)
    assert "tenant_apps.people.tasks.invitation_email_send" in logs
    # A JWT's signature alone would be enough to spot a leak of part of one.
    planted = found | {
        f"{name} signature": found[name].rsplit(".", 1)[1]
        for name in ("access token", "refresh token")
    }
    leaks = {
        name: [where for where, text in (("logs", logs), ("Sentry", reports)) if value in text]
        for name, value in planted.items()
    }
    leaked = {name: where for name, where in leaks.items() if where}
    assert not leaked, f"{len(leaked)} of {len(planted)} canaries found: {leaked}"
    assert re.search(r'"route": "accounts:login", "status": 500', logs)

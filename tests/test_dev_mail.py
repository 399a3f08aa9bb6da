"""Mail in development: one log line per email with its links whole, the email kept whole."""

import logging
from email import message_from_bytes, policy

import pytest
from django.core.mail import EmailMultiAlternatives

from shared_apps.core.dev_mail import DevMailBackend
from tests.conftest import host_client

# Long enough that quoted-printable would fold it, with "=" in it as a signed link has.
LINK = "http://acme.localhost:8000/auth/magic-link/" + "x" * 90 + "?next=%2Frequests%2F&k=1"


def test_each_email_is_one_line_with_its_links_and_kept_whole(tmp_path, caplog):
    email = EmailMultiAlternatives(
        subject="Your sign-in link",
        body=f"Open {LINK}.\n\nOr the portal: http://acme.localhost:8000/",
        from_email="Acme <no-reply@portal.example>",
        to=["ca@northwind.example"],
    )
    email.attach_alternative(f'<p><a href="{LINK}">Sign in</a></p>', "text/html")
    backend = DevMailBackend(folder=tmp_path / "mail")
    with caplog.at_level(logging.INFO, logger="shared_apps.core.dev_mail"):
        assert backend.send_messages([email]) == 1

    [line] = [record.getMessage() for record in caplog.records]
    assert "\n" not in line
    assert line.startswith("Email to ca@northwind.example: 'Your sign-in link' — ")
    assert f" {LINK} http://acme.localhost:8000/ " in line  # each link once, unbroken
    [kept] = (tmp_path / "mail").iterdir()
    assert str(kept) in line
    parsed = message_from_bytes(kept.read_bytes(), policy=policy.default)
    assert parsed["To"] == "ca@northwind.example"
    assert LINK in parsed.get_body(("plain",)).get_content()


# The mailbox page (DEBUG only) on the platform host


@pytest.fixture
def dev_mail(settings, tmp_path):
    """DEBUG on, and mail through the DevMailBackend into a folder of this test's."""
    settings.DEBUG = True
    settings.MAILERS = {
        "default": {
            "BACKEND": "shared_apps.core.dev_mail.DevMailBackend",
            "OPTIONS": {"folder": tmp_path / "mail"},
        }
    }
    return tmp_path / "mail"


def send(subject, to, html):
    email = EmailMultiAlternatives(subject=subject, body=f"Open {LINK}", to=[to])
    email.attach_alternative(html, "text/html")
    email.send()


def test_the_mailbox_lists_the_emails_newest_first_with_clickable_links(db, dev_mail):
    send("First", "one@example.com", "<p>Hello</p>")
    send("Second", "two@example.com", f'<!doctype html><p><a href="{LINK}">Sign in</a></p>')
    page = host_client("localhost").get("/dev/mail/")
    assert page.status_code == 200
    html = page.text
    assert html.index("Second") < html.index("First")
    assert "To two@example.com" in html
    assert f'<a href="{LINK.replace("&", "&amp;")}">' in html
    newest = max(dev_mail.glob("*.eml"))  # the names sort by time
    assert html.index(f'src="/dev/mail/{newest.name}"') < html.index("First")


def test_the_html_part_is_framed_sandboxed_and_never_runs_a_script(db, dev_mail):
    send("Tricky", "one@example.com", "<!DOCTYPE html><p>Hi</p><script>alert(1)</script>")
    [kept] = dev_mail.glob("*.eml")
    page = host_client("localhost").get("/dev/mail/")
    assert "<script>alert(1)</script>" not in page.text  # the page shows only the frame
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in page.text

    framed = host_client("localhost").get(f"/dev/mail/{kept.name}")
    assert framed.status_code == 200
    policy = framed["Content-Security-Policy"]
    assert "sandbox allow-popups allow-popups-to-escape-sandbox" in policy
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert framed["X-Frame-Options"] == "SAMEORIGIN"
    assert framed.text.startswith('<!DOCTYPE html><base target="_blank"><p>Hi</p>')


def test_the_mailbox_refuses_names_it_did_not_keep(db, dev_mail):
    send("Kept", "one@example.com", "<p>Hi</p>")
    client = host_client("localhost")
    assert client.get("/dev/mail/..%2Fsettings.py").status_code == 404
    assert client.get("/dev/mail/missing.eml").status_code == 404


def test_without_debug_there_is_no_mailbox(db, settings, dev_mail):
    send("Kept", "one@example.com", "<p>Hi</p>")
    [kept] = dev_mail.glob("*.eml")
    settings.DEBUG = False
    client = host_client("localhost")
    assert client.get("/dev/mail/").status_code == 404
    assert client.get(f"/dev/mail/{kept.name}").status_code == 404

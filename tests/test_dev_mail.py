"""Mail in development: one log line per email with its links whole, the email kept whole."""

import logging
from email import message_from_bytes, policy

from django.core.mail import EmailMultiAlternatives

from shared_apps.core.dev_mail import DevMailBackend

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

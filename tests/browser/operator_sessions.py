"""Browsers holding a session made the way the Django test client makes one, handed to
Playwright as its cookie: a platform operator's past two-factor (tests.conftest.
operator_sign_in), or anyone's. Tests of the console's own sign-in use operator_support."""

from django.conf import settings
from django.test import Client

from shared_apps.accounts.models import User
from tests.browser.conftest import _with_database
from tests.conftest import operator_sign_in


def operator_session_key(email: str) -> str:
    """The operator's session key on the platform host; run it with the database."""
    user = User.objects.get(email=email)
    client = operator_sign_in(Client(HTTP_HOST=settings.PLATFORM_DOMAIN), user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def with_session(page, url: str, session_key: str):
    """``page``'s browser holds ``session_key`` for ``url``'s host."""
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": url}]
    )
    return page


def operator_session(page, django_db_blocker, email: str):
    key = _with_database(django_db_blocker, lambda: operator_session_key(email))
    return with_session(page, f"http://{settings.PLATFORM_DOMAIN}/", key)

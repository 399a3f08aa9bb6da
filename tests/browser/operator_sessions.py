"""A browser holding a platform operator's session that passed two-factor, made the way the
Django test client makes one (tests.conftest.operator_sign_in) and handed to Playwright."""

from django.conf import settings
from django.test import Client

from shared_apps.accounts.models import User
from tests.browser.conftest import _with_database
from tests.conftest import operator_sign_in


def operator_session(page, django_db_blocker, email: str) -> None:
    def sign_in():
        client = operator_sign_in(
            Client(HTTP_HOST=settings.PLATFORM_DOMAIN), User.objects.get(email=email)
        )
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    session_key = _with_database(django_db_blocker, sign_in)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session_key,
                "domain": settings.PLATFORM_DOMAIN,
                "path": "/",
            }
        ]
    )

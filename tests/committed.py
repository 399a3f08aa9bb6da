"""The test database without pytest-django's per-test transaction, for tests whose servers,
workers or second connections must see what the test wrote. A module takes it with
``from tests.committed import committed_db  # noqa: F401``: it is named ``db``, so it stands
in for pytest-django's fixture there and pytest-django still creates the test database."""

import pytest
from django.db import connection


@pytest.fixture(name="db")
def committed_db(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        yield
        connection.set_schema_to_public()

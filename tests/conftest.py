"""Shared test world: two agencies with named personas, built once per run.

Each test runs in a transaction that is rolled back, DDL included, so tests
may sign up agencies, claim spares or rename schemas freely.
"""

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.onboarding.actions import agency_signup
from tenants import host_cache
from tenants.actions import schema_pool_fill
from tenants.models import Agency

PASSWORD = "correct-horse-battery-staple"


def pytest_configure(config):
    # Hashing cost is not under test here; Argon2 would add ~100 ms per password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Persona:
    key: str
    agency: Agency | None
    user: User

    @property
    def host(self) -> str:
        return self.agency.domains.get().domain if self.agency else settings.PLATFORM_DOMAIN


@dataclass
class World:
    acme: Agency
    globex: Agency
    personas: dict[str, Persona]


def _sign_up(subdomain: str, owner_email: str) -> tuple[Agency, User]:
    signup = agency_signup(
        name=subdomain.title(),
        subdomain=subdomain,
        owner_name=f"{subdomain.title()} Owner",
        owner_email=owner_email,
        owner_password=PASSWORD,
    )
    return signup.agency, signup.owner


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        schema_pool_fill(size=2)
        _sign_up("acme", "owner@acme.example")
        _sign_up("globex", "owner@globex.example")
        schema_pool_fill(size=1)
        User.objects.create_user(
            "operator@platform.example",
            PASSWORD,
            full_name="Opal Operator",
            is_staff=True,
            is_superuser=True,
        )
    yield


@pytest.fixture
def world(db) -> World:
    acme = Agency.objects.get(subdomain="acme")
    globex = Agency.objects.get(subdomain="globex")
    personas = {
        "operator": Persona("operator", None, User.objects.get(email="operator@platform.example"))
    }
    for key, agency, email in [
        ("owner", acme, "owner@acme.example"),
        ("outsider", globex, "owner@globex.example"),
    ]:
        with tenant_context(agency):
            personas[key] = Persona(key, agency, User.objects.get(email=email))
    return World(acme=acme, globex=globex, personas=personas)


@pytest.fixture(autouse=True)
def _fresh_routing_state():
    connection.set_schema_to_public()
    host_cache.clear()
    yield
    connection.set_schema_to_public()
    host_cache.clear()


def host_client(host: str) -> Client:
    return Client(HTTP_HOST=host)


def signed_in_client(persona: Persona, host: str | None = None) -> Client:
    """A browser holding ``persona``'s session, pointed at ``host`` (their own by default)."""
    client = host_client(host or persona.host)
    if persona.agency is None:
        client.force_login(persona.user)
    else:
        with tenant_context(persona.agency):
            client.force_login(persona.user)
    return client

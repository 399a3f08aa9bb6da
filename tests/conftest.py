"""Shared test world: two agencies with named personas, built once per run.

Each test runs in a transaction that is rolled back, DDL included, so tests
may sign up agencies, claim spares or rename schemas freely.
"""

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import tenant_context

from operators.actions import operator_create as create_operator_account
from operators.announcements import current_announcements
from operators.roles import Role
from shared_apps.accounts.models import User
from shared_apps.signup.actions import agency_signup
from tenant_apps.people.actions import (
    client_company_create,
    client_member_create,
    team_member_create,
)
from tenant_apps.people.models import ClientCompany
from tenants import host_cache
from tenants.actions import schema_pool_fill
from tenants.models import Agency
from tests.processes import app_process, celery_worker_args

PASSWORD = "correct-horse-battery-staple"
# One platform operator per role; "operator" in the access matrix is the admin.
OPERATOR_EMAILS = {role: f"{role}@platform.example" for role in Role.values}
# Every test operator's TOTP secret (hex), so a test can compute a current code.
OPERATOR_TOTP_KEY = "3132333435363738393031323334353637383930"


def operator_create(*, email, full_name, role, password=PASSWORD):
    """A public-schema operator (operators.actions.operator_create) with a confirmed TOTP
    device (key OPERATOR_TOTP_KEY)."""
    connection.set_schema_to_public()
    user = create_operator_account(
        email=email, full_name=full_name, role=role, password=password
    ).user
    TOTPDevice.objects.create(
        user=user, name="Authenticator", key=OPERATOR_TOTP_KEY, confirmed=True
    )
    return user


def operator_sign_in(client: Client, user: User) -> Client:
    """Give ``client`` a platform-host session for ``user`` that passed two-factor."""
    connection.set_schema_to_public()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


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
    northwind: ClientCompany  # acme's client company of the client personas
    southwind: ClientCompany  # another acme client ("other_company" works there)


def _sign_up(subdomain: str, owner_email: str) -> tuple[Agency, User]:
    signup = agency_signup(
        name=subdomain.title(),
        subdomain=subdomain,
        owner_name=f"{subdomain.title()} Owner",
        owner_email=owner_email,
        owner_password=PASSWORD,
    )
    return signup.agency, signup.owner


# persona key -> (email, team role or None, client company or None, client role or None)
ACME_PEOPLE = {
    "owner": ("owner@acme.example", "owner", None, None),
    "admin": ("admin@acme.example", "admin", None, None),
    "staff": ("staff@acme.example", "staff", None, None),  # limited to Northwind
    "client_admin": ("ca@northwind.example", None, "Northwind", "client_admin"),
    "approver": ("approver@northwind.example", None, "Northwind", "approver"),
    "finance": ("finance@northwind.example", None, "Northwind", "finance"),
    "viewer": ("viewer@northwind.example", None, "Northwind", "viewer"),
    "other_company": ("ca@southwind.example", None, "Southwind", "client_admin"),
}
TEAM_PERSONAS = ["owner", "admin", "staff"]
CLIENT_PERSONAS = ["client_admin", "approver", "finance", "viewer"]


def _populate_acme(acme: Agency) -> None:
    with tenant_context(acme):
        owner = User.objects.get(email="owner@acme.example")
        companies = {
            name: client_company_create(name=name, actor=owner)
            for name in ["Northwind", "Southwind"]
        }
        password_hash = make_password(PASSWORD)
        for key, (email, team_role, company, client_role) in ACME_PEOPLE.items():
            name = key.replace("_", " ").title()
            if team_role and key != "owner":
                member = team_member_create(
                    email=email,
                    full_name=f"Acme {name}",
                    role=team_role,
                    password_hash=password_hash,
                    actor=owner,
                    sees_all_clients=key != "staff",
                )
                if key == "staff":
                    member.assigned_companies.set([companies["Northwind"]])
            elif client_role:
                client_member_create(
                    email=email,
                    full_name=f"{company} {name}",
                    company=companies[company],
                    role=client_role,
                    password_hash=password_hash,
                    actor=owner,
                )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        # Without a collected `db` test, pytest-django makes no test database;
        # never build the world in the real one.
        assert connection.settings_dict["NAME"].startswith("test_"), "no test database"
        schema_pool_fill(size=2)
        acme, _ = _sign_up("acme", "owner@acme.example")
        _sign_up("globex", "owner@globex.example")
        _populate_acme(acme)
        schema_pool_fill(size=1)
        current_announcements()  # this process's copy, so no page's query count includes it
        for role in Role.values:
            operator_create(
                email=OPERATOR_EMAILS[role],
                full_name=f"Opal {role.title()}",
                role=role,
                password=PASSWORD,
            )
    yield


@pytest.fixture
def world(db) -> World:
    acme = Agency.objects.get(subdomain="acme")
    globex = Agency.objects.get(subdomain="globex")
    operator = User.objects.get(email=OPERATOR_EMAILS[Role.ADMIN])
    personas = {"operator": Persona("operator", None, operator)}
    with tenant_context(acme):
        for key, (email, *_rest) in ACME_PEOPLE.items():
            personas[key] = Persona(key, acme, User.objects.get(email=email))
        northwind = ClientCompany.objects.get(name="Northwind")
        southwind = ClientCompany.objects.get(name="Southwind")
    with tenant_context(globex):
        personas["outsider"] = Persona(
            "outsider", globex, User.objects.get(email="owner@globex.example")
        )
    return World(
        acme=acme, globex=globex, personas=personas, northwind=northwind, southwind=southwind
    )


def pytest_configure(config):
    # Routing is cleared before every test (below); within one, a host entry expiring
    # because a slow machine took 30 s to write the rows would add its lookup queries to
    # a query-count test's second count.
    settings.TENANT_HOST_CACHE_SECONDS = 3600
    # Likewise the announcements' copy: read once per test process (django_db_setup), and
    # again only where a test changes them (tests/test_announcements.py).
    settings.ANNOUNCEMENTS_REFRESH_SECONDS = 3600


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
        operator_sign_in(client, persona.user)
    else:
        with tenant_context(persona.agency):
            client.force_login(persona.user)
    return client


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, tmp_path_factory):
    """A real Celery worker process on Redis, using this run's test database.

    Tests that use it see only committed data on both sides, so they work
    outside the per-test transaction (``django_db_blocker.unblock()``) and
    put back what they change.
    """
    from config.celery import app

    app.control.purge()  # stale test tasks from earlier runs
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    with app_process(
        celery_worker_args(),
        log_path,
        ready=lambda: bool(app.control.ping(timeout=0.5)),
        SCHEMA_POOL_SIZE="2",
    ):
        yield log_path

"""schemathesis against both hosts' OpenAPI schemas and the platform's webhooks, as each role
(tests/reliability/api_fuzz.py, docs/reliability/fuzzing.md): no 500, no answer outside the
schema, no other company's or agency's data.

Here a few derandomized cases per operation and role (one per generation mode and per seeded
item the path can name) and three short stateful scenarios per role; `python -m
bench.reliability.fuzz` runs the same tests with many random cases (FUZZ_* below)."""

import os

import pytest

from tests import stripe_standin
from tests.reliability import fuzz_world
from tests.reliability.api_fuzz import (
    Depth,
    Tally,
    depth_from,
    fuzz_role,
    load_schema,
    record,
    report,
    schema_from_dict,
    wsgi_app,
)

DEPTH = depth_from(os.environ, Depth(examples=1, scenarios=3, steps=6))
# The webhooks: three operations, each call standing alone (no links), so more cases each.
WEBHOOKS = Depth(examples=DEPTH.examples * 10, scenarios=0, steps=0, seed=DEPTH.seed)
EMAIL_WEBHOOK_AUTH = "postmark:fuzzing-secret"
stripe_standin, billing_on = stripe_standin.stripe_standin, stripe_standin.billing_on  # fixtures


@pytest.fixture(scope="module")
def app():
    with wsgi_app() as handler:
        yield handler


@pytest.fixture(scope="module")
def schemas(app):
    """Each host's schema, fetched once (by the first test that asks, inside its transaction)."""
    loaded = {}

    def schema_for(host):
        if host not in loaded:
            loaded[host] = load_schema(app, host)
        return loaded[host]

    return schema_for


def fuzz(schema, role, app, depth=DEPTH):
    tally = Tally()
    try:
        fuzz_role(schema, role, app, depth, tally)
    finally:
        record(tally, os.environ)
    assert tally.cases[role.name] > 0
    assert not tally.failures, report(tally)


@pytest.mark.parametrize("role_name", ["owner", "staff", "client_admin", "viewer", "anonymous"])
def test_agency_api_as(role_name, world, app, schemas):
    known = fuzz_world.seed(world)
    role = {role.name: role for role in fuzz_world.agency_roles(world, known)}[role_name]
    fuzz(schemas(fuzz_world.ACME), role, app)


@pytest.mark.parametrize("role_name", ["operator", "anonymous_platform"])
def test_platform_api_as(role_name, world, app, schemas):
    fuzz_world.seed(world)
    role = {role.name: role for role in fuzz_world.platform_roles(world)}[role_name]
    fuzz(schemas(fuzz_world.PLATFORM), role, app)


def test_platform_webhooks(world, app, billing_on, settings):
    """Stripe's events against billing switched on (the Stripe stand-in answers the reads they
    cause), and the email provider's tracking and inbound posts."""
    settings.ANYMAIL_WEBHOOK_SECRET = [EMAIL_WEBHOOK_AUTH]
    settings.INBOUND_EMAIL_ESP = settings.EMAIL_TRACKING_ESP = "postmark"
    known = fuzz_world.seed(world)
    raw, role = fuzz_world.webhook_role(
        world, known, email_secret=EMAIL_WEBHOOK_AUTH, stripe_secret=billing_on.webhook_secret
    )
    fuzz(schema_from_dict(raw, app), role, app, WEBHOOKS)

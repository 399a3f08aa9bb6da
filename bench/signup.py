"""Signup-to-workspace latency, in process, with the production hasher (Argon2).

Run by run.py against the bench database: ``python -m bench.signup N``. Times N
signups without the spare-schema pool (each migrates a new schema), then fills
the pool untimed and times N signups claiming spares. Each signup is: POST
/signup/ on the platform host, follow the handoff link to the agency host, GET
the workspace home until it answers 200. Prints JSON with every signup's phase
times in seconds and the migrations a new schema records.
"""
# ruff: noqa: E402  (Django must be set up before models are imported)

import json
import sys
import time
from urllib.parse import urlsplit

import django

django.setup()

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client

from tenants.actions import schema_pool_fill
from tenants.models import Agency

PASSWORD = "bench-password-not-secret-2026"


def signup_phases(subdomain):
    """Seconds spent in (signup POST, handoff GET, home GET) for one new agency."""
    client = Client()
    form = {
        "agency_name": subdomain.title(),
        "subdomain": subdomain,
        "owner_name": "Bench Owner",
        "owner_email": f"owner@{subdomain}.example",
        "password": PASSWORD,
    }
    start = time.perf_counter()
    response = _expect(client.post("/signup/", form, HTTP_HOST=settings.PLATFORM_DOMAIN), 302)
    handoff = urlsplit(response["Location"])
    posted = time.perf_counter()
    response = _expect(client.get(handoff.path, HTTP_HOST=handoff.netloc), 302)
    handed_off = time.perf_counter()
    response = _expect(client.get(response["Location"], HTTP_HOST=handoff.netloc), 200)
    done = time.perf_counter()
    if b"Welcome to " + form["agency_name"].encode() not in response.content:
        raise SystemExit(f"{subdomain}: the workspace home does not welcome the new agency")
    return [posted - start, handed_off - posted, done - handed_off]


def _expect(response, status):
    if response.status_code != status:
        raise SystemExit(f"{response.request['PATH_INFO']} answered {response.status_code}")
    return response


def series(prefix, count):
    """One untimed warm-up signup, then ``count`` timed ones."""
    signup_phases(f"{prefix}-warm")
    return [signup_phases(f"{prefix}-{number:03d}") for number in range(count)]


def migrations_recorded(schema_name):
    """(all migrations a new schema records, those of TENANT_APPS, which create its tables)."""
    labels = {config.name: config.label for config in apps.get_app_configs()}
    tenant_labels = {labels[name] for name in settings.TENANT_APPS}
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app FROM "{schema_name}".django_migrations')
        recorded = [app for (app,) in cursor.fetchall()]
    return len(recorded), sum(app in tenant_labels for app in recorded)


def main():
    count = int(sys.argv[1])
    if Agency.objects.spares().exists():
        raise SystemExit("the bench database must start with an empty spare-schema pool")

    migrate_timings = series("migr", count)
    connection.set_schema_to_public()  # the requests left it on the last agency's schema
    total, tenant = migrations_recorded(Agency.objects.get(subdomain="migr-000").schema_name)

    started = time.perf_counter()
    schema_pool_fill(size=count + 1)  # one more for the warm-up
    fill_seconds = time.perf_counter() - started
    if Agency.objects.spares().count() != count + 1:
        raise SystemExit("the spare-schema pool did not fill; is another filler running?")
    pool_timings = series("pool", count)
    if Agency.objects.spares().exists():
        raise SystemExit("a pooled signup did not claim a spare")

    print(
        json.dumps(
            {
                "migrate": migrate_timings,
                "pool": pool_timings,
                "pool_fill_seconds": fill_seconds,
                "pool_fill_schemas": count + 1,
                "migrations_total": total,
                "migrations_tenant_apps": tenant,
            }
        )
    )


if __name__ == "__main__":
    main()

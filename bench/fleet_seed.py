"""The fleet benchmark's in-process steps, run by bench/fleet.py against its database.

python -m bench.fleet_seed build FIRST COUNT   sign up agencies fleet-FIRST … (JSON timings)
python -m bench.fleet_seed create COUNT        time COUNT new spare schemas, then drop them
python -m bench.fleet_seed tokens FILE         "host token" per agency, for wrk (fleet.lua)
python -m bench.fleet_seed footprint           one empty agency's relations and bytes (JSON)
"""
# ruff: noqa: E402  (Django must be set up before models are imported)

import json
import secrets
import sys
import time

import django

django.setup()

from django.conf import settings
from django.db import connection
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from shared_apps.signup.actions import agency_signup
from tenant_apps.security.tokens import TenantRefreshToken
from tenants.footprint import schema_footprint
from tenants.models import Agency

PASSWORD = "bench-password-not-secret-2026"


def subdomain(number: int) -> str:
    return f"fleet-{number:05d}"


def build(first: int, count: int) -> dict:
    """Signs up agencies ``first`` … ``first + count - 1`` (those missing); their seconds."""
    existing = set(Agency.objects.values_list("subdomain", flat=True))
    seconds = []
    for number in range(first, first + count):
        if subdomain(number) in existing:
            continue
        started = time.perf_counter()
        agency_signup(
            name=subdomain(number).title(),
            subdomain=subdomain(number),
            owner_name="Fleet Owner",
            owner_email=f"owner@{subdomain(number)}.example",
            owner_password=PASSWORD,
        )
        seconds.append(time.perf_counter() - started)
    return {"signup_seconds": seconds}


def create(count: int) -> dict:
    """Seconds for each of ``count`` new schemas (a spare, as the pool makes them)."""
    seconds = []
    for _ in range(count):
        spare = Agency(schema_name=f"spare_{secrets.token_hex(6)}", is_spare=True)
        started = time.perf_counter()
        spare.save(verbosity=0)
        seconds.append(time.perf_counter() - started)
        spare.delete(force_drop=True)
    return {"create_seconds": seconds}


def tokens(path: str) -> dict:
    """Writes "host access-token" for every fleet agency, as its owner."""
    lines = []
    for agency in Agency.objects.live().prefetch_related("domains").order_by("subdomain"):
        with tenant_context(agency):
            owner = User.objects.order_by("pk").first()
            token = TenantRefreshToken.for_user(owner).access_token
        lines.append(f"{agency.subdomain}.{settings.PLATFORM_DOMAIN} {token}\n")
    with open(path, "w") as file:
        file.writelines(lines)
    return {"agencies": len(lines)}


def footprint() -> dict:
    """One fleet agency's footprint (tenants.footprint), and the whole database's."""
    schema = Agency.objects.live().order_by("pk").values_list("schema_name", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), pg_database_size(current_database()) FROM pg_class")
        catalog_rows, database_bytes = cursor.fetchone()
    return {
        "schema": schema_footprint(schema),
        "pg_class_rows": catalog_rows,
        "database_bytes": database_bytes,
        "agencies": Agency.objects.provisioned().count(),
    }


def main():
    step, *args = sys.argv[1:]
    if step == "build":
        result = build(int(args[0]), int(args[1]))
    elif step == "create":
        result = create(int(args[0]))
    elif step == "tokens":
        result = tokens(args[0])
    elif step == "footprint":
        result = footprint()
    else:
        raise SystemExit(f"unknown step {step!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

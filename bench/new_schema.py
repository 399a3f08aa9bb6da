"""Times a new agency schema, copied from the template or migrated: ``python -m
bench.new_schema [--copies 10] [--migrations 3] [--pool 5]``.

Against the database in DATABASE_URL. Each way: ``Agency(...).save()`` (median wall seconds,
this process's CPU and its PostgreSQL backend's CPU, read from /proc: the database must be on
this machine), then ``schema_pool_fill(size=N)`` from an empty pool. Every agency it makes is
removed afterwards. Prints JSON.
"""
# ruff: noqa: E402  (Django must be set up before models are imported)

import argparse
import json
import os
import resource
import secrets
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection
from django.test.utils import override_settings

from tenants.actions import schema_pool_fill
from tenants.models import Agency
from tenants.template import template_ensure_current


def _cpu() -> tuple[float, int, float]:
    """This process's CPU seconds so far, its database backend's pid and CPU seconds."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    backend = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own.ru_utime + own.ru_stime, pid, backend


def _timed(work) -> dict:
    connection.set_schema_to_public()
    (own_before, pid_before, db_before), start = _cpu(), time.perf_counter()
    work()
    wall = time.perf_counter() - start
    connection.set_schema_to_public()
    own_after, pid_after, db_after = _cpu()
    # None when the work reconnected (a migrate does): the first backend's CPU is gone.
    db = db_after - db_before if pid_after == pid_before else None
    return {"wall": wall, "python_cpu": own_after - own_before, "postgres_cpu": db}


def _medians(runs: list[dict]) -> dict:
    return {
        key: None if None in values else round(statistics.median(values), 3)
        for key in runs[0]
        if (values := [run[key] for run in runs])
    }


def _agency_save() -> None:
    Agency(schema_name=f"bench_{secrets.token_hex(4)}", name="bench").save(verbosity=0)


def main(copies: int, migrations: int, pool: int) -> dict:
    template_ensure_current()
    before = set(Agency.objects.values_list("pk", flat=True))
    spares = list(Agency.objects.spares().values_list("pk", flat=True))
    results = {"load_average_1min": os.getloadavg()[0]}
    try:
        for way, base, count in [("copy", "agency_template", copies), ("migrate", "", migrations)]:
            with override_settings(TENANT_BASE_SCHEMA=base):
                _agency_save()  # warm: imports, caches
                results[f"save_{way}"] = _medians([_timed(_agency_save) for _ in range(count)])
                # From an empty pool: the spares there were step aside meanwhile.
                Agency.objects.filter(pk__in=spares).update(is_spare=False)
                results[f"pool_fill_{pool}_{way}"] = _medians(
                    [_timed(lambda: schema_pool_fill(size=pool))]
                )
                for agency in Agency.objects.spares():
                    agency.delete(force_drop=True)
                Agency.objects.filter(pk__in=spares).update(is_spare=True)
    finally:
        connection.set_schema_to_public()
        Agency.objects.filter(pk__in=spares).update(is_spare=True)
        for agency in Agency.objects.exclude(pk__in=before):
            agency.delete(force_drop=True)
    results["load_average_1min_after"] = os.getloadavg()[0]
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--migrations", type=int, default=3)
    parser.add_argument("--pool", type=int, default=5)
    options = parser.parse_args()
    print(json.dumps(main(options.copies, options.migrations, options.pool), indent=2))

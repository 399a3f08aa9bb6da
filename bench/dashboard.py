"""Team dashboard latency at 100,000 requests in one agency: the home page and
/api/v1/dashboard, as its owner, on gunicorn with DEBUG=false.

    .venv/bin/python bench/dashboard.py                        (~6 minutes, most of it seeding)
    .venv/bin/python bench/dashboard.py --requests 10000 --samples 50 --keep-db

Data: the agency ``bench-lists`` of bench/seed_requests.py (its team, 40 clients and their
people by the real actions; the requests and their timelines bulk-inserted over a year, SLA
columns from the app's own sla_fields), and then, so that every part of the dashboard has
rows to read: an activity log of a year (every request's submission, the client people's
sign-ins), pending approvals on documents and invoices sent, some overdue, made by the real
actions. The log's entries are bulk-inserted, chained as activity_record chains them.

Server: gunicorn, 2 sync workers, the project's settings with DEBUG=false (static files
collected into a temporary folder, as run.py's part 4 does). Each URL is fetched once and
checked (200, the dashboard's parts, the open-request count the seed reports), warmed up,
then fetched ``--samples`` times one after another; p50 and p95 of those. **Goal: p95 under
300 ms** for each. The dashboard caches the clients' health scores for ten minutes (they
read every request of the agency); the last row is the page when they are worked out afresh,
as for the first view after they expire (a fifth as many samples, the cache emptied before
each).

Every run drops and recreates the database ``portal_bench_dashboard`` on the server that
DATABASE_URL names (no other database is touched) and drops it again at the end unless
--keep-db. Tasks queued meanwhile go to the Celery queue ``portal-bench-dashboard``, which no
worker consumes, and cache keys carry that prefix; both are deleted at the end.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from bench.run import (  # noqa: E402
    PRODUCTION_SETTINGS,
    access_token,
    bench_env,
    fetch,
    gunicorn,
    maintenance_connection,
    percentile,
    production_env,
    run,
    wait_until_serving,
    worker_json,
)

BENCH_DB = "portal_bench_dashboard"
BENCH_QUEUE = BENCH_CACHE_PREFIX = "portal-bench-dashboard"
GOAL_P95_MS = 300
HEALTH_CACHE_KEY = "workspace:dashboard:health"  # tenant_apps.workspace.selectors
WARM_UP = 5
PAGE, API = "/", "/api/v1/dashboard"
SIGN_INS = 20_000
PENDING_APPROVALS = 30
INVOICES = 40


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000, help="seeded [100000]")
    parser.add_argument("--samples", type=int, default=100, help="timed fetches per URL [100]")
    parser.add_argument("--keep-db", action="store_true", help=f"keep {BENCH_DB} afterwards")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    started = time.monotonic()
    print(
        f"Client Portal dashboard bench · {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · "
        f"{os.cpu_count()} CPUs · load {os.getloadavg()[0]:.2f} · database {BENCH_DB}",
        flush=True,
    )
    database_url = urlunsplit(
        urlsplit(
            os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/portal")
        )._replace(path=f"/{BENCH_DB}")
    )
    env = bench_env(database_url) | {
        "CELERY_QUEUE": BENCH_QUEUE,
        "CACHE_KEY_PREFIX": BENCH_CACHE_PREFIX,
    }
    try:
        recreate_database(database_url)
        run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env)
        seed_started = time.monotonic()
        seeded = worker_json("bench.seed_requests", env, str(args.requests))
        seeded |= json.loads(
            run([sys.executable, __file__, "--child", seeded["schema"]], env).splitlines()[-1]
        )
        seeded["seed_seconds"] = time.monotonic() - seed_started
        report(seeded, measure(env, seeded, args.samples), args.samples)
    finally:
        forget_redis_keys()
        if not args.keep_db:
            drop_database(database_url)
    print(f"\nTotal {time.monotonic() - started:.0f} s.")


def recreate_database(database_url: str):
    drop_database(database_url)
    with maintenance_connection(database_url) as conn:
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def drop_database(database_url: str):
    with maintenance_connection(database_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def forget_health_scores():
    """As when the cached scores expire (every ten minutes): the next view works them out."""
    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    pattern = f"*:{BENCH_CACHE_PREFIX}:*{HEALTH_CACHE_KEY}"
    keys = list(client.scan_iter(match=pattern))
    if keys:
        client.delete(*keys)


def forget_redis_keys():
    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    patterns = [f"{BENCH_QUEUE}*", f"_kombu.binding*.{BENCH_QUEUE}", f"*:{BENCH_CACHE_PREFIX}:*"]
    keys = [key for pattern in patterns for key in client.scan_iter(match=pattern)]
    if keys:
        client.delete(*keys)


# --- measuring ------------------------------------------------------------------------------


def measure(env: dict, seeded: dict, samples: int) -> dict[str, list[float]]:
    """{label: milliseconds of each timed fetch}."""
    with tempfile.TemporaryDirectory() as static_root:
        server_env = dict(
            production_env(env),
            BENCH_STATIC_ROOT=static_root,
            DJANGO_SETTINGS_MODULE=PRODUCTION_SETTINGS,
        )
        run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], server_env)
        with gunicorn(server_env, PRODUCTION_SETTINGS, PAGE) as server:
            host = {"Host": seeded["host"]}
            wait_until_serving(server, host | {"Cookie": seeded["session_cookie"]})
            access = access_token(server.url, seeded)
            page = (PAGE, host | {"Cookie": seeded["session_cookie"]}, False)
            targets = {
                "page  GET / (HTML)": page,
                "API   GET /api/v1/dashboard": (
                    API,
                    host | {"Authorization": f"Bearer {access}"},
                    False,
                ),
                "page, health worked out afresh": (*page[:2], True),
            }
            timings = {}
            for label, (path, headers, afresh) in targets.items():
                url = urljoin(server.url, path)
                check(url, path, headers, seeded)
                for _ in range(WARM_UP):
                    fetch(url, headers)
                timings[label] = []
                for _ in range(samples if not afresh else max(samples // 5, 5)):
                    if afresh:
                        forget_health_scores()
                    begun = time.perf_counter()
                    fetch(url, headers)
                    timings[label].append((time.perf_counter() - begun) * 1000)
                check(url, path, headers, seeded)  # still the owner's dashboard at the end
    return timings


def check(url: str, path: str, headers: dict, seeded: dict):
    """Exit unless ``url`` is the owner's full team dashboard over the seeded data."""
    body = fetch(url, headers)
    if path == API:
        data = json.loads(body)
        counters = {counter["key"]: counter["count"] for counter in data["counters"]}
        found = counters.get("open_requests")
        if data["side"] != "team" or not data["workload"] or not data["today"]["entries"]:
            sys.exit(f"{url}: not a full team dashboard: {str(data)[:500]}")
        if not data["pending_approvals"]["total"] or not data["clients_needing_attention"]:
            sys.exit(f"{url}: no pending approvals or clients needing attention")
    else:
        text = body.decode()
        for part in ("Workload", "Clients needing attention", "Pending approvals", "Today"):
            if part not in text:
                sys.exit(f"{url}: no {part!r} on the page")
        marker = 'id="counter-open_requests">'
        found = int(text.split(marker)[1].split('class="count">')[1].split("<")[0])
    if found != seeded["open"]:
        sys.exit(f"{url}: {found} open requests, the seed made {seeded['open']}")


def report(seeded: dict, timings: dict[str, list[float]], samples: int):
    print(
        f"\nTeam dashboard of one agency holding {seeded['requests']:,} requests "
        f"({seeded['companies']} clients, {seeded['open']:,} open, {seeded['entries']:,} log "
        f"entries, {seeded['pending']} pending approvals, {seeded['overdue']} overdue invoices;\n"
        f"seeded in {seeded['seed_seconds']:.0f} s), read by its owner: the page with a session "
        "cookie, the API with a JWT.\n"
        f"gunicorn, 2 sync workers, DEBUG=false; {WARM_UP} warm-up fetches, then {samples} "
        "one after another"
    )
    print(f"   {'GET':<32}{'n':>5}{'p50':>8}{'p95':>8}{'max':>8}  (ms)  goal p95 < {GOAL_P95_MS}")
    for label, values in timings.items():
        p95 = percentile(values, 95)
        print(
            f"   {label:<32}{len(values):>5}{statistics.median(values):>8.1f}{p95:>8.1f}"
            f"{max(values):>8.1f}        {'met' if p95 < GOAL_P95_MS else 'MISSED'}"
        )


# --- the child: the rest of the dashboard's data, in the bench database ------------------


def child(schema: str):
    import django

    django.setup()
    print(json.dumps(dashboard_data(schema)))


def dashboard_data(schema: str) -> dict:
    """A year's activity log (each request's submission and the client people's sign-ins),
    pending approvals and sent invoices, some overdue, in the agency of ``schema``."""
    import random
    from datetime import timedelta
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from tenant_apps.activity.models import ActivityEntry
    from tenant_apps.approvals.actions import approval_request
    from tenant_apps.approvals.selectors import approver_candidates
    from tenant_apps.client_requests.models import ClientRequest
    from tenant_apps.documents.actions import document_upload
    from tenant_apps.invoices.actions import invoice_create, invoice_move
    from tenant_apps.invoices.models import Invoice
    from tenant_apps.kit.roles import TeamRole
    from tenant_apps.onboarding.demo_history import pdf_upload
    from tenant_apps.people.models import ClientCompany, ClientMember, TeamMember
    from tenants.models import Agency

    rng = random.Random(7)
    agency = Agency.objects.get(schema_name=schema)
    with tenant_context(agency), transaction.atomic():
        owner = TeamMember.objects.get(role=TeamRole.OWNER).user
        companies = list(ClientCompany.objects.order_by("id"))
        for number, company in enumerate(companies[:PENDING_APPROVALS]):
            document = document_upload(
                company=company,
                upload=pdf_upload(f"Proposal {number}.pdf", "Proposal", ["For approval."]),
                actor=owner,
            )
            approval_request(
                company=company,
                actor=owner,
                approvers=list(approver_candidates(company)[:1]),
                version=document.current_version,
                title=f"Please approve proposal {number}",
            )
        today = timezone.localdate()
        for number in range(INVOICES):
            issued = today - timedelta(days=rng.randint(0, 60))
            invoice = invoice_create(
                company=companies[number % len(companies)],
                number=f"BENCH-{number:04}",
                currency="EUR",
                issue_date=issued,
                due_date=issued + timedelta(days=30),
                lines=[{"description": "Work", "quantity": Decimal(1), "unit_price": Decimal(900)}],
                actor=owner,
            )
            invoice = invoice_move(invoice=invoice, move="send", actor=owner)
            if invoice.due_date < today:
                invoice_move(invoice=invoice, move="mark_overdue")
        # The log: appended after what the actions above wrote, in time order up to now.
        submitted = ClientRequest.objects.values_list(
            "pk", "created_at", "created_by", "created_by__email", "title", "company_id"
        )
        entries = [
            ActivityEntry(
                occurred_at=created_at,
                actor_id=author,
                actor_label=email,
                action="request.submitted",
                object_type="client_requests.clientrequest",
                object_id=str(pk),
                object_label=f"#{pk} {title}"[:200],
                company_id=company_id,
            )
            for pk, created_at, author, email, title, company_id in submitted
        ]
        people = list(ClientMember.objects.values_list("user_id", "user__email", "company_id"))
        year = timedelta(days=365).total_seconds()
        now = timezone.now()
        entries += [
            ActivityEntry(
                occurred_at=now - timedelta(seconds=year * rng.random() ** 2),
                actor_id=user,
                actor_label=email,
                action="auth.signed_in",
                object_type="accounts.user",
                object_id=str(user),
                object_label=email,
                company_id=company_id,
            )
            for user, email, company_id in (rng.choice(people) for _ in range(SIGN_INS))
        ]
        # Chained as activity_record chains each entry to the one before it.
        entries.sort(key=lambda entry: entry.occurred_at)
        previous = ActivityEntry.objects.order_by("-id").values_list("entry_hash", flat=True)[0]
        for entry in entries:
            entry.prev_hash = previous
            entry.seal()
            previous = entry.entry_hash
        ActivityEntry.objects.bulk_create(entries, batch_size=5000)
        overdue = Invoice.objects.filter(status="overdue").count()
        entries_total = ActivityEntry.objects.count()
    with tenant_context(agency), connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return {"entries": entries_total, "pending": PENDING_APPROVALS, "overdue": overdue}


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted")

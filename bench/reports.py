"""Report latency at 100,000 requests in one agency: p50 and p95 of every report page and
API endpoint, served by gunicorn as in production.

    .venv/bin/python bench/reports.py                       ~6 minutes, most of it seeding
    .venv/bin/python bench/reports.py --requests 20000 --repeat 10 --keep-db

Drops and recreates the database ``portal_bench_reports`` on the server DATABASE_URL names
(nothing else is touched), migrates it and signs up one agency, ``bench-reports.localhost``.
Its team, 40 client companies and their people are made by the real actions; the requests
come from bench/seed_requests.py's generator (a year of lifecycles, SLA columns from the
app's own sla_fields), and a year of client activity is bulk-inserted beside them: sign-ins
(hash-chained log entries), uploads, messages, and documents asked for approval in rounds
with their decisions.

Then gunicorn (2 sync workers, DEBUG=false, static files collected to a temporary folder)
serves the owner, and each report page (session cookie) and API endpoint (JWT) is fetched
--repeat times in turn after one untimed warm-up, with the default filters (the last 12
weeks) and with one client chosen. Times are wall-clock per request at the client, one
request at a time. The database is dropped at the end unless --keep-db.
"""

import argparse
import contextlib
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from bench.run import (  # noqa: E402
    access_token,
    bench_env,
    fetch,
    gunicorn,
    maintenance_connection,
    percentile,
    production_env,
    run,
    wait_until_serving,
)

BENCH_DB = "portal_bench_reports"
BENCH_QUEUE = BENCH_CACHE_PREFIX = "portal-bench-reports"
SUBDOMAIN = "bench-reports"
PASSWORD = "bench-password-not-secret-2026"
GOAL_MS = 300
PRODUCTION_SETTINGS = "bench.settings_production"
REPORTS = ["response-time", "sla", "volume", "workload", "approvals", "activity", "health"]
# Client activity over the year, besides the requests.
SIGN_INS_PER_PERSON_WEEK = 2
MESSAGES = 30_000
UPLOADS = 10_000
DOCUMENTS_ASKED = 4_000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000, help="seeded [100000]")
    parser.add_argument("--repeat", type=int, default=30, help="timed fetches each [30]")
    parser.add_argument("--keep-db", action="store_true", help=f"keep {BENCH_DB} afterwards")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)
    started = time.monotonic()
    print(
        f"Client Portal reports bench · {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · "
        f"{os.cpu_count()} CPUs · load {os.getloadavg()[0]:.2f} · database {BENCH_DB}",
        flush=True,
    )
    database_url = _database_url()
    env = dict(
        bench_env(database_url), CELERY_QUEUE=BENCH_QUEUE, CACHE_KEY_PREFIX=BENCH_CACHE_PREFIX
    )
    try:
        _recreate_database(database_url)
        run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env)
        seed_started = time.monotonic()
        seeded = _child_json(env, "seed", str(args.requests))
        print(f"   seeded in {time.monotonic() - seed_started:.0f} s: {json.dumps(seeded)}")
        results = measure(env, seeded, args.repeat)
        report(results, seeded, args)
    finally:
        _forget_redis_keys()
        if not args.keep_db:
            with maintenance_connection(database_url) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    print(f"\nTotal {time.monotonic() - started:.0f} s.")


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/portal")
    return urlunsplit(urlsplit(url)._replace(path=f"/{BENCH_DB}"))


def _recreate_database(database_url: str):
    with maintenance_connection(database_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def _forget_redis_keys():
    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    patterns = [f"{BENCH_QUEUE}*", f"_kombu.binding*.{BENCH_QUEUE}", f"*:{BENCH_CACHE_PREFIX}:*"]
    keys = [key for pattern in patterns for key in client.scan_iter(match=pattern)]
    if keys:
        client.delete(*keys)


def _child_json(env: dict, *args: str):
    output = run([sys.executable, __file__, "--child", *args], env)
    return json.loads(output.splitlines()[-1])


# --- measuring ------------------------------------------------------------------------------


def measure(env: dict, seeded: dict, repeat: int) -> dict[str, list[float]]:
    """{label: milliseconds per fetch} for every page and API endpoint, with and without a
    client chosen."""
    with tempfile.TemporaryDirectory() as static_root:
        server_env = dict(
            production_env(env),
            BENCH_STATIC_ROOT=static_root,
            DJANGO_SETTINGS_MODULE=PRODUCTION_SETTINGS,
        )
        run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], server_env)
        with gunicorn(server_env, PRODUCTION_SETTINGS, "/reports/") as server:
            base = server.url.removesuffix("/reports/")
            page_headers = {"Host": seeded["host"], "Cookie": seeded["session_cookie"]}
            wait_until_serving(server, page_headers)
            api_headers = {
                "Host": seeded["host"],
                "Authorization": f"Bearer {access_token(base, seeded)}",
            }
            targets = {}
            for name in REPORTS:
                for query in ("", urlencode({"company": seeded["big_company"]})):
                    suffix = f"?{query}" if query else ""
                    targets[f"page /reports/{name}/{suffix}"] = (
                        f"{base}/reports/{name}/{suffix}",
                        page_headers,
                    )
                    targets[f"API  /api/v1/reports/{name}{suffix}"] = (
                        f"{base}/api/v1/reports/{name}{suffix}",
                        api_headers,
                    )
            for url, headers in targets.values():
                fetch(url, headers)  # warm-up, and a 200 or the bench stops
            times: dict[str, list[float]] = {label: [] for label in targets}
            for _ in range(repeat):  # in turn, so that drift hits all alike
                for label, (url, headers) in targets.items():
                    began = time.perf_counter()
                    fetch(url, headers)
                    times[label].append((time.perf_counter() - began) * 1000)
    return times


def report(times: dict[str, list[float]], seeded: dict, args):
    print(
        f"\nReports in one agency holding {seeded['requests']:,} requests "
        f"({seeded['companies']} clients; {seeded['sign_ins']:,} sign-ins, "
        f"{seeded['messages']:,} messages,\n{seeded['uploads']:,} uploads, "
        f"{seeded['approvals']:,} approvals), read by its owner; gunicorn, 2 sync workers, "
        f"DEBUG=false;\n{args.repeat} fetches each, one at a time, after a warm-up. "
        f"?company= is the largest client ({seeded['big_company_requests']:,} requests). "
        f"Goal: p95 < {GOAL_MS} ms.\n"
    )
    print(f"   {'GET':<44}{'p50':>7}{'p95':>7}{'max':>7} (ms)")
    worst = 0.0
    for label, values in times.items():
        p95 = percentile(values, 95)
        worst = max(worst, p95)
        flag = "" if p95 < GOAL_MS else "  over the goal"
        print(f"   {label:<44}{percentile(values, 50):>7.0f}{p95:>7.0f}{max(values):>7.0f}{flag}")
    print(f"\n   slowest p95: {worst:.0f} ms (goal {GOAL_MS} ms)")


# --- seeding (in a child process, with Django set up) ---------------------------------------


def child(task: str, *args: str):
    if task == "seed":
        print(json.dumps(seed(int(args[0]))))


def seed(count: int) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from bench import seed_requests
    from shared_apps.signup.actions import agency_signup
    from tenant_apps.client_requests.models import ClientRequest, RequestType

    signup = agency_signup(
        name="Bench Reports",
        subdomain=SUBDOMAIN,
        owner_name="Bench Owner",
        owner_email=f"owner@{SUBDOMAIN}.example",
        owner_password=PASSWORD,
    )
    writer = seed_requests.Writer(seed=2026)
    now = timezone.now()
    with tenant_context(signup.agency):
        with transaction.atomic():
            team, companies = seed_requests.people(signup.owner)
            types = {request_type.key: request_type for request_type in RequestType.objects.all()}
            weights = [1 / (rank + 1) for rank in range(len(companies))]
            picks = writer.random.choices(list(companies), weights=weights, k=count)
            drafts = [
                seed_requests.draft(
                    writer, now, company=company, clients=companies[company], team=team, types=types
                )
                for company in picks
            ]
            seed_requests.insert(drafts)
            seed_requests.sla_columns_fill(now)
            activity = client_activity_insert(writer.random, now, team, companies)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        client = Client()
        client.force_login(signup.owner)
        biggest = (
            ClientRequest.objects.values("company_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        return {
            "host": signup.agency.domains.get().domain,
            "email": signup.owner.email,
            "password": PASSWORD,
            "session_cookie": f"{settings.SESSION_COOKIE_NAME}="
            f"{client.cookies[settings.SESSION_COOKIE_NAME].value}",
            "requests": ClientRequest.objects.count(),
            "companies": len(companies),
            "big_company": biggest["company_id"],
            "big_company_requests": biggest["n"],
            **activity,
        }


def client_activity_insert(rand: random.Random, now, team, companies) -> dict:
    """A year of client activity, bulk-inserted: sign-ins, uploads, messages, and documents
    asked for approval in rounds (changes requested, then approved on the next version)."""
    from tenant_apps.activity.actions import GENESIS_HASH
    from tenant_apps.activity.models import ActivityEntry
    from tenant_apps.approvals.models import ApprovalDecision, ApprovalRequest
    from tenant_apps.documents.models import Document, DocumentKind, DocumentVersion
    from tenant_apps.files.models import StoredFile
    from tenant_apps.messaging.models import Message, Thread

    year = timedelta(days=365)

    def some_time(after=None, hours=48.0):
        if after is None:
            return now - timedelta(seconds=rand.uniform(0, year.total_seconds()))
        return after + timedelta(hours=rand.expovariate(1 / hours))

    clients = [(company, person) for company, people in companies.items() for person in people]
    files = []

    def stored(by, at):
        digest = hashlib.sha256(f"{len(files)}".encode()).hexdigest()
        files.append(
            StoredFile(
                key=f"bench/{digest}",
                name=f"file-{len(files)}.pdf",
                size=1000,
                sha256=digest,
                content_type="application/pdf",
                uploaded_by=by,
                created_at=at,
            )
        )
        return files[-1]

    for _ in range(UPLOADS):
        _, person = rand.choice(clients)
        stored(person, some_time())
    # Documents asked about in rounds: each round a new version, decided by a client person.
    log = []  # (time, actor, action, company) for the hash-chained log
    documents, versions, approvals, decisions = [], [], [], []
    for number in range(DOCUMENTS_ASKED):
        company = rand.choice(list(companies))
        approver = companies[company][1]
        asked = some_time()
        document = Document(
            company=company,
            name=f"Deliverable {number}",
            kind=DocumentKind.DELIVERABLE,
            created_by=rand.choice(team),
            created_at=asked,
            updated_at=asked,
        )
        documents.append(document)
        for round_number in range(1, rand.choice([1, 1, 2, 3]) + 1):
            file = stored(document.created_by, asked)
            version = DocumentVersion(
                document=document, number=round_number, file=file, created_at=asked
            )
            versions.append(version)
            decided = some_time(asked, 30)
            final = round_number == 3 or rand.random() < 0.6
            status = "approved" if final else "changes_requested"
            if decided > now:
                status, decided = "pending", None
            approval = ApprovalRequest(
                company=company,
                version=version,
                sha256=file.sha256,
                title=f"Please approve {document.name}",
                requested_by=document.created_by,
                created_at=asked,
                status=status,
                completed_at=decided,
            )
            approvals.append(approval)
            if decided is None:
                break
            decisions.append((approval, approver, status, decided))
            log.append((decided, approver, "approval.decided", company))
            if status == "approved":
                break
            asked = some_time(decided, 24)
            if asked > now:
                break
    for company, person in clients:
        for _ in range(SIGN_INS_PER_PERSON_WEEK * 52):
            log.append((some_time(), person, "auth.signed_in", company))
    for member in team:
        for _ in range(200):
            log.append((some_time(), member, "auth.signed_in", None))
    StoredFile.objects.bulk_create(files, batch_size=5000)
    # Each later batch takes its keys from the objects saved before it.
    Document.objects.bulk_create(documents, batch_size=5000)
    DocumentVersion.objects.bulk_create(versions, batch_size=5000)
    ApprovalRequest.objects.bulk_create(approvals, batch_size=5000)
    # The log in time order, each entry chained to the one before, as activity_record does.
    log.sort(key=lambda item: item[0])
    previous = (
        ActivityEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        or GENESIS_HASH
    )
    entries = []
    for occurred_at, actor, action, company in log:
        entry = ActivityEntry(
            occurred_at=occurred_at,
            actor=actor,
            actor_label=actor.email,
            action=action,
            object_type="accounts.user",
            object_id=str(actor.pk),
            object_label=str(actor)[:200],
            company=company,
            prev_hash=previous,
        )
        entry.seal()
        previous = entry.entry_hash
        entries.append(entry)
    ActivityEntry.objects.bulk_create(entries, batch_size=5000)
    decided_entries = iter(entry for entry in entries if entry.action == "approval.decided")
    ApprovalDecision.objects.bulk_create(
        [
            ApprovalDecision(
                approval=approval,
                decided_by=approver,
                decision=status,
                sha256=approval.sha256,
                signed_in_by="password",
                decided_at=decided,
                activity_entry=next(decided_entries),
            )
            for approval, approver, status, decided in sorted(decisions, key=lambda d: d[3])
        ],
        batch_size=5000,
    )
    threads = {
        company: Thread.objects.create(company=company, created_by=people[0])
        for company, people in companies.items()
    }
    messages = []
    for _ in range(MESSAGES):
        company, person = rand.choice(clients)
        author = person if rand.random() < 0.5 else rand.choice(team)
        messages.append(
            Message(thread=threads[company], author=author, body="Thanks!", created_at=some_time())
        )
    Message.objects.bulk_create(messages, batch_size=5000)
    return {
        "sign_ins": sum(1 for entry in entries if entry.action == "auth.signed_in"),
        "uploads": UPLOADS,
        "messages": MESSAGES,
        "approvals": len(approvals),
    }


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()

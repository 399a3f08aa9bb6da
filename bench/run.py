"""Client Portal's benchmarks; prints a table of figures (see bench/README.md).

    .venv/bin/python bench/run.py                      all four parts (~7 minutes)
    .venv/bin/python bench/run.py --part tax           one part; repeat --part for more

Every run drops and recreates the database ``portal_bench`` on the server that
DATABASE_URL names (the dev and test databases are never touched) and drops it
again at the end unless --keep-db.
"""

import argparse
import contextlib
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import typing
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.request import HTTPRedirectHandler, Request, build_opener

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import redis  # noqa: E402

from config.env import database_from_url  # noqa: E402

BENCH_DB = os.environ.get("BENCH_DB", "portal_bench")  # another name keeps runs apart
# Celery queue and cache prefix of their own, so no running worker or dev cache sees bench data.
BENCH_QUEUE = BENCH_CACHE_PREFIX = "portal-bench"
# Shared by the seeding processes and the servers, so sessions made in one work in the other.
BENCH_SECRET_KEY = "bench-only-secret-key-bench-only-secret-key-0123456789"
VENV_BIN = Path(sys.executable).parent
VIEW_PATH = "/activity/"
VARIANTS = {
    "plain": ("plain Django, no tenancy", "bench.settings_plain"),
    "project": ("project: TenantHostMiddleware", "bench.settings_tenant"),
    "stock": ("stock: TenantMainMiddleware", "bench.settings_stock"),
}
# Part 1's wrk runs: name → (server variant, how many bench agencies it alternates).
TAX_RUNS = {
    "plain": ("plain", 1),
    "project": ("project", 1),
    "project-2": ("project", 2),
    "stock": ("stock", 1),
}
HOSTS_SCRIPT = Path(__file__).with_name("hosts.lua")
TAX_GOAL = 0.90
# A run during which other processes used this many CPUs is marked and left out of the median.
INTERFERENCE_CPUS = 0.2
POOL_P50_GOAL_MS = 300
WARM_UP_SECONDS = 3
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
BUSY_LOAD = 1.0  # 1-minute load average above which other work skews the figures
SERVER_CONN_MAX_AGE = 3600  # longer than any run of the bench
PARTS = ["tax", "queries", "signup", "requests", "pages"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--part",
        action="append",
        choices=PARTS,
        help="run only this part (repeatable); default: all",
    )
    parser.add_argument("--rounds", type=int, default=2, help="wrk runs per variant [2]")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run [10]")
    parser.add_argument("--signups", type=int, default=50, help="timed signups per mode [50]")
    parser.add_argument("--keep-db", action="store_true", help=f"keep {BENCH_DB} afterwards")
    args = parser.parse_args()
    parts = args.part or PARTS
    if {"tax", "requests"} & set(parts) and not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    # Turn `kill` into an exception so the finally blocks stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    database_url = bench_database_url()
    env = bench_env(database_url)
    started = time.monotonic()
    load = os.getloadavg()[0]
    print(
        f"Client Portal benchmarks · {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · "
        f"{os.cpu_count()} CPUs · load {load:.2f} · Python {platform.python_version()} · "
        f"database {BENCH_DB}",
        flush=True,
    )
    if load > BUSY_LOAD:
        print("   warning: the machine is busy; other processes will skew these figures")
    try:
        recreate_database(database_url)
        run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env)
        if {"tax", "queries"} & set(parts):
            agencies = worker_json("bench.seed", env)
        if "tax" in parts:
            report_tax(tenancy_tax(env, agencies, args.rounds, args.duration), args)
        if "queries" in parts:
            report_queries(statement_counts(env, agencies))
        if "signup" in parts:
            report_signup(worker_json("bench.signup", env, str(args.signups)), args.signups)
        if "requests" in parts:
            report_lists(*list_rates(env, args.rounds, args.duration), args)
        if "pages" in parts:
            report_pages(page_costs(env))
    finally:
        forget_redis_keys()
        if not args.keep_db:
            drop_database(database_url)
    print(f"\nTotal {time.monotonic() - started:.0f} s.")


# --- database and environment -------------------------------------------------------------


def bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/portal")
    return urlunsplit(urlsplit(url)._replace(path=f"/{BENCH_DB}"))


def bench_env(database_url: str) -> dict:
    return dict(
        os.environ,
        DATABASE_URL=database_url,
        CONN_MAX_AGE="60",
        CELERY_QUEUE=BENCH_QUEUE,
        CACHE_KEY_PREFIX=BENCH_CACHE_PREFIX,
        SECRET_KEY=BENCH_SECRET_KEY,
        # In-process parts render templates, which need the dev static storage.
        DEBUG="true",
        LOG_LEVEL="WARNING",  # not a line per sign-in
        PYTHONUNBUFFERED="1",
    )


def maintenance_connection(database_url: str) -> psycopg.Connection:
    settings = database_from_url(database_url)
    params = {
        "host": settings["HOST"],
        "port": settings["PORT"],
        "user": settings["USER"],
        "password": settings["PASSWORD"],
    }
    return psycopg.connect(
        dbname="postgres", autocommit=True, **{k: v for k, v in params.items() if v}
    )


def recreate_database(database_url: str):
    drop_database(database_url)
    with maintenance_connection(database_url) as conn:
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def drop_database(database_url: str):
    with maintenance_connection(database_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def forget_redis_keys():
    """Drops the bench's queued pool-refill tasks and cache entries."""
    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    patterns = [f"{BENCH_QUEUE}*", f"_kombu.binding*.{BENCH_QUEUE}", f"*:{BENCH_CACHE_PREFIX}:*"]
    keys = [key for pattern in patterns for key in client.scan_iter(match=pattern)]
    if keys:
        client.delete(*keys)


def run(command: list[str], env: dict) -> str:
    return subprocess.run(
        command, cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True
    ).stdout


def worker_json(module: str, env: dict, *args: str):
    """Runs ``python -m module`` and parses the JSON it prints last."""
    return json.loads(run([sys.executable, "-m", module, *args], env).splitlines()[-1])


# --- 1. tenancy tax -----------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    log: typing.IO[bytes]


@dataclass(frozen=True)
class WrkResult:
    rate: float  # req/s
    p50_ms: float
    p99_ms: float
    requests: int


@dataclass(frozen=True)
class Run:
    wrk: WrkResult
    others: float  # CPUs used meanwhile by processes other than the bench's and wrk
    cpu_ms: float  # CPU time the bench's processes (``ours``) spent per request

    @property
    def disturbed(self) -> bool:
        return self.others >= INTERFERENCE_CPUS


def tenancy_tax(env: dict, agencies: list[dict], rounds: int, duration: int) -> dict:
    """(req/s, other processes' CPUs) of each run per round.

    The runs take turns, in reverse order every other round.
    """
    hosts = [agency["host"] for agency in agencies]
    server_env = dict(production_env(env), BENCH_SCHEMA=agencies[0]["schema"])
    with gunicorn_servers(server_env, hosts[0]) as servers:
        for server in servers.values():
            wrk(server.url, WARM_UP_SECONDS, hosts=hosts)
        ours = bench_pids([server.process.pid for server in servers.values()], env["DATABASE_URL"])
        jobs = {
            run: (servers[variant].url, {"hosts": hosts[:tenants]})
            for run, (variant, tenants) in TAX_RUNS.items()
        }
        return wrk_rounds(jobs, rounds, duration, ours)


def production_env(env: dict) -> dict:
    """Production request handling: no query log, no debug pages."""
    return dict(
        env,
        DEBUG="false",
        # Production's 60 s would replace each worker's PostgreSQL backend every minute, in the
        # middle of runs; the bench counts the backends it found at the start as its own, and
        # a new one's CPU would pass for another process's.
        CONN_MAX_AGE=str(SERVER_CONN_MAX_AGE),
        SECURE_SSL_REDIRECT="false",  # plain HTTP on loopback
        ANYMAIL_ESP="postmark",  # required in production; the benchmarked views send no mail
    )


def wrk_rounds(jobs: dict, rounds: int, duration: int, ours: list[int]) -> dict[str, list[Run]]:
    """{job: [its Run in each round]} for jobs {name: (url, wrk keyword arguments)}, which
    take turns, in reverse order every other round."""
    runs = {name: [] for name in jobs}
    for number in range(rounds):
        order = list(jobs) if number % 2 == 0 else list(reversed(jobs))
        for name in order:
            url, options = jobs[name]
            runs[name].append(wrk_beside_others(url, duration, ours, **options))
    return runs


def bench_pids(gunicorn_pids: list[int], database_url: str) -> list[int]:
    """The gunicorn masters and workers, and the PostgreSQL backends serving the bench DB."""
    with maintenance_connection(database_url) as conn:
        backends = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [BENCH_DB]
        ).fetchall()
    servers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):  # the process has gone meanwhile
            if int(_stat_fields(stat)[2]) in gunicorn_pids:  # its process group
                servers.append(int(stat.parent.name))
    return servers + [pid for (pid,) in backends]


def wrk_beside_others(url: str, seconds: int, ours: list[int], **options) -> Run:
    busy, own, children = _busy_ticks(), _process_ticks(ours), _children_seconds()
    result = wrk(url, seconds, **options)
    own_seconds = (_process_ticks(ours) - own) / CLOCK_TICKS
    others = (
        (_busy_ticks() - busy) / CLOCK_TICKS - own_seconds - (_children_seconds() - children)
    ) / seconds
    return Run(result, max(others, 0.0), own_seconds * 1000 / result.requests)


def _busy_ticks() -> int:
    """user + nice + system + steal on all CPUs (interrupt time is not charged to processes)."""
    values = Path("/proc/stat").read_text().split(maxsplit=9)[1:9]
    return sum(int(values[index]) for index in (0, 1, 2, 7))


def _process_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = _stat_fields(Path(f"/proc/{pid}/stat"))
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def _stat_fields(path: Path) -> list[str]:
    """/proc/PID/stat after the command name, so fields[0] is the state."""
    return path.read_text().rsplit(")", 1)[1].split()


def _children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextlib.contextmanager
def gunicorn_servers(env: dict, host: str):
    with contextlib.ExitStack() as stack:
        servers = {
            name: stack.enter_context(gunicorn(env, settings_module, VIEW_PATH))
            for name, (_, settings_module) in VARIANTS.items()
        }
        bodies = {
            name: wait_until_serving(server, {"Host": host}) for name, server in servers.items()
        }
        if len(set(bodies.values())) != 1 or len(json.loads(bodies["plain"])["entries"]) != 20:
            sys.exit(f"the variants do not serve the same 20 rows: {bodies}")
        yield servers


@contextlib.contextmanager
def gunicorn(env: dict, settings_module: str, path: str):
    """A Server: gunicorn with 2 sync workers on a free port; its url is ``path`` on it."""
    port = free_port()
    command = [
        str(VENV_BIN / "gunicorn"),
        "config.wsgi:application",
        "--workers=2",
        "--worker-class=sync",
        f"--bind=127.0.0.1:{port}",
        "--no-control-socket",
        "--log-level=warning",
    ]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=dict(env, DJANGO_SETTINGS_MODULE=settings_module),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us, and we stop it
        )
        try:
            yield Server(process, f"http://127.0.0.1:{port}{path}", log)
        finally:
            stop(process)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(server: Server, headers: dict, timeout: float = 30) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.process.poll() is None:
        try:
            return fetch(server.url, headers)
        except HTTPError as error:
            sys.exit(f"{server.url} answered {error.code}, not 200")
        except (URLError, ConnectionError):
            time.sleep(0.2)
    server.log.seek(0)
    sys.exit(f"gunicorn at {server.url} did not serve:\n{server.log.read().decode()[-3000:]}")


class _NoRedirects(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # so a redirect (to the sign-in page, say) is an HTTPError


_opener = build_opener(_NoRedirects)


def fetch(url: str, headers: dict, data: bytes | None = None) -> bytes:
    """The body of a 2xx answer to GET (or POST ``data``); any other answer is an HTTPError."""
    with _opener.open(Request(url, data=data, headers=headers), timeout=10) as response:
        return response.read()


def stop(process: subprocess.Popen):
    if process.poll() is not None:
        return
    process.terminate()  # gunicorn's graceful stop: the master stops its workers
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: master and workers only
        process.wait()


def wrk(url: str, seconds: int, *, hosts: list[str] = (), headers: dict | None = None):
    """One run of 8 connections; ``hosts``: Host headers to take turns with (hosts.lua)."""
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if hosts:
        command += ["-s", str(HOSTS_SCRIPT), url, "--", *hosts]
    else:
        command.append(url)
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    failures = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if failures:
        sys.exit(f"{url}: {failures.group(1)} responses were not 2xx/3xx:\n{output}")
    errors = re.search(r"Socket errors: .*", output)
    if errors:
        print(f"  note: {url}: {errors.group(0)}", flush=True)
    try:
        return WrkResult(
            rate=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
            p50_ms=_latency_ms(output, 50),
            p99_ms=_latency_ms(output, 99),
            requests=int(re.search(r"(\d+) requests in", output).group(1)),
        )
    except AttributeError:  # a line is missing
        sys.exit(f"{url}: wrk printed no req/s or latency:\n{output}")


def _latency_ms(output: str, percent: int) -> float:
    """From --latency's distribution, where wrk prints e.g. "99%  812.00us" (or ms, s, m)."""
    value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def report_tax(runs: dict, args):
    medians = {run: _median(results, "wrk.rate") for run, results in runs.items()}
    plain = medians["plain"]
    print(
        f"\n1. Tenancy tax: GET {VIEW_PATH} (20 rows as JSON) under gunicorn, 2 sync workers, "
        f"CONN_MAX_AGE={SERVER_CONN_MAX_AGE}\n   wrk -t2 -c8 -d{args.duration}s after a "
        f"{WARM_UP_SECONDS} s warm-up, {args.rounds} rounds; ratio = median req/s ÷ plain's"
    )
    print(f"   {'variant':<34}{'req/s':>8}  {'per round':<24}{'ratio':>6}")
    for run, (variant, tenants) in TAX_RUNS.items():
        label = VARIANTS[variant][0] if tenants == 1 else f"  the same, {tenants} tenants in turn"
        ratio = medians[run] / plain
        verdict = ""
        if run == "project":
            verdict = f"  goal ≥ {TAX_GOAL:.2f}: " + ("met" if ratio >= TAX_GOAL else "MISSED")
        print(
            f"   {label:<34}{medians[run]:>8,.0f}  {_per_round(runs[run]):<24}{ratio:>6.2f}"
            f"{verdict}"
        )
    _print_interference(runs)


def _median(runs: list[Run], figure: str) -> float:
    """The median of one figure ("wrk.rate", say) over the runs other processes left alone
    (over all, if none was)."""
    undisturbed = [run for run in runs if not run.disturbed]
    return statistics.median(map(attrgetter(figure), undisturbed or runs))


def _per_round(runs: list[Run]) -> str:
    return " / ".join(f"{run.wrk.rate:,.0f}" + ("*" if run.disturbed else "") for run in runs)


def _print_interference(runs: dict[str, list[Run]]):
    most = max(run.others for results in runs.values() for run in results)
    print(
        f"   other processes used up to {most:.2f} CPUs during a run; * marks runs where they\n"
        f"   used ≥ {INTERFERENCE_CPUS}, left out of the medians unless all were"
    )


# --- 2. statements per request -----------------------------------------------------------


def statement_counts(env: dict, agencies: list[dict]) -> dict:
    hosts = [agency["host"] for agency in agencies]
    counts = {}
    for name, (_, settings_module) in VARIANTS.items():
        variant_env = dict(
            env, DJANGO_SETTINGS_MODULE=settings_module, BENCH_SCHEMA=agencies[0]["schema"]
        )
        # Without tenancy the host picks nothing, so one host is all there is to measure.
        variant_hosts = hosts[:1] if name == "plain" else hosts
        counts[name] = worker_json("bench.queries", variant_env, *variant_hosts)
    return counts


def report_queries(counts: dict):
    own = counts["plain"]["single"]
    print(
        "\n2. SQL statements per request beyond the view's own, warm connection, in process\n"
        f"   (the view's own = the same request without tenancy = {own:g}; goal: 0)"
    )
    print(f"   {'variant':<34}{'one tenant':>11}{'two alternating':>17}")
    for name in ("project", "stock"):
        label, _ = VARIANTS[name]
        single = counts[name]["single"] - own
        alternating = counts[name]["alternating"] - own
        print(f"   {label:<34}{single:>11.2f}{alternating:>17.2f}")
    print("   statements of one warm one-tenant request:")
    for name in VARIANTS:
        for sql in counts[name]["sql"]:
            print(f"     {name:<8}{shorten(sql, 90)}")


def shorten(sql: str, width: int) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= width else sql[: width - 1] + "…"


# --- 3. signup latency ---------------------------------------------------------------------


def report_signup(result: dict, count: int):
    print(
        f"\n3. Signup → workspace home, {count} signups per mode after one warm-up, Argon2, "
        "in process\n   (POST /signup/ on the platform host → handoff GET → home GET 200)"
    )
    header = f"{'p50':>7}{'p99':>7}   p50 of: {'POST':>5}{'handoff':>8}{'home':>5}"
    print(f"   {'mode':<34}{header}  (ms)")
    p50s = {}
    for mode, label in (("pool", "spare-schema pool"), ("migrate", "no pool (migrate per signup)")):
        totals = [sum(phases) * 1000 for phases in result[mode]]
        p50s[mode] = percentile(totals, 50)
        post, handoff, home = (
            statistics.median(column) * 1000 for column in zip(*result[mode], strict=True)
        )
        print(
            f"   {label:<34}{p50s[mode]:>7.0f}{percentile(totals, 99):>7.0f}"
            f"{'':>11}{post:>5.0f}{handoff:>8.0f}{home:>5.0f}"
        )
    verdict = "met" if p50s["pool"] <= POOL_P50_GOAL_MS else "MISSED"
    print(f"   goal: pool p50 ≤ {POOL_P50_GOAL_MS} ms: {verdict}")
    total, tenant = result["migrations_total"], result["migrations_tenant_apps"]
    print(
        f"   a new schema runs {total} migrations: {tenant} of TENANT_APPS create its tables, "
        f"the other {total - tenant} are only recorded"
    )
    fill, spares = result["pool_fill_seconds"], result["pool_fill_schemas"]
    each = fill / spares * 1000
    print(f"   untimed pool fill: {spares} spares in {fill:.1f} s ({each:.0f} ms each)")


def percentile(values: list[float], rank: int) -> float:
    """Interpolated between the nearest samples; p99 of 50 lies between the two slowest."""
    return statistics.quantiles(values, n=100, method="inclusive")[rank - 1]


# --- 4. request lists at 10,000 requests --------------------------------------------------

LIST_REQUESTS = 10_000
LIST_PAGE, LIST_API = "/requests/", "/api/v1/requests"
LIST_ROWS = {LIST_PAGE: 25, LIST_API: 50}  # views.PAGE_SIZE, api.Keyset.page_size
PRODUCTION_SETTINGS = "bench.settings_production"


@dataclass(frozen=True)
class ListTarget:
    path: str  # with the query
    headers: dict
    matching: int  # requests the filter lets through

    @property
    def rows(self) -> int:
        return min(self.matching, LIST_ROWS[urlsplit(self.path).path])


def list_rates(env: dict, rounds: int, duration: int) -> tuple[dict, dict, dict]:
    """(what was seeded, {label: ListTarget}, {label: runs as wrk_rounds gives them})."""
    seeded = worker_json("bench.seed_requests", env, str(LIST_REQUESTS))
    with tempfile.TemporaryDirectory() as static_root:
        server_env = dict(
            production_env(env),
            BENCH_STATIC_ROOT=static_root,
            DJANGO_SETTINGS_MODULE=PRODUCTION_SETTINGS,
        )
        run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], server_env)
        with gunicorn(server_env, PRODUCTION_SETTINGS, LIST_PAGE) as server:
            wait_until_serving(server, {"Host": seeded["host"], "Cookie": seeded["session_cookie"]})
            targets = list_targets(seeded, access_token(server.url, seeded))
            jobs = {
                label: (urljoin(server.url, target.path), {"headers": target.headers})
                for label, target in targets.items()
            }
            for label, (url, options) in jobs.items():
                list_check(url, targets[label])
                wrk(url, WARM_UP_SECONDS, **options)
            ours = bench_pids([server.process.pid], env["DATABASE_URL"])
            runs = wrk_rounds(jobs, rounds, duration, ours)
            for label, (url, _) in jobs.items():  # still answering as the owner, to the end
                list_check(url, targets[label])
    return seeded, targets, runs


def access_token(url: str, seeded: dict) -> str:
    """The owner's JWT access token, from the API's sign-in (as tests/test_isolation.py does)."""
    body = json.dumps({"email": seeded["email"], "password": seeded["password"]}).encode()
    headers = {"Host": seeded["host"], "Content-Type": "application/json"}
    return json.loads(fetch(urljoin(url, "/api/v1/auth/token"), headers, body))["access"]


def list_targets(seeded: dict, access: str) -> dict[str, ListTarget]:
    word = seeded["search_word"]
    filters = {
        "": seeded["requests"],
        "?status=open": seeded["open"],
        f"?q={word}": seeded["matching"],
    }
    signed_in = {
        LIST_PAGE: ("page", {"Cookie": seeded["session_cookie"]}),
        LIST_API: ("API", {"Authorization": f"Bearer {access}"}),
    }
    return {
        f"{surface:<5}{path}{query}": ListTarget(
            f"{path}{query}", {"Host": seeded["host"]} | credentials, matching
        )
        for path, (surface, credentials) in signed_in.items()
        for query, matching in filters.items()
    }


def list_check(url: str, target: ListTarget):
    """Exits unless ``url`` answers 200 with the rows ``target`` expects, to the owner."""
    try:
        body = fetch(url, target.headers)
    except HTTPError as error:
        sys.exit(f"{url} answered {error.code}, not 200")
    if urlsplit(url).path == LIST_API:
        shown = len(json.loads(body)["results"])
    else:  # the page says how many match, and links each row shown
        if f">{target.matching} ".encode() not in body:
            sys.exit(f"{url} does not say {target.matching} requests match")
        shown = len(set(re.findall(rb'href="/requests/(\d+)/"', body)))
    if shown != target.rows:
        sys.exit(f"{url} showed {shown} rows, not {target.rows}")


def report_lists(seeded: dict, targets: dict, runs: dict, args):
    print(
        f"\n4. Request lists in one agency holding {seeded['requests']:,} requests "
        f"({seeded['companies']} clients, {seeded['events']:,} timeline events,\n"
        f"   {seeded['open']} open; seeded in {seeded['seed_seconds']:.0f} s), read by its owner: "
        "the page with a session cookie, the API with a JWT.\n"
        f"   gunicorn, 2 sync workers, DEBUG=false, CONN_MAX_AGE={SERVER_CONN_MAX_AGE}; "
        f"wrk -t2 -c8 -d{args.duration}s --latency after a {WARM_UP_SECONDS} s\n"
        f"   warm-up, {args.rounds} rounds; figures are medians over the rounds; CPU = what the\n"
        "   workers and their PostgreSQL backends used per request"
    )
    print(
        f"   {'GET':<34}{'match':>6}{'rows':>5}{'req/s':>7}  {'per round':<14}"
        f"{'p50':>6}{'p99':>6}{'CPU':>6} (ms)"
    )
    for label, target in targets.items():
        results = runs[label]
        print(
            f"   {label:<34}{target.matching:>6}{target.rows:>5}"
            f"{_median(results, 'wrk.rate'):>7,.0f}  {_per_round(results):<14}"
            f"{_median(results, 'wrk.p50_ms'):>6.0f}{_median(results, 'wrk.p99_ms'):>6.0f}"
            f"{_median(results, 'cpu_ms'):>6.1f}"
        )
    _print_interference(runs)


# --- 5. page vs API CPU -------------------------------------------------------------------

PAGE_GOAL = 1.5  # a page may cost at most this many times its API list's CPU


def page_costs(env: dict) -> dict:
    """bench/page_cpu.py in production settings (DEBUG off, static files collected)."""
    with tempfile.TemporaryDirectory() as static_root:
        worker_env = dict(
            production_env(env),
            BENCH_STATIC_ROOT=static_root,
            DJANGO_SETTINGS_MODULE=PRODUCTION_SETTINGS,
        )
        run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], worker_env)
        return worker_json("bench.page_cpu", worker_env)


def report_pages(result: dict):
    print(
        f"\n5. Page vs API CPU per GET, in process (Django's test client), DEBUG=false, the demo\n"
        f"   agency plus {result['clients']} client companies, read by its owner; median of "
        "5 rounds of 20 after 5 warm-up GETs"
    )
    print(f"   {'list':<11}{'page ms':>9}{'API ms':>8}{'ratio':>7}{'queries page/API':>18}")
    for label, row in result["lists"].items():
        mark = "" if row["ratio"] <= PAGE_GOAL else f"  > {PAGE_GOAL}"
        print(
            f"   {label:<11}{row['page_ms']:>9.1f}{row['api_ms']:>8.1f}{row['ratio']:>7.2f}"
            f"{row['page_queries']:>11} / {row['api_queries']}{mark}"
        )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted")

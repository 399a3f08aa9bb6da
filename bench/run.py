"""Client Portal's benchmarks; prints a table of figures (see bench/README.md).

    .venv/bin/python bench/run.py                      all three parts (~4 minutes)
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
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlsplit, urlunsplit
from urllib.request import Request, urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import redis  # noqa: E402

from config.env import database_from_url  # noqa: E402

BENCH_DB = "portal_bench"
# Celery queue and cache prefix of their own, so no running worker or dev cache sees bench data.
BENCH_QUEUE = BENCH_CACHE_PREFIX = "portal-bench"
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--part",
        action="append",
        choices=["tax", "queries", "signup"],
        help="run only this part (repeatable); default: all",
    )
    parser.add_argument("--rounds", type=int, default=2, help="wrk runs per variant [2]")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run [10]")
    parser.add_argument("--signups", type=int, default=50, help="timed signups per mode [50]")
    parser.add_argument("--keep-db", action="store_true", help=f"keep {BENCH_DB} afterwards")
    args = parser.parse_args()
    parts = args.part or ["tax", "queries", "signup"]
    if "tax" in parts and not shutil.which("wrk"):
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
        agencies = worker_json("bench.seed", env)
        if "tax" in parts:
            report_tax(tenancy_tax(env, agencies, args.rounds, args.duration), args)
        if "queries" in parts:
            report_queries(statement_counts(env, agencies))
        if "signup" in parts:
            report_signup(worker_json("bench.signup", env, str(args.signups)), args.signups)
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


def tenancy_tax(env: dict, agencies: list[dict], rounds: int, duration: int) -> dict:
    """(req/s, other processes' CPUs) of each run per round.

    The runs take turns, in reverse order every other round.
    """
    database_url = env["DATABASE_URL"]
    hosts = [agency["host"] for agency in agencies]
    server_env = dict(
        env,
        # Production request handling: no query log, no debug pages.
        DEBUG="false",
        SECRET_KEY="bench-only-secret-key-bench-only-secret-key-0123456789",
        SECURE_SSL_REDIRECT="false",  # plain HTTP on loopback
        ANYMAIL_ESP="postmark",  # required in production; this view sends no mail
        BENCH_SCHEMA=agencies[0]["schema"],
    )
    runs = {run: [] for run in TAX_RUNS}
    with gunicorn_servers(server_env, hosts[0]) as servers:
        for server in servers.values():
            wrk(server.url, hosts, WARM_UP_SECONDS)
        ours = bench_pids([server.process.pid for server in servers.values()], database_url)
        for number in range(rounds):
            order = list(TAX_RUNS) if number % 2 == 0 else list(reversed(TAX_RUNS))
            for run in order:
                variant, tenants = TAX_RUNS[run]
                runs[run].append(
                    wrk_beside_others(servers[variant].url, hosts[:tenants], duration, ours)
                )
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


def wrk_beside_others(url: str, hosts: list[str], seconds: int, ours: list[int]) -> tuple:
    """(req/s, CPUs used meanwhile by processes other than ``ours`` and wrk)."""
    busy, own, children = _busy_ticks(), _process_ticks(ours), _children_seconds()
    rate = wrk(url, hosts, seconds)
    others = (
        (_busy_ticks() - busy - _process_ticks(ours) + own) / CLOCK_TICKS
        - (_children_seconds() - children)
    ) / seconds
    return rate, max(others, 0.0)


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
        servers = {}
        for name, (_, settings_module) in VARIANTS.items():
            port = free_port()
            log = stack.enter_context(tempfile.TemporaryFile())
            command = [
                str(VENV_BIN / "gunicorn"),
                "config.wsgi:application",
                "--workers=2",
                "--worker-class=sync",
                f"--bind=127.0.0.1:{port}",
                "--no-control-socket",
                "--log-level=warning",
            ]
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=dict(env, DJANGO_SETTINGS_MODULE=settings_module),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches us, and we stop it
            )
            stack.callback(stop, process)
            servers[name] = Server(process, f"http://127.0.0.1:{port}{VIEW_PATH}", log)
        bodies = {name: wait_until_serving(server, host) for name, server in servers.items()}
        if len(set(bodies.values())) != 1 or len(json.loads(bodies["plain"])["entries"]) != 20:
            sys.exit(f"the variants do not serve the same 20 rows: {bodies}")
        yield servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(server: Server, host: str, timeout: float = 30) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.process.poll() is None:
        try:
            with urlopen(Request(server.url, headers={"Host": host}), timeout=5) as response:
                return response.read()
        except (URLError, ConnectionError):
            time.sleep(0.2)
    server.log.seek(0)
    sys.exit(f"gunicorn at {server.url} did not serve:\n{server.log.read().decode()[-3000:]}")


def stop(process: subprocess.Popen):
    if process.poll() is not None:
        return
    process.terminate()  # gunicorn's graceful stop: the master stops its workers
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: master and workers only
        process.wait()


def wrk(url: str, hosts: list[str], seconds: int) -> float:
    """req/s."""
    output = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{seconds}s", "-s", str(HOSTS_SCRIPT), url, "--", *hosts],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    failures = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if failures:
        sys.exit(f"{url}: {failures.group(1)} responses were not 2xx/3xx:\n{output}")
    errors = re.search(r"Socket errors: .*", output)
    if errors:
        print(f"  note: {url}: {errors.group(0)}", flush=True)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def report_tax(runs: dict, args):
    medians = {run: statistics.median(_undisturbed_rates(results)) for run, results in runs.items()}
    plain = medians["plain"]
    print(
        f"\n1. Tenancy tax: GET {VIEW_PATH} (20 rows as JSON) under gunicorn, 2 sync workers, "
        f"CONN_MAX_AGE=60\n   wrk -t2 -c8 -d{args.duration}s after a {WARM_UP_SECONDS} s "
        f"warm-up, {args.rounds} rounds; ratio = median req/s ÷ plain's"
    )
    print(f"   {'variant':<34}{'req/s':>8}  {'per round':<24}{'ratio':>6}")
    for run, (variant, tenants) in TAX_RUNS.items():
        label = VARIANTS[variant][0] if tenants == 1 else f"  the same, {tenants} tenants in turn"
        rounds = " / ".join(
            f"{rate:,.0f}" + ("*" if others >= INTERFERENCE_CPUS else "")
            for rate, others in runs[run]
        )
        ratio = medians[run] / plain
        verdict = ""
        if run == "project":
            verdict = f"  goal ≥ {TAX_GOAL:.2f}: " + ("met" if ratio >= TAX_GOAL else "MISSED")
        print(f"   {label:<34}{medians[run]:>8,.0f}  {rounds:<24}{ratio:>6.2f}{verdict}")
    most = max(others for results in runs.values() for _, others in results)
    print(
        f"   other processes used up to {most:.2f} CPUs during a run; * marks runs where they\n"
        f"   used ≥ {INTERFERENCE_CPUS}, left out of the median unless all were"
    )


def _undisturbed_rates(results: list[tuple[float, float]]) -> list[float]:
    undisturbed = [rate for rate, others in results if others < INTERFERENCE_CPUS]
    return undisturbed or [rate for rate, _ in results]


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


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted")

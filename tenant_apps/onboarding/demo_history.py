"""A demo agency's months of history, written through the real actions in time order.

Each kind of thing (a request's life, a document's versions and approvals, a month's invoice,
a conversation, a client's milestones, a person's sign-ins) is a *story*: a generator that
yields the moment of its next step and, resumed then, takes that step. ``Timeline`` runs every
story's steps in time order, each under demo_clock's ``happening_at`` its moment, until now;
what would come later does not happen, so old work is done and recent work is open.
"""

import heapq
import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.test import RequestFactory
from django.utils import timezone
from fpdf import FPDF

from shared_apps.accounts.models import User
from tenant_apps.activity.actions import activity_record
from tenant_apps.approvals.actions import approval_decide, approval_request, approval_rerequest
from tenant_apps.approvals.models import ApprovalStatus, Decision
from tenant_apps.client_requests.actions import (
    request_assign,
    request_note_add,
    request_reply_add,
    request_status_change,
    request_submit,
)
from tenant_apps.client_requests.models import (
    OPEN_STATUSES,
    ClientRequest,
    Priority,
    RequestType,
    Status,
)
from tenant_apps.client_requests.sla_sync import sla_policy, sla_refresh
from tenant_apps.documents.actions import document_upload, folder_create, version_add
from tenant_apps.documents.models import DocumentKind, DocumentVersion, ExtractionState
from tenant_apps.documents.tasks import version_text_extract
from tenant_apps.inbox.actions import file_request_create, file_request_fulfil
from tenant_apps.invoices.actions import (
    invoice_create,
    invoice_move,
    legal_details_update,
    tax_rate_create,
)
from tenant_apps.invoices.models import TaxRate
from tenant_apps.kit.roles import ClientRole, TeamRole
from tenant_apps.messaging.actions import message_post, thread_mark_read
from tenant_apps.messaging.selectors import thread_for
from tenant_apps.notifications.models import Notification
from tenant_apps.onboarding import demo_data as words
from tenant_apps.onboarding.demo_clock import happening_at
from tenant_apps.onboarding.demo_data import DemoAgency, DemoClient, client_email
from tenant_apps.people.actions import (
    client_company_create,
    client_member_create,
    staff_assignments_set,
    team_member_create,
)
from tenant_apps.people.models import ClientCompany
from tenant_apps.projects.actions import milestone_post, milestone_status_change
from tenant_apps.projects.models import MilestoneStatus
from tenant_apps.security.audit import SecurityAudit
from tenant_apps.security.sign_in import METHOD_KEY

HISTORY_DAYS = 120
OPENS, CLOSES = 9, 17  # the working day, in the agency's time (UTC unless it set another)
PRIORITIES = {Priority.LOW: 20, Priority.NORMAL: 55, Priority.HIGH: 20, Priority.URGENT: 5}
TYPES = {"support": 45, "service": 20, "change": 20, "project": 10, "document": 5}


class Timeline:
    """Stories' steps in time order, each at its moment, until ``now``."""

    def __init__(self, now: datetime):
        self.now = now
        self._queue: list = []
        self._order = itertools.count()  # steps at the same moment keep their order

    def add(self, story) -> None:
        self._next(story, next(story))

    def _next(self, story, moment: datetime | None) -> None:
        if moment is not None and moment <= self.now:
            heapq.heappush(self._queue, (moment, next(self._order), story))

    def run(self) -> int:
        steps = 0
        while self._queue:
            moment, _, story = heapq.heappop(self._queue)
            with happening_at(moment):
                try:
                    following = story.send(moment)
                except StopIteration:
                    following = None
            steps += 1
            self._next(story, following)
        return steps


@dataclass
class Client:
    spec: DemoClient
    company: ClientCompany
    people: dict[str, list[User]]  # client role -> people
    team: list[User]  # the team members who see it
    quiet_since: datetime | None = None  # when its people stopped doing anything
    shared_folder: object = None
    document_names: set = field(default_factory=set)

    def answers(self, moment: datetime) -> bool:
        """Whether its people still act at ``moment``."""
        return self.quiet_since is None or moment < self.quiet_since

    def anyone(self, rng, *roles) -> User:
        found = [person for role in roles for person in self.people.get(role, [])]
        return rng.choice(found)

    @property
    def contributors(self) -> tuple[str, ...]:
        return (ClientRole.ADMIN, ClientRole.APPROVER, ClientRole.FINANCE)


@dataclass
class Cast:
    spec: DemoAgency
    rng: random.Random
    timeline: Timeline
    start: datetime
    owner: User
    admin: User
    clients: list[Client]
    types: dict[str, RequestType]
    invoice_numbers: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def now(self) -> datetime:
        return self.timeline.now

    def text(self, templates: list[str], topic: str) -> str:
        return self.rng.choice(templates).format(topic=topic)

    def moment(self, *, first=0.0, last=1.0, growing=False) -> datetime:
        """A working moment between ``first`` and ``last`` (fractions of the history); when
        ``growing``, more of them late, as in an agency whose work grows."""
        span = (self.now - self.start).total_seconds()
        share = self.rng.random() ** (0.6 if growing else 1)
        drawn = self.start + timedelta(seconds=span * (first + (last - first) * share))
        return working(drawn, self.rng)

    def earlier_today(self) -> datetime:
        """A moment between midnight (UTC) and now, working hours or not."""
        midnight = datetime.combine(self.now.date(), time(), UTC)
        return self.now - (self.now - midnight) * self.rng.uniform(0.05, 0.9)

    def after(self, moment: datetime, hours: float) -> datetime:
        return working(moment + timedelta(hours=hours), self.rng)


def hours_to(rng: random.Random, usual: float, *, long_share=0.0, long=(100, 400)) -> float:
    """Mostly about ``usual`` hours (spread exponentially), and now and then a long wait."""
    if rng.random() < long_share:
        return rng.uniform(*long)
    return rng.expovariate(1 / usual)


def working(moment: datetime, rng: random.Random) -> datetime:
    """``moment`` if it falls in working hours on a weekday, else soon after the next opening."""
    while moment.weekday() >= 5 or not OPENS <= moment.hour < CLOSES:
        if moment.hour >= CLOSES or moment.weekday() >= 5:
            moment = datetime.combine(moment.date() + timedelta(days=1), time(), moment.tzinfo)
        opening = moment.replace(hour=OPENS, minute=0, second=0, microsecond=0)
        if moment.weekday() < 5 and moment < opening:
            moment = opening + timedelta(minutes=rng.randint(5, 120))
    return moment


# Files


def pdf_upload(name: str, title: str, lines: list[str]) -> SimpleUploadedFile:
    """A small real PDF: a title and a few lines."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", "B", 18)
    pdf.cell(text=title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    for line in lines:
        pdf.multi_cell(0, 7, text=line, new_x="LMARGIN", new_y="NEXT")
    return SimpleUploadedFile(name, bytes(pdf.output()), content_type="application/pdf")


def text_upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/plain")


def browser_request(user: User):
    """A signed-in browser's request: the decision record notes where and how it was made."""
    request = RequestFactory().post(
        "/", REMOTE_ADDR="198.51.100.23", HTTP_USER_AGENT="Mozilla/5.0 (Macintosh) Firefox/140.0"
    )
    request.user = user
    request.session = {METHOD_KEY: "password"}
    return request


# The cast


def cast_create(spec: DemoAgency, owner: User, password_hash: str, timeline: Timeline) -> Cast:
    """The team, the clients and their people, at the start of the history."""
    rng = random.Random(spec.seed)  # noqa: S311  (made-up history, the same each time)
    start = working(timeline.now - timedelta(days=HISTORY_DAYS), rng)
    with happening_at(start):
        members = {
            email: team_member_create(
                email=email,
                full_name=name,
                role=role,
                password_hash=password_hash,
                actor=owner,
                sees_all_clients=email != spec.limited_staff,
            )
            for name, email, role in spec.team
        }
        clients = []
        for client in spec.clients:
            company = client_company_create(name=client.name, actor=owner)
            people: dict[str, list[User]] = {}
            for full_name, role in client.people:
                member = client_member_create(
                    email=client_email(client, full_name),
                    full_name=full_name,
                    company=company,
                    role=role,
                    password_hash=password_hash,
                    actor=owner,
                )
                people.setdefault(role, []).append(member.user)
            quiet = timeline.now - timedelta(days=client.quiet_days) if client.quiet_days else None
            clients.append(Client(client, company, people, team=[], quiet_since=quiet))
        limited = members[spec.limited_staff]
        staff_assignments_set(
            member=limited,
            companies=[c.company for c in clients if c.spec.staff_only],
            sees_all_clients=False,
            actor=owner,
        )
        for client in clients:
            client.team = [owner] + [
                member.user
                for email, member in members.items()
                if email != spec.limited_staff or client.spec.staff_only
            ]
    admin = next(m.user for m in members.values() if m.role == TeamRole.ADMIN)
    types = {request_type.key: request_type for request_type in RequestType.objects.all()}
    return Cast(spec, rng, timeline, start, owner, admin, clients, types)


# Stories


def request_story(cast: Cast, client: Client, *, fresh: bool = False):
    """A request from a client's person through its replies, a wait on the client, its
    resolution and closing; now and then reopened by the client."""
    rng = cast.rng
    when = yield (cast.earlier_today() if fresh else cast.moment(last=0.98, growing=True))
    if not client.answers(when):
        return
    topic = rng.choice(client.spec.topics)
    author = client.anyone(rng, *client.contributors)
    request = request_submit(
        actor=author,
        company=client.company,
        type=cast.types[rng.choices(list(TYPES), list(TYPES.values()))[0]],
        title=cast.text(words.REQUEST_TITLES, topic).capitalize(),
        details=cast.text(words.REQUEST_DETAILS, topic),
        priority=rng.choices(list(PRIORITIES), list(PRIORITIES.values()))[0],
    )
    if fresh and rng.random() < 0.5:
        return  # just in, nobody on it yet
    owner = rng.choice(client.team[1:])
    when = yield cast.after(when, rng.uniform(0.2, 2))
    request_assign(client_request=request, owner=owner, actor=cast.admin)
    if rng.random() < 0.5:
        request_status_change(client_request=request, status=Status.IN_REVIEW, actor=owner)
    when = yield cast.after(when, hours_to(rng, client.spec.reply_hours))
    request_reply_add(
        client_request=request, body=cast.text(words.TEAM_REPLIES, topic), actor=owner
    )
    request_status_change(client_request=request, status=Status.IN_PROGRESS, actor=owner)
    if rng.random() < 0.3:
        request_note_add(client_request=request, body=cast.text(words.NOTES, topic), actor=owner)
    if fresh:
        return  # today's: still being worked on, whatever the hour the demo is seeded at
    if rng.random() < 0.3:
        when = yield cast.after(when, rng.uniform(4, 30))
        request_reply_add(
            client_request=request, body=cast.text(words.WAITING_REPLIES, topic), actor=owner
        )
        request_status_change(client_request=request, status=Status.WAITING_ON_CLIENT, actor=owner)
        when = yield cast.after(when, hours_to(rng, 20, long_share=0.2))
        if not client.answers(when):
            return
        reply = cast.text(words.CLIENT_REPLIES, topic)
        request_reply_add(client_request=request, body=reply, actor=author)  # back in progress
    when = yield cast.after(when, hours_to(rng, 40, long_share=0.25, long=(150, 700)))
    request_status_change(client_request=request, status=Status.RESOLVED, actor=owner)
    if rng.random() < 0.12 and client.answers(when):
        when = yield cast.after(when, rng.uniform(4, 48))
        reply = cast.text(words.CLIENT_REPLIES, topic)
        request_reply_add(client_request=request, body=reply, actor=author)  # reopens it
        when = yield cast.after(when, rng.uniform(4, 40))
        request_status_change(client_request=request, status=Status.RESOLVED, actor=owner)
    yield when + timedelta(days=4)
    request_status_change(client_request=request, status=Status.CLOSED, actor=owner)


def _document_name(client: Client, topic: str) -> str:
    name, number = f"{topic.capitalize()}.pdf", 2
    while name.lower() in client.document_names:
        name, number = f"{topic.capitalize()} ({number}).pdf", number + 1
    client.document_names.add(name.lower())
    return name


def document_story(cast: Cast, client: Client, *, recent: bool = False, sent_back: bool = False):
    """A deliverable shared with the client, its later versions, and approvals asked of the
    client's approvers: some approved, some sent back with changes and asked again. When
    ``sent_back``, an early one whose first answer is certain to ask for changes, so every
    demo shows that path whatever the day it is seeded on."""
    rng = cast.rng
    if recent:
        when = yield cast.moment(first=0.985)
    else:
        when = yield cast.moment(last=0.3 if sent_back else 0.95, growing=not sent_back)
    topic = rng.choice(client.spec.topics)
    author = rng.choice(client.team)
    name = _document_name(client, topic)
    lines = [f"Prepared for {client.company.name}.", cast.text(words.TEAM_REPLIES, topic)]
    document = document_upload(
        company=client.company,
        upload=pdf_upload(name, topic.capitalize(), [*lines, "Version 1"]),
        actor=author,
        folder=client.shared_folder if rng.random() < 0.4 else None,
        name=name,
        description=f"The {topic} for {client.company.name}.",
        kind=DocumentKind.DELIVERABLE,
    )
    for number in range(2, 2 + (0 if recent else rng.choice([0, 1, 1, 2]))):
        when = yield cast.after(when, rng.uniform(48, 400))
        upload = pdf_upload(name, topic.capitalize(), [*lines, f"Version {number}"])
        version_add(document=document, upload=upload, actor=author, note="Changes as discussed.")
    approvers = client.people.get(ClientRole.APPROVER) or client.people[ClientRole.ADMIN]
    if not (recent or sent_back) and rng.random() < 0.25:
        return
    when = yield cast.after(when, rng.uniform(1, 20))
    approval = approval_request(
        company=client.company,
        actor=author,
        approvers=approvers,
        version=document.current_version,
        title=f"Please approve the {topic}",
        due_date=(when + timedelta(days=7)).date(),
    )
    for round_ in range(2):
        for approver in approvers:
            when = yield cast.after(when, hours_to(rng, 30, long_share=0.2, long=(100, 300)))
            if not client.answers(when):
                return
            changes = round_ == 0 and (sent_back or rng.random() < 0.3)
            approval_decide(
                approval=approval,
                actor=approver,
                decision=Decision.CHANGES_REQUESTED if changes else Decision.APPROVED,
                comment=rng.choice(words.CHANGES_COMMENTS if changes else words.APPROVAL_COMMENTS),
                request=browser_request(approver),
            )
            if approval.status != ApprovalStatus.PENDING:
                break
        if approval.status != ApprovalStatus.CHANGES_REQUESTED:
            return
        when = yield cast.after(when, rng.uniform(24, 96))
        upload = pdf_upload(name, topic.capitalize(), [*lines, "Revised as requested"])
        version_add(document=document, upload=upload, actor=author, note="As requested.")
        approval = approval_rerequest(approval=approval, actor=author)


def internal_story(cast: Cast, client: Client):
    """The client's shared folder, and the team's internal folder with a pricing sheet."""
    yield cast.start
    client.shared_folder = folder_create(company=client.company, name="Designs", actor=cast.admin)
    internal = folder_create(
        company=client.company, name="Team notes", actor=cast.admin, is_internal=True
    )
    document_upload(
        company=client.company,
        upload=text_upload("Pricing.txt", f"Day rate for {client.company.name}: internal."),
        actor=cast.admin,
        folder=internal,
        name="Pricing.txt",
    )


def invoice_story(cast: Cast, client: Client, month: date):
    """The month's invoice: sent on its first working day, then paid (late by some clients),
    reported paid first by some, or overdue."""
    rng = cast.rng
    when = yield working(datetime.combine(month, time(OPENS), UTC), rng)
    days = Decimal(rng.randint(2, 9))
    issued = when.date()
    due = issued + timedelta(days=30)
    vat = TaxRate.objects.filter(name="VAT", archived_at=None).first()
    if vat is None:  # the agency's first invoice: its rate and the details it prints
        vat = tax_rate_create(name="VAT", percent=Decimal(20), actor=cast.admin)
        legal_details_update(
            actor=cast.admin,
            company_name=f"{cast.spec.name} Ltd",
            address="14 Market Street\nBristol BS1 1AA",
            tax_id="GB123456789",
            bank_name="Harbour Bank",
            iban="GB82 WEST 1234 5698 7654 32",
            bic="WESTGB2L",
            payment_terms="Payment within 30 days of the invoice date, quoting its number.",
        )
    invoice = invoice_create(
        company=client.company,
        number=f"{cast.spec.invoice_prefix}-{month:%Y}-{next(cast.invoice_numbers):04}",
        currency=cast.spec.currency,
        issue_date=issued,
        due_date=due,
        lines=[
            {
                "description": f"{words.INVOICE_LINES[0]}, {month:%B}",
                "quantity": days,
                "unit_price": Decimal(cast.spec.day_rate),
                "tax_rate": vat,
            },
            {
                "description": words.INVOICE_LINES[2],
                "quantity": Decimal(1),
                "unit_price": Decimal("120.00"),
                "tax_rate": vat,
            },
        ],
        actor=cast.admin,
    )
    invoice_move(invoice=invoice, move="send", actor=cast.admin)
    late = client.spec.pays_late
    paid = when + timedelta(days=rng.uniform(45, 80) if late else rng.uniform(14, 32))
    overdue_on = working(datetime.combine(due + timedelta(days=1), time(6), UTC), rng)
    if late and overdue_on < paid:
        when = yield overdue_on
        invoice_move(invoice=invoice, move="mark_overdue")
    payer = client.people.get(ClientRole.FINANCE) or client.people[ClientRole.ADMIN]
    if rng.random() < 0.5:
        when = yield working(paid - timedelta(days=rng.uniform(3, 9)), rng)
        invoice_move(invoice=invoice, move="report_payment", actor=payer[0])
    yield working(paid, rng)
    invoice_move(invoice=invoice, move="mark_paid", actor=cast.admin)


def conversation_story(cast: Cast, client: Client):
    """The general conversation with the client every week or two, read by the others a few
    hours later; and the team's internal thread about the client."""
    rng = cast.rng
    when = yield cast.moment(last=0.1)
    topic = rng.choice(client.spec.topics)
    for body in words.INTERNAL_MESSAGES:
        internal = thread_for(client.company, is_internal=True)
        message_post(thread=internal, author=cast.admin, body=body.format(topic=topic))
        when = yield cast.after(when, rng.uniform(24, 240))
    while True:
        from_team = rng.random() < 0.55 or not client.answers(when)
        author = rng.choice(client.team) if from_team else client.anyone(rng, *client.contributors)
        texts = words.MESSAGES_FROM_TEAM if from_team else words.MESSAGES_FROM_CLIENTS
        message = message_post(
            thread=thread_for(client.company), author=author, body=cast.text(texts, topic)
        )
        readers = client.team[:2] if not from_team else client.people[ClientRole.ADMIN]
        for reader in readers:
            cast.timeline.add(read_story(cast, message.thread, reader, when))
        when = yield cast.after(when, rng.uniform(60, 300))
        topic = rng.choice(client.spec.topics)


def read_story(cast: Cast, thread, reader: User, written: datetime):
    yield cast.after(written, cast.rng.uniform(1, 30))
    thread_mark_read(thread=thread, user=reader)


def milestone_story(cast: Cast, client: Client):
    """The project plan posted early on, due dates reaching past today; then each milestone
    started when the one before it was due and completed around its own due date. A client
    who leaves things waiting has one blocked."""
    rng = cast.rng
    when = yield cast.moment(last=0.05)
    topic = rng.choice(client.spec.topics)
    span = (cast.now + timedelta(days=40) - when) / len(words.MILESTONES)
    milestones = [
        milestone_post(
            company=client.company,
            title=title.format(topic=topic.capitalize()),
            description=description,
            due_date=(when + span * (number + 1)).date(),
            actor=cast.admin,
        )
        for number, (title, description) in enumerate(words.MILESTONES)
    ]

    def status(milestone, status):
        milestone_status_change(milestone=milestone, status=status, actor=cast.admin)

    for milestone in milestones:
        begins = datetime.combine(milestone.due_date, time(OPENS), UTC) - span
        when = yield working(max(begins - timedelta(days=rng.uniform(0, 4)), when), rng)
        status(milestone, MilestoneStatus.IN_PROGRESS)
        if client.spec.pays_late and milestone.position == 3:
            yield cast.after(when, rng.uniform(48, 200))
            status(milestone, MilestoneStatus.BLOCKED)
            return
        done = datetime.combine(milestone.due_date, time(OPENS), UTC)
        when = yield working(max(done + timedelta(days=rng.uniform(-4, 5)), when), rng)
        status(milestone, MilestoneStatus.COMPLETED)


def file_request_story(cast: Cast, client: Client, *, recent: bool):
    """The team asks the client for a file; the client uploads it, unless it was just asked."""
    rng = cast.rng
    when = yield cast.moment(first=0.93, last=0.99) if recent else cast.moment(last=0.85)
    topic = rng.choice(client.spec.topics)
    asked = file_request_create(
        company=client.company,
        title=f"Final texts for the {topic}",
        description="A PDF or a text file is fine.",
        due_date=(when + timedelta(days=7)).date(),
        actor=rng.choice(client.team),
    )
    if recent:
        return
    when = yield cast.after(when, rng.uniform(8, 90))
    if not client.answers(when):
        return
    uploader = client.anyone(rng, *client.contributors)
    text = f"Final texts for the {topic}, from {client.company.name}."
    upload = text_upload(f"{topic.capitalize()} texts.txt", text)
    file_request_fulfil(file_request=asked, upload=upload, actor=uploader)


def sign_in_story(cast: Cast, client: Client, person: User):
    """A client person signing in every few days, until the client went quiet."""
    rng = cast.rng
    last = cast.now - timedelta(days=client.spec.quiet_days)
    when = yield cast.after(cast.start, rng.uniform(2, 72))
    while when < last:
        activity_record(
            action=SecurityAudit.AUTH_SIGNED_IN,
            actor=person,
            target=person,
            request=browser_request(person),
        )
        when = yield cast.after(when, rng.uniform(60, 200))


def months(start: datetime, now: datetime) -> list[date]:
    first = date(start.year, start.month, 1)
    found = []
    while first <= now.date():
        found.append(first)
        first = (first + timedelta(days=32)).replace(day=1)
    return found[1:]  # the first month's work was billed before the history starts


# The whole history


def history_write(spec: DemoAgency, owner: User, password_hash: str) -> int:
    """Write ``spec``'s history into the current agency, in the caller's transaction;
    returns how many steps it took."""
    timeline = Timeline(timezone.now())
    cast = cast_create(spec, owner, password_hash, timeline)
    for client in cast.clients:
        timeline.add(internal_story(cast, client))
        for _ in range(client.spec.requests):
            timeline.add(request_story(cast, client))
        timeline.add(request_story(cast, client, fresh=True))
        for number in range(max(3, client.spec.requests // 4)):
            timeline.add(document_story(cast, client, sent_back=number == 0))
        timeline.add(document_story(cast, client, recent=True))
        for month in months(cast.start, cast.now):
            timeline.add(invoice_story(cast, client, month))
        timeline.add(conversation_story(cast, client))
        timeline.add(milestone_story(cast, client))
        timeline.add(file_request_story(cast, client, recent=False))
        timeline.add(file_request_story(cast, client, recent=True))
        for person in (person for people in client.people.values() for person in people):
            timeline.add(sign_in_story(cast, client, person))
    steps = timeline.run()
    _catch_up(timeline.now)
    return steps


def _catch_up(now: datetime) -> None:
    """What would have happened since, now that the clock is back: open requests' SLA as of
    now, the files' text (its task was not queued), and notifications read once a few days
    old."""
    policy = sla_policy()
    for request in ClientRequest.objects.filter(status__in=OPEN_STATUSES).prefetch_related(
        "pauses"
    ):
        sla_refresh(request, policy)
    pending = DocumentVersion.objects.filter(extraction=ExtractionState.PENDING)
    for version_id in pending.values_list("pk", flat=True):
        version_text_extract(version_id)
    unread = Notification.objects.filter(read_at__isnull=True)
    unread.filter(created_at__lt=now - timedelta(days=3)).update(
        read_at=F("created_at") + timedelta(hours=2)
    )

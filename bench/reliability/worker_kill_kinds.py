"""The worker-kill run's rounds (bench/reliability/worker_kill.py): for each kill, real work of
one kind made through the app's actions (or rows and the sweep task, as beat would queue it),
the worker stopped where the kind's next kill point says, SIGKILLed, restarted if it was killed
whole, and the queue drained; at the end, each kind's effects counted. Imported once Django is
set up (worker_kill_settings).

Where a kill falls (``Point.where``), each detected for real:

- ``prerun``: the worker's ``task_prerun`` hook holds the task (bench/reliability/
  worker_kill_app.py): taken off the queue, nothing done.
- ``stand-in``: the ESP stand-in or the webhook receiver has taken the email or the POST and
  keeps the worker waiting for the answer: the effect happened, the task has not recorded it.
- ``timed``: 0.1 s after the task started, in a text extraction that takes most of a second.
- ``postrun``: the ``task_postrun`` hook holds it: the task's function returned, its writes are
  committed, and the message is not acknowledged yet (acks late).
"""

import json
import os
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.postgres.search import SearchQuery
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context
from fpdf import FPDF

from bench.reliability.worker_kill import QUEUE, wait_for
from shared_apps.signup.actions import agency_signup
from tenant_apps.client_requests.models import (
    ClientRequest,
    RequestNotification,
    RequestType,
    SlaTarget,
)
from tenant_apps.client_requests.tasks import request_notify, sla_sweep_agency
from tenant_apps.documents.actions import document_upload
from tenant_apps.documents.models import Document, ExtractionState
from tenant_apps.documents.tasks import version_text_extract
from tenant_apps.files.storage import file_storage
from tenant_apps.invoices.models import Invoice, InvoiceNotice, InvoiceStatus, NoticeKind
from tenant_apps.invoices.selectors import agency_today
from tenant_apps.invoices.tasks import invoice_notify, invoice_sweep_agency
from tenant_apps.kit.roles import ClientRole
from tenant_apps.notifications.actions import notification_send
from tenant_apps.notifications.models import NotificationEmail
from tenant_apps.notifications.tasks import notification_email
from tenant_apps.people.actions import client_company_create, client_member_create
from tenant_apps.webhooks.actions import endpoint_create
from tenant_apps.webhooks.events import webhook_emit
from tenant_apps.webhooks.models import Delivery, DeliveryStatus
from tenant_apps.webhooks.tasks import webhook_deliver
from tenants.actions import schema_pool_fill
from tenants.models import Agency

SUBDOMAIN = "killbench"
OWNER = "owner@killbench.example"
FINANCE = "finance@killbench.example"
# How long after a task starts a "timed" kill falls.
TIMED_KILL_SECONDS = 0.1
# Filler pages after the one with the unit's words: pypdf takes most of a second over them
# (up to the text limit, DOCUMENT_TEXT_MAX_CHARS), far longer than TIMED_KILL_SECONDS.
FILLER_PAGES = 200


@dataclass(frozen=True)
class Point:
    label: str
    where: str  # prerun, stand-in, timed or postrun (see the module's docstring)
    task: str
    args: tuple = ()  # what the held task's arguments start with


@dataclass
class Unit:
    """One piece of work: its marker is in its email's subject, its webhook's payload or its
    document's text."""

    number: int
    marker: str
    ids: dict = field(default_factory=dict)


@dataclass
class Effects:
    expected: int = 0
    seen: int = 0
    lost: int = 0
    duplicated: int = 0
    resent: int = 0  # the same idempotency key taken again (see docs/reliability/worker-kill.md)

    def add(self, other: "Effects") -> None:
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def keyed_effects(records: list[dict]) -> Effects:
    """One effect expected, from ``records`` taken for it: several transmissions under one
    idempotency key are the effect re-sent; several keys are duplicates."""
    keys = {record["key"] for record in records}
    return Effects(
        expected=1,
        seen=min(len(keys), 1),
        lost=int(not keys),
        duplicated=max(len(keys) - 1, 0),
        resent=len(records) - len(keys),
    )


def email_effects(taken: list[dict], to: str, marker: str) -> Effects:
    """One email to ``to`` whose subject holds ``marker``, keyed by its Message-ID."""
    return keyed_effects(
        [r for r in taken if r["kind"] == "email" and to in r["to"] and marker in r["subject"]]
    )


class Kind:
    name: str
    points: list[Point]

    def __init__(self, run: "Run"):
        self.run = run
        self.units: list[Unit] = []

    def seed(self, unit: Unit) -> None:
        raise NotImplementedError

    def done(self, unit: Unit) -> bool:
        raise NotImplementedError

    def effects(self, unit: Unit, taken: list[dict]) -> Effects:
        raise NotImplementedError


NOTIFY = notification_email.name
EXTRACT = version_text_extract.name
DELIVER = webhook_deliver.name
SLA_SWEEP = sla_sweep_agency.name
REQUEST_NOTIFY = request_notify.name
INVOICE_SWEEP = invoice_sweep_agency.name
INVOICE_NOTIFY = invoice_notify.name


class NotificationEmailKind(Kind):
    name = "notification email"
    points = [
        Point("at the ESP", "stand-in", NOTIFY),
        Point("after commit", "postrun", NOTIFY),
        Point("before start", "prerun", NOTIFY),
    ]

    def seed(self, unit):
        [notification] = notification_send(
            recipients=[self.run.owner],
            kind="request.due",
            target=self.run.company,
            title=f"Due tomorrow: {unit.marker}",
            url="/",
        )
        unit.ids["notification"] = notification.pk

    def done(self, unit):
        return NotificationEmail.objects.filter(notification_id=unit.ids["notification"]).exists()

    def effects(self, unit, taken):
        return email_effects(taken, OWNER, unit.marker)


def pdf_with(words: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=words)
    for page in range(FILLER_PAGES):
        pdf.add_page()
        for line in range(40):
            pdf.cell(text=f"Filler line {line} on page {page}.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


class TextExtractionKind(Kind):
    name = "text extraction"
    points = [
        Point("extracting", "timed", EXTRACT),
        Point("after commit", "postrun", EXTRACT),
        Point("before start", "prerun", EXTRACT),
    ]

    def seed(self, unit):
        upload = SimpleUploadedFile(
            "report.pdf", pdf_with(f"Quarterly figures {unit.marker}"), "application/pdf"
        )
        document = document_upload(
            company=self.run.company,
            upload=upload,
            actor=self.run.owner,
            name=f"Report {unit.number}",
        )
        unit.ids["document"] = document.pk

    def version(self, unit):
        document = Document.objects.select_related("current_version").get(pk=unit.ids["document"])
        return document.current_version

    def done(self, unit):
        return self.version(unit).extraction != ExtractionState.PENDING

    def effects(self, unit, taken):
        """The text once in the version, and the document found by it once."""
        version = self.version(unit)
        count = version.extracted_text.count(unit.marker)
        found = Document.objects.filter(search_vector=SearchQuery(unit.marker)).count()
        ok = version.extraction == ExtractionState.DONE and count == 1 and found == 1
        return Effects(
            expected=1,
            seen=int(ok),
            lost=int(count == 0 or found == 0),
            duplicated=int(count > 1 or found > 1),
        )


class WebhookDeliveryKind(Kind):
    name = "webhook delivery"
    points = [
        Point("at the receiver", "stand-in", DELIVER),
        Point("after commit", "postrun", DELIVER),
        Point("before start", "prerun", DELIVER),
    ]

    def seed(self, unit):
        with transaction.atomic():
            event = webhook_emit("message.posted", lambda: {"marker": unit.marker})
        unit.ids["event"] = event.pk

    def done(self, unit):
        deliveries = Delivery.objects.filter(event_id=unit.ids["event"])
        unfinished = deliveries.exclude(status=DeliveryStatus.SUCCEEDED)
        return deliveries.exists() and not unfinished.exists()

    def effects(self, unit, taken):
        """One event id at the receiver from one delivery; the same id taken again is a re-send
        receivers drop (the documented contract: deduplicate on Portal-Event-Id)."""
        effects = keyed_effects(
            [r for r in taken if r["kind"] == "webhook" and r["marker"] == unit.marker]
        )
        deliveries = Delivery.objects.filter(event_id=unit.ids["event"]).count()
        effects.duplicated += max(deliveries - 1, 0)
        return effects


class SlaSweepKind(Kind):
    name = "SLA sweep"
    points = [
        Point("sweep after commit", "postrun", SLA_SWEEP),
        Point("alert at the ESP", "stand-in", REQUEST_NOTIFY),
        Point("sweep before start", "prerun", SLA_SWEEP),
        Point("alert after commit", "postrun", REQUEST_NOTIFY, ("breached",)),
    ]

    def seed(self, unit):
        """A request opened two weeks ago, with one minute to answer: breached. Then the sweep,
        as beat queues it in each agency."""
        request = ClientRequest.objects.create(
            company=self.run.company,
            type=RequestType.objects.get(key="support"),
            title=f"Printer on fire {unit.marker}",
            details="Smoke.",
            created_by=self.run.finance,
            owner=self.run.owner,
            created_at=timezone.now() - timedelta(days=14),
        )
        unit.ids["request"] = request.pk
        sla_sweep_agency.delay()

    def done(self, unit):
        return RequestNotification.objects.filter(
            kind="breached", request_id=unit.ids["request"]
        ).exists()

    def effects(self, unit, taken):
        return email_effects(taken, OWNER, f"SLA missed: Printer on fire {unit.marker}")


class InvoiceReminderKind(Kind):
    name = "invoice reminder"
    points = [
        Point("sweep after commit", "postrun", INVOICE_SWEEP),
        Point("reminder at the ESP", "stand-in", INVOICE_NOTIFY),
        Point("sweep before start", "prerun", INVOICE_SWEEP),
        Point("reminder after commit", "postrun", INVOICE_NOTIFY, (NoticeKind.REMINDER.value,)),
    ]

    def seed(self, unit):
        """An invoice sent a month ago and due three days ago. Then the sweep, as beat queues
        it in each agency."""
        today = agency_today()
        invoice = Invoice.objects.create(
            company=self.run.company,
            number=unit.marker,
            currency="EUR",
            status=InvoiceStatus.SENT,
            issue_date=today - timedelta(days=33),
            due_date=today - timedelta(days=3),
            subtotal=Decimal("120"),
            total=Decimal("120"),
            created_by=self.run.owner,
        )
        unit.ids["invoice"] = invoice.pk
        invoice_sweep_agency.delay()

    def done(self, unit):
        return InvoiceNotice.objects.filter(
            kind=NoticeKind.REMINDER, invoice_id=unit.ids["invoice"]
        ).exists()

    def effects(self, unit, taken):
        return email_effects(taken, FINANCE, f"Reminder: invoice {unit.marker} is overdue")


KINDS = [
    NotificationEmailKind,
    TextExtractionKind,
    WebhookDeliveryKind,
    SlaSweepKind,
    InvoiceReminderKind,
]


class Run:
    def __init__(self, worker, stand_in, broker):
        self.worker, self.stand_in, self.broker = worker, stand_in, broker
        self.kinds = [kind(self) for kind in KINDS]

    def run(self, kills: int) -> dict:
        spares = Agency.objects.spares().count()
        # The worker keeps the pool as it was: it refills the spare the signup takes.
        os.environ["SCHEMA_POOL_SIZE"] = str(spares)
        self.agency_remove()  # left by a run that could not clean up
        self.agency_create()
        try:
            self.worker.start()
            self.drain()  # what the signup queued
            log = [self.kill_round(number) for number in range(kills)]
            self.drain()
            with tenant_context(self.agency):
                return self.report(log)
        finally:
            self.worker.stop()
            self.agency_remove()
            schema_pool_fill(size=spares)

    def agency_create(self) -> None:
        signup = agency_signup(
            name="Kill Bench",
            subdomain=SUBDOMAIN,
            owner_name="Kim Bench",
            owner_email=OWNER,
            owner_password=secrets.token_urlsafe(),
        )
        self.agency, self.owner = signup.agency, signup.owner
        with tenant_context(self.agency):
            self.company = client_company_create(name="Killco", actor=self.owner)
            self.finance = client_member_create(
                email=FINANCE,
                full_name="Fin Ance",
                company=self.company,
                role=ClientRole.FINANCE,
                password_hash=make_password(None),
                actor=self.owner,
            ).user
            endpoint_create(
                url=self.stand_in.url("/hooks"), event_types=["message.posted"], actor=self.owner
            )
            # A minute to answer any request: one opened days ago has breached.
            SlaTarget.objects.update(first_response_minutes=1, resolution_minutes=10)

    def agency_remove(self) -> None:
        connection.set_schema_to_public()
        agency = Agency.objects.filter(subdomain=SUBDOMAIN).first()
        if agency is not None:
            agency.delete(force_drop=True)
            file_storage().delete_all(agency.schema_name)

    def drained(self) -> bool:
        """Nothing waiting in the queue, nothing taken and unacknowledged (a Redis of our own)."""
        waiting = sum(
            self.broker.llen(key)
            for key in self.broker.scan_iter(f"{QUEUE}*", _type="list")  # not a hash of ours
        )
        return waiting == 0 and self.broker.hlen("unacked") == 0

    def drain(self) -> None:
        wait_for(self.drained, 120, "the queue to drain")

    def kill_round(self, number: int) -> dict:
        kind = self.kinds[number % len(self.kinds)]
        point = kind.points[number // len(self.kinds) % len(kind.points)]
        whole = number % 4 == 3  # every fourth kill takes the parent process too
        unit = Unit(number, f"kb{number}x{secrets.token_hex(3)}")
        since = len(self.worker.events())
        self.arm(point, unit)
        with tenant_context(self.agency):
            kind.seed(unit)
        task_id, pid, landed = self.mid_task(point, since)
        if whole:
            self.worker.kill_all()
        else:
            self.worker.kill_pool_process(pid)
        self.stand_in.release()
        for hold in self.worker.holds.iterdir():
            hold.unlink()
        if whole:
            self.worker.start()

        def ran_again() -> bool:
            """The killed task started again and returned."""
            runs = [
                event["event"]
                for event in self.worker.events(since)
                if event.get("task_id") == task_id and event["event"] != "hold"
            ]
            return runs.count("prerun") >= 2 and runs[-1] == "postrun"

        def finished() -> bool:
            # Drained alone is not enough: between taking a message (BRPOP) and recording it
            # as unacknowledged, kombu holds it in neither place.
            with tenant_context(self.agency):
                return ran_again() and kind.done(unit) and self.drained()

        try:
            wait_for(finished, 120, f"{kind.name} #{number} to run again after its kill")
        except TimeoutError as timeout:
            print(f"{timeout} ({point.label}, task {task_id}); the worker's log ends:")
            print(self.worker.log_tail())
            self.drain()  # reported below as not run again
        kind.units.append(unit)
        return {
            "kind": kind.name,
            "point": landed,
            "whole": whole,
            "task": point.task,
            "task_id": task_id,
            "ran_again": ran_again(),
        }

    def arm(self, point: Point, unit: Unit) -> None:
        if point.where in ("prerun", "postrun"):
            hold = self.worker.holds / f"{point.where}--{point.task}"
            hold.write_text(json.dumps(list(point.args)))
        elif point.where == "stand-in":
            # An email's subject, or a webhook's payload, names the unit.
            self.stand_in.hold(
                lambda record: unit.marker in record.get("subject", record.get("marker", ""))
            )

    def mid_task(self, point: Point, since: int) -> tuple[str, int, str]:
        """Wait until the worker is where ``point`` says; its task id, its pool process and
        where the kill falls."""

        def started(event_name: str, hold_point: str | None = None):
            for event in self.worker.events(since):
                if (
                    event["event"] == event_name
                    and event.get("task") == point.task
                    and hold_point in (None, event.get("point"))
                ):
                    return event
            return None

        if point.where in ("prerun", "postrun"):
            event = wait_for(lambda: started("hold", point.where), 60, f"the {point.where} hold")
            return event["task_id"], event["pid"], point.label
        if point.where == "stand-in":
            wait_for(self.stand_in.holding.is_set, 60, "the stand-in to take the request")
        event = wait_for(lambda: started("prerun"), 60, f"{point.task} to start")
        if point.where == "timed":
            time.sleep(TIMED_KILL_SECONDS)
        ended = any(
            e["event"] == "postrun" and e["task_id"] == event["task_id"]
            for e in self.worker.events(since)
        )
        landed = f"{point.label}, already returned" if ended else point.label
        return event["task_id"], event["pid"], landed

    def report(self, log: list[dict]) -> dict:
        kinds = {}
        for kind in self.kinds:
            kills = [kill for kill in log if kill["kind"] == kind.name]
            effects = Effects()
            for unit in kind.units:
                effects.add(kind.effects(unit, self.stand_in.taken))
            kinds[kind.name] = {
                "kills": len(kills),
                "pool_kills": sum(not kill["whole"] for kill in kills),
                "points": dict(Counter(kill["point"] for kill in kills)),
                "not_run_again": sum(not kill["ran_again"] for kill in kills),
                **vars(effects),
            }
        return {"kinds": kinds, "kills": log}

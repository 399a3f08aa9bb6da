"""Every write to time entries and retainers: keyword-only, each in a transaction with its
activity entry. Who may (``time.log``, ``retainers.manage``) is the caller's check."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from tenant_apps.activity.actions import activity_record
from tenant_apps.client_requests.selectors import agency_zone
from tenant_apps.invoices.actions import invoice_create
from tenant_apps.invoices.models import InvoiceStatus
from tenant_apps.timesheets.audit import TimeAudit
from tenant_apps.timesheets.models import Retainer, Rollover, TimeEntry, hours_text

MAX_MINUTES = 24 * 60  # one entry is at most a day's work
MAX_HOURS_PER_MONTH = Decimal(744)  # 31 days of 24 hours
LOG_BACK_DAYS = 366


def agency_today() -> date:
    return timezone.localdate(timezone.now(), agency_zone())


def _check_entry(*, minutes, worked_on, note) -> str:
    errors = {}
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
        errors["minutes"] = f"Log between 1 and {MAX_MINUTES} minutes (a day) in one entry."
    today = agency_today()
    if worked_on > today:
        errors["worked_on"] = "Time is logged for today or a day before, not ahead."
    elif worked_on < today - timedelta(days=LOG_BACK_DAYS):
        errors["worked_on"] = "Time is logged for the last twelve months."
    note = (note or "").strip()
    if len(note) > 300:
        errors["note"] = "Keep the note to 300 characters."
    if errors:
        raise ValidationError(errors)
    return note


def time_log(
    *, client_request, minutes, worked_on, billable=True, note="", actor, request=None
) -> TimeEntry:
    """Log ``minutes`` worked by ``actor`` on ``client_request`` on the agency's day
    ``worked_on``."""
    note = _check_entry(minutes=minutes, worked_on=worked_on, note=note)
    with transaction.atomic():
        entry = TimeEntry.objects.create(
            request=client_request,
            member=actor,
            minutes=minutes,
            worked_on=worked_on,
            billable=billable,
            note=note,
        )
        activity_record(
            action=TimeAudit.TIME_LOGGED,
            actor=actor,
            target=entry,
            changes={
                "request": client_request.pk,
                "minutes": minutes,
                "billable": billable,
                "worked_on": worked_on.isoformat(),
            },
            request=request,
        )
        return entry


def running_timer(user) -> TimeEntry | None:
    return (
        TimeEntry.objects.filter(member=user, started_at__isnull=False, stopped_at__isnull=True)
        .select_related("request")
        .first()
    )


def timer_start(*, client_request, billable=True, note="", actor, request=None) -> TimeEntry:
    """Start ``actor``'s timer on ``client_request``; one runs per person at a time."""
    note = (note or "").strip()[:300]
    running = running_timer(actor)
    if running is not None:
        raise ValidationError(
            {"timer": f"Your timer is running on #{running.request_id}; stop it first."}
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            entry = TimeEntry.objects.create(
                request=client_request,
                member=actor,
                worked_on=timezone.localdate(now, agency_zone()),
                billable=billable,
                note=note,
                started_at=now,
            )
            activity_record(
                action=TimeAudit.TIMER_STARTED,
                actor=actor,
                target=entry,
                changes={"request": client_request.pk, "billable": billable},
                request=request,
            )
    except IntegrityError:
        # Another tab started one between the check and the insert.
        raise ValidationError({"timer": "Your timer is already running; stop it first."}) from None
    return entry


def timer_stop(*, actor, request=None) -> TimeEntry:
    """Stop ``actor``'s running timer: its minutes are the time since it started (at least
    one, at most a day)."""
    with transaction.atomic():
        entry = (
            TimeEntry.objects.select_for_update()
            .filter(member=actor, started_at__isnull=False, stopped_at__isnull=True)
            .first()
        )
        if entry is None:
            raise ValidationError({"timer": "No timer of yours is running."})
        entry.stopped_at = timezone.now()
        seconds = (entry.stopped_at - entry.started_at).total_seconds()
        entry.minutes = min(MAX_MINUTES, max(1, round(seconds / 60)))
        entry.save(update_fields=["stopped_at", "minutes"])
        activity_record(
            action=TimeAudit.TIMER_STOPPED,
            actor=actor,
            target=entry,
            changes={"request": entry.request_id, "minutes": entry.minutes},
            request=request,
        )
        return entry


def _words(value) -> str:
    """A decimal as the log keeps it: 10, 7.5 (not 10.00 or 1E+1)."""
    return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)


def _check_retainer(hours_per_month, rollover, rollover_cap_hours) -> Decimal:
    errors = {}
    if hours_per_month is None or not Decimal(0) < hours_per_month <= MAX_HOURS_PER_MONTH:
        errors["hours_per_month"] = f"Between a few minutes and {MAX_HOURS_PER_MONTH} hours."
    if rollover not in Rollover.values:
        errors["rollover"] = "Choose whether unused hours lapse or carry over."
    cap = rollover_cap_hours or Decimal(0)
    if rollover == Rollover.CARRY and not Decimal(0) < cap <= MAX_HOURS_PER_MONTH:
        errors["rollover_cap_hours"] = "Carrying over needs a cap: the most hours carried."
    if errors:
        raise ValidationError(errors)
    return cap if rollover == Rollover.CARRY else Decimal(0)


def retainer_set(
    *, company, hours_per_month, rollover, rollover_cap_hours=None, actor, request=None
) -> Retainer:
    """Give ``company`` a retainer, or change its terms. A new one counts from the first of
    the agency's month; changed terms apply to every month since (carried hours included)."""
    cap = _check_retainer(hours_per_month, rollover, rollover_cap_hours)
    new = {"hours_per_month": hours_per_month, "rollover": rollover, "rollover_cap_hours": cap}
    with transaction.atomic():
        retainer = Retainer.objects.select_for_update().filter(company=company).first()
        if retainer is None:
            retainer = Retainer(company=company, starts_on=agency_today().replace(day=1))
            changes = {key: _words(value) for key, value in new.items()}
        else:
            old = {
                "hours_per_month": retainer.hours_per_month,
                "rollover": retainer.rollover,
                "rollover_cap_hours": retainer.rollover_cap_hours,
            }
            changes = {
                key: [_words(old[key]), _words(value)]
                for key, value in new.items()
                if old[key] != value
            }
            if not changes:
                return retainer
        retainer.hours_per_month = hours_per_month
        retainer.rollover = rollover
        retainer.rollover_cap_hours = cap
        retainer.updated_by = actor
        retainer.updated_at = timezone.now()
        retainer.save()
        activity_record(
            action=TimeAudit.RETAINER_SET,
            actor=actor,
            target=retainer,
            changes=changes,
            request=request,
        )
        return retainer


def retainer_remove(*, retainer, actor, request=None) -> None:
    with transaction.atomic():
        activity_record(
            action=TimeAudit.RETAINER_REMOVED,
            actor=actor,
            target=retainer,
            changes={"hours_per_month": _words(retainer.hours_per_month)},
            request=request,
        )
        retainer.delete()


def uninvoiced_time(company):
    """Billable time on ``company``'s requests not yet on an invoice (or only on a voided
    one), stopped timers and entries by hand."""
    return (
        TimeEntry.objects.filter(request__company=company, billable=True, minutes__gt=0)
        .exclude(started_at__isnull=False, stopped_at__isnull=True)
        .filter(Q(invoice__isnull=True) | Q(invoice__status=InvoiceStatus.VOID))
    )


def time_invoice(
    *,
    company,
    through: date,
    hourly_rate: Decimal,
    number,
    currency,
    issue_date,
    due_date,
    actor,
    request=None,
):
    """A draft invoice for ``company`` of its billable time not yet invoiced, worked up to
    ``through``: one line per request (its hours at ``hourly_rate``). The entries then
    point at it, so they are not invoiced twice (unless it is voided)."""
    if hourly_rate is None or hourly_rate <= 0:
        raise ValidationError({"hourly_rate": "Give the price of an hour."})
    with transaction.atomic():
        entries = list(
            uninvoiced_time(company)
            .filter(worked_on__lte=through)
            .select_related("request")
            .select_for_update(of=("self",))
            .order_by("request_id", "worked_on", "id")
        )
        if not entries:
            raise ValidationError({"through": "No billable time to invoice up to that day."})
        per_request: dict[int, list[TimeEntry]] = {}
        for entry in entries:
            per_request.setdefault(entry.request_id, []).append(entry)
        lines = []
        for logged in per_request.values():
            first = logged[0].request
            minutes = sum(entry.minutes for entry in logged)
            lines.append(
                {
                    "description": f"#{first.pk} {first.title}"[:280] + f" ({hours_text(minutes)})",
                    "quantity": (Decimal(minutes) / 60).quantize(Decimal("0.01")),
                    "unit_price": hourly_rate,
                }
            )
        invoice = invoice_create(
            company=company,
            number=number,
            currency=currency,
            issue_date=issue_date,
            due_date=due_date,
            lines=lines,
            notes=f"Time worked up to {through.isoformat()}.",
            actor=actor,
            request=request,
        )
        TimeEntry.objects.filter(pk__in=[entry.pk for entry in entries]).update(invoice=invoice)
        activity_record(
            action=TimeAudit.TIME_INVOICED,
            actor=actor,
            target=invoice,
            changes={
                "minutes": sum(entry.minutes for entry in entries),
                "worked_on": through.isoformat(),
            },
            request=request,
        )
        return invoice

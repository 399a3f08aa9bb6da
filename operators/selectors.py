"""Reads for the console's own pages: operators and the operator log."""

import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from operators.models import Operator, OperatorLogEntry
from shared_apps.core.csv_export import csv_lines

LOG_CSV_HEADER = [
    "id",
    "time",
    "operator",
    "action",
    "agency_id",
    "agency",
    "reason",
    "changes",
    "ip_address",
    "user_agent",
    "prev_hash",
    "entry_hash",
]


def operators_all() -> QuerySet[Operator]:
    """Every operator, active first, with ``two_factor``: whether their authenticator is set up."""
    confirmed = TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)
    return (
        Operator.objects.select_related("user")
        .annotate(two_factor=Exists(confirmed))
        .order_by("-user__is_active", "user__email")
    )


def log_actions() -> list[str]:
    """Every action the log holds, for the filter."""
    return list(
        OperatorLogEntry.objects.order_by("action").values_list("action", flat=True).distinct()
    )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def log_filter(
    *,
    operator_id: int | None = None,
    action: str = "",
    agency: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[OperatorLogEntry]:
    """The log, newest first. ``agency`` is an agency's id or part of its name as logged;
    ``since`` and ``until`` are whole days in the reader's time zone, both included."""
    entries = OperatorLogEntry.objects.order_by("-id")
    if operator_id:
        entries = entries.filter(operator_id=operator_id)
    if action:
        entries = entries.filter(action=action)
    agency = agency.strip()
    if agency:
        match = Q(agency_label__icontains=agency)
        if agency.isdigit():
            match |= Q(agency_id=int(agency))
        entries = entries.filter(match)
    if since:
        entries = entries.filter(occurred_at__gte=_day_start(since))
    if until:
        entries = entries.filter(occurred_at__lt=_day_start(until + timedelta(days=1)))
    return entries


def log_csv_lines(entries: QuerySet[OperatorLogEntry]) -> Iterator[str]:
    rows = (
        [
            entry.pk,
            entry.occurred_at.isoformat(),
            entry.operator_label,
            entry.action,
            entry.agency_id,
            entry.agency_label,
            entry.reason,
            json.dumps(entry.changes, sort_keys=True, ensure_ascii=False),
            entry.ip_address,
            entry.user_agent,
            entry.prev_hash,
            entry.entry_hash,
        ]
        for entry in entries.iterator(chunk_size=1000)
    )
    return csv_lines(LOG_CSV_HEADER, rows)

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from tenant_apps.activity.actions import GENESIS_HASH
from tenant_apps.activity.models import ActivityEntry

PAGE_SIZE = 50


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def activity_filter(
    entries: QuerySet[ActivityEntry],
    *,
    person=None,
    company=None,
    action="",
    since=None,
    until=None,
) -> QuerySet[ActivityEntry]:
    """Narrow ``entries`` by actor, client company, action code and an inclusive date range."""
    if person is not None:
        entries = entries.filter(actor=person)
    if company is not None:
        entries = entries.filter(company=company)
    if action:
        entries = entries.filter(action=action)
    if since is not None:
        entries = entries.filter(occurred_at__gte=_start_of(since))
    if until is not None:
        entries = entries.filter(occurred_at__lt=_start_of(until + timedelta(days=1)))
    return entries


@dataclass(frozen=True)
class Window:
    """One page of entries, newest first, with the ids that bound its neighbours."""

    entries: list[ActivityEntry]
    older: int | None  # pass as ``before`` for the next page back in time
    newer: int | None  # pass as ``after`` for the page before this one


def activity_window(
    entries: QuerySet[ActivityEntry], *, before=None, after=None, size=PAGE_SIZE
) -> Window:
    """A page keyed on id rather than an offset: one query at any depth, and no page
    shifts when entries are added while someone is reading."""
    if after is not None:
        rows = list(entries.filter(id__gt=after).order_by("id")[: size + 1])
        newer = rows[size - 1].id if len(rows) > size else None
        rows = rows[:size][::-1]
        return Window(rows, older=rows[-1].id if rows else None, newer=newer)
    if before is not None:
        entries = entries.filter(id__lt=before)
    rows = list(entries.order_by("-id")[: size + 1])
    older = rows[size - 1].id if len(rows) > size else None
    rows = rows[:size]
    return Window(rows, older=older, newer=rows[0].id if rows and before is not None else None)


def activity_first_broken_link() -> ActivityEntry | None:
    """The first entry whose content or chain link does not verify, oldest first."""
    expected_prev = GENESIS_HASH
    for entry in ActivityEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != expected_prev or not entry.verifies():
            return entry
        expected_prev = entry.entry_hash
    return None


def activity_erased_count() -> int:
    """Entries whose personal fields were erased: their references still verify."""
    return ActivityEntry.objects.filter(personal_salt__isnull=True).count()


def activity_head() -> ActivityEntry | None:
    """The newest entry, whose hash vouches for the whole chain before it."""
    return ActivityEntry.objects.order_by("-id").first()


def activity_holds(entry_hash: str) -> bool:
    return ActivityEntry.objects.filter(entry_hash=entry_hash).exists()

"""Announcements: what operators publish to agencies' portals, and who sees which.

Agencies' portals read the announcements through ``current_announcements()``, a per-process
copy of those live now or starting soon, refreshed every ANNOUNCEMENTS_REFRESH_SECONDS: a page
costs no query and no cache round trip for them, and a change reaches every portal within
that time.

The tables are the public schema's, which an agency's connection reaches through its
search_path (its schema, then public), so no schema switch is needed to read them.
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from operators.log import operator_log_record
from operators.models import Announcement, AnnouncementDismissal

LONGEST = timedelta(days=90)
END_BEFORE_START = "The end must come after the start."


@dataclass(frozen=True)
class Notice:
    """An announcement as a portal shows it: plain values, shared safely between requests."""

    id: int
    title: str
    body: str
    level: str
    starts_at: datetime
    ends_at: datetime
    plans: tuple[str, ...]
    audiences: tuple[str, ...]

    def reaches(self, *, plan: str, audience: str, now: datetime) -> bool:
        return (
            self.starts_at <= now < self.ends_at
            and (not self.plans or plan in self.plans)
            and (not self.audiences or audience in self.audiences)
        )


# (when it was read, by time.monotonic(), or None: never; the announcements)
_copy: tuple[float | None, tuple[Notice, ...]] = (None, ())


def current_announcements() -> tuple[Notice, ...]:
    """Announcements live now or within the next refresh, from this process's copy."""
    global _copy
    fetched_at, notices = _copy
    refresh = settings.ANNOUNCEMENTS_REFRESH_SECONDS
    if fetched_at is None or time.monotonic() - fetched_at >= refresh:
        now = timezone.now()
        horizon = now + timedelta(seconds=refresh)
        rows = Announcement.objects.filter(starts_at__lt=horizon, ends_at__gt=now)
        notices = tuple(
            Notice(
                id=row.pk,
                title=row.title,
                body=row.body,
                level=row.level,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                plans=tuple(row.plans),
                audiences=tuple(row.audiences),
            )
            for row in rows.order_by("-starts_at")
        )
        _copy = (time.monotonic(), notices)
    return notices


def forget_copy() -> None:
    """Make this process read announcements afresh (after a change made here)."""
    global _copy
    _copy = (None, ())


def announcements_for(*, agency, plan: str, audience: str, user_id: int) -> list[Notice]:
    """What ``user_id`` of ``agency`` sees now: live, aimed at their plan and audience, and
    not dismissed. Queries only when one is aimed at them."""
    now = timezone.now()
    aimed = [n for n in current_announcements() if n.reaches(plan=plan, audience=audience, now=now)]
    if not aimed:
        return []
    dismissed = set(
        AnnouncementDismissal.objects.filter(
            agency_id=agency.pk, user_id=user_id, announcement_id__in=[n.id for n in aimed]
        ).values_list("announcement_id", flat=True)
    )
    return [notice for notice in aimed if notice.id not in dismissed]


def announcement_dismiss(*, announcement_id: int, agency, user_id: int) -> bool:
    """Hide an announcement from one person for good; False if it is not one they see."""
    if not Announcement.objects.filter(pk=announcement_id).exists():
        return False
    AnnouncementDismissal.objects.get_or_create(
        announcement_id=announcement_id, agency_id=agency.pk, user_id=user_id
    )
    return True


def _clean(*, title, body, starts_at, ends_at, plans, audiences) -> dict:
    errors = {}
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        errors["title"] = "Give the announcement a title."
    if not body:
        errors["body"] = "Write what the announcement says."
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = END_BEFORE_START
    elif starts_at and ends_at and ends_at - starts_at > LONGEST:
        errors["ends_at"] = "An announcement runs at most 90 days."
    known_plans = {plan["key"] for plan in settings.BILLING_PLANS}
    unknown = sorted(set(plans) - known_plans)
    if unknown:
        errors["plans"] = f"No such plan: {', '.join(unknown)}."
    unknown = sorted(set(audiences) - set(Announcement.Audience.values))
    if unknown:
        errors["audiences"] = f"No such audience: {', '.join(unknown)}."
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "body": body,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "plans": sorted(set(plans)),
        "audiences": sorted(set(audiences)),
    }


def _described(announcement: Announcement) -> dict:
    return {
        "title": announcement.title,
        "starts_at": announcement.starts_at.isoformat(),
        "ends_at": announcement.ends_at.isoformat(),
        "plans": announcement.plans,
        "audiences": announcement.audiences,
        "level": announcement.level,
    }


def announcement_create(
    *, operator, title, body, level, starts_at, ends_at, plans=(), audiences=(), request=None
) -> Announcement:
    fields = _clean(
        title=title,
        body=body,
        starts_at=starts_at,
        ends_at=ends_at,
        plans=plans,
        audiences=audiences,
    )
    with transaction.atomic():
        announcement = Announcement.objects.create(level=level, created_by=operator, **fields)
        operator_log_record(
            operator=operator,
            action="announcement.published",
            changes=_described(announcement),
            request=request,
        )
    transaction.on_commit(forget_copy)
    return announcement


def announcement_update(
    *,
    announcement,
    operator,
    title,
    body,
    level,
    starts_at,
    ends_at,
    plans,
    audiences,
    request=None,
) -> Announcement:
    fields = _clean(
        title=title,
        body=body,
        starts_at=starts_at,
        ends_at=ends_at,
        plans=plans,
        audiences=audiences,
    )
    with transaction.atomic():
        before = _described(announcement)
        for name, value in {"level": level, **fields}.items():
            setattr(announcement, name, value)
        announcement.save()
        after = _described(announcement)
        operator_log_record(
            operator=operator,
            action="announcement.changed",
            changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
            request=request,
        )
    transaction.on_commit(forget_copy)
    return announcement


def announcement_end(*, announcement, operator, request=None) -> Announcement:
    """Take an announcement down now (it stays in the list, ended)."""
    now = timezone.now()
    if announcement.ends_at <= now:
        raise ValidationError("This announcement has already ended.")
    started = announcement.starts_at <= now
    with transaction.atomic():
        if not started:  # never shown: withdrawn, its window closed before it opens
            announcement.starts_at = now - timedelta(seconds=1)
        announcement.ends_at = now
        announcement.save(update_fields=["starts_at", "ends_at"])
        operator_log_record(
            operator=operator,
            action="announcement.ended" if started else "announcement.withdrawn",
            changes={"title": announcement.title},
            request=request,
        )
    transaction.on_commit(forget_copy)
    return announcement

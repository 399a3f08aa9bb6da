"""Every write to milestones and the weekly report's switch: each in a transaction and in
the activity log."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from tenant_apps.activity.actions import activity_record
from tenant_apps.people.models import ClientCompany
from tenant_apps.projects.audit import ProjectAudit
from tenant_apps.projects.models import Milestone, MilestoneStatus, WeeklyReportSetting

EDITABLE = ("title", "description", "due_date")


def _clean_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise ValidationError({"title": "Give the milestone a title."})
    return title


def _shown(value) -> str | None:
    # Plain strings: the log reads a two-item list as a [before, after] pair.
    return None if value in (None, "") else str(value)


def _locked(milestone: Milestone) -> Milestone:
    return Milestone.objects.select_for_update().select_related("company").get(pk=milestone.pk)


def _set_status(milestone: Milestone, status: str) -> None:
    milestone.status = status
    milestone.completed_at = timezone.now() if status == MilestoneStatus.COMPLETED else None


def milestone_post(
    *,
    company,
    title,
    actor,
    description="",
    status=MilestoneStatus.PLANNED,
    due_date=None,
    request=None,
) -> Milestone:
    """A milestone at the end of ``company``'s list."""
    title = _clean_title(title)
    with transaction.atomic():
        # The company's row, locked (not against its new rows' foreign keys): two posts at
        # once must not take the same position.
        list(ClientCompany.objects.select_for_update(no_key=True).filter(pk=company.pk))
        last = Milestone.objects.filter(company=company).aggregate(last=Max("position"))["last"]
        milestone = Milestone(
            company=company,
            title=title,
            description=description.strip(),
            due_date=due_date,
            position=(last or 0) + 1,
            posted_by=actor,
        )
        _set_status(milestone, status)
        milestone.save()
        activity_record(
            action=ProjectAudit.MILESTONE_POSTED,
            actor=actor,
            target=milestone,
            request=request,
            changes={"status": status, "due_date": _shown(due_date)},
        )
        return milestone


def milestone_update(*, milestone: Milestone, actor, request=None, **changes) -> Milestone:
    """Change any of the title, description and due date (None leaves a field as it is)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"milestones have no {sorted(unknown)} to change")
    given = {field: value for field, value in changes.items() if value is not None}
    if "title" in given:
        given["title"] = _clean_title(given["title"])
    if "description" in given:
        given["description"] = given["description"].strip()
    with transaction.atomic():
        milestone = _locked(milestone)
        diff = {
            field: [_shown(getattr(milestone, field)), _shown(value)]
            for field, value in given.items()
            if getattr(milestone, field) != value
        }
        if not diff:
            return milestone
        for field in diff:
            setattr(milestone, field, given[field])
        milestone.updated_at = timezone.now()
        milestone.save(update_fields=[*diff, "updated_at"])
        activity_record(
            action=ProjectAudit.MILESTONE_UPDATED,
            actor=actor,
            target=milestone,
            request=request,
            # The description is shown, not logged in full: just that it changed.
            changes={f: ("changed" if f == "description" else d) for f, d in diff.items()},
        )
        return milestone


def milestone_status_change(*, milestone: Milestone, status: str, actor, request=None) -> Milestone:
    if status not in MilestoneStatus.values:
        raise ValidationError({"status": "Choose one of the statuses offered."})
    with transaction.atomic():
        milestone = _locked(milestone)
        before = milestone.status
        if before == status:
            return milestone
        _set_status(milestone, status)
        milestone.updated_at = timezone.now()
        milestone.save(update_fields=["status", "completed_at", "updated_at"])
        activity_record(
            action=ProjectAudit.MILESTONE_STATUS_CHANGED,
            actor=actor,
            target=milestone,
            request=request,
            changes={"status": [before, status]},
        )
        return milestone


def milestone_move(*, milestone: Milestone, direction: str, actor, request=None) -> Milestone:
    """Swap ``milestone`` with its neighbour ``direction`` ("up" or "down"); at either end of
    the list nothing changes."""
    if direction not in ("up", "down"):
        raise ValidationError({"direction": 'Move a milestone "up" or "down".'})
    with transaction.atomic():
        milestone = _locked(milestone)
        siblings = Milestone.objects.select_for_update().filter(company_id=milestone.company_id)
        if direction == "up":
            neighbour = siblings.filter(position__lt=milestone.position).order_by("-position")
        else:
            neighbour = siblings.filter(position__gt=milestone.position).order_by("position")
        other = neighbour.first()
        if other is None:
            return milestone
        before = milestone.position
        milestone.position, other.position = other.position, milestone.position
        # Both rows change in one statement each; the unique position is checked at commit.
        Milestone.objects.bulk_update([milestone, other], ["position"])
        activity_record(
            action=ProjectAudit.MILESTONE_MOVED,
            actor=actor,
            target=milestone,
            request=request,
            changes={"position": [before, milestone.position]},
        )
        return milestone


def milestone_remove(*, milestone: Milestone, actor, request=None) -> None:
    """Delete ``milestone``; the ones after it move up, so positions stay 1, 2, 3…"""
    with transaction.atomic():
        milestone = _locked(milestone)
        activity_record(
            action=ProjectAudit.MILESTONE_REMOVED,
            actor=actor,
            target=milestone,
            request=request,
            changes={"status": milestone.status, "position": milestone.position},
        )
        company_id, position = milestone.company_id, milestone.position
        milestone.delete()
        Milestone.objects.filter(company_id=company_id, position__gt=position).update(
            position=F("position") - 1
        )


def weekly_report_switch(*, enabled: bool, actor, request=None) -> WeeklyReportSetting:
    """Turn the weekly client report on or off for the whole agency."""
    with transaction.atomic():
        setting, _ = WeeklyReportSetting.objects.select_for_update().get_or_create(pk=1)
        if setting.is_enabled == enabled:
            return setting
        before = setting.is_enabled
        setting.is_enabled = enabled
        setting.updated_at = timezone.now()
        setting.save(update_fields=["is_enabled", "updated_at"])
        activity_record(
            action=ProjectAudit.WEEKLY_REPORT_SWITCHED,
            actor=actor,
            target=setting,
            request=request,
            changes={"enabled": [before, enabled]},
        )
        return setting

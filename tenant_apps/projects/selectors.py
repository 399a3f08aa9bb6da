"""Reads of milestones and of the weekly report's switch."""

from django.db.models import Q, QuerySet

from tenant_apps.kit.access import Actor
from tenant_apps.kit.samples import Sample, sample
from tenant_apps.people.models import ClientCompany
from tenant_apps.projects.models import Milestone, MilestoneStatus, WeeklyReportSetting

OPEN_STATUSES = [MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS, MilestoneStatus.BLOCKED]


def visible_milestones(actor: Actor) -> QuerySet[Milestone]:
    """Milestones of the companies ``actor`` sees (client people: their own company's, every
    role alike), in each company's order, with what a row shows."""
    milestones = Milestone.objects.select_related("company", "posted_by")
    ids = actor.visible_company_ids
    return milestones if ids is None else milestones.filter(company_id__in=ids)


def company_milestones(actor: Actor, company: ClientCompany, *, limit: int) -> Sample:
    """``company``'s milestones in the team's order, with how many are completed (one query)."""
    milestones = visible_milestones(actor).filter(company=company).order_by("position", "id")
    return sample(milestones, limit, completed=Q(status=MilestoneStatus.COMPLETED))


def weekly_report_enabled() -> bool:
    """The agency's choice; on until the owner turns it off."""
    chosen = WeeklyReportSetting.objects.filter(pk=1).values_list("is_enabled", flat=True)
    return next(iter(chosen), True)

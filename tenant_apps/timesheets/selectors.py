"""Reads of time entries and retainers. A company's retainer month is computed from its
retainer's terms and the billable minutes logged on its requests, month by month since the
retainer started (see docs/time-and-retainers.md for the rollover rule)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncMonth

from tenant_apps.kit.access import Actor, can
from tenant_apps.people.models import ClientCompany
from tenant_apps.timesheets.actions import agency_today
from tenant_apps.timesheets.models import Retainer, Rollover, TimeEntry, hours_text


def request_entries(actor: Actor, client_request) -> QuerySet[TimeEntry]:
    """The time logged on ``client_request``, for the team who may log it; none otherwise."""
    if not can(actor, "time.log", client_request):
        return TimeEntry.objects.none()
    return TimeEntry.objects.filter(request=client_request).select_related("member")


@dataclass(frozen=True)
class RetainerMonth:
    company: ClientCompany
    retainer: Retainer
    month: date  # its first day
    included_minutes: int
    carried_minutes: int  # carried over from the month before, within the cap
    used_minutes: int  # billable minutes logged on the company's requests this month

    @property
    def available_minutes(self) -> int:
        return self.included_minutes + self.carried_minutes

    @property
    def remaining_minutes(self) -> int:
        return max(0, self.available_minutes - self.used_minutes)

    @property
    def over_minutes(self) -> int:
        return max(0, self.used_minutes - self.available_minutes)

    @property
    def is_over(self) -> bool:
        return self.over_minutes > 0

    @property
    def used_percent(self) -> int:
        if not self.available_minutes:
            return 100
        return min(100, round(100 * self.used_minutes / self.available_minutes))

    def text(self, field: str) -> str:
        return hours_text(getattr(self, f"{field}_minutes"))

    included = property(lambda self: self.text("included"))
    carried = property(lambda self: self.text("carried"))
    available = property(lambda self: self.text("available"))
    used = property(lambda self: self.text("used"))
    remaining = property(lambda self: self.text("remaining"))
    over = property(lambda self: self.text("over"))


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _months(retainers: list[Retainer], month: date) -> dict[int, RetainerMonth]:
    """Each retainer's ``month`` (company id -> month), from one query of their usage."""
    retainers = [retainer for retainer in retainers if retainer.starts_on <= month]
    if not retainers:
        return {}
    usage = (
        TimeEntry.objects.filter(
            request__company_id__in=[retainer.company_id for retainer in retainers],
            billable=True,
            worked_on__gte=min(retainer.starts_on for retainer in retainers),
            worked_on__lt=_next_month(month),
        )
        .annotate(month=TruncMonth("worked_on"))
        .values_list("request__company_id", "month")
        .annotate(total=Sum("minutes"))
        .order_by()
    )
    used: dict[int, dict[date, int]] = defaultdict(dict)
    for company_id, used_month, total in usage:
        used[company_id][used_month] = total or 0
    months = {}
    for retainer in retainers:
        carried, current = 0, retainer.starts_on
        included, cap = retainer.minutes_per_month, retainer.cap_minutes
        while current < month:
            unused = max(0, included + carried - used[retainer.company_id].get(current, 0))
            carried = min(unused, cap) if retainer.rollover == Rollover.CARRY else 0
            current = _next_month(current)
        months[retainer.company_id] = RetainerMonth(
            company=retainer.company,
            retainer=retainer,
            month=month,
            included_minutes=included,
            carried_minutes=carried,
            used_minutes=used[retainer.company_id].get(month, 0),
        )
    return months


def this_month() -> date:
    return agency_today().replace(day=1)


def retainer_month(actor: Actor, company: ClientCompany, month: date | None = None):
    """``company``'s retainer in ``month`` (the agency's current month by default) for
    someone who may see it, or None: no retainer, not started then, or not theirs to see."""
    if not can(actor, "retainer.view", company):
        return None
    retainer = Retainer.objects.select_related("company").filter(company=company).first()
    if retainer is None:
        return None
    month = (month or this_month()).replace(day=1)
    return _months([retainer], month).get(company.pk)


def client_retainer_month(actor: Actor):
    """The client's own company's month, for their dashboard; None for the team."""
    if not actor.is_client:
        return None
    return retainer_month(actor, actor.client.company)


@dataclass(frozen=True)
class CompanyRetainer:
    company: ClientCompany
    month: RetainerMonth | None


def retainer_overview(actor: Actor, month: date | None = None) -> list[CompanyRetainer]:
    """Every active company with its retainer month (or none), for owners and admins: three
    queries, however many companies."""
    if not can(actor, "retainers.manage"):
        return []
    month = (month or this_month()).replace(day=1)
    companies = list(ClientCompany.objects.filter(is_archived=False).order_by("name", "id"))
    retainers = list(Retainer.objects.filter(company__in=[company.pk for company in companies]))
    by_company = {company.pk: company for company in companies}
    for retainer in retainers:
        retainer.company = by_company[retainer.company_id]
    months = _months(retainers, month)
    return [CompanyRetainer(company=company, month=months.get(company.pk)) for company in companies]


def retainer_months(month: date, *, company_id: int | None = None) -> list[RetainerMonth]:
    """Every active company's retainer ``month`` (those started by then), by company name, in
    two queries; for the retainer report, whose caller checks ``reports.view``."""
    retainers = Retainer.objects.select_related("company").filter(company__is_archived=False)
    if company_id is not None:
        retainers = retainers.filter(company_id=company_id)
    retainers = list(retainers.order_by("company__name", "company_id"))
    months = _months(retainers, month.replace(day=1))
    return [months[retainer.company_id] for retainer in retainers if retainer.company_id in months]

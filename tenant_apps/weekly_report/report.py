"""The weekly client report: for one client admin, what the team did for their company in a
week, and what is waiting on them now; emailed on Mondays (tasks.py) and previewed by the
owner in the browser (views.py)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.utils import timezone

from branding.emails import branded_email
from shared_apps.accounts.models import User
from tenant_apps.history.selectors import reader_for
from tenant_apps.inbox.selectors import InboxItem, waiting_on
from tenant_apps.kit.access import Actor
from tenant_apps.people.models import ClientCompany, ClientMember
from tenant_apps.workspace.selectors import FeedEntry, client_entries, feed_entry
from tenants.middleware import agency_url

ENTRIES_SHOWN = 25


@dataclass(frozen=True)
class WeeklyReport:
    company: ClientCompany
    recipient: User
    week: date  # its Monday
    done: list[FeedEntry]  # what the team did that week, newest first
    done_total: int
    summary: list[tuple[str, int]]  # (what happened, how often), most frequent first
    waiting: list[InboxItem]

    @property
    def week_end(self) -> date:
        return self.week + timedelta(days=6)

    @property
    def is_empty(self) -> bool:
        return not self.done_total and not self.waiting


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_report(*, member: ClientMember, week: date, zone: ZoneInfo) -> WeeklyReport:
    """The report for ``member`` (a client admin) on the week starting ``week`` in ``zone``:
    the team's doings on the items ``member`` may see, as their dashboard shows them."""
    actor = Actor(user=member.user, team=None, client=member)
    start = datetime.combine(week, time.min, tzinfo=zone)
    entries = client_entries(actor).filter(
        occurred_at__gte=start,
        occurred_at__lt=start + timedelta(days=7),
        actor__team_member__isnull=False,
    )
    reader = reader_for(actor)
    done = [feed_entry(entry, reader) for entry in entries]
    counted: dict[str, int] = {}
    for entry in done:
        counted[entry.what] = counted.get(entry.what, 0) + 1
    return WeeklyReport(
        company=member.company,
        recipient=member.user,
        week=week,
        done=done[:ENTRIES_SHOWN],
        done_total=len(done),
        summary=sorted(counted.items(), key=lambda item: (-item[1], item[0])),
        waiting=waiting_on(actor),
    )


def _absolute(path: str) -> str:
    """A path on the agency's host as a full URL; a full URL (a payment link) as it is."""
    if not path or "://" in path:
        return path
    return agency_url(connection.tenant.subdomain, path)


def weekly_report_context(report: WeeklyReport) -> dict:
    """What the email's templates show; links are absolute, to the agency's host."""
    return {
        "report": report,
        "recipient": report.recipient,
        "done": [(entry, _absolute(entry.url or "")) for entry in report.done],
        "waiting": [(item, _absolute(item.action_url)) for item in report.waiting],
        "more_done": report.done_total - len(report.done),
        "dashboard_url": _absolute("/"),
    }


def weekly_report_email(report: WeeklyReport, zone: ZoneInfo) -> EmailMultiAlternatives:
    with timezone.override(zone):
        return branded_email(
            to=[report.recipient.email],
            subject=f"{report.company.name}: your week, {report.week:%-d %b} to "
            f"{report.week_end:%-d %b %Y}",
            text_template="weekly_report/emails/weekly_report.txt",
            html_template="weekly_report/emails/weekly_report.html",
            context=weekly_report_context(report),
        )

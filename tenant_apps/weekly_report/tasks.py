from datetime import date, timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from shared_apps.core.regional import regional_for
from tenant_apps.client_requests.selectors import agency_zone
from tenant_apps.kit.roles import ClientRole
from tenant_apps.kit.tasks import for_each_agency
from tenant_apps.people.models import ClientMember
from tenant_apps.projects.models import WeeklyReportDelivery
from tenant_apps.projects.selectors import weekly_report_enabled
from tenant_apps.weekly_report.report import monday_of, weekly_report, weekly_report_email


@shared_task(ignore_result=True)
def weekly_reports() -> None:
    """Beat task (Monday mornings), in the public schema: start each live agency's."""
    for_each_agency(weekly_reports_agency.name)


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=6)
def weekly_reports_agency(week: str | None = None) -> int:
    """Email the report on the week starting ``week`` (a Monday, ISO; by default the week that
    just ended in the agency's time zone) to every client admin
    of every live client company, unless the agency switched it off. A report with nothing
    done and nothing waiting is not sent.

    Safe to retry or to run twice: each delivery is recorded with its send, and people
    recorded already are skipped. Returns how many emails were sent.
    """
    if not weekly_report_enabled():
        return 0
    zone = agency_zone()
    if week is None:
        monday = monday_of(timezone.localdate(timezone=zone) - timedelta(days=7))
    else:
        monday = date.fromisoformat(week)
    admins = ClientMember.objects.filter(
        role=ClientRole.ADMIN, user__is_active=True, company__is_archived=False
    ).select_related("user", "company")
    done = set(
        WeeklyReportDelivery.objects.filter(week=monday).values_list("company_id", "recipient_id")
    )
    sent = 0
    for member in admins:
        if (member.company_id, member.user_id) in done:
            continue
        with regional_for(member.user):  # what waits (amounts due) as they write it
            report = weekly_report(member=member, week=monday, zone=zone)
        if report.is_empty:
            continue
        # The record commits only if the send succeeded, so a retry sends what failed; a
        # concurrent duplicate waits on the unique key, then finds the record.
        with transaction.atomic():
            _, created = WeeklyReportDelivery.objects.get_or_create(
                company=member.company, recipient=member.user, week=monday
            )
            if created:
                weekly_report_email(report).send()
                sent += 1
    return sent

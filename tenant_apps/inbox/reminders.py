"""Due-date reminders: which step an item is at, who hears, and what they are told."""

from abc import ABC, abstractmethod
from datetime import date, timedelta

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import dateformat

from tenant_apps.client_requests.emails import client_recipients, team_recipients
from tenant_apps.client_requests.models import OPEN_STATUSES, ClientRequest, Status
from tenant_apps.inbox.actions import file_request_recipients, file_request_url
from tenant_apps.inbox.models import DueStep, FileRequest, FileRequestStatus


def due_step(due_date: date, today: date) -> DueStep | None:
    """The step an item due on ``due_date`` has reached today (None: not yet)."""
    if due_date < today:
        return DueStep.OVERDUE
    if due_date == today:
        return DueStep.TODAY
    if due_date == today + timedelta(days=1):
        return DueStep.TOMORROW
    return None


def step_title(step: DueStep, due_date: date, title: str) -> str:
    if step == DueStep.OVERDUE:
        return f"Overdue since {dateformat.format(due_date, 'j M')}: {title}"
    return f"{step.label}: {title}"


class Reminded(ABC):
    """One kind of item with due dates: where to find those due soon, and who hears."""

    subject: str  # DueReminder.subject
    kind: str  # the notification kind

    @abstractmethod
    def due_soon(self, today: date) -> QuerySet: ...

    @abstractmethod
    def recipients(self, item, step: DueStep) -> list: ...

    @abstractmethod
    def url(self, item) -> str: ...


class RequestsDue(Reminded):
    subject, kind = "request", "request.due"

    def due_soon(self, today):
        return ClientRequest.objects.filter(
            status__in=OPEN_STATUSES, due_date__lte=today + timedelta(days=1)
        ).select_related("company", "owner", "created_by")

    def recipients(self, item, step):
        # Waiting on the client, the client owes the next move; otherwise the team does.
        if item.status == Status.WAITING_ON_CLIENT:
            return client_recipients(item, None)
        return team_recipients(item, None)

    def url(self, item):
        return reverse("client_requests:detail", args=[item.pk])


class FileRequestsDue(Reminded):
    subject, kind = "file_request", "file_request.due"

    def due_soon(self, today):
        return FileRequest.objects.filter(
            status=FileRequestStatus.OPEN, due_date__lte=today + timedelta(days=1)
        ).select_related("company", "requested_from", "requested_by")

    def recipients(self, item, step):
        people = file_request_recipients(item)
        # Once it is late, whoever asked for it hears too.
        return [*people, item.requested_by] if step == DueStep.OVERDUE else people

    def url(self, item):
        return file_request_url(item)


REMINDED = [RequestsDue(), FileRequestsDue()]

from datetime import date, timedelta

from django import template
from django.utils.dateformat import format as date_format

from tenant_apps.client_requests.models import EventKind, Priority, Status

register = template.Library()


@register.filter
def business_time(value: timedelta | None) -> str:
    """``timedelta(hours=26, minutes=5)`` → "26 h 5 min", sign dropped (the caller says left or
    over); business time counts in hours, since its "days" are only the opening hours."""
    if value is None:
        return ""
    minutes = abs(int(value.total_seconds())) // 60
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _label(choices, value) -> str:
    try:
        return choices(value).label.lower()
    except ValueError:
        return str(value)


def _day(value) -> str:
    return date_format(date.fromisoformat(value), "j M Y") if value else "none"


@register.simple_tag
def event_text(event) -> str:
    """What a timeline line says happened, after the actor's name."""
    change = event.change
    match event.kind:
        case EventKind.CREATED:
            return "submitted the request"
        case EventKind.REPLY:
            return "replied"
        case EventKind.NOTE:
            return "added an internal note"
        case EventKind.STATUS:
            return (
                f"moved it from {_label(Status, change.get('from'))} "
                f"to {_label(Status, change.get('to'))}"
            )
        case EventKind.ASSIGNED:
            return f"assigned it to {change['to']}" if change.get("to") else "unassigned it"
        case EventKind.PRIORITY:
            return (
                f"changed the priority from {_label(Priority, change.get('from'))} "
                f"to {_label(Priority, change.get('to'))}"
            )
        case EventKind.DUE:
            if not change.get("to"):
                return "removed the due date"
            return f"set the due date to {_day(change.get('to'))}"
        case _:
            return "added files"

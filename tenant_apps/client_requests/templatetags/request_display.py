from datetime import date, timedelta

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from shared_apps.core.templatetags.formatting import day_month_year, iso
from tenant_apps.client_requests.models import EventKind, Priority, Status
from tenant_apps.kit.templatetags.lists import row_escape, row_url

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


# Where a request stands against its SLA, for the team (clock) and for clients (promise), and
# its due date. Tags rather than template includes: the request list shows them on every row.
DUE_AT = "D j M, H:i T"  # in the current time zone: the agency's business one
NOTHING = mark_safe('<span class="muted">—</span>')


@register.simple_tag
def sla_clock(item, clock) -> SafeString:
    badge = format_html(
        '<span class="badge sla-{}">{}</span>', item.sla_state, item.get_sla_state_display()
    )
    if clock.left is not None:
        over = clock.over
        return badge + format_html(
            ' <small class="sla-left{}">{} {}</small> <small class="sla-left">{} {}</small>',
            " over" if over else "",
            business_time(clock.left),
            "over" if over else "left",
            clock.label,
            date_format(localtime(clock.due_at), DUE_AT),
        )
    if item.sla_state == "paused":
        return badge + mark_safe(' <small class="muted">waiting on client</small>')
    return badge


@register.simple_tag
def sla_promise(item) -> SafeString:
    if item.status == Status.WAITING_ON_CLIENT:
        return mark_safe('<span class="badge status-waiting_on_client">Waiting on you</span>')
    if not item.is_open:
        return NOTHING
    if item.first_response_at:
        return format_html("Answered {}", date_format(localtime(item.first_response_at), "j M"))
    if item.response_due_at:
        return format_html("By {}", date_format(localtime(item.response_due_at), DUE_AT))
    return NOTHING


@register.simple_tag
def due_date(item) -> SafeString:
    if not item.due_date:
        return NOTHING
    overdue = mark_safe(' <span class="badge overdue">Overdue</span>') if item.is_overdue else ""
    return format_html("{}{}", date_format(item.due_date, "j M Y"), overdue)


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


@register.simple_tag
def request_row(item, clock, actor) -> SafeString:
    """``{% request_row item clock actor %}``: one row of the request list, written in Python
    (two dozen template lookups, filters and tags a row were most of the list's rendering).
    The same HTML as the template it replaced, every value escaped as the template did."""
    escape = row_escape
    client = actor.is_client
    company = "" if client else f"<td>{escape(item.company)}</td>"
    promise = sla_promise(item) if client else sla_clock(item, clock)
    owner = item.owner or "Unassigned"
    # The team's rows: a box to pick it for a bulk change, and its tags (prefetched).
    pick = tags = ""
    if not client:
        pick = (
            f'<td class="pick"><input type="checkbox" name="ids" value="{item.pk}" '
            f'aria-label="Select #{item.pk}" data-pick></td>\n      '
        )
        tags = "".join(f" {tag_badge(tag)}" for tag in item.tags.all())
    return SafeString(
        "<tr>\n"
        f"      {pick}"
        f'<td class="title"><a href="{escape(row_url("client_requests:detail", item.pk))}">'
        f'{escape(item.title)}</a> <span class="muted">#{item.pk}</span>{tags}</td>\n'
        f'      <td><time datetime="{escape(iso(item.created_at))}">'
        f"{escape(day_month_year(item.created_at))}</time></td>\n"
        f"      {company}\n"
        f"      <td>{escape(item.type)}</td>\n"
        f'      <td><span class="badge status-{escape(item.status)}">'
        f"{escape(item.get_status_display())}</span></td>\n"
        f'      <td><span class="priority priority-{escape(item.priority)}">'
        f"{escape(item.get_priority_display())}</span></td>\n"
        f"      <td>{escape(owner)}</td>\n"
        f"      <td>{promise}</td>\n"
        f"      <td>{due_date(item)}</td>\n"
        "    </tr>"
    )


@register.simple_tag
def tag_badge(tag) -> str:
    """A tag in its colour (white text on the palette's dark colours: AA contrast)."""
    return f'<span class="tag tag-{row_escape(tag.colour)}">{row_escape(tag.name)}</span>'

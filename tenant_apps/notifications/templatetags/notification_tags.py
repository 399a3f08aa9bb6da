from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from tenant_apps.notifications.links import session_scope
from tenant_apps.notifications.selectors import unread_count

register = template.Library()


@register.inclusion_tag("notifications/includes/bell.html", takes_context=True)
def notification_bell(context):
    """The bell with its unread count (cached per person; no query on most pages)."""
    return {"unread": unread_count(context["request"].user)}


@register.simple_tag(takes_context=True)
def opened_by_link(context) -> bool:
    """Whether this page was reached through a single-purpose link's limited session."""
    return session_scope(context["request"]) is not None


@register.filter
def ago(moment) -> str:
    """ "just now", or "3 hours ago"."""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"

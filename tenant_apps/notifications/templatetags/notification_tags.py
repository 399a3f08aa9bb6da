from django import template

from tenant_apps.notifications.selectors import unread_count

register = template.Library()


@register.inclusion_tag("notifications/includes/bell.html", takes_context=True)
def notification_bell(context):
    """The bell with its unread count (cached per person; no query on most pages)."""
    return {"unread": unread_count(context["request"].user)}

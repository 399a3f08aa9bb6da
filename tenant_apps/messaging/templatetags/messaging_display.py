import re

from django import template
from django.utils.html import escape, format_html, linebreaks
from django.utils.safestring import mark_safe

from tenant_apps.messaging.actions import MENTION

register = template.Library()


@register.filter
def message_html(message) -> str:
    """A message's words as paragraphs, its mentions of people shown by name."""
    people = {user.email.lower(): user for user in message.mentions.all()}

    def mention(match: re.Match) -> str:
        person = people.get(match.group(1).lower())
        if person is None:
            return match.group(0)
        return format_html(
            '<span class="mention" title="{}">@{}</span>',
            person.email,
            person.full_name or person.email,
        )

    # Escaped first; the pattern only matches characters escaping leaves alone.
    return mark_safe(linebreaks(MENTION.sub(mention, escape(message.body))))  # noqa: S308

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from tenant_apps.documents.selectors import SNIPPET_START, SNIPPET_STOP

register = template.Library()


@register.filter
def highlighted(snippet: str) -> str:
    """A search snippet, escaped, with its matches in <mark>."""
    marked = escape(snippet or "").replace(SNIPPET_START, "<mark>").replace(SNIPPET_STOP, "</mark>")
    return mark_safe(marked)  # noqa: S308 (escaped above; only our markers become tags)

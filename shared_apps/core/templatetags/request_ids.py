"""``{% request_id_note %}`` on error pages: the request's id, for a customer to quote."""

from django import template
from django.utils.html import format_html

from shared_apps.core.logs import current_request_id

register = template.Library()


@register.simple_tag
def request_id_note():
    """Works without a context too: the 500 page is rendered with none."""
    request_id = current_request_id()
    if not request_id:
        return ""
    return format_html(
        '<p class="request-id">If you write to us about this, quote <code>{}</code>.</p>',
        request_id,
    )

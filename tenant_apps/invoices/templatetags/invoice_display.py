from django import template

from tenant_apps.invoices.models import MOVES

register = template.Library()


@register.filter
def quantity(value) -> str:
    """2.00 → "2", 1.50 → "1.5"."""
    return f"{value.normalize():f}"


HISTORY = {
    "invoice.created": "Created as a draft",
    "invoice.uploaded": "Uploaded as a draft",
    "invoice.updated": "Draft changed",
    "invoice.credited": "Credit note issued",
} | {move.logged: move.done for move in MOVES.values()}


@register.simple_tag
def history_text(entry) -> str:
    """What an invoice's activity entry says happened."""
    return HISTORY.get(entry.action, entry.action)

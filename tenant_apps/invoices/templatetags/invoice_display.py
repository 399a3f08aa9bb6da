from django import template

from tenant_apps.invoices.currencies import currency_get, money_format, money_round
from tenant_apps.invoices.models import MOVES

register = template.Library()


@register.simple_tag
def money(amount, currency_code: str) -> str:
    """``amount`` in ``currency_code``, to its minor unit: "EUR 1,234.50", "JPY 1,235"."""
    currency = currency_get(currency_code)
    if currency is not None:
        amount = money_round(amount, currency)
    return money_format(amount, currency_code)


@register.filter
def quantity(value) -> str:
    """2.00 → "2", 1.50 → "1.5"."""
    return f"{value.normalize():f}"


HISTORY = {
    "invoice.created": "Created as a draft",
    "invoice.uploaded": "Uploaded as a draft",
    "invoice.updated": "Draft changed",
} | {move.logged: move.done for move in MOVES.values()}


@register.simple_tag
def history_text(entry) -> str:
    """What an invoice's activity entry says happened."""
    return HISTORY.get(entry.action, entry.action)

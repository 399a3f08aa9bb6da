"""``{% load formatting %}``: money, dates and times in the viewer's locale and zone."""

from django import template

from shared_apps.core import formatting

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """``{{ invoice.total|money:invoice.currency }}`` → "€7,056.00"."""
    return "" if amount in (None, "") else formatting.format_money(amount, currency)


@register.filter
def day(value) -> str:
    return formatting.format_day(value) if value else ""


@register.filter(expects_localtime=True)
def iso(value) -> str:
    """``<time datetime="{{ invoice.due_date|iso }}">``: as ``date:"Y-m-d"`` (dates) or
    ``date:"c"`` (datetimes, in the current zone), cheaper."""
    return "" if value in (None, "") else formatting.format_iso(value)


@register.filter(expects_localtime=True)
def day_month_year(value) -> str:
    """As ``date:"j M Y"`` ("10 Dec 2026"), cheaper: list pages write it on every row."""
    return "" if value in (None, "") else formatting.format_day_month_year(value)


@register.filter
def day_long(value) -> str:
    return formatting.format_day_long(value) if value else ""


@register.filter
def clock(value) -> str:
    return formatting.format_clock(value) if value else ""


@register.filter
def moment(value) -> str:
    return formatting.format_moment(value) if value else ""


@register.filter
def deadline(value) -> str:
    """For promises and due times: "Thursday 10 December at 17:00 CET"."""
    return formatting.format_deadline(value) if value else ""

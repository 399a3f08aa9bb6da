from django import template

from tenant_apps.reports.results import cell_text

register = template.Library()


@register.filter
def cell(row: dict, column) -> str:
    """A row's figure for ``column``, written as the CSV writes it ("—" when there is none)."""
    return cell_text(row.get(column.key), empty="—")


@register.filter
def value_of(row: dict, column):
    return row.get(column.key)

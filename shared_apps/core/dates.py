"""Date fields typed as the reader's locale writes dates, so inputs and pages agree.

A native <input type="date"> shows the browser's own order (mm/dd/yyyy in an American
browser) whatever the agency's or the person's locale, while every page writes dates in that
locale. These fields show and read the locale's short date order with a four-digit year
(en-GB 31/12/2026, en-US 12/31/2026, en-CA 2026-12-31), and still take ISO dates, which
links and scripts send.
"""

import re
import time
from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError

from shared_apps.core.formatting import current_locale

ISO = "%Y-%m-%d"
_PARTS = {"d": ("dd", "%d"), "M": ("mm", "%m"), "y": ("yyyy", "%Y")}


def date_pattern() -> tuple[str, str]:
    """The active locale's short date order: what people read ("dd/mm/yyyy") and strptime's
    pattern ("%d/%m/%Y")."""
    short = current_locale().date_formats["short"].pattern  # en-GB dd/MM/y, en-US M/d/yy
    fields = re.findall(r"([dMy])+", short)
    separator = re.search(r"[dMy]+([^dMy]+)[dMy]", short).group(1)
    shown = separator.join(_PARTS[field][0] for field in fields)
    parsed = separator.join(_PARTS[field][1] for field in fields)
    return shown, parsed


class LocalDateInput(forms.DateInput):
    """A text box holding the date in the locale's order, its pattern as the placeholder."""

    input_type = "text"

    def format_value(self, value):
        if isinstance(value, date):
            return value.strftime(date_pattern()[1])
        return value  # what the person typed, shown back with its error

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(
            {"placeholder": date_pattern()[0], "inputmode": "numeric", "autocomplete": "off"}
        )
        return context


class LocalDateField(forms.DateField):
    """A date typed in the locale's order (see ``LocalDateInput``), or ISO."""

    widget = LocalDateInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        shown, parsed = date_pattern()
        for pattern in (parsed, ISO):
            try:
                return date(*time.strptime(str(value).strip(), pattern)[:3])
            except ValueError:
                continue
        example = date(2026, 12, 31).strftime(parsed)
        raise ValidationError(f"Enter the date as {shown}, for example {example}.", code="invalid")

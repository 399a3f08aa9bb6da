"""The agency's words for a client and a request (from its brand), for labels made in Python:
form fields and column headers. Templates say them through ``brand``, e.g. ``brand.client_word``.

The labels are lazy, read from the current agency's brand when shown: a form declared once
speaks each agency's words, and code that never shows them (the API) never looks them up.
"""

from django import forms
from django.db import connection
from django.utils.functional import lazy
from django.utils.text import capfirst

from branding.selectors import BrandView, brand_for
from tenant_apps.kit.widgets import ClientPicker


def agency_words() -> BrandView:
    """The brand of the agency whose schema the connection is in (its words among the rest)."""
    tenant = getattr(connection, "tenant", None)
    # The public schema's stand-in tenant is no agency: the platform's own words there.
    return brand_for(tenant if getattr(tenant, "pk", None) else None)


CLIENT = lazy(lambda: capfirst(agency_words().client_word), str)()
ANY_CLIENT = lazy(lambda: f"Any {agency_words().client_word}", str)()


class ClientFilterField(forms.ModelChoiceField):
    """An optional filter on client companies, in the agency's words: "Customer", with
    "Any customer" for no filter. Takes a company's id, or, from the search box an agency
    with many clients gets (``ClientPicker``), part of its name that only one matches."""

    widget = ClientPicker
    SHOWN_MATCHES = 5  # names listed when a search matches several

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset, required=False, label=CLIENT, **kwargs)
        # Set after: the constructor compares the empty label with "", which would read it.
        self.empty_label = ANY_CLIENT

    def to_python(self, value):
        text = value.strip() if isinstance(value, str) else value
        if not isinstance(text, str) or not text or text.isdigit():
            return super().to_python(value)
        exact = list(self.queryset.filter(name__iexact=text)[:2])
        if len(exact) == 1:
            return exact[0]
        found = list(self.queryset.filter(name__icontains=text)[: self.SHOWN_MATCHES + 1])
        if len(found) == 1:
            return found[0]
        word = agency_words().client_word
        if not found:
            message = f'No {word} has "{text}" in its name.'
            raise forms.ValidationError(message, code="invalid_choice")
        names = ", ".join(company.name for company in found[: self.SHOWN_MATCHES])
        more = ", …" if len(found) > self.SHOWN_MATCHES else ""
        raise forms.ValidationError(
            f'Several match "{text}": {names}{more}. Type more of the name.', code="invalid_choice"
        )

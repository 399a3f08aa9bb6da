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
from tenant_apps.kit.widgets import QuickSelect


def agency_words() -> BrandView:
    """The brand of the agency whose schema the connection is in (its words among the rest)."""
    tenant = getattr(connection, "tenant", None)
    # The public schema's stand-in tenant is no agency: the platform's own words there.
    return brand_for(tenant if getattr(tenant, "pk", None) else None)


CLIENT = lazy(lambda: capfirst(agency_words().client_word), str)()
ANY_CLIENT = lazy(lambda: f"Any {agency_words().client_word}", str)()


class ClientFilterField(forms.ModelChoiceField):
    """An optional filter on client companies, in the agency's words: "Customer", with
    "Any customer" for no filter. Its select grows with the clients, so it is a QuickSelect."""

    widget = QuickSelect

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset, required=False, label=CLIENT, **kwargs)
        # Set after: the constructor compares the empty label with "", which would read it.
        self.empty_label = ANY_CLIENT

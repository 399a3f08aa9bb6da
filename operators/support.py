"""What the console shows and asks about an agency's support access (pages and API alike)."""

from django import forms
from django.conf import settings
from django.urls import reverse

from operators.impersonation import active_grant, agency_people, live_sessions
from operators.models import ImpersonationSession
from operators.roles import Capability, role_may
from tenants.middleware import agency_url

RECENT = 10


class StartForm(forms.Form):
    person = forms.TypedChoiceField(label="Sign in as", coerce=int)
    reason = forms.CharField(
        label="Reason",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required. The agency reads it in its own log.",
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [
            (
                person.pk,
                f"{person.full_name} ({person.email})" if person.full_name else person.email,
            )
            for person in people
        ]


def support_state(agency) -> dict:
    """The agency's grant in force, its live sessions and the latest ones (constant queries)."""
    return {
        "grant": active_grant(agency),
        "live": list(live_sessions().filter(agency=agency).select_related("grant")),
        "recent": list(
            ImpersonationSession.objects.filter(agency=agency).select_related("grant")[:RECENT]
        ),
    }


def may_pick_person(operator, state: dict) -> bool:
    """Whether ``operator`` is shown the agency's people to act as: one who may start a session,
    while the agency's grant (its owner's consent) is in force; no one else sees them."""
    may = operator is not None and role_may(operator.role, Capability.IMPERSONATE)
    return may and state["grant"] is not None


def start_form(agency, data=None) -> StartForm:
    return StartForm(data, people=agency_people(agency))


def handoff_url(agency, secret: str) -> str:
    """Where the operator's browser trades the secret for a session on the agency's host."""
    path = reverse("support_access:handoff", args=[secret], urlconf=settings.ROOT_URLCONF)
    return agency_url(agency.subdomain, path)

from django import forms

from shared_apps.accounts.models import User
from shared_apps.core.dates import LocalDateField
from tenant_apps.activity.descriptions import SIGN_IN_CHOICES
from tenant_apps.activity.events import audit_events
from tenant_apps.kit import words
from tenant_apps.kit.access import Actor, can
from tenant_apps.people.models import ClientCompany
from tenant_apps.people.selectors import visible_companies


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user.full_name} ({user.email})" if user.full_name else user.email


class ActivityFilterForm(forms.Form):
    """Filters for the activity log: the workspace page, its CSV export and the API."""

    person = PersonField(queryset=User.objects.none(), required=False, empty_label="Anyone")
    company = words.ClientFilterField(ClientCompany.objects.none())
    action = forms.ChoiceField(
        choices=[
            ("", "Any"),
            *sorted((code, event.label) for code, event in audit_events().items()),
        ],
        required=False,
    )
    since = LocalDateField(required=False, label="From")
    until = LocalDateField(required=False, label="To")

    def __init__(self, data, *, actor: Actor):
        super().__init__(data)
        if can(actor, "activity.view_all"):
            people, companies = User.objects.all(), ClientCompany.objects.all()
        else:
            # Only choices they could see anyway, so a refused id never tells whether it exists.
            people, companies = User.objects.filter(pk=actor.user.pk), visible_companies(actor)
        self.fields["person"].queryset = people
        self.fields["company"].queryset = companies

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return data


class SignInsForm(forms.Form):
    """How the log's pages show the routine codes (sign-ins): folded per person and day by
    default, hidden, or each one."""

    sign_ins = forms.ChoiceField(
        choices=SIGN_IN_CHOICES, required=False, label="Sign-ins and sign-outs"
    )

    def clean_sign_ins(self):
        return self.cleaned_data["sign_ins"] or "folded"


class LogFilterForm(SignInsForm, ActivityFilterForm):
    """The workspace log page's filters: the API's, and how sign-ins show."""


class PositionForm(forms.Form):
    """Where a page of the log starts: just before or just after an entry id."""

    before = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    after = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

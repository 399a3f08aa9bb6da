from django import forms

from tenant_apps.timesheets.actions import MAX_HOURS_PER_MONTH, MAX_MINUTES
from tenant_apps.timesheets.models import Rollover


class TimeEntryForm(forms.Form):
    minutes = forms.IntegerField(
        label="Minutes", min_value=1, max_value=MAX_MINUTES, help_text="90 for an hour and a half."
    )
    worked_on = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    billable = forms.BooleanField(label="Billable", required=False, initial=True)
    note = forms.CharField(label="Note", max_length=300, required=False)


class RetainerForm(forms.Form):
    company = forms.TypedChoiceField(label="Client company", coerce=int)
    hours_per_month = forms.DecimalField(
        label="Hours per month",
        min_value=0,
        max_value=MAX_HOURS_PER_MONTH,
        decimal_places=2,
        max_digits=6,
    )
    rollover = forms.ChoiceField(label="Unused hours", choices=Rollover.choices)
    rollover_cap_hours = forms.DecimalField(
        label="Most hours carried over",
        required=False,
        min_value=0,
        max_value=MAX_HOURS_PER_MONTH,
        decimal_places=2,
        max_digits=6,
        help_text="Only when unused hours carry over.",
    )

    def __init__(self, *args, companies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].choices = [("", "Choose a company")] + [
            (company.pk, company.name) for company in companies
        ]

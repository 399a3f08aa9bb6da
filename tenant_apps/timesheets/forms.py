from decimal import Decimal

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


class TimeInvoiceForm(forms.Form):
    company = forms.TypedChoiceField(label="Client company", coerce=int)
    through = forms.DateField(
        label="Time worked up to",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Billable time not yet invoiced, worked on or before this day.",
    )
    hourly_rate = forms.DecimalField(
        label="Price of an hour", min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    currency = forms.CharField(label="Currency", max_length=3, initial="EUR")
    number = forms.CharField(label="Invoice number", max_length=40)
    issue_date = forms.DateField(label="Issue date", widget=forms.DateInput(attrs={"type": "date"}))
    due_date = forms.DateField(label="Due date", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, companies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].choices = [("", "Choose a company")] + [
            (company.pk, company.name) for company in companies
        ]

"""The console's suspension and deletion forms (operators.suspension_views)."""

from django import forms

from operators import suspension
from tenants.models import SuspensionCategory


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=suspension.REASON_MAX_LENGTH,
        help_text="For the operator log; the agency does not see it.",
    )

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency = agency


class SuspendForm(ReasonForm):
    prefix = "suspend"
    category = forms.ChoiceField(choices=[("", "Choose…"), *SuspensionCategory.choices])
    message = forms.CharField(
        label="Message to the agency (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=suspension.MESSAGE_MAX_LENGTH,
        required=False,
        help_text="Shown on its suspended page, under a sentence saying why in general terms.",
    )
    field_order = ["category", "reason", "message"]


class RestoreForm(ReasonForm):
    prefix = "restore"


class DeletionScheduleForm(ReasonForm):
    prefix = "delete"
    confirm = forms.CharField(label="Type the agency's subdomain to confirm", max_length=40)

    def clean_confirm(self):
        typed = self.cleaned_data["confirm"].strip().lower()
        if typed != self.agency.subdomain:
            raise forms.ValidationError(f"Type {self.agency.subdomain} to confirm.")
        return typed


class DeletionCancelForm(ReasonForm):
    prefix = "keep"


def panel_forms(agency) -> dict:
    """The unbound form of each action that fits the agency's state now."""
    return {
        "suspend": None if agency.is_suspended else SuspendForm(agency=agency),
        "restore": RestoreForm(agency=agency) if agency.is_suspended else None,
        "delete": None if agency.is_deletion_scheduled else DeletionScheduleForm(agency=agency),
        "keep": DeletionCancelForm(agency=agency) if agency.is_deletion_scheduled else None,
    }

from django import forms

from billing.plans import all_plans
from operators.suspension import REASON_MAX_LENGTH


class CheckoutForm(forms.Form):
    plan = forms.ChoiceField(choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].choices = [(plan.key, plan.name) for plan in all_plans()]


class CloseForm(forms.Form):
    """The owner closes the agency: they type its subdomain, so nobody does it by a slip."""

    confirm = forms.CharField(
        label="Type the workspace's address name to confirm",
        max_length=100,
        error_messages={"required": "Type the address name shown above."},
    )
    reason = forms.CharField(
        label="Why are you closing it?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REASON_MAX_LENGTH,
        help_text="It helps us do better; only the platform team reads it.",
        error_messages={"required": "Tell us in a few words why you are closing it."},
    )

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency = agency

    def clean_confirm(self):
        return confirmed_subdomain(self.agency, self.cleaned_data["confirm"])


def confirmed_subdomain(agency, typed: str) -> str:
    """``typed`` if it names ``agency`` (its subdomain, any case), else a ValidationError."""
    typed = typed.strip().lower()
    if typed != agency.subdomain:
        raise forms.ValidationError(f"That is not the address name: type {agency.subdomain}.")
    return typed

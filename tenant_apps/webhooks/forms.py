from django import forms

from tenant_apps.webhooks.models import SUBSCRIBABLE

URL_HELP = "Where we POST events: an https:// address on the public internet."
GRACE_CHOICES = [
    (24, "keeps working for a day"),
    (72, "keeps working for three days"),
    (1, "keeps working for an hour"),
    (0, "stops working at once"),
]


class EndpointForm(forms.Form):
    url = forms.URLField(label="URL", max_length=500, help_text=URL_HELP)
    description = forms.CharField(required=False, max_length=200)
    event_types = forms.MultipleChoiceField(
        label="Events", choices=SUBSCRIBABLE, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["is_active"] = forms.BooleanField(
                label="Send events to this endpoint", required=False
            )


class RotateForm(forms.Form):
    grace_hours = forms.TypedChoiceField(
        label="The current secret", choices=GRACE_CHOICES, coerce=int, initial=24
    )

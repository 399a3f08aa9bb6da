from django import forms

from tenant_apps.webhooks.models import SUBSCRIBABLE, EndpointKind

URL_HELP = (
    "Where we send events: an https:// address on the public internet, or for Slack the "
    "Incoming Webhook URL Slack gave you (https://hooks.slack.com/services/…)."
)
COMPANY_HELP = (
    "Only events about this client's items, and never internal notes or documents: safe for "
    "a channel you share with the client."
)
GRACE_CHOICES = [
    (24, "keeps working for a day"),
    (72, "keeps working for three days"),
    (1, "keeps working for an hour"),
    (0, "stops working at once"),
]


class EndpointForm(forms.Form):
    kind = forms.ChoiceField(
        label="Send to",
        choices=EndpointKind.choices,
        initial=EndpointKind.SIGNED,
        required=False,  # left out: your system, as before Slack
        widget=forms.RadioSelect,
    )
    url = forms.URLField(label="URL", max_length=500, help_text=URL_HELP)
    description = forms.CharField(required=False, max_length=200)
    company = forms.ModelChoiceField(
        label="Client",
        queryset=None,
        required=False,
        empty_label="All clients",
        help_text=COMPANY_HELP,
    )
    event_types = forms.MultipleChoiceField(
        label="Events", choices=SUBSCRIBABLE, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, companies, endpoint=None, **kwargs):
        """``companies``: the client companies an endpoint may be limited to. Editing
        ``endpoint``, its kind stays what it was made, and a Slack URL (its credential) is
        never shown: left blank, it stays."""
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies
        if endpoint is None:
            return
        del self.fields["kind"]
        self.fields["is_active"] = forms.BooleanField(
            label="Send events to this endpoint", required=False
        )
        if endpoint.is_slack:
            url = self.fields["url"]
            url.required = False
            url.help_text = f"Leave blank to keep {endpoint.url_hint}, or paste a new one."

    def clean_kind(self) -> str:
        return self.cleaned_data["kind"] or EndpointKind.SIGNED


class RotateForm(forms.Form):
    grace_hours = forms.TypedChoiceField(
        label="The current secret", choices=GRACE_CHOICES, coerce=int, initial=24
    )

from django import forms

from tenant_apps.replies.variables import VARIABLES

BODY_HELP = "Variables filled in where you use it: " + "; ".join(
    f"{{{name}}} {meaning}" for name, meaning in VARIABLES.items()
)


class SavedReplyForm(forms.Form):
    title = forms.CharField(max_length=120)
    body = forms.CharField(
        label="Text", max_length=5000, widget=forms.Textarea, help_text=BODY_HELP
    )

    def __init__(self, *args, may_share: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if may_share:
            self.fields["shared"] = forms.BooleanField(
                label="Share with the whole team", required=False
            )

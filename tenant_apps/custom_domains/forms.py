from django import forms


class DomainAddForm(forms.Form):
    name = forms.CharField(
        label="Domain",
        max_length=300,
        widget=forms.TextInput(
            attrs={"placeholder": "portal.yourcompany.com", "spellcheck": "false"}
        ),
        help_text="A domain or subdomain you control, for your clients to reach the portal at.",
    )

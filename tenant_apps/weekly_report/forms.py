from django import forms
from django.db.models import QuerySet

from tenant_apps.people.models import ClientCompany


class WeeklyReportForm(forms.Form):
    is_enabled = forms.BooleanField(
        required=False,
        label="Send the weekly client report",
        help_text="Every Monday morning each client company's admins get an email: what your "
        "team did for them last week, and what is waiting on them.",
    )


class PreviewForm(forms.Form):
    company = forms.ModelChoiceField(
        queryset=ClientCompany.objects.none(), label="Preview for", empty_label=None
    )

    def __init__(self, *args, companies: QuerySet[ClientCompany], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies

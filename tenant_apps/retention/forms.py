from django import forms
from django.utils.functional import lazy

from tenant_apps.kit.words import agency_words
from tenant_apps.retention.models import RetentionPolicy

CLOSED_REQUESTS = lazy(lambda: f"Keep closed {agency_words().requests_word} for (days)", str)()


class RetentionForm(forms.ModelForm):
    """Days per kind of record; the model's validators hold the bounds (API alike)."""

    class Meta:
        model = RetentionPolicy
        fields = ["closed_requests_days", "old_versions_days", "sign_ins_days"]
        labels = {
            "closed_requests_days": CLOSED_REQUESTS,
            "old_versions_days": "Keep old file versions for (days)",
            "sign_ins_days": "Keep sign-in records for (days)",
        }
        widgets = {
            name: forms.NumberInput(attrs={"placeholder": "Keep for good", "inputmode": "numeric"})
            for name in fields
        }

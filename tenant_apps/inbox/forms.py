from django import forms
from django.utils import timezone

from shared_apps.accounts.models import User
from shared_apps.core.dates import LocalDateField
from tenant_apps.documents.models import Folder
from tenant_apps.files.validation import ACCEPTED_EXTENSIONS
from tenant_apps.kit.access import CLIENT_CONTRIBUTORS, Actor
from tenant_apps.people.selectors import visible_companies

ACCEPT = ",".join(f".{extension}" for extension in ACCEPTED_EXTENSIONS)


class FolderChoice(forms.ModelChoiceField):
    def label_from_instance(self, folder):
        return f"{folder.company} / {folder.name}"


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user.full_name or user.email} ({user.client_member.company})"


class FileRequestForm(forms.Form):
    """Ask a client for a file. Companies, folders and people are those the actor sees; the
    action checks that the folder and the person belong to the company chosen."""

    company = forms.ModelChoiceField(queryset=None, label="Client")
    title = forms.CharField(max_length=200, label="What do you need?")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Details"
    )
    due_date = LocalDateField(required=False, label="Needed by")
    folder = FolderChoice(
        queryset=None,
        required=False,
        label="Save it in",
        empty_label="The client's top-level folder",
    )
    requested_from = PersonChoice(
        queryset=None, required=False, label="Ask", empty_label="Anyone at the client"
    )

    def __init__(self, *args, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        companies = visible_companies(actor)
        self.fields["company"].queryset = companies
        self.fields["folder"].queryset = Folder.objects.filter(
            company__in=companies, is_internal=False
        ).select_related("company")
        self.fields["requested_from"].queryset = User.objects.filter(
            is_active=True,
            client_member__company__in=companies,
            client_member__role__in=CLIENT_CONTRIBUTORS,
        ).select_related("client_member__company")

    def clean_due_date(self):
        due_date = self.cleaned_data["due_date"]
        if due_date and due_date < timezone.localdate():
            raise forms.ValidationError("The due date cannot be in the past.")
        return due_date


class UploadForm(forms.Form):
    file = forms.FileField(label="File", widget=forms.FileInput(attrs={"accept": ACCEPT}))

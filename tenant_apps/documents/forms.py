"""Forms for the document hub pages. File checks are the files app's (upload_accept), with the
agency's document limit; the actions repeat them while the bytes stream."""

from django import forms
from django.core.exceptions import ValidationError

from tenant_apps.documents.actions import upload_limit
from tenant_apps.documents.models import Document, DocumentKind, DocumentVersion, Folder
from tenant_apps.files.validation import ACCEPTED_EXTENSIONS, upload_accept

ACCEPT = ",".join(f".{extension}" for extension in ACCEPTED_EXTENSIONS)
# Files in one no-script form post; the page's script sends each file on its own.
MAX_FILES_PER_POST = 20


def validate_document_upload(upload) -> None:
    """Refuse a file by its name, declared size and first bytes before anything is written."""
    upload_accept(upload, max_bytes=upload_limit())


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class DocumentFilesField(forms.FileField):
    """Several files, each checked; every refusal is listed, each naming its file."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = ACCEPT

    def clean(self, data, initial=None):
        uploads = [upload for upload in data or [] if upload]
        if not uploads and self.required:
            raise ValidationError("Choose at least one file.", code="required")
        if len(uploads) > MAX_FILES_PER_POST:
            raise ValidationError(f"Upload at most {MAX_FILES_PER_POST} files at a time.")
        errors = []
        for upload in uploads:
            try:
                validate_document_upload(upload)
            except ValidationError as refused:
                errors.append(refused)
        if errors:
            raise ValidationError(errors)
        return uploads


class CappedUploadForm(forms.Form):
    """A form whose files may have been dropped as they arrived, for being over the limit
    (files.uploads.upload_cap): ``refused`` lists them, shown as the file field's errors."""

    file_field = ""

    def __init__(self, *args, refused=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.refused = list(refused)
        self.fields[self.file_field].required = not self.refused

    def clean(self):
        if self.refused:
            self.add_error(self.file_field, self.refused)
        return super().clean()


class UploadForm(CappedUploadForm):
    """New documents in a company's space: one per file, in the chosen folder."""

    file_field = "files"

    files = DocumentFilesField(label="Files")
    folder = forms.ModelChoiceField(
        queryset=Folder.objects.none(), required=False, widget=forms.HiddenInput
    )
    description = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional; searchable, and shown with each file.",
    )
    kind = forms.ChoiceField(
        choices=DocumentKind.choices, initial=DocumentKind.DOCUMENT, required=False
    )

    def __init__(self, *args, folders, team: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # Any folder the person sees; one of another company fails in the action, by name.
        self.fields["folder"].queryset = folders
        if not team:  # deliverables and reports are the agency's
            del self.fields["kind"]

    def document_kind(self) -> str:
        return self.cleaned_data.get("kind") or DocumentKind.DOCUMENT


class VersionForm(CappedUploadForm):
    file_field = "file"
    file = forms.FileField(label="New version", validators=[validate_document_upload])
    note = forms.CharField(
        required=False,
        max_length=DocumentVersion._meta.get_field("note").max_length,
        help_text="Optional: what changed.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ACCEPT


class FolderForm(forms.Form):
    name = forms.CharField(max_length=Folder._meta.get_field("name").max_length)
    parent = forms.ModelChoiceField(
        queryset=Folder.objects.none(), required=False, widget=forms.HiddenInput
    )
    is_internal = forms.BooleanField(
        required=False,
        label="Internal: only the team sees it",
        help_text="Everything inside stays hidden from the client.",
    )

    def __init__(self, *args, folders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = folders


class DocumentForm(forms.Form):
    """The team's edits: name, description, kind."""

    name = forms.CharField(max_length=Document._meta.get_field("name").max_length)
    description = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    kind = forms.ChoiceField(choices=DocumentKind.choices)


class SearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search",
        widget=forms.SearchInput(attrs={"placeholder": "Names, descriptions and text in files"}),
    )
    company = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="All clients", label="Client"
    )
    kind = forms.ChoiceField(
        choices=[("", "Any kind"), *DocumentKind.choices], required=False, label="Kind"
    )

    def __init__(self, *args, companies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if companies is None:  # client people have one company
            del self.fields["company"]
        else:
            self.fields["company"].queryset = companies

    def filters(self) -> dict:
        return {
            field: self.cleaned_data[field]
            for field in ("company", "kind")
            if self.cleaned_data.get(field)
        }

"""Forms of the conversation pages; the API checks the same limits (see api.py)."""

from django import forms

from tenant_apps.files.attachments import AttachmentsField
from tenant_apps.kit import words
from tenant_apps.kit.limits import TEXT_MAX_LENGTH
from tenant_apps.people.models import ClientCompany


def _body_field(**attrs) -> forms.CharField:
    return forms.CharField(
        label="Message",
        required=False,  # a message may be only files; the action says when both are missing
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, **attrs}),
    )


class MessageForm(forms.Form):
    body = _body_field(placeholder="Write a message. Mention someone with @ and their email.")
    files = AttachmentsField(help_text="Optional. PDFs, images, Office documents, text or ZIP.")

    def __init__(self, *args, key: str, **kwargs):
        # Several conversations can share a page (an item's and its internal one).
        super().__init__(*args, auto_id=f"{key}-%s", **kwargs)


class EditForm(forms.Form):
    body = _body_field()

    def __init__(self, *args, message_id: int, **kwargs):
        super().__init__(*args, auto_id=f"edit-{message_id}-%s", **kwargs)


class InboxForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    company = words.ClientFilterField(ClientCompany.objects.none())
    unread = forms.BooleanField(label="Unread only", required=False)

    def __init__(self, *args, companies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if companies is None:  # a client person: their own company only
            del self.fields["company"]
        else:
            self.fields["company"].queryset = companies

from django import forms
from django.core.exceptions import ValidationError

from branding.colours import validate_contrast
from branding.images import ACCEPT, PreparedImage, images_chosen, prepare_image
from branding.models import Brand, ImageKind
from branding.selectors import BRAND_TEXT_FIELDS

COLOUR = forms.TextInput(attrs={"type": "color"})


class BrandForm(forms.ModelForm):
    """The brand's words, colours and images. Never saved itself: views pass ``changes()``
    and ``images()`` to the brand_update action."""

    logo = forms.FileField(
        required=False,
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
        help_text="PNG, JPEG, WebP or GIF up to 5 MB; shown up to 200 pixels tall. "
        "A transparent background looks best.",
    )
    remove_logo = forms.BooleanField(required=False, label="Remove the logo")
    favicon = forms.FileField(
        required=False,
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
        help_text="The small icon in browser tabs: a square image, at least 16 x 16 pixels.",
    )
    remove_favicon = forms.BooleanField(required=False, label="Remove the favicon")

    class Meta:
        model = Brand
        fields = BRAND_TEXT_FIELDS
        widgets = {
            "primary_colour": COLOUR,
            "accent_colour": COLOUR,
            "welcome_text": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "primary_colour": "Primary colour",
            "accent_colour": "Accent colour",
            "login_headline": "Sign-in headline",
            "email_sender_name": "Email sender name",
            "email_reply_to": "Reply-to address",
            "client_word": "Word for “client”",
            "clients_word": "…and for “clients”",
            "request_word": "Word for “request”",
            "requests_word": "…and for “requests”",
        }
        help_texts = {
            "primary_colour": "Buttons, links and the top bar: white text must stay readable.",
            "accent_colour": "Highlights, such as the bar beside notices.",
            "login_headline": "The sign-in page's heading. Empty: “Sign in to” the portal name.",
            "welcome_text": "Shown under the headline on the sign-in page and on the home page.",
            "email_sender_name": "Emails come from this name. Empty: the portal name.",
            "email_reply_to": "Replies to the portal's emails go here. Empty: no reply-to.",
            "client_word": "For example “customer”; used in the menu and headings.",
            "request_word": "For example “ticket”.",
        }

    def clean_primary_colour(self):
        return self.cleaned_data["primary_colour"].lower()

    def clean_accent_colour(self):
        return self.cleaned_data["accent_colour"].lower()

    def _image(self, kind: str) -> PreparedImage | None:
        upload = self.cleaned_data.get(kind)
        return prepare_image(upload, kind) if upload else None

    def clean_logo(self):
        return self._image(ImageKind.LOGO)

    def clean_favicon(self):
        return self._image(ImageKind.FAVICON)

    def clean(self):
        cleaned = super().clean()
        try:
            validate_contrast(cleaned)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(field, message)
        return cleaned

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in BRAND_TEXT_FIELDS}

    def images(self) -> dict[str, PreparedImage | None]:
        return images_chosen(self.cleaned_data)

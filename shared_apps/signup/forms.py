from django import forms

from shared_apps.core import regional
from shared_apps.signup.validation import password_errors, validate_subdomain_available


class SignupForm(forms.Form):
    agency_name = forms.CharField(max_length=120, label="Agency name")
    subdomain = forms.CharField(
        max_length=40,
        validators=[validate_subdomain_available],
        help_text="Lowercase letters, digits and hyphens; 3 to 40 characters.",
    )
    owner_name = forms.CharField(max_length=150, label="Your name")
    owner_email = forms.EmailField(label="Your work email")
    password = forms.CharField(widget=forms.PasswordInput, strip=False)
    # The browser's, filled in by signup/regional.js; what is not on the lists is dropped
    # (the agency then starts on UTC and en-GB), as nobody sees these fields to correct them.
    time_zone = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    locale = forms.CharField(required=False, max_length=35, widget=forms.HiddenInput)

    def clean_time_zone(self):
        zone = self.cleaned_data["time_zone"]
        return zone if zone in regional.time_zones() else ""

    def clean_locale(self):
        return regional.locale_supported(self.cleaned_data["locale"])

    def clean_owner_email(self):
        return self.cleaned_data["owner_email"].lower()

    def clean_password(self):
        password = self.cleaned_data["password"]
        errors = password_errors(
            password=password,
            email=self.cleaned_data.get("owner_email", ""),
            full_name=self.cleaned_data.get("owner_name", ""),
        )
        if errors:
            raise forms.ValidationError(errors)
        return password

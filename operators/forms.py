from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation

from operators.models import Operator
from operators.roles import Role

WRONG_SIGN_IN = "That email and password don't match an operator account. Check them and try again."


class OperatorSignInForm(auth_forms.AuthenticationForm):
    """Email and password; Django's authenticate() runs axes' backend, which counts failures
    and locks out. A public-schema user without an operator role reads like a wrong password."""

    error_messages = {"invalid_login": WRONG_SIGN_IN, "inactive": WRONG_SIGN_IN}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email"
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autofocus": True, "autocomplete": "email"}
        )

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not Operator.objects.filter(user=user).exists():
            raise self.get_invalid_login_error()


class OperatorAddForm(forms.Form):
    email = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    full_name = forms.CharField(label="Full name", max_length=150)
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    password = forms.CharField(
        label="First password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Give it to them in person or by a password manager; they set up "
        "two-factor authentication when they first sign in.",
    )

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class OperatorRoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib.auth import forms as auth_forms

from tenant_apps.security.actions import password_change
from tenant_apps.security.models import SecurityPolicy

WRONG_SIGN_IN = (
    "That email and password don't match an account here. Check them and try again, "
    "or get a sign-in link by email."
)


class SignInForm(auth_forms.AuthenticationForm):
    # Unknown email, wrong password and deactivated account read the same.
    error_messages = {"invalid_login": WRONG_SIGN_IN, "inactive": WRONG_SIGN_IN}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email"
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autofocus": True, "autocomplete": "email"}
        )


class EmailForm(forms.Form):
    """The one field of the sign-in link and password reset requests."""

    email = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean_email(self):
        return self.cleaned_data["email"].lower()


class _SavedThroughAction:
    """Password forms whose save() ends the person's other sessions and tokens."""

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def save(self, commit=True):
        password_change(
            user=self.user,
            new_password=self.cleaned_data["new_password1"],
            actor=self.user,
            request=self.request,
        )
        return self.user


class PasswordChangeForm(_SavedThroughAction, auth_forms.PasswordChangeForm):
    pass


class PasswordSetForm(_SavedThroughAction, auth_forms.SetPasswordForm):
    """For people without a password yet (sign-in links only) and for password resets."""


class PasswordResetForm(PasswordSetForm):
    def save(self, commit=True):
        user = super().save(commit)
        # Proving the mailbox lifts a lockout, so a locked-out person can get back in.
        AxesProxyHandler.reset_attempts(username=user.email)
        return user


class SecurityPolicyForm(forms.ModelForm):
    class Meta:
        model = SecurityPolicy
        fields = ["team_two_factor_required"]

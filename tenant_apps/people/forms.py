from django import forms
from django.contrib.auth.forms import SetPasswordMixin, SetUnusablePasswordMixin

from shared_apps.accounts.models import User
from tenant_apps.people.models import ClientCompany, Invitation
from tenant_apps.people.validation import (
    validate_company_name_available,
    validate_invitable_email,
)


class InviteForm(forms.Form):
    email = forms.EmailField(validators=[validate_invitable_email])
    full_name = forms.CharField(
        max_length=150, required=False, label="Name", help_text="Optional; they can change it."
    )
    role = forms.ChoiceField()

    def __init__(self, *args, roles, offered=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles
        if offered is not None:
            # Only what the actor may offer is shown; a forged choice still reaches
            # the policy check in the view, which refuses and logs it.
            self.fields["role"].widget.choices = offered

    def clean_email(self):
        return self.cleaned_data["email"].lower()


class RoleForm(forms.Form):
    role = forms.ChoiceField()

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles


class StaffAccessForm(forms.Form):
    sees_all_clients = forms.BooleanField(
        required=False,
        label="Sees every client",
        help_text="Leave unticked to limit them to the companies chosen below.",
    )
    companies = forms.ModelMultipleChoiceField(
        queryset=ClientCompany.objects.filter(is_archived=False),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Assigned client companies",
    )


class CompanyForm(forms.Form):
    name = forms.CharField(max_length=150, validators=[validate_company_name_available])

    def clean_name(self):
        return self.cleaned_data["name"].strip()


class InvitationAcceptForm(SetUnusablePasswordMixin, SetPasswordMixin, forms.Form):
    full_name = forms.CharField(max_length=150, label="Your name")
    # The field name and "true"/"false" values are what SetUnusablePasswordMixin reads.
    usable_password = forms.ChoiceField(
        label="How will you sign in?",
        choices={
            "true": "With a password",
            "false": "With a link emailed to me each time (no password)",
        },
        initial="true",
        widget=forms.RadioSelect,
    )
    password1, password2 = SetPasswordMixin.create_password_fields()

    def __init__(self, *args, invitation: Invitation, **kwargs):
        super().__init__(*args, initial={"full_name": invitation.full_name}, **kwargs)
        self.invitation = invitation
        # Required only when signing in with a password; validate_passwords checks that.
        self.fields["password1"].required = False
        self.fields["password2"].required = False

    def clean(self):
        self.validate_passwords()
        # Validators compare the password with the person's own email and name.
        person = User(email=self.invitation.email, full_name=self.cleaned_data.get("full_name", ""))
        self.validate_password_for_user(person)
        return self.cleaned_data

    @property
    def password(self) -> str | None:
        """The chosen password, or None for magic-link only."""
        if self.cleaned_data["set_usable_password"]:
            return self.cleaned_data["password1"]
        return None

"""Forms for the approval pages; the list filters serve the API too."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from shared_apps.accounts.models import User
from shared_apps.core.dates import LocalDateField
from tenant_apps.approvals.models import COMPLETED_STATUSES, ApprovalRequest, ApprovalStatus
from tenant_apps.approvals.selectors import approver_candidates, overdue, waiting_on
from tenant_apps.kit import words
from tenant_apps.kit.access import Actor
from tenant_apps.people.models import ClientCompany
from tenant_apps.people.selectors import visible_companies

TEXT_MAX_LENGTH = 5000
STATUS_FILTERS = [
    ("pending", "Pending"),
    ("overdue", "Overdue"),
    ("completed", "Completed"),
    (ApprovalStatus.SUPERSEDED, "Superseded"),
    (ApprovalStatus.CANCELLED, "Cancelled"),
]


def add_refusal(form: forms.Form, refused: ValidationError) -> None:
    """An action's refusal shown on ``form``: beside its field where the form has one."""
    if not hasattr(refused, "error_dict"):
        form.add_error(None, refused)
        return
    for field, errors in refused.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class ApproverChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        role = user.client_member.get_role_display()
        return f"{user.full_name or user.email} ({user.email}, {role.lower()})"


class ApprovalRequestForm(forms.Form):
    title = forms.CharField(max_length=200)
    approvers = ApproverChoice(
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Everyone named must approve; one request for changes completes it.",
    )
    due_date = LocalDateField(required=False)
    message = forms.CharField(
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional: what to look at, what is in this version.",
    )

    def __init__(self, *args, company: ClientCompany, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approvers"].queryset = approver_candidates(company).select_related(
            "client_member"
        )
        self.fields["approvers"].label = f"Approvers at {company}"


class DecisionForm(forms.Form):
    """The decision comes from the button pressed (Approve or Request changes); the page
    shows the comment field and the two buttons, not a choice."""

    decision = forms.ChoiceField(
        choices=[("approved", "Approve"), ("changes_requested", "Request changes")],
        error_messages={"required": "Choose Approve or Request changes."},
    )
    comment = forms.CharField(
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when you request changes: say what needs to change.",
    )


class RerequestForm(forms.Form):
    due_date = LocalDateField(
        required=False,
        label="New due date",
        help_text="Optional; the old one is kept unless it has passed.",
    )


class ApprovalFilterForm(forms.Form):
    """Every field optional; an invalid value is a field error (a 400 in the API)."""

    status = forms.ChoiceField(choices=[("", "Any status"), *STATUS_FILTERS], required=False)
    company = words.ClientFilterField(ClientCompany.objects.none())
    waiting_on_me = forms.BooleanField(required=False, label="Waiting on me")

    def __init__(self, *args, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        if actor.is_team:
            self.fields["company"].queryset = visible_companies(actor)
            del self.fields["waiting_on_me"]  # only client people are asked
        else:
            del self.fields["company"]

    def apply(self, approvals: QuerySet[ApprovalRequest]) -> QuerySet[ApprovalRequest]:
        data = self.cleaned_data
        status = data.get("status")
        if status == "overdue":
            approvals = overdue(approvals)
        elif status == "completed":
            approvals = approvals.filter(status__in=COMPLETED_STATUSES)
        elif status:
            approvals = approvals.filter(status=status)
        if data.get("company"):
            approvals = approvals.filter(company=data["company"])
        if data.get("waiting_on_me"):
            approvals = waiting_on(approvals, self.actor.user)
        return approvals

from django import forms
from django.db.models import QuerySet

from shared_apps.core.dates import LocalDateField
from tenant_apps.kit import words
from tenant_apps.people.models import ClientCompany
from tenant_apps.projects.models import Milestone, MilestoneStatus
from tenant_apps.projects.selectors import OPEN_STATUSES


class MilestoneForm(forms.Form):
    """A new milestone, or the changes to one (its status changes on its own form)."""

    title = forms.CharField(
        max_length=200, help_text='What the client will see, e.g. "Homepage design".'
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False
    )
    due_date = LocalDateField(required=False, label="Due")

    def __init__(self, *args, with_status: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if with_status:
            self.fields["status"] = forms.ChoiceField(
                choices=MilestoneStatus.choices, initial=MilestoneStatus.PLANNED
            )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=MilestoneStatus.choices)


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


class MilestoneFilterForm(forms.Form):
    """The list's filters; the client filter only for the team (clients see their own)."""

    company = words.ClientFilterField(ClientCompany.objects.none())
    status = forms.ChoiceField(
        choices=[("", "Any status"), ("open", "Not completed"), *MilestoneStatus.choices],
        required=False,
    )

    def __init__(self, *args, companies: QuerySet[ClientCompany] | None, **kwargs):
        super().__init__(*args, **kwargs)
        if companies is None:
            del self.fields["company"]
        else:
            self.fields["company"].queryset = companies

    def apply(self, milestones: QuerySet[Milestone]) -> QuerySet[Milestone]:
        data = self.cleaned_data
        if data.get("company"):
            milestones = milestones.filter(company=data["company"])
        if data["status"] == "open":
            milestones = milestones.filter(status__in=OPEN_STATUSES)
        elif data["status"]:
            milestones = milestones.filter(status=data["status"])
        return milestones

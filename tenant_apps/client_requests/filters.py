"""The request list's filters, search and sorting, shared by the list page and the API."""

from django import forms
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Case, Exists, F, IntegerField, OuterRef, QuerySet, Value, When
from django.utils import timezone

from shared_apps.accounts.models import User
from tenant_apps.client_requests.models import (
    OPEN_STATUSES,
    ClientRequest,
    Priority,
    RequestTag,
    RequestType,
    SlaState,
    Status,
)
from tenant_apps.kit import words
from tenant_apps.people.models import ClientCompany

SORTS = {
    "newest": ["-created_at", "-id"],
    "oldest": ["created_at", "id"],
    "updated": ["-updated_at", "-id"],
    "priority": [F("priority_rank").desc(), "-created_at", "-id"],
    "due": [F("due_date").asc(nulls_last=True), "-created_at", "-id"],
    "sla": [F("resolution_due_at").asc(nulls_last=True), "-id"],
}
PRIORITY_RANK = {Priority.URGENT: 4, Priority.HIGH: 3, Priority.NORMAL: 2, Priority.LOW: 1}


class RequestFilterForm(forms.Form):
    """Every field optional; an invalid value is a field error (a 400 in the API)."""

    status = forms.MultipleChoiceField(choices=[("open", "Open"), *Status.choices], required=False)
    owner = forms.CharField(required=False, help_text='A user id, "me" or "none".')
    company = words.ClientFilterField(ClientCompany.objects.none())
    type = forms.ModelChoiceField(
        queryset=RequestType.objects.all(), to_field_name="key", required=False
    )
    priority = forms.MultipleChoiceField(choices=Priority.choices, required=False)
    sla_state = forms.MultipleChoiceField(choices=SlaState.choices, required=False)
    tag = forms.ModelMultipleChoiceField(
        queryset=RequestTag.objects.all(),
        required=False,
        help_text="Tag ids; repeat for several (requests with any of them). The team's only.",
        error_messages={
            "invalid_choice": "There is no tag %(value)s.",
            "invalid_pk_value": "“%(pk)s” is not a tag id.",
        },
    )
    overdue = forms.BooleanField(required=False)
    q = forms.CharField(required=False, max_length=200, label="Search")
    sort = forms.ChoiceField(
        choices=[(key, key.title()) for key in SORTS], required=False, initial="newest"
    )

    def __init__(self, *args, companies: QuerySet[ClientCompany], actor_user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies
        self.actor_user = actor_user
        if getattr(actor_user, "team_member", None) is None:
            del self.fields["tag"]  # tags are the team's own

    def clean_owner(self):
        value = self.cleaned_data["owner"].strip()
        if value in ("", "none"):
            return value
        if value == "me":
            return self.actor_user.pk
        if not value.isdecimal():
            raise forms.ValidationError('Use a user id, "me" or "none".')
        return int(value)

    def apply(self, requests: QuerySet[ClientRequest]) -> QuerySet[ClientRequest]:
        data = self.cleaned_data
        statuses = set(data.get("status") or [])
        if "open" in statuses:
            statuses = (statuses - {"open"}) | set(OPEN_STATUSES)
        if statuses:
            requests = requests.filter(status__in=statuses)
        owner = data.get("owner")
        if owner == "none":
            requests = requests.filter(owner__isnull=True)
        elif owner:
            requests = requests.filter(owner_id=owner)
        for field in ("company", "type"):
            if data.get(field):
                requests = requests.filter(**{field: data[field]})
        for field in ("priority", "sla_state"):
            if data.get(field):
                requests = requests.filter(**{f"{field}__in": data[field]})
        if data.get("tag"):
            tagged = ClientRequest.tags.through.objects.filter(
                clientrequest_id=OuterRef("pk"), requesttag__in=data["tag"]
            )
            requests = requests.filter(Exists(tagged))
        if data.get("overdue"):
            requests = requests.filter(status__in=OPEN_STATUSES, due_date__lt=timezone.localdate())
        sort = SORTS[data.get("sort") or "newest"]
        if data.get("q"):
            query = SearchQuery(data["q"], config="english", search_type="websearch")
            requests = requests.filter(search=query)
            if not self.data.get("sort"):
                requests = requests.annotate(rank=SearchRank(F("search"), query))
                sort = ["-rank", "-id"]
        if "priority" in (data.get("sort") or ""):
            requests = requests.alias(priority_rank=_priority_rank())
        return requests.order_by(*sort)


def _priority_rank():
    return Case(
        *(When(priority=key, then=Value(rank)) for key, rank in PRIORITY_RANK.items()),
        output_field=IntegerField(),
    )

"""Forms for the request pages; intake answers are checked by intake.py, shared with the API."""

import functools
import zoneinfo
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.urls import reverse
from django.utils.text import slugify

from shared_apps.accounts.models import User
from shared_apps.core.dates import LocalDateField
from tenant_apps.client_requests.actions import an_id
from tenant_apps.client_requests.filters import RequestFilterForm
from tenant_apps.client_requests.intake import intake_clean, intake_form_field, validate_wanted_by
from tenant_apps.client_requests.models import (
    TRANSITIONS,
    BulkOperation,
    FieldKind,
    Priority,
    RequestType,
    SlaPolicy,
    Status,
    TagColour,
)
from tenant_apps.client_requests.selectors import active_request_types, request_tags, team_users
from tenant_apps.files.attachments import ACCEPT, AttachmentsField
from tenant_apps.kit.access import Actor
from tenant_apps.kit.widgets import QuickSelect
from tenant_apps.people.models import ClientCompany
from tenant_apps.people.selectors import visible_companies

MAX_ATTACHMENTS = 10
MAX_INTAKE_FIELDS = 30
DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
WEEKDAYS = list(enumerate(DAY_NAMES))  # 0 = Monday, as SlaPolicy.working_days counts
TARGET_CLOCKS = [("response", "first response"), ("resolution", "resolution")]


def _page_field(spec: dict) -> forms.Field:
    """intake_form_field's field, with the widgets a browser needs."""
    field = intake_form_field(spec)
    match spec["kind"]:
        case FieldKind.CHOICE:
            field.widget.choices = [("", "Choose…"), *field.choices]
        case FieldKind.FILE:
            field.widget.attrs["accept"] = ACCEPT
    return field


class IntakeForm(forms.Form):
    """A request type's intake fields, named ``intake-<key>`` in the new-request page.

    Checked by intake.intake_clean, the API's check too, so both refuse the same answers;
    after is_valid(), ``intake`` holds the answers to store and the files to attach.
    """

    prefix = "intake"

    def __init__(self, data=None, files=None, *, request_type: RequestType):
        super().__init__(data, files)
        self.request_type = request_type
        self.intake = None
        for spec in request_type.intake_fields:
            self.fields[spec["key"]] = _page_field(spec)

    def full_clean(self):
        self._errors = ErrorDict(renderer=self.renderer)
        self.cleaned_data = {}
        if not self.is_bound:
            return
        answers = {key: self.data.get(self.add_prefix(key)) for key in self.fields}
        files = {key: self.files.get(self.add_prefix(key)) for key in self.fields}
        try:
            self.intake = intake_clean(self.request_type, answers, files)
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                self.add_error(key, messages)
        else:
            self.cleaned_data = self.intake.answers


class PickOne(QuickSelect):
    """A plain select for a multiple-choice filter: the page picks one value, the API (and a
    hand-written link) may give several."""

    def value_from_datadict(self, data, files, name):
        return [value for value in data.getlist(name) if value]


def _pick_one(field: forms.MultipleChoiceField, any_label: str) -> None:
    field.widget = PickOne(choices=[("", any_label), *field.choices])


class RequestListForm(RequestFilterForm):
    """The list page's filters, with choices to pick from; clients get the ones that make
    sense for them (no owner, client or SLA filters)."""

    def __init__(self, data, *, actor: Actor):
        super().__init__(data, companies=visible_companies(actor), actor_user=actor.user)
        fields = self.fields
        if actor.is_client:
            for name in ("owner", "company", "sla_state"):
                del fields[name]
        else:
            # As (id, name, email) rows, not users: the list builds this on every load.
            people = [
                (str(pk), full_name or email)
                for pk, full_name, email in team_users().values_list("pk", "full_name", "email")
            ]
            fields["owner"].help_text = ""  # the API's; here the choices say it
            fields["owner"].widget = QuickSelect(
                choices=[("", "Anyone"), ("me", "Me"), ("none", "Unassigned"), *people]
            )
            fields["sla_state"].label = "SLA"
            _pick_one(fields["sla_state"], "Any")
            fields["tag"].help_text = ""
            fields["tag"].widget = PickOne(
                choices=[("", "Any tag"), *request_tags().values_list("pk", "name")]
            )
        _pick_one(fields["status"], "Any status")
        _pick_one(fields["priority"], "Any")
        fields["type"].widget = QuickSelect(
            choices=[("", "Any type"), *fields["type"].queryset.values_list("key", "name")]
        )
        fields["overdue"].label = "Overdue only"
        fields["q"].widget = forms.TextInput(
            attrs={"type": "search", "placeholder": "Title, details, replies"}
        )
        fields["sort"].label = "Sort by"
        fields["sort"].widget = QuickSelect(
            choices=[
                ("newest", "Newest first"),
                ("oldest", "Oldest first"),
                ("updated", "Recently updated"),
                ("priority", "Priority"),
                ("due", "Due date"),
                ("sla", "SLA deadline"),
            ]
        )


class RequestForm(forms.Form):
    """A new request; the client company is asked only of the team (clients submit for theirs)."""

    company = forms.ModelChoiceField(
        queryset=ClientCompany.objects.none(), label="Client", empty_label="Choose a client"
    )
    type = forms.ModelChoiceField(
        queryset=RequestType.objects.none(),
        to_field_name="key",
        label="Type of request",
        empty_label="Choose a type",
        error_messages={"invalid_choice": "Choose one of the request types offered."},
    )
    title = forms.CharField(max_length=200, help_text='A short summary, e.g. "Logo on invoices".')
    details = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000)
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL)
    wanted_by = LocalDateField(
        required=False,
        label="Wanted by",
        validators=[validate_wanted_by],
        help_text="Optional: the date you need this by.",
    )
    files = AttachmentsField()

    def __init__(self, *args, companies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = active_request_types()
        # Choosing a type swaps its intake fields in (new.html#intake).
        self.fields["type"].widget.attrs.update(
            {
                "hx-get": reverse("client_requests:intake"),
                "hx-target": "#intake-fields",
                "hx-swap": "outerHTML",
            }
        )
        if companies is None:
            del self.fields["company"]
        else:
            self.fields["company"].queryset = companies


class MessageForm(forms.Form):
    """A reply or an internal note, with files."""

    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000)
    files = AttachmentsField(help_text="Optional.")

    def __init__(self, *args, label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = label


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.full_name or user.email


class RequestUpdateForm(forms.Form):
    """The team's one form on a request: owner, status, priority, due date and a note."""

    owner = PersonChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label="Unassigned",
        error_messages={"invalid_choice": "That person doesn't work on this client's requests."},
    )
    # Any status is accepted here so that a move the machine refuses gets the action's
    # message ("A request that is closed cannot move to …"), not a generic "invalid choice".
    status = forms.ChoiceField(choices=Status.choices)
    priority = forms.ChoiceField(choices=Priority.choices)
    due_date = LocalDateField(required=False, label="Due date", help_text="Our internal deadline.")
    note = forms.CharField(
        required=False,
        max_length=20_000,
        label="Internal note",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional. Only your team sees notes and their files.",
    )
    files = AttachmentsField(help_text="Optional, with a note.")

    def __init__(self, *args, client_request, assignees, **kwargs):
        initial = {
            "owner": client_request.owner_id,
            "status": client_request.status,
            "priority": client_request.priority,
            "due_date": client_request.due_date,
        }
        super().__init__(*args, initial=initial, auto_id="update-%s", **kwargs)
        self.fields["owner"].queryset = assignees
        current = client_request.status
        moves = TRANSITIONS[current]
        self.fields["status"].widget.choices = [
            (value, label) for value, label in Status.choices if value == current or value in moves
        ]


# Settings


class SlaPolicyForm(forms.Form):
    """Business hours and the targets per priority, entered in business hours."""

    timezone = forms.ChoiceField(label="Time zone")
    working_days = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    opens = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    closes = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def __init__(self, *args, policy: SlaPolicy, **kwargs):
        targets = {target.priority: target for target in policy.targets.all()}
        initial = {
            "timezone": policy.timezone,
            "working_days": policy.working_days,
            "opens": policy.opens,
            "closes": policy.closes,
        }
        for priority in Priority.values:
            target = targets.get(priority)
            if target:
                initial[f"{priority}_response"] = _hours(target.first_response_minutes)
                initial[f"{priority}_resolution"] = _hours(target.resolution_minutes)
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["timezone"].choices = _time_zone_choices()
        for priority, label in Priority.choices:
            for clock, clock_label in TARGET_CLOCKS:
                self.fields[f"{priority}_{clock}"] = forms.DecimalField(
                    label=f"{label}: {clock_label} (hours)",
                    min_value=Decimal("0.25"),
                    max_value=Decimal(10_000),
                    decimal_places=2,
                )

    def target_rows(self):
        """(priority label, first response field, resolution field) for the targets table."""
        return [
            (label, self[f"{priority}_response"], self[f"{priority}_resolution"])
            for priority, label in Priority.choices
        ]

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens"), data.get("closes")
        if opens and closes and closes <= opens:
            self.add_error("closes", "Closing time must be after opening time.")
        for priority, label in Priority.choices:
            response = data.get(f"{priority}_response")
            resolution = data.get(f"{priority}_resolution")
            if response and resolution and resolution < response:
                self.add_error(
                    f"{priority}_resolution",
                    f"{label} requests can't be resolved sooner than they are first answered.",
                )
        return data

    def targets(self) -> dict[str, tuple[int, int]]:
        """Priority → (first response, resolution) in business minutes."""
        return {
            priority: (
                _minutes(self.cleaned_data[f"{priority}_response"]),
                _minutes(self.cleaned_data[f"{priority}_resolution"]),
            )
            for priority in Priority.values
        }


@functools.cache
def _time_zone_choices() -> list[tuple[str, str]]:
    return [(zone, zone) for zone in sorted(zoneinfo.available_timezones())]


def _hours(minutes: int) -> Decimal:
    hours = Decimal(minutes) / 60
    return hours.quantize(Decimal(1) if hours == int(hours) else Decimal("0.01"))


def _minutes(hours: Decimal) -> int:
    return round(hours * 60)


class HolidayForm(forms.Form):
    date = LocalDateField()
    name = forms.CharField(max_length=80, help_text="E.g. New Year's Day.")

    def __init__(self, *args, policy: SlaPolicy, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy

    def clean_date(self):
        day = self.cleaned_data["date"]
        if self.policy.holidays.filter(date=day).exists():
            raise ValidationError("That date is already a holiday.")
        return day


class RequestTypeForm(forms.Form):
    name = forms.CharField(max_length=80)
    description = forms.CharField(
        max_length=200, required=False, help_text="Shown to clients when they choose this type."
    )

    def __init__(self, *args, request_type: RequestType | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_type = request_type

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        others = RequestType.objects.filter(name__iexact=name)
        if self.request_type is not None:
            others = others.exclude(pk=self.request_type.pk)
        if others.exists():
            raise ValidationError("There is already a request type with this name.")
        return name


class IntakeFieldForm(forms.Form):
    """One intake field of a request type, as a row of the type editor."""

    label = forms.CharField(max_length=80)
    kind = forms.ChoiceField(choices=FieldKind.choices, initial=FieldKind.TEXT)
    required = forms.BooleanField(required=False)
    choices = forms.CharField(
        max_length=1000,
        required=False,
        help_text="For a choice: the options, one per line or separated by commas.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    key = forms.SlugField(
        max_length=40, required=False, widget=forms.HiddenInput
    )  # kept across edits so answers already given stay matched to their field

    def clean(self):
        data = super().clean()
        raw = (data.get("choices") or "").replace("\n", ",")
        options = [option.strip() for option in raw.split(",")]
        options = list(dict.fromkeys(option for option in options if option))
        if data.get("kind") == FieldKind.CHOICE and not options:
            self.add_error("choices", "A choice field needs at least one option.")
        data["choices"] = options if data.get("kind") == FieldKind.CHOICE else []
        if data.get("label") and not data.get("key"):
            data["key"] = slugify(data["label"]).replace("-", "_")[:40] or "field"
        return data

    def spec(self) -> dict:
        data = self.cleaned_data
        return {
            "key": data["key"],
            "label": data["label"],
            "kind": data["kind"],
            "required": data["required"],
            "choices": data["choices"],
        }


class BaseIntakeFieldFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this field"

    def clean(self):
        if any(self.errors):
            return
        keys: set[str] = set()
        for form in self.kept_forms():
            key = form.cleaned_data["key"]
            if key in keys:  # two labels that slugify alike: number the later one
                stem, number = key[:36], 2
                while f"{stem}_{number}" in keys:
                    number += 1
                form.cleaned_data["key"] = key = f"{stem}_{number}"
            keys.add(key)

    def kept_forms(self):
        # Untouched blank rows clean to {} and are skipped, as are rows ticked for removal.
        return [
            form for form in self.forms if form.cleaned_data and not self._should_delete_form(form)
        ]

    def specs(self) -> list[dict]:
        return [form.spec() for form in self.kept_forms()]


IntakeFieldFormSet = forms.formset_factory(
    IntakeFieldForm,
    formset=BaseIntakeFieldFormSet,
    extra=2,
    can_delete=True,
    can_delete_extra=False,
    max_num=MAX_INTAKE_FIELDS,
    validate_max=True,
)


def intake_field_formset(data=None, *, request_type: RequestType | None = None):
    initial = [
        {**spec, "choices": "\n".join(spec.get("choices", []))}
        for spec in (request_type.intake_fields if request_type else [])
    ]
    return IntakeFieldFormSet(data, initial=initial, prefix="fields")


# Tags, saved views and bulk changes


class TagForm(forms.Form):
    name = forms.CharField(max_length=40)
    colour = forms.ChoiceField(choices=TagColour.choices, initial=TagColour.GREY)


class SavedViewForm(forms.Form):
    """Save the list's current filters and sort (``query``, the list's query string)."""

    name = forms.CharField(max_length=60, label="Name this view")
    shared = forms.BooleanField(required=False, label="Share with the team")
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class BulkForm(forms.Form):
    """The list's bulk bar: the chosen rows (or every row matching ``filters``), and one
    change, named by the button pressed (``operation``) with its value's field."""

    operation = forms.ChoiceField(choices=BulkOperation.choices)
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    everything = forms.BooleanField(required=False)
    filters = forms.CharField(required=False, max_length=2000)
    owner = forms.CharField(required=False)
    status = forms.CharField(required=False)
    priority = forms.CharField(required=False)
    due_date = forms.DateField(required=False)
    tag = forms.CharField(required=False)

    VALUE_FIELDS = {
        BulkOperation.ASSIGN: "owner",
        BulkOperation.STATUS: "status",
        BulkOperation.PRIORITY: "priority",
        BulkOperation.DUE_DATE: "due_date",
        BulkOperation.ADD_TAG: "tag",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is accepted here; the action reports those the actor may not change.
        self.fields["ids"].valid_value = lambda value: an_id(value) is not None

    @property
    def value(self):
        return self.cleaned_data.get(self.VALUE_FIELDS[self.cleaned_data["operation"]])

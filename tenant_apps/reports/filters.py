"""The one filter form of every report, for pages, CSV exports and the API alike.

Dates are the agency's local dates (its SLA policy's time zone, the one business hours are
counted in); the period runs from the start of ``start`` to the end of ``end``. A report
shows only the fields it honours (``ReportSpec.filters``).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from shared_apps.accounts.models import User
from tenant_apps.client_requests.models import RequestType
from tenant_apps.client_requests.selectors import team_users
from tenant_apps.people.models import ClientCompany

DEFAULT_WEEKS = 12
LONGEST_PERIOD = timedelta(days=2 * 366)  # bounds the cost and the chart's width
FILTER_NAMES = ("start", "end", "company", "type", "owner")


def default_start(end: date) -> date:
    """The Monday that makes the period DEFAULT_WEEKS calendar weeks, the last ending ``end``."""
    first = end - timedelta(weeks=DEFAULT_WEEKS - 1)
    return first - timedelta(days=first.weekday())


class DateInput(forms.DateInput):
    input_type = "date"


class ReportFilterForm(forms.Form):
    start = forms.DateField(required=False, label="From", widget=DateInput)
    end = forms.DateField(required=False, label="To", widget=DateInput)
    company = forms.ModelChoiceField(
        queryset=ClientCompany.objects.none(),
        required=False,
        label="Client",
        empty_label="All clients",
    )
    type = forms.ModelChoiceField(
        queryset=RequestType.objects.all(),
        to_field_name="key",
        required=False,
        label="Type",
        empty_label="All types",
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label="Owner", empty_label="Anyone"
    )

    def __init__(self, *args, companies, uses: frozenset[str], today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["company"].queryset = companies
        self.fields["owner"].queryset = team_users()
        self.fields["owner"].label_from_instance = lambda user: user.full_name or user.email
        self.fields["end"].help_text = "Today if left empty."
        self.fields["start"].help_text = f"The {DEFAULT_WEEKS} weeks up to the end if left empty."
        for name in set(FILTER_NAMES) - uses:
            del self.fields[name]

    def clean(self):
        data = super().clean()
        end = data.get("end") or self.today
        start = data.get("start") or default_start(end)
        if start > end:
            self.add_error("start", "The period must start on or before its end.")
        elif end - start > LONGEST_PERIOD:
            self.add_error("start", "Choose a period of at most two years.")
        data["start"], data["end"] = start, end
        # The form shows the period it reports on, defaults included.
        self.data = self.data.copy()
        for name in ("start", "end"):
            if name in self.fields and not self.data.get(name):
                self.data[name] = data[name].isoformat()
        return data


@dataclass(frozen=True)
class Filters:
    """A valid filter form's values, with the period as instants in the agency's zone."""

    start: date
    end: date
    zone: str
    company_id: int | None = None
    type_id: int | None = None
    owner_id: int | None = None

    @classmethod
    def from_form(cls, form: ReportFilterForm, zone: str) -> "Filters":
        data = form.cleaned_data
        return cls(
            start=data["start"],
            end=data["end"],
            zone=zone,
            company_id=data["company"].pk if data.get("company") else None,
            type_id=data["type"].pk if data.get("type") else None,
            owner_id=data["owner"].pk if data.get("owner") else None,
        )

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time(), ZoneInfo(self.zone))

    @property
    def ends_at(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.end + timedelta(days=1), time(), ZoneInfo(self.zone))

    @property
    def as_of(self) -> datetime:
        """When a report about "now" is taken: now, or the period's end if that is past."""
        return min(timezone.now(), self.ends_at)

    def weeks(self) -> list[date]:
        """The Mondays of every week the period touches, for charts without gaps."""
        monday = self.start - timedelta(days=self.start.weekday())
        return [monday + timedelta(weeks=n) for n in range((self.end - monday).days // 7 + 1)]

    def params(self) -> dict:
        """Named SQL parameters for the report queries."""
        return {
            "start": self.starts_at,
            "end": self.ends_at,
            "zone": self.zone,
            "company_id": self.company_id,
            "type_id": self.type_id,
            "owner_id": self.owner_id,
            "now": timezone.now(),
        }

    def where(self, **columns: str) -> str:
        """`` AND ...`` conditions for the chosen filters, on the given columns (keyword
        ``company``, ``type``, ``owner``); filters a report does not name are ignored."""
        chosen = {"company": self.company_id, "type": self.type_id, "owner": self.owner_id}
        return "".join(
            f" AND {column} = %({name}_id)s"
            for name, column in columns.items()
            if chosen[name] is not None
        )

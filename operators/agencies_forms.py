"""The console's agencies forms: the list's filters (pages and API alike) and the changes to
an agency's plan, trial and limits."""

from decimal import Decimal

from django import forms

from billing.actions import CREDIT_MOST
from billing.plans import PLAN_CURRENCY, all_plans, plan_named
from billing.selectors import billing_state
from operators.agencies import SORTS, AgencyFilters, ConsoleStatus

ACTIVITY_CHOICES = [
    ("", "Any time"),
    ("7", "Active in the last 7 days"),
    ("30", "Active in the last 30 days"),
    ("-30", "Nothing for 30 days or more"),
    ("-90", "Nothing for 90 days or more"),
]
YES_NO = [("", "Either"), ("yes", "Yes"), ("no", "No")]
SORT_CHOICES = [
    ("name", "Name, A to Z"),
    ("-name", "Name, Z to A"),
    ("-mrr", "Monthly revenue, highest first"),
    ("-activity", "Most recently active"),
    ("activity", "Least recently active"),
    ("-storage", "Most storage"),
    ("-seats", "Most seats"),
    ("-clients", "Most clients"),
    ("-requests", "Most requests (30 days)"),
    ("trial_ends", "Trial ending soonest"),
    ("-created", "Newest"),
    ("created", "Oldest"),
    ("status", "Status"),
    ("plan", "Plan"),
]
# Sorting by a column header may ask for any column either way.
SORT_VALUES = {key for name in SORTS for key in (name, f"-{name}")}


def plan_choices(blank: str) -> list[tuple[str, str]]:
    return [("", blank), *((plan.key, plan.name) for plan in all_plans())]


class SortField(forms.ChoiceField):
    def valid_value(self, value):
        return value in SORT_VALUES


class AgencyFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        help_text="Name, subdomain, domain or owner email",
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any"), *ConsoleStatus.CHOICES]
    )
    plan = forms.ChoiceField(label="Plan", required=False)
    trial_ends_within_days = forms.IntegerField(
        label="Trial ends within (days)", required=False, min_value=0, max_value=365
    )
    mrr_min = forms.DecimalField(
        label="Monthly revenue from ($)", required=False, min_value=0, max_digits=10
    )
    mrr_max = forms.DecimalField(
        label="Monthly revenue up to ($)", required=False, min_value=0, max_digits=10
    )
    activity = forms.ChoiceField(label="Last activity", required=False, choices=ACTIVITY_CHOICES)
    storage_min_gb = forms.DecimalField(
        label="Storage at least (GB)", required=False, min_value=0, max_digits=8
    )
    seats_min = forms.IntegerField(label="Seats at least", required=False, min_value=0)
    clients_min = forms.IntegerField(label="Client companies at least", required=False, min_value=0)
    requests_min = forms.IntegerField(
        label="Requests in 30 days at least", required=False, min_value=0
    )
    custom_domain = forms.ChoiceField(label="Custom domain", required=False, choices=YES_NO)
    sort = SortField(label="Sort by", required=False, choices=SORT_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].choices = plan_choices("Any")

    def clean(self):
        data = super().clean()
        low, high = data.get("mrr_min"), data.get("mrr_max")
        if low is not None and high is not None and low > high:
            self.add_error("mrr_max", "Give an upper bound at least the lower one.")
        return data

    def filters(self) -> AgencyFilters:
        """The valid form as the selector's filters."""
        data = self.cleaned_data
        activity = int(data["activity"]) if data.get("activity") else None
        return AgencyFilters(
            q=data.get("q", ""),
            status=data.get("status", ""),
            plan=data.get("plan", ""),
            trial_ends_within_days=data.get("trial_ends_within_days"),
            mrr_min=data.get("mrr_min"),
            mrr_max=data.get("mrr_max"),
            active_within_days=activity if activity and activity > 0 else None,
            inactive_for_days=-activity if activity and activity < 0 else None,
            storage_min_gb=data.get("storage_min_gb"),
            seats_min=data.get("seats_min"),
            clients_min=data.get("clients_min"),
            requests_min=data.get("requests_min"),
            custom_domain={"yes": True, "no": False}.get(data.get("custom_domain", "")),
            sort=data.get("sort") or "name",
        )


class ReasonForm(forms.Form):
    """A change to ``agency``, with the reason the operator log keeps."""

    def __init__(self, *args, agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency = agency

    reason = forms.CharField(
        label="Reason",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the operator log.",
    )


class PlanOverrideForm(ReasonForm):
    plan = forms.ChoiceField(label="Plan", required=False)

    field_order = ["plan", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].choices = plan_choices("As the subscription says (no override)")


class TrialExtendForm(ReasonForm):
    days = forms.IntegerField(label="Extend the trial by (days)", min_value=1, max_value=90)

    field_order = ["days", "reason"]


class CreditForm(ReasonForm):
    amount = forms.DecimalField(
        label=f"Credit ({PLAN_CURRENCY})",
        min_value=Decimal("0.01"),
        max_value=CREDIT_MOST,
        decimal_places=2,
        help_text="Taken off the agency's next subscription invoices by Stripe.",
    )
    # A new one each time the form is shown: the same form sent twice credits once.
    key = forms.UUIDField(widget=forms.HiddenInput)

    field_order = ["amount", "reason", "key"]


NO_LIMIT_WORDS = {"no limit", "none", "unlimited"}


class LimitField(forms.CharField):
    """A count: empty for the plan's own, "no limit", or a whole number. Cleans to
    ``...`` (the plan's), None (no limit) or the number."""

    def to_python(self, value):
        value = super().to_python(value).strip().lower()
        if not value:
            return ...
        if value in NO_LIMIT_WORDS:
            return None
        try:
            number = int(value)
        except ValueError:
            raise forms.ValidationError('Write a whole number, "no limit", or nothing.') from None
        if number < 0:
            raise forms.ValidationError("A limit cannot be below 0.")
        return number


class LimitsForm(ReasonForm):
    HELP = 'Empty: the plan\'s own. A number, or "no limit".'
    seats = LimitField(label="Team seats", required=False, help_text=HELP)
    client_companies = LimitField(label="Client companies", required=False, help_text=HELP)
    storage_gb = LimitField(label="Storage (GB)", required=False, help_text=HELP)
    custom_domain = forms.ChoiceField(
        label="Custom domain",
        required=False,
        choices=[("", "As the plan says"), ("yes", "Allowed"), ("no", "Not allowed")],
    )

    field_order = ["seats", "client_companies", "storage_gb", "custom_domain", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.agency is not None:
            # The plan before the agency's own limits: what an empty field keeps.
            state = billing_state(self.agency)
            plan = plan_named(state.plan.key) or state.plan
            for key in ("seats", "client_companies", "storage_gb"):
                own = getattr(plan, key)
                own = "no limit" if own is None else f"{own}{' GB' if key == 'storage_gb' else ''}"
                self.fields[
                    key
                ].help_text = f'Empty: the plan\'s own ({own}). A number, or "no limit".'
            included = "allowed" if plan.custom_domain else "not allowed"
            self.fields["custom_domain"].choices = [
                ("", f"As the plan says ({included})"),
                *self.fields["custom_domain"].choices[1:],
            ]

    @classmethod
    def initial_from(cls, overrides: dict) -> dict:
        """The current overrides as the form shows them."""
        initial = {}
        for key in ("seats", "client_companies", "storage_gb"):
            if key in overrides:
                initial[key] = "no limit" if overrides[key] is None else str(overrides[key])
        if "custom_domain" in overrides:
            initial["custom_domain"] = "yes" if overrides["custom_domain"] else "no"
        return initial

    def limits(self) -> dict:
        """The overrides asked for: only the keys that differ from the plan's."""
        data = self.cleaned_data
        limits = {
            key: data[key]
            for key in ("seats", "client_companies", "storage_gb")
            if data.get(key, ...) is not ...
        }
        if data.get("custom_domain"):
            limits["custom_domain"] = data["custom_domain"] == "yes"
        return limits

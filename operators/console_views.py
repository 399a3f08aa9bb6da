"""The console's own pages: its landing, the operators, the operator log and health."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from operators.access import console_view
from operators.actions import (
    operator_create,
    operator_deactivate,
    operator_role_change,
    operator_two_factor_reset,
)
from operators.forms import OperatorAddForm, OperatorRoleForm
from operators.health import platform_health
from operators.models import Operator
from operators.roles import Capability
from operators.selectors import log_actions, log_csv_lines, log_filter, operators_all

LOG_PAGE_SIZE = 50


@console_view(Capability.VIEW)
def home(request):
    return redirect("operator:agencies")


def _operators_page(request, add_form=None, status=200):
    context = {
        "console_section": "operators",
        "operators": operators_all(),
        "add_form": add_form or OperatorAddForm(),
        "role_form": OperatorRoleForm(),
    }
    return render(request, "operators/operators.html", context, status=status)


def _form_errors(form, invalid: ValidationError) -> None:
    if hasattr(invalid, "error_dict"):
        for name, errors in invalid.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, invalid)


@console_view(Capability.OPERATORS)
def operators_page(request):
    if request.method != "POST":
        return _operators_page(request)
    form = OperatorAddForm(request.POST)
    if form.is_valid():
        try:
            operator = operator_create(**form.cleaned_data, actor=request.user, request=request)
        except ValidationError as invalid:
            _form_errors(form, invalid)
        else:
            messages.success(
                request,
                f"{operator.user.email} can now sign in at this console's sign-in page; "
                "they set up two-factor authentication the first time.",
            )
            return redirect("operator:operators")
    return _operators_page(request, add_form=form, status=400)


@require_POST
@console_view(Capability.OPERATORS)
def operator_role(request, pk):
    operator = get_object_or_404(Operator.objects.select_related("user"), pk=pk)
    form = OperatorRoleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Choose a role.")
        operator_role_change(
            operator=operator, role=form.cleaned_data["role"], actor=request.user, request=request
        )
    except ValidationError as invalid:
        messages.error(request, " ".join(invalid.messages))
        return redirect("operator:operators")
    messages.success(request, f"{operator.user.email} is now {operator.get_role_display()}.")
    return redirect("operator:operators")


@require_POST
@console_view(Capability.OPERATORS)
def operator_deactivate_view(request, pk):
    operator = get_object_or_404(Operator.objects.select_related("user"), pk=pk)
    try:
        operator_deactivate(operator=operator, actor=request.user, request=request)
    except ValidationError as invalid:
        messages.error(request, " ".join(invalid.messages))
        return redirect("operator:operators")
    messages.success(request, f"{operator.user.email} is deactivated and signed out everywhere.")
    return redirect("operator:operators")


@require_POST
@console_view(Capability.OPERATORS)
def operator_two_factor_reset_view(request, pk):
    operator = get_object_or_404(Operator.objects.select_related("user"), pk=pk)
    operator_two_factor_reset(operator=operator, actor=request.user, request=request)
    if operator.user_id == request.user.pk:
        return redirect("operator:login")  # signed out: set it up again now
    messages.success(
        request,
        f"{operator.user.email} is signed out and sets up two-factor again at their next sign-in.",
    )
    return redirect("operator:operators")


class LogFilterForm(forms.Form):
    operator = forms.TypedChoiceField(
        label="Operator", required=False, coerce=int, empty_value=None
    )
    action = forms.ChoiceField(label="Action", required=False)
    agency = forms.CharField(
        label="Agency", required=False, max_length=200, help_text="Its name or number."
    )
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operator"].choices = [("", "Everyone")] + [
            (o.user_id, o.user.email) for o in operators_all()
        ]
        self.fields["action"].choices = [("", "Every action")] + [(a, a) for a in log_actions()]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end comes before the start.")
        return cleaned

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "operator_id": data.get("operator"),
            "action": data.get("action") or "",
            "agency": data.get("agency") or "",
            "since": data.get("since"),
            "until": data.get("until"),
        }


def _log_filters(request) -> tuple[LogFilterForm, dict | None]:
    """The filter form and its filters; None when the form holds errors."""
    form = LogFilterForm(request.GET or None)
    if not request.GET:
        return form, {}
    return form, (form.filters() if form.is_valid() else None)


@console_view(Capability.VIEW)
def log_page(request):
    form, filters = _log_filters(request)
    status = 200 if filters is not None else 400
    entries = log_filter(**filters) if filters is not None else log_filter().none()
    page = Paginator(entries, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "console_section": "log",
        "form": form,
        "page": page,
        "filtered": bool(filters),
        "query": query.urlencode(),
    }
    return render(request, "operators/log.html", context, status=status)


@console_view(Capability.VIEW)
def log_csv(request):
    filters = _log_filters(request)[1]
    if filters is None:
        return log_page(request)
    filename = f"operator-log-{timezone.localdate():%Y-%m-%d}.csv"
    return StreamingHttpResponse(
        log_csv_lines(log_filter(**filters)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@console_view(Capability.VIEW)
def health_page(request):
    context = {"console_section": "health", "health": platform_health()}
    return render(request, "operators/health.html", context)


urlpatterns = [
    path("", home, name="home"),
    path("operators/", operators_page, name="operators"),
    path("operators/<int:pk>/role/", operator_role, name="operator_role"),
    path("operators/<int:pk>/deactivate/", operator_deactivate_view, name="operator_deactivate"),
    path(
        "operators/<int:pk>/two-factor-reset/",
        operator_two_factor_reset_view,
        name="operator_two_factor_reset",
    ),
    path("log/", log_page, name="log"),
    path("log.csv", log_csv, name="log_csv"),
    path("health/", health_page, name="health"),
]

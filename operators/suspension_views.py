"""The console's suspension and deletion posts, from the agency page's panel
(templates/operators/includes/agency_suspension.html). Each goes back to the agency page with
a confirmation; a refused input answers 400 with the panel and its errors."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from operators import suspension
from operators.access import console_view
from operators.roles import Capability
from operators.suspension_forms import (
    DeletionCancelForm,
    DeletionScheduleForm,
    RestoreForm,
    SuspendForm,
    panel_forms,
)
from shared_apps.core.formatting import format_moment
from tenants.models import Agency


def _act(request, agency_id, form_class, key, act, done):
    agency = get_object_or_404(Agency.objects.provisioned(), pk=agency_id)
    form = form_class(request.POST, agency=agency)
    if form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.cleaned_data if name != "confirm"}
        try:
            agency = act(agency=agency, operator=request.operator, request=request, **data)
        except ValidationError as error:
            return _refused(request, agency, form, key, error.messages)
        messages.success(request, done(agency))
        return redirect("operator:agency", agency.pk)
    return _refused(request, agency, form, key, [])


def _refused(request, agency, form, key, refusals):
    forms = panel_forms(agency) | {key: form}
    context = {"agency": agency, "forms": forms, "refusals": refusals}
    return render(request, "operators/suspension_refused.html", context, status=400)


@require_POST
@console_view(Capability.SUSPEND)
def agency_suspend(request, agency_id):
    return _act(
        request,
        agency_id,
        SuspendForm,
        "suspend",
        suspension.agency_suspend,
        lambda agency: f"{agency} is suspended. Its people see the suspended page now.",
    )


@require_POST
@console_view(Capability.SUSPEND)
def agency_restore(request, agency_id):
    return _act(
        request,
        agency_id,
        RestoreForm,
        "restore",
        suspension.agency_restore,
        lambda agency: f"{agency} is restored: everything works again.",
    )


@require_POST
@console_view(Capability.DELETE)
def agency_deletion_schedule(request, agency_id):
    return _act(
        request,
        agency_id,
        DeletionScheduleForm,
        "delete",
        suspension.agency_deletion_schedule,
        lambda agency: (
            f"{agency} will be deleted on {format_moment(agency.deletion_due_at)} "
            "unless the deletion is cancelled before."
        ),
    )


@require_POST
@console_view(Capability.DELETE)
def agency_deletion_cancel(request, agency_id):
    return _act(
        request,
        agency_id,
        DeletionCancelForm,
        "keep",
        suspension.agency_deletion_cancel,
        lambda agency: f"{agency}'s deletion is cancelled.",
    )


urlpatterns = [
    path("agencies/<int:agency_id>/suspend/", agency_suspend, name="agency_suspend"),
    path("agencies/<int:agency_id>/restore/", agency_restore, name="agency_restore"),
    path(
        "agencies/<int:agency_id>/deletion/",
        agency_deletion_schedule,
        name="agency_deletion_schedule",
    ),
    path(
        "agencies/<int:agency_id>/deletion/cancel/",
        agency_deletion_cancel,
        name="agency_deletion_cancel",
    ),
]

"""Support sessions from the console: start one as an agency's person (with the agency's grant
and a reason), or end one. The agency page's panel (operators/includes/agency_support.html)
posts here."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from operators.access import console_view
from operators.impersonation import (
    EndedHow,
    ImpersonationRefused,
    impersonation_end,
    impersonation_start,
)
from operators.models import ImpersonationSession
from operators.roles import Capability
from operators.support import handoff_url, start_form
from tenants.models import Agency


def _page(request, agency, *, form=None, refusal="", status=200):
    context = {
        "agency": agency,
        "support_form": form,
        "refusal": refusal,
        "console_section": "agencies",
    }
    return render(request, "operators/support_start.html", context, status=status)


@console_view(Capability.IMPERSONATE)
def support_start(request, agency_id):
    agency = get_object_or_404(Agency.objects.live(), pk=agency_id)
    if request.method != "POST":
        return _page(request, agency)
    form = start_form(agency, request.POST)
    if form.is_valid():
        try:
            _, secret = impersonation_start(
                operator=request.user,
                agency=agency,
                person_id=form.cleaned_data["person"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ImpersonationRefused as refused:
            return _page(request, agency, refusal=str(refused), status=403)
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            return redirect(handoff_url(agency, secret))
    return _page(request, agency, form=form, status=400)


@require_POST
@console_view(Capability.IMPERSONATE)
def support_end(request, session_id):
    session = get_object_or_404(ImpersonationSession, pk=session_id)
    if impersonation_end(session=session, how=EndedHow.OPERATOR, request=request):
        messages.success(request, f"The support session as {session.target_label} has ended.")
    else:
        messages.info(request, "That support session had already ended.")
    return redirect("operator:agency", session.agency_id)


urlpatterns = [
    path("agencies/<int:agency_id>/support/", support_start, name="support"),
    path("support-sessions/<int:session_id>/end/", support_end, name="support_end"),
]

"""The owner's Support access page, and the two ends of a support session on the agency's
host: the operator's handoff in, and "End session"."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from operators.impersonation import EndedHow, handoff_spend, impersonation_end, session_end_reason
from shared_apps.accounts.models import User
from shared_apps.core.formatting import format_deadline
from tenant_apps.kit.access import actor_for, permission_required
from tenant_apps.support_access.actions import support_grant_create, support_grant_revoke
from tenant_apps.support_access.forms import GrantForm
from tenant_apps.support_access.selectors import SHOWN, current_grant, grants, support_sessions
from tenant_apps.support_access.session import sign_in_as, sign_out


def _page(request, form, status=200):
    sessions = list(support_sessions()[:SHOWN])
    for session in sessions:
        session.end_words = EndedHow.WORDS.get(session_end_reason(session) or "", "")
    context = {
        "form": form,
        "grant": current_grant(),
        "grants": grants()[:SHOWN],
        "sessions": sessions,
    }
    return render(request, "support_access/settings.html", context, status=status)


@permission_required("support_access.manage")
def support_access_settings(request):
    form = GrantForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                grant = support_grant_create(
                    ends_in=form.duration(),
                    note=form.cleaned_data["note"],
                    actor=actor_for(request).user,
                    request=request,
                )
            except ValidationError as refused:
                form.add_error(None, refused)
            else:
                messages.success(
                    request, f"Support can sign in until {format_deadline(grant.ends_at)}."
                )
                return redirect("support_access:settings")
        return _page(request, form, status=400)
    return _page(request, form)


@require_POST
@permission_required("support_access.manage")
def support_access_revoke(request, grant_id):
    grant = get_object_or_404(grants(), pk=grant_id)
    try:
        support_grant_revoke(grant=grant, actor=actor_for(request).user, request=request)
    except ValidationError:
        messages.info(request, "That support access had already ended.")
    else:
        messages.success(request, "Support access revoked. Any support session has ended.")
    return redirect("support_access:settings")


def handoff(request, token):
    """The operator's browser arrives with the single-use secret from the console."""
    support = handoff_spend(agency=request.tenant, secret=token)
    person = support and User.objects.filter(pk=support.target_user_id, is_active=True).first()
    if person is None:
        return render(request, "support_access/handoff_invalid.html", status=400)
    sign_in_as(request, person, support)
    return redirect("workspace:home")


@require_POST
def support_session_end(request):
    support = getattr(request, "support_session", None)  # set by the middleware
    if support is None:
        raise Http404("No support session.")
    impersonation_end(session=support, how=EndedHow.OPERATOR, request=request)
    sign_out(request)
    messages.info(request, "Support session ended.")
    return redirect("accounts:login")

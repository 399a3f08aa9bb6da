"""My account (password, two-factor, sessions) and the owner's security settings."""

from django.contrib import auth, messages
from django.contrib.auth import update_session_auth_hash
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticToken

from shared_apps.accounts.two_factor import (
    CodeForm,
    has_two_factor,
    totp_qr_data_uri,
    totp_secret_for_typing,
    totp_setup_device,
    two_factor_verify,
)
from shared_apps.core.regional import RegionalForm
from tenant_apps.kit.access import permission_required
from tenant_apps.security.actions import (
    account_regional_update,
    recovery_codes_regenerate,
    security_policy_update,
    session_end,
    session_track,
    sessions_end_all,
    two_factor_disable,
    two_factor_enable,
)
from tenant_apps.security.forms import (
    PasswordChangeForm,
    PasswordSetForm,
    SecurityPolicyForm,
)
from tenant_apps.security.link_secrets import secret_digest
from tenant_apps.security.selectors import (
    security_policy,
    signed_in_sessions,
    team_without_two_factor,
    two_factor_required_for,
    two_factor_setup_required,
)

APP_CODE_HELP = "The 6-digit code your authenticator app shows now."


def _code_form(request, purpose, data=None):
    """A code form checked against the signed-in person's own devices.

    ``purpose`` prefixes the field, as two of these share the two-factor page.
    """
    form = CodeForm(data, prefix=purpose, check=lambda code: two_factor_verify(request.user, code))
    form.fields["code"].widget.attrs.pop("autofocus")
    return form


def _two_factor_context(request, **forms):
    user = request.user
    return {
        "enabled": has_two_factor(user),
        "recovery_codes_left": StaticToken.objects.filter(device__user=user).count(),
        "required": two_factor_required_for(user),
        "regenerate_form": _code_form(request, "regenerate"),
        "disable_form": _code_form(request, "disable"),
        **forms,
    }


@permission_required("workspace.use")
def account(request):
    """My account; it takes the person's own time zone and format (blank: the agency's)."""
    user, agency = request.user, request.tenant
    regional_form = RegionalForm(
        request.POST if request.method == "POST" else None,
        initial={"time_zone": user.time_zone, "locale": user.locale},
        inherited=(agency.time_zone, agency.locale),
    )
    if request.method == "POST" and regional_form.is_valid():
        account_regional_update(user=user, request=request, **regional_form.cleaned_data)
        messages.success(request, "Time zone and format saved.")
        return redirect("security:account")
    current = secret_digest(request.session.session_key)
    sessions = list(signed_in_sessions(request.user))
    for session in sessions:
        session.is_current = session.key_digest == current
    return render(
        request,
        "security/account.html",
        {
            "sessions": sessions,
            "two_factor_on": has_two_factor(request.user),
            "has_password": request.user.has_usable_password(),
            "regional_form": regional_form,
        },
        status=400 if regional_form.errors else 200,
    )


@permission_required("workspace.use")
def password_change(request):
    user = request.user
    form_class = PasswordChangeForm if user.has_usable_password() else PasswordSetForm
    form = form_class(user, request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        form.save()
        # Keep this browser signed in: new session key and hash, tracked afresh.
        update_session_auth_hash(request, user)
        session_track(user=user, request=request)
        messages.success(request, "Password changed. Every other device has been signed out.")
        return redirect("security:account")
    return render(request, "security/password_change.html", {"form": form})


@require_POST
@permission_required("workspace.use")
def session_end_view(request, pk):
    session = get_object_or_404(signed_in_sessions(request.user), pk=pk)
    session_end(session=session, actor=request.user, request=request)
    if session.key_digest == secret_digest(request.session.session_key):
        auth.logout(request)
        messages.success(request, "You're signed out.")
        return redirect("accounts:login")
    messages.success(request, f"Signed out {session.device} ({session.ip_address or 'unknown'}).")
    return redirect("security:account")


@require_POST
@permission_required("workspace.use")
def sessions_end_all_view(request):
    user = request.user
    sessions_end_all(user=user, actor=user, request=request)
    auth.logout(request)
    messages.success(request, "You're signed out on every device, including this one.")
    return redirect("accounts:login")


@permission_required("workspace.use")
def two_factor(request):
    return render(request, "security/two_factor.html", _two_factor_context(request))


@permission_required("workspace.use")
def two_factor_setup(request):
    if has_two_factor(request.user):
        return redirect("security:two_factor")
    device = totp_setup_device(request.user)
    form = CodeForm(
        request.POST or None,
        check=lambda code: two_factor_enable(device=device, code=code, request=request),
    )
    form.fields["code"].help_text = APP_CODE_HELP
    if request.method == "POST" and form.is_valid():
        otp_login(request, device)
        return render(request, "security/recovery_codes.html", {"codes": form.result, "new": True})
    context = {
        "form": form,
        "qr": totp_qr_data_uri(device),
        "secret": totp_secret_for_typing(device),
        "required": two_factor_setup_required(request.user),
    }
    return render(request, "security/two_factor_setup.html", context)


@require_POST
@permission_required("workspace.use")
def two_factor_disable_view(request):
    if not has_two_factor(request.user):
        return redirect("security:two_factor")
    form = _code_form(request, "disable", request.POST)
    if not form.is_valid():
        context = _two_factor_context(request, disable_form=form)
        return render(request, "security/two_factor.html", context, status=400)
    two_factor_disable(user=request.user, actor=request.user, request=request)
    messages.success(request, "Two-factor authentication is off.")
    return redirect("security:two_factor")


@require_POST
@permission_required("workspace.use")
def recovery_codes_view(request):
    if not has_two_factor(request.user):
        return redirect("security:two_factor")
    form = _code_form(request, "regenerate", request.POST)
    if not form.is_valid():
        context = _two_factor_context(request, regenerate_form=form)
        return render(request, "security/two_factor.html", context, status=400)
    codes = recovery_codes_regenerate(user=request.user, request=request)
    return render(request, "security/recovery_codes.html", {"codes": codes, "new": False})


@permission_required("security.manage")
def security_settings(request):
    form = SecurityPolicyForm(request.POST or None, instance=security_policy())
    if request.method == "POST" and form.is_valid():
        required = form.cleaned_data["team_two_factor_required"]
        security_policy_update(
            team_two_factor_required=required, actor=request.user, request=request
        )
        messages.success(
            request,
            "Two-factor authentication is now required for the team."
            if required
            else "Two-factor authentication is now optional for the team.",
        )
        return redirect("security:settings")
    context = {"form": form, "without_two_factor": team_without_two_factor()}
    return render(request, "security/settings.html", context)

"""The ways in: password, emailed sign-in link, signup handoff, and the code step after them."""

import time

from django.contrib import auth, messages
from django.contrib.auth.views import LoginView, PasswordResetConfirmView
from django.core.cache import cache
from django.db import connection
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from shared_apps.accounts.models import User
from shared_apps.accounts.two_factor import CodeForm, two_factor_verify
from shared_apps.signup.handoff import MAX_AGE_SECONDS, handoff_read
from tenant_apps.activity.actions import activity_record
from tenant_apps.security.actions import (
    MagicLinkUnusable,
    magic_link_request,
    magic_link_use,
    password_reset_request,
)
from tenant_apps.security.audit import SecurityAudit
from tenant_apps.security.forms import EmailForm, PasswordResetForm, SignInForm
from tenant_apps.security.models import MAGIC_LINK_MINUTES
from tenant_apps.security.selectors import magic_link_for
from tenant_apps.security.sign_in import pending_sign_in_user, sign_in_begin, sign_in_complete

# Emailed-link requests answer no sooner than this, known address or not, so
# response times say nothing about which addresses have accounts.
LINK_REQUEST_SECONDS = 0.25


def _home() -> str:
    return reverse("workspace:home")


class WorkspaceLoginView(LoginView):
    template_name = "accounts/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        return sign_in_begin(self.request, form.get_user(), next_url=self.get_success_url())


@require_POST
def logout_view(request):
    auth.logout(request)
    messages.success(request, "You're signed out.")
    return redirect("accounts:login")


def handoff_user_id(token: str) -> int | None:
    """The user id the signup's token names, once; None when forged, expired, reused or foreign."""
    handoff = handoff_read(token)
    if handoff is None or handoff.schema != connection.schema_name:
        return None
    # cache.add is atomic; the key function prefixes it with this schema.
    if not cache.add(f"handoff-used:{handoff.nonce}", 1, timeout=MAX_AGE_SECONDS * 2):
        return None
    return handoff.user_id


def handoff_view(request, token):
    user_id = handoff_user_id(token)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return render(request, "accounts/handoff_invalid.html", status=400)
    return sign_in_begin(request, user, next_url=_home(), method="action_link")


def _link_request(request, *, template, send):
    """An email-only form that always answers "if that address has an account, we've sent it"."""
    if request.user.is_authenticated:
        return redirect(_home())
    form = EmailForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, template, {"form": form})
    started = time.monotonic()
    send(email=form.cleaned_data["email"], request=request)
    response = render(request, "accounts/link_sent.html", {"email": form.cleaned_data["email"]})
    time.sleep(max(0.0, LINK_REQUEST_SECONDS - (time.monotonic() - started)))
    return response


def magic_link_request_view(request):
    return _link_request(
        request, template="accounts/magic_link_request.html", send=magic_link_request
    )


def password_reset_request_view(request):
    return _link_request(
        request, template="accounts/password_reset_request.html", send=password_reset_request
    )


def _link_problem(link) -> str | None:
    if link is None or not link.user.is_active:
        return "unknown"
    return None if link.status == "valid" else link.status


def magic_link_sign_in(request, secret):
    """GET asks for a click, so mail scanners that open links don't spend them; POST signs in."""
    link = magic_link_for(secret)
    reason = _link_problem(link)
    if request.method == "POST" and reason is None:
        try:
            user = magic_link_use(secret=secret, request=request)
        except MagicLinkUnusable as unusable:
            reason = unusable.reason
        else:
            return sign_in_begin(request, user, next_url=_home(), method="magic_link")
    if reason:
        context = {"reason": reason, "minutes": MAGIC_LINK_MINUTES}
        return render(request, "accounts/magic_link_invalid.html", context, status=400)
    return render(request, "accounts/magic_link_confirm.html", {"person": link.user})


def verify_view(request):
    """The code step of a half sign-in (see tenant_apps.security.sign_in)."""
    user = pending_sign_in_user(request)
    if user is None:
        messages.info(request, "Sign in to continue.")
        return redirect("accounts:login")
    form = CodeForm(request.POST or None, check=lambda code: two_factor_verify(user, code))
    if request.method == "POST":
        if form.is_valid():
            if isinstance(form.result, StaticDevice):
                left = form.result.token_set.count()
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. "
                    "You can make new ones under My account → Two-factor authentication.",
                )
            return sign_in_complete(request, user, form.result)
        if form.has_error("code", "rejected"):
            activity_record(
                action=SecurityAudit.AUTH_TWO_FACTOR_FAILED,
                actor=user,
                target=user,
                request=request,
            )
    return render(request, "accounts/verify.html", {"form": form, "person": user})


class PasswordResetConfirm(PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = PasswordResetForm
    success_url = reverse_lazy("accounts:login")

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"request": self.request}

    def form_valid(self, form):
        messages.success(
            self.request, "Your password is changed, and every device was signed out. Sign in now."
        )
        return super().form_valid(form)

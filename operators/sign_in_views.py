"""Operators sign in on the platform host: password, then a code, always.

After the password the session holds a half sign-in (who, where to, for five minutes) and
stays anonymous. An operator with an authenticator enters its code (operator:verify); one
without sets it up first (operator:two_factor_setup), sees their recovery codes once, and
is then signed in. Only then does ``operators.access`` let them into the console.
"""

import time

from django.contrib import auth, messages
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.crypto import salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from operators.access import operator_of
from operators.actions import (
    operator_code_refused,
    operator_signed_in,
    operator_two_factor_enable,
)
from operators.demo import dev_code_view
from operators.forms import OperatorSignInForm
from shared_apps.accounts.models import User
from shared_apps.accounts.two_factor import (
    CodeForm,
    has_two_factor,
    totp_qr_data_uri,
    totp_secret_for_typing,
    totp_setup_device,
    two_factor_verify,
)

PENDING_KEY = "operators:pending-sign-in"
PENDING_SECONDS = 300
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _stamp(user) -> str:
    # A deactivation meanwhile (a new security stamp) voids the half sign-in.
    return salted_hmac("operators.pending", user.security_stamp, algorithm="sha256").hexdigest()


def _safe_next(request, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("operator:home")


def pending_operator(request) -> User | None:
    """The half-signed-in operator, while their five minutes last."""
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["started"] > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True, operator__isnull=False).first()
    return user if user and _stamp(user) == pending["stamp"] else None


def _sign_in_complete(request, user, device, *, via: str):
    next_url = request.session.pop(PENDING_KEY)["next"]
    auth.login(request, user, backend=MODEL_BACKEND)
    otp_login(request, device)
    operator_signed_in(user=user, via=via, request=request)
    return next_url


class OperatorLoginView(LoginView):
    template_name = "operators/login.html"
    form_class = OperatorSignInForm

    def dispatch(self, request, *args, **kwargs):
        if operator_of(request) is not None:
            return redirect(_safe_next(request, request.GET.get("next")))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        self.request.session.cycle_key()
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "stamp": _stamp(user),
            "next": _safe_next(self.request, self.get_redirect_url()),
            "started": time.time(),
        }
        if has_two_factor(user):
            return redirect("operator:verify")
        return redirect("operator:two_factor_setup")


def _start_again(request):
    messages.info(request, "Sign in to continue.")
    return redirect("operator:login")


def verify_view(request):
    """The code step: a code from the authenticator app, or a recovery code."""
    user = pending_operator(request)
    if user is None:
        return _start_again(request)
    if not has_two_factor(user):
        return redirect("operator:two_factor_setup")
    form = CodeForm(request.POST or None, check=lambda code: two_factor_verify(user, code))
    if request.method == "POST" and form.is_valid():
        next_url = _sign_in_complete(request, user, form.result, via="password and code")
        if isinstance(form.result, StaticDevice):
            left = form.result.token_set.count()
            messages.warning(
                request,
                f"You used a recovery code; {left} left. Ask an admin operator to reset "
                "your two-factor authentication before they run out.",
            )
        return redirect(next_url)
    if form.has_error("code", "rejected"):
        operator_code_refused(user=user, via="sign-in page", request=request)
    return render(request, "operators/verify.html", {"form": form, "person": user})


def two_factor_setup_view(request):
    """Mandatory enrolment for an operator who has no authenticator yet."""
    user = pending_operator(request)
    if user is None:
        return _start_again(request)
    if has_two_factor(user):
        return redirect("operator:verify")
    device = totp_setup_device(user)
    form = CodeForm(
        request.POST or None,
        check=lambda code: operator_two_factor_enable(device=device, code=code, request=request),
    )
    form.fields["code"].help_text = "The 6-digit code your authenticator app shows now."
    if request.method == "POST" and form.is_valid():
        next_url = _sign_in_complete(request, user, device, via="first sign-in")
        context = {"codes": form.result, "next_url": next_url}
        return render(request, "operators/recovery_codes.html", context)
    context = {
        "form": form,
        "person": user,
        "qr": totp_qr_data_uri(device),
        "secret": totp_secret_for_typing(device),
    }
    return render(request, "operators/two_factor_setup.html", context)


@require_POST
def logout_view(request):
    auth.logout(request)
    messages.success(request, "You're signed out of the operator console.")
    return redirect("operator:login")


urlpatterns = [
    path("login/", OperatorLoginView.as_view(), name="login"),
    path("login/code/", verify_view, name="verify"),
    path("login/two-factor/", two_factor_setup_view, name="two_factor_setup"),
    path("logout/", logout_view, name="logout"),
    path("dev/code/", dev_code_view, name="dev_code"),
]

from django.contrib import auth
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shared_apps.accounts.handoff import handoff_user_id
from shared_apps.accounts.models import User


class WorkspaceLoginView(LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request):
    auth.logout(request)
    return redirect("accounts:login")


def handoff_view(request, token):
    user_id = handoff_user_id(token)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return render(request, "accounts/handoff_invalid.html", status=400)
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("workspace:home")

from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from operators.announcements import announcement_dismiss
from tenant_apps.kit.access import permission_required
from tenant_apps.kit.htmx import is_htmx


@require_POST
@permission_required("workspace.use")
def announcement_dismissed(request, announcement_id: int):
    """Hide one announcement for the signed-in person; htmx removes the banner in place."""
    announcement_dismiss(
        announcement_id=announcement_id, agency=request.tenant, user_id=request.user.pk
    )
    if is_htmx(request):
        return HttpResponse("")
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure())
    return redirect(back if safe and back else "workspace:home")

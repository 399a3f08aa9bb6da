from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from tenant_apps.kit.access import permission_required
from tenant_apps.retention.actions import retention_policy_update
from tenant_apps.retention.forms import RetentionForm
from tenant_apps.retention.models import KEEP_MAX_DAYS
from tenant_apps.retention.selectors import last_removal, retention_policy


@permission_required("retention.manage")
def retention_settings(request):
    form = RetentionForm(request.POST or None, instance=retention_policy())
    if request.method == "POST" and form.is_valid():
        try:
            retention_policy_update(**form.cleaned_data, actor=request.user, request=request)
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            messages.success(request, "The retention settings are saved.")
            return redirect("retention:settings")
    context = {"form": form, "keep_max_days": KEEP_MAX_DAYS, "last_removal": last_removal()}
    return render(request, "retention/settings.html", context)

from django.http import JsonResponse

from tenant_apps.activity.models import ActivityEntry

FIELDS = ["id", "occurred_at", "actor_label", "action", "object_type", "object_label"]
ROWS = 20


def activity_list(request):
    """The benchmarked view: one query, the current schema's 20 newest activity entries."""
    entries = list(ActivityEntry.objects.order_by("-id").values(*FIELDS)[:ROWS])
    return JsonResponse({"entries": entries})

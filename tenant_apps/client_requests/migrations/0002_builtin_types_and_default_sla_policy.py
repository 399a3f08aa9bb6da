from datetime import time

from django.db import migrations

BUILTIN_TYPES = [
    ("support", "Support", "Something isn't working or you need help."),
    ("service", "Service", "Ask for a service we offer."),
    ("project", "Project", "Start or scope a new piece of work."),
    ("document", "Document", "Ask for, or send us, a document."),
    ("change", "Change", "Change something we've delivered."),
]
# Business minutes: (first response, resolution).
DEFAULT_TARGETS = {
    "urgent": (60, 8 * 60),
    "high": (4 * 60, 16 * 60),
    "normal": (8 * 60, 40 * 60),
    "low": (16 * 60, 80 * 60),
}


def create_defaults(apps, schema_editor):
    RequestType = apps.get_model("client_requests", "RequestType")
    SlaPolicy = apps.get_model("client_requests", "SlaPolicy")
    SlaTarget = apps.get_model("client_requests", "SlaTarget")
    RequestType.objects.bulk_create(
        RequestType(key=key, name=name, description=description, is_builtin=True)
        for key, name, description in BUILTIN_TYPES
    )
    policy = SlaPolicy.objects.create(
        pk=1, timezone="UTC", working_days=[0, 1, 2, 3, 4], opens=time(9), closes=time(17)
    )
    SlaTarget.objects.bulk_create(
        SlaTarget(policy=policy, priority=priority, first_response_minutes=first, resolution_minutes=res)
        for priority, (first, res) in DEFAULT_TARGETS.items()
    )


class Migration(migrations.Migration):
    dependencies = [("client_requests", "0001_requests_types_timeline_and_sla_policy")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]

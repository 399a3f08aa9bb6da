from django.db.models import Sum

from tenant_apps.files.models import StoredFile


def storage_used() -> int:
    """Bytes of every stored file of the agency, in any feature (billing's storage limit)."""
    return StoredFile.objects.aggregate(total=Sum("size"))["total"] or 0

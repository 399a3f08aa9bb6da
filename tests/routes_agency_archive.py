"""Matrix entries for the agency's full export (see tests/access_matrix.py)."""

import hashlib
from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.agency_archive.models import AgencyExport, ExportState
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import file_storage
from tests.access_matrix import api, signed_in

OWNER = ["owner"]
ZIP = b"PK\x05\x06" + bytes(18)  # an empty zip


def a_ready_export(world) -> tuple:
    """A built export of acme's, its bytes stored (under one fixed key, written again each
    time); the test's transaction rolls the rows back."""
    with tenant_context(world.acme):
        key = f"{world.acme.schema_name}/matrix/agency-export.zip"
        file_storage().save(key, [ZIP])
        owner = world.personas["owner"].user
        stored = StoredFile.objects.create(
            key=key,
            name="acme-export.zip",
            size=len(ZIP),
            sha256=hashlib.sha256(ZIP).hexdigest(),
            content_type="application/zip",
            uploaded_by=owner,
        )
        now = timezone.now()
        export = AgencyExport.objects.create(
            requested_by=owner,
            state=ExportState.READY,
            file=stored,
            ready_at=now,
            expires_at=now + timedelta(days=7),
        )
    return (export.pk,)


TENANT_ROUTES = {
    "agency_archive:export": signed_in(200, 403, OWNER),
    "agency_archive:download": signed_in(200, 403, OWNER, args=a_ready_export),
    "api-agency-exports": api(200, 403, OWNER),
    "api-agency-export-download": api(200, 403, OWNER, args=a_ready_export),
}
PUBLIC_ROUTES: dict = {}

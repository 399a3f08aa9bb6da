from tenant_apps.agency_archive.models import AgencyExport

SHOWN = 10


def agency_exports():
    """The agency's exports, newest first."""
    return AgencyExport.objects.select_related("file", "requested_by")

"""The owner's page for the agency's full export: ask for one, see it being prepared, download
it while it lasts."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from tenant_apps.agency_archive.actions import (
    EXPORT_DAYS,
    agency_export_download,
    agency_export_request,
)
from tenant_apps.agency_archive.models import ExportState
from tenant_apps.agency_archive.selectors import SHOWN, agency_exports
from tenant_apps.files.responses import file_download_response
from tenant_apps.kit.access import actor_for, permission_required
from tenant_apps.kit.htmx import is_htmx


@permission_required("agency_archive.export")
def export_page(request):
    if request.method == "POST":
        export = agency_export_request(actor=actor_for(request).user, request=request)
        messages.success(
            request,
            "Your export is being prepared. We will email "
            f"{export.requested_by.email} when it is ready to download.",
        )
        return redirect("agency_archive:export")
    exports = list(agency_exports()[:SHOWN])
    context = {
        "exports": exports,
        "now": timezone.now(),
        "preparing": any(export.state == ExportState.PREPARING for export in exports),
        "days": EXPORT_DAYS,
    }
    template = "agency_archive/export.html"
    if is_htmx(request, target="exports"):
        template += "#exports"
    return render(request, template, context)


@permission_required("agency_archive.export")
def export_download(request, export_id):
    export = get_object_or_404(agency_exports(), pk=export_id)
    if not export.downloadable(timezone.now()):
        raise Http404("This export is not ready or has expired.")
    stored = agency_export_download(export=export, actor=actor_for(request).user, request=request)
    return file_download_response(stored)

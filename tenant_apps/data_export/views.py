"""The "Your data" page: ask for an export of one's own data, see it, download it once."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tenant_apps.data_export.actions import (
    AlreadyDownloaded,
    person_export_download,
    person_export_request,
)
from tenant_apps.data_export.selectors import (
    ExportLinkRefused,
    export_for_token,
    exports_of,
    recent_exports,
)
from tenant_apps.files.responses import file_download_response
from tenant_apps.kit.access import actor_for, permission_required, require

PERMISSION = "own_data.export"
REFUSED_STATUS = {"unknown": 404, "not_yours": 403, "expired": 410}


def _page(request, *, errors=(), status=200):
    return render(
        request,
        "data_export/page.html",
        {
            "exports": recent_exports(request.user),
            "errors": errors,
            "link_hours": settings.PERSON_EXPORT_LINK_HOURS,
        },
        status=status,
    )


@permission_required(PERMISSION)
def page(request):
    return _page(request)


@require_POST
@permission_required(PERMISSION)
def export_request(request):
    try:
        person_export_request(person=request.user, actor=request.user, request=request)
    except ValidationError as refused:
        return _page(request, errors=refused.messages, status=400)
    messages.success(
        request, "We're preparing your data. We'll email you a download link when it's ready."
    )
    return redirect("data_export:page")


def _download(request, export):
    try:
        archive = person_export_download(export=export, person=request.user, request=request)
    except AlreadyDownloaded:
        return _refused(request, "expired")
    return file_download_response(archive)


def _refused(request, reason: str):
    return render(
        request,
        "data_export/link_refused.html",
        {"reason": reason},
        status=REFUSED_STATUS[reason],
    )


@login_required
def download(request, token):
    """The emailed single-use link: its own person, signed in, downloads the archive once."""
    require(actor_for(request), PERMISSION, request=request)
    try:
        export = export_for_token(token, request.user)
    except ExportLinkRefused as refused:
        return _refused(request, refused.reason)
    return _download(request, export)


@permission_required(PERMISSION)
def archive(request, pk):
    """The same one download, from the "Your data" page."""
    export = get_object_or_404(exports_of(request.user).select_related("archive"), pk=pk)
    if not export.is_downloadable or export.archive is None:
        return _refused(request, "expired")
    return _download(request, export)

"""The agency's full export over /api/v1/, for owners: list, ask for one, download."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tenant_apps.agency_archive.actions import agency_export_download, agency_export_request
from tenant_apps.agency_archive.models import ExportState
from tenant_apps.agency_archive.selectors import SHOWN, agency_exports
from tenant_apps.files.responses import file_download_response
from tenant_apps.kit.access import Allowed, actor_for

EXPORT = [Allowed.to("agency_archive.export")]


class ExportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    requested_by = serializers.EmailField(source="requested_by.email")
    requested_at = serializers.DateTimeField()
    state = serializers.ChoiceField(ExportState.choices)
    ready_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    size = serializers.SerializerMethodField(help_text="Bytes of the zip; null until ready.")
    download = serializers.SerializerMethodField(
        help_text="Where to download it while it lasts; null before and after."
    )

    def get_size(self, export) -> int | None:
        return export.file.size if export.file_id else None

    def get_download(self, export) -> str | None:
        if not export.downloadable(self.context["now"]):
            return None
        path = reverse("api-agency-export-download", args=[export.pk])
        return self.context["request"].build_absolute_uri(path)


class AgencyExportsApi(APIView):
    permission_classes = EXPORT

    @extend_schema(
        responses=ExportOutput(many=True),
        summary="The agency's latest full exports (owner)",
    )
    def get(self, request):
        context = {"now": timezone.now(), "request": request}
        return Response(ExportOutput(agency_exports()[:SHOWN], many=True, context=context).data)

    @extend_schema(
        request=None,
        responses={202: ExportOutput},
        summary="Ask for a full export of the agency (owner)",
        description="Prepared in the background; the owner is emailed when it is ready. While "
        "one is being prepared, asking again answers that one.",
    )
    def post(self, request):
        export = agency_export_request(actor=actor_for(request).user, request=request)
        context = {"now": timezone.now(), "request": request}
        return Response(ExportOutput(export, context=context).data, status=status.HTTP_202_ACCEPTED)


class AgencyExportDownloadApi(APIView):
    permission_classes = EXPORT

    @extend_schema(
        responses={(200, "application/zip"): OpenApiTypes.BINARY},
        summary="Download a ready full export (owner)",
    )
    def get(self, request, export_id):
        export = get_object_or_404(agency_exports(), pk=export_id)
        if not export.downloadable(timezone.now()):
            raise Http404("This export is not ready or has expired.")
        stored = agency_export_download(
            export=export, actor=actor_for(request).user, request=request
        )
        return file_download_response(stored)

"""A person's own data exports over /api/v1/: ask for one, list them, download with the link.

Everyone works on their own exports alone; the download takes the token from the emailed
link and, like the page, works once and only for the person it was made for.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from tenant_apps.data_export.actions import (
    ONLY_YOURSELF,
    AlreadyDownloaded,
    person_export_download,
    person_export_request,
)
from tenant_apps.data_export.models import ExportState
from tenant_apps.data_export.selectors import ExportLinkRefused, export_for_token, exports_of
from tenant_apps.files.responses import file_download_response
from tenant_apps.kit.access import Allowed
from tenant_apps.kit.api import FileDownloadApi, cursor_pager, download_responses

PERMISSION = "own_data.export"


class LinkExpired(APIException):
    status_code = status.HTTP_410_GONE
    default_detail = "This link has expired. Ask for a new export."
    default_code = "link_expired"


class PersonExportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.ChoiceField(ExportState.choices)
    requested_at = serializers.DateTimeField()
    ready_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text="When the download link stops working."
    )
    downloaded_at = serializers.DateTimeField(allow_null=True)
    size = serializers.IntegerField(allow_null=True, help_text="The archive's size in bytes.")
    sha256 = serializers.CharField(help_text="The archive's SHA-256, once it is ready.")


class DataExportsApi(ListAPIView):
    permission_classes = [Allowed.to(PERMISSION)]
    pagination_class = cursor_pager("-requested_at", "-id")
    serializer_class = PersonExportOutput

    class Input(serializers.Serializer):
        person = serializers.IntegerField(
            required=False, help_text="Whose data: only your own id (the default) is accepted."
        )

        def validate_person(self, person_id):
            if person_id != self.context["request"].user.pk:
                raise serializers.ValidationError(ONLY_YOURSELF)
            return person_id

    def get_queryset(self):
        return exports_of(self.request.user)

    @extend_schema(summary="My data exports", description="Newest first.")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=Input,
        responses={201: PersonExportOutput},
        summary="Ask for an export of my own data",
        description="Prepared in the background; a single-use download link is emailed when "
        "it is ready. One at a time: 400 while another is being prepared.",
    )
    def post(self, request):
        form = self.Input(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        export = person_export_request(person=request.user, actor=request.user, request=request)
        return Response(PersonExportOutput(export).data, status=status.HTTP_201_CREATED)


class DataExportDownloadApi(FileDownloadApi):
    permission_classes = [Allowed.to(PERMISSION)]

    @extend_schema(
        responses={
            **download_responses("No such link on this workspace."),
            403: OpenApiResponse(description="The link is for another person's export."),
            410: OpenApiResponse(description="Used already, or past its time."),
        },
        summary="Download my data export",
        description="`token` is the last part of the emailed link. Works once.",
    )
    def get(self, request, token):
        try:
            export = export_for_token(token, request.user)
            archive = person_export_download(export=export, person=request.user, request=request)
        except ExportLinkRefused as refused:
            if refused.reason == "not_yours":
                raise PermissionDenied("This link is for someone else's export.") from None
            if refused.reason == "unknown":
                raise NotFound("No such link.") from None
            raise LinkExpired from None
        except AlreadyDownloaded:
            raise LinkExpired from None
        return file_download_response(archive)

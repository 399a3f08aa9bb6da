"""What API views that answer with a stored file share (they check permission, then return
``file_download_response``)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.views import APIView


class FileDownloadApi(APIView):
    """Base of a download endpoint: the file is the answer whatever Accept says; refusals
    (401, 403, 404) stay JSON."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


def download_responses(missing: str) -> dict:
    """``extend_schema(responses=...)`` of a download; ``missing`` describes its 404."""
    return {
        (200, "application/octet-stream"): OpenApiTypes.BINARY,
        302: OpenApiResponse(
            description="With S3 storage: to a presigned URL that expires within a minute, "
            "which answers with the same attachment headers."
        ),
        404: OpenApiResponse(description=missing),
    }

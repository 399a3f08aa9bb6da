"""The document hub over /api/v1/. Policy decides; actions write; serializers only validate
and shape.

A document, folder or company the caller cannot see is a 404, like one that does not exist
(client people never see internal ones); an action they may not take on one they can see is a
403. Uploads stream to temporary files, capped at the agency's limit as they arrive; large
files can also be PUT as the raw request body.
"""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.core.text import JSONParser, MultiPartParser
from tenant_apps.documents import actions
from tenant_apps.documents.models import Document, DocumentKind, ExtractionState, Folder
from tenant_apps.documents.selectors import (
    document_search,
    document_versions,
    version_preview,
    visible_documents,
    visible_folders,
)
from tenant_apps.files.api import PreviewOutput
from tenant_apps.files.responses import file_download_response, file_preview_page_response
from tenant_apps.files.uploads import raw_body_upload, upload_cap
from tenant_apps.files.validation import upload_accept
from tenant_apps.kit.access import Actor, Allowed, actor_for, require
from tenant_apps.kit.api import (
    FileDownloadApi,
    Keyset,
    cursor_pager,
    download_responses,
)
from tenant_apps.people.api import VisibleCompanyField
from tenant_apps.people.models import ClientCompany

UPLOAD_HELP = (
    "multipart/form-data with one `file` part. Refused files (type sniffed from the bytes, "
    "name, size over the agency's limit, archives that unpack too far) are a 400 naming the "
    "file and the reason, and nothing is stored."
)


def validate_document_upload(upload) -> None:
    upload_accept(upload, max_bytes=actions.upload_limit())


class VisibleFolderField(serializers.PrimaryKeyRelatedField):
    """A folder id among those the caller can see; others are 'does not exist'."""

    def get_queryset(self):
        return visible_folders(self.context["actor"])


class Person(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()


class Company(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _absolute(serializer, name: str, *args) -> str:
    return serializer.context["request"].build_absolute_uri(reverse(name, args=args))


class VersionOutput(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField(source="file.name", help_text="The file's (sanitised) name.")
    size = serializers.IntegerField(source="file.size")
    sha256 = serializers.CharField(source="file.sha256")
    content_type = serializers.CharField(
        source="file.content_type", help_text="Sniffed from the bytes, not the client's claim."
    )
    uploaded_by = Person(source="file.uploaded_by")
    uploaded_at = serializers.DateTimeField(source="created_at")
    note = serializers.CharField()
    text_extraction = serializers.ChoiceField(
        ExtractionState.choices,
        source="extraction",
        help_text="Whether the file's text is searchable yet.",
    )
    download_url = serializers.SerializerMethodField()
    preview = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, version) -> str:
        return _absolute(self, "api-document-version-download", version.document_id, version.number)

    @extend_schema_field(PreviewOutput)
    def get_preview(self, version) -> dict:
        def page_url(page):
            name = "api-document-version-preview-page"
            return _absolute(self, name, version.document_id, version.number, page)

        return PreviewOutput(version_preview(version, page_url=page_url, with_text=False)).data


class DocumentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.ChoiceField(DocumentKind.choices)
    is_internal = serializers.BooleanField(help_text="Team only; never shown to clients.")
    company = Company()
    folder_id = serializers.IntegerField(allow_null=True)
    current_version = VersionOutput()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, document) -> str:
        return _absolute(self, "api-document", document.pk)


class FolderOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    company_id = serializers.IntegerField()
    parent_id = serializers.IntegerField(allow_null=True)
    is_internal = serializers.BooleanField(help_text="Team only; never shown to clients.")
    created_at = serializers.DateTimeField()


class ActingApi:
    @property
    def actor(self) -> Actor:
        return actor_for(self.request)


class CappedUploads(ActingApi):
    # Puts the upload cap in front of Django's upload handlers before anything reads the body
    # (authentication may, for a CSRF check), so an oversized file is dropped as it arrives.

    def initial(self, request, *args, **kwargs):
        self.cap = upload_cap(request._request, actions.upload_limit())
        super().initial(request, *args, **kwargs)

    def refused_while_receiving(self, field: str) -> None:
        """Read the body, then answer 400 if a file in it was dropped for its size."""
        self.request.data  # noqa: B018 (parses the body through the handlers)
        if self.cap.refusals:
            raise serializers.ValidationError(
                {field: [message for error in self.cap.refusals for message in error.messages]}
            )


ByName = cursor_pager("name", "id")


class FoldersApi(ActingApi, ListAPIView):
    permission_classes = [Allowed.to("workspace.use")]
    pagination_class = ByName
    parser_classes = [JSONParser]
    serializer_class = FolderOutput

    class Input(serializers.Serializer):
        company = VisibleCompanyField(queryset=ClientCompany.objects.all())
        parent = VisibleFolderField(
            queryset=Folder.objects.all(),
            required=False,
            allow_null=True,
            help_text="The folder to create it in; omitted or null for the top of the space.",
        )
        name = serializers.CharField(max_length=Folder._meta.get_field("name").max_length)
        is_internal = serializers.BooleanField(
            default=False, help_text="Only the team sees it and all it holds."
        )

    def get_queryset(self):
        folders = visible_folders(self.actor)
        params = self.request.query_params
        if params.get("company", "").isdigit():
            folders = folders.filter(company_id=params["company"])
        parent = params.get("parent")
        if parent == "top":
            folders = folders.filter(parent=None)
        elif parent and parent.isdigit():
            folders = folders.filter(parent_id=parent)
        return folders

    @extend_schema(
        summary="Folders the caller can see",
        parameters=[
            OpenApiParameter("company", OpenApiTypes.INT, description="A client company id."),
            OpenApiParameter(
                "parent", OpenApiTypes.STR, description='A folder id, or "top" for the top level.'
            ),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=Input,
        responses={201: FolderOutput},
        summary="Create a folder (team)",
        description="A folder inside an internal folder is internal too. A name taken in the "
        "same place, or a parent of another company, is a 400.",
    )
    def post(self, request):
        actor = self.actor
        require(actor, "documents.manage", request=request)
        form = self.Input(data=request.data, context={"actor": actor})
        form.is_valid(raise_exception=True)
        data = form.validated_data
        require(actor, "documents.manage", data["company"], request=request)
        folder = actions.folder_create(
            company=data["company"],
            parent=data.get("parent"),
            name=data["name"],
            is_internal=data["is_internal"],
            actor=actor.user,
            request=request,
        )
        return Response(FolderOutput(folder).data, status=status.HTTP_201_CREATED)


class DocumentsApi(CappedUploads, ListAPIView):
    permission_classes = [Allowed.to("workspace.use")]
    unkeyed_field = "file"  # refusals naming no field (shared_apps.core.api_errors)
    pagination_class = Keyset
    parser_classes = [MultiPartParser]
    serializer_class = DocumentOutput

    class Input(serializers.Serializer):
        company = VisibleCompanyField(queryset=ClientCompany.objects.all())
        folder = VisibleFolderField(
            queryset=Folder.objects.all(),
            required=False,
            allow_null=True,
            help_text="Omitted for the top of the company's space.",
        )
        file = serializers.FileField(validators=[validate_document_upload], help_text=UPLOAD_HELP)
        name = serializers.CharField(
            max_length=Document._meta.get_field("name").max_length,
            required=False,
            default="",
            help_text="Defaults to the file's name.",
        )
        description = serializers.CharField(
            max_length=2000, required=False, default="", allow_blank=True
        )
        kind = serializers.ChoiceField(
            DocumentKind.choices,
            default=DocumentKind.DOCUMENT,
            help_text="Deliverables and reports are uploaded by the team.",
        )

    def get_queryset(self):
        params = self.request.query_params
        documents = visible_documents(self.actor)
        for param, field in [("company", "company_id"), ("folder", "folder_id")]:
            if params.get(param, "").isdigit():
                documents = documents.filter(**{field: params[param]})
        if params.get("folder") == "top":
            documents = documents.filter(folder=None)
        if params.get("kind") in DocumentKind.values:
            documents = documents.filter(kind=params["kind"])
        if params.get("q"):
            return document_search(self.actor, params["q"], documents).documents
        return documents.order_by("-updated_at", "-id")

    @extend_schema(
        summary="Documents the caller can see, or search them",
        description="Newest change first; with `q`, best match first, unless very many match "
        "(DOCUMENT_SEARCH_RANKED_MAX, 5,000 by default): then newest first, and more words "
        "narrow them. Client people never see internal documents or other companies' spaces.",
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                description="Words in the name, description or text of the current file "
                "(PDF, Word, Excel, PowerPoint, text); each may be the start of a word.",
            ),
            OpenApiParameter("company", OpenApiTypes.INT, description="A client company id."),
            OpenApiParameter(
                "folder", OpenApiTypes.STR, description='A folder id, or "top" for the top level.'
            ),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=DocumentKind.values),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": Input},
        responses={201: DocumentOutput},
        summary="Upload a new document",
        description="The file becomes version 1. A name already in that folder is a 400: "
        "add a version to that document instead. Viewers cannot upload; clients cannot "
        "upload to internal folders (they do not see them).",
    )
    def post(self, request):
        actor = self.actor
        require(actor, "documents.upload", request=request)
        self.refused_while_receiving("file")
        form = self.Input(data=request.data, context={"actor": actor})
        form.is_valid(raise_exception=True)
        data = form.validated_data
        require(actor, "documents.upload", data.get("folder") or data["company"], request=request)
        kind = data["kind"] if actor.is_team else DocumentKind.DOCUMENT
        created = actions.document_upload(
            company=data["company"],
            folder=data.get("folder"),
            upload=data["file"],
            name=data["name"],
            description=data["description"],
            kind=kind,
            actor=actor.user,
            request=request,
        )
        shown = visible_documents(actor).get(pk=created.pk)
        return Response(
            DocumentOutput(shown, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-document", args=(created.pk,))},
        )


class OneDocument(ActingApi):
    # For views under /documents/{id}: that document, if the caller can see it, else a 404.

    def document(self) -> Document:
        if not hasattr(self, "_document"):
            self._document = get_object_or_404(
                visible_documents(self.actor), pk=self.kwargs["document_id"]
            )
        return self._document

    def version_created(self, version) -> Response:
        shown = document_versions(self.document()).get(pk=version.pk)
        return Response(
            VersionOutput(shown, context={"request": self.request}).data,
            status=status.HTTP_201_CREATED,
        )


class DocumentApi(OneDocument, APIView):
    permission_classes = [Allowed.to("workspace.use")]
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        name = serializers.CharField(
            max_length=Document._meta.get_field("name").max_length, required=False
        )
        description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
        kind = serializers.ChoiceField(DocumentKind.choices, required=False)

    @extend_schema(responses=DocumentOutput, summary="One document")
    def get(self, request, document_id):
        return Response(DocumentOutput(self.document(), context={"request": request}).data)

    @extend_schema(
        request=Input,
        responses=DocumentOutput,
        summary="Rename or describe a document (team)",
        description="A name already in its folder is a 400.",
    )
    def patch(self, request, document_id):
        document = self.document()
        require(self.actor, "documents.manage", document.company, request=request)
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        changes = {
            "name": document.name,
            "description": document.description,
            "kind": document.kind,
        } | form.validated_data
        actions.document_update(
            document=document, actor=self.actor.user, request=request, **changes
        )
        return Response(DocumentOutput(document, context={"request": request}).data)


class DocumentVersionsApi(CappedUploads, OneDocument, ListAPIView):
    permission_classes = [Allowed.to("workspace.use")]
    unkeyed_field = "file"  # refusals naming no field (shared_apps.core.api_errors)
    pagination_class = None
    parser_classes = [MultiPartParser]
    serializer_class = VersionOutput

    class Input(serializers.Serializer):
        file = serializers.FileField(validators=[validate_document_upload], help_text=UPLOAD_HELP)
        note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)

    def get_queryset(self):
        return document_versions(self.document())

    @extend_schema(summary="Every version of a document, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": Input},
        responses={201: VersionOutput},
        summary="Upload a new version",
        description="It becomes the current version; pending approvals of older versions are "
        "superseded. For large files, PUT the bytes to /versions/upload instead.",
    )
    def post(self, request, document_id):
        document = self.document()
        require(self.actor, "document.add_version", document, request=request)
        self.refused_while_receiving("file")
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        version = actions.version_add(
            document=document,
            upload=form.validated_data["file"],
            note=form.validated_data["note"],
            actor=self.actor.user,
            request=request,
        )
        return self.version_created(version)


class DocumentVersionUploadApi(OneDocument, APIView):
    permission_classes = [Allowed.to("workspace.use")]
    unkeyed_field = "file"  # refusals naming no field (shared_apps.core.api_errors)
    parser_classes = []  # the body is the file, read by raw_body_upload

    class Input(serializers.Serializer):
        name = serializers.CharField(max_length=255)
        note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)

    @extend_schema(
        request={"application/octet-stream": OpenApiTypes.BINARY},
        parameters=[
            OpenApiParameter(
                "name", OpenApiTypes.STR, required=True, description="The file's name."
            ),
            OpenApiParameter("note", OpenApiTypes.STR, description="What changed."),
        ],
        responses={
            201: VersionOutput,
            400: OpenApiResponse(description="Refused: the reason names the file."),
        },
        summary="Upload a new version as the raw request body",
        description="For large files: the body is streamed to disk as it arrives, with no "
        "multipart encoding. Send Content-Length; a body over the agency's limit is refused "
        "before it is read.",
    )
    def put(self, request, document_id):
        document = self.document()
        require(self.actor, "document.add_version", document, request=request)
        form = self.Input(data=request.query_params)
        form.is_valid(raise_exception=True)
        upload = raw_body_upload(
            request._request,
            name=form.validated_data["name"],
            max_bytes=actions.upload_limit(),
        )
        try:
            version = actions.version_add(
                document=document,
                upload=upload,
                note=form.validated_data["note"],
                actor=self.actor.user,
                request=request,
            )
        finally:
            upload.close()
        return self.version_created(version)


class DocumentVersionDownloadApi(OneDocument, FileDownloadApi):
    permission_classes = [Allowed.to("workspace.use")]

    @extend_schema(
        responses=download_responses("No such version, or not one the caller may see."),
        summary="Download a version",
        description="Always as an attachment, with its sniffed content type and nosniff.",
    )
    def get(self, request, document_id, number):
        versions = self.document().versions.select_related("file")
        return file_download_response(get_object_or_404(versions, number=number).file)


class DocumentVersionPreviewPageApi(OneDocument, FileDownloadApi):
    permission_classes = [Allowed.to("workspace.use")]

    @extend_schema(
        responses={
            (200, "image/png"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such version or page, or no preview (yet)."),
        },
        summary="A page of a version's preview",
        description="A PNG of page `page` (from 1) of the version, as listed in its "
        "`preview.pages`; to whoever may download the version.",
    )
    def get(self, request, document_id, number, page):
        versions = self.document().versions.select_related("file")
        version = get_object_or_404(versions, number=number)
        return file_preview_page_response(version.file, page)

"""Waiting on you, Next actions and file requests over /api/v1/.

A file request (or a company) the caller cannot see is a 404; an action they may not take on
one they can see is a 403.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.accounts.models import User
from shared_apps.core.text import JSONParser, MultiPartParser
from tenant_apps.documents.models import Folder
from tenant_apps.inbox import actions
from tenant_apps.inbox.models import FileRequestStatus
from tenant_apps.inbox.selectors import next_actions, visible_file_requests, waiting_on
from tenant_apps.kit.access import Allowed, actor_for, require
from tenant_apps.kit.api import cursor_pager
from tenant_apps.people.selectors import visible_companies


class InboxItemOutput(serializers.Serializer):
    kind = serializers.ChoiceField(
        ["approval", "file_request", "invoice", "request", "message", "upload"]
    )
    kind_label = serializers.CharField()
    id = serializers.IntegerField(help_text="The item's id within its kind.")
    title = serializers.CharField()
    detail = serializers.CharField()
    url = serializers.CharField(help_text="The item's page.")
    action_label = serializers.CharField(help_text='The one-click action, e.g. "Upload".')
    action_url = serializers.CharField(
        help_text="Where the action goes: a page, a payment page, or for a file request "
        "the page route that takes the upload (the API route is file-requests/{id}/fulfil)."
    )
    due_date = serializers.DateField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True, help_text="A deadline with a time (SLA).")
    overdue = serializers.BooleanField()


class WaitingOnYouApi(APIView):
    permission_classes = [Allowed.to("inbox.waiting_on_you")]

    @extend_schema(
        responses=InboxItemOutput(many=True),
        summary="Waiting on you",
        description="Everything waiting on the signed-in client person across all kinds of "
        "item (approvals to decide, files asked for, invoices to pay, requests awaiting their "
        "reply, unread messages), soonest due first.",
    )
    def get(self, request):
        items = waiting_on(actor_for(request))
        return Response(InboxItemOutput(items, many=True).data)


class NextActionsApi(APIView):
    permission_classes = [Allowed.to("inbox.next_actions")]

    class Output(serializers.Serializer):
        key = serializers.ChoiceField(["overdue", "requests", "returned", "uploads"])
        label = serializers.CharField()
        items = InboxItemOutput(many=True)

    @extend_schema(
        responses=Output(many=True),
        summary="Next actions",
        description="The team's sections: overdue items, requests to answer by SLA urgency, "
        "approvals returned with changes, files clients uploaded lately.",
    )
    def get(self, request):
        sections = next_actions(actor_for(request))
        return Response(self.Output(sections, many=True).data)


class FileRequestOutput(serializers.Serializer):
    id = serializers.IntegerField()
    company = serializers.IntegerField(source="company_id")
    company_name = serializers.CharField(source="company.name")
    title = serializers.CharField()
    description = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    folder = serializers.IntegerField(source="folder_id", allow_null=True)
    requested_from = serializers.IntegerField(source="requested_from_id", allow_null=True)
    status = serializers.ChoiceField(FileRequestStatus.choices)
    requested_by = serializers.IntegerField(source="requested_by_id")
    created_at = serializers.DateTimeField()
    document = serializers.IntegerField(source="document_id", allow_null=True)
    fulfilled_by = serializers.IntegerField(source="fulfilled_by_id", allow_null=True)
    fulfilled_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)


NewestFirst = cursor_pager("-created_at", "-id")


class FileRequestsApi(ListAPIView):
    permission_classes = [Allowed.to("workspace.use")]
    pagination_class = NewestFirst
    serializer_class = FileRequestOutput

    class Input(serializers.Serializer):
        company = serializers.IntegerField(help_text="A client company you see (else 404).")
        title = serializers.CharField(max_length=200)
        description = serializers.CharField(required=False, allow_blank=True, default="")
        due_date = serializers.DateField(required=False, allow_null=True, default=None)
        folder = serializers.IntegerField(
            required=False, allow_null=True, default=None, help_text="A shared folder of it."
        )
        requested_from = serializers.IntegerField(
            required=False,
            allow_null=True,
            default=None,
            help_text="One of its people who may upload; without one, anyone there.",
        )

    def get_queryset(self):
        rows = visible_file_requests(actor_for(self.request))
        wanted = self.request.query_params.get("status")
        return rows.filter(status=wanted) if wanted in FileRequestStatus.values else rows

    @extend_schema(
        summary="File requests",
        parameters=[OpenApiParameter("status", enum=FileRequestStatus.values)],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=Input,
        responses={
            201: FileRequestOutput,
            404: OpenApiResponse(description="No client company the caller sees has that id."),
        },
        summary="Ask a client for a file",
    )
    def post(self, request):
        actor = actor_for(request)
        require(actor, "file_requests.create", request=request)
        given = self.Input(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        company = get_object_or_404(visible_companies(actor), pk=data["company"])
        require(actor, "file_requests.create", company, request=request)
        folder = _one_or_400(Folder.objects.all(), data["folder"], "folder")
        person = _one_or_400(
            User.objects.select_related("client_member"), data["requested_from"], "requested_from"
        )
        file_request = actions.file_request_create(
            company=company,
            title=data["title"],
            description=data["description"],
            due_date=data["due_date"],
            folder=folder,
            requested_from=person,
            actor=request.user,
            request=request,
        )
        return Response(FileRequestOutput(file_request).data, status=status.HTTP_201_CREATED)


def _one_or_400(queryset, pk, field):
    """The row ``pk`` names, or None without one; an unknown id is the field's 400 (whether
    it belongs to the company is the action's check)."""
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise serializers.ValidationError({field: ["No such one here."]})
    return found


class OneFileRequest:
    # For views under /file-requests/{id}: that file request if the caller sees it, else 404.

    def file_request(self):
        actor = actor_for(self.request)
        found = get_object_or_404(visible_file_requests(actor), pk=self.kwargs["file_request_id"])
        require(actor, "file_request.view", found, request=self.request)
        return found


class FileRequestApi(OneFileRequest, APIView):
    permission_classes = [Allowed.to("workspace.use")]

    @extend_schema(responses=FileRequestOutput, summary="A file request")
    def get(self, request, file_request_id):
        return Response(FileRequestOutput(self.file_request()).data)


class FileRequestFulfilApi(OneFileRequest, APIView):
    permission_classes = [Allowed.to("workspace.use")]
    unkeyed_field = "file"  # refusals naming no field (shared_apps.core.api_errors)
    parser_classes = [MultiPartParser, JSONParser]  # JSON only to be told the file is missing

    class Input(serializers.Serializer):
        file = serializers.FileField()

    @extend_schema(
        request={"multipart/form-data": Input},
        responses=FileRequestOutput,
        summary="Upload the file asked for",
        description="The file becomes a document in the company's space (in the folder asked "
        "for), and the request is fulfilled.",
    )
    def post(self, request, file_request_id):
        file_request = self.file_request()
        require(actor_for(request), "file_request.fulfil", file_request, request=request)
        given = self.Input(data=request.data)
        given.is_valid(raise_exception=True)
        file_request = actions.file_request_fulfil(
            file_request=file_request,
            upload=given.validated_data["file"],
            actor=request.user,
            request=request,
        )
        return Response(FileRequestOutput(file_request).data)


class FileRequestCancelApi(OneFileRequest, APIView):
    permission_classes = [Allowed.to("workspace.use")]
    unkeyed_field = "status"  # refusals naming no field (shared_apps.core.api_errors)

    @extend_schema(request=None, responses=FileRequestOutput, summary="Cancel a file request")
    def post(self, request, file_request_id):
        file_request = self.file_request()
        require(actor_for(request), "file_request.cancel", file_request, request=request)
        file_request = actions.file_request_cancel(
            file_request=file_request, actor=request.user, request=request
        )
        return Response(FileRequestOutput(file_request).data)

"""Requests over /api/v1/. Policy decides; actions write; serializers only validate and shape.

A request the caller cannot see is a 404, like one that does not exist; an action they may
not take on one they can see is a 403. Internal notes and files reach the team only.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
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

from shared_apps.accounts.models import User
from shared_apps.core.text import JSONParser, MultiPartParser
from tenant_apps.client_requests import actions
from tenant_apps.client_requests.filters import SORTS, RequestFilterForm
from tenant_apps.client_requests.intake import intake_clean, validate_wanted_by
from tenant_apps.client_requests.models import (
    BulkJob,
    BulkOperation,
    ClientRequest,
    EventKind,
    FieldKind,
    Priority,
    RequestTag,
    SlaState,
    Status,
    TagColour,
)
from tenant_apps.client_requests.selectors import (
    active_request_types,
    bulk_jobs_for,
    listed_requests,
    request_assignees,
    request_attachments,
    request_tags,
    request_timeline,
    requests_matching,
    saved_view_url,
    saved_views_for,
    visible_requests,
)
from tenant_apps.files.attachments import FILES_HELP, MAX_ATTACHMENTS, validate_upload
from tenant_apps.files.responses import file_download_response
from tenant_apps.kit.access import Actor, Allowed, actor_for, can, require
from tenant_apps.kit.api import (
    FileDownloadApi,
    Keyset,
    OldestFirst,
    download_responses,
)
from tenant_apps.kit.limits import TEXT_MAX_LENGTH
from tenant_apps.people.api import VisibleCompanyField
from tenant_apps.people.models import ClientCompany
from tenant_apps.people.selectors import visible_companies


class OneRequest:
    # For views under /requests/{id}: that request, if the caller can see it, else a 404.
    # Comments, not docstrings, on these bases: the schema shows a class's docstring as the
    # description of every operation of its subclasses.

    def client_request(self, queryset=None) -> ClientRequest:
        if not hasattr(self, "_client_request"):
            requests = queryset if queryset is not None else visible_requests(self.actor)
            self._client_request = get_object_or_404(requests, pk=self.kwargs["request_id"])
        return self._client_request

    @property
    def actor(self) -> Actor:
        return actor_for(self.request)


# The query parameters RequestFilterForm reads (a test keeps the two in step).
FILTER_PARAMETERS = [
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        enum=["open", *Status.values],
        many=True,
        explode=True,
        description="Repeat for several; `open` means every status before resolved.",
    ),
    OpenApiParameter(
        "owner", OpenApiTypes.STR, description='A user id, "me" or "none" (unassigned).'
    ),
    OpenApiParameter("company", OpenApiTypes.INT, description="A client company id."),
    OpenApiParameter("type", OpenApiTypes.STR, description="A request type key."),
    OpenApiParameter("priority", OpenApiTypes.STR, enum=Priority.values, many=True, explode=True),
    OpenApiParameter("sla_state", OpenApiTypes.STR, enum=SlaState.values, many=True, explode=True),
    OpenApiParameter(
        "tag",
        OpenApiTypes.INT,
        many=True,
        explode=True,
        description="Tag ids; repeat for several (requests with any of them). The team's "
        "only: ignored for client people.",
    ),
    OpenApiParameter(
        "overdue", OpenApiTypes.BOOL, description="Only open requests past their due date."
    ),
    OpenApiParameter(
        "q",
        OpenApiTypes.STR,
        description="Full-text search over titles, details and replies (web search syntax).",
    ),
    OpenApiParameter(
        "sort",
        OpenApiTypes.STR,
        enum=list(SORTS),
        description="Newest first by default; by relevance when searching without a sort.",
    ),
]


class TagOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    colour = serializers.ChoiceField(TagColour.choices)


class RequestsApi(ListAPIView):
    permission_classes = [Allowed.to("workspace.use")]
    unkeyed_field = "files"  # refusals naming no field (shared_apps.core.api_errors)
    pagination_class = Keyset
    parser_classes = [JSONParser, MultiPartParser]

    class Input(serializers.Serializer):
        type = serializers.SlugRelatedField(
            slug_field="key",
            queryset=active_request_types(),
            error_messages={"does_not_exist": 'There is no request type "{value}".'},
            help_text="A request type key (see /request-types).",
        )
        company = VisibleCompanyField(
            queryset=ClientCompany.objects.all(),
            required=False,
            help_text="Required from the team; client people submit for their own company.",
        )
        title = serializers.CharField(max_length=200)
        details = serializers.CharField(max_length=TEXT_MAX_LENGTH)
        priority = serializers.ChoiceField(Priority.choices, default=Priority.NORMAL)
        wanted_by = serializers.DateField(
            required=False, allow_null=True, validators=[validate_wanted_by]
        )
        intake = serializers.DictField(
            required=False,
            help_text="Answers to the type's intake fields, by key. In a multipart body send "
            "`intake.<key>` parts, which is also how file fields are answered.",
        )
        files = serializers.ListField(
            child=serializers.FileField(validators=[validate_upload]),
            max_length=MAX_ATTACHMENTS,
            required=False,
            default=list,
            help_text=FILES_HELP,
        )

        def validate(self, data):
            actor = self.context["actor"]
            if "company" not in data:
                if not actor.is_client:
                    raise serializers.ValidationError({"company": ["This field is required."]})
                data["company"] = actor.client.company
            request_type, given = data["type"], data.get("intake", {})
            defined = {spec["key"] for spec in request_type.intake_fields}
            unknown = {
                key: [f'The "{request_type.name}" type has no such intake field.']
                for key in given
                if key not in defined
            }
            if unknown:
                raise serializers.ValidationError({"intake": unknown})
            files = {key: value for key, value in given.items() if isinstance(value, UploadedFile)}
            answers = {key: value for key, value in given.items() if key not in files}
            try:
                data["intake"] = intake_clean(request_type, answers, files)
            except DjangoValidationError as error:
                raise serializers.ValidationError({"intake": error.message_dict}) from error
            return data

    class Output(serializers.Serializer):
        class Company(serializers.Serializer):
            id = serializers.IntegerField()
            name = serializers.CharField()

        class Person(serializers.Serializer):
            id = serializers.IntegerField()
            full_name = serializers.CharField()

        class Sla(serializers.Serializer):
            state = serializers.ChoiceField(SlaState.choices, source="sla_state")
            response_due_at = serializers.DateTimeField(allow_null=True)
            resolution_due_at = serializers.DateTimeField(allow_null=True)
            first_response_at = serializers.DateTimeField(allow_null=True)

        id = serializers.IntegerField()
        title = serializers.CharField()
        type = serializers.CharField(source="type.key")
        type_name = serializers.CharField(source="type.name")
        company = Company()
        priority = serializers.ChoiceField(Priority.choices)
        status = serializers.ChoiceField(Status.choices)
        owner = Person(allow_null=True)
        wanted_by = serializers.DateField(allow_null=True)
        due_date = serializers.DateField(allow_null=True)
        is_overdue = serializers.BooleanField()
        created_at = serializers.DateTimeField()
        updated_at = serializers.DateTimeField()
        promise_date = serializers.DateTimeField(
            source="response_due_at",
            allow_null=True,
            help_text="We'll respond by: the first-response target from the agency's "
            "business hours. Null while the request waits on the client.",
        )
        tags = TagOutput(many=True, help_text="The team's tags; always empty for client people.")
        sla = Sla(
            source="*",
            allow_null=True,
            help_text="Service-level state, for the team only: null for client people.",
        )

        def to_representation(self, instance):
            data = super().to_representation(instance)
            if not can(self.context["actor"], "request.work", instance):
                data["sla"] = None
                data["tags"] = []
            return data

    serializer_class = Output

    def get_serializer_context(self):
        return super().get_serializer_context() | {"actor": actor_for(self.request)}

    def get_queryset(self):
        actor = actor_for(self.request)
        form = RequestFilterForm(
            self.request.query_params, companies=visible_companies(actor), actor_user=actor.user
        )
        if not form.is_valid():
            raise serializers.ValidationError(
                {
                    field: [error["message"] for error in errors]
                    for field, errors in form.errors.get_json_data().items()
                }
            )
        # A row shows neither the details nor the search vector: leave the big columns behind.
        return form.apply(listed_requests(actor)).prefetch_related("tags")

    @extend_schema(
        summary="Requests the caller can see",
        description="Client people see their company's requests; staff those of their "
        "assigned companies. A bad filter is a 400 naming the parameter.",
        parameters=FILTER_PARAMETERS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=Input,
        responses={201: Output},
        summary="Submit a request",
        description="JSON, or multipart/form-data to attach files and answer file fields. "
        "Anything refused is a 400 naming the field, and nothing is saved.",
    )
    def post(self, request):
        actor = actor_for(request)
        require(actor, "requests.submit", request=request)
        form = self.Input(data=request.data, context={"actor": actor})
        form.is_valid(raise_exception=True)
        data = form.validated_data
        require(actor, "requests.submit", data["company"], request=request)
        created = actions.request_submit(
            actor=actor.user,
            company=data["company"],
            type=data["type"],
            title=data["title"],
            details=data["details"],
            priority=data["priority"],
            wanted_by=data.get("wanted_by"),
            intake=data["intake"].answers,
            files=[*data["files"], *data["intake"].uploads],
            request=request,
        )
        return Response(
            self.Output(created, context={"actor": actor}).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-request", args=(created.pk,))},
        )


class AssigneeField(serializers.PrimaryKeyRelatedField):
    """A user id among the team members who may own the request's client's requests."""

    def get_queryset(self):
        return request_assignees(self.context["client_request"].company)


UPDATABLE = ("owner", "status", "priority", "due_date", "note")


class RequestApi(OneRequest, APIView):
    permission_classes = [Allowed.to("workspace.use")]
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        status = serializers.ChoiceField(Status.choices, required=False)
        owner = AssigneeField(
            queryset=User.objects.all(),  # for the schema; get_queryset narrows it
            allow_null=True,
            required=False,
            error_messages={"does_not_exist": "User {pk_value} does not work on this client."},
            help_text="A team member's user id, or null to unassign.",
        )
        priority = serializers.ChoiceField(Priority.choices, required=False)
        due_date = serializers.DateField(
            required=False, allow_null=True, help_text="Our internal deadline; null clears it."
        )
        note = serializers.CharField(
            required=False,
            max_length=TEXT_MAX_LENGTH,
            help_text="An internal note to add (the team only ever sees it).",
        )

    class Output(RequestsApi.Output):
        details = serializers.CharField()
        intake = serializers.DictField(help_text="Answers to the type's intake fields, by key.")
        created_by = RequestsApi.Output.Person()
        resolved_at = serializers.DateTimeField(allow_null=True)
        closed_at = serializers.DateTimeField(allow_null=True)
        reopened_count = serializers.IntegerField()

    def _output(self, client_request) -> dict:
        return self.Output(client_request, context={"actor": self.actor}).data

    def _visible(self) -> ClientRequest:
        return self.client_request(visible_requests(self.actor).select_related("created_by"))

    @extend_schema(responses=Output, summary="One request")
    def get(self, request, request_id):
        return Response(self._output(self._visible()))

    @extend_schema(
        request=Input,
        responses=Output,
        summary="Work a request (team)",
        description="Change status, owner, priority and due date and add an internal note, in "
        "one call; all or nothing. Only the fields that change are recorded. A status the "
        "request cannot move to, or a past due date, is a 400 naming the field.",
    )
    def patch(self, request, request_id):
        actor = self.actor
        client_request = self._visible()
        require(actor, "request.work", client_request, request=request)
        form = self.Input(data=request.data, context={"client_request": client_request})
        form.is_valid(raise_exception=True)
        data = form.validated_data
        actions.request_update(
            client_request=client_request,
            actor=actor.user,
            request=request,
            **{field: data[field] for field in UPDATABLE if field in data},
        )
        return Response(self._output(client_request))


class AttachmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="file.name")
    size = serializers.IntegerField(source="file.size")
    content_type = serializers.CharField(source="file.content_type")
    uploaded_at = serializers.DateTimeField(source="file.created_at")
    is_internal = serializers.BooleanField(help_text="Team only; never listed for clients.")
    download_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment) -> str:
        path = reverse(
            "api-request-attachment-download", args=(attachment.request_id, attachment.pk)
        )
        return self.context["request"].build_absolute_uri(path)


class MessageOutput(serializers.Serializer):
    """A reply or an internal note."""

    id = serializers.IntegerField()
    author = RequestsApi.Output.Person(source="actor", allow_null=True)
    body = serializers.CharField()
    is_internal = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    attachments = AttachmentOutput(many=True)


class MessagesApi(OneRequest, ListAPIView):
    # Replies or notes of one request, oldest first: ``kind`` says which.

    permission_classes = [Allowed.to("workspace.use")]
    unkeyed_field = "files"  # refusals naming no field (shared_apps.core.api_errors)
    pagination_class = OldestFirst
    parser_classes = [JSONParser, MultiPartParser]
    serializer_class = MessageOutput
    kind = ""
    read_permission = ""
    write_permission = ""
    add = None  # the action that writes one

    class Input(serializers.Serializer):
        body = serializers.CharField(max_length=TEXT_MAX_LENGTH)
        files = serializers.ListField(
            child=serializers.FileField(validators=[validate_upload]),
            max_length=MAX_ATTACHMENTS,
            required=False,
            default=list,
            help_text=FILES_HELP,
        )

    def get_queryset(self):
        return request_timeline(self.actor, self.client_request()).filter(kind=self.kind)

    def get(self, request, *args, **kwargs):
        require(self.actor, self.read_permission, self.client_request(), request=request)
        return super().get(request, *args, **kwargs)

    def post(self, request, request_id):
        client_request = self.client_request()
        require(self.actor, self.write_permission, client_request, request=request)
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        event = self.add(
            client_request=client_request,
            body=form.validated_data["body"],
            files=form.validated_data["files"],
            actor=self.actor.user,
            request=request,
        )
        created = self.get_queryset().get(pk=event.pk)
        return Response(
            MessageOutput(created, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class RequestRepliesApi(MessagesApi):
    kind = EventKind.REPLY
    read_permission = "request.view"
    write_permission = "request.reply"
    add = staticmethod(actions.request_reply_add)

    @extend_schema(summary="Replies on a request", description="Messages the client sees.")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=MessagesApi.Input,
        responses={201: MessageOutput},
        summary="Reply on a request",
        description="The client sees it. A client's reply to a request waiting on them, or "
        "resolved, puts it back in progress. Viewers read only.",
    )
    def post(self, request, request_id):
        return super().post(request, request_id)


class RequestNotesApi(MessagesApi):
    kind = EventKind.NOTE
    read_permission = write_permission = "request.work"
    add = staticmethod(actions.request_note_add)

    @extend_schema(summary="Internal notes on a request (team)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=MessagesApi.Input,
        responses={201: MessageOutput},
        summary="Add an internal note (team)",
        description="Clients never see notes or their files, anywhere.",
    )
    def post(self, request, request_id):
        return super().post(request, request_id)


class RequestAttachmentsApi(OneRequest, ListAPIView):
    permission_classes = [Allowed.to("workspace.use")]
    unkeyed_field = "files"  # refusals naming no field (shared_apps.core.api_errors)
    pagination_class = OldestFirst
    parser_classes = [MultiPartParser]
    serializer_class = AttachmentOutput

    class Input(serializers.Serializer):
        files = serializers.ListField(
            child=serializers.FileField(validators=[validate_upload]),
            min_length=1,
            max_length=MAX_ATTACHMENTS,
            help_text="One `files` part per file.",
        )
        is_internal = serializers.BooleanField(
            default=False, help_text="Team only: files the client never sees."
        )

    class Output(serializers.Serializer):
        attachments = AttachmentOutput(many=True)

    def get_queryset(self):
        return request_attachments(self.actor, self.client_request())

    @extend_schema(
        summary="Files on a request",
        description="From the request, its replies and notes; clients get the ones they may see.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=Input,
        responses={201: Output},
        summary="Add files to a request",
        description="Internal files (team only) are listed and downloadable by the team alone.",
    )
    def post(self, request, request_id):
        client_request = self.client_request()
        require(self.actor, "request.reply", client_request, request=request)
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        internal = form.validated_data["is_internal"]
        if internal:
            require(self.actor, "request.work", client_request, request=request)
        event = actions.request_attachment_add(
            client_request=client_request,
            files=form.validated_data["files"],
            is_internal=internal,
            actor=self.actor.user,
            request=request,
        )
        added = {"attachments": self.get_queryset().filter(event=event)}
        return Response(
            self.Output(added, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class RequestAttachmentDownloadApi(OneRequest, FileDownloadApi):
    permission_classes = [Allowed.to("workspace.use")]

    @extend_schema(
        responses=download_responses("No such file, or not one the caller may see."),
        summary="Download a file",
        description="Always as an attachment, with its sniffed content type.",
    )
    def get(self, request, request_id, attachment_id):
        attachments = request_attachments(self.actor, self.client_request())
        return file_download_response(get_object_or_404(attachments, pk=attachment_id).file)


class RequestTypesApi(ListAPIView):
    permission_classes = [Allowed.to("workspace.use")]
    pagination_class = None

    class Output(serializers.Serializer):
        class IntakeField(serializers.Serializer):
            key = serializers.CharField()
            label = serializers.CharField()
            kind = serializers.ChoiceField(FieldKind.choices)
            required = serializers.BooleanField(default=False)
            choices = serializers.ListField(
                child=serializers.CharField(),
                default=list,
                help_text="The answers a choice field accepts.",
            )

        key = serializers.CharField()
        name = serializers.CharField()
        description = serializers.CharField()
        is_builtin = serializers.BooleanField()
        intake_fields = IntakeField(many=True)

    serializer_class = Output

    def get_queryset(self):
        return active_request_types()

    @extend_schema(summary="Request types open for submissions, with their intake fields")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# Tags, saved views and bulk changes: the team's.


def _refusal_400(refused: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(refused.message_dict)


class RequestTagsApi(APIView):
    permission_classes = [Allowed.to("request_tags.use")]
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        name = serializers.CharField(max_length=40)
        colour = serializers.ChoiceField(TagColour.choices, default=TagColour.GREY)

    @extend_schema(responses=TagOutput(many=True), summary="The agency's request tags (team)")
    def get(self, request):
        return Response(TagOutput(request_tags(), many=True).data)

    @extend_schema(
        request=Input,
        responses={201: TagOutput},
        summary="Add a request tag (owners and admins)",
        description="A name already taken, in any case, is a 400 naming `name`.",
    )
    def post(self, request):
        actor = actor_for(request)
        require(actor, "request_tags.manage", request=request)
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            tag = actions.request_tag_create(
                **form.validated_data, actor=actor.user, request=request
            )
        except DjangoValidationError as refused:
            raise _refusal_400(refused) from refused
        return Response(TagOutput(tag).data, status=status.HTTP_201_CREATED)


class RequestTagApi(APIView):
    permission_classes = [Allowed.to("request_tags.manage")]

    @extend_schema(
        responses={204: OpenApiResponse(description="Deleted")},
        summary="Delete a request tag (owners and admins)",
        description="It comes off every request that had it.",
    )
    def delete(self, request, tag_id):
        tag = get_object_or_404(request_tags(), pk=tag_id)
        actions.request_tag_delete(tag=tag, actor=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OneRequestTagsApi(OneRequest, APIView):
    permission_classes = [Allowed.to("request_tags.use")]
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        tag = serializers.PrimaryKeyRelatedField(
            queryset=RequestTag.objects.all(),
            error_messages={"does_not_exist": "There is no tag {pk_value}."},
            help_text="A tag id (see /request-tags).",
        )

    @extend_schema(
        request=Input,
        responses=TagOutput(many=True),
        summary="Tag a request (team)",
        description="Answers the request's tags. A tag it has already changes nothing.",
    )
    def post(self, request, request_id):
        client_request = self.client_request()
        require(self.actor, "request.work", client_request, request=request)
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        actions.request_tag_add(
            client_request=client_request,
            tag=form.validated_data["tag"],
            actor=self.actor.user,
            request=request,
        )
        return Response(TagOutput(client_request.tags.all(), many=True).data)


class OneRequestTagApi(OneRequest, APIView):
    permission_classes = [Allowed.to("request_tags.use")]

    @extend_schema(
        responses={204: OpenApiResponse(description="Removed")},
        summary="Take a tag off a request (team)",
    )
    def delete(self, request, request_id, tag_id):
        client_request = self.client_request()
        require(self.actor, "request.work", client_request, request=request)
        tag = get_object_or_404(client_request.tags.all(), pk=tag_id)
        actions.request_tag_remove(
            client_request=client_request, tag=tag, actor=self.actor.user, request=request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class SavedViewOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    shared = serializers.BooleanField()
    mine = serializers.SerializerMethodField()
    query = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="The list's filters and sort: GET /requests with these parameters.",
    )
    url = serializers.SerializerMethodField(help_text="The list page with the view applied.")

    def get_mine(self, view) -> bool:
        return view.owner_id == self.context["actor"].user.pk

    def get_url(self, view) -> str:
        return saved_view_url(view)


class SavedViewsApi(APIView):
    permission_classes = [Allowed.to("request_views.use")]
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        name = serializers.CharField(max_length=60)
        shared = serializers.BooleanField(default=False)
        query = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField(max_length=200)),
            default=dict,
            help_text="Filters and sort as GET /requests takes them, each a list of values, "
            'e.g. {"status": ["open"], "owner": ["none"], "sort": ["due"]}.',
        )

        def validate_query(self, query):
            unknown = sorted(set(query) - {parameter.name for parameter in FILTER_PARAMETERS})
            if unknown:
                raise serializers.ValidationError(f"No such filter: {', '.join(unknown)}.")
            given = QueryDict(mutable=True)
            for key, values in query.items():
                given.setlist(key, values)
            actor = self.context["actor"]
            form = RequestFilterForm(
                given, companies=visible_companies(actor), actor_user=actor.user
            )
            if not form.is_valid():
                raise serializers.ValidationError(
                    {
                        field: [error["message"] for error in errors]
                        for field, errors in form.errors.get_json_data().items()
                    }
                )
            return {key: [value for value in values if value] for key, values in query.items()}

    @extend_schema(
        responses=SavedViewOutput(many=True),
        summary="Saved views of the request list (team)",
        description="The caller's own and those shared with the team.",
    )
    def get(self, request):
        actor = actor_for(request)
        views = saved_views_for(actor)
        return Response(SavedViewOutput(views, many=True, context={"actor": actor}).data)

    @extend_schema(
        request=Input,
        responses={201: SavedViewOutput},
        summary="Save a view of the request list (team)",
        description="A filter the list would refuse, or a name the caller used already, is "
        "a 400 naming the field.",
    )
    def post(self, request):
        actor = actor_for(request)
        form = self.Input(data=request.data, context={"actor": actor})
        form.is_valid(raise_exception=True)
        try:
            view = actions.saved_view_create(
                **form.validated_data, actor=actor.user, request=request
            )
        except DjangoValidationError as refused:
            raise _refusal_400(refused) from refused
        data = SavedViewOutput(view, context={"actor": actor}).data
        return Response(data, status=status.HTTP_201_CREATED)


class SavedViewApi(APIView):
    permission_classes = [Allowed.to("request_views.use")]

    @extend_schema(
        responses={204: OpenApiResponse(description="Deleted")},
        summary="Delete a saved view",
        description="One's own; a shared one also by owners and admins (else a 403).",
    )
    def delete(self, request, view_id):
        actor = actor_for(request)
        view = get_object_or_404(saved_views_for(actor), pk=view_id)
        require(actor, "saved_view.delete", view, request=request)
        actions.saved_view_delete(view=view, actor=actor.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BulkJobOutput(serializers.Serializer):
    class Refused(serializers.Serializer):
        id = serializers.IntegerField()
        title = serializers.CharField(help_text="Empty when the caller cannot see the request.")
        reason = serializers.CharField()

    id = serializers.IntegerField()
    operation = serializers.ChoiceField(BulkOperation.choices)
    value = serializers.JSONField(allow_null=True)
    state = serializers.ChoiceField(BulkJob.State.choices)
    total = serializers.IntegerField()
    done = serializers.IntegerField(help_text="Items handled so far, changed or refused.")
    changed = serializers.IntegerField()
    refused = Refused(many=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class RequestsBulkApi(APIView):
    permission_classes = [Allowed.to("requests.bulk")]
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        operation = serializers.ChoiceField(BulkOperation.choices)
        value = serializers.JSONField(
            allow_null=True,
            help_text="assign: a team member's user id (null unassigns); status, priority: the "
            "value; due_date: YYYY-MM-DD (null clears it); add_tag: a tag id.",
        )
        request_ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
            max_length=actions.BULK_MAX_ITEMS,
            required=False,
        )
        filters = serializers.CharField(
            required=False,
            max_length=2000,
            help_text="Instead of request_ids: GET /requests's query string (e.g. "
            "`status=open&tag=3`); every request it lists is changed.",
        )

        def validate(self, data):
            if ("request_ids" in data) == ("filters" in data):
                raise serializers.ValidationError(
                    {"request_ids": ["Give either request_ids or filters."]}
                )
            return data

    @extend_schema(
        request=Input,
        responses={200: BulkJobOutput, 202: BulkJobOutput},
        summary="Change many requests at once (team)",
        description="Each request goes through the same action and policy as a single change, "
        "in its own transaction: one refused (not the caller's to change, a status move not "
        "allowed, a past due date) is listed in `refused` with why, and left as it was; the "
        f"others are changed. Up to {actions.BULK_INLINE_LIMIT} requests are changed before "
        "the answer (200, state finished); more run in the background (202): follow the "
        "job's progress at /requests/bulk/{id}. A bad operation or value is a 400.",
    )
    def post(self, request):
        actor = actor_for(request)
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if "filters" in data:
            ids = requests_matching(actor, QueryDict(data["filters"]), limit=actions.BULK_MAX_ITEMS)
            if isinstance(ids, dict):
                raise serializers.ValidationError({"filters": ids})
        else:
            ids = data["request_ids"]
        try:
            job = actions.bulk_job_start(
                operation=data["operation"],
                value=data["value"],
                request_ids=ids,
                actor=actor.user,
                request=request,
            )
        except DjangoValidationError as refused:
            raise _refusal_400(refused) from refused
        finished = job.state == BulkJob.State.FINISHED
        return Response(
            BulkJobOutput(job).data,
            status=status.HTTP_200_OK if finished else status.HTTP_202_ACCEPTED,
            headers={"Location": reverse("api-requests-bulk-job", args=(job.pk,))},
        )


class RequestsBulkJobApi(APIView):
    permission_classes = [Allowed.to("requests.bulk")]

    @extend_schema(responses=BulkJobOutput, summary="A bulk change's progress (its starter)")
    def get(self, request, job_id):
        job = get_object_or_404(bulk_jobs_for(actor_for(request)), pk=job_id)
        return Response(BulkJobOutput(job).data)

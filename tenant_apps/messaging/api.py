"""Conversations over /api/v1/. Policy decides; actions write; serializers only validate and
shape. A thread the caller may not read is a 404, like one that does not exist; team-only
threads never reach client people.
"""

from django.db.models import F
from django.http import Http404
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
from tenant_apps.files.attachments import FILES_HELP, MAX_ATTACHMENTS, validate_upload
from tenant_apps.files.responses import file_download_response
from tenant_apps.kit.access import Actor, Allowed, actor_for, can, require
from tenant_apps.kit.api import FileDownloadApi, Keyset, OldestFirst, download_responses
from tenant_apps.kit.limits import TEXT_MAX_LENGTH
from tenant_apps.messaging import actions
from tenant_apps.messaging.models import About, MessageAttachment, Source, Thread
from tenant_apps.messaging.selectors import (
    inbox_threads,
    item_of,
    read_mark_of,
    thread_messages,
    visible_threads,
    with_unread,
)
from tenant_apps.messaging.views import item_page


class OneThread:
    # For views under /threads/{id}: that thread, if the caller may read it, else a 404.
    # Comments, not docstrings, on these bases: the schema shows a class's docstring as the
    # description of every operation of its subclasses.

    def thread(self) -> Thread:
        if not hasattr(self, "_thread"):
            threads = with_unread(visible_threads(self.actor), self.actor.user)
            self._thread = get_object_or_404(threads, pk=self.kwargs["thread_id"])
        return self._thread

    @property
    def actor(self) -> Actor:
        return actor_for(self.request)


class MessageAuthor(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()


class ThreadOutput(serializers.Serializer):
    class Company(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()

    id = serializers.IntegerField()
    title = serializers.CharField()
    about = serializers.ChoiceField(About.choices)
    item_id = serializers.IntegerField(
        source="item.pk", help_text="The company's id for a general conversation."
    )
    item_url = serializers.SerializerMethodField(help_text="The item's page in the portal.")
    company = Company()
    is_internal = serializers.BooleanField(help_text="Team only; never shown to client people.")
    created_at = serializers.DateTimeField()
    last_message_at = serializers.DateTimeField(allow_null=True)
    unread = serializers.IntegerField(
        help_text="Messages by others after the caller's read mark (see /threads/{id}/read)."
    )
    url = serializers.SerializerMethodField(help_text="The conversation's page in the portal.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_item_url(self, thread) -> str | None:
        path = item_page(thread)
        return self.context["request"].build_absolute_uri(path) if path else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, thread) -> str:
        path = reverse("messaging:thread", args=[thread.pk])
        return self.context["request"].build_absolute_uri(path)


class MessageAttachmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="file.name")
    size = serializers.IntegerField(source="file.size")
    content_type = serializers.CharField(source="file.content_type")
    download_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment) -> str:
        path = reverse(
            "api-thread-attachment-download", args=(attachment.message.thread_id, attachment.pk)
        )
        return self.context["request"].build_absolute_uri(path)


class ThreadMessageOutput(serializers.Serializer):
    class Mention(MessageAuthor):
        email = serializers.EmailField()

    id = serializers.IntegerField()
    author = MessageAuthor()
    body = serializers.CharField()
    mentions = Mention(many=True, source="mentions.all")
    source = serializers.ChoiceField(Source.choices, help_text="Where it was written.")
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(
        allow_null=True, help_text="Set once edited; the words before are in `revisions`."
    )
    attachments = MessageAttachmentOutput(many=True, source="attachments.all")


class ThreadMessageDetailOutput(ThreadMessageOutput):
    class Revision(serializers.Serializer):
        body = serializers.CharField()
        written_at = serializers.DateTimeField()
        replaced_at = serializers.DateTimeField()

    revisions = Revision(
        many=True, source="revisions.all", help_text="Earlier words, newest first."
    )


MESSAGE_HELP = (
    "Mention people with @ and their email (`@ana@northwind.example`); mentioning anyone who "
    "cannot read the thread refuses the message (400) and nothing is saved."
)


class ThreadMessageInput(serializers.Serializer):
    body = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, allow_blank=True, default="", help_text=MESSAGE_HELP
    )
    files = serializers.ListField(
        child=serializers.FileField(validators=[validate_upload]),
        max_length=MAX_ATTACHMENTS,
        required=False,
        default=list,
        help_text=FILES_HELP,
    )


class ThreadsApi(ListAPIView):
    permission_classes = [Allowed.to("workspace.use")]
    unkeyed_field = "body"  # refusals naming no field (shared_apps.core.api_errors)
    pagination_class = Keyset
    parser_classes = [JSONParser]
    serializer_class = ThreadOutput

    class Input(serializers.Serializer):
        about = serializers.ChoiceField(About.choices)
        item_id = serializers.IntegerField(help_text="The company's id for a general one.")
        is_internal = serializers.BooleanField(default=False, help_text="Team only.")
        body = serializers.CharField(
            max_length=TEXT_MAX_LENGTH,
            required=False,
            help_text="A first message, posted as the thread starts. " + MESSAGE_HELP,
        )

    def get_queryset(self):
        params = self.request.query_params
        threads = inbox_threads(
            actor_for(self.request),
            q=params.get("q", ""),
            about=params.get("about") if params.get("about") in About.values else None,
            unread=params.get("unread") in ("1", "true"),
        )
        return threads.order_by(F("last_message_at").desc(nulls_last=True), "-id")

    @extend_schema(
        summary="Conversations the caller can read",
        description="Newest activity first, each with its unread count for the caller.",
        parameters=[
            OpenApiParameter("about", OpenApiTypes.STR, enum=About.values),
            OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only unread ones."),
            OpenApiParameter("q", OpenApiTypes.STR, description="Words in their messages."),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=Input,
        responses={
            201: ThreadOutput,
            200: ThreadOutput,
            404: OpenApiResponse(description="No company or item the caller sees."),
        },
        summary="Open the conversation about a company or an item",
        description="Each company has one general conversation and each request, document, "
        "approval and invoice one, per side (shared with the client, or the team's internal "
        "one). 201 when this starts it, 200 when it existed; with `body`, that message is "
        "posted too. An item the caller cannot see is a 404.",
    )
    def post(self, request):
        actor = actor_for(request)
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        thread = item_of(data["about"], data["item_id"], is_internal=data["is_internal"])
        if thread is None or not can(actor, "thread.view", thread):
            raise Http404("No such company or item.")
        require(actor, "thread.post", thread, request=request)
        started = thread.pk is None
        if data.get("body", "").strip():
            thread = actions.message_post(
                thread=thread,
                author=actor.user,
                body=data["body"],
                source=Source.API,
                request=request,
            ).thread
        else:
            thread = actions.thread_start(thread=thread, actor=actor.user, request=request)
        shown = with_unread(visible_threads(actor), actor.user).get(pk=thread.pk)
        return Response(
            ThreadOutput(shown, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED if started else status.HTTP_200_OK,
            headers={"Location": reverse("api-thread", args=(thread.pk,))},
        )


class ThreadApi(OneThread, APIView):
    permission_classes = [Allowed.to("workspace.use")]

    @extend_schema(responses=ThreadOutput, summary="One conversation")
    def get(self, request, thread_id):
        return Response(ThreadOutput(self.thread(), context={"request": request}).data)


class MessagesApi(OneThread, ListAPIView):
    permission_classes = [Allowed.to("workspace.use")]
    unkeyed_field = "files"  # refusals naming no field (shared_apps.core.api_errors)
    pagination_class = OldestFirst
    parser_classes = [JSONParser, MultiPartParser]
    serializer_class = ThreadMessageOutput

    def get_queryset(self):
        messages = thread_messages(self.thread())
        after = self.request.query_params.get("after", "")
        return messages.filter(id__gt=int(after)) if after.isdecimal() else messages

    @extend_schema(
        summary="Messages of a conversation",
        description="Oldest first. To follow a conversation, ask with `after` set to the "
        "newest id you have: only newer messages come back.",
        parameters=[OpenApiParameter("after", OpenApiTypes.INT, description="A message id.")],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ThreadMessageInput,
        responses={201: ThreadMessageOutput},
        summary="Post a message",
        description="JSON, or multipart/form-data to attach files. Viewers read only. "
        "The people concerned are notified.",
    )
    def post(self, request, thread_id):
        thread = self.thread()
        require(self.actor, "thread.post", thread, request=request)
        form = ThreadMessageInput(data=request.data)
        form.is_valid(raise_exception=True)
        message = actions.message_post(
            thread=thread,
            author=self.actor.user,
            body=form.validated_data["body"],
            files=form.validated_data["files"],
            source=Source.API,
            request=request,
        )
        created = thread_messages(thread).get(pk=message.pk)
        return Response(
            ThreadMessageOutput(created, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-thread-message", args=(thread.pk, message.pk))},
        )


class MessageApi(OneThread, APIView):
    permission_classes = [Allowed.to("workspace.use")]
    unkeyed_field = "body"  # refusals naming no field (shared_apps.core.api_errors)
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        body = serializers.CharField(
            max_length=TEXT_MAX_LENGTH, allow_blank=True, help_text=MESSAGE_HELP
        )

    def _message(self):
        return get_object_or_404(thread_messages(self.thread()), pk=self.kwargs["message_id"])

    def _output(self, message) -> dict:
        return ThreadMessageDetailOutput(message, context={"request": self.request}).data

    @extend_schema(
        responses=ThreadMessageDetailOutput, summary="One message, with its edit history"
    )
    def get(self, request, thread_id, message_id):
        return Response(self._output(self._message()))

    @extend_schema(
        request=Input,
        responses=ThreadMessageDetailOutput,
        summary="Edit your message",
        description="Only its author edits a message; what it said before is kept and "
        "listed in `revisions`. People newly mentioned are notified.",
    )
    def patch(self, request, thread_id, message_id):
        message = self._message()
        require(self.actor, "message.edit", message, request=request)
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        actions.message_edit(
            message=message,
            body=form.validated_data["body"],
            actor=self.actor.user,
            request=request,
        )
        return Response(self._output(self._message()))


class ReadApi(OneThread, APIView):
    permission_classes = [Allowed.to("workspace.use")]
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        up_to = serializers.IntegerField(
            required=False, min_value=1, help_text="A message id; the newest by default."
        )

    class Output(serializers.Serializer):
        last_read_message_id = serializers.IntegerField()
        unread = serializers.IntegerField()

    @extend_schema(
        request=Input,
        responses=Output,
        summary="Mark a conversation read",
        description="Up to a message (default: all of it). A read mark never moves back.",
    )
    def post(self, request, thread_id):
        thread = self.thread()
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        actions.thread_mark_read(
            thread=thread, user=self.actor.user, up_to=form.validated_data.get("up_to")
        )
        after = with_unread(visible_threads(self.actor), self.actor.user).get(pk=thread.pk)
        data = {
            "last_read_message_id": read_mark_of(thread, self.actor.user),
            "unread": after.unread,
        }
        return Response(self.Output(data).data)


class AttachmentDownloadApi(OneThread, FileDownloadApi):
    permission_classes = [Allowed.to("workspace.use")]

    @extend_schema(
        responses=download_responses("No such file, or not one the caller may see."),
        summary="Download a message's file",
        description="Always as an attachment, with its sniffed content type.",
    )
    def get(self, request, thread_id, attachment_id):
        attachment = get_object_or_404(
            MessageAttachment.objects.select_related("file"),
            pk=attachment_id,
            message__thread=self.thread(),
        )
        return file_download_response(attachment.file)

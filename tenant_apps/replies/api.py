"""Saved replies over /api/v1/, for the team: each member's own and the shared ones (which
owners and admins keep)."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.core.text import JSONParser
from tenant_apps.kit.access import Allowed, actor_for, can
from tenant_apps.replies import actions
from tenant_apps.replies.selectors import replies_editable_by, replies_for
from tenant_apps.replies.variables import VARIABLES

USE = [Allowed.to("replies.use")]
VARIABLES_DOC = "Variables: " + ", ".join(
    f"`{{{name}}}` ({text})" for name, text in VARIABLES.items()
)


class ReplyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    shared = serializers.BooleanField(source="is_shared")
    uses = serializers.IntegerField(help_text="How often it was inserted into a reply.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ReplyInput(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    body = serializers.CharField(max_length=5000, help_text=VARIABLES_DOC)
    shared = serializers.BooleanField(
        default=False, help_text="Shared with the whole team (owners and admins only)."
    )

    def validate_shared(self, value):
        if value and not can(self.context["actor"], "replies.share"):
            raise serializers.ValidationError(
                "Only owners and admins share replies with the whole team."
            )
        return value


class RepliesApi(ListAPIView):
    permission_classes = USE
    parser_classes = [JSONParser]
    pagination_class = None
    serializer_class = ReplyOutput

    def get_queryset(self):
        return replies_for(actor_for(self.request))

    @extend_schema(summary="The saved replies you may use: the team's and your own")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ReplyInput, responses={201: ReplyOutput}, summary="Save a reply")
    def post(self, request):
        actor = actor_for(request)
        form = ReplyInput(data=request.data, context={"actor": actor})
        form.is_valid(raise_exception=True)
        reply = actions.saved_reply_create(**form.validated_data, actor=actor.user, request=request)
        return Response(
            ReplyOutput(reply).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-reply", args=(reply.pk,))},
        )


class ReplyApi(APIView):
    permission_classes = USE
    parser_classes = [JSONParser]

    class Input(ReplyInput):
        title = serializers.CharField(max_length=120, required=False)
        body = serializers.CharField(max_length=5000, required=False)
        shared = serializers.BooleanField(required=False)

    def reply(self, *, editing: bool):
        actor = actor_for(self.request)
        replies = replies_editable_by(actor) if editing else replies_for(actor)
        return get_object_or_404(replies, pk=self.kwargs["reply_id"])

    @extend_schema(responses=ReplyOutput, summary="One saved reply")
    def get(self, request, reply_id):
        return Response(ReplyOutput(self.reply(editing=False)).data)

    @extend_schema(request=Input, responses=ReplyOutput, summary="Change a saved reply")
    def patch(self, request, reply_id):
        actor = actor_for(request)
        reply = self.reply(editing=True)
        form = self.Input(data=request.data, context={"actor": actor})
        form.is_valid(raise_exception=True)
        data = form.validated_data
        actions.saved_reply_update(
            reply=reply,
            title=data.get("title", reply.title),
            body=data.get("body", reply.body),
            shared=data.get("shared", reply.is_shared),
            actor=actor.user,
            request=request,
        )
        return Response(ReplyOutput(reply).data)

    @extend_schema(responses={204: None}, summary="Remove a saved reply")
    def delete(self, request, reply_id):
        actions.saved_reply_delete(
            reply=self.reply(editing=True), actor=actor_for(request).user, request=request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

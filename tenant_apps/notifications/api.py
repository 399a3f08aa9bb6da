"""Notifications, email preferences and single-purpose links over /api/v1/.

Everyone works on their own notifications and preferences; another person's notification is a
404. Links: a person's own, and any for owners and admins (to withdraw a forwarded email's).
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from tenant_apps.kit.access import Allowed, actor_for, require
from tenant_apps.kit.api import cursor_pager
from tenant_apps.notifications import actions
from tenant_apps.notifications.kinds import Channel, kinds_for
from tenant_apps.notifications.selectors import (
    action_links_visible_to,
    notifications_for,
    preference_channels,
    unread_count,
)

NewestFirst = cursor_pager("-created_at", "-id")


class NotificationsApi(ListAPIView):
    permission_classes = [Allowed.to("notifications.use")]
    pagination_class = NewestFirst

    class Output(serializers.Serializer):
        class Target(serializers.Serializer):
            type = serializers.CharField(
                source="object_type", help_text='e.g. "approvals.approvalrequest"'
            )
            id = serializers.CharField(source="object_id")
            label = serializers.CharField(source="object_label")

        id = serializers.IntegerField()
        kind = serializers.CharField(help_text='A dotted kind, e.g. "approval.requested".')
        title = serializers.CharField()
        body = serializers.CharField()
        url = serializers.CharField(help_text="The item's page on this workspace's host.")
        target = Target(source="*")
        actor = serializers.IntegerField(source="actor_id", allow_null=True)
        created_at = serializers.DateTimeField()
        read_at = serializers.DateTimeField(allow_null=True)

    serializer_class = Output

    def get_queryset(self):
        rows = notifications_for(self.request.user)
        if self.request.query_params.get("unread") in ("1", "true"):
            rows = rows.unread()
        return rows

    @extend_schema(
        summary="My notifications",
        description="Newest first; `X-Unread-Count` holds how many are unread in all.",
        parameters=[OpenApiParameter("unread", bool, description="Only unread ones.")],
    )
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["X-Unread-Count"] = str(unread_count(request.user))
        return response


UNREAD = inline_serializer("NotificationsUnread", {"unread": serializers.IntegerField()})


class NotificationReadApi(APIView):
    permission_classes = [Allowed.to("notifications.use")]

    @extend_schema(request=None, responses=UNREAD, summary="Mark one notification read")
    def post(self, request, notification_id):
        notification = get_object_or_404(notifications_for(request.user), pk=notification_id)
        actions.notifications_mark_read(user=request.user, ids=[notification.pk])
        return Response({"unread": unread_count(request.user)})


class NotificationsReadAllApi(APIView):
    permission_classes = [Allowed.to("notifications.use")]

    @extend_schema(request=None, responses=UNREAD, summary="Mark all my notifications read")
    def post(self, request):
        actions.notifications_mark_read(user=request.user)
        return Response({"unread": unread_count(request.user)})


class PreferencesApi(APIView):
    """Email per kind: immediately, in the daily digest, or off. Security emails
    (invitations, sign-in links, password changes) are always sent and are not listed."""

    permission_classes = [Allowed.to("notifications.use")]

    class Output(serializers.Serializer):
        kind = serializers.CharField()
        label = serializers.CharField()
        channel = serializers.ChoiceField(Channel.choices)
        default = serializers.ChoiceField(Channel.choices)

    class Input(serializers.Serializer):
        class Choice(serializers.Serializer):
            kind = serializers.CharField()
            channel = serializers.ChoiceField(Channel.choices)

        preferences = Choice(many=True)

        def validate_preferences(self, choices):
            known = self.context["kinds"]
            unknown = sorted({choice["kind"] for choice in choices} - set(known))
            if unknown:
                raise serializers.ValidationError(f"Unknown kinds for you: {', '.join(unknown)}.")
            return choices

    def _kinds(self):
        return kinds_for(is_team=actor_for(self.request).is_team)

    def _listing(self):
        kinds = self._kinds()
        channels = preference_channels([self.request.user.pk], list(kinds))
        rows = [
            {
                "kind": key,
                "label": kind.label,
                "channel": channels[self.request.user.pk, key],
                "default": kind.default,
            }
            for key, kind in kinds.items()
        ]
        return Response(self.Output(rows, many=True).data)

    @extend_schema(responses=Output(many=True), summary="My email preferences")
    def get(self, request):
        return self._listing()

    @extend_schema(
        request=Input,
        responses=Output(many=True),
        summary="Change my email preferences",
        description="Only the kinds given change; the answer lists them all.",
    )
    def put(self, request):
        given = self.Input(data=request.data, context={"kinds": self._kinds()})
        given.is_valid(raise_exception=True)
        channels = {
            choice["kind"]: choice["channel"] for choice in given.validated_data["preferences"]
        }
        actions.preferences_update(user=request.user, channels=channels, request=request)
        return self._listing()


class ActionLinksApi(ListAPIView):
    permission_classes = [Allowed.to("notifications.use")]
    pagination_class = NewestFirst

    class Output(serializers.Serializer):
        id = serializers.IntegerField()
        user = serializers.IntegerField(source="user_id")
        action = serializers.CharField()
        object_type = serializers.CharField()
        object_id = serializers.CharField()
        object_label = serializers.CharField()
        path = serializers.CharField()
        status = serializers.ChoiceField(["valid", "expired", "revoked"])
        created_at = serializers.DateTimeField()
        expires_at = serializers.DateTimeField()
        revoked_at = serializers.DateTimeField(allow_null=True)
        last_used_at = serializers.DateTimeField(allow_null=True)

    serializer_class = Output

    def get_queryset(self):
        return action_links_visible_to(actor_for(self.request))

    @extend_schema(
        summary="Single-purpose links from notification emails",
        description="Your own; owners and admins see everyone's. The secrets are never stored.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ActionLinkRevokeApi(APIView):
    permission_classes = [Allowed.to("notifications.use")]

    @extend_schema(
        request=None,
        responses=ActionLinksApi.Output,
        summary="Withdraw a single-purpose link",
        description="The link stops working, and any session it opened ends.",
    )
    def post(self, request, link_id):
        actor = actor_for(request)
        link = get_object_or_404(action_links_visible_to(actor), pk=link_id)
        require(actor, "action_link.revoke", link, request=request)
        link = actions.action_link_revoke(link=link, actor=request.user, request=request)
        return Response(ActionLinksApi.Output(link).data)

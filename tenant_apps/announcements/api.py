"""The platform's announcements for the signed-in person, over /api/v1/."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from operators.announcements import announcement_dismiss
from tenant_apps.announcements.selectors import announcements_seen_by
from tenant_apps.kit.access import Allowed, actor_for


class AnnouncementOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    level = serializers.ChoiceField(["info", "warning"])
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class AnnouncementsApi(APIView):
    permission_classes = [Allowed.to("workspace.use")]

    @extend_schema(
        responses=AnnouncementOutput(many=True),
        summary="Announcements for me",
        description="What the platform announces to the signed-in person now (by their "
        "agency's plan and their role), without those they dismissed.",
    )
    def get(self, request):
        notices = announcements_seen_by(actor_for(request))
        return Response(AnnouncementOutput(notices, many=True).data)


class AnnouncementDismissApi(APIView):
    permission_classes = [Allowed.to("workspace.use")]

    @extend_schema(request=None, responses={204: None}, summary="Dismiss an announcement")
    def post(self, request, announcement_id: int):
        seen = {notice.id for notice in announcements_seen_by(actor_for(request))}
        if announcement_id not in seen:
            raise Http404("No such announcement for you.")
        announcement_dismiss(
            announcement_id=announcement_id, agency=request.tenant, user_id=request.user.pk
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

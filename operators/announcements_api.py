"""Announcements over /api/v1/operator/: list and read (any operator), publish, change and
take down (operators who may announce)."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from operators import announcements as actions
from operators.access import OperatorCapability
from operators.models import Announcement
from operators.roles import Capability
from operators.tokens import OPERATOR_AUTHENTICATION


class AnnouncementOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    level = serializers.ChoiceField(Announcement.Level.choices)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    plans = serializers.ListField(child=serializers.CharField(), help_text="Empty: every plan.")
    audiences = serializers.ListField(
        child=serializers.ChoiceField(Announcement.Audience.choices), help_text="Empty: everyone."
    )
    state = serializers.SerializerMethodField(help_text="scheduled, live or ended")
    created_by = serializers.EmailField(source="created_by.email")
    created_at = serializers.DateTimeField()

    def get_state(self, announcement) -> str:
        now = timezone.now()
        if announcement.ends_at <= now:
            return "ended"
        return "live" if announcement.starts_at <= now else "scheduled"


class AnnouncementInput(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    body = serializers.CharField(max_length=2000)
    level = serializers.ChoiceField(Announcement.Level.choices, default=Announcement.Level.INFO)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    plans = serializers.ListField(
        child=serializers.ChoiceField([plan["key"] for plan in settings.BILLING_PLANS]),
        required=False,
        default=list,
    )
    audiences = serializers.ListField(
        child=serializers.ChoiceField(Announcement.Audience.choices), required=False, default=list
    )


class _Announcements(APIView):
    authentication_classes = OPERATOR_AUTHENTICATION
    permission_classes = [OperatorCapability]

    def get_permissions(self):
        self.capability = Capability.VIEW if self.request.method == "GET" else Capability.ANNOUNCE
        return super().get_permissions()


class AnnouncementsApi(_Announcements):
    @extend_schema(responses=AnnouncementOutput(many=True), summary="List announcements")
    def get(self, request):
        rows = Announcement.objects.select_related("created_by").order_by("-starts_at")[:200]
        return Response(AnnouncementOutput(rows, many=True).data)

    @extend_schema(
        request=AnnouncementInput, responses={201: AnnouncementOutput}, summary="Publish"
    )
    def post(self, request):
        data = AnnouncementInput(data=request.data)
        data.is_valid(raise_exception=True)
        announcement = actions.announcement_create(
            operator=request.user, request=request, **data.validated_data
        )
        return Response(AnnouncementOutput(announcement).data, status=status.HTTP_201_CREATED)


class AnnouncementApi(_Announcements):
    @extend_schema(responses=AnnouncementOutput, summary="Read an announcement")
    def get(self, request, announcement_id: int):
        announcement = get_object_or_404(Announcement, pk=announcement_id)
        return Response(AnnouncementOutput(announcement).data)

    @extend_schema(
        request=AnnouncementInput, responses=AnnouncementOutput, summary="Change an announcement"
    )
    def put(self, request, announcement_id: int):
        announcement = get_object_or_404(Announcement, pk=announcement_id)
        if announcement.ends_at <= timezone.now():
            raise serializers.ValidationError("An announcement that has ended cannot be changed.")
        data = AnnouncementInput(data=request.data)
        data.is_valid(raise_exception=True)
        actions.announcement_update(
            announcement=announcement,
            operator=request.user,
            request=request,
            **data.validated_data,
        )
        return Response(AnnouncementOutput(announcement).data)


class AnnouncementEndApi(_Announcements):
    @extend_schema(request=None, responses=AnnouncementOutput, summary="Take down now")
    def post(self, request, announcement_id: int):
        announcement = get_object_or_404(Announcement, pk=announcement_id)
        actions.announcement_end(announcement=announcement, operator=request.user, request=request)
        return Response(AnnouncementOutput(announcement).data)


urlpatterns = [
    path("announcements", AnnouncementsApi.as_view(), name="api-operator-announcements"),
    path(
        "announcements/<int:announcement_id>",
        AnnouncementApi.as_view(),
        name="api-operator-announcement",
    ),
    path(
        "announcements/<int:announcement_id>/end",
        AnnouncementEndApi.as_view(),
        name="api-operator-announcement-end",
    ),
]

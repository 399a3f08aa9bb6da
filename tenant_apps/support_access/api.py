"""Support access over /api/v1/, for the owner: the grants (and their sessions), grant, revoke."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from operators.impersonation import EndedHow, session_end_reason
from shared_apps.core.text import JSONParser
from tenant_apps.kit.access import Allowed, actor_for
from tenant_apps.support_access.actions import support_grant_create, support_grant_revoke
from tenant_apps.support_access.forms import DURATION_CHOICES, DURATIONS
from tenant_apps.support_access.selectors import SHOWN, grants, support_sessions

MANAGE = [Allowed.to("support_access.manage")]


class SupportGrantOutput(serializers.Serializer):
    id = serializers.IntegerField()
    granted_by = serializers.CharField(source="granted_by_label")
    note = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    in_force = serializers.SerializerMethodField()

    def get_in_force(self, grant) -> bool:
        return grant.revoked_at is None and grant.ends_at > self.context["now"]


class SupportSessionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    grant = serializers.IntegerField(source="grant_id")
    operator = serializers.CharField(source="operator_label", help_text="The operator's email.")
    signed_in_as = serializers.CharField(source="target_label")
    reason = serializers.CharField()
    started_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(help_text="When it ends at the latest.")
    ended_at = serializers.DateTimeField(allow_null=True)
    ended_how = serializers.SerializerMethodField(
        help_text=f"Null while it runs; else one of {', '.join(EndedHow.WORDS)}."
    )

    def get_ended_how(self, session) -> str | None:
        return session_end_reason(session)


class SupportAccessOutput(serializers.Serializer):
    grants = SupportGrantOutput(many=True)
    sessions = SupportSessionOutput(many=True)


class SupportGrantsApi(APIView):
    permission_classes = MANAGE
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        ends_in = serializers.ChoiceField(
            DURATION_CHOICES, help_text="How long support may sign in: 1h, 4h, 24h, 3d or 7d."
        )
        note = serializers.CharField(max_length=300, allow_blank=True, default="")

    @extend_schema(
        responses=SupportAccessOutput,
        summary="Support access: the latest grants and support sessions (owner)",
    )
    def get(self, request):
        context = {"now": timezone.now()}
        data = {"grants": grants()[:SHOWN], "sessions": support_sessions()[:SHOWN]}
        return Response(SupportAccessOutput(data, context=context).data)

    @extend_schema(
        request=Input,
        responses={201: SupportGrantOutput},
        summary="Grant platform support access for a while (owner)",
        description="Refused (400) while a grant is in force: revoke it first.",
    )
    def post(self, request):
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        grant = support_grant_create(
            ends_in=DURATIONS[form.validated_data["ends_in"]][0],
            note=form.validated_data["note"],
            actor=actor_for(request).user,
            request=request,
        )
        context = {"now": grant.starts_at}
        return Response(
            SupportGrantOutput(grant, context=context).data, status=status.HTTP_201_CREATED
        )


class SupportGrantRevokeApi(APIView):
    permission_classes = MANAGE

    @extend_schema(
        request=None,
        responses=SupportGrantOutput,
        summary="Revoke support access now, ending its support sessions (owner)",
    )
    def post(self, request, grant_id):
        grant = get_object_or_404(grants(), pk=grant_id)
        grant = support_grant_revoke(grant=grant, actor=actor_for(request).user, request=request)
        return Response(SupportGrantOutput(grant, context={"now": grant.revoked_at}).data)

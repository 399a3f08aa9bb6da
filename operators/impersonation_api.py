"""Support access over /api/v1/operator/: an agency's grant and sessions (any operator),
starting a session (support and admin operators; 403 without the agency's grant), ending one.
"""

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from operators.access import OperatorCapability, operator_of
from operators.impersonation import (
    EndedHow,
    ImpersonationRefused,
    agency_people,
    impersonation_end,
    impersonation_start,
    session_end_reason,
)
from operators.models import ImpersonationSession
from operators.roles import Capability
from operators.support import handoff_url, may_pick_person, support_state
from shared_apps.core.text import JSONParser
from tenants.models import Agency


class OperatorSupportGrantOutput(serializers.Serializer):
    id = serializers.IntegerField()
    granted_by = serializers.CharField(source="granted_by_label")
    note = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class OperatorSupportSessionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    operator = serializers.CharField(source="operator_label")
    signed_in_as = serializers.CharField(source="target_label")
    reason = serializers.CharField()
    started_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    ended_how = serializers.SerializerMethodField(
        help_text=f"Null while it runs; else one of {', '.join(EndedHow.WORDS)}."
    )

    def get_ended_how(self, session) -> str | None:
        return session_end_reason(session)


class OperatorSupportPersonOutput(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    email = serializers.EmailField()


class OperatorSupportStateOutput(serializers.Serializer):
    grant = OperatorSupportGrantOutput(allow_null=True, help_text="The grant in force, else null.")
    people = OperatorSupportPersonOutput(
        many=True,
        help_text="Whom a session may act as: listed only to operators who may start one, while "
        "the agency's grant is in force; else empty.",
    )
    live = OperatorSupportSessionOutput(many=True)
    recent = OperatorSupportSessionOutput(many=True)


def _agency(agency_id) -> Agency:
    return get_object_or_404(Agency.objects.live(), pk=agency_id)


class SupportStateApi(APIView):
    permission_classes = [OperatorCapability]
    capability = Capability.VIEW

    @extend_schema(
        responses=OperatorSupportStateOutput,
        summary="An agency's support access: its grant, its people and its support sessions",
    )
    def get(self, request, agency_id):
        agency = _agency(agency_id)
        state = support_state(agency)
        # The agency's people are its own: shown only with its owner's consent, to who may act.
        people = agency_people(agency) if may_pick_person(operator_of(request), state) else []
        return Response(OperatorSupportStateOutput({**state, "people": people}).data)


class SupportSessionsApi(APIView):
    permission_classes = [OperatorCapability]
    capability = Capability.IMPERSONATE
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        person = serializers.IntegerField(help_text="The id of one of the agency's people.")
        reason = serializers.CharField(max_length=1000, help_text="Why; the agency reads it.")

    class Output(OperatorSupportSessionOutput):
        handoff_url = serializers.URLField(
            help_text="Open it in a browser within a minute, once: it signs that browser in "
            "on the agency's host as the person."
        )

    @extend_schema(
        request=Input,
        responses={201: Output},
        summary="Start a support session (support and admin operators)",
        description="403 with code `no_support_grant` unless the agency's owner has granted "
        "support access now. The session lasts an hour at most, and no longer than the grant.",
    )
    def post(self, request, agency_id):
        agency = _agency(agency_id)
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            session, secret = impersonation_start(
                operator=request.user,
                agency=agency,
                person_id=form.validated_data["person"],
                reason=form.validated_data["reason"],
                request=request,
            )
        except ImpersonationRefused as refused:
            raise PermissionDenied(str(refused), code="no_support_grant") from refused
        session.handoff_url = handoff_url(agency, secret)
        return Response(self.Output(session).data, status=status.HTTP_201_CREATED)


class SupportSessionEndApi(APIView):
    permission_classes = [OperatorCapability]
    capability = Capability.IMPERSONATE

    @extend_schema(
        request=None, responses=OperatorSupportSessionOutput, summary="End a support session now"
    )
    def post(self, request, session_id):
        session = get_object_or_404(
            ImpersonationSession.objects.select_related("grant"), pk=session_id
        )
        impersonation_end(session=session, how=EndedHow.OPERATOR, request=request)
        session.refresh_from_db()
        return Response(OperatorSupportSessionOutput(session).data)


urlpatterns = [
    path(
        "agencies/<int:agency_id>/support",
        SupportStateApi.as_view(),
        name="api-operator-support",
    ),
    path(
        "agencies/<int:agency_id>/support/sessions",
        SupportSessionsApi.as_view(),
        name="api-operator-support-sessions",
    ),
    path(
        "support-sessions/<int:session_id>/end",
        SupportSessionEndApi.as_view(),
        name="api-operator-support-session-end",
    ),
]

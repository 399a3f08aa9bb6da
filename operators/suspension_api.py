"""The operator API for suspension and deletion: /api/v1/operator/agencies/<id>/..."""

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from operators import suspension
from operators.access import OperatorCapability
from operators.roles import Capability
from tenants.models import Agency, SuspensionCategory


class AgencyStanding(serializers.Serializer):
    """An agency's suspension and deletion state, as every answer here gives it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    subdomain = serializers.CharField()
    is_suspended = serializers.BooleanField()
    suspended_at = serializers.DateTimeField(allow_null=True)
    suspension_category = serializers.CharField(help_text="Empty when not suspended.")
    suspension_reason = serializers.CharField(
        help_text="The operator's, never shown to the agency."
    )
    suspension_message = serializers.CharField(help_text="Shown to the agency; may be empty.")
    deletion_requested_at = serializers.DateTimeField(allow_null=True)
    deletion_due_at = serializers.DateTimeField(allow_null=True)
    deletion_requested_by = serializers.CharField(help_text='"operator", "owner" or empty.')


class _AgencyAction(APIView):
    permission_classes = [OperatorCapability]

    class Input(serializers.Serializer):
        reason = serializers.CharField(
            max_length=suspension.REASON_MAX_LENGTH, help_text="Why: kept in the operator log."
        )

    def agency(self, agency_id) -> Agency:
        return get_object_or_404(Agency.objects.provisioned(), pk=agency_id)

    def valid_input(self, request) -> dict:
        serializer = self.Input(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def standing(self, agency) -> Response:
        return Response(AgencyStanding(agency).data)


class SuspendApi(_AgencyAction):
    capability = Capability.SUSPEND

    class Input(_AgencyAction.Input):
        category = serializers.ChoiceField(choices=SuspensionCategory.choices)
        message = serializers.CharField(
            max_length=suspension.MESSAGE_MAX_LENGTH,
            required=False,
            allow_blank=True,
            help_text="Shown to the agency's people under the category's own sentence.",
        )

    @extend_schema(request=Input, responses=AgencyStanding, summary="Suspend an agency")
    def post(self, request, agency_id):
        data = self.valid_input(request)
        agency = suspension.agency_suspend(
            agency=self.agency(agency_id), operator=request.operator, request=request, **data
        )
        return self.standing(agency)


class RestoreApi(_AgencyAction):
    capability = Capability.SUSPEND

    @extend_schema(request=_AgencyAction.Input, responses=AgencyStanding, summary="Restore")
    def post(self, request, agency_id):
        data = self.valid_input(request)
        agency = suspension.agency_restore(
            agency=self.agency(agency_id), operator=request.operator, request=request, **data
        )
        return self.standing(agency)


class DeletionApi(_AgencyAction):
    capability = Capability.DELETE

    class ScheduleInput(_AgencyAction.Input):
        confirm = serializers.CharField(help_text="The agency's subdomain, typed out.")

    @extend_schema(
        request=ScheduleInput,
        responses=AgencyStanding,
        summary="Schedule an agency's deletion (after the grace period)",
    )
    def post(self, request, agency_id):
        agency = self.agency(agency_id)
        serializer = self.ScheduleInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data["confirm"].strip().lower() != agency.subdomain:
            raise serializers.ValidationError({"confirm": ["Type the agency's subdomain."]})
        agency = suspension.agency_deletion_schedule(
            agency=agency,
            reason=serializer.validated_data["reason"],
            operator=request.operator,
            request=request,
        )
        return self.standing(agency)

    @extend_schema(
        request=_AgencyAction.Input, responses=AgencyStanding, summary="Cancel its deletion"
    )
    def delete(self, request, agency_id):
        data = self.valid_input(request)
        agency = suspension.agency_deletion_cancel(
            agency=self.agency(agency_id), operator=request.operator, request=request, **data
        )
        return self.standing(agency)


urlpatterns = [
    path(
        "agencies/<int:agency_id>/suspend",
        SuspendApi.as_view(),
        name="api-operator-agency-suspend",
    ),
    path(
        "agencies/<int:agency_id>/restore",
        RestoreApi.as_view(),
        name="api-operator-agency-restore",
    ),
    path(
        "agencies/<int:agency_id>/deletion",
        DeletionApi.as_view(),
        name="api-operator-agency-deletion",
    ),
]

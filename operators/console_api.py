"""The console's own API: the operator log (JSON pages and CSV) and the platform's health."""

from django.http import StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from operators.access import OperatorCapability
from operators.health import platform_health
from operators.models import OperatorLogEntry
from operators.roles import Capability
from operators.selectors import log_csv_lines, log_filter
from operators.tokens import OPERATOR_AUTHENTICATION
from shared_apps.core.pagination import CursorPagination


class LogPager(CursorPagination):
    ordering = "-id"
    page_size = 50
    max_page_size = 200


class LogFilters(serializers.Serializer):
    operator = serializers.IntegerField(required=False, min_value=1, help_text="An operator's id.")
    action = serializers.CharField(required=False, max_length=64)
    agency = serializers.CharField(
        required=False, max_length=200, help_text="An agency's id, or part of its name."
    )
    since = serializers.DateField(required=False, help_text="From this day (UTC), included.")
    until = serializers.DateField(required=False, help_text="To this day (UTC), included.")

    def validate(self, attrs):
        if attrs.get("since") and attrs.get("until") and attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"until": "The end comes before the start."})
        return attrs

    def filters(self) -> dict:
        data = self.validated_data
        return {
            "operator_id": data.get("operator"),
            "action": data.get("action", ""),
            "agency": data.get("agency", ""),
            "since": data.get("since"),
            "until": data.get("until"),
        }


class OperatorLogApi(ListAPIView):
    authentication_classes = OPERATOR_AUTHENTICATION
    permission_classes = [OperatorCapability]
    capability = Capability.VIEW
    pagination_class = LogPager

    class Output(serializers.ModelSerializer):
        class Meta:
            model = OperatorLogEntry
            fields = [
                "id",
                "occurred_at",
                "operator_id",
                "operator_label",
                "action",
                "agency_id",
                "agency_label",
                "reason",
                "changes",
                "ip_address",
                "user_agent",
                "prev_hash",
                "entry_hash",
            ]

    serializer_class = Output

    def get_queryset(self):
        filters = LogFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return log_filter(**filters.filters())

    @extend_schema(
        operation_id="operator_log_list",
        tags=["operator"],
        parameters=[LogFilters],
        summary="The operator log, newest first",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OperatorLogCsvApi(APIView):
    authentication_classes = OPERATOR_AUTHENTICATION
    permission_classes = [OperatorCapability]
    capability = Capability.VIEW

    def perform_content_negotiation(self, request, force=False):
        # The CSV is the answer whatever Accept says; refusals stay JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="operator_log_csv",
        tags=["operator"],
        parameters=[LogFilters],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR)},
        summary="The operator log as CSV, newest first",
    )
    def get(self, request):
        filters = LogFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        filename = f"operator-log-{timezone.now():%Y-%m-%d}.csv"
        return StreamingHttpResponse(
            log_csv_lines(log_filter(**filters.filters())),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


class HealthApi(APIView):
    authentication_classes = OPERATOR_AUTHENTICATION
    permission_classes = [OperatorCapability]
    capability = Capability.VIEW

    class Output(serializers.Serializer):
        class Celery(serializers.Serializer):
            class Queue(serializers.Serializer):
                name = serializers.CharField()
                waiting = serializers.IntegerField()

            class Failure(serializers.Serializer):
                task = serializers.CharField()
                at = serializers.DateTimeField()
                error = serializers.CharField()

            class Day(serializers.Serializer):
                day = serializers.DateField()
                failures = serializers.IntegerField()

            queues = Queue(many=True, allow_null=True, help_text="null: Redis did not answer.")
            reserved = serializers.IntegerField(allow_null=True)
            failures_by_day = Day(many=True, allow_null=True)
            recent_failures = Failure(many=True, allow_null=True)

        class Migrations(serializers.Serializer):
            class Pending(serializers.Serializer):
                schema = serializers.CharField()
                agency = serializers.CharField()
                missing = serializers.ListField(child=serializers.CharField())

            schemas_checked = serializers.IntegerField()
            pending = Pending(many=True)

        class Usage(serializers.Serializer):
            agencies = serializers.IntegerField(help_text="Agencies with usage gathered.")
            storage_bytes = serializers.IntegerField(allow_null=True)
            webhook_failures = serializers.IntegerField(allow_null=True)
            agencies_with_webhook_failures = serializers.IntegerField(allow_null=True)
            gathered_at = serializers.DateTimeField(allow_null=True)

        celery = Celery()
        spares = serializers.IntegerField()
        spares_wanted = serializers.IntegerField()
        migrations = Migrations()
        database_bytes = serializers.IntegerField()
        usage = Usage(help_text="null figures: no usage gathered yet.")
        checked_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="operator_health",
        tags=["operator"],
        responses={200: Output},
        summary="The platform's health",
    )
    def get(self, request):
        return Response(self.Output(platform_health()).data)


urlpatterns = [
    path("log", OperatorLogApi.as_view(), name="operator-api-log"),
    path("log.csv", OperatorLogCsvApi.as_view(), name="operator-api-log-csv"),
    path("health", HealthApi.as_view(), name="operator-api-health"),
]

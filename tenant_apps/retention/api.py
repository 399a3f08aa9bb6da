"""The retention settings over /api/v1/retention, for owners and admins, like the page."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tenant_apps.kit.access import Allowed
from tenant_apps.retention.actions import retention_policy_update
from tenant_apps.retention.models import KEEP_MAX_DAYS, KEEP_MIN_DAYS, SIGN_INS_MIN_DAYS
from tenant_apps.retention.selectors import retention_policy

KEEP_FOR_GOOD = "Null keeps them for good (the default)."


def _days(help_text: str, minimum: int = KEEP_MIN_DAYS) -> serializers.IntegerField:
    return serializers.IntegerField(
        allow_null=True,
        min_value=minimum,
        max_value=KEEP_MAX_DAYS,
        help_text=f"{help_text} {minimum} to {KEEP_MAX_DAYS} days. {KEEP_FOR_GOOD}",
    )


class RetentionApi(APIView):
    permission_classes = [Allowed.to("retention.manage")]

    class Input(serializers.Serializer):
        closed_requests_days = _days("How long a closed request is kept after it was closed.")
        old_versions_days = _days(
            "How long a file version is kept after a newer one replaced it (never the current "
            "version, nor one an approval was asked about)."
        )
        sign_ins_days = _days(
            "How long a browser's sign-in record is kept after it was last seen.",
            SIGN_INS_MIN_DAYS,
        )

    class Output(serializers.Serializer):
        closed_requests_days = serializers.IntegerField(allow_null=True)
        old_versions_days = serializers.IntegerField(allow_null=True)
        sign_ins_days = serializers.IntegerField(allow_null=True)
        updated_at = serializers.DateTimeField()

    @extend_schema(responses=Output, summary="How long old records are kept")
    def get(self, request):
        return Response(self.Output(retention_policy()).data)

    @extend_schema(
        request=Input,
        responses=Output,
        summary="Set how long old records are kept",
        description="All three periods, in days; null keeps those records for good. A daily "
        "task removes what is older. The activity log is never removed.",
    )
    def put(self, request):
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            policy = retention_policy_update(
                **form.validated_data, actor=request.user, request=request
            )
        except DjangoValidationError as invalid:
            raise serializers.ValidationError(invalid.message_dict) from invalid
        return Response(self.Output(policy).data)

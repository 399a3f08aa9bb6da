"""POST /api/v1/operator/auth/token: email, password and a second-factor code for a
15-minute operator access token (operators.tokens). Failures count towards the same
lockout as the console's sign-in page."""

from datetime import UTC, datetime

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from operators.actions import operator_code_refused, operator_signed_in
from operators.models import Operator
from operators.tokens import OperatorAccessToken
from shared_apps.accounts.two_factor import CodeRejected, has_two_factor, two_factor_verify

LOCKOUT_SECONDS = int(settings.AXES_COOLOFF_TIME.total_seconds())


class OperatorLocked(exceptions.Throttled):
    default_detail = (
        "Too many attempts to sign in to this operator account from your network. "
        f"Signing in is paused for {LOCKOUT_SECONDS // 60} minutes."
    )
    default_code = "locked_out"

    def __init__(self):
        super().__init__(wait=LOCKOUT_SECONDS, detail=self.default_detail)


class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()


class OperatorTokenApi(APIView):
    # The default authentication stays: an agency's token sent here is refused (401).
    permission_classes = [AllowAny]

    class Input(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(trim_whitespace=False, write_only=True)
        otp = serializers.CharField(
            max_length=20,
            help_text="The 6-digit code from the operator's authenticator app, or one of "
            "their recovery codes (used up).",
        )

    class Output(serializers.Serializer):
        access = serializers.CharField(help_text="Send as `Authorization: Bearer <access>`.")
        expires_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="operator_auth_token",
        tags=["operator"],
        auth=[],
        request=Input,
        responses={
            200: Output,
            400: OpenApiResponse(description="A field is missing or malformed."),
            401: OpenApiResponse(
                ErrorOutput,
                description="Wrong email or password (`no_active_account`), or a wrong code "
                "(`otp_invalid`).",
            ),
            403: OpenApiResponse(
                ErrorOutput,
                description="The operator has not set up two-factor authentication yet "
                "(`two_factor_setup_required`): sign in on the console's page first.",
            ),
            429: OpenApiResponse(ErrorOutput, description="Locked out (`locked_out`)."),
        },
        summary="Get an operator access token",
    )
    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        email, password = data.validated_data["email"], data.validated_data["password"]
        # authenticate() runs axes' backend, which counts the failure and locks out.
        user = authenticate(request, username=email, password=password)
        if getattr(request, "axes_locked_out", False):
            raise OperatorLocked()
        if user is None or not Operator.objects.filter(user=user).exists():
            raise exceptions.AuthenticationFailed(
                "That email and password don't match an operator account.", "no_active_account"
            )
        if not has_two_factor(user):
            raise exceptions.PermissionDenied(
                "Set up two-factor authentication by signing in on the console's sign-in "
                "page first.",
                "two_factor_setup_required",
            )
        try:
            two_factor_verify(user, data.validated_data["otp"])
        except CodeRejected as rejected:
            operator_code_refused(user=user, via="api", request=request)
            raise exceptions.AuthenticationFailed(str(rejected), "otp_invalid") from None
        AxesProxyHandler.user_logged_in(sender=type(self), request=request, user=user)
        operator_signed_in(user=user, via="api", request=request)
        token = OperatorAccessToken.for_user(user)
        expires_at = datetime.fromtimestamp(token["exp"], tz=UTC)
        return Response(self.Output({"access": str(token), "expires_at": expires_at}).data)


urlpatterns = [
    path("auth/token", OperatorTokenApi.as_view(), name="operator-api-token"),
]

"""Sign-out and account security over /api/v1/. Policy decides; actions write."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from tenant_apps.kit.access import Allowed
from tenant_apps.security.actions import (
    password_change,
    refresh_token_revoke,
    session_end,
    sessions_end_all,
)
from tenant_apps.security.selectors import signed_in_sessions
from tenant_apps.security.tokens import TenantRefreshToken

SIGNED_OUT = OpenApiResponse(description="Signed out.")


class LogoutApi(APIView):
    """Revoke one refresh token: the sign-out of one app or device."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request):
        # A refused refresh token is a 401, as from /auth/token/refresh; DRF would turn it into
        # a 403 for a view that names no authentication to challenge with.
        return 'Bearer realm="api"'

    @extend_schema_serializer(component_name="LogoutRequest")
    class Input(serializers.Serializer):
        refresh = serializers.CharField()

    @extend_schema(
        request=Input,
        responses={204: SIGNED_OUT},
        summary="Sign out: revoke a refresh token",
        description="Its access tokens stay valid until they expire (15 minutes); "
        "use /auth/logout-all to end those at once too.",
    )
    def post(self, request):
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            refresh = TenantRefreshToken(form.validated_data["refresh"])
            # Raises too when a concurrent request spent the token after it was read.
            refresh_token_revoke(token=refresh, request=request)
        except TokenError as error:
            raise InvalidToken(error.args[0]) from error
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllApi(APIView):
    permission_classes = [Allowed.to("workspace.use")]

    @extend_schema(
        request=None,
        responses={204: SIGNED_OUT},
        summary="Sign out everywhere",
        description="Ends every browser session and revokes every access and refresh token "
        "of the signed-in person, including the one making this call.",
    )
    def post(self, request):
        sessions_end_all(user=request.user, actor=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordApi(APIView):
    permission_classes = [Allowed.to("workspace.use")]

    @extend_schema_serializer(component_name="PasswordChange")
    class Input(serializers.Serializer):
        current_password = serializers.CharField(
            required=False,
            trim_whitespace=False,
            write_only=True,
            help_text="Required unless the account has no password yet (sign-in links only).",
        )
        new_password = serializers.CharField(trim_whitespace=False, write_only=True)

        def validate_current_password(self, value):
            if not self.context["user"].check_password(value):
                raise serializers.ValidationError("That isn't your current password.")
            return value

        def validate_new_password(self, value):
            try:
                validate_password(value, user=self.context["user"])
            except DjangoValidationError as error:
                raise serializers.ValidationError(list(error.messages)) from None
            return value

        def validate(self, attrs):
            if self.context["user"].has_usable_password() and "current_password" not in attrs:
                raise serializers.ValidationError(
                    {"current_password": ["Enter your current password."]}
                )
            return attrs

    @extend_schema_serializer(component_name="TokenPair")
    class Output(serializers.Serializer):
        refresh = serializers.CharField()
        access = serializers.CharField()

    @extend_schema(
        request=Input,
        responses={200: Output},
        summary="Change my password",
        description="Every session and token of the person ends; the response carries a "
        "fresh token pair for the caller.",
    )
    def post(self, request):
        user = request.user
        form = self.Input(data=request.data, context={"user": user})
        form.is_valid(raise_exception=True)
        password_change(
            user=user, new_password=form.validated_data["new_password"], actor=user, request=request
        )
        refresh = TenantRefreshToken.for_user(user)
        data = {"refresh": str(refresh), "access": str(refresh.access_token)}
        return Response(self.Output(data).data)


class SessionsApi(APIView):
    permission_classes = [Allowed.to("workspace.use")]

    @extend_schema_serializer(component_name="SignedInSession")
    class Output(serializers.Serializer):
        id = serializers.IntegerField()
        device = serializers.CharField(help_text='e.g. "Firefox on Windows"')
        ip_address = serializers.IPAddressField(allow_null=True)
        user_agent = serializers.CharField()
        created_at = serializers.DateTimeField()
        last_seen_at = serializers.DateTimeField()

    @extend_schema(responses=Output(many=True), summary="My signed-in browser sessions")
    def get(self, request):
        sessions = signed_in_sessions(request.user)
        return Response(self.Output(sessions, many=True).data)


class SessionApi(APIView):
    permission_classes = [Allowed.to("workspace.use")]

    @extend_schema(
        responses={204: SIGNED_OUT, 404: OpenApiResponse(description="Not one of yours.")},
        summary="Sign one browser session out",
    )
    def delete(self, request, pk):
        session = get_object_or_404(signed_in_sessions(request.user), pk=pk)
        session_end(session=session, actor=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

"""Operator accounts over /api/v1/operator/operators (admins): list, add, change a role,
deactivate, reset two-factor. The same actions as the console's Operators page."""

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from operators import actions
from operators.access import OperatorCapability
from operators.models import Operator
from operators.roles import Capability, Role
from operators.selectors import operators_all
from operators.tokens import OPERATOR_AUTHENTICATION


class OperatorOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    role = serializers.ChoiceField(Role.choices)
    is_active = serializers.BooleanField(source="user.is_active")
    two_factor = serializers.BooleanField(
        help_text="Whether their authenticator is set up (they do it at their first sign-in)."
    )
    last_login = serializers.DateTimeField(source="user.last_login", allow_null=True)
    created_at = serializers.DateTimeField()


class _Admins(APIView):
    authentication_classes = OPERATOR_AUTHENTICATION
    permission_classes = [OperatorCapability]
    capability = Capability.OPERATORS

    @staticmethod
    def shown(operator: Operator) -> dict:
        return OperatorOutput(operators_all().get(pk=operator.pk)).data


class OperatorsApi(_Admins):
    class Input(serializers.Serializer):
        email = serializers.EmailField()
        full_name = serializers.CharField(max_length=150)
        role = serializers.ChoiceField(Role.choices)
        password = serializers.CharField(
            write_only=True, help_text="Their first password; they set up two-factor at sign-in."
        )

    @extend_schema(
        operation_id="operator_operators_list",
        tags=["operator"],
        responses=OperatorOutput(many=True),
        summary="List operators",
    )
    def get(self, request):
        return Response(OperatorOutput(operators_all(), many=True).data)

    @extend_schema(
        operation_id="operator_operators_create",
        tags=["operator"],
        request=Input,
        responses={201: OperatorOutput},
        summary="Add an operator",
    )
    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        operator = actions.operator_create(
            **data.validated_data, actor=request.user, request=request
        )
        return Response(self.shown(operator), status=status.HTTP_201_CREATED)


class OperatorRoleApi(_Admins):
    class Input(serializers.Serializer):
        role = serializers.ChoiceField(Role.choices)

    @extend_schema(
        operation_id="operator_operators_role",
        tags=["operator"],
        request=Input,
        responses=OperatorOutput,
        summary="Change an operator's role",
    )
    def post(self, request, operator_id: int):
        operator = get_object_or_404(Operator, pk=operator_id)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        actions.operator_role_change(
            operator=operator, role=data.validated_data["role"], actor=request.user, request=request
        )
        return Response(self.shown(operator))


class OperatorDeactivateApi(_Admins):
    @extend_schema(
        operation_id="operator_operators_deactivate",
        tags=["operator"],
        request=None,
        responses=OperatorOutput,
        summary="Deactivate an operator (signed out everywhere)",
    )
    def post(self, request, operator_id: int):
        operator = get_object_or_404(Operator, pk=operator_id)
        actions.operator_deactivate(operator=operator, actor=request.user, request=request)
        return Response(self.shown(operator))


class OperatorTwoFactorResetApi(_Admins):
    @extend_schema(
        operation_id="operator_operators_two_factor_reset",
        tags=["operator"],
        request=None,
        responses=OperatorOutput,
        summary="Reset an operator's two-factor (they set it up again at their next sign-in)",
    )
    def post(self, request, operator_id: int):
        operator = get_object_or_404(Operator, pk=operator_id)
        actions.operator_two_factor_reset(operator=operator, actor=request.user, request=request)
        return Response(self.shown(operator))


urlpatterns = [
    path("operators", OperatorsApi.as_view(), name="operator-api-operators"),
    path(
        "operators/<int:operator_id>/role",
        OperatorRoleApi.as_view(),
        name="operator-api-operator-role",
    ),
    path(
        "operators/<int:operator_id>/deactivate",
        OperatorDeactivateApi.as_view(),
        name="operator-api-operator-deactivate",
    ),
    path(
        "operators/<int:operator_id>/two-factor-reset",
        OperatorTwoFactorResetApi.as_view(),
        name="operator-api-operator-two-factor-reset",
    ),
]

"""The console's agencies over the API: the list (the pages' filters and sort), one agency
with its usage history, and the changes to its plan, trial and limits."""

from decimal import Decimal

from django.http import Http404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.actions import CREDIT_MOST, BillingRefused
from billing.plans import PLAN_CURRENCY
from billing.selectors import billing_state
from billing.stripe_api import StripeUnreachable
from operators import agencies_actions as actions
from operators.access import OperatorCapability
from operators.agencies import (
    ConsoleStatus,
    agencies_listed,
    agency_domains,
    agency_for_console,
    agency_operator_actions,
    usage_history,
)
from operators.agencies_forms import AgencyFilterForm
from operators.agencies_views import HISTORY_DAYS
from operators.roles import Capability
from shared_apps.core.pagination import PageNumberPagination


class OperatorApi(APIView):
    """An operator API view: the platform host's session (signed in with two-factor), and
    the view's capability. An agency's token is refused (401) by the default authenticators."""

    permission_classes = [OperatorCapability]
    capability = Capability.VIEW

    def agency(self, agency_id: int):
        agency = agency_for_console(agency_id)
        if agency is None:
            raise Http404("No agency has that id.")
        return agency


def _form_parameters() -> list[OpenApiParameter]:
    """The list's query parameters, documented from the pages' filter form (one definition)."""
    types = {
        "IntegerField": OpenApiTypes.INT,
        "DecimalField": OpenApiTypes.DECIMAL,
    }
    parameters = []
    for name, field in AgencyFilterForm.base_fields.items():
        choices = getattr(field, "choices", None)
        parameters.append(
            OpenApiParameter(
                name,
                types.get(type(field).__name__, OpenApiTypes.STR),
                description=str(field.label) + (f": {field.help_text}" if field.help_text else ""),
                enum=[value for value, _ in choices if value] if choices else None,
            )
        )
    return parameters  # and the pager's: page, page_size


class BillingOutput(serializers.Serializer):
    """billing.selectors.billing_state: what the agency's own billing page says."""

    enabled = serializers.BooleanField()
    plan = serializers.CharField(source="plan.key")
    plan_name = serializers.CharField(source="plan.name")
    status = serializers.CharField()
    status_label = serializers.CharField()
    access = serializers.CharField()
    trial_ends_at = serializers.DateTimeField(allow_null=True)
    current_period_end = serializers.DateTimeField(allow_null=True)
    cancel_at_period_end = serializers.BooleanField()
    next_invoice_at = serializers.DateTimeField(allow_null=True)
    seats = serializers.IntegerField(source="plan.seats", allow_null=True)
    client_companies = serializers.IntegerField(source="plan.client_companies", allow_null=True)
    storage_gb = serializers.IntegerField(source="plan.storage_gb", allow_null=True)
    custom_domain = serializers.BooleanField(source="plan.custom_domain")
    plan_set_by_platform = serializers.BooleanField()
    limits_set_by_platform = serializers.ListField(child=serializers.CharField())
    platform_set_at = serializers.DateTimeField(allow_null=True)


class AgenciesPagination(PageNumberPagination):
    page_size = 50
    max_page_size = 200


class AgenciesApi(OperatorApi):
    class Output(serializers.Serializer):
        id = serializers.IntegerField(source="pk")
        name = serializers.CharField()
        subdomain = serializers.CharField(allow_null=True)
        host = serializers.CharField(source="primary_domain", allow_null=True)
        status = serializers.ChoiceField(
            source="console_status", choices=ConsoleStatus.CHOICES, help_text="Console status"
        )
        plan = serializers.CharField(source="billing_plan")
        mrr = serializers.DecimalField(source="billing_mrr", max_digits=10, decimal_places=2)
        trial_ends_at = serializers.DateTimeField(source="billing_trial_ends_at", allow_null=True)
        owner_emails = serializers.CharField(source="owner_emails_text", allow_null=True)
        seats = serializers.IntegerField(source="usage_seats", allow_null=True)
        client_companies = serializers.IntegerField(
            source="usage_client_companies", allow_null=True
        )
        client_people = serializers.IntegerField(source="usage_client_people", allow_null=True)
        requests_last_30_days = serializers.IntegerField(
            source="usage_requests_last_30_days", allow_null=True
        )
        storage_bytes = serializers.IntegerField(source="usage_storage_bytes", allow_null=True)
        last_activity_at = serializers.DateTimeField(
            source="usage_last_activity_at", allow_null=True
        )
        has_custom_domain = serializers.BooleanField()
        usage_day = serializers.DateField(allow_null=True)
        created_at = serializers.DateTimeField()

    # Read by the OpenAPI schema too, which then describes the paged answer.
    pagination_class = AgenciesPagination

    @extend_schema(
        parameters=_form_parameters(),
        responses={200: Output(many=True)},
        summary="List agencies (filtered, sorted, paged)",
    )
    def get(self, request):
        form = AgencyFilterForm(request.query_params)
        if not form.is_valid():
            return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(agencies_listed(form.filters()), request, view=self)
        return paginator.get_paginated_response(self.Output(page, many=True).data)


class AgencyApi(OperatorApi):
    class Output(serializers.Serializer):
        class Contact(serializers.Serializer):
            name = serializers.CharField()
            email = serializers.EmailField()
            role = serializers.CharField()

        class Day(serializers.Serializer):
            day = serializers.DateField()
            seats = serializers.IntegerField()
            client_companies = serializers.IntegerField()
            client_people = serializers.IntegerField()
            storage_bytes = serializers.IntegerField()
            requests_total = serializers.IntegerField()
            requests_last_30_days = serializers.IntegerField()
            last_activity_at = serializers.DateTimeField(allow_null=True)
            failed_tasks = serializers.IntegerField()
            webhook_failures = serializers.IntegerField()
            bounced_emails = serializers.IntegerField(
                help_text="Emails bounced, rejected or complained of in the last 7 days."
            )

        class Domain(serializers.Serializer):
            name = serializers.CharField()
            kind = serializers.ChoiceField(choices=["routing", "custom"])
            primary = serializers.BooleanField()
            verification = serializers.CharField(allow_null=True)
            failure = serializers.CharField(allow_blank=True)
            tls = serializers.CharField()

        class Action(serializers.Serializer):
            occurred_at = serializers.DateTimeField()
            operator = serializers.CharField(source="operator_label")
            action = serializers.CharField()
            reason = serializers.CharField()
            changes = serializers.JSONField()

        id = serializers.IntegerField(source="pk")
        name = serializers.CharField()
        subdomain = serializers.CharField(allow_null=True)
        status = serializers.ChoiceField(choices=ConsoleStatus.CHOICES)
        created_at = serializers.DateTimeField()
        billing = BillingOutput()
        mrr = serializers.DecimalField(max_digits=10, decimal_places=2)
        owner_emails = serializers.ListField(child=serializers.EmailField())
        contacts = Contact(many=True)
        usage_history = Day(many=True, help_text="The last 90 days, oldest first.")
        domains = Domain(many=True)
        operator_actions = Action(many=True, help_text="The 20 latest, newest first.")

    @extend_schema(responses={200: Output}, summary="One agency, with 90 days of usage")
    def get(self, request, agency_id: int):
        agency = self.agency(agency_id)
        return Response(self.Output(agency_detail(agency)).data)


def agency_detail(agency) -> dict:
    subscription = getattr(agency, "subscription", None)
    history = usage_history(agency, days=HISTORY_DAYS)
    domains = agency_domains(agency)
    return {
        "pk": agency.pk,
        "name": agency.name,
        "subdomain": agency.subdomain,
        "status": agency.console_status,
        "created_at": agency.created_at,
        "billing": billing_state(agency),
        "mrr": agency.billing_mrr,
        "owner_emails": subscription.owner_emails if subscription else [],
        "contacts": history[-1].contacts if history else [],
        "usage_history": history,
        "domains": [
            {
                "name": domain.domain,
                "kind": "routing",
                "primary": domain.is_primary,
                "verification": None,
                "failure": "",
                "tls": "on demand",
            }
            for domain in domains["routing"]
        ]
        + [
            {
                "name": claim.name,
                "kind": "custom",
                "primary": False,
                "verification": claim.status,
                "failure": claim.failure,
                "tls": "on demand" if claim.status == "verified" else "none until verified",
            }
            for claim in domains["custom"]
        ],
        "operator_actions": agency_operator_actions(agency),
    }


class _Change(OperatorApi):
    capability = Capability.BILLING

    def answer(self, agency_id: int):
        """The agency's billing afterwards, as its own billing page shows it."""
        agency = self.agency(agency_id)
        return Response(BillingOutput(billing_state(agency)).data)


REFUSED = OpenApiResponse(description="Billing is off here, or the agency is not in its trial.")


def _refused(refused: BillingRefused) -> Response:
    return Response(
        {"detail": refused.message, "code": refused.reason}, status=status.HTTP_409_CONFLICT
    )


class AgencyPlanApi(_Change):
    class Input(serializers.Serializer):
        plan = serializers.CharField(
            allow_blank=True,
            max_length=20,
            help_text="A plan key; empty to go back to what the subscription says.",
        )
        reason = serializers.CharField(max_length=1000, help_text="Kept in the operator log.")

    @extend_schema(
        request=Input,
        responses={200: BillingOutput, 409: REFUSED},
        summary="Override an agency's plan",
    )
    def post(self, request, agency_id: int):
        agency = self.agency(agency_id)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            actions.agency_plan_override(
                operator=request.user, agency=agency, **data.validated_data, request=request
            )
        except BillingRefused as refused:
            return _refused(refused)
        return self.answer(agency_id)


class AgencyTrialApi(_Change):
    class Input(serializers.Serializer):
        days = serializers.IntegerField(min_value=1, max_value=90)
        reason = serializers.CharField(max_length=1000, help_text="Kept in the operator log.")

    @extend_schema(
        request=Input,
        responses={200: BillingOutput, 409: REFUSED},
        summary="Extend an agency's running trial",
    )
    def post(self, request, agency_id: int):
        agency = self.agency(agency_id)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            actions.agency_trial_extend(
                operator=request.user, agency=agency, **data.validated_data, request=request
            )
        except BillingRefused as refused:
            return _refused(refused)
        return self.answer(agency_id)


class AgencyLimitsApi(_Change):
    class Input(serializers.Serializer):
        class Limits(serializers.Serializer):
            seats = serializers.IntegerField(min_value=0, allow_null=True, required=False)
            client_companies = serializers.IntegerField(
                min_value=0, allow_null=True, required=False
            )
            storage_gb = serializers.IntegerField(min_value=0, allow_null=True, required=False)
            custom_domain = serializers.BooleanField(required=False)

        limits = Limits(
            help_text="The agency's own limits, replacing earlier ones: a key left out takes "
            "the plan's, null means no limit; {} clears them all."
        )
        reason = serializers.CharField(max_length=1000, help_text="Kept in the operator log.")

    @extend_schema(
        request=Input,
        responses={200: BillingOutput, 409: REFUSED},
        summary="Set an agency's own limits",
    )
    def post(self, request, agency_id: int):
        agency = self.agency(agency_id)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            actions.agency_limits_set(
                operator=request.user,
                agency=agency,
                limits=dict(data.validated_data["limits"]),
                reason=data.validated_data["reason"],
                request=request,
            )
        except BillingRefused as refused:
            return _refused(refused)
        return self.answer(agency_id)


class AgencyCreditApi(_Change):
    class Input(serializers.Serializer):
        amount = serializers.DecimalField(
            max_digits=10,
            decimal_places=2,
            min_value=Decimal("0.01"),
            max_value=CREDIT_MOST,
            help_text=f"In {PLAN_CURRENCY}; Stripe takes it off the agency's next invoices.",
        )
        reason = serializers.CharField(max_length=1000, help_text="Kept in the operator log.")
        idempotency_key = serializers.UUIDField(
            help_text="A new UUID per credit: sent again, the same credit is granted once."
        )

    class Output(serializers.Serializer):
        id = serializers.IntegerField()
        amount = serializers.DecimalField(max_digits=10, decimal_places=2)
        currency = serializers.CharField()
        reason = serializers.CharField()
        granted_by = serializers.EmailField()
        stripe_balance_transaction_id = serializers.CharField()
        created_at = serializers.DateTimeField()

    @extend_schema(
        request=Input,
        responses={
            201: Output,
            409: REFUSED,
            503: OpenApiResponse(description="Stripe did not take it; nothing was credited."),
        },
        summary="Credit an agency's subscription",
    )
    def post(self, request, agency_id: int):
        agency = self.agency(agency_id)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            credit = actions.agency_credit_grant(
                operator=request.user,
                agency=agency,
                amount=data.validated_data["amount"],
                reason=data.validated_data["reason"],
                idempotency_key=str(data.validated_data["idempotency_key"]),
                request=request,
            )
        except BillingRefused as refused:
            return _refused(refused)
        except StripeUnreachable:
            body = {"detail": "Stripe did not take it; nothing was credited.", "code": "stripe"}
            return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(self.Output(credit).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("agencies", AgenciesApi.as_view(), name="api-operator-agencies"),
    path("agencies/<int:agency_id>", AgencyApi.as_view(), name="api-operator-agency"),
    path("agencies/<int:agency_id>/plan", AgencyPlanApi.as_view(), name="api-operator-agency-plan"),
    path(
        "agencies/<int:agency_id>/trial", AgencyTrialApi.as_view(), name="api-operator-agency-trial"
    ),
    path(
        "agencies/<int:agency_id>/limits",
        AgencyLimitsApi.as_view(),
        name="api-operator-agency-limits",
    ),
    path(
        "agencies/<int:agency_id>/credit",
        AgencyCreditApi.as_view(),
        name="api-operator-agency-credit",
    ),
]

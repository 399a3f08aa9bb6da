"""Billing over /api/v1/billing: the plan with usage, and sessions for Checkout and the
Customer Portal. The owner's alone, like the page."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import stripe_api
from billing.actions import BillingRefused
from billing.plans import all_plans
from billing.selectors import billing_state
from operators.suspension import (
    REASON_MAX_LENGTH,
    agency_deletion_cancel,
    agency_deletion_schedule,
)
from tenant_apps.kit.access import Allowed, actor_for
from tenant_apps.subscription import actions
from tenant_apps.subscription.forms import confirmed_subdomain
from tenant_apps.subscription.selectors import usage_of
from tenant_apps.subscription.views import (
    STRIPE_UNREACHABLE,
    billing_page_url,
    checkout_return_urls,
)


class PlanOutput(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    monthly_price = serializers.CharField(help_text="In US dollars.")
    seats = serializers.IntegerField(allow_null=True, help_text="Null: no limit.")
    client_companies = serializers.IntegerField(allow_null=True, help_text="Null: no limit.")
    storage_bytes = serializers.IntegerField(allow_null=True, help_text="Null: no limit.")
    custom_domain = serializers.BooleanField()


class SessionOutput(serializers.Serializer):
    url = serializers.URLField(help_text="Send the owner's browser here.")


REFUSED = {
    409: OpenApiResponse(description="Billing is off here, or a subscription already runs."),
    502: OpenApiResponse(description="Stripe could not be reached; nothing changed."),
}


def _stripe_session(start) -> Response:
    """201 with the Stripe page ``start()`` made, or why not."""
    try:
        url = start()
    except BillingRefused as refused:
        return Response(
            {"detail": refused.message, "code": refused.reason}, status=status.HTTP_409_CONFLICT
        )
    except DjangoValidationError as invalid:
        raise serializers.ValidationError(invalid.message_dict) from invalid
    except stripe_api.StripeUnreachable:
        return Response(
            {"detail": STRIPE_UNREACHABLE, "code": "stripe_unreachable"},
            status=status.HTTP_502_BAD_GATEWAY,
        )
    return Response(SessionOutput({"url": url}).data, status=status.HTTP_201_CREATED)


class BillingApi(APIView):
    permission_classes = [Allowed.to("billing.manage")]

    class Output(serializers.Serializer):
        class Usage(serializers.Serializer):
            seats = serializers.IntegerField(help_text="Team members and pending invitations.")
            client_companies = serializers.IntegerField()
            storage_bytes = serializers.IntegerField()
            custom_domains = serializers.IntegerField()

        enabled = serializers.BooleanField(help_text="False: billing is off, top plan for all.")
        plan = PlanOutput()
        status = serializers.CharField(help_text='Stripe\'s status, "trial" or "off".')
        access = serializers.ChoiceField(["full", "trial", "grace", "read_only"])
        trial_ends_at = serializers.DateTimeField(allow_null=True)
        next_invoice_at = serializers.DateTimeField(allow_null=True)
        cancel_at_period_end = serializers.BooleanField()
        usage = Usage()
        plans = PlanOutput(many=True)

    @extend_schema(responses=Output, summary="The plan, its limits and what is in use")
    def get(self, request):
        state = billing_state(request.tenant)
        data = {
            "enabled": state.enabled,
            "plan": state.plan,
            "status": state.status,
            "access": state.access,
            "trial_ends_at": state.trial_ends_at if state.in_trial else None,
            "next_invoice_at": state.next_invoice_at,
            "cancel_at_period_end": state.cancel_at_period_end,
            "usage": usage_of(request.tenant),
            "plans": all_plans(),
        }
        return Response(self.Output(data).data)


class CheckoutSessionApi(APIView):
    permission_classes = [Allowed.to("billing.manage")]

    class Input(serializers.Serializer):
        plan = serializers.ChoiceField(choices=())

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["plan"].choices = [plan.key for plan in all_plans()]

    @extend_schema(
        request=Input,
        responses={201: SessionOutput, **REFUSED},
        summary="Start a Stripe Checkout for a plan",
        description="A subscription-mode Checkout Session; Stripe returns the owner to the "
        "billing page.",
    )
    def post(self, request):
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        return _stripe_session(
            lambda: actions.checkout_start(
                agency=request.tenant,
                plan_key=form.validated_data["plan"],
                actor=actor_for(request).user,
                request=request,
                **checkout_return_urls(request),
            )
        )


class PortalSessionApi(APIView):
    permission_classes = [Allowed.to("billing.manage")]

    @extend_schema(
        request=None,
        responses={201: SessionOutput, **REFUSED},
        summary="Open the Stripe Customer Portal",
        description="Cards, plan changes, cancellation and invoices.",
    )
    def post(self, request):
        return _stripe_session(
            lambda: actions.portal_open(
                agency=request.tenant,
                actor=actor_for(request).user,
                return_url=billing_page_url(request),
                request=request,
            )
        )


class ClosureApi(APIView):
    """The owner closes the agency (deleted after AGENCY_DELETION_GRACE_DAYS), or keeps it."""

    permission_classes = [Allowed.to("billing.manage")]

    class Input(serializers.Serializer):
        confirm = serializers.CharField(help_text="The workspace's subdomain, typed to confirm.")
        reason = serializers.CharField(
            max_length=REASON_MAX_LENGTH, help_text="Why; read by the platform team."
        )

        def validate_confirm(self, value):
            try:
                return confirmed_subdomain(self.context["agency"], value)
            except DjangoValidationError as wrong:
                raise serializers.ValidationError(wrong.messages) from wrong

    class Output(serializers.Serializer):
        closing = serializers.BooleanField(help_text="A deletion is scheduled.")
        deletion_due_at = serializers.DateTimeField(allow_null=True)
        requested_by = serializers.ChoiceField(
            ["owner", "operator", ""], help_text='"" when nothing is scheduled.'
        )
        grace_days = serializers.IntegerField()
        export_url = serializers.CharField(help_text="The page with the agency's full export.")

    def _state(self, request, agency, status_code=status.HTTP_200_OK) -> Response:
        data = {
            "closing": agency.is_deletion_scheduled,
            "deletion_due_at": agency.deletion_due_at,
            "requested_by": agency.deletion_requested_by,
            "grace_days": settings.AGENCY_DELETION_GRACE_DAYS,
            "export_url": request.build_absolute_uri(reverse("agency_archive:export")),
        }
        return Response(self.Output(data).data, status=status_code)

    @extend_schema(responses=Output, summary="Whether the workspace is closing, and when")
    def get(self, request):
        return self._state(request, request.tenant)

    @extend_schema(
        request=Input,
        responses={
            201: Output,
            409: OpenApiResponse(description="A deletion is already scheduled."),
        },
        summary="Close the workspace",
        description="Schedules its deletion after the grace period; every page shows the "
        "date and the owners are emailed. Export first (export_url).",
    )
    def post(self, request):
        agency = request.tenant
        form = self.Input(data=request.data, context={"agency": agency})
        form.is_valid(raise_exception=True)
        try:
            agency = agency_deletion_schedule(
                agency=agency,
                owner=request.user,
                reason=form.validated_data["reason"],
                request=request,
            )
        except DjangoValidationError as refused:
            return _conflict(refused, "already_scheduled")
        return self._state(request, agency, status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={
            200: Output,
            403: OpenApiResponse(description="The platform scheduled it: write to support."),
            409: OpenApiResponse(description="Nothing is scheduled, or it is under way."),
        },
        summary="Keep the workspace",
        description="Cancels a deletion the owner asked for, before its date.",
    )
    def delete(self, request):
        try:
            agency = agency_deletion_cancel(
                agency=request.tenant,
                owner=request.user,
                reason="Cancelled by the owner",
                request=request,
            )
        except PermissionDenied as refused:
            return Response(
                {"detail": str(refused), "code": "platform_deletion"},
                status=status.HTTP_403_FORBIDDEN,
            )
        except DjangoValidationError as refused:
            return _conflict(refused, "not_cancellable")
        return self._state(request, agency)


def _conflict(refused: DjangoValidationError, code: str) -> Response:
    return Response(
        {"detail": " ".join(refused.messages), "code": code}, status=status.HTTP_409_CONFLICT
    )

"""Payments over /api/v1/: the agency's Stripe account and payment settings (owners and
admins), an invoice's payments and amount due, a client's Checkout Session, and receipts.

An invoice or payment the caller may not see is a 404; an amount over the due, or a part
payment where the agency takes none, is a 400 on "amount" that changes nothing.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import stripe_api
from billing.connect import ConnectRefused
from shared_apps.core.text import JSONParser
from tenant_apps.invoices.currencies import currency_get, money_round
from tenant_apps.invoices.selectors import visible_invoices
from tenant_apps.kit.access import Allowed, actor_for, require
from tenant_apps.payments import actions
from tenant_apps.payments.models import Method, PaymentStatus
from tenant_apps.payments.selectors import (
    account_state,
    amount_due,
    amount_payable,
    application_fee_percent,
    invoice_payments,
    payment_settings,
    visible_payments,
)
from tenant_apps.payments.views import (
    STRIPE_UNREACHABLE,
    onboarding_urls,
    receipt_response,
    return_urls,
)


@extend_schema_field({"type": "string", "format": "decimal", "example": "1250.00"})
class Money(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        amount, currency = value
        found = currency_get(currency)
        return str(money_round(amount, found) if found else amount)


REFUSED = {
    409: OpenApiResponse(description="Paying online is not possible now (see detail, code)."),
    502: OpenApiResponse(description="Stripe could not be reached; nothing changed."),
}


def _refused(detail: str, code: str) -> Response:
    return Response({"detail": detail, "code": code}, status=status.HTTP_409_CONFLICT)


def _unreachable() -> Response:
    return Response(
        {"detail": STRIPE_UNREACHABLE, "code": "stripe_unreachable"},
        status=status.HTTP_502_BAD_GATEWAY,
    )


class AccountOutput(serializers.Serializer):
    state = serializers.ChoiceField(["off", "not_connected", "pending", "enabled", "restricted"])
    label = serializers.CharField()
    reason = serializers.CharField(help_text="Stripe's reason in words, when not enabled.")
    stripe_account_id = serializers.CharField(
        source="account.stripe_account_id", default=None, allow_null=True
    )
    synced_at = serializers.DateTimeField(source="account.synced_at", default=None, allow_null=True)


class PaymentSettingsApi(APIView):
    permission_classes = [Allowed.to("payments.manage")]
    parser_classes = [JSONParser]

    class Output(serializers.Serializer):
        account = AccountOutput()
        methods = serializers.ListField(child=serializers.ChoiceField(Method.choices))
        allow_partial = serializers.BooleanField()
        application_fee_percent = serializers.DecimalField(max_digits=5, decimal_places=2)

    class Input(serializers.Serializer):
        methods = serializers.ListField(
            child=serializers.ChoiceField(Method.choices), allow_empty=False
        )
        allow_partial = serializers.BooleanField()

    def _data(self):
        current = payment_settings()
        return self.Output(
            {
                "account": account_state(),
                "methods": current.methods,
                "allow_partial": current.allow_partial,
                "application_fee_percent": application_fee_percent(),
            }
        ).data

    @extend_schema(responses=Output, summary="The Stripe account's state and payment settings")
    def get(self, request):
        return Response(self._data())

    @extend_schema(request=Input, responses=Output, summary="Change the payment settings")
    def put(self, request):
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            actions.payment_settings_update(
                actor=actor_for(request).user, request=request, **form.validated_data
            )
        except DjangoValidationError as invalid:
            raise serializers.ValidationError(invalid.message_dict) from invalid
        return Response(self._data())


class OnboardingOutput(serializers.Serializer):
    url = serializers.URLField(help_text="Send the browser here.")


class ConnectApi(APIView):
    permission_classes = [Allowed.to("payments.manage")]

    @extend_schema(
        request=None,
        responses={201: OnboardingOutput, **REFUSED},
        summary="Connect the agency's Stripe account (an Account Link for onboarding)",
    )
    def post(self, request):
        try:
            url = actions.connect_start(
                actor=actor_for(request).user, request=request, **onboarding_urls(request)
            )
        except ConnectRefused as refused:
            return _refused(refused.message, refused.reason)
        except stripe_api.StripeUnreachable:
            return _unreachable()
        return Response(OnboardingOutput({"url": url}).data, status=status.HTTP_201_CREATED)


class AccountRefreshApi(APIView):
    permission_classes = [Allowed.to("payments.manage")]

    @extend_schema(
        request=None,
        responses={200: AccountOutput, 502: REFUSED[502]},
        summary="Read the Stripe account's state again from Stripe",
    )
    def post(self, request):
        try:
            actions.account_refresh()
        except stripe_api.StripeUnreachable:
            return _unreachable()
        return Response(AccountOutput(account_state()).data)


class PaymentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    invoice = serializers.IntegerField(source="invoice_id")
    amount = serializers.SerializerMethodField()
    amount_refunded = serializers.SerializerMethodField()
    currency = serializers.CharField()
    status = serializers.ChoiceField(PaymentStatus.choices)
    failure_message = serializers.CharField()
    created_at = serializers.DateTimeField()
    succeeded_at = serializers.DateTimeField(allow_null=True)
    has_receipt = serializers.BooleanField()

    @extend_schema_field({"type": "string", "format": "decimal"})
    def get_amount(self, payment):
        return Money().to_representation((payment.amount, payment.currency))

    @extend_schema_field({"type": "string", "format": "decimal"})
    def get_amount_refunded(self, payment):
        return Money().to_representation((payment.amount_refunded, payment.currency))


class OnePayableInvoice(APIView):
    # The invoice under /invoices/{id}, if the caller can see it, else a 404.
    permission_classes = [Allowed.to("workspace.use")]

    def invoice(self):
        actor = actor_for(self.request)
        invoice = get_object_or_404(visible_invoices(actor), pk=self.kwargs["invoice_id"])
        require(actor, "invoice.view", invoice, request=self.request)
        return actor, invoice


class InvoicePaymentsApi(OnePayableInvoice):
    class Output(serializers.Serializer):
        currency = serializers.CharField()
        total = serializers.CharField()
        amount_due = serializers.CharField(help_text="The total less payments received.")
        amount_payable = serializers.CharField(help_text="Due less payments still clearing.")
        online = serializers.BooleanField(help_text="Whether the client may pay online now.")
        payments = PaymentOutput(many=True)

    @extend_schema(responses=Output, summary="An invoice's online payments and amount due")
    def get(self, request, invoice_id):
        actor, invoice = self.invoice()
        money = Money()
        return Response(
            self.Output(
                {
                    "currency": invoice.currency,
                    "total": money.to_representation((invoice.total, invoice.currency)),
                    "amount_due": money.to_representation((amount_due(invoice), invoice.currency)),
                    "amount_payable": money.to_representation(
                        (amount_payable(invoice), invoice.currency)
                    ),
                    "online": account_state().enabled and invoice.is_payable,
                    "payments": invoice_payments(actor, invoice),
                }
            ).data
        )


class InvoiceCheckoutSessionApi(OnePayableInvoice):
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        amount = serializers.CharField(
            required=False,
            allow_blank=True,
            help_text="Decimal string; omitted, all that is due. A part only where allowed.",
        )

    class Output(serializers.Serializer):
        url = serializers.URLField(help_text="Stripe Checkout: send the client's browser here.")
        payment = PaymentOutput()

    @extend_schema(
        request=Input,
        responses={201: Output, 400: OpenApiResponse(description="Bad amount."), **REFUSED},
        summary="Pay an invoice: a Stripe Checkout Session on the agency's account",
    )
    def post(self, request, invoice_id):
        actor, invoice = self.invoice()
        require(actor, "invoice.pay", invoice, request=request)
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            payment, url = actions.payment_checkout_start(
                invoice=invoice,
                amount=form.validated_data.get("amount"),
                actor=actor.user,
                request=request,
                **return_urls(request, invoice),
            )
        except DjangoValidationError as invalid:
            raise serializers.ValidationError(invalid.message_dict) from invalid
        except actions.PaymentRefused as refused:
            return _refused(refused.message, refused.reason)
        except stripe_api.StripeUnreachable:
            return _unreachable()
        data = self.Output({"url": url, "payment": payment}).data
        return Response(data, status=status.HTTP_201_CREATED)


class ReceiptApi(APIView):
    permission_classes = [Allowed.to("workspace.use")]

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such payment received, or not the caller's."),
        },
        summary="Download a payment's receipt (PDF)",
    )
    def get(self, request, payment_id):
        actor = actor_for(request)
        payment = get_object_or_404(visible_payments(actor), pk=payment_id)
        require(actor, "invoice.view", payment.invoice, request=request)
        return receipt_response(payment)


class RefundApi(APIView):
    permission_classes = [Allowed.to("workspace.use")]
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        amount = serializers.CharField(
            required=False,
            allow_blank=True,
            help_text="Decimal string; omitted, all of the payment not refunded yet.",
        )

    class Output(serializers.Serializer):
        amount = serializers.CharField(help_text="The amount Stripe was asked to refund.")
        detail = serializers.CharField()

    @extend_schema(
        request=Input,
        responses={202: Output, 400: OpenApiResponse(description="Bad amount."), **REFUSED},
        summary="Refund (part of) a payment through Stripe",
        description="The payment shows the refund once Stripe's charge.refunded event arrives.",
    )
    def post(self, request, payment_id):
        actor = actor_for(request)
        payment = get_object_or_404(visible_payments(actor), pk=payment_id)
        require(actor, "invoice.view", payment.invoice, request=request)
        require(actor, "payment.refund", payment, request=request)
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            asked = actions.payment_refund(
                payment=payment,
                amount=form.validated_data.get("amount"),
                actor=actor.user,
                request=request,
            )
        except DjangoValidationError as invalid:
            raise serializers.ValidationError(invalid.message_dict) from invalid
        except actions.PaymentRefused as refused:
            return _refused(refused.message, refused.reason)
        except stripe_api.StripeUnreachable:
            return _unreachable()
        data = {
            "amount": Money().to_representation((asked, payment.currency)),
            "detail": "Refund asked for: it shows once Stripe confirms it.",
        }
        return Response(self.Output(data).data, status=status.HTTP_202_ACCEPTED)

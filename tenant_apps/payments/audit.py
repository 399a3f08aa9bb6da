"""The codes payments writes to the activity log, with their words and links."""

from enum import nonmember

from tenant_apps.activity.events import AuditEvent, Field, Item, link_items

STATUS = "tenant_apps.payments.models.PaymentStatus"


class PaymentAudit(AuditEvent):
    PAYMENT_STARTED = (
        "payment.started",
        "Online payment started",
        "{actor} started {object} online",
    )
    PAYMENT_PROCESSING = (
        "payment.processing",
        "Payment processing",
        "Stripe is processing {object}",
    )
    PAYMENT_SUCCEEDED = "payment.succeeded", "Payment received", "{actor} made {object}"
    PAYMENT_FAILED = (
        "payment.failed",
        "Payment failed",
        "{actor} tried {object}, which failed",
    )
    PAYMENT_REFUND_ASKED = (
        "payment.refund_asked",
        "Refund asked for",
        "{actor} asked Stripe to refund {object}",
    )
    PAYMENT_REFUNDED = "payment.refunded", "Payment refunded", "Stripe refunded {object}"
    PAYMENTS_CONNECT_STARTED = (
        "payments.connect_started",
        "Stripe onboarding opened",
        "{actor} opened Stripe onboarding",
    )
    PAYMENTS_ACCOUNT_CHANGED = (
        "payments.account_changed",
        "Stripe account changed",
        "Stripe changed {object}",
    )
    PAYMENTS_SETTINGS_CHANGED = (
        "payments.settings_changed",
        "Payment settings changed",
        "{actor} changed the payment settings",
    )

    fields = nonmember(
        {
            "status": Field("Status", STATUS),
            "invoice": Field("Invoice"),
            "amount": Field("Amount"),
            "refunded": Field("Refunded"),
            "reason": Field("Reason"),
            "overpaid": Field("Paid beyond what was due"),
            "methods": Field("Methods", clients=False),
            "allow_partial": Field("Part payments", clients=False),
            "charges_enabled": Field("Charges enabled", clients=False),
            "payouts_enabled": Field("Payouts enabled", clients=False),
            "details_submitted": Field("Details submitted", clients=False),
            "disabled_reason": Field("Stripe's reason", clients=False),
            "default_currency": Field("Default currency", clients=False),
        }
    )


link_items(
    Item("payments.payment", "payments:detail", "tenant_apps.payments.selectors.visible_payments"),
)

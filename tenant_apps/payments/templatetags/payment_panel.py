"""The invoice page's Payments card: what was paid online, what is due, and the Pay button."""

from decimal import Decimal

from django import template

from tenant_apps.kit.access import can
from tenant_apps.payments.forms import PayForm
from tenant_apps.payments.models import COUNTED, PaymentStatus
from tenant_apps.payments.selectors import (
    account_state,
    amount_due,
    amount_payable,
    invoice_payments,
    payment_history,
    payment_settings,
)

register = template.Library()


@register.inclusion_tag("payments/panel.html", takes_context=True)
def payment_panel(context, invoice):
    actor = context["actor"]
    may_pay = can(actor, "invoice.pay", invoice) and invoice.is_payable
    manages = can(actor, "invoice.manage", invoice)
    payments = invoice_payments(actor, invoice)
    state = account_state()
    offered = state.state in ("enabled", "pending", "restricted")
    counted = [payment for payment in payments if payment.status in COUNTED]
    return {
        # Where the agency takes payments online: its clients get the button, or (its account
        # held up at Stripe) why not; the team hears why not. Elsewhere, only past payments.
        "show": bool(payments)
        or (offered and (may_pay or (manages and invoice.is_payable and not state.enabled))),
        "invoice": invoice,
        "payments": payments,
        "history": payment_history(actor, payments) if payments else [],
        "counted": counted,
        "paid": sum((payment.amount for payment in counted), Decimal(0)),
        "refunded": sum((payment.amount_refunded for payment in counted), Decimal(0)),
        "due": amount_due(invoice),
        "payable": amount_payable(invoice) if may_pay else Decimal(0),
        "processing": any(p.status == PaymentStatus.PROCESSING for p in payments),
        "may_pay": may_pay,
        "manages": manages,
        "may_refund": can(actor, "payment.refund"),
        "state": state,
        "form": PayForm(),
        "partial": payment_settings().allow_partial,
        "csrf_token": context.get("csrf_token"),
    }

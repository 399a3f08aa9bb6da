"""Payment pages: the owner's and admins' settings (Stripe account and methods), and the
client's Pay button with its return from Stripe, a payment's receipt."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from billing import stripe_api
from billing.connect import ConnectRefused
from billing.plans import all_plans
from shared_apps.core.formatting import format_money
from tenant_apps.invoices.selectors import visible_invoices
from tenant_apps.kit.access import actor_for, permission_required, require
from tenant_apps.payments import actions
from tenant_apps.payments.forms import PayForm, PaymentSettingsForm, RefundForm
from tenant_apps.payments.models import Payment
from tenant_apps.payments.selectors import (
    account_state,
    amount_payable,
    application_fee_percent,
    payment_settings,
    visible_payments,
)

STRIPE_UNREACHABLE = "Stripe could not be reached just now. Nothing was changed; try again."


def settings_url(request, query: str = "") -> str:
    return request.build_absolute_uri(reverse("payments:settings")) + query


def onboarding_urls(request) -> dict:
    return {
        "refresh_url": settings_url(request, "?onboarding=expired"),
        "return_url": request.build_absolute_uri(reverse("payments:onboarding_return")),
    }


@permission_required("payments.manage")
def payment_settings_page(request):
    actor = actor_for(request)
    current = payment_settings()
    form = PaymentSettingsForm(
        request.POST if request.method == "POST" else None,
        initial={"methods": current.methods, "allow_partial": current.allow_partial},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.payment_settings_update(
                    methods=form.cleaned_data["methods"],
                    allow_partial=form.cleaned_data["allow_partial"],
                    actor=actor.user,
                    request=request,
                )
            except ValidationError as refused:
                for field, errors in refused.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, "Payment settings saved.")
                return redirect("payments:settings")
        status = 400
    if request.GET.get("onboarding") == "expired":
        messages.info(request, "The Stripe link expired. Continue onboarding to get a new one.")
    context = {
        "state": account_state(),
        "form": form,
        "fee": application_fee_percent(),
        "plans": all_plans(),
    }
    return render(request, "payments/settings.html", context, status=status)


@require_POST
@permission_required("payments.manage")
def connect(request):
    try:
        url = actions.connect_start(
            actor=actor_for(request).user, request=request, **onboarding_urls(request)
        )
    except ConnectRefused as refused:
        messages.error(request, refused.message)
    except stripe_api.StripeUnreachable:
        messages.error(request, STRIPE_UNREACHABLE)
    else:
        return redirect(url)
    return redirect("payments:settings")


def _refreshed(request) -> None:
    try:
        actions.account_refresh()
    except stripe_api.StripeUnreachable:
        messages.error(request, STRIPE_UNREACHABLE)
        return
    state = account_state()
    words = f"Stripe account: {state.label.lower()}."
    messages.success(request, f"{words} {state.reason}".strip())


@permission_required("payments.manage")
def onboarding_return(request):
    """Stripe sends the owner back here after onboarding: read the account again."""
    _refreshed(request)
    return redirect("payments:settings")


@require_POST
@permission_required("payments.manage")
def refresh(request):
    _refreshed(request)
    return redirect("payments:settings")


# The client's side


def _payable_invoice(request, invoice_id):
    actor = actor_for(request)
    invoice = get_object_or_404(visible_invoices(actor), pk=invoice_id)
    require(actor, "invoice.view", invoice, request=request)
    require(actor, "invoice.pay", invoice, request=request)
    return actor, invoice


def return_urls(request, invoice) -> dict:
    back = request.build_absolute_uri(reverse("payments:return", args=[invoice.pk]))
    return {
        "success_url": back + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": back + "?cancelled=1",
    }


@permission_required("workspace.use")
def pay(request, invoice_id):
    """The amount to pay (when part payments are allowed) and off to Stripe's Checkout."""
    actor, invoice = _payable_invoice(request, invoice_id)
    form = PayForm(request.POST if request.method == "POST" else None)
    refusal = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            _, url = actions.payment_checkout_start(
                invoice=invoice,
                amount=form.cleaned_data["amount"],
                actor=actor.user,
                request=request,
                **return_urls(request, invoice),
            )
        except ValidationError as refused:
            for field, errors in refused.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except actions.PaymentRefused as refused:
            refusal = refused.message
        except stripe_api.StripeUnreachable:
            refusal = STRIPE_UNREACHABLE
        else:
            return redirect(url)
        status = 400
    context = {
        "invoice": invoice,
        "form": form,
        "refusal": refusal,
        "state": account_state(),
        "payable": amount_payable(invoice),
        "partial": payment_settings().allow_partial,
    }
    return render(request, "payments/pay.html", context, status=status)


@permission_required("workspace.use")
def pay_return(request, invoice_id):
    """Back from Checkout: say what Stripe reports; the webhook's event changes the invoice."""
    _, invoice = _payable_invoice(request, invoice_id)
    if request.GET.get("cancelled"):
        messages.info(request, "Payment cancelled; nothing was charged.")
        return redirect("invoices:detail", invoice.pk)
    session_id = request.GET.get("session_id", "")
    if not session_id:
        return redirect("invoices:detail", invoice.pk)
    # Still open to Stripe until its event arrives: the client's own checkout.
    payment = Payment.objects.filter(invoice=invoice, stripe_checkout_session_id=session_id).first()
    if payment is None:
        raise Http404("No such payment.")
    try:
        reported = actions.payment_return_status(payment=payment)
    except stripe_api.StripeUnreachable:
        reported = "processing"
    words = {
        "paid": "Paid: thank you. Your receipt is below.",
        "processing": "Payment processing: we will show it as paid once Stripe confirms it.",
        "open": "The payment was not finished; nothing was charged.",
    }
    messages.info(request, words[reported])
    return redirect("invoices:detail", invoice.pk)


def _visible_payment(request, payment_id):
    actor = actor_for(request)
    payment = get_object_or_404(visible_payments(actor), pk=payment_id)
    require(actor, "invoice.view", payment.invoice, request=request)
    return actor, payment


@permission_required("workspace.use")
def payment_detail(request, payment_id):
    """A payment is shown on its invoice's page (where the activity log links to)."""
    _, payment = _visible_payment(request, payment_id)
    return redirect(reverse("invoices:detail", args=[payment.invoice_id]) + "#payments")


@require_POST
@permission_required("workspace.use")
def refund(request, payment_id):
    """The team gives (part of) a payment back; it shows once Stripe's event confirms it."""
    actor, payment = _visible_payment(request, payment_id)
    require(actor, "payment.refund", payment, request=request)
    form = RefundForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        asked = actions.payment_refund(
            payment=payment,
            amount=form.cleaned_data["amount"],
            actor=actor.user,
            request=request,
        )
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect(reverse("invoices:detail", args=[payment.invoice_id]) + "#payments")
    except actions.PaymentRefused as refused:
        messages.error(request, refused.message)
    except stripe_api.StripeUnreachable:
        messages.error(request, STRIPE_UNREACHABLE)
    else:
        money = format_money(asked, payment.currency)
        messages.success(request, f"Refund of {money} asked for: it shows once Stripe confirms it.")
    return redirect(reverse("invoices:detail", args=[payment.invoice_id]) + "#payments")


@permission_required("workspace.use")
def receipt(request, payment_id):
    _, payment = _visible_payment(request, payment_id)
    return receipt_response(payment)


def receipt_response(payment) -> HttpResponse:
    if not payment.has_receipt:
        raise Http404("Only a payment received has a receipt.")
    from tenant_apps.payments.receipt import receipt_pdf

    response = HttpResponse(receipt_pdf(payment), content_type="application/pdf")
    name = f"Receipt {actions.receipt_number(payment)}.pdf".replace("/", "-")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

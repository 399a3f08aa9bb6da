"""The owner's billing page, and the two buttons that leave for Stripe."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.views.decorators.http import require_POST

from billing import stripe_api
from billing.actions import BillingRefused, checkout_return
from billing.plans import GB, all_plans
from billing.selectors import Access, account_credits, billing_state
from operators.suspension import agency_deletion_cancel, agency_deletion_schedule
from tenant_apps.kit.access import actor_for, permission_required
from tenant_apps.subscription import actions
from tenant_apps.subscription.forms import CheckoutForm, CloseForm
from tenant_apps.subscription.selectors import usage_of

STRIPE_UNREACHABLE = "Stripe could not be reached just now. Nothing was changed; try again."


@dataclass(frozen=True)
class UsageRow:
    label: str
    used: int
    limit: int | None  # None: no count to fill
    used_text: str
    limit_text: str

    @property
    def full(self) -> bool:
        return self.limit is not None and self.used >= self.limit


def usage_rows(plan, usage) -> list[UsageRow]:
    def count(label, used, limit):
        return UsageRow(label, used, limit, str(used), "No limit" if limit is None else str(limit))

    storage_limit = plan.storage_bytes
    return [
        count("Team seats (members and pending invitations)", usage.seats, plan.seats),
        count("Client companies", usage.client_companies, plan.client_companies),
        UsageRow(
            "Storage",
            usage.storage_bytes,
            storage_limit,
            filesizeformat(usage.storage_bytes),
            "No limit" if storage_limit is None else f"{storage_limit // GB} GB",
        ),
        # Included or not: no count to fill.
        UsageRow(
            "Custom domains",
            usage.custom_domains,
            None,
            str(usage.custom_domains),
            "Included" if plan.custom_domain else "Not included",
        ),
    ]


def billing_page_url(request, query: str = "") -> str:
    return request.build_absolute_uri(reverse("billing:overview")) + query


def checkout_return_urls(request) -> dict:
    # Stripe fills in {CHECKOUT_SESSION_ID}; the page then copies the new subscription.
    return {
        "success_url": billing_page_url(request, "?checkout=done&session_id={CHECKOUT_SESSION_ID}"),
        "cancel_url": billing_page_url(request, "?checkout=cancelled"),
    }


@permission_required("billing.manage")
def overview(request):
    agency = request.tenant
    if "checkout" in request.GET:
        return _back_from_checkout(request, agency)
    state = billing_state(agency)
    context = {
        "state": state,
        "rows": usage_rows(state.plan, usage_of(agency)),
        "plans": all_plans(),
        "checkout_form": CheckoutForm(),
        "credits": account_credits(agency) if state.enabled else [],
        "grace_days": settings.AGENCY_DELETION_GRACE_DAYS,
    }
    return render(request, "subscription/overview.html", context)


def _back_from_checkout(request, agency):
    """Stripe sends the owner back here; show the outcome once, then the plain page."""
    if request.GET["checkout"] == "done":
        try:
            synced = checkout_return(agency=agency, session_id=request.GET.get("session_id", ""))
        except stripe_api.StripeUnreachable:
            synced = False
        if synced and billing_state(agency).access == Access.FULL:
            messages.success(request, "Thank you: your subscription is active.")
        else:
            messages.info(request, "Thank you: your payment is being confirmed.")
    else:
        messages.info(request, "Checkout was cancelled; nothing was charged.")
    return redirect("billing:overview")


@require_POST
@permission_required("billing.manage")
def checkout(request):
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the plans.")
        return redirect("billing:overview")
    return _to_stripe(
        request,
        lambda: actions.checkout_start(
            agency=request.tenant,
            plan_key=form.cleaned_data["plan"],
            actor=actor_for(request).user,
            request=request,
            **checkout_return_urls(request),
        ),
    )


@require_POST
@permission_required("billing.manage")
def portal(request):
    return _to_stripe(
        request,
        lambda: actions.portal_open(
            agency=request.tenant,
            actor=actor_for(request).user,
            return_url=billing_page_url(request),
            request=request,
        ),
    )


def _to_stripe(request, start):
    """Send the owner to the Stripe page ``start()`` makes, or back with the reason."""
    try:
        url = start()
    except BillingRefused as refused:
        messages.error(request, refused.message)
    except ValidationError as invalid:
        messages.error(request, " ".join(invalid.messages))
    except stripe_api.StripeUnreachable:
        messages.error(request, STRIPE_UNREACHABLE)
    else:
        return redirect(url)
    return redirect("billing:overview")


@require_POST
@permission_required("billing.manage")
def deletion_cancel(request):
    try:
        agency_deletion_cancel(
            agency=request.tenant,
            owner=request.user,
            reason="Cancelled by the owner",
            request=request,
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, "The deletion is cancelled: the workspace stays.")
    return redirect("billing:overview")


@permission_required("billing.manage")
def close(request):
    """The owner closes the agency: the export first, then the grace period explained, then
    the typed confirmation. The deletion is the operators' (operators.suspension)."""
    agency = request.tenant
    form = CloseForm(request.POST or None, agency=agency)
    if request.method == "POST" and not agency.is_deletion_scheduled and form.is_valid():
        try:
            agency_deletion_schedule(
                agency=agency,
                owner=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, "The workspace is closing; you can keep it until then.")
            return redirect("billing:close")
    context = {
        "form": form,
        "export_path": reverse("agency_archive:export"),
        "grace_days": settings.AGENCY_DELETION_GRACE_DAYS,
    }
    return render(request, "subscription/close.html", context)

"""The agency's own domains (owners): add, check, make the main address, remove.

Policy decides; tenant_apps.custom_domains.actions writes. The forms post normally; htmx
only refreshes a domain's card while its check runs.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from tenant_apps.custom_domains import actions
from tenant_apps.custom_domains.dns_check import expected_records
from tenant_apps.custom_domains.forms import DomainAddForm
from tenant_apps.kit.access import permission_required
from tenants.models import CustomDomain, Domain


def _agency_domains(request):
    return CustomDomain.objects.filter(agency_id=request.tenant.pk).with_primary()


def _domain(request, domain_id) -> CustomDomain:
    # Another agency's domain is a 404, like one that does not exist.
    return get_object_or_404(_agency_domains(request), pk=domain_id)


def _domain_card(domain: CustomDomain) -> dict:
    return {"domain": domain, "records": expected_records(domain.name, domain.token)}


@permission_required("domains.manage")
def domain_list(request):
    form = DomainAddForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            domain = actions.domain_add(
                agency=request.tenant,
                name=form.cleaned_data["name"],
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"{domain.name} added. Create the two DNS records below; we'll check them."
            )
            return redirect("branding:domains")
    subdomain = Domain.objects.get(
        tenant_id=request.tenant.pk, domain=f"{request.tenant.subdomain}.{settings.PLATFORM_DOMAIN}"
    )
    context = {
        "form": form,
        "cards": [_domain_card(domain) for domain in _agency_domains(request)],
        "subdomain": subdomain,
    }
    status = 400 if form.errors else 200
    return render(request, "custom_domains/domains.html", context, status=status)


@require_GET
@permission_required("domains.manage")
def domain_card(request, domain_id):
    """One domain's card (htmx polls it while a check runs)."""
    context = _domain_card(_domain(request, domain_id))
    return render(request, "custom_domains/domains.html#card", context)


@require_POST
@permission_required("domains.manage")
def domain_check(request, domain_id):
    domain = _domain(request, domain_id)
    if actions.domain_check_request(domain=domain):
        messages.info(request, f"Checking the DNS records of {domain.name}…")
    return redirect("branding:domains")


@require_POST
@permission_required("domains.manage")
def domain_primary(request, domain_id):
    domain = _domain(request, domain_id)
    try:
        actions.domain_make_primary(domain=domain, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"{domain.name} is now the portal's address. Its other addresses redirect there.",
        )
    return redirect("branding:domains")


@require_POST
@permission_required("domains.manage")
def domain_primary_reset(request):
    actions.domain_primary_reset(agency=request.tenant, actor=request.user, request=request)
    messages.success(request, "The portal's address is its original one again.")
    return redirect("branding:domains")


@require_POST
@permission_required("domains.manage")
def domain_remove(request, domain_id):
    domain = _domain(request, domain_id)
    name = domain.name
    actions.domain_remove(domain=domain, actor=request.user, request=request)
    messages.success(request, f"{name} removed. It no longer reaches the portal.")
    return redirect("branding:domains")

"""Brand and custom domain settings (owners), and the brand's images (everyone on the host).

Policy decides; branding.actions and tenants.domains write. The settings forms post
normally; htmx only renders the live preview and refreshes a domain while it is checked.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from branding.actions import brand_update
from branding.colours import contrast_checks
from branding.forms import BrandForm, DomainAddForm
from branding.models import Brand, ImageKind
from branding.selectors import brand_for, brand_image
from tenant_apps.kit.access import permission_required
from tenants import domains
from tenants.dns_check import expected_records
from tenants.models import CustomDomain, Domain


def _posted(request):
    return request.POST if request.method == "POST" else None


def _brand(request) -> Brand:
    return Brand.objects.get(agency_id=request.tenant.pk)


@permission_required("brand.manage")
def brand_settings(request):
    brand = _brand(request)
    form = BrandForm(_posted(request), request.FILES or None, instance=brand)
    if request.method == "POST" and form.is_valid():
        try:
            brand_update(
                agency=request.tenant,
                actor=request.user,
                changes=form.changes(),
                images=form.images(),
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Branding saved. Everyone sees it from their next page.")
            return redirect("branding:settings")
    context = {"form": form, "preview": _preview(form, brand_for(request.tenant))}
    status = 400 if form.errors else 200
    return render(request, "branding/settings.html", context, status=status)


@require_POST
@permission_required("brand.manage")
def brand_preview(request):
    """The preview card for the form as it stands, unsaved (htmx)."""
    form = BrandForm(request.POST, request.FILES, instance=_brand(request))
    form.is_valid()
    context = {"form": form, "preview": _preview(form, brand_for(request.tenant))}
    return render(request, "branding/settings.html#preview", context)


def _preview(form: BrandForm, current) -> dict:
    """What the preview card shows: each valid proposed value, else the saved one."""
    proposed = getattr(form, "cleaned_data", {}) if form.is_bound else {}
    shown = {
        name: proposed[name] if name in proposed else getattr(current, name)
        for name in form.Meta.fields
    }
    logo = proposed.get(ImageKind.LOGO)
    if logo:
        logo_src = logo.data_uri
    elif proposed.get("remove_logo"):
        logo_src = ""
    else:
        logo_src = current.logo_url
    return {
        **shown,
        "headline": shown["login_headline"] or f"Sign in to {shown['portal_name']}",
        "logo_src": logo_src,
        "checks": contrast_checks(shown),
    }


@require_GET
def brand_image_view(request, kind: str, digest: str):
    """A logo or favicon of this host's agency, to anyone (the sign-in page shows it).

    The URL names the version, so browsers may keep it for a year; the bytes are a PNG we
    encoded ourselves, served with nosniff and a CSP that runs nothing.
    """
    image = brand_image(request.tenant, kind, digest)
    if image is None:
        raise Http404("No such image")
    response = HttpResponse(bytes(image.data), content_type="image/png")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-site"
    return response


# Custom domains


def _agency_domains(request):
    return CustomDomain.objects.filter(agency_id=request.tenant.pk).with_primary()


def _domain(request, domain_id) -> CustomDomain:
    # Another agency's domain is a 404, like one that does not exist.
    return get_object_or_404(_agency_domains(request), pk=domain_id)


def _domain_card(domain: CustomDomain) -> dict:
    return {"domain": domain, "records": expected_records(domain.name, domain.token)}


@permission_required("domains.manage")
def domain_list(request):
    form = DomainAddForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            domain = domains.domain_add(
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
    return render(request, "branding/domains.html", context, status=400 if form.errors else 200)


@require_GET
@permission_required("domains.manage")
def domain_card(request, domain_id):
    """One domain's card (htmx polls it while a check runs)."""
    context = _domain_card(_domain(request, domain_id))
    return render(request, "branding/domains.html#card", context)


@require_POST
@permission_required("domains.manage")
def domain_check(request, domain_id):
    domain = _domain(request, domain_id)
    if domains.domain_check_request(domain=domain):
        messages.info(request, f"Checking the DNS records of {domain.name}…")
    return redirect("branding:domains")


@require_POST
@permission_required("domains.manage")
def domain_primary(request, domain_id):
    domain = _domain(request, domain_id)
    try:
        domains.domain_make_primary(domain=domain, actor=request.user, request=request)
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
    domains.domain_primary_reset(agency=request.tenant, actor=request.user, request=request)
    messages.success(request, "The portal's address is its original one again.")
    return redirect("branding:domains")


@require_POST
@permission_required("domains.manage")
def domain_remove(request, domain_id):
    domain = _domain(request, domain_id)
    name = domain.name
    domains.domain_remove(domain=domain, actor=request.user, request=request)
    messages.success(request, f"{name} removed. It no longer reaches the portal.")
    return redirect("branding:domains")

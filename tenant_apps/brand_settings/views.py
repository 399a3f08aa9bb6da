"""The brand settings page (owners) and its live preview.

Policy decides; tenant_apps.brand_settings.actions writes. The form posts normally; htmx only
renders the live preview.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from branding.colours import contrast_checks
from branding.models import Brand, ImageKind
from branding.selectors import brand_for
from shared_apps.core.regional import RegionalForm
from tenant_apps.brand_settings.actions import brand_update, regional_update
from tenant_apps.brand_settings.forms import BrandForm
from tenant_apps.kit.access import permission_required


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
    return render(request, "brand_settings/settings.html", context, status=status)


@permission_required("regional.manage")
def regional_settings(request):
    """The agency's default time zone and date and money format (owners and admins)."""
    agency = request.tenant
    initial = {"time_zone": agency.time_zone, "locale": agency.locale}
    form = RegionalForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            regional_update(agency=agency, actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Regional settings saved.")
            return redirect("branding:regional")
    status = 400 if form.errors else 200
    context = {"form": form, "now": timezone.now()}
    return render(request, "brand_settings/regional.html", context, status=status)


@require_POST
@permission_required("brand.manage")
def brand_preview(request):
    """The preview card for the form as it stands, unsaved (htmx)."""
    form = BrandForm(request.POST, request.FILES, instance=_brand(request))
    form.is_valid()
    context = {"form": form, "preview": _preview(form, brand_for(request.tenant))}
    return render(request, "brand_settings/settings.html#preview", context)


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

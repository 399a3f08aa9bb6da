"""The brand's images, and the portal as an installable app (manifest, icon, service worker,
offline page), to everyone on the agency's host: the sign-in page shows and links them.
The owner's settings pages are the agency's: tenant_apps.brand_settings."""

import json

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from branding import pwa
from branding.selectors import brand_for, brand_image


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


@require_GET
def manifest_view(request):
    """The web manifest that makes this agency's portal installable, in its name and colours."""
    response = JsonResponse(
        pwa.manifest(brand_for(request.tenant)), content_type="application/manifest+json"
    )
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def icon_view(request, size: int):
    """The app icon at one of the manifest's sizes, drawn from the brand."""
    if size not in pwa.ICON_SIZES:
        raise Http404("No icon of that size")
    response = HttpResponse(pwa.icon_png(brand_for(request.tenant), size), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_GET
def service_worker_view(request):
    """The service worker, at the root so it may serve the offline page for any page."""
    # JSON literals, which the template puts in as they are (it does not escape for HTML).
    context = {
        name: json.dumps(value)
        for name, value in {
            "cache_name": pwa.shell_cache_name(request.tenant.schema_name),
            "shell": pwa.shell_urls(),
            "offline": reverse("branding:offline"),
        }.items()
    }
    response = render(request, "branding/sw.js", context, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"  # a new release's worker takes over at once
    return response


@require_GET
def offline_view(request):
    """What the service worker shows for a page while there is no network. The worker fetches
    it without cookies, so it never holds anything of a person's."""
    return render(request, "branding/offline.html")

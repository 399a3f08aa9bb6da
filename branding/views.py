"""The brand's images, to everyone on the agency's host (the sign-in page shows the logo).
The owner's settings pages are the agency's: tenant_apps.brand_settings."""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from branding.selectors import brand_image


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

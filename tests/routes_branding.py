"""Matrix entries for the branding and custom domain routes (see tests/access_matrix.py)."""

import secrets
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from PIL import Image

from branding.images import prepare_image
from branding.models import Brand, BrandImage, ImageKind
from tenants.models import CustomDomain
from tests.access_matrix import api, everyone, signed_in

OWNER = ["owner"]


def png_upload(size=(320, 120), colour=(200, 30, 60, 255), name="logo.png"):
    out = BytesIO()
    Image.new("RGBA", size, colour).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def acme_logo(world) -> tuple:
    """acme's logo, stored as branding stores it; the URL's args."""
    image = prepare_image(png_upload(), ImageKind.LOGO)
    with tenant_context(world.acme):
        BrandImage.objects.update_or_create(
            brand=Brand.objects.get(agency=world.acme),
            kind=ImageKind.LOGO,
            defaults={
                "data": image.data,
                "digest": image.digest,
                "width": image.width,
                "height": image.height,
            },
        )
    return (ImageKind.LOGO, image.digest[:16])


def pending_domain(world, agency=None, name="portal.acme-client.test") -> CustomDomain:
    return CustomDomain.objects.create(
        agency=agency or world.acme, name=name, token=secrets.token_hex(16)
    )


def acme_domain(world) -> tuple:
    # Pending: a verified one would give acme a second host, and personas use acme's only one.
    return (pending_domain(world).pk,)


# The matrix posts no form fields: the owner gets the settings forms back with errors (200)
# and posts needing none redirect (302). Domain posts on a pending domain: a check is queued,
# "make primary" is refused with a message, and removal works.
TENANT_ROUTES = {
    "branding:settings": signed_in(200, 403, OWNER),
    "branding:preview": signed_in(200, 403, OWNER, method="post"),
    # The sign-in page shows the logo, so it is everyone's on the agency's host.
    "branding:image": everyone(200, args=acme_logo),
    # The portal as an app: linked from every page of the host, the sign-in page too.
    "branding:manifest": everyone(200),
    "branding:icon": everyone(200, args=(192,)),
    "branding:service_worker": everyone(200),
    "branding:offline": everyone(200),
    "branding:domains": signed_in(200, 403, OWNER),
    "branding:domain": signed_in(200, 403, OWNER, args=acme_domain),
    "branding:domain_check": signed_in(302, 403, OWNER, method="post", args=acme_domain),
    "branding:domain_primary": signed_in(302, 403, OWNER, method="post", args=acme_domain),
    "branding:domain_primary_reset": signed_in(302, 403, OWNER, method="post"),
    "branding:domain_remove": signed_in(302, 403, OWNER, method="post", args=acme_domain),
    "api-brand": api(200, 403, OWNER),
    "branding:regional": signed_in(200, 403, ["owner", "admin"]),
    "api-regional": api(200, 403, ["owner", "admin"]),
    "api-domains": api(200, 403, OWNER),
    "api-domain": api(200, 403, OWNER, args=acme_domain),
    "api-domain-verify": api(202, 403, OWNER, method="post", args=acme_domain),
    # A pending domain cannot be the main address: 400 naming why.
    "api-domain-primary": api(400, 403, OWNER, method="post", args=acme_domain),
}

# Without the proxy's shared secret header nobody learns anything: 404, even for a domain
# that is allowed (tests/test_domains.py asks with the secret).
PUBLIC_ROUTES = {
    "internal-domain-allowed": everyone(404, data={"domain": "acme.localhost"}),
}

# Second methods of the routes above; tests/test_branding_api.py walks them. The matrix
# sends an empty body: an empty PATCH changes nothing (200), an empty POST lacks the name.
MORE_CASES = {
    "settings (post)": ("branding:settings", signed_in(400, 403, OWNER, method="post")),
    "domains (post)": ("branding:domains", signed_in(400, 403, OWNER, method="post")),
    "brand (patch)": ("api-brand", api(200, 403, OWNER, method="patch")),
    "domains (post) api": ("api-domains", api(400, 403, OWNER, method="post")),
    "domain (delete)": ("api-domain", api(204, 403, OWNER, method="delete", args=acme_domain)),
    "primary (delete)": (
        "api-domain-primary",
        api(200, 403, OWNER, method="delete", args=acme_domain),
    ),
}

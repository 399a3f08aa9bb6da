"""Branding: readable colours, safe images, the settings page with its live preview, the
per-tenant cache, and the brand on pages and in emails, never leaking across agencies."""

import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context
from PIL import Image, PngImagePlugin

from branding.colours import contrast_checks, contrast_ratio, passing_shade
from branding.images import MAX_UPLOAD_BYTES, prepare_image
from branding.models import Brand, BrandImage, ImageKind
from branding.selectors import CACHE_KEY, brand_for
from tenant_apps.brand_settings.actions import brand_update
from tenant_apps.people.actions import invitation_create
from tenant_apps.people.emails import invitation_email
from tenant_apps.security.models import MagicLink
from tenant_apps.security.tasks import send_magic_link
from tests.conftest import host_client, signed_in_client
from tests.people_support import activity
from tests.routes_branding import png_upload

ACME, GLOBEX = "acme.localhost", "globex.localhost"
STYLE = re.compile(rb'<style nonce="[^"]+">(.*?)</style>', re.S)


@pytest.fixture(autouse=True)
def forget_brands(world):
    """The cache outlives each test's rolled-back transaction: drop what the test cached."""
    yield
    for agency in (world.acme, world.globex):
        with tenant_context(agency):
            cache.delete(CACHE_KEY)


def form_data(**overrides) -> dict:
    return {
        "portal_name": "Acme Studio",
        "primary_colour": "#0b5394",
        "accent_colour": "#b45309",
        "login_headline": "Welcome back to Acme Studio",
        "welcome_text": "Your projects, files and invoices in one place.",
        "email_sender_name": "Acme Studio Team",
        "email_reply_to": "hello@acme.example",
        "client_word": "customer",
        "clients_word": "customers",
        "request_word": "ticket",
        "requests_word": "tickets",
    } | overrides


def image_upload(fmt="PNG", size=(320, 120), mode="RGBA", name=None, **save) -> SimpleUploadedFile:
    out = BytesIO()
    Image.new(mode, size, "#c0392b").save(out, format=fmt, **save)
    name = name or f"logo.{fmt.lower()}"
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{fmt.lower()}")


def owner(world):
    return signed_in_client(world.personas["owner"])


def brand_style(response) -> str:
    return STYLE.search(response.content).group(1).decode()


# Colours


def test_contrast_ratios_follow_wcag():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1)
    # #767676 is the classic lightest grey that passes 4.5:1 on white; #777777 just fails.
    assert contrast_ratio("#767676", "#ffffff") >= 4.5 > contrast_ratio("#777777", "#ffffff")


def test_a_faint_colour_is_explained_with_its_ratio_and_a_shade_that_passes():
    [primary, accent] = contrast_checks({"primary_colour": "#9ab3f5", "accent_colour": "#9ab3f5"})
    assert not primary.passes and not accent.passes
    assert "contrast ratio of 2.07:1" in primary.message
    assert "at least 4.5:1 (WCAG AA)" in primary.message
    suggestion = passing_shade("#9ab3f5", primary.pairing)
    assert f"such as {suggestion}" in primary.message
    assert contrast_ratio(suggestion, "#ffffff") >= 4.5
    assert "at least 3:1" in accent.message


def test_a_ratio_just_under_the_minimum_never_reads_as_passing():
    [check] = contrast_checks({"primary_colour": "#777777"})
    assert not check.passes
    assert "4.47:1" in check.message  # 4.478 shown rounded down


# Images


def test_a_logo_is_re_encoded_as_png_within_its_box():
    image = prepare_image(image_upload("JPEG", size=(2400, 600), mode="RGB"), ImageKind.LOGO)
    decoded = Image.open(BytesIO(image.data))
    assert decoded.format == "PNG"
    assert (image.width, image.height) == decoded.size == (640, 160)
    assert image.data_uri.startswith("data:image/png;base64,")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_raster_formats_are_accepted(fmt):
    mode = "RGB" if fmt == "JPEG" else "RGBA"
    assert prepare_image(image_upload(fmt, mode=mode), ImageKind.LOGO).width == 320


def test_a_favicon_is_made_square():
    image = prepare_image(image_upload(size=(300, 100)), ImageKind.FAVICON)
    assert (image.width, image.height) == (64, 64)
    # Centred on transparency: the corners are clear, the middle is the image.
    decoded = Image.open(BytesIO(image.data))
    assert decoded.getpixel((0, 0))[3] == 0
    assert decoded.getpixel((32, 32))[3] == 255


def test_metadata_does_not_survive():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    image = prepare_image(image_upload(pnginfo=info), ImageKind.LOGO)
    assert b"alert" not in image.data


def refused(upload, kind=ImageKind.LOGO) -> str:
    with pytest.raises(ValidationError) as caught:
        prepare_image(upload, kind)
    return " ".join(caught.value.messages)


def test_svg_is_refused_even_named_png():
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'
    for name in ["logo.svg", "logo.png"]:
        message = refused(SimpleUploadedFile(name, svg, content_type="image/png"))
        assert "SVG files aren't accepted" in message


def test_files_that_are_not_images_are_refused():
    assert "isn't an image we can read" in refused(SimpleUploadedFile("logo.png", b"MZ\x90\x00"))
    # The start of a real PNG, cut short.
    truncated = image_upload().read()[:60]
    assert "isn't an image we can read" in refused(SimpleUploadedFile("logo.png", truncated))


def test_other_decodable_formats_are_refused():
    assert "isn't an image we can read" in refused(image_upload("BMP", mode="RGB"))


def test_oversized_uploads_and_pixel_bombs_are_refused():
    big = SimpleUploadedFile("logo.png", b"\x89PNG" + b"\x00" * MAX_UPLOAD_BYTES)
    assert "the limit is 5 MB" in refused(big)
    # A 1-bit 6000 x 5000 image packs into a few kB but would decode to 30 megapixels.
    bomb = image_upload(size=(6000, 5000), mode="1")
    assert bomb.size < 50_000
    assert "under 25 megapixels" in refused(bomb)


def test_tiny_images_are_refused():
    assert "at least 16 pixels" in refused(image_upload(size=(10, 10)), ImageKind.FAVICON)


# The settings page


def test_only_the_owner_sees_the_branding_link(world):
    assert b'href="/settings/brand/"' in owner(world).get("/").content
    admin_home = signed_in_client(world.personas["admin"]).get("/")
    assert b'href="/settings/brand/"' not in admin_home.content


def test_owner_saves_the_brand_and_every_page_shows_it_at_once(world):
    client = owner(world)
    client.get("/auth/login/")  # caches the old brand
    response = client.post(
        "/settings/brand/", form_data(logo=image_upload(), favicon=image_upload(size=(64, 64)))
    )
    assert response.status_code == 302
    brand = brand_for(world.acme)
    assert brand.portal_name == "Acme Studio" and brand.primary_colour == "#0b5394"
    assert brand.logo_url.startswith("/brand/logo/") and brand.favicon_url

    login = host_client(ACME).get("/auth/login/")
    html = login.content.decode()
    assert "--brand-primary: #0b5394; --brand-accent: #b45309;" in brand_style(login)
    assert "<h1>Welcome back to Acme Studio</h1>" in html
    assert "Your projects, files and invoices in one place." in html
    assert f'src="{brand.logo_url}"' in html
    assert f'rel="icon" type="image/png" href="{brand.favicon_url}"' in html
    [entry] = activity(world, "brand.updated")
    assert entry.changes["portal_name"] == ["Acme", "Acme Studio"]
    assert entry.changes["logo"].startswith("new image")


def test_the_words_for_client_and_request_reach_the_nav_and_headings(world):
    owner(world).post("/settings/brand/", form_data())
    page = owner(world).get("/requests/").content.decode()
    assert '">Tickets</a>' in page and '">Customers</a>' in page
    assert "<h1>Tickets</h1>" in page
    assert "New ticket" in page
    client_page = signed_in_client(world.personas["client_admin"]).get("/requests/")
    assert "<h1>Northwind's tickets</h1>" in client_page.content.decode()
    home = owner(world).get("/").content.decode()
    assert "Customers needing attention" in home


def test_faint_colours_are_refused_with_the_ratio(world):
    response = owner(world).post("/settings/brand/", form_data(primary_colour="#9AB3F5"))
    assert response.status_code == 400
    assert "#9ab3f5 against white (button text, links) has a contrast ratio of 2.07:1" in (
        response.content.decode()
    )
    assert brand_for(world.acme).primary_colour == "#1f6feb"


def test_a_bad_logo_is_refused_and_nothing_is_saved(world):
    svg = SimpleUploadedFile("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    response = owner(world).post("/settings/brand/", form_data(logo=svg))
    assert response.status_code == 400
    assert "SVG files aren&#x27;t accepted" in response.content.decode()
    assert brand_for(world.acme).portal_name == "Acme"


def test_the_logo_can_be_removed(world):
    client = owner(world)
    client.post("/settings/brand/", form_data(logo=image_upload()))
    assert brand_for(world.acme).logo_url
    client.post("/settings/brand/", form_data(remove_logo="on"))
    assert brand_for(world.acme).logo_url == ""
    assert not BrandImage.objects.filter(brand__agency=world.acme).exists()


def test_the_preview_renders_proposed_values_without_saving(world):
    response = owner(world).post(
        "/settings/brand/preview/",
        form_data(primary_colour="#9ab3f5", logo=image_upload()),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card brand-preview" id="brand-preview"')
    assert html.count("data-preview-primary") == 1
    assert 'data-preview-primary="#0b5394"' not in html  # the faint colour is not valid...
    assert 'data-preview-primary="#1f6feb"' in html  # ...so the saved one shows
    assert "2.07:1" in html and "Fix these before saving" in html
    assert 'src="data:image/png;base64,' in html
    assert "Welcome back to Acme Studio" in html and "Tickets · Customers" in html
    assert " style=" not in html  # colours go on through preview.js, never inline
    assert brand_for(world.acme).portal_name == "Acme"


def test_the_preview_shows_valid_proposed_colours(world):
    html = owner(world).post("/settings/brand/preview/", form_data()).content.decode()
    assert 'data-preview-primary="#0b5394" data-preview-accent="#b45309"' in html
    assert "Fix these before saving" not in html


# The images' route


def test_the_logo_is_served_inert_and_cacheable(world):
    with tenant_context(world.acme):
        brand_update(
            agency=world.acme,
            actor=world.personas["owner"].user,
            changes={},
            images={ImageKind.LOGO: prepare_image(png_upload(), ImageKind.LOGO)},
        )
    url = brand_for(world.acme).logo_url
    response = host_client(ACME).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "immutable" in response["Cache-Control"]
    assert Image.open(BytesIO(response.content)).format == "PNG"
    # Another version's URL, and acme's logo asked of globex's host, are not found.
    assert host_client(ACME).get(url.replace(url[-20:-4], "0" * 16)).status_code == 404
    assert host_client(GLOBEX).get(url).status_code == 404


# Cache and isolation


def test_the_brand_is_cached_per_tenant(world):
    with tenant_context(world.acme):
        brand_for(world.acme)
        with CaptureQueriesContext(connection) as cached:
            assert brand_for(world.acme).portal_name == "Acme"
        assert len(cached) == 0
        acme_key = cache.make_key(CACHE_KEY)
    with tenant_context(world.globex):
        assert cache.make_key(CACHE_KEY) != acme_key
        assert cache.get(CACHE_KEY) is None


def test_acmes_brand_never_shows_on_globex(world):
    client = owner(world)
    client.post("/settings/brand/", form_data(logo=image_upload()))
    for _ in range(2):  # cold, then from the cache
        acme = host_client(ACME).get("/auth/login/")
        globex = host_client(GLOBEX).get("/auth/login/")
        assert "Acme Studio" in acme.content.decode()
        assert "#0b5394" in brand_style(acme)
        page = globex.content.decode()
        assert "Acme Studio" not in page and "/brand/logo/" not in page
        assert "#0b5394" not in brand_style(globex)
        assert "<h1>Sign in to Globex</h1>" in page


def test_brand_for_another_agency_bypasses_the_current_schemas_cache(world):
    with tenant_context(world.acme):
        brand_update(
            agency=world.acme,
            actor=world.personas["owner"].user,
            changes={"portal_name": "Acme Studio"},
        )
        assert brand_for(world.acme).portal_name == "Acme Studio"  # cached under acme's key
        assert brand_for(world.globex).portal_name == "Globex"


def test_a_cached_brand_of_an_agency_since_replaced_is_not_used(world):
    with tenant_context(world.acme):
        cache.set(CACHE_KEY, {"portal_name": "Gone", "agency_id": -1}, 60)
        assert brand_for(world.acme).portal_name == "Acme"


def test_saving_through_the_action_refuses_faint_colours(world):
    with tenant_context(world.acme), pytest.raises(ValidationError) as caught:
        brand_update(
            agency=world.acme,
            actor=world.personas["owner"].user,
            changes={"accent_colour": "#eeeeee"},
        )
    assert "accent_colour" in caught.value.message_dict
    assert Brand.objects.get(agency=world.acme).accent_colour == "#0e9f6e"


# Emails


def test_emails_carry_the_brand(world):
    with tenant_context(world.acme):
        brand_update(
            agency=world.acme,
            actor=world.personas["owner"].user,
            changes=form_data(),
            images={ImageKind.LOGO: prepare_image(png_upload(), ImageKind.LOGO)},
        )
        new = invitation_create(
            email="new@acme.example", actor=world.personas["admin"].user, team_role="staff"
        )
        message = invitation_email(new.invitation, new.secret)
        logo = brand_for(world.acme).logo_url
    assert message.from_email == "Acme Studio Team <no-reply@localhost>"
    assert message.reply_to == ["admin@acme.example"]  # the inviter, for this email
    [(html, _)] = message.alternatives
    assert f'src="http://acme.localhost:8000{logo}"' in html
    assert "border-top:4px solid #0b5394" in html
    assert "background:#0b5394" in html  # the button


def test_sign_in_emails_use_the_brands_sender_and_reply_to(world, mailoutbox):
    with tenant_context(world.acme):
        brand_update(agency=world.acme, actor=None, changes=form_data())
        link = MagicLink.objects.create(
            user=world.personas["viewer"].user, expires_at=timezone.now() + timedelta(minutes=5)
        )
        send_magic_link.run(link.pk)
    [message] = mailoutbox
    assert message.from_email == "Acme Studio Team <no-reply@localhost>"
    assert message.reply_to == ["hello@acme.example"]
    assert "Acme Studio" in message.subject

"""An owner brands the portal and a client's sign-in page shows it; the owner adds a domain of
their own and sees the DNS records to create. Real browsers against the running app.

acme's brand and domains are put back afterwards (activity entries stay: they cannot be
deleted, and nothing here counts them).
"""

import re
from io import BytesIO

import pytest
from django_tenants.utils import tenant_context
from PIL import Image
from playwright.sync_api import expect

from branding.models import Brand, BrandImage
from tenants.models import Agency, CustomDomain
from tests.browser.conftest import _with_database
from tests.conftest import PASSWORD

ACME = "acme.localhost"
PRIMARY = "#0b5394"
DOMAIN = "portal.acme-client.test"


@pytest.fixture
def acme_brand_restored(django_db_blocker):
    def snapshot():
        return Brand.objects.values().get(agency__subdomain="acme")

    before = _with_database(django_db_blocker, snapshot)
    yield

    def restore():
        acme = Agency.objects.get(subdomain="acme")
        with tenant_context(acme):  # the signals drop the cached brand in acme's schema
            BrandImage.objects.filter(brand__agency=acme).delete()
            Brand(**before).save()
            CustomDomain.objects.filter(agency=acme).delete()

    _with_database(django_db_blocker, restore)


@pytest.fixture
def logo_file(tmp_path):
    path = tmp_path / "acme-logo.png"
    image = Image.new("RGBA", (480, 160), (11, 83, 148, 255))
    out = BytesIO()
    image.save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return path


def sign_in(page, live_url, email):
    page.goto(live_url(ACME, "/auth/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def css_variable(page, selector, name) -> str:
    return page.evaluate(
        "([selector, name]) => getComputedStyle(document.querySelector(selector))"
        ".getPropertyValue(name).trim()",
        [selector, name],
    )


def test_owner_brands_the_portal_and_adds_a_domain(
    new_page, live_url, logo_file, acme_brand_restored
):
    owner = new_page()
    sign_in(owner, live_url, "owner@acme.example")
    owner.get_by_role("link", name="Branding").click()
    expect(owner.get_by_role("heading", name="Branding")).to_be_visible()

    # The preview follows the form before anything is saved.
    owner.get_by_label("Portal name").fill("Acme Studio")
    owner.get_by_label("Sign-in headline").fill("Welcome to Acme Studio")
    owner.get_by_label("Primary colour").fill(PRIMARY)
    owner.get_by_label("Logo", exact=True).set_input_files(logo_file)
    preview = owner.locator("#brand-preview")
    colours = preview.locator(".preview-colours")
    expect(colours).to_have_attribute("data-preview-primary", PRIMARY)
    expect(preview.get_by_role("heading", name="Welcome to Acme Studio")).to_be_visible()
    expect(preview.locator("img.brand-logo")).to_have_attribute(
        "src", re.compile(r"^data:image/png;base64,")
    )
    # The preview script sets the colours just after the swap; wait for it, not a fixed time.
    owner.wait_for_function(
        "([selector, name, value]) => getComputedStyle(document.querySelector(selector))"
        ".getPropertyValue(name).trim() === value",
        arg=["#brand-preview .preview-colours", "--brand-primary", PRIMARY],
    )
    assert css_variable(owner, ":root", "--brand-primary") == "#1f6feb"  # the page: unsaved

    owner.get_by_role("button", name="Save branding").click()
    expect(owner.get_by_text("Branding saved.")).to_be_visible()
    assert css_variable(owner, ":root", "--brand-primary") == PRIMARY

    # A client opening the sign-in page sees the new logo and colours.
    client = new_page()
    client.goto(live_url(ACME, "/auth/login/"))
    expect(client.get_by_role("heading", name="Welcome to Acme Studio")).to_be_visible()
    logo = client.locator(".sign-in img.brand-logo")
    expect(logo).to_have_attribute("alt", "Acme Studio")
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 480
    assert css_variable(client, ":root", "--brand-primary") == PRIMARY
    button = client.get_by_role("button", name="Sign in")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(11, 83, 148)"

    # The owner adds a domain of their own and is told which DNS records to create.
    owner.get_by_role("link", name="Domains").click()
    owner.get_by_label("Domain", exact=True).fill(f"https://{DOMAIN}/")
    owner.get_by_role("button", name="Add domain").click()
    expect(owner.get_by_text(f"{DOMAIN} added.")).to_be_visible()
    card = owner.locator(".domain-card", has_text=DOMAIN)
    records = card.locator("table.dns-records tbody tr")
    expect(records.nth(0)).to_contain_text("CNAME")
    expect(records.nth(0)).to_contain_text("domains.localhost")
    expect(records.nth(1)).to_contain_text("TXT")
    expect(records.nth(1)).to_contain_text(f"_portal-verify.{DOMAIN}")
    expect(records.nth(1)).to_contain_text("portal-verify=")
    expect(card.get_by_role("button", name="Check DNS now")).to_be_visible()

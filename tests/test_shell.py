"""The app shell: grouped navigation by the policy with the current page marked, and the
portal as an installable app (manifest, icon, a service worker keeping only the shell), each
agency's its own. The browser side is in tests/browser/test_pages_sweep.py."""

import json
import re
from io import BytesIO

import pytest
from django.core.cache import cache
from django_tenants.utils import tenant_context
from PIL import Image

from branding.selectors import CACHE_KEY, brand_for
from tenant_apps.brand_settings.actions import brand_update
from tenant_apps.kit.access import Actor
from tenant_apps.workspace.navigation import navigation_for
from tests.conftest import host_client, signed_in_client

ACME, GLOBEX = "acme.localhost", "globex.localhost"
NAV = re.compile(r'<nav id="main-nav".*?</nav>', re.S)
CURRENT = re.compile(r'<a href="([^"]+)" aria-current="page">([^<]+)</a>')


@pytest.fixture(autouse=True)
def forget_brands(world):
    """The brand cache outlives each test's rolled-back transaction."""
    yield
    for agency in (world.acme, world.globex):
        with tenant_context(agency):
            cache.delete(CACHE_KEY)


def actor(world, key) -> Actor:
    user = world.personas[key].user
    return Actor(
        user=user,
        team=getattr(user, "team_member", None),
        client=getattr(user, "client_member", None),
    )


def keys(navigation) -> dict[str, list[str]]:
    return {group.key: [link.key for link in group.links] for group in navigation.groups}


def current(navigation) -> list[str]:
    return [link.key for group in navigation.groups for link in group.links if link.current]


# Navigation


def test_the_owner_sees_every_group_and_setting(world):
    with tenant_context(world.acme):
        navigation = navigation_for(actor(world, "owner"), brand_for(world.acme), "")
    assert keys(navigation) == {
        "work": [
            "home",
            "requests",
            "documents",
            "approvals",
            "invoices",
            "messages",
            "projects",
            "help",
        ],
        "insight": ["reports", "activity", "log"],
        "settings": [
            "team",
            "clients",
            "branding",
            "billing",
            "payments",
            "invoicing",
            "webhooks",
            "saved_replies",
            "retainers",
            "request_settings",
            "weekly_report",
            "security",
            "retention",
            "support_access",
            "agency_export",
        ],
        "yours": ["account"],
    }
    assert navigation.shortcuts == ()  # the bottom bar is a client's


def test_staff_see_only_what_the_policy_lets_them(world):
    with tenant_context(world.acme):
        navigation = navigation_for(actor(world, "staff"), brand_for(world.acme), "")
    assert keys(navigation) == {
        "work": [
            "home",
            "requests",
            "documents",
            "approvals",
            "invoices",
            "messages",
            "projects",
            "help",
        ],
        "insight": ["activity"],
        "settings": ["team", "clients", "saved_replies"],
        "yours": ["account"],
    }


def test_a_client_sees_their_portal_their_company_and_shortcuts(world):
    with tenant_context(world.acme):
        viewer = navigation_for(actor(world, "viewer"), brand_for(world.acme), "")
        finance = navigation_for(actor(world, "finance"), brand_for(world.acme), "")
    assert keys(viewer) == {
        "work": ["home", "requests", "documents", "approvals", "messages", "projects", "help"],
        "yours": ["company", "activity", "account"],
    }
    assert "invoices" in keys(finance)["work"]
    [company] = [link for link in viewer.groups[1].links if link.key == "company"]
    assert company.label == "Northwind" and company.url == f"/clients/{world.northwind.pk}/people/"
    assert [link.key for link in viewer.shortcuts] == ["home", "requests", "approvals", "messages"]


@pytest.mark.parametrize(
    ("view_name", "expected"),
    [
        ("workspace:home", ["home"]),
        ("client_requests:detail", ["requests"]),
        ("client_requests:sla_settings", ["request_settings"]),
        ("client_requests:type_edit", ["request_settings"]),
        ("timesheets:request", ["requests"]),
        ("timesheets:timer_stop", ["requests"]),
        ("timesheets:retainers", ["retainers"]),
        ("timesheets:retainer_remove", ["retainers"]),
        ("invoices:detail", ["invoices"]),
        ("invoices:legal_settings", ["invoicing"]),
        ("invoices:tax_rate_archive", ["invoicing"]),
        ("people:company", ["clients"]),
        ("workspace:client", ["clients"]),
        ("people:team_invite", ["team"]),
        ("branding:domains", ["branding"]),
        ("activity:export", ["log"]),
        ("security:two_factor", ["account"]),
        ("security:settings", ["security"]),
        ("support_access:settings", ["support_access"]),
        ("retention:settings", ["retention"]),
        ("billing:close", ["billing"]),
        ("agency_archive:download", ["agency_export"]),
        ("notifications:list", []),
        ("", []),
    ],
)
def test_the_longest_claim_marks_the_current_page(world, view_name, expected):
    with tenant_context(world.acme):
        navigation = navigation_for(actor(world, "owner"), brand_for(world.acme), view_name)
    assert current(navigation) == expected


def test_pages_mark_their_link_as_current_in_the_agencys_words(world):
    with tenant_context(world.acme):
        brand_update(
            agency=world.acme,
            actor=world.personas["owner"].user,
            changes={"requests_word": "tickets", "request_word": "ticket"},
        )
    owner = signed_in_client(world.personas["owner"])
    nav = NAV.search(owner.get("/requests/settings/sla/").content.decode()).group(0)
    assert CURRENT.findall(nav) == [("/requests/settings/sla/", "Ticket settings")]
    assert '<a href="/requests/">Tickets</a>' in nav
    client = signed_in_client(world.personas["client_admin"])
    page = client.get(f"/clients/{world.northwind.pk}/people/").content.decode()
    assert CURRENT.findall(NAV.search(page).group(0)) == [
        (f"/clients/{world.northwind.pk}/people/", "Northwind")
    ]
    assert (
        'class="bottombar"' in page and 'class="bottombar"' not in owner.get("/").content.decode()
    )


def test_every_page_has_a_skip_link_to_its_content(world):
    for client, path in [
        (host_client(ACME), "/auth/login/"),
        (signed_in_client(world.personas["owner"]), "/"),
    ]:
        html = client.get(path).content.decode()
        assert '<a class="skip-link" href="#content">Skip to content</a>' in html
        assert '<main id="content"' in html


# The installable app


def test_each_agency_has_its_own_manifest(world):
    with tenant_context(world.acme):
        brand_update(
            agency=world.acme,
            actor=world.personas["owner"].user,
            changes={"portal_name": "Acme Studio", "primary_colour": "#0b5394"},
        )
    manifests = {}
    for host in (ACME, GLOBEX):
        response = host_client(host).get("/manifest.webmanifest")
        assert response["Content-Type"] == "application/manifest+json"
        manifests[host] = json.loads(response.content)
    acme, globex = manifests[ACME], manifests[GLOBEX]
    assert (acme["name"], acme["theme_color"]) == ("Acme Studio", "#0b5394")
    assert (
        globex["name"] == "Globex"
        and globex["theme_color"] == brand_for(world.globex).primary_colour
    )
    assert acme["start_url"] == acme["scope"] == "/" and acme["display"] == "standalone"
    assert [icon["sizes"] for icon in acme["icons"]] == ["192x192", "512x512"]
    assert acme["icons"][0]["src"] != globex["icons"][0]["src"]  # versioned by the brand
    # Every page of the host links it, the sign-in page too.
    login = host_client(ACME).get("/auth/login/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in login
    assert '<meta name="theme-color" content="#0b5394">' in login


def test_the_icon_is_drawn_in_the_brands_colour(world):
    with tenant_context(world.acme):
        brand_update(
            agency=world.acme,
            actor=world.personas["owner"].user,
            changes={"primary_colour": "#0b5394"},
        )
    for size in (192, 512):
        response = host_client(ACME).get(f"/icons/{size}.png")
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        icon = Image.open(BytesIO(response.content))
        assert icon.size == (size, size)
        assert icon.convert("RGB").getpixel((2, 2)) == (0x0B, 0x53, 0x94)
    assert host_client(ACME).get("/icons/64.png").status_code == 404


def test_the_service_worker_keeps_only_the_shell_in_a_cache_of_the_agencys_own(world):
    scripts = {}
    for host, agency in ((ACME, world.acme), (GLOBEX, world.globex)):
        response = host_client(host).get("/sw.js")
        assert response["Content-Type"].startswith("text/javascript")
        assert response["Cache-Control"] == "no-cache"
        script = response.content.decode()
        cache_name = re.search(r'const CACHE = "([^"]+)";', script).group(1)
        assert cache_name.startswith(f"portal-shell-{agency.schema_name}-")
        shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", script).group(1))
        assert shell and all(url.startswith("/static/") or url == "/offline/" for url in shell)
        scripts[host] = cache_name
    assert scripts[ACME] != scripts[GLOBEX]


def test_the_offline_page_holds_nothing_of_a_persons(world):
    owner = signed_in_client(world.personas["owner"])
    html = owner.get("/offline/").content.decode()
    assert "You're offline" in html and "Acme" in html
    assert "owner@acme.example" not in html and "Acme Owner" not in html
    assert "Sign out" not in html

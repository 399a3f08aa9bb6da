"""The brand and custom domains over /api/v1/: second methods of the matrix, behaviour, and
the OpenAPI schema."""

from io import BytesIO

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context
from PIL import Image

from branding.selectors import CACHE_KEY, brand_for
from tenants.models import CustomDomain, Domain, DomainStatus
from tests.access_matrix import PERSONAS
from tests.people_support import ACME, api_client
from tests.routes_branding import MORE_CASES, pending_domain, png_upload
from tests.test_access_matrix import TENANT_URLCONF, check


@pytest.fixture(autouse=True)
def forget_brands(world):
    yield
    for agency in (world.acme, world.globex):
        with tenant_context(agency):
            cache.delete(CACHE_KEY)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("label", sorted(MORE_CASES))
def test_more_cases(world, label, persona):
    name, case = MORE_CASES[label]
    check(world, TENANT_URLCONF, ACME, name, case, persona)


class Api:
    """acme's API as its owner."""

    def __init__(self, world):
        self.client, self.headers = api_client(world, "owner")

    def get(self, path):
        return self.client.get(f"/api/v1/{path}", **self.headers)

    def send(self, method, path, data=None):
        return getattr(self.client, method)(
            f"/api/v1/{path}", data or {}, content_type="application/json", **self.headers
        )

    def send_files(self, method, path, data):
        # The test client encodes multipart for POST only.
        body = encode_multipart(BOUNDARY, data)
        return getattr(self.client, method)(
            f"/api/v1/{path}", body, content_type=MULTIPART_CONTENT, **self.headers
        )


@pytest.fixture
def owner_api(world) -> Api:
    return Api(world)


# The brand


def test_owner_reads_the_brand(owner_api):
    body = owner_api.get("brand").json()
    assert body["portal_name"] == "Acme"
    assert body["headline"] == "Sign in to Acme"
    assert body["requests_word"] == "requests"
    assert body["logo_url"] is None


def test_owner_changes_words_and_colours(world, owner_api):
    response = owner_api.send(
        "patch",
        "brand",
        {"primary_colour": "#0B5394", "request_word": "ticket", "requests_word": "tickets"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["primary_colour"] == "#0b5394"
    assert brand_for(world.acme).requests_word == "tickets"


def test_faint_colours_are_a_400_with_the_ratio(world, owner_api):
    response = owner_api.send("patch", "brand", {"primary_colour": "#ffdd00"})
    assert response.status_code == 400
    [message] = response.json()["primary_colour"]
    assert "has a contrast ratio of 1.34:1" in message and "4.5:1" in message
    assert brand_for(world.acme).primary_colour == "#1f6feb"


def test_bad_words_and_addresses_are_refused(owner_api):
    response = owner_api.send(
        "patch", "brand", {"client_word": "cl1ent<b>", "email_reply_to": "not-an-address"}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"client_word", "email_reply_to"}


def test_a_logo_goes_up_as_multipart(world, owner_api):
    response = owner_api.send_files(
        "patch", "brand", {"logo": png_upload(size=(1200, 400)), "portal_name": "Acme Studio"}
    )
    assert response.status_code == 200, response.content
    url = response.json()["logo_url"]
    assert url.startswith("http://acme.localhost/brand/logo/")
    logo = owner_api.client.get(url.removeprefix("http://acme.localhost"))
    assert Image.open(BytesIO(logo.content)).size == (600, 200)
    removed = owner_api.send("patch", "brand", {"remove_logo": True}).json()
    assert removed["logo_url"] is None


def test_an_svg_logo_is_a_400(owner_api):
    svg = SimpleUploadedFile("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    response = owner_api.send_files("patch", "brand", {"logo": svg})
    assert response.status_code == 400
    assert "SVG files aren't accepted" in response.json()["logo"][0]


# Domains


def test_owner_adds_a_domain_and_gets_the_records(world, owner_api):
    response = owner_api.send("post", "domains", {"name": "Portal.Acme-Client.test"})
    assert response.status_code == 201, response.content
    body = response.json()
    domain = CustomDomain.objects.get(pk=body["id"])
    assert body["name"] == "portal.acme-client.test"
    assert body["status"] == "pending" and body["checking"] and not body["is_primary"]
    assert body["dns_records"] == [
        {"type": "CNAME", "host": "portal.acme-client.test", "value": "domains.localhost"},
        {
            "type": "TXT",
            "host": "_portal-verify.portal.acme-client.test",
            "value": f"portal-verify={domain.token}",
        },
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("203.0.113.9", "IP addresses can't be used"),
        ("globex.localhost", "belongs to the platform"),
        ("not a domain", "without a path or spaces"),
    ],
)
def test_refused_domains_are_a_400_saying_why(owner_api, name, message):
    response = owner_api.send("post", "domains", {"name": name})
    assert response.status_code == 400
    assert message in response.json()["name"][0]


def test_another_agencys_domain_is_not_found(world, owner_api):
    theirs = pending_domain(world, agency=world.globex)
    assert owner_api.get(f"domains/{theirs.pk}").status_code == 404
    assert owner_api.send("delete", f"domains/{theirs.pk}").status_code == 404
    assert owner_api.send("post", f"domains/{theirs.pk}/verify").status_code == 404
    assert [row["id"] for row in owner_api.get("domains").json()["results"]] == []


def test_verify_queues_a_check_once(world, owner_api):
    domain = pending_domain(world)
    first = owner_api.send("post", f"domains/{domain.pk}/verify")
    assert first.status_code == 202 and first.json()["checking"]
    again = owner_api.send("post", f"domains/{domain.pk}/verify")
    assert again.status_code == 200  # the check queued a moment ago stands


def verify_now(world, name="portal.acme-client.test") -> CustomDomain:
    """A verified domain, as the DNS check leaves it (tests/test_domains.py runs the check)."""
    domain = pending_domain(world, name=name)
    CustomDomain.objects.filter(pk=domain.pk).update(status=DomainStatus.VERIFIED)
    Domain.objects.create(domain=name, tenant=world.acme, is_primary=False)
    return domain


def test_primary_and_back(world, owner_api):
    domain = verify_now(world)
    made = owner_api.send("post", f"domains/{domain.pk}/primary")
    assert made.status_code == 200 and made.json()["is_primary"]
    # The API still answers on the subdomain; pages there now redirect.
    assert owner_api.get("domains").status_code == 200
    undone = owner_api.send("delete", f"domains/{domain.pk}/primary")
    assert undone.status_code == 200 and not undone.json()["is_primary"]
    assert Domain.objects.get(domain=ACME).is_primary


def test_a_pending_domain_cannot_be_primary(world, owner_api):
    domain = pending_domain(world)
    response = owner_api.send("post", f"domains/{domain.pk}/primary")
    assert response.status_code == 400
    assert "isn't verified yet" in response.json()["domain"][0]


def test_removing_a_domain(world, owner_api):
    domain = verify_now(world)
    assert owner_api.send("delete", f"domains/{domain.pk}").status_code == 204
    assert not Domain.objects.filter(domain=domain.name).exists()
    assert not CustomDomain.objects.filter(pk=domain.pk).exists()


def test_the_list_costs_the_same_queries_for_1_or_8_domains(world, owner_api):
    """Queries: the user (token), the actor (user + team/client membership), and the page of
    domains with is_primary (an EXISTS subquery)."""

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert owner_api.get("domains").status_code == 200
        return len(captured)

    pending_domain(world, name="d0.acme-client.test")
    owner_api.get("domains")  # warms the host cache (domain changes clear it)
    one = queries()
    for number in range(1, 8):
        pending_domain(world, name=f"d{number}.acme-client.test")
    owner_api.get("domains")
    assert queries() == one == 3


def test_the_schema_documents_brand_and_domains(world):
    schema = api_client(world, "owner")[0].get("/api/schema/?format=json")
    paths = schema.json()["paths"]
    assert {"get", "patch"} <= set(paths["/api/v1/brand"])
    assert {"get", "post"} <= set(paths["/api/v1/domains"])
    assert {"get", "delete"} <= set(paths["/api/v1/domains/{domain_id}"])
    assert {"post"} <= set(paths["/api/v1/domains/{domain_id}/verify"])
    assert {"post", "delete"} <= set(paths["/api/v1/domains/{domain_id}/primary"])

"""Self-service signup: every bad field explained, all-or-nothing, lands signed in."""

import re

import pytest
from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from billing.models import Subscription
from branding.models import Brand
from shared_apps.accounts.models import User
from shared_apps.signup.actions import agency_signup
from shared_apps.signup.signals import agency_signed_up
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.people.models import TeamMember
from tenants.models import Agency, Domain
from tests.conftest import PASSWORD, host_client

GOOD = {
    "agency_name": "Newco Studio",
    "subdomain": "newco",
    "owner_name": "Nora New",
    "owner_email": "Nora@Newco.example",
    "password": PASSWORD,
}

BAD_FIELDS = [
    ("agency_name", "", "required|may not be blank"),
    ("subdomain", "", "required|may not be blank"),
    ("subdomain", "ab", "3 to 40 characters"),
    ("subdomain", "a" * 41, "40 characters"),
    ("subdomain", "-newco", "start or end with a hyphen"),
    ("subdomain", "newco-", "start or end with a hyphen"),
    ("subdomain", "new_co", "letters, digits and hyphens"),
    ("subdomain", "new.co", "letters, digits and hyphens"),
    ("subdomain", "NewCo", "lowercase"),
    ("subdomain", "www", "reserved"),
    ("subdomain", "admin", "reserved"),
    ("subdomain", "template", "reserved"),  # agency_template: the schema new ones copy
    ("subdomain", "acme", "taken"),
    ("owner_name", "", "required|may not be blank"),
    ("owner_email", "not-an-email", "valid email"),
    ("password", "short", "too short"),
    ("password", "password123", "too common"),
    ("password", "83920174650192", "entirely numeric"),
    ("password", "nora@newco.example", "too similar"),
]


def schemas(prefix: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [prefix + "%"])
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.parametrize(("field", "value", "message"), BAD_FIELDS)
def test_signup_page_explains_each_bad_field(world, field, value, message):
    response = host_client("localhost").post("/signup/", GOOD | {field: value})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert re.search(message, " ".join(errors[field]))
    assert re.search(message, response.content.decode())
    assert not Agency.objects.filter(subdomain=GOOD["subdomain"]).exists()


@pytest.mark.parametrize(("field", "value", "message"), BAD_FIELDS)
def test_signup_api_returns_field_errors(world, field, value, message):
    response = host_client("localhost").post(
        "/api/v1/signup", GOOD | {field: value}, content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field]
    assert re.search(message, " ".join(body[field]))


def test_signup_api_reports_all_bad_fields_at_once(world):
    response = host_client("localhost").post(
        "/api/v1/signup",
        {"agency_name": "", "subdomain": "-x", "owner_email": "nope", "password": "1"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {
        "agency_name",
        "subdomain",
        "owner_name",
        "owner_email",
        "password",
    }


def test_signup_page_lands_the_owner_signed_in_on_the_new_workspace(world):
    response = host_client("localhost").post("/signup/", GOOD)
    assert response.status_code == 302
    handoff = response["Location"]
    assert handoff.startswith("http://newco.localhost:8000/auth/handoff/")

    browser = host_client("newco.localhost")
    landed = browser.get(handoff.removeprefix("http://newco.localhost:8000"), follow=True)
    assert landed.redirect_chain == [("/", 302)]
    assert landed.status_code == 200
    assert b"Welcome to Newco Studio" in landed.content
    assert b"Nora New" in landed.content
    assert landed.context["user"].email == "nora@newco.example"


def test_signup_api_creates_agency_owner_brand_and_log(world):
    response = host_client("localhost").post(
        "/api/v1/signup", GOOD, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["workspace_url"] == "http://newco.localhost:8000/"
    assert body["login_url"].startswith("http://newco.localhost:8000/auth/handoff/")

    agency = Agency.objects.get(subdomain="newco")
    assert agency.schema_name == "agency_newco"
    assert Domain.objects.get(tenant=agency).domain == "newco.localhost"
    assert Brand.objects.get(agency=agency).portal_name == "Newco Studio"
    with tenant_context(agency):
        owner = User.objects.get()
        assert owner.email == "nora@newco.example"
        assert owner.team_member.role == "owner"
        assert owner.check_password(PASSWORD)
        assert ActivityEntry.objects.get().action == "team.owner_created"


def test_handoff_link_is_single_use(world):
    login_url = (
        host_client("localhost")
        .post("/api/v1/signup", GOOD, content_type="application/json")
        .json()["login_url"]
        .removeprefix("http://newco.localhost:8000")
    )
    assert host_client("newco.localhost").get(login_url).status_code == 302
    reused = host_client("newco.localhost").get(login_url)
    assert reused.status_code == 400
    assert b"This sign-in link can't be used" in reused.content


def test_handoff_link_is_refused_on_another_agency(world):
    login_url = (
        host_client("localhost")
        .post("/api/v1/signup", GOOD, content_type="application/json")
        .json()["login_url"]
        .removeprefix("http://newco.localhost:8000")
    )
    # Agency acme has a user with the same id; the link must not sign anyone in there.
    foreign = host_client("acme.localhost").get(login_url)
    assert foreign.status_code == 400
    assert "_auth_user_id" not in host_client("acme.localhost").session


def test_signup_claims_a_spare_schema_from_the_pool(world):
    spares_before = set(Agency.objects.spares().values_list("schema_name", flat=True))
    assert spares_before, "the session world keeps a spare"
    signup = agency_signup(
        name="Pool Co",
        subdomain="pool-co",
        owner_name="P",
        owner_email="p@pool.example",
        owner_password=PASSWORD,
    )
    assert signup.from_pool
    assert signup.agency.schema_name == "agency_pool_co"
    # One spare was claimed (tests with a real worker may have topped the pool up since).
    spares_after = set(Agency.objects.spares().values_list("schema_name", flat=True))
    assert spares_after < spares_before and len(spares_before - spares_after) == 1
    assert not (spares_before - spares_after) & schemas("spare_"), "its schema was renamed"
    assert schemas("agency_pool_co") == {"agency_pool_co"}


def test_signup_migrates_a_new_schema_when_the_pool_is_empty(world):
    Agency.objects.spares().delete()
    signup = agency_signup(
        name="Fresh Co",
        subdomain="fresh-co",
        owner_name="F",
        owner_email="f@fresh.example",
        owner_password=PASSWORD,
    )
    assert not signup.from_pool
    with tenant_context(signup.agency):
        assert User.objects.get().email == "f@fresh.example"


@pytest.mark.parametrize("pool", ["with spare", "pool empty"])
def test_failed_signup_leaves_no_row_schema_or_rename_behind(world, pool):
    if pool == "pool empty":
        Agency.objects.spares().delete()
    spares_before = set(Agency.objects.spares().values_list("schema_name", flat=True))
    agencies_before = Agency.objects.count()
    # Another agency already owns the host the signup is about to claim: the
    # Domain insert fails after the schema was renamed or migrated.
    Domain.objects.create(domain="clash.localhost", tenant=world.acme)

    response = host_client("localhost").post(
        "/api/v1/signup", GOOD | {"subdomain": "clash"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"subdomain": ["That subdomain is taken; choose another."]}
    assert Agency.objects.count() == agencies_before
    assert not Agency.objects.filter(subdomain="clash").exists()
    assert schemas("agency_clash") == set()
    assert set(Agency.objects.spares().values_list("schema_name", flat=True)) == spares_before
    assert schemas("spare_") >= spares_before


class LaterStepFailed(Exception):
    pass


@pytest.mark.parametrize("pool", ["with spare", "pool empty"])
def test_signup_failing_after_the_owner_is_made_leaves_nothing_behind(world, pool):
    if pool == "pool empty":
        Agency.objects.spares().delete()
    spares_before = set(Agency.objects.spares().values_list("schema_name", flat=True))
    assert bool(spares_before) == (pool == "with spare")
    counts_before = [m.objects.count() for m in (Agency, Domain, Brand, Subscription)]
    owners_seen = []

    def fail_after_the_owner(sender, *, owner, **kwargs):
        # Connected after people's receiver: the owner is already a member of the new agency.
        owners_seen.append(TeamMember.objects.get(user=owner).role)
        raise LaterStepFailed

    agency_signed_up.connect(fail_after_the_owner)
    try:
        with pytest.raises(LaterStepFailed):
            agency_signup(
                name="Late Co",
                subdomain="late-co",
                owner_name="L",
                owner_email="l@late.example",
                owner_password=PASSWORD,
            )
    finally:
        agency_signed_up.disconnect(fail_after_the_owner)

    assert owners_seen == ["owner"]
    assert [m.objects.count() for m in (Agency, Domain, Brand, Subscription)] == counts_before
    assert not Agency.objects.filter(subdomain="late-co").exists()
    assert schemas("agency_late_co") == set()
    assert set(Agency.objects.spares().values_list("schema_name", flat=True)) == spares_before
    for spare in spares_before:  # a claimed spare is back, as empty as it was
        with schema_context(spare):
            assert not User.objects.exists()
            assert not TeamMember.objects.exists()
            assert not ActivityEntry.objects.exists()

"""Every plan limit, refused where the thing is created, with a message naming the limit and
offering the upgrade. Acme has three team members and two client companies."""

import pytest
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django_tenants.utils import tenant_context

from billing.limits import (
    PlanLimitReached,
    client_company_check,
    custom_domain_check,
    seat_check,
    storage_check,
)
from billing.models import Status
from billing.plans import GB
from tenant_apps.files.actions import file_store
from tenant_apps.files.models import StoredFile
from tenant_apps.people.actions import (
    client_company_create,
    invitation_accept,
    invitation_create,
    team_member_create,
)
from tenant_apps.people.models import ClientCompany, Invitation, TeamMember
from tenants.models import CustomDomain
from tests import stripe_standin as standin
from tests.test_billing_pages import api_as, as_, subscription_set

stripe_standin, billing_on = standin.stripe_standin, standin.billing_on  # fixtures

UPGRADE = "Upgrade to Growth or Scale on the Billing page (/billing/)"


@pytest.fixture
def on_starter(world, billing_on):
    """Acme pays for Starter: 3 seats, 5 client companies, 10 GB, no custom domain."""
    subscription_set(world, status=Status.ACTIVE, plan="starter")


def owner_of(world):
    return world.personas["owner"].user


# The counts are the caller's


def advisory_locks_held() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND pid = pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_limits_judge_the_counts_they_are_given(world, on_starter):
    # Starter: 3 seats, 5 client companies, 10 GB. No table is read: acme has 3 members.
    with tenant_context(world.acme):
        seat_check(used=lambda: 2)
        with pytest.raises(PlanLimitReached) as seats:
            seat_check(used=lambda: 3)
        client_company_check(used=lambda: 4)
        with pytest.raises(PlanLimitReached) as companies:
            client_company_check(used=lambda: 5)
        storage_check(name="a.txt", size=10, used=lambda: 10 * GB - 10)
        with pytest.raises(PlanLimitReached) as storage:
            storage_check(name="a.txt", size=11, used=lambda: 10 * GB - 10)
    assert (seats.value.limit, companies.value.limit, storage.value.limit) == (
        "seats",
        "client_companies",
        "storage",
    )
    assert "Your Starter plan includes 5 client companies." in companies.value.messages[0]


def test_seats_and_companies_are_counted_under_the_agencys_lock(world, on_starter):
    # The lock comes first: a creator counting at the same time waits for this transaction.
    counted_holding = []

    def used():
        counted_holding.append(advisory_locks_held())
        return 0

    with tenant_context(world.acme):
        before = advisory_locks_held()
        seat_check(used=used)
        client_company_check(used=used)
    assert counted_holding == [before + 1, before + 2]


def test_without_a_limit_nothing_is_counted(world):
    # Billing off: Scale for everyone, with no seat or company limit.
    def never():
        raise AssertionError("counted without a limit")

    with tenant_context(world.acme):
        seat_check(used=never)
        client_company_check(used=never)


# Team seats


def test_a_team_invitation_beyond_the_seats_is_refused_on_the_page(world, on_starter):
    response = as_(world, "owner").post(
        reverse("people:team_invite"), {"email": "fourth@acme.example", "role": "staff"}
    )

    assert response.status_code == 403
    assert "Plan limit reached" in response.text
    assert (
        "Your Starter plan includes 3 team seats, all taken by team members and pending "
        f"invitations. {UPGRADE} to add more." in response.text
    )
    assert 'href="/billing/">Upgrade the plan</a>' in response.text
    with tenant_context(world.acme):
        assert not Invitation.objects.filter(email="fourth@acme.example").exists()


def test_a_team_invitation_beyond_the_seats_is_refused_in_the_api(world, on_starter):
    api, headers = api_as(world, "admin")
    response = api.post(
        "/api/v1/invitations",
        {"email": "fourth@acme.example", "team_role": "staff"},
        "application/json",
        **headers,
    )
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Your Starter plan includes 3 team seats")
    assert UPGRADE in response.json()["detail"]


def test_client_invitations_take_no_seat(world, on_starter):
    with tenant_context(world.acme):
        new = invitation_create(
            email="new@northwind.example",
            company=world.northwind,
            client_role="viewer",
            actor=owner_of(world),
        )
    assert new.invitation.pk


def test_pending_invitations_hold_seats_and_accepting_one_takes_its_own(world, billing_on):
    # Growth (the trial's limits): 10 seats; 3 members and 7 invitations fill them.
    owner = owner_of(world)
    with tenant_context(world.acme):
        invitations = [
            invitation_create(email=f"i{n}@acme.example", team_role="staff", actor=owner)
            for n in range(7)
        ]
        with pytest.raises(PlanLimitReached, match="Your trial includes 10 team seats"):
            invitation_create(email="eleventh@acme.example", team_role="staff", actor=owner)

        invitation_accept(
            secret=invitations[0].secret, full_name="First In", password_hash=make_password(None)
        )
        assert TeamMember.objects.count() == 4
        with pytest.raises(PlanLimitReached):  # 4 members and 6 invitations: still full
            invitation_create(email="eleventh@acme.example", team_role="staff", actor=owner)


def test_adding_a_team_member_beyond_the_seats_is_refused(world, on_starter):
    with tenant_context(world.acme), pytest.raises(PlanLimitReached) as refused:
        team_member_create(
            email="fourth@acme.example",
            full_name="Fourth",
            role="staff",
            password_hash=None,
            actor=owner_of(world),
        )
    assert refused.value.limit == "seats"
    with tenant_context(world.acme):
        assert TeamMember.objects.count() == 3


# Client companies


def test_a_client_company_beyond_the_plan_is_refused(world, on_starter):
    owner = owner_of(world)
    with tenant_context(world.acme):
        for name in ("Eastwind", "Westwind", "Northeast"):
            client_company_create(name=name, actor=owner)
        ClientCompany.objects.filter(name="Southwind").update(is_archived=True)
        client_company_create(name="Archived ones do not count", actor=owner)

    page = as_(world, "owner").post(reverse("people:company_create"), {"name": "Sixth"})
    api, headers = api_as(world, "owner")
    from_api = api.post("/api/v1/clients", {"name": "Sixth"}, "application/json", **headers)

    message = f"Your Starter plan includes 5 client companies. {UPGRADE} to add more."
    assert page.status_code == 403
    assert message in page.text
    assert from_api.status_code == 403
    assert from_api.json()["detail"] == message
    with tenant_context(world.acme):
        assert not ClientCompany.objects.filter(name="Sixth").exists()


# Storage


def text_upload(content: bytes, name="notes.txt"):
    return SimpleUploadedFile(name, content, content_type="text/plain")


def _fill_storage(world, size: int) -> None:
    with tenant_context(world.acme):
        StoredFile.objects.create(
            key="acme/filler",
            name="filler.bin",
            size=size,
            sha256="0" * 64,
            content_type="application/octet-stream",
            uploaded_by=owner_of(world),
        )


def test_an_upload_beyond_the_storage_is_refused_naming_the_file(world, on_starter):
    _fill_storage(world, 10 * GB - 10)
    owner = owner_of(world)
    with tenant_context(world.acme):
        with pytest.raises(ValidationError) as refused:
            file_store(upload=text_upload(b"eleven bytes"), uploaded_by=owner)
        assert isinstance(refused.value, PlanLimitReached)
        assert refused.value.messages == [
            "notes.txt: storing it would take the workspace past the 10 GB of storage your "
            f"Starter plan includes (10.0\xa0GB in use). {UPGRADE} for more."
        ]
        assert file_store(upload=text_upload(b"ten bytes!"), uploaded_by=owner).size == 10


def test_an_attachment_beyond_the_storage_is_a_form_error(world, on_starter):
    _fill_storage(world, 10 * GB)
    response = as_(world, "client_admin").post(
        reverse("client_requests:new"),
        {
            "type": "support",
            "title": "Logo",
            "details": "See the file.",
            "priority": "normal",
            "files": text_upload(b"the file"),
        },
    )
    assert response.status_code == 200
    assert "storing it would take the workspace past the 10 GB" in response.text


def test_the_top_plan_says_no_plan_goes_further(world):
    # Billing off: Scale for everyone, 1000 GB.
    _fill_storage(world, 1000 * GB)
    with tenant_context(world.acme), pytest.raises(PlanLimitReached) as refused:
        file_store(upload=text_upload(b"x"), uploaded_by=owner_of(world))
    assert "That is the most any plan includes; contact us to raise the storage." in str(
        refused.value.messages
    )


# Custom domains


def test_custom_domains_need_a_plan_that_includes_them(world, on_starter):
    with pytest.raises(PlanLimitReached) as refused:
        custom_domain_check(world.acme)
    assert refused.value.messages == [
        f"Your Starter plan includes no custom domains. {UPGRADE} to use one."
    ]
    subscription_set(world, plan="growth")
    custom_domain_check(world.acme)  # included


def test_adding_a_custom_domain_on_a_plan_without_them_is_a_form_error(world, on_starter):
    response = as_(world, "owner").post(
        reverse("branding:domains"), {"name": "portal.acme-client.example"}
    )

    assert response.status_code == 400
    assert f"Your Starter plan includes no custom domains. {UPGRADE} to use one." in (
        response.text.replace("&#x27;", "'")
    )
    assert not CustomDomain.objects.filter(name="portal.acme-client.example").exists()


def test_without_billing_custom_domains_are_included(world):
    custom_domain_check(world.acme)

"""Invitations: who may send them, the email, and single-use, expiring, agency-bound links."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_tenants.utils import tenant_context

from branding.models import Brand
from branding.selectors import CACHE_KEY as BRAND_CACHE_KEY
from shared_apps.accounts.models import User
from tenant_apps.people.actions import invitation_create
from tenant_apps.people.models import ClientMember, Invitation, TeamMember, secret_digest
from tenant_apps.people.tasks import invitation_email_send
from tests.conftest import PASSWORD, host_client, signed_in_client
from tests.people_support import ACME, accept_link, activity, api_post

NEW_PASSWORD = "a-long-and-unguessable-passphrase"


@pytest.fixture
def inline_tasks(django_capture_on_commit_callbacks):
    """Run on-commit callbacks when the block ends and tasks in-process, as a worker would."""
    app = invitation_email_send.app
    app.conf.task_always_eager = True
    try:
        yield lambda: django_capture_on_commit_callbacks(execute=True)
    finally:
        app.conf.task_always_eager = False


def invite(world, *, email="new@acme.example", by="owner", **fields) -> tuple[Invitation, str]:
    """An invitation made directly through the action; its email is not sent."""
    fields = fields or {"team_role": "staff"}
    with tenant_context(world.acme):
        new = invitation_create(email=email, actor=world.personas[by].user, **fields)
    return new.invitation, new.secret


def pending(world, email):
    with tenant_context(world.acme):
        return Invitation.objects.pending().filter(email=email)


def accept_path(secret):
    return f"/invitations/{secret}/"


# Sending


def test_owner_invites_a_team_member_by_email(world, mailoutbox, inline_tasks):
    client = signed_in_client(world.personas["owner"])
    with inline_tasks():
        response = client.post(
            "/team/invitations/",
            {"email": "Dana@Acme.example", "full_name": "Dana Doe", "role": "admin"},
        )
    assert response.status_code == 302
    assert response["Location"] == "/team/"

    [message] = mailoutbox
    assert message.to == ["dana@acme.example"]
    assert message.reply_to == ["owner@acme.example"]
    assert message.subject == "Acme Owner invited you to Acme"
    assert message.from_email.startswith("Acme <")
    assert "Acme Owner has invited you to join Acme as Admin." in message.body
    path, secret = accept_link(message)
    assert path in message.alternatives[0].content
    with tenant_context(world.acme):
        invitation = Invitation.objects.get(email="dana@acme.example")
    assert invitation.secret_digest == secret_digest(secret)
    assert secret not in invitation.secret_digest
    assert invitation.team_role == "admin" and invitation.full_name == "Dana Doe"
    assert invitation.sent_at is not None
    lifetime = invitation.expires_at - invitation.created_at
    assert timedelta(days=7) - timedelta(seconds=5) < lifetime <= timedelta(days=7)
    [entry] = activity(world, "invitation.created")
    assert entry.actor_id == world.personas["owner"].user.pk
    assert entry.changes == {"email": "dana@acme.example", "role": "Admin"}


def test_client_admin_invites_a_colleague_to_their_company(world, mailoutbox, inline_tasks):
    client = signed_in_client(world.personas["client_admin"])
    with inline_tasks():
        response = client.post(
            f"/clients/{world.northwind.pk}/invitations/",
            {"email": "colleague@northwind.example", "role": "approver"},
        )
    assert response.status_code == 302
    [message] = mailoutbox
    assert "as Approver at Northwind" in message.body
    assert message.reply_to == ["ca@northwind.example"]


def test_the_email_carries_the_agencys_portal_name(world, mailoutbox):
    brand = Brand.objects.get(agency=world.acme)
    brand.portal_name = "Acme Client Hub"
    brand.save()  # its signal drops the cached brand
    invitation, secret = invite(world, company=world.northwind, client_role="viewer")
    with tenant_context(world.acme):
        try:
            invitation_email_send.run(invitation.pk, secret)
        finally:
            # The cache outlives this test's rolled-back transaction.
            cache.delete(BRAND_CACHE_KEY)
    [message] = mailoutbox
    assert message.subject == "Acme Owner invited you to Acme Client Hub"
    assert message.from_email.startswith("Acme Client Hub <")
    assert "join Acme on Acme Client Hub as Viewer at Northwind." in message.body


def test_the_email_task_sends_once(world, mailoutbox):
    invitation, secret = invite(world)
    with tenant_context(world.acme):
        assert invitation_email_send.run(invitation.pk, secret) is True
        assert invitation_email_send.run(invitation.pk, secret) is False
    assert len(mailoutbox) == 1


def test_the_email_task_skips_invitations_no_longer_pending(world, mailoutbox):
    invitation, secret = invite(world)
    with tenant_context(world.acme):
        Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
        assert invitation_email_send.run(invitation.pk, secret) is False
        assert invitation_email_send.run(invitation.pk + 1000, secret) is False
    assert mailoutbox == []


def test_inviting_registers_the_email_for_after_commit_only(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        invite(world)
    assert len(callbacks) == 1
    assert mailoutbox == []  # never from inside the transaction


# Who may invite whom


def test_the_invite_form_offers_the_owner_role_to_owners_only(world):
    owner_page = signed_in_client(world.personas["owner"]).get("/team/")
    admin_page = signed_in_client(world.personas["admin"]).get("/team/")
    assert b'<option value="owner"' in owner_page.content
    assert b'<option value="owner"' not in admin_page.content
    assert b'<option value="admin"' in admin_page.content


def test_admin_cannot_invite_an_owner_on_the_page_or_the_api(world):
    client = signed_in_client(world.personas["admin"])
    page = client.post("/team/invitations/", {"email": "boss@acme.example", "role": "owner"})
    assert page.status_code == 403
    api = api_post(
        world, "admin", "/api/v1/invitations", {"email": "boss@acme.example", "team_role": "owner"}
    )
    assert api.status_code == 403
    assert not pending(world, "boss@acme.example").exists()
    denials = [entry.changes["permission"] for entry in activity(world, "access.denied")]
    assert denials == ["team.invite", "team.invite"]


def test_owner_can_invite_another_owner(world):
    response = api_post(
        world, "owner", "/api/v1/invitations", {"email": "co@acme.example", "team_role": "owner"}
    )
    assert response.status_code == 201
    assert response.json()["role_label"] == "Owner"


def test_client_admin_cannot_invite_to_another_company_or_the_team(world):
    client = signed_in_client(world.personas["client_admin"])
    page = client.post(
        f"/clients/{world.southwind.pk}/invitations/",
        {"email": "x@southwind.example", "role": "viewer"},
    )
    assert page.status_code == 404
    other_company = api_post(
        world,
        "client_admin",
        "/api/v1/invitations",
        {"email": "x@southwind.example", "company": world.southwind.pk, "client_role": "viewer"},
    )
    assert other_company.status_code == 400
    assert "does not exist" in other_company.json()["company"][0]
    team = api_post(
        world,
        "client_admin",
        "/api/v1/invitations",
        {"email": "x@acme.example", "team_role": "staff"},
    )
    assert team.status_code == 403
    with tenant_context(world.acme):
        assert not Invitation.objects.exists()


def test_approver_cannot_invite(world):
    client = signed_in_client(world.personas["approver"])
    response = client.post(
        f"/clients/{world.northwind.pk}/invitations/",
        {"email": "y@northwind.example", "role": "viewer"},
    )
    assert response.status_code == 403


# Bad input


@pytest.mark.parametrize(
    ("email", "error"),
    [
        ("VIEWER@northwind.example", "already has an account here"),
        ("not-an-email", "Enter a valid email address."),
        ("", "This field is required."),
    ],
)
def test_invite_form_shows_field_errors_and_writes_nothing(world, email, error):
    client = signed_in_client(world.personas["owner"])
    response = client.post("/team/invitations/", {"email": email, "role": "staff"})
    assert response.status_code == 200
    assert 'id="id_email_error"' in response.text
    assert error in response.text
    with tenant_context(world.acme):
        assert not Invitation.objects.exists()
    assert activity(world, "invitation.created") == []


def test_an_email_with_a_pending_invitation_cannot_be_invited_again(world):
    first, _ = invite(world, email="twice@acme.example")
    client = signed_in_client(world.personas["owner"])
    response = client.post("/team/invitations/", {"email": "Twice@acme.example", "role": "staff"})
    assert "already has a pending invitation" in response.text
    api = api_post(
        world, "owner", "/api/v1/invitations", {"email": "twice@acme.example", "team_role": "staff"}
    )
    assert api.status_code == 400
    assert "already has a pending invitation" in api.json()["email"][0]

    with tenant_context(world.acme):
        Invitation.objects.filter(pk=first.pk).update(revoked_at=timezone.now())
    again = client.post("/team/invitations/", {"email": "twice@acme.example", "role": "staff"})
    assert again.status_code == 302


def test_a_forged_role_is_a_field_error(world):
    client = signed_in_client(world.personas["owner"])
    response = client.post("/team/invitations/", {"email": "z@acme.example", "role": "emperor"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.text


# Accepting


def test_the_accept_page_says_who_invited_whom_to_what(world):
    _, secret = invite(world, team_role="admin")
    response = host_client(ACME).get(accept_path(secret))
    assert response.status_code == 200
    assert "Acme Owner invited you to join <strong>Acme</strong> as Admin" in response.text
    assert "new@acme.example" in response.text


def test_accepting_with_a_password_creates_the_member_and_signs_them_in(world):
    invitation, secret = invite(world, team_role="admin")
    client = host_client(ACME)
    response = client.post(
        accept_path(secret),
        {
            "full_name": "Nina New",
            "usable_password": "true",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200  # signed in
    with tenant_context(world.acme):
        member = TeamMember.objects.select_related("user").get(user__email="new@acme.example")
        invitation.refresh_from_db()
    assert member.role == "admin"
    assert member.user.full_name == "Nina New"
    assert member.user.check_password(NEW_PASSWORD)
    assert invitation.accepted_at is not None
    [accepted] = activity(world, "invitation.accepted")
    assert accepted.actor_id == member.user.pk
    [added] = activity(world, "team.member_added")[-1:]
    assert added.actor_id == world.personas["owner"].user.pk  # who granted the access


def test_accepting_magic_link_only_leaves_no_usable_password(world):
    _, secret = invite(
        world, email="link@northwind.example", company=world.northwind, client_role="finance"
    )
    client = host_client(ACME)
    response = client.post(
        accept_path(secret), {"full_name": "Lin Link", "usable_password": "false"}
    )
    assert response.status_code == 302
    with tenant_context(world.acme):
        member = ClientMember.objects.select_related("user").get(
            user__email="link@northwind.example"
        )
    assert member.company == world.northwind and member.role == "finance"
    assert not member.user.has_usable_password()
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("password1", "password2", "field", "error"),
    [
        ("short", "short", "password2", "This password is too short."),
        ("12345678901", "12345678901", "password2", "This password is entirely numeric."),
        ("new@acme.example", "new@acme.example", "password2", "too similar to the email"),
        (NEW_PASSWORD, "something-else-entirely", "password2", "The two password fields didn"),
        ("", "", "password1", "This field is required."),
    ],
)
def test_a_bad_password_is_a_field_error_and_nothing_is_written(
    world, password1, password2, field, error
):
    invitation, secret = invite(world)
    response = host_client(ACME).post(
        accept_path(secret),
        {
            "full_name": "Nina New",
            "usable_password": "true",
            "password1": password1,
            "password2": password2,
        },
    )
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.text
    assert error in response.text
    with tenant_context(world.acme):
        assert not User.objects.filter(email="new@acme.example").exists()
        invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_a_name_is_required_to_accept(world):
    _, secret = invite(world)
    response = host_client(ACME).post(
        accept_path(secret), {"full_name": "", "usable_password": "false"}
    )
    assert response.status_code == 200
    assert 'id="id_full_name_error"' in response.text


# Links that can't be used


def accept(secret, host=ACME):
    return host_client(host).post(
        accept_path(secret), {"full_name": "Nina New", "usable_password": "false"}
    )


def test_an_invitation_works_once(world):
    _, secret = invite(world)
    assert accept(secret).status_code == 302
    again = accept(secret)
    assert again.status_code == 410
    assert "already accepted" in again.text
    assert host_client(ACME).get(accept_path(secret)).status_code == 410
    with tenant_context(world.acme):
        assert User.objects.filter(email="new@acme.example").count() == 1


def test_an_expired_invitation_is_refused(world):
    invitation, secret = invite(world)
    with tenant_context(world.acme):
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    response = accept(secret)
    assert response.status_code == 410
    assert "has expired" in response.text
    with tenant_context(world.acme):
        assert not User.objects.filter(email="new@acme.example").exists()


def test_a_revoked_invitation_is_refused(world):
    invitation, secret = invite(world)
    client = signed_in_client(world.personas["owner"])
    assert client.post(f"/invitations/{invitation.pk}/revoke/").status_code == 302
    response = host_client(ACME).get(accept_path(secret))
    assert response.status_code == 410
    assert "was withdrawn" in response.text
    assert accept(secret).status_code == 410


def test_an_unknown_link_is_a_404(world):
    response = host_client(ACME).get(accept_path("made-up"))
    assert response.status_code == 404
    assert "don't recognise this invitation" in response.text


def test_an_invitation_is_unknown_on_another_agency(world):
    invitation, secret = invite(world)
    assert host_client("globex.localhost").get(accept_path(secret)).status_code == 404
    assert accept(secret, host="globex.localhost").status_code == 404
    with tenant_context(world.globex):
        assert not User.objects.filter(email="new@acme.example").exists()
    with tenant_context(world.acme):
        invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_accepting_when_the_email_got_an_account_meanwhile(world):
    _, secret = invite(world, email="race@acme.example")
    with tenant_context(world.acme):
        User.objects.create_user("race@acme.example", PASSWORD, full_name="Quick")
    response = accept(secret)
    assert response.status_code == 410
    assert "already have an account" in response.text


# Revoking


def test_revoking_is_logged_and_refused_once_accepted(world):
    invitation, secret = invite(world, company=world.northwind, client_role="viewer")
    client = signed_in_client(world.personas["client_admin"])
    response = client.post(f"/invitations/{invitation.pk}/revoke/")
    assert response["Location"] == f"/clients/{world.northwind.pk}/people/"
    [entry] = activity(world, "invitation.revoked")
    assert entry.actor_id == world.personas["client_admin"].user.pk

    second, secret = invite(
        world, email="b@northwind.example", company=world.northwind, client_role="viewer"
    )
    assert accept(secret).status_code == 302
    api = api_post(world, "owner", f"/api/v1/invitations/{second.pk}/revoke")
    assert api.status_code == 409
    assert api.json() == {
        "detail": "This invitation has already been accepted.",
        "code": "accepted",
    }
    page = client.post(f"/invitations/{second.pk}/revoke/", follow=True)
    assert "already been accepted" in page.text


def test_revoking_with_htmx_returns_the_updated_row(world):
    invitation, _ = invite(world)
    client = signed_in_client(world.personas["owner"])
    response = client.post(f"/invitations/{invitation.pk}/revoke/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.text.strip().startswith(f'<tr id="invitation-{invitation.pk}">')
    assert "Revoked" in response.text
    assert "<button" not in response.text


def test_admin_cannot_revoke_an_owner_invitation(world):
    invitation, _ = invite(world, team_role="owner")
    client = signed_in_client(world.personas["admin"])
    assert client.post(f"/invitations/{invitation.pk}/revoke/").status_code == 403
    assert (
        api_post(world, "admin", f"/api/v1/invitations/{invitation.pk}/revoke").status_code == 403
    )
    with tenant_context(world.acme):
        invitation.refresh_from_db()
    assert invitation.status == "pending"

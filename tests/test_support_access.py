"""Support access with consent: the owner grants and revokes; a support operator signs in as a
person of the agency through a single-use handoff; the session is bannered, fenced, logged on
both sides and ends with its grant."""

from datetime import timedelta
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import tenant_context

from operators.impersonation import HANDOFF_SECONDS, EndedHow
from operators.models import ImpersonationSession, OperatorLogEntry, SupportGrant
from operators.roles import Role
from operators.tasks import support_sessions_close
from shared_apps.accounts.models import User
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.support_access.middleware import refused as support_refused
from tests.conftest import OPERATOR_EMAILS, host_client, operator_sign_in, signed_in_client
from tests.test_isolation import obtain_tokens

ACME = "acme.localhost"
PLATFORM = "localhost"
REASON = "Their invoices page shows the wrong currency; the owner asked us to look."


def operator_user(role=Role.SUPPORT) -> User:
    connection.set_schema_to_public()  # a request to an agency's host leaves its schema set
    return User.objects.get(email=OPERATOR_EMAILS[role])


def operator_client(role=Role.SUPPORT):
    return operator_sign_in(host_client(PLATFORM), operator_user(role))


def owner(world):
    return signed_in_client(world.personas["owner"])


def grant(world, ends_in="24h", note=""):
    response = owner(world).post(
        reverse("support_access:settings"), {"ends_in": ends_in, "note": note}
    )
    assert response.status_code == 302, response.content
    return SupportGrant.objects.get(agency=world.acme, revoked_at__isnull=True)


def start(world, persona="admin", client=None, reason=REASON):
    """The operator's POST; returns the response (a redirect to the handoff when it worked)."""
    client = client or operator_client()
    path = reverse("operator:support", args=[world.acme.pk], urlconf="config.urls_public")
    person = world.personas[persona].user.pk
    return client.post(path, {"person": person, "reason": reason})


def impersonate(world, persona="admin"):
    """A browser on acme's host signed in as ``persona`` by a support session."""
    response = start(world, persona)
    assert response.status_code == 302, response.content
    handoff = urlsplit(response["Location"])
    assert handoff.hostname == ACME
    browser = host_client(ACME)
    arrived = browser.get(handoff.path)
    assert arrived.status_code == 302 and arrived["Location"] == "/"
    return browser, handoff.path


def acme_entries(world, action):
    with tenant_context(world.acme):
        return list(ActivityEntry.objects.filter(action=action).order_by("id"))


def test_only_the_owner_grants_and_revokes(world):
    settings_path = reverse("support_access:settings")
    for persona in ["admin", "staff", "client_admin"]:
        client = signed_in_client(world.personas[persona])
        assert client.get(settings_path).status_code == 403
        assert client.post(settings_path, {"ends_in": "1h"}).status_code == 403
        access = obtain_tokens(ACME, world.personas[persona].user.email)["access"]
        refused = host_client(ACME).post(
            "/api/v1/support-grants",
            {"ends_in": "1h"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {access}",
        )
        assert refused.status_code == 403
    assert not SupportGrant.objects.filter(agency=world.acme).exists()

    given = grant(world, "4h", note="Invoices look odd")
    assert timedelta(hours=3, minutes=59) < given.ends_at - timezone.now() <= timedelta(hours=4)
    page = owner(world).get(settings_path)
    assert b"Support can sign in until" in page.content
    assert b"Revoke access now" in page.content
    [granted] = acme_entries(world, "support.access_granted")
    assert granted.actor == world.personas["owner"].user
    assert granted.changes["note"] == "Invoices look odd"
    assert granted.description.startswith("Gave platform support access until")

    # The API says the same, and refuses a second grant while one is in force.
    access = obtain_tokens(ACME, "owner@acme.example")["access"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {access}"}
    listed = host_client(ACME).get("/api/v1/support-grants", **auth).json()
    assert listed["grants"][0]["id"] == given.pk and listed["grants"][0]["in_force"]
    again = host_client(ACME).post(
        "/api/v1/support-grants", {"ends_in": "1h"}, content_type="application/json", **auth
    )
    assert again.status_code == 400 and "ends_in" in again.json()

    revoked = owner(world).post(reverse("support_access:revoke", args=[given.pk]))
    assert revoked.status_code == 302
    given.refresh_from_db()
    assert given.revoked_at is not None
    assert len(acme_entries(world, "support.access_revoked")) == 1

    created = host_client(ACME).post(
        "/api/v1/support-grants",
        {"ends_in": "7d", "note": ""},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201, created.content
    revoke_path = f"/api/v1/support-grants/{created.json()['id']}/revoke"
    assert host_client(ACME).post(revoke_path, **auth).json()["in_force"] is False


def test_bad_grant_input_is_refused_with_field_errors(world):
    page = owner(world).post(reverse("support_access:settings"), {"ends_in": "9d"})
    assert page.status_code == 400
    assert page.context["form"].errors["ends_in"]
    access = obtain_tokens(ACME, "owner@acme.example")["access"]
    answer = host_client(ACME).post(
        "/api/v1/support-grants",
        {"ends_in": "2h", "note": "x" * 301},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {access}",
    )
    assert answer.status_code == 400
    assert set(answer.json()) == {"ends_in", "note"}
    assert not SupportGrant.objects.filter(agency=world.acme).exists()


def test_without_a_grant_a_session_is_refused(world):
    refused = start(world)
    assert refused.status_code == 403
    assert b"has not granted support access" in refused.content
    client = operator_client()
    api = client.post(
        f"/api/v1/operator/agencies/{world.acme.pk}/support/sessions",
        {"person": world.personas["admin"].user.pk, "reason": REASON},
        content_type="application/json",
    )
    assert api.status_code == 403 and api.json()["code"] == "no_support_grant"
    assert not ImpersonationSession.objects.exists()
    assert not OperatorLogEntry.objects.filter(action="impersonation.started").exists()


def test_a_reason_and_a_person_of_the_agency_are_required(world):
    grant(world)
    assert start(world, reason="  ").status_code == 400
    client = operator_client()
    path = reverse("operator:support", args=[world.acme.pk], urlconf="config.urls_public")
    answer = client.post(path, {"person": 987_654, "reason": REASON})  # nobody of acme's
    assert answer.status_code == 400 and answer.context["support_form"].errors["person"]
    assert not ImpersonationSession.objects.exists()


def test_a_support_session_from_grant_to_revocation(world):
    given = grant(world)
    browser, _ = impersonate(world, "owner")
    session = ImpersonationSession.objects.get()
    assert session.ends_at <= min(timezone.now() + timedelta(hours=1), given.ends_at)
    assert session.operator_label == OPERATOR_EMAILS[Role.SUPPORT]

    home = browser.get("/")
    assert home.status_code == 200
    assert home.wsgi_request.user == world.personas["owner"].user
    text = home.content.decode()
    assert "Support session:" in text and OPERATOR_EMAILS[Role.SUPPORT] in text
    assert "is signed in as" in text and "End session" in text

    # Passwords, two-factor, billing, support access: refused, page and API alike.
    for method, path in [
        ("get", reverse("security:password_change")),
        ("get", reverse("security:two_factor_setup")),
        ("post", reverse("security:account")),
        ("post", reverse("billing:checkout")),
        ("post", reverse("support_access:settings")),
        ("post", reverse("support_access:revoke", args=[given.pk])),
        ("post", reverse("people:team_invite")),
    ]:
        refused = getattr(browser, method)(path)
        assert refused.status_code == 403, (method, path)
        assert b"Not during a support session" in refused.content
    for method, path in [
        ("post", "/api/v1/account/password"),
        ("post", "/api/v1/billing/checkout-session"),
        ("get", "/api/v1/support-grants"),
        ("post", f"/api/v1/support-grants/{given.pk}/revoke"),
        ("post", "/api/v1/webhooks"),
    ]:
        refused = getattr(browser, method)(path, content_type="application/json")
        assert refused.status_code == 403, (method, path)
        assert refused.json()["code"] == "support_session_forbidden"
    # Reading the account and billing pages is fine.
    assert browser.get(reverse("security:account")).status_code == 200
    assert browser.get(reverse("billing:overview")).status_code == 200
    given.refresh_from_db()
    assert given.revoked_at is None

    # Both logs say who, as whom, why and when; the agency's chain still holds.
    [started] = acme_entries(world, "support.session_started")
    assert started.changes["operator"] == OPERATOR_EMAILS[Role.SUPPORT]
    assert started.changes["reason"] == REASON
    assert started.object_id == str(world.personas["owner"].user.pk)
    assert started.description.startswith(
        f"Platform support ({OPERATOR_EMAILS[Role.SUPPORT]}) signed in as"
    )
    assert len(acme_entries(world, "support.session_refused")) == 12
    assert not acme_entries(world, "auth.signed_in") or all(
        entry.occurred_at < session.started_at for entry in acme_entries(world, "auth.signed_in")
    )
    logged = OperatorLogEntry.objects.get(action="impersonation.started")
    assert logged.reason == REASON and logged.agency_id == world.acme.pk
    out = StringIO()
    call_command("verify_activity_log", schema=world.acme.schema_name, stdout=out)
    assert f"{world.acme.schema_name}: intact; head entry" in out.getvalue()

    # The owner (in their own browser) revokes: the support browser is out on its next request.
    owner(world).post(reverse("support_access:revoke", args=[given.pk]))
    ended = browser.get("/")
    assert ended.status_code == 302 and ended["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in browser.session
    session.refresh_from_db()
    assert session.ended_how == EndedHow.GRANT_REVOKED
    [end] = acme_entries(world, "support.session_ended")
    assert end.changes["how"] == EndedHow.GRANT_REVOKED
    assert "the owner revoked support access" in end.description
    assert OperatorLogEntry.objects.filter(action="impersonation.ended").count() == 1
    assert browser.get("/").status_code == 302  # still out
    assert start(world).status_code == 403


def test_the_handoff_is_single_use_and_expires(world):
    grant(world)
    browser, path = impersonate(world)
    assert host_client(ACME).get(path).status_code == 400  # spent
    late = urlsplit(start(world)["Location"]).path
    assert ImpersonationSession.objects.filter(ended_how=EndedHow.REPLACED).count() == 1
    ImpersonationSession.objects.filter(ended_at__isnull=True).update(
        started_at=timezone.now() - timedelta(seconds=HANDOFF_SECONDS + 1)
    )
    assert host_client(ACME).get(late).status_code == 400
    # The replaced session's browser is out too.
    assert browser.get("/").status_code == 302
    # Another agency's host never takes acme's secret.
    fresh = urlsplit(start(world)["Location"]).path
    assert host_client("globex.localhost").get(fresh).status_code == 400


@pytest.mark.parametrize(
    ("moved", "how"),
    [("session", EndedHow.EXPIRED), ("grant", EndedHow.GRANT_EXPIRED)],
)
def test_a_session_ends_with_its_time_or_its_grant(world, moved, how):
    given = grant(world)
    browser, _ = impersonate(world)
    past = timezone.now() - timedelta(minutes=1)
    if moved == "session":
        ImpersonationSession.objects.update(ends_at=past)
    else:
        SupportGrant.objects.filter(pk=given.pk).update(ends_at=past)
    out = browser.get("/", follow=True)
    assert out.redirect_chain[0] == (reverse("accounts:login"), 302)
    assert "The support session has ended" in out.content.decode()
    session = ImpersonationSession.objects.get()
    assert session.ended_how == how and session.ended_at == past
    assert acme_entries(world, "support.session_ended")[0].changes["how"] == how
    if moved == "grant":
        assert start(world).status_code == 403


def test_the_operator_ends_the_session_from_the_banner_or_by_signing_out(world):
    grant(world)
    browser, _ = impersonate(world)
    assert browser.post(reverse("support_access:end")).status_code == 302
    assert ImpersonationSession.objects.get().ended_how == EndedHow.OPERATOR
    assert browser.get("/").status_code == 302
    browser, _ = impersonate(world)
    assert browser.post(reverse("accounts:logout")).status_code == 302
    assert ImpersonationSession.objects.filter(ended_how=EndedHow.SIGNED_OUT).count() == 1
    # Neither ending says that the person signed in or out.
    assert not [
        entry
        for entry in acme_entries(world, "auth.signed_out")
        if entry.occurred_at > ImpersonationSession.objects.earliest("started_at").started_at
    ]


def test_the_console_ends_a_session(world):
    grant(world)
    browser, _ = impersonate(world)
    session = ImpersonationSession.objects.get()
    client = operator_client()
    panel = client.get(
        reverse("operator:agency", args=[world.acme.pk], urlconf="config.urls_public")
    )
    assert b"Running now" in panel.content and REASON.encode() in panel.content
    ended = client.post(
        reverse("operator:support_end", args=[session.pk], urlconf="config.urls_public")
    )
    assert ended.status_code == 302
    assert browser.get("/").status_code == 302
    session.refresh_from_db()
    assert session.ended_how == EndedHow.OPERATOR


def test_a_billing_operator_may_not_impersonate(world):
    grant(world)
    client = operator_client(Role.BILLING)
    path = reverse("operator:support", args=[world.acme.pk], urlconf="config.urls_public")
    assert client.get(path).status_code == 403
    body = {"person": world.personas["admin"].user.pk, "reason": REASON}
    assert client.post(path, body).status_code == 403
    api = client.post(
        f"/api/v1/operator/agencies/{world.acme.pk}/support/sessions",
        body,
        content_type="application/json",
    )
    assert api.status_code == 403
    # It sees the state (the agency page's panel), without the form.
    state = client.get(f"/api/v1/operator/agencies/{world.acme.pk}/support").json()
    assert state["grant"] is not None
    panel = client.get(
        reverse("operator:agency", args=[world.acme.pk], urlconf="config.urls_public")
    )
    assert b"Sign in as this person" not in panel.content
    assert not ImpersonationSession.objects.exists()


def test_the_agency_people_are_listed_only_with_its_grant_to_who_may_act(world):
    path = f"/api/v1/operator/agencies/{world.acme.pk}/support"
    assert operator_client(Role.ADMIN).get(path).json()["people"] == []  # no grant yet
    grant(world)
    people = operator_client(Role.SUPPORT).get(path).json()["people"]
    assert "ca@northwind.example" in {person["email"] for person in people}
    assert operator_client(Role.BILLING).get(path).json()["people"] == []


def test_the_api_starts_a_session_with_a_handoff_url(world):
    grant(world)
    client = operator_client()
    answer = client.post(
        f"/api/v1/operator/agencies/{world.acme.pk}/support/sessions",
        {"person": world.personas["viewer"].user.pk, "reason": REASON},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["signed_in_as"] == "viewer@northwind.example" and body["ended_how"] is None
    browser = host_client(ACME)
    assert browser.get(urlsplit(body["handoff_url"]).path).status_code == 302
    assert browser.get("/").wsgi_request.user.email == "viewer@northwind.example"
    # A client person's own activity shows that support signed in as them.
    mine = browser.get(reverse("activity:mine"))
    assert "Platform support" in mine.content.decode()
    ended = client.post(f"/api/v1/operator/support-sessions/{body['id']}/end")
    assert ended.json()["ended_how"] == EndedHow.OPERATOR


def test_agency_credentials_get_nothing_from_the_operator_routes(world):
    grant(world)
    paths = [
        f"/api/v1/operator/agencies/{world.acme.pk}/support",
        f"/api/v1/operator/agencies/{world.acme.pk}/support/sessions",
    ]
    access = obtain_tokens(ACME, "owner@acme.example")["access"]
    for path in paths:
        assert host_client(PLATFORM).post(path).status_code == 401
        token = host_client(PLATFORM).post(path, HTTP_AUTHORIZATION=f"Bearer {access}")
        assert token.status_code == 401
    page = reverse("operator:support", args=[world.acme.pk], urlconf="config.urls_public")
    replayed = signed_in_client(world.personas["owner"], host=PLATFORM)
    assert replayed.post(page, {"person": 1, "reason": REASON}).status_code == 302
    assert not ImpersonationSession.objects.exists()


def test_the_owners_page_costs_the_same_queries_at_1_and_12_sessions(
    world, django_assert_num_queries, django_assert_max_num_queries
):
    given = grant(world)
    client = owner(world)
    client.get(reverse("support_access:settings"))

    def sessions(count):
        operator = operator_user()
        now = timezone.now()
        ImpersonationSession.objects.bulk_create(
            ImpersonationSession(
                operator=operator,
                operator_label=operator.email,
                agency=world.acme,
                grant=given,
                target_user_id=world.personas["admin"].user.pk,
                target_label="admin@acme.example",
                reason=REASON,
                started_at=now,
                ends_at=now + timedelta(minutes=30),
                ended_at=now if number % 2 else None,
                ended_how=EndedHow.OPERATOR if number % 2 else "",
            )
            for number in range(count)
        )

    sessions(1)
    with django_assert_max_num_queries(100) as first:
        assert client.get(reverse("support_access:settings")).status_code == 200
    sessions(11)
    with django_assert_num_queries(len(first.captured_queries)):
        assert client.get(reverse("support_access:settings")).status_code == 200


def test_a_browser_without_a_support_session_pays_no_query(world, django_assert_max_num_queries):
    client = signed_in_client(world.personas["admin"])
    client.get("/")
    with django_assert_max_num_queries(100) as plain:
        client.get("/")
    assert not any(
        "operators_impersonationsession" in query["sql"] for query in plain.captured_queries
    )


def test_sessions_that_ran_out_unseen_are_closed_in_both_logs(world):
    grant(world)
    impersonate(world)
    impersonate(world, "staff")  # replaces the first
    ImpersonationSession.objects.filter(ended_at__isnull=True).update(
        ends_at=timezone.now() - timedelta(minutes=5)
    )
    support_sessions_close()
    support_sessions_close()  # nothing left to close
    closed = ImpersonationSession.objects.get(ended_how=EndedHow.EXPIRED)
    assert closed.target_label == "staff@acme.example"
    assert [entry.changes["how"] for entry in acme_entries(world, "support.session_ended")] == [
        EndedHow.REPLACED,
        EndedHow.EXPIRED,
    ]
    assert OperatorLogEntry.objects.filter(action="impersonation.ended").count() == 2


@pytest.mark.parametrize(
    ("name", "method", "refused"),
    [
        ("security:account", "GET", False),
        ("security:account", "POST", True),
        ("security:password_change", "GET", True),
        ("billing:overview", "GET", False),
        ("payments:pay", "POST", True),
        ("approvals:decide", "POST", True),
        ("approvals:detail", "GET", False),
        ("people:team_invite", "POST", True),
        ("people:team", "GET", False),
        ("client_requests:list", "POST", False),  # the work itself is what support is for
        ("support_access:settings", "GET", False),
        ("support_access:settings", "POST", True),
        ("support_access:end", "POST", False),
        ("api-support-grants", "GET", True),
        ("api-webhook-ping", "POST", False),
        # A person's own data leaves only in their own hands.
        ("data_export:page", "GET", False),
        ("data_export:request", "POST", True),
        ("data_export:download", "GET", True),
        ("api-data-exports", "POST", True),
        ("erasure:confirm", "GET", False),  # what erasing would do may be looked at
        ("erasure:confirm", "POST", True),
        ("api-person-erase", "POST", True),
    ],
)
def test_what_a_support_session_may_not_do(name, method, refused):
    assert support_refused(name, method) is refused


def test_a_new_password_for_the_person_ends_the_session(world):
    grant(world)
    browser, _ = impersonate(world, "staff")
    with tenant_context(world.acme):
        person = User.objects.get(email="staff@acme.example")
        person.set_password("another-long-passphrase")
        person.save()
    assert browser.get("/").status_code == 302
    assert ImpersonationSession.objects.get().ended_how == EndedHow.PERSON_CHANGED

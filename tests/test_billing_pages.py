"""The trial, the owner's billing page and API, Checkout and the portal, and the read-only
workspace, against the Stripe stand-in through the real stripe library."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing.models import Status, Subscription
from billing.selectors import Access, billing_state, billing_state_forget
from billing.tasks import customer_create, trial_notices
from shared_apps.signup.actions import agency_signup
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.people.models import ClientCompany
from tests import stripe_standin as standin
from tests.conftest import PASSWORD, host_client, signed_in_client
from tests.routes_requests import northwind_attachment
from tests.stripe_standin import PRICES
from tests.test_isolation import obtain_tokens

stripe_standin, billing_on = standin.stripe_standin, standin.billing_on  # fixtures

ACME = "acme.localhost"
PUBLIC = "config.urls_public"


def as_(world, persona):
    return signed_in_client(world.personas[persona])


def api_as(world, persona):
    who = world.personas[persona]
    access = obtain_tokens(who.host, who.user.email)["access"]
    return host_client(who.host), {"HTTP_AUTHORIZATION": f"Bearer {access}"}


def subscription_set(world, **fields) -> None:
    Subscription.objects.filter(agency=world.acme).update(**fields)
    billing_state_forget(world.acme)


def trial_over(world) -> None:
    subscription_set(world, trial_ends_at=timezone.now() - timedelta(hours=1))


def stripe_session_id(location: str) -> str:
    return location.rsplit("/", 1)[1]


# The trial


def test_signup_starts_a_14_day_trial_and_a_task_makes_the_customer_once(world, billing_on):
    signup = agency_signup(
        name="Trialco",
        subdomain="trialco",
        owner_name="Tria Lee",
        owner_email="Tria@Trialco.example",
        owner_password=PASSWORD,
    )
    subscription = Subscription.objects.get(agency=signup.agency)
    assert (subscription.status, subscription.plan) == (Status.TRIAL, "growth")
    in_fourteen_days = timezone.now() + timedelta(days=14)
    assert abs(subscription.trial_ends_at - in_fourteen_days) < timedelta(minutes=1)
    assert subscription.stripe_customer_id is None
    state = billing_state(signup.agency)
    assert (state.access, state.trial_days_left, state.plan.name) == (Access.TRIAL, 14, "Growth")

    # What the signup queued after commit, run here as the worker would, twice.
    customer_create(signup.agency.pk)
    customer_create(signup.agency.pk)

    [customer] = billing_on.customers.values()
    assert customer["email"] == "tria@trialco.example"
    assert customer["metadata"] == {"agency_id": str(signup.agency.pk), "schema": "agency_trialco"}
    subscription.refresh_from_db()
    assert subscription.stripe_customer_id == customer["id"]
    [call] = billing_on.calls("POST", "/v1/customers")
    assert call.idempotency_key == f"agency-{signup.agency.pk}-customer"


def test_a_retried_customer_task_after_lost_answers_makes_one_customer(world, billing_on):
    # Stripe made the customer but the answers never arrived, past the library's own
    # retries: the task fails and Celery runs it again (eagerly here).
    billing_on.answers_to_drop = 3
    result = customer_create.apply(args=(world.acme.pk,))

    assert result.successful()
    assert len(billing_on.customers) == 1
    calls = billing_on.calls("POST", "/v1/customers")
    assert len(calls) == 4
    assert {call.idempotency_key for call in calls} == {f"agency-{world.acme.pk}-customer"}
    customer_id = Subscription.objects.get(agency=world.acme).stripe_customer_id
    assert customer_id == next(iter(billing_on.customers))


def test_when_the_trial_ends_the_workspace_turns_read_only(world, billing_on):
    home = as_(world, "owner").get("/")
    assert "Trial: 14 days left" in home.text

    trial_over(world)

    state = billing_state(world.acme)
    assert state.access == Access.READ_ONLY
    assert "The free trial ended on" in state.read_only_message
    page = as_(world, "owner").get("/")
    assert page.status_code == 200
    assert "Read-only: subscribe to continue" in page.text
    assert "Read-only" in as_(world, "viewer").get("/").text


def test_owners_hear_once_that_the_trial_ends_soon_and_once_that_it_ended(
    world, billing_on, mailoutbox
):
    # Globex pays, its trial long over: it hears nothing.
    Subscription.objects.filter(agency=world.globex).update(
        status=Status.ACTIVE, trial_ends_at=timezone.now() - timedelta(days=30)
    )
    subscription_set(world, trial_ends_at=timezone.now() + timedelta(days=2, hours=5))

    assert (trial_notices(), trial_notices()) == (1, 0)
    [ending] = mailoutbox
    assert ending.to == ["owner@acme.example"]
    assert ending.subject == "Your Acme trial ends in 3 days"
    assert "http://acme.localhost:8000/billing/" in ending.body

    trial_over(world)
    assert (trial_notices(), trial_notices()) == (1, 0)
    ended = mailoutbox[1]
    assert ended.subject == "Your Acme trial has ended: the workspace is read-only"
    assert "nothing has been deleted" in ended.body


def test_without_billing_no_trial_notices_go_out(world, mailoutbox):
    Subscription.objects.filter(agency=world.acme).update(trial_ends_at=timezone.now())
    assert trial_notices() == 0
    assert mailoutbox == []


# The billing page


def test_the_owner_sees_the_trial_usage_against_limits_and_the_plans(world, billing_on):
    response = as_(world, "owner").get("/billing/")

    assert response.status_code == 200
    page = response.text
    assert "Free trial, with Growth limits" in page
    assert "Trial: 14 days left, ends" in page
    for row in [
        "Team seats (members and pending invitations)</th>\n        <td>3 ",
        "Client companies</th>\n        <td>2 ",
        "Storage</th>\n        <td>0\xa0bytes",
    ]:
        assert row in page
    assert "<td>10</td>" in page and "<td>25</td>" in page and "<td>100 GB</td>" in page
    assert "Included" in page
    for plan in ("Starter", "Growth", "Scale"):
        assert f"Subscribe to {plan}</button>" in page
    assert "Open the Customer Portal" not in page  # no customer yet
    assert '<a href="/billing/" aria-current="page">Billing</a>' in page  # marked in the nav


def test_only_the_owner_has_billing(world, billing_on):
    assert as_(world, "admin").get("/billing/").status_code == 403
    assert 'href="/billing/"' not in as_(world, "admin").get("/").text
    api, headers = api_as(world, "admin")
    assert api.get("/api/v1/billing", **headers).status_code == 403


def test_without_stripe_keys_billing_is_off_and_everyone_is_on_the_top_plan(world):
    owner = as_(world, "owner")
    page = owner.get("/billing/").text
    assert "Billing is off on this installation" in page
    assert "every agency is on the Scale plan" in page
    assert "Subscribe to" not in page

    refused = owner.post("/billing/checkout/", {"plan": "starter"}, follow=True)
    assert "Billing is off here" in refused.text
    api, headers = api_as(world, "owner")
    body = api.get("/api/v1/billing", **headers).json()
    assert (body["enabled"], body["plan"]["key"], body["access"]) == (False, "scale", "full")
    portal = api.post("/api/v1/billing/portal-session", **headers)
    assert (portal.status_code, portal.json()["code"]) == (409, "off")


# Checkout and the portal


def test_checkout_sends_the_owner_to_stripe_with_one_customer_for_the_agency(world, billing_on):
    owner = as_(world, "owner")

    first = owner.post("/billing/checkout/", {"plan": "starter"})
    second = owner.post("/billing/checkout/", {"plan": "growth"})

    assert first.status_code == second.status_code == 302
    assert first["Location"].startswith(f"{billing_on.url}/pay/cs_test_")
    session = billing_on.sessions[stripe_session_id(first["Location"])]
    customer_id = Subscription.objects.get(agency=world.acme).stripe_customer_id
    assert session["customer"] == customer_id
    assert session["mode"] == "subscription"
    assert session["line_items"] == [{"price": PRICES["starter"], "quantity": "1"}]
    assert session["client_reference_id"] == str(world.acme.pk)
    assert session["success_url"] == (
        "http://acme.localhost/billing/?checkout=done&session_id={CHECKOUT_SESSION_ID}"
    )
    assert len(billing_on.customers) == 1
    later = billing_on.sessions[stripe_session_id(second["Location"])]
    assert later["customer"] == customer_id
    with tenant_context(world.acme):
        started = ActivityEntry.objects.filter(action="billing.checkout_started")
        assert sorted(entry.changes["plan"] for entry in started) == ["growth", "starter"]


def test_back_from_checkout_the_page_shows_the_subscription_at_once(world, billing_on):
    owner = as_(world, "owner")
    session_id = stripe_session_id(owner.post("/billing/checkout/", {"plan": "scale"})["Location"])
    billing_on.checkout_complete(session_id)  # paid; the webhook has not arrived yet

    back = owner.get(f"/billing/?checkout=done&session_id={session_id}", follow=True)

    assert back.redirect_chain == [("/billing/", 302)]
    page = back.text
    assert "Thank you: your subscription is active." in page
    assert "<dd>Scale</dd>" in page and "<dd>Active</dd>" in page
    period_end = Subscription.objects.get(agency=world.acme).current_period_end
    assert f"<dt>Next invoice</dt>\n    <dd>{period_end:%-d %B %Y}</dd>" in page
    assert "Open the Customer Portal" in page
    assert "Subscribe to" not in page


def test_a_checkout_session_of_another_customer_does_not_count(world, billing_on):
    owner = as_(world, "owner")
    owner.post("/billing/checkout/", {"plan": "starter"})
    stranger = billing_on.answer("POST", "/v1/customers", {"email": "s@x.example"}, None)[1]
    _, theirs = billing_on.answer(
        "POST",
        "/v1/checkout/sessions",
        {
            "mode": "subscription",
            "customer": stranger["id"],
            "line_items": [{"price": PRICES["scale"], "quantity": 1}],
            "success_url": "http://x.example/",
            "cancel_url": "http://x.example/",
        },
        None,
    )
    billing_on.checkout_complete(theirs["id"])

    back = owner.get(f"/billing/?checkout=done&session_id={theirs['id']}", follow=True)

    assert "your payment is being confirmed" in back.text
    assert Subscription.objects.get(agency=world.acme).status == Status.TRIAL


def test_a_subscribed_owner_changes_plans_in_the_portal_not_a_second_checkout(world, billing_on):
    owner = as_(world, "owner")
    session_id = stripe_session_id(owner.post("/billing/checkout/", {"plan": "growth"})["Location"])
    billing_on.checkout_complete(session_id)
    owner.get(f"/billing/?checkout=done&session_id={session_id}")

    again = owner.post("/billing/checkout/", {"plan": "scale"}, follow=True)
    assert "already has a subscription" in again.text
    api, headers = api_as(world, "owner")
    refused = api.post(
        "/api/v1/billing/checkout-session", {"plan": "scale"}, "application/json", **headers
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "subscribed")

    portal = owner.post("/billing/portal/")
    assert portal.status_code == 302
    [portal_session] = billing_on.portal_sessions.values()
    assert portal["Location"] == portal_session["url"]
    assert portal_session["return_url"] == "http://acme.localhost/billing/"
    assert (
        portal_session["customer"] == Subscription.objects.get(agency=world.acme).stripe_customer_id
    )
    with tenant_context(world.acme):
        [opened] = ActivityEntry.objects.filter(action="billing.portal_opened")
        assert opened.actor == world.personas["owner"].user


def test_stripe_unreachable_is_a_message_on_the_page_and_a_502_in_the_api(
    world, billing_on, settings
):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens
    page = as_(world, "owner").post("/billing/checkout/", {"plan": "starter"}, follow=True)
    assert "Stripe could not be reached just now" in page.text
    api, headers = api_as(world, "owner")
    response = api.post("/api/v1/billing/portal-session", **headers)
    assert response.status_code == 502


# The API


def test_the_api_gives_plan_usage_and_sessions(world, billing_on):
    api, headers = api_as(world, "owner")

    body = api.get("/api/v1/billing", **headers).json()

    assert body["enabled"] is True
    assert (body["status"], body["access"]) == ("trial", "trial")
    assert body["plan"] == {
        "key": "growth",
        "name": "Growth",
        "monthly_price": "79",
        "seats": 10,
        "client_companies": 25,
        "storage_bytes": 100 * 1024**3,
        "custom_domain": True,
    }
    assert body["usage"] == {
        "seats": 3,
        "client_companies": 2,
        "storage_bytes": 0,
        "custom_domains": 0,
    }
    assert [plan["key"] for plan in body["plans"]] == ["starter", "growth", "scale"]
    assert body["next_invoice_at"] is None

    invalid = api.post(
        "/api/v1/billing/checkout-session", {"plan": "gold"}, "application/json", **headers
    )
    assert invalid.status_code == 400 and "plan" in invalid.json()
    made = api.post(
        "/api/v1/billing/checkout-session", {"plan": "starter"}, "application/json", **headers
    )
    assert made.status_code == 201
    assert made.json()["url"].startswith(f"{billing_on.url}/pay/")
    portal = api.post("/api/v1/billing/portal-session", **headers)
    assert portal.status_code == 201
    assert portal.json()["url"].startswith(f"{billing_on.url}/portal/")


def test_the_billing_api_is_in_the_openapi_schema(world):
    schema = host_client(ACME).get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/billing",
        "/api/v1/billing/checkout-session",
        "/api/v1/billing/portal-session",
    ):
        assert path in schema["paths"]
    assert "409" in schema["paths"]["/api/v1/billing/checkout-session"]["post"]["responses"]


# Read-only


def test_read_only_pages_show_and_download_but_refuse_to_create(world, billing_on):
    request_id, attachment_id = northwind_attachment(world)
    subscription_set(world, status=Status.UNPAID)
    owner, viewer = as_(world, "owner"), as_(world, "viewer")

    refused = owner.post(reverse("people:company_create"), {"name": "Eastwind"})
    assert refused.status_code == 402
    assert "This workspace is read-only" in refused.text
    assert "The subscription is unpaid." in refused.text
    assert "Go to the Billing page" in refused.text
    assert "pays the open invoice in the Customer Portal" in refused.text
    by_client = as_(world, "client_admin").post(
        reverse("client_requests:reply", args=[request_id]), {"body": "Any news?"}
    )
    assert by_client.status_code == 402
    assert "The workspace owner can change this" in by_client.text
    htmx = owner.post(reverse("people:company_create"), {"name": "E"}, HTTP_HX_REQUEST="true")
    assert (htmx.status_code, htmx["HX-Refresh"]) == (402, "true")

    assert viewer.get(reverse("client_requests:detail", args=[request_id])).status_code == 200
    download = viewer.get(reverse("client_requests:attachment", args=[request_id, attachment_id]))
    assert download.status_code == 200
    with tenant_context(world.acme):
        assert not ClientCompany.objects.filter(name="Eastwind").exists()
        assert ClientCompany.objects.count() == 2  # nothing deleted either


def test_read_only_still_lets_people_sign_in_and_out_and_the_owner_pay(world, billing_on):
    trial_over(world)
    visitor = host_client(ACME)
    signed_in = visitor.post(
        "/auth/login/", {"username": "viewer@northwind.example", "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    assert visitor.post("/auth/logout/").status_code == 302
    assert obtain_tokens(ACME, "viewer@northwind.example")["access"]

    checkout = as_(world, "owner").post("/billing/checkout/", {"plan": "starter"})
    assert checkout.status_code == 302
    assert checkout["Location"].startswith(billing_on.url)


def test_read_only_api_refuses_writes_with_402_and_still_reads(world, billing_on):
    subscription_set(world, status=Status.CANCELED)
    api, headers = api_as(world, "owner")

    refused = api.post("/api/v1/clients", {"name": "Eastwind"}, "application/json", **headers)

    assert refused.status_code == 402
    assert refused.json()["code"] == "read_only"
    assert refused.json()["detail"].startswith("The subscription was cancelled.")
    assert api.get("/api/v1/clients", **headers).status_code == 200
    assert api.get("/api/v1/billing", **headers).json()["access"] == "read_only"
    paying = api.post(
        "/api/v1/billing/checkout-session", {"plan": "growth"}, "application/json", **headers
    )
    assert paying.status_code == 201


@pytest.mark.parametrize(
    ("status", "access"),
    [
        (Status.ACTIVE, Access.FULL),
        (Status.TRIALING, Access.FULL),
        (Status.PAST_DUE, Access.GRACE),
        (Status.UNPAID, Access.READ_ONLY),
        (Status.CANCELED, Access.READ_ONLY),
        (Status.PAUSED, Access.READ_ONLY),
        (Status.INCOMPLETE, Access.TRIAL),
    ],
)
def test_each_stripe_status_gives_its_access(world, billing_on, status, access):
    subscription_set(world, status=status, plan="starter")
    assert billing_state(world.acme).access == access


def test_past_due_shows_the_grace_banner_and_everything_still_works(world, billing_on):
    subscription_set(world, status=Status.PAST_DUE, plan="starter")
    owner = as_(world, "owner")
    assert "Payment failed: update your card" in owner.get("/").text
    assert "Payment failed: the owner can update the card" in as_(world, "admin").get("/").text
    assert "Payment failed" not in as_(world, "viewer").get("/").text
    created = owner.post(reverse("people:company_create"), {"name": "Eastwind"})
    assert created.status_code == 302


def test_an_operator_extends_a_trial_in_the_admin(world, billing_on):
    trial_over(world)
    assert billing_state(world.acme).read_only
    operator = signed_in_client(world.personas["operator"])
    subscription = Subscription.objects.get(agency=world.acme)
    url = reverse("admin:billing_subscription_change", args=[subscription.pk], urlconf=PUBLIC)
    later = timezone.now() + timedelta(days=7)

    response = operator.post(
        url, {"trial_ends_at_0": f"{later:%Y-%m-%d}", "trial_ends_at_1": f"{later:%H:%M:%S}"}
    )

    assert response.status_code == 302
    assert billing_state(world.acme).access == Access.TRIAL
    events = operator.get(reverse("admin:billing_stripeevent_changelist", urlconf=PUBLIC))
    assert events.status_code == 200


def test_a_warm_request_reads_the_billing_state_from_the_cache(world, billing_on):
    owner = as_(world, "owner")
    owner.get("/")  # warms the cache
    with CaptureQueriesContext(connection) as queries:
        page = owner.get("/")
    assert "Trial: 14 days left" in page.text
    assert not [query for query in queries if "billing_subscription" in query["sql"]]

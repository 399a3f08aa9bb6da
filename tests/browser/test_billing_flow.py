"""A new agency's owner opens the billing page on the trial, subscribes through Checkout, and
finds the subscription on the page.

Billing needs Stripe keys, so this runs its own server with them, pointed at the Stripe
stand-in on loopback. The stand-in's Checkout page "pays" by posting the signed events to
the server's webhook, as Stripe does, then sends the browser back.
"""

import sys

import pytest
from playwright.sync_api import expect

from billing.models import StripeEvent
from tests import stripe_standin as standin
from tests.browser.conftest import _free_port, _healthy, _with_database
from tests.browser.test_signup_flow import fill_signup
from tests.processes import app_process
from tests.stripe_standin import billing_settings

stripe_standin = standin.stripe_standin  # fixture

PLATFORM = "localhost"


@pytest.fixture(scope="module")
def billing_url(django_db_setup, stripe_standin, tmp_path_factory):
    """Like ``live_url``, on a server with billing switched on."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("billing_server") / "server.log"
    server = app_process(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        log_path,
        ready=lambda: _healthy(port),
        PUBLIC_PORT=str(port),
        **billing_settings(stripe_standin.url),
    )
    with server:
        stripe_standin.reset()
        stripe_standin.webhook_target = (port, PLATFORM)
        yield lambda host, path="/": f"http://{host}:{port}{path}"


@pytest.fixture
def forget_events(django_db_blocker):
    """The events the test's webhook deliveries recorded, removed afterwards."""
    before = _with_database(django_db_blocker, lambda: set(StripeEvent.objects.values_list("pk")))
    yield

    def remove():
        StripeEvent.objects.exclude(pk__in=[pk for (pk,) in before]).delete()

    _with_database(django_db_blocker, remove)


def test_the_owner_opens_billing_on_the_trial_and_subscribes(
    page, billing_url, stripe_standin, restore_agencies, forget_events
):
    host = "billco.localhost"
    page.goto(billing_url(PLATFORM, "/signup/"))
    fill_signup(
        page,
        agency_name="Billco",
        subdomain="billco",
        owner_name="Bill Payer",
        owner_email="bill@billco.example",
        password="plum-velvet-harbour-42",
    )
    expect(page).to_have_url(billing_url(host, "/"))
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="Trial: 14 days left")).to_be_visible()

    nav.get_by_role("link", name="Billing", exact=True).click()

    expect(page.get_by_role("heading", name="Billing")).to_be_visible()
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("Free trial, with Growth limits")
    expect(facts).to_contain_text("Trial: 14 days left, ends")
    usage = page.get_by_role("table", name="Usage")
    seats = usage.get_by_role("row", name="Team seats (members and pending invitations)")
    expect(seats.get_by_role("cell")).to_have_text(["1", "10"])
    expect(usage.get_by_role("row", name="Storage").get_by_role("cell")).to_have_text(
        ["0\xa0bytes", "100 GB"]
    )
    expect(usage.get_by_role("row", name="Custom domains")).to_contain_text("Included")
    page.screenshot(path="/tmp/billing_trial.png", full_page=True)

    page.get_by_role("button", name="Subscribe to Starter").click()
    expect(page.get_by_role("heading", name="Stand-in Checkout")).to_be_visible()
    page.get_by_role("button", name="Pay").click()

    expect(page).to_have_url(billing_url(host, "/billing/"))
    expect(page.locator(".messages")).to_contain_text("Thank you: your subscription is active.")
    expect(facts).to_contain_text("Starter")
    expect(facts).to_contain_text("Active")
    expect(page.get_by_role("button", name="Subscribe to Starter")).to_have_count(0)
    expect(page.get_by_role("link", name="Trial: 14 days left")).to_have_count(0)
    page.screenshot(path="/tmp/billing_subscribed.png", full_page=True)

    page.get_by_role("button", name="Open the Customer Portal").click()
    expect(page.get_by_role("heading", name="Stand-in Customer Portal")).to_be_visible()
    page.get_by_role("link", name="Return").click()
    expect(page).to_have_url(billing_url(host, "/billing/"))

    # Stripe's signed events reached the webhook, which took each of them.
    assert stripe_standin.deliveries == [
        ("checkout.session.completed", 200),
        ("customer.subscription.created", 200),
        ("invoice.paid", 200),
    ]

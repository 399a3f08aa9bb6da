"""The operator console's agencies: the list (filters, sort, search, CSV, constant queries),
the agency page (billing's own truth), and plan, trial and limit changes with reasons in the
operator log, pages and API, for each operator role."""

import csv
import io
import re
import uuid
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing.limits import PlanLimitReached, seat_check
from billing.models import AccountCredit, Status, Subscription
from billing.selectors import billing_state, billing_state_forget, with_billing_state
from operators.agencies import AgencyFilters, agencies_listed
from operators.models import AgencyUsageDay, OperatorLogEntry
from operators.roles import Role
from shared_apps.accounts.models import User
from tenant_apps.activity.models import ActivityEntry
from tenants.models import Agency, CustomDomain, Domain, DomainStatus
from tests import stripe_standin as standin
from tests.conftest import OPERATOR_EMAILS, host_client, operator_sign_in, signed_in_client
from tests.test_billing_pages import subscription_set

stripe_standin, billing_on = standin.stripe_standin, standin.billing_on  # fixtures

LIST = reverse("operator:agencies", urlconf="config.urls_public")
CSV = reverse("operator:agencies_csv", urlconf="config.urls_public")
API_LIST = reverse("api-operator-agencies", urlconf="config.urls_public")


def operator_client(role: str = Role.ADMIN):
    user = User.objects.get(email=OPERATOR_EMAILS[role])
    return operator_sign_in(host_client("localhost"), user)


def page_url(name: str, agency: Agency) -> str:
    return reverse(name, args=[agency.pk], urlconf="config.urls_public")


def usage_day(agency, *, days_ago=0, **figures) -> AgencyUsageDay:
    now = timezone.now()
    defaults = {
        "seats": 1,
        "client_companies": 0,
        "client_people": 0,
        "storage_bytes": 0,
        "requests_total": 0,
        "requests_last_30_days": 0,
        "last_activity_at": now - timedelta(days=days_ago),
        "owner_name": "",
        "owner_email": "",
        "contacts": [],
    }
    return AgencyUsageDay.objects.create(
        agency=agency,
        day=timezone.localdate(now) - timedelta(days=days_ago),
        gathered_at=now,
        **(defaults | figures),
    )


@pytest.fixture
def usage(world):
    """Acme is busy (3 seats, 2 clients, 3 GB, 40 requests); globex quiet for 60 days."""
    usage_day(world.acme, days_ago=1, seats=2, client_companies=2, storage_bytes=2 * 1024**3)
    usage_day(
        world.acme,
        seats=3,
        client_companies=2,
        client_people=5,
        storage_bytes=3 * 1024**3,
        requests_total=90,
        requests_last_30_days=40,
        owner_name="Acme Owner",
        owner_email="owner@acme.example",
        contacts=[
            {"name": "Acme Owner", "email": "owner@acme.example", "role": "owner"},
            {"name": "Acme Admin", "email": "admin@acme.example", "role": "admin"},
        ],
    )
    usage_day(world.globex, seats=1, last_activity_at=timezone.now() - timedelta(days=60))


@pytest.fixture
def globex_pays_scale(world, billing_on):
    Subscription.objects.filter(agency=world.globex).update(
        status=Status.ACTIVE, plan="scale", stripe_customer_id="cus_globex"
    )
    billing_state_forget(world.globex)


def names(filters: AgencyFilters) -> list[str]:
    return list(agencies_listed(filters).values_list("subdomain", flat=True))


# The list


def test_list_shows_status_plan_revenue_and_usage(world, usage, globex_pays_scale):
    response = operator_client().get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Acme" in body and "Globex" in body
    assert "Trial" in body and "Active" in body
    assert "$199.00" in body  # globex's Scale, paid
    assert "3.0\xa0GB" in body  # acme's storage


def test_filters_match_what_they_say(world, usage, globex_pays_scale):
    CustomDomain.objects.create(
        agency=world.acme, name="portal.acme.test", token="t", status=DomainStatus.VERIFIED
    )
    assert names(AgencyFilters(status="trial")) == ["acme"]
    assert names(AgencyFilters(status="full")) == ["globex"]
    assert names(AgencyFilters(plan="scale")) == ["globex"]
    assert names(AgencyFilters(plan="growth")) == ["acme"]  # the trial's limits are Growth's
    assert names(AgencyFilters(mrr_min=Decimal(50))) == ["globex"]
    assert names(AgencyFilters(mrr_max=Decimal(0))) == ["acme"]
    assert names(AgencyFilters(trial_ends_within_days=30)) == ["acme"]
    assert names(AgencyFilters(trial_ends_within_days=0)) == []
    assert names(AgencyFilters(active_within_days=7)) == ["acme"]
    assert names(AgencyFilters(inactive_for_days=30)) == ["globex"]
    assert names(AgencyFilters(storage_min_gb=Decimal(1))) == ["acme"]
    assert names(AgencyFilters(seats_min=2)) == ["acme"]
    assert names(AgencyFilters(clients_min=2)) == ["acme"]
    assert names(AgencyFilters(requests_min=10)) == ["acme"]
    assert names(AgencyFilters(custom_domain=True)) == ["acme"]
    assert names(AgencyFilters(custom_domain=False)) == ["globex"]
    # Search: name, subdomain, routing or custom domain, owner email.
    assert names(AgencyFilters(q="GLOB")) == ["globex"]
    assert names(AgencyFilters(q="globex.localhost")) == ["globex"]
    assert names(AgencyFilters(q="portal.acme")) == ["acme"]
    assert names(AgencyFilters(q="owner@globex")) == ["globex"]


def test_suspension_and_deletion_outrank_billing(world, usage):
    Agency.objects.filter(pk=world.acme.pk).update(suspended_at=timezone.now())
    Agency.objects.filter(pk=world.globex.pk).update(deletion_requested_at=timezone.now())
    assert names(AgencyFilters(status="suspended")) == ["acme"]
    assert names(AgencyFilters(status="deletion_scheduled")) == ["globex"]


def test_sort_by_any_column_either_way(world, usage):
    client = operator_client()
    body = client.get(LIST, {"sort": "-seats"}).content.decode()
    assert body.index(">Acme<") < body.index(">Globex<")
    assert 'aria-sort="descending"' in body
    body = client.get(LIST, {"sort": "seats"}).content.decode()
    assert body.index(">Globex<") < body.index(">Acme<")


def test_page_filters_and_bad_filters(world, usage):
    client = operator_client()
    body = client.get(LIST, {"q": "globex"}).content.decode()
    assert ">Globex<" in body and ">Acme<" not in body
    # htmx, as the filters change: only the results.
    swap = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "agency-results"}
    body = client.get(LIST, {"q": "acme"}, **swap).content.decode()
    assert ">Acme<" in body and "<html" not in body
    response = client.get(LIST, {"seats_min": "lots", "mrr_min": "5", "mrr_max": "1"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a whole number." in body
    assert "Give an upper bound at least the lower one." in body
    assert client.get(CSV, {"seats_min": "lots"}).status_code == 400


def test_csv_has_the_filtered_agencies(world, usage, globex_pays_scale):
    response = operator_client().get(CSV, {"plan": "scale"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["name"] for row in rows] == ["Globex"]
    assert rows[0]["mrr_usd"] == "199" and rows[0]["status"] == "Active"
    assert rows[0]["owner_emails"] == "owner@globex.example"


def test_csv_cells_a_spreadsheet_would_run_are_defused(world, usage):
    Agency.objects.filter(pk=world.globex.pk).update(name='=HYPERLINK("https://evil.example")')
    response = operator_client().get(CSV, {"q": "globex"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["name"] for row in rows] == ['\'=HYPERLINK("https://evil.example")']


def test_list_state_is_billing_state(world, billing_on):
    """The list's SQL says what billing_state says, in every kind of subscription."""
    cases = [
        {"status": Status.TRIAL, "trial_ends_at": timezone.now() + timedelta(days=3)},
        {"status": Status.TRIAL, "trial_ends_at": timezone.now() - timedelta(days=1)},
        {"status": Status.ACTIVE, "plan": "starter"},
        {"status": Status.PAST_DUE, "plan": "growth"},
        {"status": Status.CANCELED, "plan": "growth"},
        {"status": Status.INCOMPLETE, "trial_ends_at": timezone.now() + timedelta(days=1)},
        {"status": Status.ACTIVE, "plan": "starter", "plan_override": "scale"},
        {"status": Status.TRIAL, "plan_override": "starter"},
    ]
    for fields in cases:
        subscription_set(world, **({"plan_override": ""} | fields))
        state = billing_state(world.acme)
        row = with_billing_state(Agency.objects.filter(pk=world.acme.pk)).get()
        assert (row.billing_access, row.billing_plan) == (state.access, state.plan.key), fields


def _bulk_agencies(count: int, start: int) -> None:
    """``count`` agency rows with a subscription, a routing name and a usage day, but no
    schema (bulk_create never makes one): the list reads only public rows."""
    agencies = Agency.objects.bulk_create(
        Agency(schema_name=f"bulk_{n}", name=f"Bulk {n:04}", subdomain=f"bulk{n}")
        for n in range(start, start + count)
    )
    Domain.objects.bulk_create(
        Domain(tenant=a, domain=f"{a.subdomain}.localhost", is_primary=True) for a in agencies
    )
    Subscription.objects.bulk_create(
        Subscription(
            agency=a,
            plan="growth",
            status=Status.ACTIVE if i % 2 else Status.TRIAL,
            trial_ends_at=timezone.now() + timedelta(days=5),
        )
        for i, a in enumerate(agencies)
    )
    AgencyUsageDay.objects.bulk_create(
        AgencyUsageDay(agency=a, day=timezone.localdate(), gathered_at=timezone.now(), seats=i % 7)
        for i, a in enumerate(agencies)
    )


def test_list_queries_are_constant(world, django_assert_num_queries):
    """The same queries at 10 agencies as at 1,000: the page never opens an agency's schema.

    1. the session, 2. its user, 3. the user's two-factor device (django_otp),
    4. the Operator row (operators.access), 5. the paginator's count of matching agencies,
    6. the page of agencies with billing and the latest usage as subqueries.
    """
    client = operator_client()
    _bulk_agencies(8, 0)
    assert Agency.objects.provisioned().count() == 10
    with django_assert_num_queries(6):
        assert client.get(LIST, {"sort": "-seats"}).status_code == 200
    _bulk_agencies(990, 8)
    with django_assert_num_queries(6):
        response = client.get(LIST, {"sort": "-seats"})
    assert response.status_code == 200
    assert "1000 agencies" in response.content.decode()


# Usage gathered in this process (the worker's run: tests/test_usage_gathering.py)


def test_the_usage_command_gathers_every_live_agency(world):
    out = StringIO()
    call_command("usage_gather", stdout=out)
    assert "Usage gathered for 2 agencies." in out.getvalue()
    assert set(AgencyUsageDay.objects.values_list("agency__subdomain", flat=True)) == {
        "acme",
        "globex",
    }


# The agency page


def _fact(body: str, term: str) -> str:
    """The text of the <dd> after the <dt> ``term``, tags and spaces squeezed."""
    match = re.search(rf"<dt>{term}</dt>\s*<dd>(.*?)</dd>", body, re.S)
    assert match, f"no {term} fact"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def _agency_billing_page(world) -> str:
    return signed_in_client(world.personas["owner"]).get("/billing/").content.decode()


@pytest.mark.parametrize("on", [False, True], ids=["billing off", "billing on"])
def test_agency_page_says_what_the_agencys_billing_page_says(world, usage, request, on):
    if on:
        request.getfixturevalue("billing_on")
        subscription_set(world, status=Status.ACTIVE, plan="starter")
    body = operator_client(Role.SUPPORT).get(page_url("operator:agency", world.acme)).content
    body = body.decode()
    theirs = _agency_billing_page(world)
    for term in ("Plan", "Status"):
        assert _fact(body, term).removesuffix(" set by an operator") == _fact(theirs, term)
    state = billing_state(world.acme)
    assert state.plan.name in _fact(body, "Plan")


def test_agency_page_shows_contacts_usage_chart_domains_and_health(world, usage):
    CustomDomain.objects.create(
        agency=world.acme, name="portal.acme.test", token="t", status=DomainStatus.PENDING
    )
    response = operator_client().get(page_url("operator:agency", world.acme))
    assert response.status_code == 200
    body = response.content.decode()
    assert "admin@acme.example" in body  # contacts
    assert body.count('role="img"') == 4  # the four charts, each described
    assert "Team seats over the 90 days" in body
    assert "The figures as a table" in body
    assert "portal.acme.test" in body and "Waiting for DNS" in body
    assert "None until verified" in body
    assert "Bounced emails" in body and "0 in the last 7 days" in body
    assert "No operator has acted on this agency." in body


def test_agency_page_of_a_spare_or_unknown_agency_is_404(world):
    spare = Agency.objects.spares().first()
    client = operator_client()
    assert client.get(page_url("operator:agency", spare)).status_code == 404
    assert client.get("/operator/agencies/999999/").status_code == 404


# Changes, each with a reason in the operator log


def _post(client, name, agency, data):
    return client.post(page_url(name, agency), data)


def test_plan_override_applies_everywhere_and_is_logged(world, billing_on):
    subscription_set(world, status=Status.ACTIVE, plan="starter")
    client = operator_client(Role.BILLING)
    response = _post(
        client,
        "operator:agency_plan",
        world.acme,
        {"plan-plan": "scale", "plan-reason": "Comped for the conference"},
    )
    assert response.status_code == 302
    state = billing_state(world.acme)
    assert state.plan.key == "scale" and state.plan_set_by_platform
    entry = OperatorLogEntry.objects.get(agency_id=world.acme.pk, action="agency.plan_override")
    assert entry.reason == "Comped for the conference"
    assert entry.operator.email == OPERATOR_EMAILS[Role.BILLING]
    assert entry.changes == {"plan_override": ["", "scale"]}
    # The agency's own billing page and the console agree, and say who set it.
    theirs = _agency_billing_page(world)
    assert _fact(theirs, "Plan") == "Scale"
    assert "were set by the Client Portal team" in theirs
    page = client.get(page_url("operator:agency", world.acme)).content.decode()
    assert "Comped for the conference" in page  # recent operator actions
    listed = client.get(LIST, {"q": "acme"}).content.decode()
    assert "set by an operator" in listed
    # ...and the agency's own activity log shows the change.
    with tenant_context(world.acme):
        logged = ActivityEntry.objects.filter(action="billing.subscription_changed").first()
    assert logged.changes == {"plan_override": ["", "scale"]}
    log_page = signed_in_client(world.personas["owner"]).get("/activity/workspace/")
    assert "Plan set by the platform: none (the subscription&#x27;s plan) → Scale" in (
        log_page.content.decode()
    )


def test_a_change_without_a_reason_changes_nothing(world, billing_on):
    response = _post(operator_client(), "operator:agency_plan", world.acme, {"plan-plan": "scale"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert Subscription.objects.get(agency=world.acme).plan_override == ""
    assert not OperatorLogEntry.objects.filter(agency_id=world.acme.pk).exists()


def test_limits_override_reaches_the_limit_checks(world, billing_on):
    subscription_set(world, status=Status.ACTIVE, plan="scale")
    response = _post(
        operator_client(),
        "operator:agency_limits",
        world.acme,
        {"limits-seats": "2", "limits-storage_gb": "no limit", "limits-reason": "Abuse cap"},
    )
    assert response.status_code == 302
    state = billing_state(world.acme)
    assert state.plan.seats == 2 and state.plan.storage_gb is None
    assert state.limits_set_by_platform == ("seats", "storage_gb")
    with tenant_context(world.acme), transaction.atomic(), pytest.raises(PlanLimitReached):
        seat_check(used=lambda: 2)
    entry = OperatorLogEntry.objects.get(agency_id=world.acme.pk, action="agency.limits_set")
    assert entry.changes == {"limit_overrides": [{}, {"seats": 2, "storage_gb": None}]}
    log_page = signed_in_client(world.personas["owner"]).get("/activity/workspace/")
    assert (
        "Limits set by the platform: none (the plan&#x27;s) → team seats 2, storage (GB) no limit"
        in (log_page.content.decode())
    )


def test_bad_limits_are_field_errors(world, billing_on):
    subscription_set(world, status=Status.ACTIVE, plan="starter")
    response = _post(
        operator_client(),
        "operator:agency_limits",
        world.acme,
        {"limits-seats": "many", "limits-reason": "x"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Write a whole number" in body
    assert "Empty: the plan&#x27;s own (3)." in body  # Starter's seats


def test_trial_extension_only_in_the_trial(world, billing_on):
    before = Subscription.objects.get(agency=world.acme).trial_ends_at
    client = operator_client()
    response = _post(
        client,
        "operator:agency_trial",
        world.acme,
        {"trial-days": "10", "trial-reason": "Needs time to import"},
    )
    assert response.status_code == 302
    after = Subscription.objects.get(agency=world.acme).trial_ends_at
    assert after - before == timedelta(days=10)
    assert OperatorLogEntry.objects.filter(action="agency.trial_extend").count() == 1
    subscription_set(world, status=Status.ACTIVE, plan="starter")
    response = _post(
        client, "operator:agency_trial", world.acme, {"trial-days": "10", "trial-reason": "Again"}
    )
    assert response.status_code == 400
    assert "no trial to extend" in response.content.decode()
    assert OperatorLogEntry.objects.filter(action="agency.trial_extend").count() == 1


def test_changes_refused_while_billing_is_off(world):
    response = _post(
        operator_client(),
        "operator:agency_plan",
        world.acme,
        {"plan-plan": "scale", "plan-reason": "x"},
    )
    assert response.status_code == 400
    assert "Billing is off here" in response.content.decode()


# Roles


def test_support_sees_but_cannot_change(world, billing_on):
    client = operator_client(Role.SUPPORT)
    page = client.get(page_url("operator:agency", world.acme))
    assert page.status_code == 200
    assert "Your operator role can see plans but not change them" in page.content.decode()
    data = {"plan-plan": "scale", "plan-reason": "x"}
    assert _post(client, "operator:agency_plan", world.acme, data).status_code == 403
    api = client.post(
        page_url("api-operator-agency-plan", world.acme),
        {"plan": "scale", "reason": "x"},
        content_type="application/json",
    )
    assert api.status_code == 403
    assert Subscription.objects.get(agency=world.acme).plan_override == ""


@pytest.mark.parametrize("role", [Role.BILLING, Role.ADMIN])
def test_billing_and_admin_may_change(world, billing_on, role):
    client = operator_client(role)
    response = client.post(
        page_url("api-operator-agency-plan", world.acme),
        {"plan": "growth", "reason": f"by {role}"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["plan"] == "growth"


def test_agency_people_get_nothing(world):
    owner = signed_in_client(world.personas["owner"], host="localhost")
    assert owner.get(LIST).status_code == 302
    assert owner.get(API_LIST).status_code in (401, 403)


# The API


def test_api_list_filters_sorts_and_pages(world, usage, globex_pays_scale):
    client = operator_client(Role.SUPPORT)
    data = client.get(API_LIST, {"sort": "-mrr", "page_size": 1}).json()
    assert data["count"] == 2 and data["next"]
    assert data["results"][0]["subdomain"] == "globex"
    assert data["results"][0]["mrr"] == "199.00"
    data = client.get(API_LIST, {"status": "trial"}).json()
    assert [row["subdomain"] for row in data["results"]] == ["acme"]
    assert data["results"][0]["seats"] == 3
    response = client.get(API_LIST, {"seats_min": "-1"})
    assert response.status_code == 400
    assert "seats_min" in response.json()


def test_api_agency_detail_has_billing_and_usage_history(world, usage):
    data = operator_client().get(page_url("api-operator-agency", world.acme)).json()
    assert data["billing"]["plan"] == billing_state(world.acme).plan.key
    assert data["billing"]["enabled"] is False
    assert [day["seats"] for day in data["usage_history"]] == [2, 3]
    assert data["usage_history"][0]["bounced_emails"] == 0
    assert data["contacts"][1]["email"] == "admin@acme.example"
    assert {d["name"] for d in data["domains"]} == {"acme.localhost"}


def test_api_changes_with_field_errors_and_refusals(world, billing_on):
    client = operator_client(Role.BILLING)
    url = page_url("api-operator-agency-limits", world.acme)
    response = client.post(url, {"limits": {"seats": -1}}, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"limits", "reason"}
    response = client.post(
        url,
        {"limits": {"seats": 4, "custom_domain": True}, "reason": "Pilot"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["seats"] == 4 and response.json()["custom_domain"] is True
    response = client.post(
        page_url("api-operator-agency-plan", world.acme),
        {"plan": "platinum", "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "plan" in response.json()
    subscription_set(world, status=Status.ACTIVE)
    response = client.post(
        page_url("api-operator-agency-trial", world.acme),
        {"days": 5, "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "not_in_trial"


def test_the_operator_api_is_in_the_public_schema(world):
    schema = host_client("localhost").get("/api/schema/").content.decode()
    for path in (
        "/api/v1/operator/agencies:",
        "/api/v1/operator/agencies/{agency_id}:",
        "/api/v1/operator/agencies/{agency_id}/plan:",
        "/api/v1/operator/agencies/{agency_id}/trial:",
        "/api/v1/operator/agencies/{agency_id}/limits:",
    ):
        assert path in schema


# --- credit ----------------------------------------------------------------------------


def _credit_form(amount="50.00", reason="Outage on 3 December", key=None) -> dict:
    return {
        "credit-amount": amount,
        "credit-reason": reason,
        "credit-key": key or str(uuid.uuid4()),
    }


def test_a_credit_goes_to_the_agency_s_stripe_balance_once_and_is_logged(world, billing_on):
    client = operator_client(Role.BILLING)
    form = _credit_form()
    response = _post(client, "operator:agency_credit", world.acme, form)
    assert response.status_code == 302
    again = _post(client, "operator:agency_credit", world.acme, form)  # sent twice
    assert again.status_code == 302

    credit = AccountCredit.objects.get(agency=world.acme)
    assert (credit.amount, credit.currency, credit.granted_by) == (
        Decimal("50.00"),
        "USD",
        OPERATOR_EMAILS[Role.BILLING],
    )
    [made] = billing_on.balance_transactions.values()
    assert (made["amount"], made["currency"], made["id"]) == (
        -5000,
        "usd",
        credit.stripe_balance_transaction_id,
    )
    customer = Subscription.objects.get(agency=world.acme).stripe_customer_id
    assert made["customer"] == customer and billing_on.customers[customer]["balance"] == -5000
    assert "Outage" not in (made["description"] or "")  # the reason stays the operators'
    entry = OperatorLogEntry.objects.get(agency_id=world.acme.pk, action="agency.credit_granted")
    assert entry.reason == "Outage on 3 December"
    assert entry.changes["amount"] == "50.00"

    theirs = _agency_billing_page(world)
    assert "credited your subscription" in theirs and "US$50.00" in theirs
    assert "Outage" not in theirs


@pytest.mark.parametrize(
    ("amount", "reason", "field"),
    [
        ("0", "x", "amount"),
        ("-5", "x", "amount"),
        ("10000.01", "x", "amount"),
        ("1.234", "x", "amount"),
        ("12", "", "reason"),
    ],
)
def test_a_bad_credit_is_a_form_error_and_credits_nothing(world, billing_on, amount, reason, field):
    response = _post(
        operator_client(Role.BILLING),
        "operator:agency_credit",
        world.acme,
        _credit_form(amount=amount, reason=reason),
    )
    assert response.status_code == 400
    assert response.context["credit_form"].errors[field]
    assert not AccountCredit.objects.exists() and not billing_on.balance_transactions


def test_support_cannot_credit_and_billing_off_refuses(world, settings):
    response = _post(
        operator_client(Role.SUPPORT), "operator:agency_credit", world.acme, _credit_form()
    )
    assert response.status_code == 403
    client = operator_client(Role.BILLING)
    api = client.post(
        f"/api/v1/operator/agencies/{world.acme.pk}/credit",
        {"amount": "10.00", "reason": "Goodwill", "idempotency_key": str(uuid.uuid4())},
        content_type="application/json",
    )
    assert (api.status_code, api.json()["code"]) == (409, "off")
    assert not AccountCredit.objects.exists()


def test_the_api_credits_once_per_key(world, billing_on):
    client = operator_client(Role.BILLING)
    body = {"amount": "25.50", "reason": "Goodwill", "idempotency_key": str(uuid.uuid4())}
    url = f"/api/v1/operator/agencies/{world.acme.pk}/credit"
    first = client.post(url, body, content_type="application/json")
    assert first.status_code == 201, first.content
    assert first.json()["amount"] == "25.50"
    second = client.post(url, body, content_type="application/json")
    assert second.json()["id"] == first.json()["id"]
    assert len(billing_on.balance_transactions) == 1
    other = client.post(url, body | {"amount": "99.00"}, content_type="application/json")
    assert other.status_code == 400
    bad = client.post(url, {"amount": "x", "reason": ""}, content_type="application/json")
    assert bad.status_code == 400 and {"amount", "reason", "idempotency_key"} <= set(bad.json())

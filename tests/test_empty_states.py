"""Empty lists tell the person looking what they can do next, in their side's words and the
agency's own words; counts say their plurals properly."""

import pytest
from django_tenants.utils import tenant_context

from branding.selectors import brand_forget
from tenant_apps.brand_settings.actions import brand_update
from tests.conftest import Persona, signed_in_client
from tests.routes_approvals import deliverable, user
from tests.test_first_run import sign_up


def page(world, persona, path) -> str:
    response = signed_in_client(world.personas[persona]).get(path)
    assert response.status_code == 200
    return response.text


def test_the_team_hears_how_requests_arrive_and_a_client_how_to_send_one(world):
    team = page(world, "owner", "/requests/")
    assert "No requests yet. Clients send them from their portal" in team
    assert '<a href="/clients/">add a client</a> and invite their people' in team
    assert "Send your first one" not in team
    client = page(world, "client_admin", "/requests/")
    assert '<a href="/requests/new/">Send a request</a> whenever you need something' in client
    assert "invite their people" not in client
    viewer = page(world, "viewer", "/requests/")
    assert "Your company's requests show here once they are sent." in viewer


@pytest.fixture
def acme_brand_restored(world):
    yield
    brand_forget(world.acme)  # the cache outlives the test's rolled-back transaction


def test_empty_states_speak_the_agencys_words(world, acme_brand_restored):
    with tenant_context(world.acme):
        brand_update(
            agency=world.acme,
            actor=user(world, "owner"),
            changes={
                "client_word": "customer",
                "clients_word": "customers",
                "request_word": "ticket",
                "requests_word": "tickets",
            },
        )
    team = page(world, "admin", "/requests/")
    assert "No tickets yet. Customers send them from their portal" in team
    assert "log one for a customer" in team
    assert "No tickets waiting for an answer." in page(world, "admin", "/")
    assert '<a href="/requests/new/">Send a ticket</a>' in page(world, "client_admin", "/")


def test_next_actions_say_what_each_empty_section_would_hold(world):
    home = page(world, "owner", "/")
    assert "Nothing here." not in home
    for sentence in [
        "Nothing overdue.",
        "No requests waiting for an answer.",
        "No approvals came back with changes.",
        "No new files from clients.",
    ]:
        assert sentence in home


@pytest.mark.parametrize(
    ("persona", "path", "sentence"),
    [
        ("owner", "/invoices/", "Create the first one</a> for a client."),
        ("finance", "/invoices/", "Invoices from the team show here, with what is due and when."),
        ("owner", "/file-requests/", "Ask a client for a file</a>: they get an email"),
        ("client_admin", "/file-requests/", "When the team needs a file from you, it asks here"),
        ("client_admin", "/", "Nothing is waiting on you."),
    ],
)
def test_each_side_is_told_what_to_do_next(world, persona, path, sentence):
    assert sentence in page(world, persona, path)


def test_a_new_agency_is_told_to_add_its_first_client(world):
    signup = sign_up()
    owner = signed_in_client(Persona("owner", signup.agency, signup.owner))
    clients = owner.get("/clients/").text
    assert "No client companies yet. " in clients
    assert '<a href="/clients/new/">Add the first</a>, then invite its people' in clients
    documents = owner.get("/documents/").text
    assert 'each client company you <a href="/clients/">add</a> gets one' in documents


def test_approval_requests_count_approvers_in_proper_plurals(world):
    client = signed_in_client(world.personas["staff"])
    for approvers, said in [
        (["approver"], "1 approver emailed."),
        (["approver", "client_admin"], "2 approvers emailed."),
    ]:
        with tenant_context(world.acme):
            version = deliverable(world).current_version  # one approval at a time each
        response = client.post(
            f"/approvals/new/versions/{version.pk}/",
            {"title": "Approve it", "approvers": [user(world, p).pk for p in approvers]},
            follow=True,
        )
        assert f"Approval requested; {said}" in response.text

"""The client filter of the lists (kit.words.ClientFilterField, kit.widgets.ClientPicker):
a select while the agency has few clients; past ClientPicker.MANY, a search box taking part
of a name (or an id, as links send), so a page no longer writes every client. It filters
without JavaScript, within the companies the reader may see."""

import pytest
from django_tenants.utils import tenant_context

from tenant_apps.kit.widgets import ClientPicker
from tenant_apps.people.models import ClientCompany
from tests.conftest import signed_in_client
from tests.routes_invoices import make_invoice
from tests.routes_requests import submit_request

LISTS = ["/requests/", "/invoices/"]


def many_clients(world):
    with tenant_context(world.acme):
        ClientCompany.objects.bulk_create(
            ClientCompany(name=f"Filler {number:03}") for number in range(ClientPicker.MANY)
        )


@pytest.fixture
def listed(world):
    """A request and a sent invoice each for Northwind and Southwind."""
    for company in (world.northwind, world.southwind):
        submit_request(world, title=f"{company.name} asks", company=company, by="owner")
        make_invoice(world, company=company, number=f"{company.name[:3].upper()}-1", moves=["send"])


def owner(world):
    return signed_in_client(world.personas["owner"])


@pytest.mark.parametrize("path", LISTS)
def test_few_clients_get_a_select_of_them(world, listed, path):
    page = owner(world).get(path).content.decode()
    assert '<select name="company"' in page
    assert f'<option value="{world.southwind.pk}">Southwind</option>' in page


@pytest.mark.parametrize("path", LISTS)
def test_many_clients_get_a_search_box_instead_of_every_name(world, listed, path):
    many_clients(world)
    page = owner(world).get(path).content.decode()
    assert '<input type="search" name="company" value=""' in page
    assert 'id="id_company"' in page and '<label for="id_company">' in page
    assert "Filler 001" not in page and "<option" not in page.split('name="company"')[1][:80]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("typed", ["south", "SOUTHWIND", "{id}"])
def test_the_search_box_filters_by_part_of_a_name_or_by_id(world, listed, path, typed):
    many_clients(world)
    typed = typed.format(id=world.southwind.pk)
    response = owner(world).get(path, {"company": typed})
    page = response.content.decode()
    assert response.status_code == 200
    assert "SOU-1" in page or "Southwind asks" in page
    assert "NOR-1" not in page and "Northwind asks" not in page
    # An id from a link shows as the name it stands for.
    shown = "Southwind" if typed.isdigit() else typed
    assert f'<input type="search" name="company" value="{shown}"' in page


@pytest.mark.parametrize("path", LISTS)
def test_a_name_matching_several_or_none_is_a_field_error(world, listed, path):
    many_clients(world)
    client = owner(world)
    several = client.get(path, {"company": "filler"})
    assert several.status_code == 400
    assert "Several match &quot;filler&quot;: Filler 000, Filler 001" in several.content.decode()
    assert "Type more of the name." in several.content.decode()
    none = client.get(path, {"company": "Nowhere<b>"})
    assert none.status_code == 400
    assert "No client has &quot;Nowhere&lt;b&gt;&quot; in its name." in none.content.decode()


def test_a_name_reaches_only_the_companies_the_reader_sees(world, listed):
    """Staff assigned to Northwind: Southwind's name matches nothing for them."""
    many_clients(world)
    client = signed_in_client(world.personas["staff"])
    response = client.get("/requests/", {"company": "Southwind"})
    assert response.status_code == 400
    assert "No client has &quot;Southwind&quot; in its name." in response.content.decode()


def test_htmx_results_say_the_filter_error_the_form_beside_them_keeps(world, listed):
    many_clients(world)
    response = owner(world).get("/requests/", {"company": "filler"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Client: Several match &quot;filler&quot;" in response.content.decode()

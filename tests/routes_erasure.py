"""Matrix entries for erasing a person (see tests/access_matrix.py)."""

from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tests.access_matrix import api, signed_in
from tests.routes_people import hiding

# Owners erase anyone; a client admin the people of their own company. Staff see Northwind's
# people (they are assigned to it) but may not erase them; another company's people never
# see them at all.
ERASERS = ["owner", "client_admin"]


def northwind_viewer(world) -> tuple:
    with tenant_context(world.acme):
        return (User.objects.get(email="viewer@northwind.example").pk,)


# The matrix posts no form fields: the page shows its form again (200), the API says
# confirm_name is required (400); nobody is erased.
TENANT_ROUTES = {
    "erasure:confirm": hiding(signed_in(200, 403, ERASERS, args=northwind_viewer), "other_company"),
    "api-person-erase": hiding(
        api(400, 403, ERASERS, method="post", args=northwind_viewer), "other_company"
    ),
}
PUBLIC_ROUTES = {}

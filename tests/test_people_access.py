"""The people routes' second methods, through the same check as the access matrix."""

import pytest

from tests.access_matrix import PERSONAS
from tests.routes_people import SECOND_METHODS
from tests.test_access_matrix import TENANT_URLCONF, check


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(SECOND_METHODS))
def test_second_method_access(world, name, persona):
    check(world, TENANT_URLCONF, "acme.localhost", name, SECOND_METHODS[name], persona)

"""Ids and indexes typed with characters Python counts as digits but cannot read as a number
("²", "①"): every parameter that takes an id answers as for any other non-number (a 400, a
404, a field error, or the parameter ignored), never a 500. (str.isdigit() accepts them and
int() then fails; the checks use str.isdecimal(), whose characters int() reads.)"""

import pytest
from django_tenants.utils import tenant_context

from tenant_apps.messaging.models import Message
from tests.conftest import signed_in_client
from tests.routes_messaging import post_message
from tests.test_webhooks import api_as

NOT_NUMBERS = ["²", "①", "1²"]


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_pages_answer_a_digit_that_is_no_number_without_a_server_error(world, text):
    message = post_message(world, body="Hello.")
    thread = message.thread_id
    staff = signed_in_client(world.personas["staff"])
    assert staff.get("/requests/", {"owner": text}).status_code == 400  # a field error
    assert staff.get(f"/messages/{thread}/", {"before": text}).status_code == 400
    poll = {"first": text, "after": message.pk, "since": "2026-01-01T00:00:00+00:00"}
    assert staff.get(f"/messages/{thread}/poll/", poll).status_code == 400
    assert staff.get("/file-requests/new/", {"company": text}).status_code == 404
    owner = signed_in_client(world.personas["owner"])
    field_row = owner.get("/requests/settings/types/field-row/", {"index": text})
    assert field_row.status_code == 400


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_the_api_ignores_an_after_that_is_no_number(world, text):
    message = post_message(world, body="Hello.")
    answer = api_as(world, "staff").get(
        f"/api/v1/threads/{message.thread_id}/messages", {"after": text}
    )
    assert answer.status_code == 200
    with tenant_context(world.acme):
        assert Message.objects.filter(thread_id=message.thread_id).count() >= 1

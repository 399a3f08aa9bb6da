"""Business time to first response and to resolution, stored when each happens."""

from datetime import UTC, datetime

from django_tenants.utils import tenant_context

from tenant_apps.client_requests.models import ClientRequest, RequestPause, Status
from tenant_apps.client_requests.sla_sync import sla_refresh
from tests.routes_requests import submit_request

# Monday 2026-11-23 in UTC, the default policy's zone; business hours 09:00-17:00 Mon-Fri.
MONDAY_9 = datetime(2026, 11, 23, 9, tzinfo=UTC)


def test_durations_count_business_hours_only_and_skip_pauses(world):
    client_request = submit_request(world)
    with tenant_context(world.acme):
        request = ClientRequest.objects.get(pk=client_request.pk)
        request.created_at = MONDAY_9
        # Answered Monday 15:30: 6.5 business hours.
        request.first_response_at = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
        request.status = Status.RESOLVED
        # Resolved Tuesday 11:00, with the client holding it from Monday 16:00 to Tuesday 10:00:
        # Monday 9-16 (7 h) and Tuesday 10-11 (1 h) count.
        request.resolved_at = datetime(2026, 11, 24, 11, tzinfo=UTC)
        RequestPause.objects.create(
            request=request,
            paused_at=datetime(2026, 11, 23, 16, tzinfo=UTC),
            resumed_at=datetime(2026, 11, 24, 10, tzinfo=UTC),
        )
        sla_refresh(request)
        request.refresh_from_db()

    assert request.first_response_seconds == 6.5 * 3600
    assert request.resolution_seconds == 8 * 3600


def test_open_and_unanswered_requests_have_no_durations(world):
    client_request = submit_request(world)
    with tenant_context(world.acme):
        request = ClientRequest.objects.get(pk=client_request.pk)

    assert request.first_response_seconds is None
    assert request.resolution_seconds is None

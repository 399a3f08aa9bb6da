"""Webhook deliveries on a real Celery worker: a receiver that fails at first is retried,
with growing waits, until it answers; every attempt is in the log."""

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.webhooks.models import Delivery, DeliveryStatus, Endpoint, Event
from tenant_apps.webhooks.signing import secret_new
from tenant_apps.webhooks.tasks import webhook_deliver
from tenants.models import Agency
from tests.processes import wait_until
from tests.test_webhooks import Receiver


@pytest.fixture
def db(django_db_setup):
    """The test database without pytest-django's per-test transaction, which the worker
    could not see into. (Named ``db`` so pytest-django creates the test database.)"""


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(
    db, celery_worker, django_db_blocker
):
    with django_db_blocker.unblock(), Receiver([503, 500, 200]) as receiver:
        acme = Agency.objects.get(subdomain="acme")
        # Rows made directly, not through actions: the activity log refuses the DELETE below.
        with tenant_context(acme):
            endpoint = Endpoint.objects.create(
                url=receiver.url,
                event_types=["message.posted"],
                secret=secret_new(),
                created_by=User.objects.get(email="owner@acme.example"),
            )
            event = Event.objects.create(type="message.posted", payload={"note": "retried"})
            delivery = Delivery.objects.create(
                endpoint=endpoint, event=event, next_attempt_at=timezone.now()
            )
        receiver.secret = endpoint.secret
        try:
            with tenant_context(acme):
                webhook_deliver.delay(delivery.pk)

            def status():
                with tenant_context(acme):
                    return Delivery.objects.get(pk=delivery.pk).status

            wait_until(lambda: status() == DeliveryStatus.SUCCEEDED, seconds=60)
            with tenant_context(acme):
                attempts = list(
                    Delivery.objects.get(pk=delivery.pk)
                    .attempt_log.order_by("number")
                    .values_list("number", "status_code")
                )
        finally:
            with tenant_context(acme):
                endpoint.delete()
                event.delete()
    assert attempts == [(1, 503), (2, 500), (3, 200)]
    assert [sent["verified"] for sent in receiver.received] == [True, True, True]
    # WEBHOOK_RETRY_BASE_SECONDS is 1 in tests: waits of 1 s, then 2 s.
    at = [sent["at"] for sent in receiver.received]
    assert at[1] - at[0] >= 0.9
    assert at[2] - at[1] >= 1.9
    assert len({sent["body"] for sent in receiver.received}) == 1

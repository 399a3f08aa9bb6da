"""Bounces, rejections and spam complaints of agencies' emails: the ESP's tracking webhook
(anymail's Postmark parser here) posts them to /email-events/ on the platform host; each is
kept with the agency its email carried in its metadata, and counted on the console's agency
page."""

import base64
import json

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from branding.emails import branded_email
from operators.models import AgencyUsageDay, EmailBounce
from operators.roles import Role
from shared_apps.accounts.models import User
from tenant_apps.usage.tasks import usage_gather_agency
from tests.conftest import OPERATOR_EMAILS, host_client, operator_sign_in

AUTH = "postmark-events:correct-horse"


@pytest.fixture(autouse=True)
def _webhook(settings):
    settings.ANYMAIL_WEBHOOK_SECRET = [AUTH]
    settings.EMAIL_TRACKING_ESP = "postmark"


def post(payload: dict, auth: str | None = AUTH):
    headers = {}
    if auth:
        headers["HTTP_AUTHORIZATION"] = f"Basic {base64.b64encode(auth.encode()).decode()}"
    return host_client("localhost").post(
        "/email-events/", json.dumps(payload), content_type="application/json", **headers
    )


def bounce(schema: str, *, event_id=4_242, kind="HardBounce", email="gone@northwind.example"):
    """Postmark's bounce webhook body, with the metadata the message was sent with."""
    return {
        "RecordType": "Bounce",
        "ID": event_id,
        "Type": kind,
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Description": "The server was unable to deliver your message (ex: unknown user).",
        "Details": "smtp;550 5.1.1 The email account does not exist.",
        "Email": email,
        "BouncedAt": timezone.now().isoformat(),
        "Metadata": {"agency": schema},
    }


def test_an_agency_email_carries_its_agency_for_the_esp(world):
    with tenant_context(world.acme):
        message = branded_email(
            to=["x@example.com"], subject="Hi", text_template="base.html", context={}
        )
    assert message.metadata == {"agency": world.acme.schema_name}


def test_a_bounce_is_kept_once_with_its_agency_and_shown_to_operators(world):
    assert post(bounce(world.acme.schema_name)).status_code == 200
    assert post(bounce(world.acme.schema_name)).status_code == 200  # the ESP sends it again
    kept = EmailBounce.objects.get()
    assert (kept.agency_id, kept.event_type, kept.recipient) == (
        world.acme.pk,
        "bounced",
        "gone@northwind.example",
    )
    assert "unknown user" in kept.description

    with tenant_context(world.acme):
        usage_gather_agency()  # as the fan-out runs it, in the agency's schema
    assert AgencyUsageDay.objects.get(agency=world.acme).bounced_emails == 1
    client = operator_sign_in(
        host_client("localhost"), User.objects.get(email=OPERATOR_EMAILS[Role.SUPPORT])
    )
    page = client.get(f"/operator/agencies/{world.acme.pk}/").content.decode()
    assert "1 in the last 7 days" in page


def test_a_delivery_or_a_transient_delay_is_not_a_bounce(world):
    assert post(bounce(world.acme.schema_name, kind="Transient")).status_code == 200
    delivered = {
        "RecordType": "Delivery",
        "MessageID": "m-1",
        "Recipient": "ok@northwind.example",
        "DeliveredAt": timezone.now().isoformat(),
        "Metadata": {"agency": world.acme.schema_name},
    }
    assert post(delivered).status_code == 200
    assert not EmailBounce.objects.exists()


def test_without_the_webhook_s_credentials_nothing_is_kept(world, settings):
    assert post(bounce(world.acme.schema_name), auth=None).status_code == 400
    assert post(bounce(world.acme.schema_name), auth="postmark-events:wrong").status_code == 400
    settings.ANYMAIL_WEBHOOK_SECRET = []
    assert post(bounce(world.acme.schema_name)).status_code == 403
    assert not EmailBounce.objects.exists()


def test_an_email_of_no_known_agency_is_kept_without_one(world):
    assert post(bounce("agency_gone", event_id=7)).status_code == 200
    assert EmailBounce.objects.get().agency_id is None

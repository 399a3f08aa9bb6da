"""The emailed survey: three one-click links (good, okay, bad) on one single-purpose link."""

from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.urls import reverse

from branding.emails import branded_email
from shared_apps.core.regional import regional_for
from tenant_apps.notifications.emails import absolute
from tenant_apps.satisfaction.models import LINK_DAYS, Score


def survey_link_urls(secret: str) -> dict[str, str]:
    """The link names the schema, so another agency's host refuses it by name."""
    token = f"{connection.schema_name}.{secret}"
    return {
        score: absolute(reverse("satisfaction:link", args=[token, score])) for score in Score.values
    }


def survey_message(client_request, recipient, secret: str) -> EmailMultiAlternatives:
    with regional_for(recipient):
        return branded_email(
            to=[recipient.email],
            subject=f"How did we do? #{client_request.pk} {client_request.title}",
            text_template="satisfaction/emails/survey.txt",
            html_template="satisfaction/emails/survey.html",
            context={
                "recipient": recipient,
                "request": client_request,
                "links": survey_link_urls(secret),
                "days": LINK_DAYS,
            },
        )

"""The inbound-email webhook, on the platform host: one address for every agency's replies,
since the reply address (not the host) says which agency a reply belongs to."""

from django.urls import path

from tenant_apps.messaging.inbound import inbound_email

urlpatterns = [path("inbound-email/", inbound_email, name="inbound-email")]

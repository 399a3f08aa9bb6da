from django.conf import settings
from django.db import connection
from django.urls import reverse

from branding.emails import branded_email
from branding.selectors import brand_for
from tenant_apps.workspace.checklist import first_steps
from tenants.middleware import agency_url


def welcome_email(owner):
    """The new agency's welcome to its owner: the workspace's link and the first steps."""
    agency = connection.tenant
    brand = brand_for(agency)

    def url(name):  # absolute, on the agency's host, from a worker as from a request
        return agency_url(agency.subdomain, reverse(name, urlconf=settings.ROOT_URLCONF))

    context = {
        "owner": owner,
        "agency_name": agency.name,
        "workspace_url": url("workspace:home"),
        "steps": [
            {"title": title, "why": why, "url": url(step.url_name)}
            for step, title, why in first_steps(brand)
        ],
    }
    return branded_email(
        subject=f"Welcome to {brand.portal_name}: your workspace is ready",
        to=[owner.email],
        text_template="workspace/emails/welcome.txt",
        html_template="workspace/emails/welcome.html",
        context=context,
    )

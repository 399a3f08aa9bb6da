"""Creates the bench agencies, each with 20 activity entries; prints their hosts and schemas.

Run by run.py against the bench database: ``python -m bench.seed``.
"""
# ruff: noqa: E402  (Django must be set up before models are imported)

import json

import django

django.setup()

from django_tenants.utils import tenant_context

from bench.views import ROWS
from shared_apps.signup.actions import agency_signup
from tenant_apps.activity.actions import activity_record
from tenant_apps.people.audit import PeopleAudit

SUBDOMAINS = ["bench-a", "bench-b"]


def main():
    agencies = []
    for subdomain in SUBDOMAINS:
        signup = agency_signup(
            name=subdomain.title(),
            subdomain=subdomain,
            owner_name="Bench Owner",
            owner_email=f"owner@{subdomain}.example",
            owner_password="bench-password-not-secret-2026",
        )
        with tenant_context(signup.agency):
            # The signup logged one entry already.
            for number in range(ROWS - 1):
                activity_record(
                    action=PeopleAudit.CLIENT_ROLE_CHANGED,
                    target=signup.owner,
                    changes={"n": number},
                )
        agencies.append(
            {"host": signup.agency.domains.get().domain, "schema": signup.agency.schema_name}
        )
    print(json.dumps(agencies))


if __name__ == "__main__":
    main()

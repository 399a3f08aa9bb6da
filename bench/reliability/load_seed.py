"""The load run's agencies, written through the product's own signup and actions.

    python -m bench.reliability.load_seed seed FIRST COUNT COMPANIES   (prints the world)
    python -m bench.reliability.load_seed credentials WORLD   (a session and JWTs per person)

Agency N is ``ld-NN.<PLATFORM_DOMAIN>``: an owner, an admin, a staff member who sees every
client and one limited to client 1; COMPANIES client companies, each with a client admin,
an approver, a finance person and a viewer, and its requests (replies, internal notes, a
file), documents (shared, and one in an internal folder), pending approvals, sent invoices,
messages (shared and internal) and a milestone. Every title, name and body carries its
marker (bench/reliability/markers.py). The world lists the people (all with PASSWORD) and
the ids of each company's items, for the simulated people to start from.

tests/reliability/test_load_smoke.py calls ``world_seed`` in its own process.
"""

import json
import os
import sys
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import django

if __name__ == "__main__":  # tests import this module with Django set up already
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from bench.reliability.markers import INVOICE_READERS, TEAM_ONLY, marker
from shared_apps.accounts.models import User
from shared_apps.signup.actions import agency_signup
from tenant_apps.approvals.actions import approval_request
from tenant_apps.client_requests.actions import (
    request_assign,
    request_note_add,
    request_reply_add,
    request_submit,
)
from tenant_apps.client_requests.models import Priority, RequestType
from tenant_apps.documents.actions import document_upload, folder_create
from tenant_apps.invoices.actions import invoice_create, invoice_move
from tenant_apps.messaging.actions import message_post
from tenant_apps.messaging.selectors import thread_for
from tenant_apps.people.actions import (
    client_company_create,
    client_member_create,
    staff_assignments_set,
    team_member_create,
)
from tenant_apps.projects.actions import milestone_post
from tenant_apps.security.sign_in import METHOD_KEY
from tenant_apps.security.tokens import TenantRefreshToken
from tenants.models import Agency

SUBDOMAIN = "ld-{:02d}"
PASSWORD = "load-password-not-secret-2026"
TEAM = [  # (key, team role, sees every client)
    ("admin", "admin", True),
    ("staff", "staff", True),
    ("limited", "staff", False),  # sees client 1 only
]
CLIENT_ROLES = ["client_admin", "approver", "finance", "viewer"]
INVOICE_READER_ROLES = {"client_admin", "finance"}
LIMITED_TO = [1]


@dataclass(frozen=True)
class Shape:
    """How much each client company holds."""

    requests: int = 6  # every other one answered by the team, with an internal note
    documents: int = 3  # each with a pending approval
    invoices: int = 2  # sent


TOPICS = ["homepage", "newsletter", "price list", "brochure", "booking form", "logo"]


def world_seed(first: int, count: int, companies: int, shape: Shape = Shape()) -> dict:
    """Agencies ``first`` … ``first + count - 1`` with ``companies`` clients each."""
    agencies = [agency_seed(number, companies, shape) for number in range(first, first + count)]
    return {"password": PASSWORD, "agencies": agencies}


def agency_seed(number: int, companies: int, shape: Shape) -> dict:

    subdomain = SUBDOMAIN.format(number)
    signup = agency_signup(
        name=f"Agency {marker(number, 0, 'name')}",
        subdomain=subdomain,
        owner_name=f"Owner {marker(number, 0, 'owner')}",
        owner_email=f"owner@{subdomain}.example",
        owner_password=PASSWORD,
    )
    password_hash = make_password(PASSWORD)
    people = [_person(f"owner@{subdomain}.example", "owner", 0)]
    with tenant_context(signup.agency), transaction.atomic():
        owner = signup.owner
        team = {}
        for key, role, sees_all in TEAM:
            email = f"{key}@{subdomain}.example"
            team[key] = team_member_create(
                email=email,
                full_name=f"{key.title()} {marker(number, 0, key)}",
                role=role,
                password_hash=password_hash,
                actor=owner,
                sees_all_clients=sees_all,
            )
            people.append(_person(email, key, 0, limited_to=None if sees_all else LIMITED_TO))
        seeded = {}
        for company in range(1, companies + 1):
            seeded[company], client_people = _company_seed(
                number, company, subdomain, owner, team, password_hash, shape
            )
            people += client_people
        staff_assignments_set(
            member=team["limited"],
            companies=[seeded[company]["object"] for company in LIMITED_TO if company in seeded],
            sees_all_clients=False,
            actor=owner,
        )
    for found in seeded.values():
        del found["object"]
    return {
        "number": number,
        "host": f"{subdomain}.{settings.PLATFORM_DOMAIN}",
        "schema": signup.agency.schema_name,
        "people": people,
        "companies": {str(company): found for company, found in seeded.items()},
    }


def _person(email, role, company, *, limited_to=None) -> dict:
    return {
        "email": email,
        "role": role,
        "company": company,  # 0: the team
        "limited_to": limited_to,  # team members who see only these clients
        "reads_invoices": company == 0 or role in INVOICE_READER_ROLES,
    }


def _company_seed(number, company, subdomain, owner, team, password_hash, shape):
    """One client company and its items; (ids of its items, its people)."""

    def mark(tag, flag=""):
        return marker(number, company, tag, flag)

    def text_file(name, text):
        return SimpleUploadedFile(name, text.encode(), content_type="text/plain")

    staff = team["staff"].user
    found = client_company_create(name=f"Client {mark('company')}", actor=owner)
    members, people = {}, []
    for role in CLIENT_ROLES:
        email = f"{role.replace('_', '-')}.c{company:02d}@{subdomain}.example"
        members[role] = client_member_create(
            email=email,
            full_name=f"{role.replace('_', ' ').title()} {mark(role)}",
            company=found,
            role=role,
            password_hash=password_hash,
            actor=owner,
        ).user
        people.append(_person(email, role, company))
    support = RequestType.objects.get(key="support")
    requests = []
    for n in range(1, shape.requests + 1):
        author = members[CLIENT_ROLES[n % 3]]  # admin, approver, finance: viewers only read
        topic = TOPICS[n % len(TOPICS)]
        files = [text_file(f"{mark(f'reqfile{n}')}.txt", f"Notes {mark(f'reqfile{n}')}")]
        item = request_submit(
            actor=author,
            company=found,
            type=support,
            title=f"{mark(f'req{n}')} Update the {topic}",
            details=f"Please update the {topic}. {mark(f'req{n}-details')}",
            priority=Priority.NORMAL,
            files=files if n <= 2 else (),
        )
        if n % 2 == 0:
            request_assign(client_request=item, owner=staff, actor=owner)
            request_reply_add(
                client_request=item, body=f"On it. {mark(f'req{n}-reply')}", actor=staff
            )
            request_note_add(
                client_request=item,
                body=f"Check the hours. {mark(f'req{n}-note', TEAM_ONLY)}",
                actor=staff,
            )
        requests.append(item.pk)
    shared = folder_create(company=found, name=f"Designs {mark('folder')}", actor=owner)
    internal = folder_create(
        company=found,
        name=f"Team notes {mark('folder', TEAM_ONLY)}",
        actor=owner,
        is_internal=True,
    )
    pricing = document_upload(
        company=found,
        upload=text_file("pricing.txt", f"Day rate: internal. {mark('pricing', TEAM_ONLY)}"),
        actor=owner,
        folder=internal,
        name=f"{mark('pricing', TEAM_ONLY)} pricing.txt",
        description=f"Our pricing. {mark('pricing-description', TEAM_ONLY)}",
    )
    documents, approvals, versions = [], [], []
    for n in range(1, shape.documents + 1):
        name = f"{mark(f'doc{n}')} {TOPICS[n]}.txt"
        document = document_upload(
            company=found,
            upload=text_file(name, f"The {TOPICS[n]} draft. {mark(f'doc{n}-text')}"),
            actor=staff,
            folder=shared if n == 1 else None,
            name=name,
            description=f"The {TOPICS[n]}. {mark(f'doc{n}-description')}",
        )
        documents.append(document.pk)
        versions.append(document.current_version.pk)
        approvals.append(
            approval_request(
                company=found,
                actor=staff,
                approvers=[members["approver"], members["client_admin"]],
                version=document.current_version,
                title=f"Please approve {mark(f'approval{n}')}",
                due_date=timezone.localdate() + timedelta(days=7),
            ).pk
        )
    invoices = []
    for n in range(1, shape.invoices + 1):
        invoice = invoice_create(
            company=found,
            number=mark(f"inv{n}", INVOICE_READERS),
            currency="EUR",
            issue_date=timezone.localdate(),
            due_date=timezone.localdate() + timedelta(days=30),
            lines=[
                {
                    "description": f"Design {mark(f'inv{n}-line', INVOICE_READERS)}",
                    "quantity": Decimal(n + 1),
                    "unit_price": Decimal("640.00"),
                }
            ],
            actor=owner,
        )
        invoice_move(invoice=invoice, move="send", actor=owner)
        invoices.append(invoice.pk)
    general = message_post(
        thread=thread_for(found), author=staff, body=f"Drafts are up. {mark('message1')}"
    ).thread
    message_post(thread=general, author=members["client_admin"], body=f"Thanks! {mark('message2')}")
    internal_thread = message_post(
        thread=thread_for(found, is_internal=True),
        author=owner,
        body=f"They asked for a discount. {mark('internal1', TEAM_ONLY)}",
    ).thread
    milestone_post(
        company=found,
        title=f"Launch {mark('milestone')}",
        actor=owner,
        due_date=timezone.localdate() + timedelta(days=20),
    )
    ids = {
        "id": found.pk,
        "object": found,
        "approvers": [members["approver"].pk, members["client_admin"].pk],
        "requests": requests,
        "documents": documents,
        "versions": versions,
        "approvals": approvals,
        "invoices": invoices,
        "folders": [shared.pk],
        "threads": [general.pk],
        # the team's only
        "internal_documents": [pricing.pk],
        "internal_folders": [internal.pk],
        "internal_threads": [internal_thread.pk],
    }
    return ids, people


def credentials(world: dict) -> dict:
    """{email: session key, JWT pair} for every person of ``world``: each is signed in as by
    the password, without paying Argon2 hundreds of times before the run (the run's own
    sign-ins go through the pages and the API). Tokens live 15 minutes: made just before."""
    found = {}
    for agency in world["agencies"]:
        with tenant_context(Agency.objects.get(schema_name=agency["schema"])):
            for person in agency["people"]:
                user = User.objects.get(email=person["email"])
                browser = Client()
                browser.force_login(user)  # a real session row and sessions-list entry
                session = browser.session
                session[METHOD_KEY] = "password"  # as sign_in_begin notes it
                session.save()
                refresh = TenantRefreshToken.for_user(user)
                found[person["email"]] = {
                    "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
                    "refresh": str(refresh),
                    "access": str(refresh.access_token),
                }
    return found


def main():
    """``seed FIRST COUNT COMPANIES`` or ``credentials WORLD``; prints JSON."""
    step, *args = sys.argv[1:]
    if step == "seed":
        first, count, companies = (int(value) for value in args)
        print(json.dumps(world_seed(first, count, companies)))
    elif step == "credentials":
        print(json.dumps(credentials(json.loads(Path(args[0]).read_text()))))
    else:
        raise SystemExit(f"unknown step {step!r}")


if __name__ == "__main__":
    main()

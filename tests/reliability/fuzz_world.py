"""The fuzzers' world: the test world's people (tests/conftest.py), and items made through the
API in each client company and in another agency, named with markers. An answer to a role that
holds a marker of data the role must not see is a leak.

Markers, matched in lower case:
- "northwind": Northwind's name, people and items (acme's client of the client personas);
- "zqnwteam": what acme's team keeps from Northwind (internal notes, folders, conversations);
- "southwind": Southwind's, the other acme client, which the staff persona does not serve;
- "zqswteam": the team's own about Southwind;
- "globex": anything of the other agency, its name and people included;
- "zqglobex": the other agency's clients' items (the operator sees agencies, not their data).
"""

import base64
import itertools
from collections.abc import Callable
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import tenant_context
from stripe import WebhookSignature

from operators.tokens import OperatorAccessToken
from tenant_apps.documents.models import DocumentVersion
from tenant_apps.messaging.email_replies import reply_address
from tenant_apps.messaging.models import Thread
from tenant_apps.security.tokens import TenantRefreshToken
from tests.conftest import host_client
from tests.reliability.api_fuzz import Role
from tests.reliability.webhooks_schema import webhooks_schema

ACME = "acme.localhost"
GLOBEX = "globex.localhost"
PLATFORM = "localhost"
# Everything of the agency and its clients, for who sees none of it.
AGENCY_DATA = ("northwind", "zqnwteam", "southwind", "zqswteam")


def bearer(persona) -> Callable:
    """Fresh access-token headers for an agency person (a refresh token's row is written)."""

    def headers():
        with tenant_context(persona.agency):
            token = TenantRefreshToken.for_user(persona.user).access_token
        return {"Authorization": f"Bearer {token}"}

    return headers


def operator_bearer(user):
    def headers():
        return {"Authorization": f"Bearer {OperatorAccessToken.for_user(user)}"}

    return headers


class Api:
    """A person's calls to their agency's API, as a client app makes them."""

    def __init__(self, persona, host):
        self.client = host_client(host)
        self.headers = bearer(persona)
        self.agency = persona.agency

    def _answer(self, response, expected):
        assert response.status_code == expected, response.content
        return response.json()

    def post(self, path, data, expected=201):
        auth = {"HTTP_AUTHORIZATION": self.headers()["Authorization"]}
        if any(isinstance(value, SimpleUploadedFile) for value in data.values()):
            return self._answer(self.client.post(path, data, **auth), expected)
        return self._answer(
            self.client.post(path, data, content_type="application/json", **auth), expected
        )

    def get(self, path):
        auth = {"HTTP_AUTHORIZATION": self.headers()["Authorization"]}
        return self._answer(self.client.get(path, **auth), 200)


_numbers = itertools.count(1)


def seed_company(api: Api, company_id: int, name: str, team: str, approver_id: int | None):
    """A request with a reply and an internal note, shared and team-only folders, a document,
    an invoice, an approval, a conversation and an internal one, a milestone and a file
    request, all in ``company``, named after it; the team-only ones also carry ``team``.
    Returns the path parameters that name them."""
    kind = api.get("/api/v1/request-types")[0]["key"]
    request = api.post(
        "/api/v1/requests",
        {"type": kind, "company": company_id, "title": f"{name} request", "details": f"{name}"},
    )
    api.post(f"/api/v1/requests/{request['id']}/replies", {"body": f"{name} reply"})
    api.post(f"/api/v1/requests/{request['id']}/notes", {"body": f"{name} note {team}"})
    api.post("/api/v1/document-folders", {"company": company_id, "name": f"{name} folder"})
    api.post(
        "/api/v1/document-folders",
        {"company": company_id, "name": f"{name} {team}", "is_internal": True},
    )
    upload = SimpleUploadedFile(f"{name.lower()}-brief.txt", f"{name} brief".encode())
    document = api.post(
        "/api/v1/documents", {"company": company_id, "file": upload, "name": f"{name} document"}
    )
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    invoice = api.post(
        "/api/v1/invoices",
        {
            "company": company_id,
            "number": f"FZ-{next(_numbers)}",
            "currency": "EUR",
            "due_date": due,
            "notes": f"{name} invoice",
            "lines": [{"description": f"{name} work", "quantity": "1", "unit_price": "100"}],
        },
    )
    found = {
        "company_id": company_id,
        "request_id": request["id"],
        "document_id": document["id"],
        "number": 1,
        "page": 1,
        "invoice_id": invoice["id"],
    }
    if approver_id is not None:
        # The API names versions by number; an approval takes the version's id.
        with tenant_context(api.agency):
            version = DocumentVersion.objects.get(document=document["id"], number=1)
        approval = api.post(
            "/api/v1/approvals",
            {"version": version.pk, "approvers": [approver_id], "title": f"{name} approval"},
        )
        found["approval_id"] = approval["id"]
    thread = api.post(
        "/api/v1/threads", {"about": "company", "item_id": company_id, "body": f"{name} hello"}
    )
    api.post(
        "/api/v1/threads",
        {"about": "company", "item_id": company_id, "is_internal": True, "body": f"{team}"},
    )
    message = api.get(f"/api/v1/threads/{thread['id']}/messages")["results"][0]
    milestone = api.post("/api/v1/milestones", {"company": company_id, "title": f"{name} step"})
    file_request = api.post(
        "/api/v1/file-requests", {"company": company_id, "title": f"{name} files"}
    )
    return found | {
        "thread_id": thread["id"],
        "message_id": message["id"],
        "milestone_id": milestone["id"],
        "file_request_id": file_request["id"],
    }


def seed(world) -> dict[str, dict]:
    """Marked items in acme's two client companies and in a client of globex; returns the
    path parameters naming each acme company's items."""
    acme = Api(world.personas["owner"], ACME)
    known = {
        "northwind": seed_company(
            acme,
            world.northwind.pk,
            "Northwind",
            "zqnwteam",
            approver_id=world.personas["client_admin"].user.pk,
        ),
        "southwind": seed_company(
            acme,
            world.southwind.pk,
            "Southwind",
            "zqswteam",
            approver_id=world.personas["other_company"].user.pk,
        ),
    }
    globex = Api(world.personas["outsider"], GLOBEX)
    client = globex.post("/api/v1/clients", {"name": "Zqglobex Client"})
    globex.post(
        "/api/v1/invitations",
        {"email": "someone@zqglobex.example", "company": client["id"], "client_role": "viewer"},
    )
    seed_company(globex, client["id"], "Zqglobex", "zqglobex", approver_id=None)
    return known


def agency_roles(world, known: dict[str, dict]) -> list[Role]:
    """Acme's owner, its staff member who serves only Northwind, Northwind's client admin and
    viewer, and someone signed in nowhere, each on acme's host."""
    personas = world.personas
    paths = (known["northwind"], known["southwind"])
    client_forbidden = ("zqnwteam", "southwind", "zqswteam", "globex")
    return [
        Role("owner", ACME, bearer(personas["owner"]), ("globex",), paths),
        Role("staff", ACME, bearer(personas["staff"]), ("southwind", "zqswteam", "globex"), paths),
        Role("client_admin", ACME, bearer(personas["client_admin"]), client_forbidden, paths),
        Role("viewer", ACME, bearer(personas["viewer"]), client_forbidden, paths),
        # Refused before any lookup (401), so no item needs naming.
        Role("anonymous", ACME, dict, (*AGENCY_DATA, "globex")),
    ]


def platform_roles(world) -> list[Role]:
    """The platform host's API as an admin operator and as anyone (signup)."""
    operator = world.personas["operator"].user
    agencies = ({"agency_id": world.acme.pk}, {"agency_id": world.globex.pk})
    return [
        Role("operator", PLATFORM, operator_bearer(operator), (*AGENCY_DATA, "zqglobex"), agencies),
        Role("anonymous_platform", PLATFORM, dict, (*AGENCY_DATA, "zqglobex")),
    ]


def webhook_role(world, known: dict[str, dict], *, email_secret: str, stripe_secret: str):
    """Stripe and the email provider posting to the platform's webhooks, authentic (signed,
    with the webhooks' basic auth); the schema offers real agencies and a real reply address."""
    with tenant_context(world.acme):
        thread = Thread.objects.get(pk=known["northwind"]["thread_id"])
        replying = world.personas["client_admin"].user
        address = reply_address(world.acme, thread, replying)
    schema = webhooks_schema(
        agency_ids=[world.acme.pk, world.globex.pk],
        schema_names=[world.acme.schema_name, world.globex.schema_name],
        reply_addresses=[address],
        senders=[replying.email],
    )
    basic = "Basic " + base64.b64encode(email_secret.encode()).decode()

    def signature(body: bytes) -> dict:
        header = WebhookSignature.generate_signature_header(
            body.decode(errors="replace"), stripe_secret
        )
        return {"Stripe-Signature": header}

    everything = (*AGENCY_DATA, "globex")
    role = Role("webhooks", PLATFORM, lambda: {"Authorization": basic}, everything, (), signature)
    return schema, role

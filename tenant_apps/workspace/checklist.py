"""A new agency's first steps: the checklist on the team's home page and in the welcome email.

Each step is ticked by the thing itself having happened (the brand changed from its defaults,
a client company, a colleague invited, a request type of their own, a Stripe subscription),
never by a click, so the list cannot drift from the workspace. It shows to owners and admins
until every step is done or one of them puts it away.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from django.urls import reverse

from billing.selectors import billing_state
from branding.models import Brand
from branding.selectors import BrandView, brand_for
from tenant_apps.client_requests.models import RequestType
from tenant_apps.kit.access import Actor, can
from tenant_apps.people.models import ClientCompany, Invitation, TeamMember
from tenant_apps.workspace.models import FirstRun


@dataclass(frozen=True)
class Step:
    key: str
    title: str  # "{client}" and "{request}": the agency's words
    why: str
    url_name: str  # where it is done
    permission: str  # who may do it


STEPS = [
    Step(
        "brand",
        "Brand the portal",
        "Your logo, colours and welcome words on every page and email your {clients} see.",
        "branding:settings",
        "brand.manage",
    ),
    Step(
        "client",
        "Add your first {client}",
        "Then invite their people: they send {requests}, share files and approve work here.",
        "people:company_create",
        "clients.manage",
    ),
    Step(
        "colleague",
        "Invite a colleague",
        "Share the work: assign {requests} and answer {clients} together.",
        "people:team",
        "team.invite",
    ),
    Step(
        "request_type",
        "Create a {request} type",
        "Ask for the details you need up front, with fields of your own.",
        "client_requests:type_create",
        "requests.configure",
    ),
    Step(
        "billing",
        "Connect billing",
        "Choose a plan and add a card, so the workspace carries on after the trial.",
        "billing:overview",
        "billing.manage",
    ),
]


@dataclass(frozen=True)
class Item:
    key: str
    title: str
    why: str
    url: str  # a path on the agency's host
    done: bool
    may: bool  # whether the person looking may do it (else the owner does)


@dataclass(frozen=True)
class Checklist:
    items: list[Item]

    @property
    def done_count(self) -> int:
        return sum(item.done for item in self.items)

    @property
    def complete(self) -> bool:
        return self.done_count == len(self.items)


def _words(brand: BrandView) -> dict:
    return {
        "client": brand.client_word,
        "clients": brand.clients_word,
        "request": brand.request_word,
        "requests": brand.requests_word,
    }


def first_steps(brand: BrandView) -> list[tuple[Step, str, str]]:
    """The steps that apply to the current agency (billing only where the platform bills),
    each with its title and why in the agency's words."""
    words = _words(brand)
    billing_on = billing_state(connection.tenant).enabled
    return [
        (step, step.title.format(**words), step.why.format(**words))
        for step in STEPS
        if step.key != "billing" or billing_on
    ]


def _field_default(name: str):
    return Brand._meta.get_field(name).default


def _branded(brand: BrandView) -> bool:
    """Changed from the brand signup made: a logo, colours or words of the agency's own."""
    return bool(
        brand.logo_url
        or brand.favicon_url
        or brand.login_headline
        or brand.welcome_text
        or brand.primary_colour.lower() != _field_default("primary_colour")
        or brand.accent_colour.lower() != _field_default("accent_colour")
        or brand.portal_name != connection.tenant.name
    )


def _exist(querysets: dict[str, QuerySet]) -> dict[str, bool]:
    """Whether each of ``querysets`` has a row, all in one statement."""
    selects, params = [], []
    for queryset in querysets.values():
        sql, query_params = queryset.values("pk").query.sql_with_params()
        # Django's own SQL for the querysets; values travel as parameters.
        selects.append(f"EXISTS ({sql})")
        params.extend(query_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(selects)}", params)
        return dict(zip(querysets, cursor.fetchone(), strict=True))


def first_run_checklist(actor: Actor) -> Checklist | None:
    """The checklist for ``actor``'s home page; None for those it is not shown to (client
    people, staff), once put away and once every step is done. One query; the brand and
    billing state come from their caches."""
    if not can(actor, "workspace.first_run"):
        return None
    found = _exist(
        {
            "dismissed": FirstRun.objects.filter(pk=1, checklist_dismissed_at__isnull=False),
            "client": ClientCompany.objects.order_by(),
            "invitation": Invitation.objects.filter(company__isnull=True).order_by(),
            "second_member": TeamMember.objects.order_by()[1:2],
            "request_type": RequestType.objects.filter(is_builtin=False).order_by(),
        }
    )
    if found["dismissed"]:
        return None
    brand = brand_for(connection.tenant)
    done = {
        "brand": _branded(brand),
        "client": found["client"],
        "colleague": found["invitation"] or found["second_member"],
        "request_type": found["request_type"],
        "billing": billing_state(connection.tenant).subscribed,
    }
    checklist = Checklist(
        [
            Item(
                step.key,
                title,
                why,
                reverse(step.url_name),
                done[step.key],
                can(actor, step.permission),
            )
            for step, title, why in first_steps(brand)
        ]
    )
    return None if checklist.complete else checklist

"""The reads of a client's overview, the team's one page about one client company: a few rows
of each of its lists (with how many there are and a link to the whole list, filtered to the
company) and its health. Each part is one query from the app that owns the rows, so the page
costs the same however many rows there are (tests hold it to that)."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from tenant_apps.approvals.selectors import pending_approvals_for_company
from tenant_apps.client_requests.selectors import open_requests_for_company
from tenant_apps.documents.selectors import recent_documents_for_company
from tenant_apps.invoices.selectors import unpaid_invoices_for_company
from tenant_apps.kit.access import Actor
from tenant_apps.kit.samples import Sample
from tenant_apps.messaging.selectors import company_threads
from tenant_apps.people.models import ClientCompany
from tenant_apps.people.selectors import company_people_sample
from tenant_apps.projects.selectors import company_milestones
from tenant_apps.reports.health import HealthTrend, health_trend

SHOWN = 5  # rows of each list


@dataclass(frozen=True)
class Section:
    sample: Sample
    url: str  # the whole list, filtered to the company

    @property
    def items(self) -> list:
        return self.sample.items

    @property
    def total(self) -> int:
        return self.sample.total

    @property
    def more(self) -> int:
        """How many the list holds beyond those shown."""
        return self.sample.total - len(self.sample.items)


@dataclass(frozen=True)
class ClientOverview:
    company: ClientCompany
    requests: Section  # open
    files: Section  # latest changed first
    approvals: Section  # pending
    invoices: Section  # unpaid
    invoice_totals: list[dict]  # per currency, as invoices.selectors.invoice_totals
    conversations: Section
    people: Section
    milestones: Section
    health: HealthTrend | None


def _filtered(name: str, company: ClientCompany, **query) -> str:
    return f"{reverse(name)}?{urlencode(query | {'company': company.pk})}"


def _page(name: str, company: ClientCompany) -> str:
    return reverse(name, args=[company.pk])


def client_overview(actor: Actor, company: ClientCompany, *, limit: int = SHOWN) -> ClientOverview:
    """``company`` as ``actor`` (a team member who sees it) may see it (nine queries)."""
    unpaid, invoice_totals = unpaid_invoices_for_company(actor, company, limit=limit)
    return ClientOverview(
        company=company,
        requests=Section(
            open_requests_for_company(actor, company, limit=limit),
            _filtered("client_requests:list", company, status="open", sort="sla"),
        ),
        files=Section(
            recent_documents_for_company(actor, company, limit=limit),
            _page("documents:space", company),
        ),
        approvals=Section(
            pending_approvals_for_company(actor, company, limit=limit),
            _filtered("approvals:list", company, status="pending"),
        ),
        invoices=Section(unpaid, _filtered("invoices:list", company, status="unpaid")),
        invoice_totals=invoice_totals,
        conversations=Section(
            company_threads(actor, company, limit=limit),
            _filtered("messaging:inbox", company),
        ),
        people=Section(
            company_people_sample(company, limit=limit), _page("people:company", company)
        ),
        milestones=Section(
            company_milestones(actor, company, limit=limit), _page("projects:company", company)
        ),
        health=health_trend(company.pk),
    )

import re
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from shared_apps.accounts.models import User
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.client_requests.models import SlaPolicy
from tenant_apps.invoices.audit import InvoiceAudit
from tenant_apps.invoices.currencies import currency_get
from tenant_apps.invoices.figures import TaxLine, tax_lines
from tenant_apps.invoices.models import (
    CLIENT_VISIBLE_STATUSES,
    MOVES,
    UNPAID_STATUSES,
    CreditNote,
    Invoice,
    InvoiceStatus,
    LegalDetails,
    TaxRate,
)
from tenant_apps.kit.access import INVOICE_READERS, Actor
from tenant_apps.kit.roles import ClientRole
from tenant_apps.kit.samples import Sample, sample
from tenant_apps.people.models import ClientCompany, ClientMember

# History entries a client reads: what happened once the invoice was theirs to see.
CLIENT_HISTORY = [move.logged for move in MOVES.values()] + [InvoiceAudit.INVOICE_CREDITED]
NUMBER_TAIL = re.compile(r"^(.*?)(\d+)$")


def visible_invoices(actor: Actor) -> QuerySet[Invoice]:
    """Invoices ``actor`` may see, with what a list row shows: the team's for the companies
    they see; a client's finance people and admins their company's once sent; else none."""
    invoices = Invoice.objects.select_related("company")
    if actor.is_team:
        ids = actor.visible_company_ids
        return invoices if ids is None else invoices.filter(company_id__in=ids)
    if actor.has_client_role(*INVOICE_READERS):
        # Sent at some point: a draft voided unsent was never theirs.
        return invoices.filter(
            company_id=actor.client.company_id,
            status__in=CLIENT_VISIBLE_STATUSES,
            sent_at__isnull=False,
        )
    return invoices.none()


def invoice_totals(invoices: QuerySet[Invoice]) -> list[dict]:
    """Per currency (money in different currencies never adds up): how many invoices, and
    the amounts outstanding, overdue and paid. Voided and draft invoices count in none.

    One query, by currency and status, added up here: a third of the CPU of asking
    PostgreSQL for the three filtered sums (the invoice list runs it on every load)."""
    rows = (
        invoices.order_by()
        .values_list("currency", "status")
        .annotate(Count("id"), Sum("total"))
        .order_by("currency", "status")
    )
    totals = {}
    for currency, status, count, amount in rows:
        amount = ZERO if amount is None else amount
        # 0 where no invoice counts, as COALESCE(SUM(...), 0) gave.
        sums = totals.setdefault(
            currency,
            {"currency": currency, "count": 0, "outstanding": ZERO, "overdue": ZERO, "paid": ZERO},
        )
        sums["count"] += count
        if status in UNPAID_STATUSES:
            sums["outstanding"] = _added(sums["outstanding"], amount)
        if status == InvoiceStatus.OVERDUE:
            sums["overdue"] = _added(sums["overdue"], amount)
        elif status == InvoiceStatus.PAID:
            sums["paid"] = _added(sums["paid"], amount)
    return list(totals.values())


ZERO = Decimal(0)


def _added(total: Decimal, amount: Decimal) -> Decimal:
    # The first amount as PostgreSQL summed it (its scale), not ZERO + amount.
    return amount if total is ZERO else total + amount


def unpaid_invoices_for_company(
    actor: Actor, company: ClientCompany, *, limit: int
) -> tuple[Sample, list[dict]]:
    """``company``'s unpaid invoices that ``actor`` sees, the soonest due first, with how many
    are overdue; and its invoice_totals (two queries)."""
    invoices = visible_invoices(actor).filter(company=company)
    unpaid = invoices.filter(status__in=UNPAID_STATUSES).order_by("due_date", "id")
    overdue = Q(status=InvoiceStatus.OVERDUE)
    return sample(unpaid, limit, overdue=overdue), invoice_totals(invoices)


def invoice_history(actor: Actor, invoice: Invoice) -> QuerySet[ActivityEntry]:
    """The invoice's entries in the activity log, oldest first; clients see only what
    happened after it was sent to them."""
    entries = ActivityEntry.objects.filter(
        company_id=invoice.company_id,
        object_type=Invoice._meta.label_lower,
        object_id=str(invoice.pk),
        action__startswith="invoice.",
    ).order_by("id")
    return entries if actor.is_team else entries.filter(action__in=CLIENT_HISTORY)


def invoice_number_suggest() -> str:
    """The number after the latest invoice's (INV-0041 → INV-0042), or INV-0001."""
    latest = Invoice.objects.order_by("-created_at", "-id").values_list("number", flat=True)
    match = NUMBER_TAIL.match(latest.first() or "INV-0000")
    prefix, digits = match.groups() if match else ("INV-", "0000")
    number = int(digits)
    while True:
        number += 1
        candidate = f"{prefix}{number:0{len(digits)}d}"
        if not Invoice.objects.filter(number__iexact=candidate).exists():
            return candidate


def agency_today() -> date:
    """Today in the agency's business time zone (the one its SLA policy counts in)."""
    zone = SlaPolicy.objects.filter(pk=1).values_list("timezone", flat=True).first() or "UTC"
    return timezone.localdate(timezone=ZoneInfo(zone))


def invoice_recipients(invoice: Invoice) -> list[User]:
    """Who is emailed about a client's invoice: its company's finance people, or its client
    admins when it has no finance person."""
    members = ClientMember.objects.filter(
        company_id=invoice.company_id,
        role__in=[ClientRole.FINANCE, ClientRole.ADMIN],
        user__is_active=True,
    ).select_related("user")
    by_role: dict[str, list[User]] = {}
    for member in members:
        by_role.setdefault(member.role, []).append(member.user)
    return by_role.get(ClientRole.FINANCE) or by_role.get(ClientRole.ADMIN, [])


def legal_details() -> LegalDetails:
    """The agency's invoice details; unsaved and empty until first saved."""
    return LegalDetails.objects.filter(pk=1).first() or LegalDetails(pk=1)


def tax_rates(*, archived: bool | None = False) -> QuerySet[TaxRate]:
    """The agency's tax rates: those offered (default), archived ones, or all (None); each
    with ``uses``, how many invoice lines bear it."""
    rates = TaxRate.objects.annotate(uses=Count("lines"))
    if archived is None:
        return rates
    return rates.filter(archived_at__isnull=not archived)


def invoice_taxes(invoice: Invoice) -> list[TaxLine]:
    """A built invoice's tax per rate, as its lines were billed."""
    currency = currency_get(invoice.currency)
    return tax_lines(invoice.lines.select_related("tax_rate"), currency)


def credited_total(invoice: Invoice) -> Decimal:
    """How much of ``invoice`` its credit notes give back (tax included); 0 without any.
    What the client still owes is its total less this (and less what they paid)."""
    return invoice.credit_notes.aggregate(total=Sum("total", default=Decimal(0)))["total"]


def invoice_credit_notes(invoice: Invoice) -> QuerySet[CreditNote]:
    """The credit notes of an invoice anyone who sees it may read (both sides), oldest
    first, with their lines."""
    return invoice.credit_notes.select_related("pdf").prefetch_related("lines__tax_rate")

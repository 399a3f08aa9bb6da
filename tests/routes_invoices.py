"""Matrix entries for the invoices routes (see tests/access_matrix.py).

Invoices are for the team who see the company and for its finance people and client admins,
once sent. Approvers and viewers of the same company, like other companies, never learn an
invoice exists (404); clients never see a draft.
"""

from datetime import date
from decimal import Decimal

from django_tenants.utils import tenant_context

from tenant_apps.invoices.actions import credit_note_create, invoice_create, invoice_move
from tenant_apps.invoices.models import Invoice, TaxRate
from tests.access_matrix import SIGNED_IN_HERE, TEAM, api, signed_in
from tests.routes_people import hiding

READERS = ["client_admin", "finance"]  # Northwind's people who see its invoices
NORTHWIND_READERS = [*TEAM, *READERS]
NOT_READERS = ["approver", "viewer", "other_company"]
LINES = [
    {"description": "Brand workshop", "quantity": Decimal(2), "unit_price": Decimal("450.00")},
    {"description": "Logo files", "quantity": Decimal(1), "unit_price": Decimal("99.99")},
]
_numbers = iter(range(1, 1_000_000))


def tax_rate(percent: Decimal) -> TaxRate | None:
    """The current schema's offered rate of ``percent`` (made if there is none); None for 0."""
    if not percent:
        return None
    rates = TaxRate.objects.filter(percent=percent, archived_at__isnull=True)
    return rates.first() or TaxRate.objects.create(
        name=f"VAT {percent.normalize():f}%", percent=percent
    )


def make_invoice(world, *, moves=(), company=None, by="owner", **fields) -> Invoice:
    """A built invoice for Northwind (unless told otherwise), then ``moves`` made by ``by``.
    ``tax_rate`` is a percentage every line bears (20 unless told otherwise)."""
    with tenant_context(world.acme):
        rate = tax_rate(Decimal(fields.pop("tax_rate", 20)))
        lines = fields.pop("lines", LINES)
        invoice = invoice_create(
            company=company or world.northwind,
            number=fields.pop("number", f"MX-{next(_numbers):05d}"),
            currency=fields.pop("currency", "EUR"),
            issue_date=fields.pop("issue_date", date(2031, 3, 1)),
            due_date=fields.pop("due_date", date(2031, 3, 31)),
            lines=[{"tax_rate": rate} | line for line in lines],
            actor=world.personas[by].user,
            **fields,
        )
        for move in moves:
            invoice = invoice_move(invoice=invoice, move=move, actor=world.personas[by].user)
        return invoice


# Made afresh for each check; the test's transaction rolls them back.
def draft(world) -> tuple:
    return (make_invoice(world).pk,)


def sent(world) -> tuple:
    return (make_invoice(world, moves=["send"]).pk,)


def reported_paid(world) -> tuple:
    invoice = make_invoice(world, moves=["send"])
    with tenant_context(world.acme):
        invoice_move(invoice=invoice, move="report_payment", actor=world.personas["finance"].user)
    return (invoice.pk,)


def credited(world) -> tuple:
    """A sent invoice with a credit note: (invoice id, credit note id)."""
    invoice = make_invoice(world, moves=["send"])
    with tenant_context(world.acme):
        note = credit_note_create(
            invoice=invoice,
            amount=Decimal("100.00"),
            reason="Logo files were late",
            actor=world.personas["owner"].user,
        )
    return (invoice.pk, note.pk)


def on_sent_invoice(case):
    """``case`` on a sent Northwind invoice, which only its readers and the team see."""
    return hiding(case, *NOT_READERS)


def team_move(view, args, allowed: int):
    """A team's status change: its client readers see the invoice but may not (403)."""
    return on_sent_invoice(view(allowed, 403, TEAM, method="post", args=args))


def unused_rate(world) -> tuple:
    with tenant_context(world.acme):
        return (TaxRate.objects.create(name="Matrix rate", percent=Decimal("7.5")).pk,)


def used_rate(world) -> tuple:
    invoice = make_invoice(world, tax_rate=Decimal("5.5"))
    with tenant_context(world.acme):
        return (invoice.lines.first().tax_rate_id,)


# The agency's invoice details and tax rates: owners and admins change them; the team reads
# the rates over the API (to bill with them).
CONFIGURERS = ["owner", "admin"]

# Status changes on pages redirect back to the invoice (302); from the API they answer it.
TENANT_ROUTES = {
    "invoices:legal_settings": signed_in(200, 403, CONFIGURERS),
    "invoices:tax_rates": signed_in(200, 403, CONFIGURERS),
    "invoices:tax_rate_archive": signed_in(302, 403, CONFIGURERS, method="post", args=unused_rate),
    "invoices:tax_rate_delete": signed_in(302, 403, CONFIGURERS, method="post", args=unused_rate),
    "api-legal-details": api(200, 403, CONFIGURERS),
    # Credit notes: the team issues them; whoever sees the invoice reads them.
    # Posting no fields (the matrix posts JSON): the invoice's page with what is missing.
    "invoices:credit_note_new": on_sent_invoice(
        signed_in(400, 403, TEAM, method="post", args=sent)
    ),
    "invoices:credit_note_pdf": on_sent_invoice(
        signed_in(200, 403, NORTHWIND_READERS, args=credited)
    ),
    "api-credit-notes": on_sent_invoice(api(200, 403, NORTHWIND_READERS, args=sent)),
    "api-credit-note-pdf": on_sent_invoice(api(200, 403, NORTHWIND_READERS, args=credited)),
    "api-tax-rates": api(200, 403, TEAM),
    "api-tax-rate": api(200, 403, TEAM, args=unused_rate),
    "invoices:list": signed_in(200, 200, SIGNED_IN_HERE),
    "invoices:new": signed_in(200, 403, TEAM),
    "invoices:line_row": signed_in(200, 403, TEAM, data={"index": "3"}),
    "invoices:totals": signed_in(200, 403, TEAM, method="post"),
    "invoices:upload": signed_in(200, 403, TEAM),
    "invoices:detail": on_sent_invoice(signed_in(200, 403, NORTHWIND_READERS, args=sent)),
    # A draft is the team's alone: to every client it does not exist.
    "invoices:edit": signed_in(200, 404, TEAM, args=draft),
    "invoices:pdf": on_sent_invoice(signed_in(200, 403, NORTHWIND_READERS, args=sent)),
    "invoices:send": signed_in(302, 404, TEAM, method="post", args=draft),
    "invoices:mark_paid": team_move(signed_in, sent, 302),
    "invoices:void": team_move(signed_in, sent, 302),
    "invoices:payment_missing": team_move(signed_in, reported_paid, 302),
    "invoices:report_payment": on_sent_invoice(
        signed_in(302, 403, READERS, method="post", args=sent)
    ),
    "api-invoices": api(200, 200, SIGNED_IN_HERE),
    "api-invoice-next-number": api(200, 403, TEAM),
    "api-invoice": on_sent_invoice(api(200, 403, NORTHWIND_READERS, args=sent)),
    "api-invoice-pdf": on_sent_invoice(api(200, 403, NORTHWIND_READERS, args=sent)),
    "api-invoice-send": api(200, 404, TEAM, method="post", args=draft),
    "api-invoice-mark-paid": team_move(api, sent, 200),
    "api-invoice-void": team_move(api, sent, 200),
    "api-invoice-payment-missing": team_move(api, reported_paid, 200),
    "api-invoice-report-payment": on_sent_invoice(api(200, 403, READERS, method="post", args=sent)),
}
PUBLIC_ROUTES: dict = {}

# Second methods and second objects of the routes above (tests/test_invoices_api.py walks
# them). Posting no fields: the forms come back with errors (400), the API names the fields.
MORE_CASES = {
    # Posting no fields: the forms come back with errors; the API names the fields.
    "legal details (post)": (
        "invoices:legal_settings",
        signed_in(400, 403, CONFIGURERS, method="post"),
    ),
    "tax rates (post)": ("invoices:tax_rates", signed_in(400, 403, CONFIGURERS, method="post")),
    "legal details (patch)": ("api-legal-details", api(200, 403, CONFIGURERS, method="patch")),
    "tax rates (api post)": ("api-tax-rates", api(400, 403, CONFIGURERS, method="post")),
    "tax rate (patch)": (
        "api-tax-rate",
        api(200, 403, CONFIGURERS, method="patch", args=unused_rate),
    ),
    "tax rate (delete)": (
        "api-tax-rate",
        api(204, 403, CONFIGURERS, method="delete", args=unused_rate),
    ),
    # A rate on an invoice line: deleting it is refused, saying to archive it.
    "delete a rate in use": (
        "api-tax-rate",
        api(400, 403, CONFIGURERS, method="delete", args=used_rate),
    ),
    "credit note (api post)": (
        "api-credit-notes",
        on_sent_invoice(api(201, 403, TEAM, method="post", args=sent, data={"reason": "Refund"})),
    ),
    "credit a draft (api)": (
        "api-credit-notes",
        api(400, 404, TEAM, method="post", args=draft, data={"reason": "Refund"}),
    ),
    "delete a rate in use (page)": (
        "invoices:tax_rate_delete",
        signed_in(302, 403, CONFIGURERS, method="post", args=used_rate),
    ),
    "new (post)": ("invoices:new", signed_in(400, 403, TEAM, method="post")),
    "upload (post)": ("invoices:upload", signed_in(400, 403, TEAM, method="post")),
    "edit (post)": ("invoices:edit", signed_in(400, 404, TEAM, method="post", args=draft)),
    "draft detail": ("invoices:detail", signed_in(200, 404, TEAM, args=draft)),
    "draft pdf": ("invoices:pdf", signed_in(200, 404, TEAM, args=draft)),
    # A move the status does not allow: the page says why (400) to whoever may make it.
    "paid twice": (
        "invoices:mark_paid",
        on_sent_invoice(signed_in(400, 403, TEAM, method="post", args=lambda world: _paid(world))),
    ),
    "invoices (post)": ("api-invoices", api(400, 403, TEAM, method="post")),
    "invoice (patch)": ("api-invoice", api(200, 404, TEAM, method="patch", args=draft)),
    "draft (api)": ("api-invoice", api(200, 404, TEAM, args=draft)),
    "send a sent one (api)": (
        "api-invoice-send",
        on_sent_invoice(api(400, 403, TEAM, method="post", args=sent)),
    ),
}


def _paid(world) -> tuple:
    return (make_invoice(world, moves=["send", "mark_paid"]).pk,)

"""The codes invoices writes to the activity log, with their words and links."""

from enum import nonmember

from tenant_apps.activity.events import AuditEvent, By, Field, Item, link_items

# The note the system marks an invoice paid with after Stripe's event (payments.actions).
STRIPE_PAID = "Paid online through Stripe"
# Dotted: invoices.models imports this module.
STATUS = "tenant_apps.invoices.models.InvoiceStatus"


class InvoiceAudit(AuditEvent):
    INVOICE_CREATED = "invoice.created", "Invoice created", "{actor} created {object}"
    INVOICE_UPLOADED = "invoice.uploaded", "Invoice uploaded", "{actor} uploaded {object}"
    INVOICE_UPDATED = "invoice.updated", "Invoice changed", "{actor} changed the draft {object}"
    INVOICE_SENT = "invoice.sent", "Invoice sent", "{actor} sent {object}"
    INVOICE_PAYMENT_REPORTED = (
        "invoice.payment_reported",
        "Payment reported",
        "{actor} reported paying {object}",
    )
    INVOICE_PAYMENT_NOT_RECEIVED = (
        "invoice.payment_not_received",
        "Payment not received",
        "{actor} found no payment for {object}",
    )
    INVOICE_MARKED_PAID = (
        "invoice.marked_paid",
        "Invoice paid",
        "{actor} marked {object} paid",
        # Without an actor: marked paid by the system, after Stripe's event (payments).
        By(
            "note",
            {STRIPE_PAID: "{object} was marked paid after the payment through Stripe"},
            "{object} was marked paid",
        ),
    )
    INVOICE_VOIDED = "invoice.voided", "Invoice voided", "{actor} voided {object}"
    INVOICE_BECAME_OVERDUE = "invoice.became_overdue", "Invoice overdue", "{object} became overdue"
    INVOICE_CREDITED = (
        "invoice.credited",
        "Credit note issued",
        "{actor} issued credit note {credit_note} on {object}",
        "{actor} credited {object}",
    )
    # The agency's invoicing settings: not "invoice." codes, which an invoice's history reads.
    LEGAL_DETAILS_UPDATED = (
        "invoicing.legal_details_updated",
        "Invoice details changed",
        "{actor} changed the invoice details ({fields})",
        "{actor} changed the invoice details",
    )
    TAX_RATE_CREATED = "invoicing.tax_rate_created", "Tax rate added", "{actor} added {object}"
    TAX_RATE_UPDATED = "invoicing.tax_rate_updated", "Tax rate changed", "{actor} changed {object}"
    TAX_RATE_ARCHIVED = (
        "invoicing.tax_rate_archived",
        "Tax rate archived",
        "{actor} archived {object}",
    )
    TAX_RATE_RESTORED = (
        "invoicing.tax_rate_restored",
        "Tax rate restored",
        "{actor} offered {object} again",
    )
    TAX_RATE_DELETED = "invoicing.tax_rate_deleted", "Tax rate deleted", "{actor} deleted {object}"

    fields = nonmember(
        {
            "status": Field("Status", STATUS),
            "number": Field("Number"),
            "company": Field("Client"),
            "kind": Field("Made", "tenant_apps.invoices.models.InvoiceKind", clients=False),
            "total": Field("Total"),
            "due_date": Field("Due date"),
            "issue_date": Field("Issued"),
            "currency": Field("Currency"),
            "note": Field("Note"),
            "pdf": Field("PDF"),
            "fields": Field("Fields", clients=False),
            "credit_note": Field("Credit note"),
            "reason": Field("Reason"),
            "name": Field("Name"),
            "percent": Field("Rate"),
        }
    )


link_items(
    Item("invoices.invoice", "invoices:detail", "tenant_apps.invoices.selectors.visible_invoices"),
)

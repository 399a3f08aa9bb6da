"""The codes invoices writes to the activity log, with their words."""

from tenant_apps.activity.events import AuditEvent


class InvoiceAudit(AuditEvent):
    INVOICE_CREATED = "invoice.created", "Invoice created", "Created {object}"
    INVOICE_UPLOADED = "invoice.uploaded", "Invoice uploaded", "Uploaded {object}"
    INVOICE_UPDATED = "invoice.updated", "Invoice changed", "Changed the draft {object}"
    INVOICE_SENT = "invoice.sent", "Invoice sent", "Sent {object}"
    INVOICE_PAYMENT_REPORTED = (
        "invoice.payment_reported",
        "Payment reported",
        "Reported paying {object}",
    )
    INVOICE_PAYMENT_NOT_RECEIVED = (
        "invoice.payment_not_received",
        "Payment not received",
        "Found no payment for {object}",
    )
    INVOICE_MARKED_PAID = "invoice.marked_paid", "Invoice paid", "Marked {object} paid"
    INVOICE_VOIDED = "invoice.voided", "Invoice voided", "Voided {object}"
    INVOICE_BECAME_OVERDUE = "invoice.became_overdue", "Invoice overdue", "{object} became overdue"

"""A receipt for a payment received online, as a PDF (fpdf2, loaded only when asked for)."""

from django.db import connection
from fpdf.enums import XPos, YPos

from branding.selectors import brand_for
from shared_apps.core.formatting import format_day, format_money
from shared_apps.core.regional import regional_for
from tenant_apps.invoices.pdf import FONT, INK, MUTED, PortalPdf
from tenant_apps.payments.actions import receipt_number
from tenant_apps.payments.models import Payment, PaymentStatus


def receipt_pdf(payment: Payment) -> bytes:
    agency = connection.tenant
    brand = brand_for(agency)
    invoice = payment.invoice
    number = receipt_number(payment)
    with regional_for(agency=agency):
        rows = [
            ("Receipt", number),
            ("Received from", invoice.company.name),
            ("For invoice", invoice.number),
            ("Amount paid", format_money(payment.amount, payment.currency)),
            ("Paid on", format_day(payment.succeeded_at or payment.updated_at)),
            ("Paid through", "Stripe"),
            ("Payment reference", payment.stripe_payment_intent_id or "-"),
        ]
        if payment.amount_refunded:
            rows.append(("Refunded", format_money(payment.amount_refunded, payment.currency)))
        if payment.status == PaymentStatus.REFUNDED:
            rows.append(("Status", "Refunded in full"))
    pdf = PortalPdf(f"{brand.portal_name} · receipt {number}")
    pdf.add_page()
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "B", 18)
    pdf.cell(0, 10, brand.portal_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 14)
    pdf.cell(0, 10, "Payment receipt", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    for label, value in rows:
        pdf.set_font(FONT, "", 10)
        pdf.set_text_color(*MUTED)
        pdf.cell(55, 8, label)
        pdf.set_text_color(*INK)
        pdf.set_font(FONT, "B", 10)
        pdf.cell(0, 8, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 5, "Thank you for your payment.")
    return bytes(pdf.output())

"""An invoice built from lines, rendered as a PDF with fpdf2 in the agency's brand.

DejaVu Sans ships with the app (fonts/, Bitstream Vera licence) so that any client's or
agency's name prints, whatever its script: fpdf2's built-in fonts know Latin-1 only.
"""

import logging
from collections.abc import Sequence
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from branding.selectors import BrandView
from shared_apps.core.formatting import format_day, format_money
from tenant_apps.invoices.currencies import currency_get
from tenant_apps.invoices.figures import tax_lines
from tenant_apps.invoices.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    LegalDetails,
)

# fontTools logs every subsetting step at INFO, the level the project logs at.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONTS = Path(__file__).parent / "fonts"
FONT = "DejaVu"
INK = (29, 35, 48)
MUTED = (91, 100, 117)
LINE = (227, 230, 238)
ZEBRA = (246, 247, 251)


def _rgb(colour: str) -> tuple[int, int, int]:
    """ "#1f6feb" → (31, 111, 235); anything else falls back to ink."""
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(char * 2 for char in value)
    try:
        return tuple(int(value[index : index + 2], 16) for index in (0, 2, 4))
    except ValueError:
        return INK


def _is_dark(rgb: tuple[int, int, int]) -> bool:
    red, green, blue = rgb
    return 0.299 * red + 0.587 * green + 0.114 * blue < 160  # luminance, roughly


def _readable_on(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    # White on dark brand colours, ink on light ones.
    return (255, 255, 255) if _is_dark(rgb) else INK


def _quantity(value: Decimal) -> str:
    # 2.00 → "2", 1.50 → "1.5"
    return f"{value.normalize():f}"


class PortalPdf(FPDF):
    """An A4 page in DejaVu Sans with a "<footer_text> · page n/N" footer."""

    def __init__(self, footer_text: str):
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=20)

    def footer(self):
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{self.footer_text} · page {self.page_no()}/{{nb}}", align="C")


def _totals(pdf, width, invoice, taxes, *, figures, total_label: str) -> None:
    """The right-hand block of sums: ``figures``' subtotal, each rate's tax (on what, when
    there are several), the tax in all and the total, in the invoice's currency."""
    currency = invoice.currency
    totals = [("Subtotal", format_money(figures.subtotal, currency), "")]
    for tax_line in taxes:
        label = tax_line.label
        if len(taxes) > 1:
            label += f" on {format_money(tax_line.base, currency)}"
        totals.append((label, format_money(tax_line.amount, currency), ""))
    if len(taxes) != 1:
        totals.append(("Tax in all" if taxes else "Tax", format_money(figures.tax, currency), ""))
    totals.append((total_label, format_money(figures.total, currency), "B"))
    for label, value, style in totals:
        pdf.set_x(18 + width * 0.40)
        pdf.set_font(FONT, style, 12 if style else 10)
        pdf.cell(width * 0.36, 7, label)
        pdf.cell(width * 0.24, 7, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def invoice_pdf_render(
    invoice: Invoice,
    lines: Sequence[InvoiceLine],
    *,
    brand: BrandView,
    company_name: str,
    logo: bytes | None = None,
    legal: LegalDetails | None = None,
) -> bytes:
    """The PDF of ``invoice`` (saved or not) with ``lines``, from ``brand``'s agency, with
    its ``logo`` (PNG bytes) when it has one, and its ``legal`` details: who issues it
    (beside the client's name) and how to pay by transfer (at the foot)."""
    legal = legal or LegalDetails()
    currency = currency_get(invoice.currency)
    primary = _rgb(brand.primary_colour)
    pdf = PortalPdf(footer_text=f"{brand.portal_name} · Invoice {invoice.number}")
    pdf.set_title(f"Invoice {invoice.number}")
    pdf.set_author(brand.portal_name)
    pdf.set_creator("Client Portal")
    pdf.add_page()
    width = pdf.epw

    # A band in the brand colour with the agency's logo on white below it, or its name in
    # the band when it has no logo (a logo is made for a light background).
    if logo:
        pdf.set_fill_color(*primary)
        pdf.rect(0, 0, pdf.w, 5, style="F")
        pdf.image(BytesIO(logo), x=18, y=11, h=16, keep_aspect_ratio=True, w=width / 2)
    else:
        pdf.set_fill_color(*primary)
        pdf.rect(0, 0, pdf.w, 30, style="F")
        pdf.set_xy(18, 9)
        pdf.set_font(FONT, "B", 18)
        pdf.set_text_color(*_readable_on(primary))
        pdf.cell(width, 12, brand.portal_name)

    pdf.set_xy(18, 40)
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "B", 22)
    pdf.cell(width / 2, 10, "Invoice")
    pdf.set_font(FONT, "", 11)
    facts = [
        ("Number", invoice.number),
        ("Issued", format_day(invoice.issue_date)),
        ("Due", format_day(invoice.due_date)),
    ]
    top = 40
    for label, value in facts:
        pdf.set_xy(18 + width / 2, top)
        pdf.set_text_color(*MUTED)
        pdf.cell(30, 6, label)
        pdf.set_text_color(*INK)
        pdf.set_font(FONT, "B" if label == "Due" else "", 11)
        pdf.cell(width / 2 - 30, 6, value, align="R")
        pdf.set_font(FONT, "", 11)
        top += 7

    pdf.set_xy(18, 56)
    pdf.set_text_color(*MUTED)
    pdf.cell(width / 2, 6, "Billed to", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(width / 2 - 4, 7, company_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    bottom = pdf.get_y()
    issuer = legal.issuer_lines
    if issuer:
        pdf.set_xy(18 + width / 2, top + 2)
        pdf.set_font(FONT, "", 11)
        pdf.set_text_color(*MUTED)
        pdf.cell(width / 2, 6, "From", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_text_color(*INK)
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(width / 2, 5, issuer[0], new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(width / 2, 4.5, "\n".join(issuer[1:]), new_x=XPos.LEFT, new_y=YPos.NEXT)
        top = pdf.get_y()
    pdf.set_y(max(bottom, top) + 8)

    pdf.set_font(FONT, "", 10)
    pdf.set_draw_color(*LINE)
    pdf.set_fill_color(255, 255, 255)
    with pdf.table(
        col_widths=(width * 0.40, width * 0.10, width * 0.17, width * 0.15, width * 0.18),
        text_align=("LEFT", "RIGHT", "RIGHT", "LEFT", "RIGHT"),
        headings_style=FontFace(emphasis="BOLD", color=_readable_on(primary), fill_color=primary),
        borders_layout="HORIZONTAL_LINES",
        cell_fill_color=ZEBRA,
        cell_fill_mode="ROWS",
        line_height=6,
        padding=1.5,
    ) as table:
        table.row(["Description", "Qty", "Unit price", "Tax", "Amount"])
        for line in lines:
            rate = line.tax_rate
            table.row(
                [
                    line.description,
                    _quantity(line.quantity),
                    format_money(line.unit_price, invoice.currency),
                    f"{rate.name} {_quantity(line.tax_percent)}%" if rate else "None",
                    format_money(line.amount, invoice.currency),
                ]
            )

    pdf.ln(4)
    taxes = tax_lines(lines, currency)
    _totals(pdf, width, invoice, taxes, figures=invoice, total_label="Total due")

    pdf.ln(6)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(
        width,
        7,
        f"Please pay by {format_day(invoice.due_date)}.",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    if invoice.payment_url:
        pdf.set_font(FONT, "", 10)
        pdf.set_text_color(*(primary if _is_dark(primary) else INK))
        pdf.multi_cell(
            width,
            6,
            f"Pay online: {invoice.payment_url}",
            link=invoice.payment_url,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.set_text_color(*INK)
    bank = legal.bank_lines
    if bank:
        pdf.ln(3)
        pdf.set_font(FONT, "B", 10)
        pdf.cell(width, 6, "Pay by bank transfer", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 10)
        details = [*bank, f"Reference: {invoice.number}"]
        if legal.company_name:
            details.insert(0, f"Account holder: {legal.company_name}")
        pdf.multi_cell(width, 5, "\n".join(details), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if legal.payment_terms:
        pdf.ln(3)
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(width, 4.5, legal.payment_terms, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*INK)
    if invoice.notes:
        pdf.ln(4)
        pdf.set_font(FONT, "", 10)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(width, 5, invoice.notes, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def credit_note_pdf_render(
    note: CreditNote,
    rows: Sequence[CreditNoteLine],
    *,
    brand: BrandView,
    company_name: str,
    logo: bytes | None = None,
    legal: LegalDetails | None = None,
) -> bytes:
    """The PDF of credit note ``note`` (saved or not) with ``rows``: what it gives back on
    which invoice, and why."""
    legal = legal or LegalDetails()
    invoice = note.invoice
    currency = currency_get(invoice.currency)
    primary = _rgb(brand.primary_colour)
    pdf = PortalPdf(footer_text=f"{brand.portal_name} · Credit note {note.number}")
    pdf.set_title(f"Credit note {note.number}")
    pdf.set_author(brand.portal_name)
    pdf.set_creator("Client Portal")
    pdf.add_page()
    width = pdf.epw
    pdf.set_fill_color(*primary)
    if logo:
        pdf.rect(0, 0, pdf.w, 5, style="F")
        pdf.image(BytesIO(logo), x=18, y=11, h=16, keep_aspect_ratio=True, w=width / 2)
    else:
        pdf.rect(0, 0, pdf.w, 30, style="F")
        pdf.set_xy(18, 9)
        pdf.set_font(FONT, "B", 18)
        pdf.set_text_color(*_readable_on(primary))
        pdf.cell(width, 12, brand.portal_name)

    pdf.set_xy(18, 40)
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "B", 22)
    pdf.cell(width / 2, 10, "Credit note")
    facts = [
        ("Number", note.number),
        ("Issued", format_day(note.issue_date)),
        ("For invoice", invoice.number),
        ("Invoice dated", format_day(invoice.issue_date)),
    ]
    top = 40
    for label, value in facts:
        pdf.set_xy(18 + width / 2, top)
        pdf.set_font(FONT, "", 11)
        pdf.set_text_color(*MUTED)
        pdf.cell(32, 6, label)
        pdf.set_text_color(*INK)
        pdf.cell(width / 2 - 32, 6, value, align="R")
        top += 7

    pdf.set_xy(18, 56)
    pdf.set_font(FONT, "", 11)
    pdf.set_text_color(*MUTED)
    pdf.cell(width / 2, 6, "Credited to", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(width / 2 - 4, 7, company_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    bottom = pdf.get_y()
    issuer = legal.issuer_lines
    if issuer:
        pdf.set_xy(18 + width / 2, top + 2)
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(width / 2, 4.5, "From: " + "\n".join(issuer), new_x=XPos.LEFT)
        top = pdf.get_y()
    pdf.set_y(max(bottom, top) + 8)

    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*LINE)
    with pdf.table(
        col_widths=(width * 0.6, width * 0.2, width * 0.2),
        text_align=("LEFT", "LEFT", "RIGHT"),
        headings_style=FontFace(emphasis="BOLD", color=_readable_on(primary), fill_color=primary),
        borders_layout="HORIZONTAL_LINES",
        cell_fill_color=ZEBRA,
        cell_fill_mode="ROWS",
        line_height=6,
        padding=1.5,
    ) as table:
        table.row(["Credited", "Tax", "Amount"])
        for row in rows:
            rate = row.tax_rate
            table.row(
                [
                    row.description,
                    f"{rate.name} {_quantity(row.tax_percent)}%" if rate else "",
                    format_money(row.amount, invoice.currency),
                ]
            )

    pdf.ln(4)
    taxes = tax_lines(rows, currency)
    _totals(pdf, width, invoice, taxes, figures=note, total_label="Total credited")
    pdf.ln(6)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(width, 6, "Reason", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(width, 5, note.reason, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())

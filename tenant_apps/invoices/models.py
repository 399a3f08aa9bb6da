from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone

from tenant_apps.invoices.audit import InvoiceAudit
from tenant_apps.people.models import ClientCompany


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    PENDING_PAYMENT = "pending_payment", "Pending payment"
    PAID = "paid", "Paid"
    OVERDUE = "overdue", "Overdue"
    VOID = "void", "Void"


# Statuses a client sees; drafts are the team's until sent.
CLIENT_VISIBLE_STATUSES = [
    InvoiceStatus.SENT,
    InvoiceStatus.PENDING_PAYMENT,
    InvoiceStatus.PAID,
    InvoiceStatus.OVERDUE,
    InvoiceStatus.VOID,
]
UNPAID_STATUSES = [InvoiceStatus.SENT, InvoiceStatus.PENDING_PAYMENT, InvoiceStatus.OVERDUE]


class Move(NamedTuple):
    """One way an invoice's status may change: from any of ``sources`` to ``target``."""

    label: str  # what the button says
    sources: frozenset[str]
    target: str
    by: str  # "team", "client" (its finance people and admins) or "system" (the beat task)
    done: str  # the message once it has happened
    logged: str  # its action in the activity log


S = InvoiceStatus
# Every status change there is; anything not here is refused. "Pending payment" is the
# client saying they have paid, until the team confirms the money arrived (or it did not).
MOVES: dict[str, Move] = {
    "send": Move(
        "Send to the client",
        frozenset({S.DRAFT}),
        S.SENT,
        "team",
        "Invoice sent",
        InvoiceAudit.INVOICE_SENT,
    ),
    "report_payment": Move(
        "We have paid this invoice",
        frozenset({S.SENT, S.OVERDUE}),
        S.PENDING_PAYMENT,
        "client",
        "Payment reported",
        InvoiceAudit.INVOICE_PAYMENT_REPORTED,
    ),
    "payment_missing": Move(
        "Payment not received",
        frozenset({S.PENDING_PAYMENT}),
        S.SENT,
        "team",
        "Payment not received yet",
        InvoiceAudit.INVOICE_PAYMENT_NOT_RECEIVED,
    ),
    "mark_paid": Move(
        "Mark paid",
        frozenset({S.SENT, S.PENDING_PAYMENT, S.OVERDUE}),
        S.PAID,
        "team",
        "Marked paid",
        InvoiceAudit.INVOICE_MARKED_PAID,
    ),
    "void": Move(
        "Void",
        frozenset({S.DRAFT, S.SENT, S.PENDING_PAYMENT, S.OVERDUE}),
        S.VOID,
        "team",
        "Invoice voided",
        InvoiceAudit.INVOICE_VOIDED,
    ),
    "mark_overdue": Move(
        "Mark overdue",
        frozenset({S.SENT}),
        S.OVERDUE,
        "system",
        "Overdue: the due date passed",
        InvoiceAudit.INVOICE_BECAME_OVERDUE,
    ),
}
# The policy rule that lets a person make a move, by its "by".
MOVE_PERMISSIONS = {"team": "invoice.manage", "client": "invoice.report_payment"}
TRANSITIONS: dict[str, set[str]] = {
    status: {move.target for move in MOVES.values() if status in move.sources}
    for status in InvoiceStatus.values
}


class InvoiceKind(models.TextChoices):
    BUILT = "built", "Built from lines"
    UPLOADED = "uploaded", "Uploaded PDF"


currency_code = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code such as EUR.")
invoice_number = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._/#-]*$",
    "Use letters, digits and . _ / # - only, starting with a letter or digit.",
)


def _money(**options):
    # Three places: the most any invoiceable currency has (BHD, KWD...); amounts are
    # rounded to the invoice currency's own minor unit before they are stored.
    return models.DecimalField(max_digits=15, decimal_places=3, **options)


class Invoice(models.Model):
    """An agency's invoice to one client company.

    Either uploaded as a PDF (``lines`` empty) or built from lines, in which case the PDF is
    rendered from them. Money is Decimal in the invoice's currency; totals are stored so lists
    and reports never re-add lines. Only drafts change; a sent invoice's PDF is final.
    """

    company = models.ForeignKey(
        ClientCompany,
        on_delete=models.PROTECT,
        related_name="invoices",
        db_index=False,  # invoice_company_status leads with it
    )
    kind = models.CharField(max_length=10, choices=InvoiceKind, default=InvoiceKind.BUILT)
    number = models.CharField(max_length=40, validators=[invoice_number])
    currency = models.CharField(max_length=3, validators=[currency_code])
    status = models.CharField(max_length=20, choices=InvoiceStatus, default=InvoiceStatus.DRAFT)
    issue_date = models.DateField()
    due_date = models.DateField()
    subtotal = _money(default=Decimal("0"))
    tax = _money(default=Decimal("0"))
    total = _money(default=Decimal("0"))
    notes = models.TextField(blank=True)
    payment_url = models.URLField(blank=True, max_length=500)
    pdf = models.OneToOneField(
        "files.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issue_date", "-id"]
        indexes = [
            models.Index(fields=["company", "status", "due_date"], name="invoice_company_status"),
            models.Index(fields=["status", "due_date"], name="invoice_status_due"),
        ]
        constraints = [
            # One agency never has two invoices numbered alike, whatever the case.
            models.UniqueConstraint(Upper("number"), name="invoice_number_unique"),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("issue_date")), name="invoice_due_after_issue"
            ),
            models.CheckConstraint(
                condition=Q(total=F("subtotal") + F("tax")), name="invoice_total_adds_up"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="invoice_total_not_negative"),
        ]

    def __str__(self):
        return f"Invoice {self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.DRAFT

    @property
    def is_unpaid(self) -> bool:
        return self.status in UNPAID_STATUSES

    @property
    def is_payable(self) -> bool:
        """Waiting for the client's payment: not while they say they have paid."""
        return self.status in (InvoiceStatus.SENT, InvoiceStatus.OVERDUE)

    def moves(self, by: str) -> list[tuple[str, Move]]:
        """(name, move) of the moves ``by`` ("team"/"client") may make from here."""
        return [
            (name, move)
            for name, move in MOVES.items()
            if move.by == by and self.status in move.sources
        ]


class TaxRate(models.Model):
    """A tax the agency charges (VAT 20%, reduced rate 5.5%...), chosen per invoice line.

    A rate on some invoice line is fixed: its name and percentage are what those invoices
    say. It can only be archived (offered no more), never changed or deleted."""

    name = models.CharField(max_length=60)
    percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Percent of the lines it applies to.",
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["percent", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                Upper("name"),
                condition=Q(archived_at__isnull=True),
                name="tax_rate_name_unique_active",
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100), name="tax_rate_percent_range"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.percent.normalize():f}%)"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.CASCADE,
        related_name="lines",
        db_index=False,  # invoice_line_position leads with it
    )
    position = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    # Finer than any currency, for rates like 0.125 an hour; the amount is rounded.
    unit_price = models.DecimalField(max_digits=16, decimal_places=4)
    amount = _money()
    # The tax on this line, if any; its percentage as it was billed (a rate in use is fixed,
    # but the line keeps its own copy so figures never need the rate).
    tax_rate = models.ForeignKey(
        TaxRate, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    tax_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="invoice_line_quantity"),
        ]

    def __str__(self):
        return self.description


class NoticeKind(models.TextChoices):
    SENT = "sent", "Invoice sent"
    REMINDER = "reminder", "Overdue reminder"
    PAYMENT_REPORTED = "payment_reported", "Payment reported"
    PAID = "paid", "Payment received"
    CREDITED = "credited", "Credit note issued"


class InvoiceNotice(models.Model):
    """One email about one invoice to one person, recorded with the send so that a retried
    or repeated task never sends it twice.

    ``occurrence`` tells repeats of a kind apart: the reminder's step (0 on becoming overdue,
    then one a week), the activity entry of a payment report, the credit note credited,
    else 0.
    """

    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.CASCADE,
        related_name="notices",
        db_index=False,  # invoice_notice_once leads with it
    )
    kind = models.CharField(max_length=20, choices=NoticeKind)
    occurrence = models.PositiveBigIntegerField(default=0)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "kind", "occurrence", "recipient"], name="invoice_notice_once"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.invoice_id} to {self.recipient_id}"


class LegalDetails(models.Model):
    """Who issues the agency's invoices and how to pay them by transfer: printed on every
    invoice PDF and shown on the invoice's page. One row per agency (pk 1), made on first
    save; until then every field is empty."""

    company_name = models.CharField(max_length=200, blank=True)
    address = models.TextField(max_length=500, blank=True)
    tax_id = models.CharField(max_length=40, blank=True)
    bank_name = models.CharField(max_length=100, blank=True)
    iban = models.CharField(max_length=34, blank=True)
    bic = models.CharField(max_length=11, blank=True)
    account_details = models.TextField(
        max_length=300,
        blank=True,
        help_text="Other bank details: account number and sort code, routing number...",
    )
    payment_terms = models.TextField(max_length=500, blank=True)
    payment_days = models.PositiveSmallIntegerField(
        default=30, help_text="Days from issue to due date on a new invoice."
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "legal details"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="legal_details_single_row"),
            models.CheckConstraint(condition=Q(payment_days__lte=365), name="payment_days_range"),
        ]

    def __str__(self):
        return "Invoice details"

    @property
    def pays_by_transfer(self) -> bool:
        return bool(self.iban or self.account_details)

    @property
    def issuer_lines(self) -> list[str]:
        """The issuer block: name, address lines, tax id."""
        lines = [self.company_name] if self.company_name else []
        lines += [line.strip() for line in self.address.splitlines() if line.strip()]
        if self.tax_id:
            lines.append(f"Tax ID: {self.tax_id}")
        return lines

    @property
    def bank_lines(self) -> list[str]:
        """How to pay by transfer, line by line."""
        lines = []
        if self.bank_name:
            lines.append(f"Bank: {self.bank_name}")
        if self.iban:
            grouped = " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4))
            lines.append(f"IBAN: {grouped}")
        if self.bic:
            lines.append(f"BIC: {self.bic}")
        lines += [line.strip() for line in self.account_details.splitlines() if line.strip()]
        return lines


credit_note_number = RegexValidator(r"^CN-\d{4,}$", "Credit notes are numbered CN-0001, CN-0002...")


class CreditNote(models.Model):
    """Reverses an invoice in part or in full: chosen lines of it (with their tax), or an
    amount (its tax in the invoice's proportion). Numbered in its own series (CN-0001), with
    its own PDF; the credits of an invoice never add up to more than its total."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    number = models.CharField(max_length=20, validators=[credit_note_number])
    issue_date = models.DateField()
    reason = models.CharField(max_length=500)
    subtotal = _money()
    tax = _money()
    total = _money()
    pdf = models.OneToOneField(
        "files.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="credit_note_number_unique"),
            models.CheckConstraint(
                condition=Q(total=F("subtotal") + F("tax")), name="credit_note_total_adds_up"
            ),
            models.CheckConstraint(condition=Q(total__gt=0), name="credit_note_total_positive"),
        ]

    def __str__(self):
        return f"Credit note {self.number}"


class CreditNoteLine(models.Model):
    """What a credit note gives back: an invoice line (all of it), or an amount."""

    credit_note = models.ForeignKey(
        CreditNote,
        on_delete=models.CASCADE,
        related_name="lines",
        db_index=False,  # credit_note_line_position leads with it
    )
    position = models.PositiveSmallIntegerField()
    # The invoice line credited; None for an amount.
    invoice_line = models.ForeignKey(
        InvoiceLine,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credits",
        db_index=False,  # invoice_line_credited_once holds every non-null key
    )
    description = models.CharField(max_length=300)
    amount = _money()  # before tax
    tax_rate = models.ForeignKey(
        TaxRate, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tax_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_note", "position"], name="credit_note_line_position"
            ),
            # An invoice line is credited once at most.
            models.UniqueConstraint(
                fields=["invoice_line"],
                condition=Q(invoice_line__isnull=False),
                name="invoice_line_credited_once",
            ),
        ]

    def __str__(self):
        return self.description

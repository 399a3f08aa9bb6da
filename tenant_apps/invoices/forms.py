from datetime import timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from shared_apps.core.dates import LocalDateField
from shared_apps.core.formatting import format_money
from tenant_apps.invoices import validation
from tenant_apps.invoices.currencies import currency_choices
from tenant_apps.invoices.models import UNPAID_STATUSES, Invoice, InvoiceStatus, TaxRate
from tenant_apps.invoices.selectors import (
    agency_today,
    invoice_number_suggest,
    legal_details,
)
from tenant_apps.kit import words
from tenant_apps.kit.widgets import QuickSelect
from tenant_apps.people.models import ClientCompany


def _amount(label: str, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=15,
        decimal_places=3,
        min_value=Decimal(0),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        **kwargs,
    )


class InvoiceListForm(forms.Form):
    """The list's filters; the client filter only for the team."""

    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), ("unpaid", "Unpaid"), *InvoiceStatus.choices],
        widget=QuickSelect,
    )
    company = words.ClientFilterField(ClientCompany.objects.none())
    q = forms.CharField(
        required=False,
        max_length=40,
        label="Number",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. INV-0042"}),
    )

    def __init__(self, data, *, companies=None):
        super().__init__(data)
        if companies is None:
            del self.fields["company"]
        else:
            self.fields["company"].queryset = companies

    def apply(self, invoices):
        data = self.cleaned_data
        status = data.get("status")
        if status == "unpaid":
            invoices = invoices.filter(status__in=UNPAID_STATUSES)
        elif status:
            invoices = invoices.filter(status=status)
        if data.get("company"):
            invoices = invoices.filter(company=data["company"])
        if data.get("q"):
            invoices = invoices.filter(number__icontains=data["q"].strip())
        return invoices


class _InvoiceFields(forms.Form):
    """What both kinds of invoice ask: whom, which number and currency, and when."""

    company = forms.ModelChoiceField(
        queryset=ClientCompany.objects.none(), label="Client", empty_label="Choose a client"
    )
    number = forms.CharField(
        max_length=40, validators=[validation.validate_number], help_text="Unique in your agency."
    )
    currency = forms.ChoiceField(choices=currency_choices, initial="EUR")
    issue_date = LocalDateField(label="Issue date")
    due_date = LocalDateField(label="Due date")
    payment_url = forms.URLField(
        required=False,
        max_length=500,
        label="Payment link",
        validators=[validation.validate_payment_url],
        assume_scheme="https",
        help_text='Optional: an https:// link where the client pays; shown as "Pay now".',
    )
    notes = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: printed at the foot of the invoice. Your bank details and "
        "payment terms print from the invoicing settings.",
    )

    def __init__(self, data=None, files=None, *, companies=None, invoice=None, initial=None):
        if data is None and initial is None:
            # A new invoice: the next number, dated today, due after the usual terms.
            today = agency_today()
            initial = {
                "number": invoice_number_suggest(),
                "issue_date": today,
                "due_date": today + timedelta(days=legal_details().payment_days),
            }
        super().__init__(data, files, initial=initial)
        if companies is None:  # editing: the client stays as it is
            del self.fields["company"]
        else:
            self.fields["company"].queryset = companies

    def clean(self):
        data = super().clean()
        try:
            validation.validate_dates(data.get("issue_date"), data.get("due_date"))
        except ValidationError as error:
            self.add_error(None, error)
        return data


class InvoiceForm(_InvoiceFields):
    """An invoice built from lines (in LineFormSet beside it), each with its tax rate."""

    field_order = ["company", "number", "currency", "issue_date", "due_date"]


class UploadForm(_InvoiceFields):
    """An invoice made elsewhere: its PDF and the amounts on it."""

    subtotal = _amount("Amount before tax")
    tax = _amount("Tax", initial=Decimal(0))
    pdf = forms.FileField(
        label="Invoice PDF",
        validators=[validation.validate_pdf_upload],
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    field_order = ["company", "pdf", "number", "currency", "subtotal", "tax"]

    def __init__(self, *args, invoice: Invoice | None = None, **kwargs):
        super().__init__(*args, invoice=invoice, **kwargs)
        if invoice is not None:  # it has one already
            self.fields["pdf"].required = False
            self.fields["pdf"].help_text = "Optional: a new PDF replaces the current one."


class LineForm(forms.Form):
    description = forms.CharField(max_length=300)
    quantity = forms.DecimalField(
        max_digits=10,
        decimal_places=2,
        initial=Decimal(1),
        validators=[validation.validate_quantity],
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    unit_price = forms.DecimalField(
        label="Unit price",
        max_digits=16,
        decimal_places=validation.UNIT_PRICE_PLACES,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    tax_rate = forms.ModelChoiceField(
        queryset=TaxRate.objects.none(), required=False, label="Tax", empty_label="No tax"
    )

    def __init__(self, *args, rates=None, **kwargs):
        super().__init__(*args, **kwargs)
        rates = rates if rates is not None else offered_rates()
        self.fields["tax_rate"].queryset = rates
        offered = [rate for rate in rates if not rate.is_archived]
        if len(offered) == 1:  # the agency's one rate is what a new line most likely bears
            self.fields["tax_rate"].initial = offered[0].pk


def offered_rates(invoice: Invoice | None = None):
    """The rates a line may take: those offered, and any the draft bears already."""
    rates = TaxRate.objects.filter(archived_at__isnull=True)
    if invoice is not None:
        rates = rates | TaxRate.objects.filter(lines__invoice=invoice)
    return rates.distinct().order_by("percent", "name", "id")


class BaseLineFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = "Remove"

    def clean(self):
        if any(self.errors):
            return
        if not self.lines():
            raise ValidationError("Add at least one line.", code="no_lines")

    def lines(self) -> list[dict]:
        """The rows filled in well enough to bill: blank rows (which clean to {}) and rows
        ticked for removal are skipped. Usable before the whole set is valid (a preview)."""
        return [
            {name: form.cleaned_data.get(name) for name in LINE_FIELDS}
            for form in self.forms
            if form.is_valid() and form.cleaned_data and not self._should_delete_form(form)
        ]


LineFormSet = forms.formset_factory(
    LineForm,
    formset=BaseLineFormSet,
    extra=0,
    can_delete=True,
    can_delete_extra=True,
    max_num=validation.MAX_LINES,
    absolute_max=validation.MAX_LINES,
    validate_max=True,
)
LINES_PREFIX = "lines"
LINE_FIELDS = ("description", "quantity", "unit_price", "tax_rate")
BLANK_ROWS = 3


def line_formset(data=None, *, invoice: Invoice | None = None, rates=None) -> BaseLineFormSet:
    """The draft's lines to edit, or BLANK_ROWS empty rows for a new invoice; their rates
    are those offered (and the draft's own), or ``rates``."""
    initial = None
    if invoice is not None:
        initial = [
            {"description": line.description, "quantity": line.quantity}
            | {"unit_price": line.unit_price, "tax_rate": line.tax_rate_id}
            for line in invoice.lines.all()
        ]
    rates = offered_rates(invoice) if rates is None else rates
    formset = LineFormSet(data, initial=initial, prefix=LINES_PREFIX, form_kwargs={"rates": rates})
    if invoice is None:
        formset.extra = BLANK_ROWS  # "Add a line" appends more in place
    return formset


def line_row(index: int) -> LineForm:
    """A blank row to append to the lines (the "Add a line" button)."""
    formset = LineFormSet(prefix=LINES_PREFIX)
    row = LineForm(
        prefix=formset.add_prefix(index),
        empty_permitted=True,
        use_required_attribute=False,
        rates=offered_rates(),
    )
    formset.add_fields(row, index)
    return row


class MoveForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=500,
        label="Note (optional)",
        widget=forms.TextInput(
            attrs={"placeholder": "Why, or a payment reference: kept in the history"}
        ),
    )


class LegalDetailsForm(forms.Form):
    """What every invoice says about who issues it and how to pay it by transfer."""

    company_name = forms.CharField(
        required=False, max_length=200, label="Company name", help_text="Your legal name."
    )
    address = forms.CharField(
        required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    tax_id = forms.CharField(
        required=False,
        max_length=40,
        label="Tax ID",
        validators=[validation.validate_tax_id],
        help_text="Your VAT or tax number, as it must appear on invoices.",
    )
    bank_name = forms.CharField(required=False, max_length=100, label="Bank")
    iban = forms.CharField(
        required=False,
        max_length=42,  # spaced in fours
        label="IBAN",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    bic = forms.CharField(
        required=False,
        max_length=14,
        label="BIC / SWIFT",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    account_details = forms.CharField(
        required=False,
        max_length=300,
        label="Other bank details",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Without an IBAN: account number and sort code, routing number...",
    )
    payment_terms = forms.CharField(
        required=False,
        max_length=500,
        label="Payment terms",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Printed on every invoice, e.g. late payment fees.",
    )
    payment_days = forms.IntegerField(
        min_value=0,
        max_value=validation.MAX_PAYMENT_DAYS,
        label="Days to pay",
        help_text="A new invoice is due this many days after its issue date.",
    )

    def clean_iban(self):
        value = validation.compact(self.cleaned_data["iban"])
        validation.validate_iban(value)
        return value

    def clean_bic(self):
        value = validation.compact(self.cleaned_data["bic"])
        validation.validate_bic(value)
        return value


class TaxRateForm(forms.Form):
    name = forms.CharField(max_length=60, help_text="As invoices print it, e.g. VAT.")
    percent = forms.DecimalField(
        label="Rate (%)",
        max_digits=5,
        decimal_places=2,
        validators=[validation.validate_tax_rate],
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class CreditNoteForm(forms.Form):
    """Credit an invoice: all that is left, some of its lines, or an amount."""

    MODES = [
        ("full", "All that is left to credit"),
        ("lines", "Some lines"),
        ("amount", "An amount"),
    ]
    mode = forms.ChoiceField(
        choices=MODES, initial="full", widget=forms.RadioSelect, label="What to credit"
    )
    lines = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Lines"
    )
    amount = _amount("Amount (tax included)", required=False)
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Printed on the credit note, and seen by the client.",
    )

    def __init__(self, *args, invoice: Invoice, creditable_lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.invoice = invoice
        choices = [
            (
                line.pk,
                f"{line.position}. {line.description} "
                f"({format_money(line.amount, invoice.currency)})",
            )
            for line in creditable_lines
        ]
        self.fields["lines"].choices = choices
        if not choices:
            del self.fields["lines"]
            self.fields["mode"].choices = [m for m in self.MODES if m[0] != "lines"]

    def clean(self):
        data = super().clean()
        mode = data.get("mode")
        if mode == "lines" and not data.get("lines"):
            self.add_error("lines", "Choose at least one line to credit.")
        if mode == "amount" and data.get("amount") is None:
            self.add_error("amount", "Give the amount to credit.")
        return data

    def credit(self) -> dict:
        """The action's lines or amount (neither: in full)."""
        mode = self.cleaned_data["mode"]
        if mode == "lines":
            return {"lines": self.cleaned_data["lines"]}
        if mode == "amount":
            return {"amount": self.cleaned_data["amount"]}
        return {}

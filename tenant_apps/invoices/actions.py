"""Every write to invoices: each in a transaction, each in the activity log.

Money is Decimal throughout: each line's amount and the tax are rounded half up to the
currency's minor unit, the subtotal is the sum of the rounded lines, the total their sum with
the tax. A built invoice's PDF is rendered before its transaction and stored at its start,
so a refusal anywhere leaves neither a row nor a file behind.
"""

from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from branding.models import ImageKind
from branding.selectors import brand_for, brand_image
from shared_apps.core.formatting import format_money
from shared_apps.core.regional import regional_for
from shared_apps.core.tasks import enqueue_on_commit
from tenant_apps.activity.actions import activity_record
from tenant_apps.files.actions import atomic_storing
from tenant_apps.files.storage import file_storage
from tenant_apps.invoices import validation
from tenant_apps.invoices.audit import InvoiceAudit
from tenant_apps.invoices.currencies import Currency, currency_get, money_round
from tenant_apps.invoices.figures import TaxLine, tax_lines
from tenant_apps.invoices.models import (
    MOVES,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    LegalDetails,
    NoticeKind,
    TaxRate,
)
from tenant_apps.invoices.selectors import agency_today, credited_total, legal_details
from tenant_apps.invoices.signals import pdf_replaced


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: TaxRate | None = None


def lines_from(items: Iterable) -> list[LineInput]:
    """LineInputs from dicts (a form's or a serializer's cleaned data) or LineInputs."""
    return [
        item
        if isinstance(item, LineInput)
        else LineInput(
            item["description"], item["quantity"], item["unit_price"], item.get("tax_rate")
        )
        for item in items
    ]


@dataclass(frozen=True)
class Figures:
    lines: list[InvoiceLine]  # unsaved, numbered from 1
    subtotal: Decimal
    taxes: list[TaxLine]  # one per rate used, the lowest rate first
    tax: Decimal
    total: Decimal


def invoice_figures(*, currency: Currency, lines: list[LineInput]) -> Figures:
    rows = [
        InvoiceLine(
            position=position,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=money_round(line.quantity * line.unit_price, currency),
            tax_rate=line.tax_rate,
            tax_percent=line.tax_rate.percent if line.tax_rate is not None else Decimal(0),
        )
        for position, line in enumerate(lines, start=1)
    ]
    subtotal = sum((row.amount for row in rows), Decimal(0))
    taxes = tax_lines(rows, currency)
    tax = sum((tax_line.amount for tax_line in taxes), Decimal(0))
    return Figures(rows, subtotal, taxes, tax, subtotal + tax)


class _Errors:
    """Collects field errors so that one refusal names everything wrong at once."""

    def __init__(self):
        self.by_field: dict[str, list] = {}

    def check(self, field: str, check, *args):
        try:
            return check(*args)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for key, errors in error.error_dict.items():
                    self.by_field.setdefault(key, []).extend(errors)
            else:
                self.by_field.setdefault(field, []).extend(error.error_list)
            return None

    def add(self, field: str, message: str, code: str) -> None:
        self.by_field.setdefault(field, []).append(ValidationError(message, code=code))

    def raise_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def _number_taken(number: str, invoice: Invoice | None) -> bool:
    others = Invoice.objects.filter(number__iexact=number)
    if invoice is not None:
        others = others.exclude(pk=invoice.pk)
    return others.exists()


def _duplicate_number(number: str) -> ValidationError:
    return ValidationError(
        {"number": f"Invoice number {number} is already used; each invoice needs its own."},
        code="duplicate_number",
    )


def _check_common(errors: _Errors, data: dict, invoice: Invoice | None) -> Currency | None:
    """The fields both kinds share; returns the currency if it is known."""
    number = data["number"]
    if not number:
        errors.add("number", "Give the invoice a number.", "required")
    else:
        errors.check("number", validation.validate_number, number)
        if "number" not in errors.by_field and _number_taken(number, invoice):
            errors.by_field["number"] = _duplicate_number(number).error_dict["number"]
    currency = errors.check("currency", validation.validate_currency, data["currency"])
    errors.check("due_date", validation.validate_dates, data["issue_date"], data["due_date"])
    errors.check("payment_url", validation.validate_payment_url, data["payment_url"])
    return currency


def _check_built(data: dict, invoice: Invoice | None = None) -> Figures:
    errors = _Errors()
    currency = _check_common(errors, data, invoice)
    lines = data["lines"]
    usable = {rate.pk for rate in TaxRate.objects.filter(archived_at__isnull=True)}
    if invoice is not None:  # a rate archived since the draft chose it stays usable on it
        usable |= set(invoice.lines.exclude(tax_rate=None).values_list("tax_rate_id", flat=True))
    if not lines:
        errors.add("lines", "Add at least one line.", "no_lines")
    if len(lines) > validation.MAX_LINES:
        errors.add("lines", f"An invoice has at most {validation.MAX_LINES} lines.", "too_many")
    for position, line in enumerate(lines, start=1):
        if not line.description.strip():
            errors.add("lines", f"Line {position}: describe what is billed.", "description")
        for check, value in (
            (validation.validate_quantity, line.quantity),
            (validation.validate_unit_price, line.unit_price),
        ):
            try:
                check(value)
            except ValidationError as error:
                errors.add("lines", f"Line {position}: {error.messages[0]}", error.code)
        if line.tax_rate is not None and line.tax_rate.pk not in usable:
            errors.add(
                "lines",
                f"Line {position}: {line.tax_rate} is archived; choose another rate.",
                "archived_rate",
            )
    errors.raise_any()
    figures = invoice_figures(currency=currency, lines=lines)
    if figures.total < 0:
        errors.add("lines", "The invoice cannot total less than zero.", "negative_total")
    amounts = [figures.subtotal, figures.total, *(row.amount for row in figures.lines)]
    if any(abs(amount) > validation.MAX_AMOUNT for amount in amounts):
        errors.add("lines", validation.TOO_LARGE, "too_large")
    errors.raise_any()
    return figures


def _check_uploaded(data: dict, invoice: Invoice | None = None) -> Currency:
    errors = _Errors()
    currency = _check_common(errors, data, invoice)
    if currency is not None:
        errors.check("subtotal", validation.validate_amount, data["subtotal"], currency, "amount")
        errors.check("tax", validation.validate_amount, data["tax"], currency, "tax")
    amounts_fine = not {"subtotal", "tax"} & set(errors.by_field)
    if amounts_fine and data["subtotal"] + data["tax"] > validation.MAX_AMOUNT:
        errors.add("subtotal", validation.TOO_LARGE, "too_large")
    errors.raise_any()
    return currency


def _pdf_name(number: str) -> str:
    # A slash would make the stored name just what follows it.
    return f"Invoice {number.replace('/', '-').replace(chr(92), '-')}.pdf"


def _rendered_pdf(invoice: Invoice, lines: list[InvoiceLine]) -> ContentFile:
    # Loaded on demand: fpdf adds ~40 MB to every web process that imports it.
    from tenant_apps.invoices.pdf import invoice_pdf_render

    agency = connection.tenant
    logo = brand_image(agency, ImageKind.LOGO, digest="")  # any digest: the current one
    legal = legal_details()
    # One PDF for all its readers, made by the team for the client: in the agency's locale.
    with regional_for(agency=agency):
        content = invoice_pdf_render(
            invoice,
            lines,
            brand=brand_for(agency),
            company_name=invoice.company.name,
            logo=bytes(logo.data) if logo else None,
            legal=legal,
        )
    return ContentFile(content, name=_pdf_name(invoice.number))


def _accepted_pdf(upload, number: str):
    """``upload`` if its bytes are a PDF, renamed after the invoice; refusals name the file."""
    try:
        validation.validate_pdf_upload(upload)
    except ValidationError as refused:
        raise ValidationError({"pdf": refused.error_list}) from refused  # codes kept
    upload.name = _pdf_name(number)
    return upload


@transaction.atomic
def _saved(invoice: Invoice, stored, lines: list[InvoiceLine] | None) -> None:
    """Save ``invoice`` with its new PDF (and lines), dropping the PDF it replaces."""
    old = invoice.pdf if invoice.pk else None
    invoice.pdf = stored
    try:
        with transaction.atomic():
            invoice.save()
    except IntegrityError as clash:
        # Another invoice took the number since we checked.
        if "invoice_number_unique" in str(clash):
            raise _duplicate_number(invoice.number) from clash
        raise
    if lines is not None:
        invoice.lines.all().delete()
        for line in lines:
            line.invoice = invoice
        InvoiceLine.objects.bulk_create(lines)
    if old is not None and old.pk != stored.pk:
        key = old.key
        old.delete()
        transaction.on_commit(lambda: file_storage().delete(key), robust=True)


@contextmanager
def _storing(files, actor):
    """atomic_storing, with a refusal of the file (which names no field) put under "pdf"."""
    try:
        with atomic_storing(files, uploaded_by=actor) as stored:
            yield stored
    except ValidationError as refused:
        if hasattr(refused, "error_dict"):
            raise
        raise ValidationError({"pdf": refused.error_list}) from refused  # codes kept


def _summary(invoice: Invoice) -> dict:
    return {
        "number": invoice.number,
        "company": invoice.company.name,
        "kind": invoice.kind,
        "total": format_money(invoice.total, invoice.currency),
        "due_date": str(invoice.due_date),
    }


def _normalised(*, number, currency, payment_url, **rest) -> dict:
    return {
        "number": (number or "").strip(),
        "currency": (currency or "").strip().upper(),
        "payment_url": payment_url or "",
        **rest,
    }


def _draft(*, kind: str, company, data: dict, notes: str, actor, **amounts) -> Invoice:
    """An unsaved draft of ``kind`` from checked ``data`` and its ``amounts``."""
    return Invoice(
        company=company,
        kind=kind,
        number=data["number"],
        currency=data["currency"],
        issue_date=data["issue_date"],
        due_date=data["due_date"],
        payment_url=data["payment_url"],
        notes=notes,
        created_by=actor,
        **amounts,
    )


def _created(invoice: Invoice, upload, lines, *, action: InvoiceAudit, actor, request) -> Invoice:
    """Store the draft's PDF and save it, its lines and its log entry, all or nothing."""
    with _storing([upload], actor) as [stored]:
        _saved(invoice, stored, lines)
        activity_record(
            action=action,
            actor=actor,
            target=invoice,
            request=request,
            changes=_summary(invoice),
        )
        return invoice


def invoice_create(
    *,
    company,
    number,
    currency,
    issue_date,
    due_date,
    lines,
    notes="",
    payment_url="",
    actor,
    request=None,
) -> Invoice:
    """A draft built from ``lines`` (LineInputs or dicts), with its PDF rendered."""
    data = _normalised(
        number=number,
        currency=currency,
        payment_url=payment_url,
        issue_date=issue_date,
        due_date=due_date,
        lines=lines_from(lines),
    )
    figures = _check_built(data)
    invoice = _draft(
        kind=InvoiceKind.BUILT,
        company=company,
        data=data,
        notes=notes,
        actor=actor,
        subtotal=figures.subtotal,
        tax=figures.tax,
        total=figures.total,
    )
    pdf = _rendered_pdf(invoice, figures.lines)
    return _created(
        invoice,
        pdf,
        figures.lines,
        action=InvoiceAudit.INVOICE_CREATED,
        actor=actor,
        request=request,
    )


def invoice_upload(
    *,
    company,
    number,
    currency,
    issue_date,
    due_date,
    subtotal,
    tax=Decimal(0),
    pdf,
    notes="",
    payment_url="",
    actor,
    request=None,
) -> Invoice:
    """A draft whose PDF the team made elsewhere; its amounts are as they give them."""
    data = _normalised(
        number=number,
        currency=currency,
        payment_url=payment_url,
        issue_date=issue_date,
        due_date=due_date,
        subtotal=subtotal,
        tax=tax,
    )
    _check_uploaded(data)
    invoice = _draft(
        kind=InvoiceKind.UPLOADED,
        company=company,
        data=data,
        notes=notes,
        actor=actor,
        subtotal=subtotal,
        tax=tax,
        total=subtotal + tax,
    )
    upload = _accepted_pdf(pdf, data["number"])
    return _created(
        invoice,
        upload,
        None,
        action=InvoiceAudit.INVOICE_UPLOADED,
        actor=actor,
        request=request,
    )


# What a draft's update may change, by kind; None (or absent) leaves a field as it is.
BUILT_FIELDS = (
    "number",
    "currency",
    "issue_date",
    "due_date",
    "notes",
    "payment_url",
    "lines",
)
UPLOADED_FIELDS = (
    "number",
    "currency",
    "issue_date",
    "due_date",
    "subtotal",
    "tax",
    "notes",
    "payment_url",
    "pdf",
)


def _locked(invoice: Invoice) -> Invoice:
    """``invoice`` afresh, its row locked until the transaction ends."""
    invoices = Invoice.objects.select_for_update(of=("self",)).select_related("company", "pdf")
    return invoices.get(pk=invoice.pk)


def _shown(value) -> str | list:
    if isinstance(value, list):
        return f"{len(value)} line{'s' if len(value) != 1 else ''}"
    return str(value)


def invoice_update(*, invoice: Invoice, actor, request=None, **changes) -> Invoice:
    """Change a draft (a sent invoice is final: void it and issue another). A built one is
    rendered again; an uploaded one may get a new PDF."""
    built = invoice.kind == InvoiceKind.BUILT
    allowed = BUILT_FIELDS if built else UPLOADED_FIELDS
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"{invoice.get_kind_display()} invoices have no {sorted(unknown)}")
    with transaction.atomic():
        invoice = _locked(invoice)
        if not invoice.is_draft:
            raise ValidationError(
                f"Invoice {invoice.number} is {invoice.get_status_display().lower()}; only "
                "drafts can be changed.",
                code="not_draft",
            )
        current = {field: getattr(invoice, field) for field in allowed if field != "pdf"}
        if built:
            current["lines"] = lines_from(
                {
                    "description": line.description,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "tax_rate": line.tax_rate,
                }
                for line in invoice.lines.select_related("tax_rate")
            )
        given = {field: value for field, value in changes.items() if value is not None}
        if "lines" in given:
            given["lines"] = lines_from(given["lines"])
        for field in ("number", "currency"):
            if field in given:
                given[field] = given[field].strip()
        given["currency"] = given.get("currency", current["currency"]).upper()
        upload = given.pop("pdf", None)
        data = current | given
        diff = {
            field: [current[field], data[field]] for field in given if current[field] != data[field]
        }
        if not diff and upload is None:
            return invoice
        for field, (_, value) in diff.items():
            if field != "lines":
                setattr(invoice, field, value)
        if built:
            figures = _check_built(data, invoice)
            invoice.subtotal, invoice.tax, invoice.total = (
                figures.subtotal,
                figures.tax,
                figures.total,
            )
            lines = figures.lines
            files = [_rendered_pdf(invoice, lines)]
        else:
            _check_uploaded(data, invoice)
            invoice.total = invoice.subtotal + invoice.tax
            lines = None
            files = [_accepted_pdf(upload, invoice.number)] if upload is not None else []
            if upload is None and "number" in diff:
                invoice.pdf.name = _pdf_name(invoice.number)
                invoice.pdf.save(update_fields=["name"])
        with _storing(files, actor) as stored:
            _saved(invoice, stored[0] if stored else invoice.pdf, lines)
            if stored:
                pdf_replaced.send(sender=Invoice, invoice=invoice, actor=actor)
            changed = {
                field: [_shown(before), _shown(after)] for field, (before, after) in diff.items()
            }
            if upload is not None:
                changed["pdf"] = "replaced"
            activity_record(
                action=InvoiceAudit.INVOICE_UPDATED,
                actor=actor,
                target=invoice,
                request=request,
                changes=changed,
            )
        return invoice


def invoice_move(*, invoice: Invoice, move: str, actor=None, note="", request=None) -> Invoice:
    """Change the status by one of ``MOVES`` (``actor`` None for the system's)."""
    step = MOVES[move]
    with transaction.atomic():
        # Locked, so two people marking it paid at once make one change, not two.
        invoice = _locked(invoice)
        before = invoice.status
        if before not in step.sources:
            raise ValidationError(
                {
                    "status": f"Invoice {invoice.number} is "
                    f"{InvoiceStatus(before).label.lower()}, so it cannot be "
                    f"{InvoiceStatus(step.target).label.lower()} now."
                },
                code="invalid_transition",
            )
        now = timezone.now()
        invoice.status = step.target
        if move == "send":
            invoice.sent_at = now
        if step.target == InvoiceStatus.PAID:
            invoice.paid_at = now
        invoice.save(update_fields=["status", "sent_at", "paid_at"])
        changes = {"status": [before, step.target]}
        if note:
            changes["note"] = note
        entry = activity_record(
            action=step.logged,
            actor=actor,
            target=invoice,
            request=request,
            changes=changes,
        )
        notice = MOVE_NOTICES.get(move)
        if notice is not None:
            occurrence = entry.pk if notice == NoticeKind.PAYMENT_REPORTED else 0
            invoice_notify_on_commit(notice, invoice, occurrence)
        return invoice


# Who hears about a move: see emails.py for the recipients of each kind.
MOVE_NOTICES = {
    "send": NoticeKind.SENT,
    "report_payment": NoticeKind.PAYMENT_REPORTED,
    "mark_paid": NoticeKind.PAID,
}


def invoice_notify_on_commit(kind: str, invoice: Invoice, occurrence: int = 0) -> None:
    enqueue_on_commit("tenant_apps.invoices.tasks.invoice_notify", kind, invoice.pk, occurrence)


# The agency's legal details and tax rates (owners and admins)

LEGAL_FIELDS = (
    "company_name",
    "address",
    "tax_id",
    "bank_name",
    "iban",
    "bic",
    "account_details",
    "payment_terms",
    "payment_days",
)


def _legal_checked(data: dict) -> dict:
    """``data`` tidied (IBAN and BIC without spaces, in capitals; text trimmed) and checked,
    every field's refusal at once."""
    tidy = {
        field: (value.strip() if isinstance(value, str) else value) for field, value in data.items()
    }
    for field in ("iban", "bic"):
        if field in tidy:
            tidy[field] = validation.compact(tidy[field])
    errors = _Errors()
    checks = {
        "iban": validation.validate_iban,
        "bic": validation.validate_bic,
        "tax_id": validation.validate_tax_id,
        "payment_days": validation.validate_payment_days,
    }
    for field, check in checks.items():
        if field in tidy:
            errors.check(field, check, tidy[field])
    limits = {field.name: field.max_length for field in LegalDetails._meta.concrete_fields}
    for field, value in tidy.items():
        limit = limits.get(field)
        if isinstance(value, str) and limit and len(value) > limit:
            errors.add(field, f"Keep this to {limit} characters.", "max_length")
    errors.raise_any()
    return tidy


def legal_details_update(*, actor, request=None, **changes) -> LegalDetails:
    """Change the details printed on invoices; give only what changes. Invoices already
    rendered keep theirs; drafts take the new ones when next saved."""
    unknown = set(changes) - set(LEGAL_FIELDS)
    if unknown:
        raise ValueError(f"Legal details have no {sorted(unknown)}")
    tidy = _legal_checked(changes)
    with transaction.atomic():
        details, _ = LegalDetails.objects.select_for_update().get_or_create(pk=1)
        diff = {
            field: [getattr(details, field), value]
            for field, value in tidy.items()
            if getattr(details, field) != value
        }
        if not diff:
            return details
        for field, (_, value) in diff.items():
            setattr(details, field, value)
        details.updated_at = timezone.now()
        details.save()
        activity_record(
            action=InvoiceAudit.LEGAL_DETAILS_UPDATED,
            actor=actor,
            target=details,
            request=request,
            changes={"fields": ", ".join(sorted(diff))},
        )
        return details


def _rate_checked(name: str, percent, rate: TaxRate | None = None) -> str:
    name = (name or "").strip()
    errors = _Errors()
    errors.check("name", validation.validate_tax_rate_name, name)
    if len(name) > 60:
        errors.add("name", "Keep the name to 60 characters.", "max_length")
    errors.check("percent", validation.validate_tax_rate, percent)
    if name and "name" not in errors.by_field:
        taken = TaxRate.objects.filter(name__iexact=name, archived_at__isnull=True)
        if rate is not None:
            taken = taken.exclude(pk=rate.pk)
        if taken.exists():
            errors.add("name", f"There is a rate named {name} already.", "duplicate_name")
    errors.raise_any()
    return name


def _rate_saved(rate: TaxRate) -> None:
    try:
        with transaction.atomic():
            rate.save()
    except IntegrityError as clash:  # named alike by someone else since the check
        if "tax_rate_name_unique_active" in str(clash):
            raise ValidationError(
                {"name": f"There is a rate named {rate.name} already."}, code="duplicate_name"
            ) from clash
        raise


def tax_rate_create(*, name, percent, actor, request=None) -> TaxRate:
    name = _rate_checked(name, percent)
    with transaction.atomic():
        rate = TaxRate(name=name, percent=percent)
        _rate_saved(rate)
        activity_record(
            action=InvoiceAudit.TAX_RATE_CREATED,
            actor=actor,
            target=rate,
            request=request,
            changes={"name": name, "percent": f"{percent.normalize():f}%"},
        )
        return rate


def _rate_in_use(rate: TaxRate) -> bool:
    return InvoiceLine.objects.filter(tax_rate=rate).exists()


def tax_rate_update(*, rate: TaxRate, name=None, percent=None, actor, request=None) -> TaxRate:
    """Rename or re-rate a rate no invoice uses yet; one in use is fixed (archive it and make
    another)."""
    with transaction.atomic():
        rate = TaxRate.objects.select_for_update().get(pk=rate.pk)
        name = rate.name if name is None else name
        percent = rate.percent if percent is None else percent
        checked = _rate_checked(name, percent, rate)
        diff = {
            field: [str(before), str(after)]
            for field, before, after in (
                ("name", rate.name, checked),
                ("percent", rate.percent, percent),
            )
            if before != after
        }
        if not diff:
            return rate
        if _rate_in_use(rate):
            raise ValidationError(
                f"{rate} is on invoices already, so it cannot change: archive it and add "
                "the new rate.",
                code="rate_in_use",
            )
        rate.name, rate.percent = checked, percent
        _rate_saved(rate)
        activity_record(
            action=InvoiceAudit.TAX_RATE_UPDATED,
            actor=actor,
            target=rate,
            request=request,
            changes=diff,
        )
        return rate


def tax_rate_archive(*, rate: TaxRate, archived: bool = True, actor, request=None) -> TaxRate:
    """Offer the rate no more (``archived``), or again; invoices that use it keep it."""
    with transaction.atomic():
        rate = TaxRate.objects.select_for_update().get(pk=rate.pk)
        if rate.is_archived == archived:
            return rate
        if not archived:
            _rate_checked(rate.name, rate.percent, rate)  # its name may have been reused
        rate.archived_at = timezone.now() if archived else None
        _rate_saved(rate)
        activity_record(
            action=InvoiceAudit.TAX_RATE_ARCHIVED if archived else InvoiceAudit.TAX_RATE_RESTORED,
            actor=actor,
            target=rate,
            request=request,
            changes={"name": rate.name},
        )
        return rate


def tax_rate_delete(*, rate: TaxRate, actor, request=None) -> None:
    """Delete a rate no invoice line uses; one in use can only be archived."""
    with transaction.atomic():
        rate = TaxRate.objects.select_for_update().get(pk=rate.pk)
        if _rate_in_use(rate):
            raise ValidationError(
                f"{rate} is on invoices, so it cannot be deleted: archive it instead.",
                code="rate_in_use",
            )
        activity_record(
            action=InvoiceAudit.TAX_RATE_DELETED,
            actor=actor,
            target=rate,
            request=request,
            changes={"name": rate.name, "percent": f"{rate.percent.normalize():f}%"},
        )
        try:
            with transaction.atomic():
                rate.delete()
        except ProtectedError as used:  # a line took it since the check
            raise ValidationError(
                f"{rate} is on invoices, so it cannot be deleted: archive it instead.",
                code="rate_in_use",
            ) from used


# Credit notes

CREDITABLE = (
    InvoiceStatus.SENT,
    InvoiceStatus.PENDING_PAYMENT,
    InvoiceStatus.OVERDUE,
    InvoiceStatus.PAID,
)
CREDIT_SERIES = "CN-"


def _next_credit_number() -> str:
    numbers = CreditNote.objects.values_list("number", flat=True)
    latest = max((int(number.removeprefix(CREDIT_SERIES)) for number in numbers), default=0)
    return f"{CREDIT_SERIES}{latest + 1:04d}"


def _credit_rows(invoice: Invoice, lines, amount, currency: Currency, errors: _Errors):
    """The credit note's unsaved lines and its (subtotal, tax): of ``lines`` (invoice lines
    or their ids) each in full, or of ``amount`` (tax included) in the invoice's proportion
    of tax, or, with neither, of all that is left to credit."""
    remaining = invoice.total - credited_total(invoice)
    if remaining <= 0:
        errors.add("invoice", f"Invoice {invoice.number} is credited in full already.", "in_full")
        return [], None
    credited_lines = set(
        CreditNoteLine.objects.filter(credit_note__invoice=invoice)
        .exclude(invoice_line=None)
        .values_list("invoice_line_id", flat=True)
    )
    if lines is None and amount is None:  # in full
        untouched = not CreditNote.objects.filter(invoice=invoice).exists()
        if untouched and invoice.kind == InvoiceKind.BUILT:
            lines = list(invoice.lines.all())
        else:
            amount = remaining
    if lines is not None:
        if not lines:
            errors.add("lines", "Choose at least one line to credit.", "no_lines")
            return [], None
        ids = [line.pk if isinstance(line, InvoiceLine) else line for line in lines]
        chosen = {line.pk: line for line in invoice.lines.select_related("tax_rate")}
        rows = []
        for position, line_id in enumerate(dict.fromkeys(ids), start=1):
            line = chosen.get(line_id)
            if line is None:
                errors.add("lines", f"Invoice {invoice.number} has no line {line_id}.", "no_line")
            elif line.pk in credited_lines:
                errors.add(
                    "lines", f"Line {line.position} is credited already.", "credited_already"
                )
            else:
                rows.append(
                    CreditNoteLine(
                        position=position,
                        invoice_line=line,
                        description=line.description,
                        amount=line.amount,
                        tax_rate=line.tax_rate,
                        tax_percent=line.tax_percent,
                    )
                )
        if errors.by_field:
            return [], None
        subtotal = sum((row.amount for row in rows), Decimal(0))
        tax = sum((t.amount for t in tax_lines(rows, currency)), Decimal(0))
    else:
        try:
            validation.validate_amount(amount, currency, "amount")
        except ValidationError as error:
            errors.add("amount", error.messages[0], error.code)
            return [], None
        if amount <= 0:
            errors.add("amount", "Credit more than zero.", "not_positive")
            return [], None
        tax = money_round(amount * invoice.tax / invoice.total, currency) if invoice.total else 0
        subtotal = amount - tax
        rows = [
            CreditNoteLine(
                position=1,
                description=f"Credit on invoice {invoice.number}",
                amount=subtotal,
            )
        ]
    if subtotal + tax > remaining:
        field = "lines" if lines is not None else "amount"
        left = format_money(remaining, invoice.currency)
        errors.add(
            field,
            f"That is more than is left to credit on invoice {invoice.number} ({left}).",
            "over_credit",
        )
        return [], None
    return rows, (subtotal, tax)


def _credit_pdf(note: CreditNote, rows: list[CreditNoteLine]) -> ContentFile:
    from tenant_apps.invoices.pdf import credit_note_pdf_render

    agency = connection.tenant
    logo = brand_image(agency, ImageKind.LOGO, digest="")
    with regional_for(agency=agency):
        content = credit_note_pdf_render(
            note,
            rows,
            brand=brand_for(agency),
            company_name=note.invoice.company.name,
            logo=bytes(logo.data) if logo else None,
            legal=legal_details(),
        )
    return ContentFile(content, name=f"Credit note {note.number}.pdf")


def credit_note_create(
    *, invoice: Invoice, reason: str, actor, lines=None, amount=None, request=None
) -> CreditNote:
    """Reverse ``invoice`` in part or in full: its ``lines`` (InvoiceLines or ids, each in
    full, with their tax), or an ``amount`` (tax included; its tax in the invoice's
    proportion), or with neither all that is left to credit. Never more than is left; only
    invoices the client has been sent (not void). Numbered CN-0001 on, with its PDF."""
    if lines is not None and amount is not None:
        raise ValueError("Credit lines or an amount, not both.")
    reason = (reason or "").strip()
    with transaction.atomic():
        invoice = _locked(invoice)  # two credits at once never pass the total between them
        errors = _Errors()
        if not reason:
            errors.add("reason", "Say why the invoice is credited.", "required")
        elif len(reason) > 500:
            errors.add("reason", "Keep the reason to 500 characters.", "max_length")
        if invoice.status not in CREDITABLE:
            errors.add(
                "invoice",
                f"Invoice {invoice.number} is {invoice.get_status_display().lower()}: only an "
                "invoice sent to the client (and not void) can be credited.",
                "not_creditable",
            )
            errors.raise_any()
        currency = currency_get(invoice.currency)
        rows, figures = _credit_rows(invoice, lines, amount, currency, errors)
        errors.raise_any()
        subtotal, tax = figures
        with connection.cursor() as cursor:  # one number at a time, per agency
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{connection.schema_name}.cn"]
            )
        note = CreditNote(
            invoice=invoice,
            number=_next_credit_number(),
            issue_date=agency_today(),
            reason=reason,
            subtotal=subtotal,
            tax=tax,
            total=subtotal + tax,
            created_by=actor,
        )
        pdf = _credit_pdf(note, rows)
        with _storing([pdf], actor) as [stored]:
            note.pdf = stored
            note.save()
            for row in rows:
                row.credit_note = note
            CreditNoteLine.objects.bulk_create(rows)
            activity_record(
                action=InvoiceAudit.INVOICE_CREDITED,
                actor=actor,
                target=invoice,
                request=request,
                changes={
                    "credit_note": note.number,
                    "total": format_money(note.total, invoice.currency),
                    "reason": reason,
                },
            )
            invoice_notify_on_commit(NoticeKind.CREDITED, invoice, note.pk)
        return note

"""What an invoice's fields may hold. Forms, serializers and the actions all check with these,
so a page, the API and a direct call refuse the same input with the same words."""

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from tenant_apps.files.validation import PDF, upload_accept
from tenant_apps.invoices.currencies import Currency, currency_get
from tenant_apps.invoices.models import invoice_number

MAX_LINES = 100
MAX_TAX_RATE = Decimal(100)
UNIT_PRICE_PLACES = 4
QUANTITY_PLACES = 2
# Any one amount, and the total: far beyond any invoice, well inside the columns' digits.
MAX_AMOUNT = Decimal(10) ** 11
TOO_LARGE = "That is more than an invoice can hold (100 billion)."
# Its own code: form fields put their generic "Enter a valid URL." over an "invalid" one.
https_url = URLValidator(schemes=["https"], message="Enter a full https:// link.", code="https")


def validate_number(value: str) -> None:
    invoice_number(value)


def validate_currency(code: str) -> Currency:
    currency = currency_get(code)
    if currency is None:
        raise ValidationError(
            '"%(code)s" is not a currency we know: use an ISO 4217 code such as EUR or USD.',
            code="unknown_currency",
            params={"code": code},
        )
    return currency


def validate_quantity(value: Decimal) -> None:
    if value <= 0:
        raise ValidationError("The quantity must be more than zero.", code="quantity")
    if _places(value) > QUANTITY_PLACES:
        raise ValidationError(
            f"Give the quantity to at most {QUANTITY_PLACES} decimal places.", code="places"
        )


def validate_unit_price(value: Decimal) -> None:
    if _places(value) > UNIT_PRICE_PLACES:
        raise ValidationError(
            f"Give the unit price to at most {UNIT_PRICE_PLACES} decimal places.", code="places"
        )


def validate_tax_rate(value: Decimal) -> None:
    if not 0 <= value <= MAX_TAX_RATE:
        raise ValidationError("The tax rate is a percentage from 0 to 100.", code="tax_rate")
    if _places(value) > 2:
        raise ValidationError("Give the tax rate to at most 2 decimal places.", code="places")


def validate_payment_url(value: str) -> None:
    if value:
        https_url(value)


def validate_dates(issue_date, due_date) -> None:
    if issue_date and due_date and due_date < issue_date:
        raise ValidationError(
            {"due_date": "The due date cannot be before the issue date."}, code="due_before_issue"
        )


def validate_amount(value: Decimal, currency: Currency, label: str) -> None:
    """An amount the client pays (not a rate): never negative, never finer than the currency."""
    if value < 0:
        raise ValidationError(f"The {label} cannot be negative.", code="negative")
    if value > MAX_AMOUNT:
        raise ValidationError(TOO_LARGE, code="too_large")
    if _places(value) > currency.minor_units:
        places = currency.minor_units
        raise ValidationError(
            f"{currency.code} amounts have "
            + (f"at most {places} decimal places." if places else "no decimal places."),
            code="places",
        )


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def validate_pdf_upload(upload) -> None:
    """An invoice file must sniff as a PDF, whatever its name says; refusals name the file."""
    accepted = upload_accept(upload, max_bytes=settings.FILE_MAX_UPLOAD_BYTES)
    if accepted.kind is not PDF:
        raise ValidationError(
            '"%(name)s" was refused: an invoice must be a PDF, and this is %(kind)s.',
            code="not_pdf",
            params={"name": accepted.name, "kind": accepted.kind.label},
        )


# The agency's legal details

IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
BIC_SHAPE = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
TAX_ID_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]*$")


def compact(value: str) -> str:
    """An IBAN or BIC as typed ("de89 3704 0044 ...") → "DE89370400 ..." without spaces."""
    return "".join((value or "").split()).upper()


def validate_iban(value: str) -> None:
    """Shape and the ISO 13616 check digits (mod 97), so a typo is caught before print."""
    if not value:
        return
    if not IBAN_SHAPE.match(value):
        raise ValidationError(
            "An IBAN is a country code, two check digits and up to 30 letters or digits, "
            "e.g. DE89 3704 0044 0532 0130 00.",
            code="iban_shape",
        )
    digits = "".join(str(int(char, 36)) for char in value[4:] + value[:4])
    if int(digits) % 97 != 1:
        raise ValidationError(
            "This IBAN's check digits do not match: check it for a typo.", code="iban_checksum"
        )


def validate_bic(value: str) -> None:
    if value and not BIC_SHAPE.match(value):
        raise ValidationError(
            "A BIC (SWIFT code) has 8 or 11 letters and digits, e.g. COBADEFFXXX.", code="bic"
        )


def validate_tax_id(value: str) -> None:
    if value and not TAX_ID_SHAPE.match(value):
        raise ValidationError(
            "Use letters, digits, spaces and . / - only, e.g. FR40303265045.", code="tax_id"
        )


MAX_PAYMENT_DAYS = 365


def validate_payment_days(value: int) -> None:
    if not 0 <= value <= MAX_PAYMENT_DAYS:
        raise ValidationError(
            f"Give a number of days from 0 to {MAX_PAYMENT_DAYS}.", code="payment_days"
        )


# Tax rates


def validate_tax_rate_name(value: str) -> None:
    if not value.strip():
        raise ValidationError("Name the rate, e.g. VAT.", code="required")

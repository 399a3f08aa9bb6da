"""What people send about a request, checked by the same code for the web forms and the API:
a type's intake answers, the wanted-by date, files, and the limits on both."""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from shared_apps.core.dates import LocalDateField
from tenant_apps.client_requests.models import FieldKind, RequestType
from tenant_apps.files.attachments import validate_upload
from tenant_apps.files.validation import safe_file_name

ANSWER_MAX_LENGTH = 2000


def validate_wanted_by(value: date | None) -> None:
    if value is not None and value < timezone.localdate():
        raise ValidationError("The wanted-by date cannot be in the past.", code="past")


def intake_form_field(spec: dict) -> forms.Field:
    """The form field for one of ``RequestType.intake_fields``."""
    options = {"label": spec["label"], "required": spec.get("required", False)}
    match spec["kind"]:
        case FieldKind.NUMBER:
            return forms.DecimalField(max_digits=18, decimal_places=6, **options)
        case FieldKind.DATE:
            return LocalDateField(**options)
        case FieldKind.CHOICE:
            choices = [(choice, choice) for choice in spec.get("choices", [])]
            return forms.ChoiceField(choices=choices, **options)
        case FieldKind.FILE:
            return forms.FileField(validators=[validate_upload], **options)
        case _:
            return forms.CharField(max_length=ANSWER_MAX_LENGTH, **options)


def _json_value(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UploadedFile):  # the request keeps its name; the file is attached
        return safe_file_name(value.name)
    return value


class Intake(NamedTuple):
    answers: dict  # JSON-ready, for ClientRequest.intake; a file answer is its file's name
    uploads: list[UploadedFile]  # the files answering file fields, to attach on submit


def intake_clean(
    request_type: RequestType, answers: Mapping, files: Mapping[str, UploadedFile]
) -> Intake:
    """Check answers (and files, for file fields) against ``request_type``'s intake fields.

    Keys the type does not define are ignored. Raises ValidationError keyed by field key.
    """
    cleaned, uploads, errors = {}, [], {}
    for spec in request_type.intake_fields:
        key = spec["key"]
        field = intake_form_field(spec)
        raw = files.get(key) if spec["kind"] == FieldKind.FILE else answers.get(key)
        try:
            if isinstance(raw, dict | list):  # JSON bodies can nest; no intake field does
                raise ValidationError("Enter a single value.", code="invalid")
            value = field.clean(raw)
        except ValidationError as error:
            errors[key] = error.messages
            continue
        if value in field.empty_values:
            continue
        if isinstance(value, UploadedFile):
            uploads.append(value)
        cleaned[key] = _json_value(value)
    if errors:
        raise ValidationError(errors)
    return Intake(answers=cleaned, uploads=uploads)

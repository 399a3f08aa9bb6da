"""Text PostgreSQL cannot store, refused where it comes in, with a message naming the field.

PostgreSQL text and jsonb cannot hold NUL, and a lone UTF-16 surrogate ("\\ud800", which JSON
can carry) has no UTF-8 encoding, so psycopg raises on either in any query, lookups included.
Field validators come too late: DRF and Django run a field's own validators (a uniqueness
lookup, say) before the NUL check they append, DRF's related fields look a value up before any
validator runs, and views read the query string themselves. So the raw input is checked at
each way in:

- the API's parsers, for every request body (``DEFAULT_PARSER_CLASSES``; views that name
  their parsers take them from here): JSON at any depth, keys included, and form parts;
- every Django form field, through the form renderer's bound field (``FORM_RENDERER``);
- ``UnstorableTextMiddleware``, for what views may read directly: the path, the query string
  and the headers (the User-Agent is stored with activity and sessions).
"""

import re
from collections.abc import Mapping

from django.core.exceptions import BadRequest, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.forms import BoundField
from django.forms.renderers import DjangoTemplates
from django.http import Http404, JsonResponse
from django.utils.datastructures import MultiValueDict
from rest_framework import parsers, serializers
from rest_framework.settings import api_settings

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# The wording of Django's and DRF's own validators.
NUL_MESSAGE = "Null characters are not allowed."
SURROGATE_MESSAGE = "Surrogate characters are not allowed: U+{:X}."


def unstorable_message(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None if it can."""
    found = UNSTORABLE.search(text)
    if found is None:
        return None
    return NUL_MESSAGE if found.group() == "\x00" else SURROGATE_MESSAGE.format(ord(found.group()))


def unstorable_errors(data) -> dict | list | None:
    """Errors shaped like DRF's for unstorable text anywhere in parsed input, or None.

    ``{"name": [message]}`` for a field, nested for objects and lists (``{"tags": {0: [...]}}``,
    as DRF's own fields nest them); an object with an unstorable key is refused as a whole,
    since a key that cannot be stored cannot be echoed back either. File names count.
    """
    if isinstance(data, str):
        message = unstorable_message(data)
        return [message] if message else None
    if isinstance(data, UploadedFile):
        return unstorable_errors(data.name or "")
    if isinstance(data, MultiValueDict):  # form parts and files: a name may come several times
        items = ((key, value) for key, values in data.lists() for value in values)
    elif isinstance(data, Mapping):
        items = data.items()
    elif isinstance(data, list | tuple):
        items = enumerate(data)
    else:
        return None
    errors = {}
    for key, value in items:
        message = isinstance(key, str) and unstorable_message(key)
        if message:
            return [message]
        if found := unstorable_errors(value):
            errors.setdefault(key, found)
    return errors or None


def _field_errors(data) -> dict | None:
    errors = unstorable_errors(data)
    if isinstance(errors, list):  # the body itself, or a key of it
        return {api_settings.NON_FIELD_ERRORS_KEY: errors}
    return errors


# The API's parsers.


class _RefusesUnstorableText:
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        if isinstance(parsed, parsers.DataAndFiles):
            errors = (_field_errors(parsed.data) or {}) | (_field_errors(parsed.files) or {})
        else:
            errors = _field_errors(parsed)
        if errors:
            raise serializers.ValidationError(errors)
        return parsed


class JSONParser(_RefusesUnstorableText, parsers.JSONParser):  # noqa: TID251
    pass


class FormParser(_RefusesUnstorableText, parsers.FormParser):  # noqa: TID251
    pass


class MultiPartParser(_RefusesUnstorableText, parsers.MultiPartParser):  # noqa: TID251
    pass


# Django forms.


class StorableTextBoundField(BoundField):
    """A form field's submitted value, refused before the field cleans it (``to_python`` may
    look it up, and validators such as a uniqueness check run before Django's NUL check).

    Forms clean a field by reading ``data`` inside their per-field ``ValidationError``
    handler, so the refusal becomes that field's error. Elsewhere ``data`` is read to show
    the field again or to ask whether it changed; those treat the refused value as absent.
    """

    @property
    def data(self):
        data = super().data
        errors = unstorable_errors(data)
        while isinstance(errors, dict):  # one of several values (files, choices)
            errors = next(iter(errors.values()))
        if errors:
            raise ValidationError(errors, code="unstorable")
        return data

    def value(self):
        try:
            return super().value()
        except ValidationError:
            return self.field.prepare_value(self.initial)

    def _has_changed(self):  # Django's hook for Form.changed_data
        try:
            return super()._has_changed()
        except ValidationError:
            return True


class FormRenderer(DjangoTemplates):
    """Django's default renderer, with the bound field above for every form."""

    bound_field_class = StorableTextBoundField


# The path, the query string and the headers.


class UnstorableTextMiddleware:
    """Refuses unstorable text in the path (404: no address holds it), a header (400) or the
    query string (400; the API names the parameter, as it names a field)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if unstorable_message(request.path):
            raise Http404("No address contains that character.")
        for name, value in request.headers.items():
            if unstorable_message(value):
                return _refused(request, f"The {name} header has a character we cannot read.")
        errors = _field_errors(request.GET)
        if errors:
            return _refused(request, "The address has a character we cannot read.", errors)
        return self.get_response(request)


def _refused(request, message: str, errors: dict | None = None):
    if request.path.startswith("/api/"):
        return JsonResponse(errors or {"detail": message, "code": "unreadable"}, status=400)
    raise BadRequest(message)  # the 400 page

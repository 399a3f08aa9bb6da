"""The API's one error shape, whatever went wrong under /api/.

A refused input is a 400 naming the fields, ``{"field": ["message"]}``; every other error is
``{"detail": "...", "code": "...", "request_id": "..."}``, the id a customer can quote
(also in the ``X-Request-ID`` header; shared_apps.core.observability). DRF views answer
through ``exception_handler`` (``EXCEPTION_HANDLER``); what never reaches one (an unknown
path, a non-integer id, a CSRF failure outside DRF, an unhandled exception) through the error
views below, which both URLconfs name as their handlers and which answer pages with the usual
HTML. An outage (the database down, the disk full) is a 503 or 507 rather than a 500
(``outages``).
"""

import sys

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views import csrf, defaults
from rest_framework import exceptions
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from shared_apps.core import outages
from shared_apps.core.logs import current_request_id


def exception_handler(exc, context):
    """DRF's handler, with a ``code`` beside every ``detail``, and an action's Django
    ValidationError as a 400 with field errors.

    An error naming no field (a file refused while it streamed) goes under the view's
    ``unkeyed_field``, else under non_field_errors. A PlanLimitReached is both a
    ValidationError and a PermissionDenied: a 403, except from views that declare an
    ``unkeyed_field``, where it is a refusal of that field (the plan's storage is full).
    A file refused because the disk has no room is a 507 (the caller did nothing wrong and the
    same request will work later: RFC 4918's "temporary" Insufficient Storage).
    """
    unkeyed_field = getattr(context.get("view"), "unkeyed_field", None)
    full = _storage_full_message(exc)
    if full is not None:
        exc = _StorageFull(full)
    elif isinstance(exc, DjangoValidationError) and (
        unkeyed_field or not isinstance(exc, PermissionDenied)
    ):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            key = unkeyed_field or api_settings.NON_FIELD_ERRORS_KEY
            exc = exceptions.ValidationError({key: exc.messages})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unhandled: server_error below answers
    if isinstance(response.data, dict) and isinstance(response.data.get("detail"), ErrorDetail):
        response.data.setdefault("code", response.data["detail"].code)
        with_request_id(response.data)
    # JSON whatever the caller accepts (the schema view would answer in YAML).
    request = context["request"]
    request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
    return response


def _storage_full_message(exc) -> str | None:
    """The message of a file an action refused because storage has no room, under whatever
    field it put it: not the caller's mistake, so a 507 rather than a 400."""
    if not isinstance(exc, DjangoValidationError):
        return None
    errors = (
        [error for errors in exc.error_dict.values() for error in errors]
        if hasattr(exc, "error_dict")
        else exc.error_list
    )
    return next((error.messages[0] for error in errors if error.code == outages.STORAGE_FULL), None)


class _StorageFull(exceptions.APIException):
    status_code = 507
    default_detail = outages.STORAGE_SENTENCE
    default_code = outages.STORAGE_FULL


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def with_request_id(body: dict) -> dict:
    """``body`` with the id of the request it answers, when there is one."""
    if request_id := current_request_id():
        body["request_id"] = request_id
    return body


def _error(exc: exceptions.APIException) -> JsonResponse:
    body = {"detail": exc.detail, "code": exc.detail.code}
    return JsonResponse(with_request_id(body), status=exc.status_code)


class _BadRequest(exceptions.APIException):
    status_code = 400
    default_detail = "Bad request."
    default_code = "bad_request"


class _ServerError(exceptions.APIException):
    default_detail = "Something went wrong on our side; we have been told."
    default_code = "server_error"


def bad_request(request, exception):
    if _is_api(request):
        return _error(_BadRequest())
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return _error(exceptions.PermissionDenied(str(exception) or None))
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _is_api(request):
        return _error(exceptions.NotFound())
    return defaults.page_not_found(request, exception)


def server_error(request):
    # Called by Django while it handles the exception, which sys.exc_info() still holds.
    outage = outages.outage_response(request, sys.exc_info()[1])
    if outage is not None:
        return outage
    if _is_api(request):
        return _error(_ServerError())
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: worded as DRF words its own CSRF refusal."""
    if _is_api(request):
        return _error(exceptions.PermissionDenied(f"CSRF Failed: {reason}"))
    return csrf.csrf_failure(request, reason)

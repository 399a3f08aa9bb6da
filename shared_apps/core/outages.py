"""What a request answers when PostgreSQL does not, or the disk is full: a 503 with
Retry-After or a 507, in plain words (JSON in the API's shape under /api/), never a 500 page
with a trace.

``api_errors.server_error`` (both URLconfs' handler500) asks ``outage_response`` first. That
is the one place every unhandled error of a request reaches: a view's, and a middleware's
(host routing, sessions, authentication...), since Django turns a middleware's exception into
the error handler's answer where it is raised, so an outer middleware never sees it. With
``DEBUG`` on, Django shows its trace page instead, as for any other error.

Nothing written is left half-done: an action's transaction is rolled back (or its connection
dropped) when the database fails under it, and its stored bytes are deleted with it, or,
when the COMMIT itself was cut off, kept or deleted by a task once the database answers
(``tenant_apps.files.actions.atomic_storing``). The next request of the process checks its
connection (``CONN_HEALTH_CHECKS``) and opens a new one once PostgreSQL is back.
"""

import errno
from contextlib import contextmanager, suppress

import psycopg
from django.core.files import uploadhandler
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.csp import CSP, build_policy, generate_nonce

from shared_apps.core.logs import current_request_id

# A restarted PostgreSQL accepts connections again within seconds.
DATABASE_RETRY_AFTER_SECONDS = 10
DATABASE_SENTENCE = "The service is briefly unavailable. Please try again in a few seconds."
# The code of a file refused because the storage has no room (tenant_apps.files.validation);
# the API answers it with 507 whatever field the action put it under (api_errors).
STORAGE_FULL = "storage_full"
STORAGE_SENTENCE = "There is no room left to store files right now. Please try again later."
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}
OUTAGE_PAGE_CSP = {
    "default-src": [CSP.NONE],
    "style-src": [CSP.NONCE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}


def _causes(exc: BaseException | None):
    """``exc`` and the exceptions it was raised from or while handling, innermost last."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def database_unavailable(exc: BaseException | None) -> bool:
    """The database could not be reached or dropped the connection (restarting, stopped,
    unreachable, out of connections): worth retrying, nobody's bug. Django wraps psycopg's
    errors; a few paths (a pool, a raw connection) raise psycopg's own."""
    kinds = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
    return any(isinstance(each, kinds) for each in _causes(exc))


def disk_full(exc: BaseException | None) -> bool:
    return any(isinstance(each, OSError) and each.errno in _DISK_FULL for each in _causes(exc))


def outage_response(request, exc: BaseException | None) -> HttpResponse | None:
    """The answer to ``exc`` if it is an outage (database down, disk full), else None."""
    if database_unavailable(exc):
        response = _answer(
            request,
            status=503,
            code="service_unavailable",
            sentence=DATABASE_SENTENCE,
            template="core/database_unavailable.html",
        )
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
    if disk_full(exc):
        return _answer(
            request,
            status=507,
            code=STORAGE_FULL,
            sentence=STORAGE_SENTENCE,
            template="core/storage_full.html",
        )
    return None


def _answer(request, *, status: int, code: str, sentence: str, template: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        body = {"detail": sentence, "code": code}
        if request_id := current_request_id():
            body["request_id"] = request_id
        response = JsonResponse(body, status=status)
    else:
        # Rendered without the request: context processors (brand, people) would query the
        # database this page is about. Its policy is its own (the CSP middleware keeps a
        # header already set): nothing but its inline style.
        nonce = generate_nonce()
        context = {"sentence": sentence, "nonce": nonce}
        response = HttpResponse(loader.render_to_string(template, context), status=status)
        response[CSP.HEADER_ENFORCE] = build_policy(OUTAGE_PAGE_CSP, nonce)
    add_never_cache_headers(response)  # an outage answer is never kept by a cache
    return response


class TemporaryFileUploadHandler(uploadhandler.TemporaryFileUploadHandler):
    """Django's, deleting its temporary file as soon as writing it fails (the temporary
    folder's disk is full). Django's parser drops the file it was receiving without closing
    it, and the handler and the request refer to each other, so the partial file would
    otherwise stay, taking room, until the garbage collector got round to it."""

    def receive_data_chunk(self, raw_data, start):
        with self._deleted_on_error():
            return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        with self._deleted_on_error():  # its last buffered bytes are written here
            return super().file_complete(file_size)

    @contextmanager
    def _deleted_on_error(self):
        try:
            yield
        except OSError:
            # A NamedTemporaryFile: closing deletes it, even when its last flush fails too.
            with suppress(OSError):
                self.file.close()
            raise

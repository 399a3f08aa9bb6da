"""The API's page size and cursor refusals, shared by every pager: what a caller cannot have is
a 400 naming the query parameter, as a refused field is."""

from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

PAGE_SIZE = "page_size"


def page_size_of(request, *, default: int, maximum: int) -> int:
    """The page size asked for, else ``default``; anything but a whole number from 1 to
    ``maximum`` is refused (DRF's pagers would quietly use another)."""
    raw = request.query_params.get(PAGE_SIZE)
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise ValidationError({PAGE_SIZE: [f"Enter a whole number from 1 to {maximum}."]})
    return int(raw)


def page_size_parameter(*, default: int, maximum: int) -> dict:
    return {
        "name": PAGE_SIZE,
        "in": "query",
        "required": False,
        "description": f"Rows per page, 1 to {maximum} (default {default}).",
        "schema": {"type": "integer", "minimum": 1, "maximum": maximum},
    }


class CursorPagination(pagination.CursorPagination):
    """DRF's cursor pages, refusing a cursor they cannot read (DRF answers 404: the list exists,
    the input is wrong) and a page size out of bounds."""

    page_size_query_param = PAGE_SIZE

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None

    def get_page_size(self, request):
        return page_size_of(request, default=self.page_size, maximum=self.max_page_size)

    def get_schema_operation_parameters(self, view):
        cursor = super().get_schema_operation_parameters(view)[0]
        return [cursor, page_size_parameter(default=self.page_size, maximum=self.max_page_size)]


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's numbered pages, refusing a page that is not one (DRF answers 404 for the list
    itself) and a page size out of bounds."""

    page_size_query_param = PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as refused:
            raise ValidationError({self.page_query_param: [refused.detail]}) from None

    def get_page_size(self, request):
        return page_size_of(request, default=self.page_size, maximum=self.max_page_size)

    def get_schema_operation_parameters(self, view):
        page = super().get_schema_operation_parameters(view)[0]
        return [page, page_size_parameter(default=self.page_size, maximum=self.max_page_size)]

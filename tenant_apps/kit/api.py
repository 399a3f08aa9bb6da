"""The API's conventions, defined once: keyset and cursor pagers and the base of file
downloads (refusals as field errors: kit.api_errors)."""

import base64
import binascii
import json
from functools import reduce
from operator import or_

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, FloatField, OrderBy, Q
from django.db.models.functions import Cast
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
)
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from shared_apps.core.pagination import CursorPagination, page_size_of, page_size_parameter


def _invalid_cursor() -> serializers.ValidationError:
    return serializers.ValidationError(
        {"cursor": ["This cursor is not valid for this sort; start again without one."]}
    )


def _sort_key(item) -> OrderBy:
    if not isinstance(item, str):
        return item
    return F(item[1:]).desc() if item.startswith("-") else F(item).asc()


class Keyset(BasePagination):
    """Pages through whatever order the queryset is sorted by (a list's filter form sets it).

    The cursor holds the last row's sort keys (every sort ends with the id, so they are unique),
    so each page is one indexed query however deep it is, and requests arriving meanwhile never
    shift a page. Forward only.
    """

    page_size = 50
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = page_size_of(request, default=self.page_size, maximum=self.max_page_size)
        keys = [_sort_key(item) for item in queryset.query.order_by]
        sort = [f"{'-' if key.descending else ''}{key.expression.name}" for key in keys]
        rows = self._with_keys(queryset, keys)
        cursor = request.query_params.get("cursor")
        if cursor:
            try:
                rows = rows.filter(self._after(keys, self._decode(cursor, sort)))
            except (DjangoValidationError, ValueError, TypeError):  # a key of the wrong type
                raise _invalid_cursor() from None
        page = list(rows[: size + 1])
        self.next_cursor = None
        if len(page) > size:
            last = page[size - 1]
            after = [getattr(last, f"_key{index}") for index in range(len(keys))]
            self.next_cursor = self._encode(sort, after)
        return page[:size]

    @staticmethod
    def _with_keys(queryset, keys):
        annotations = {}
        for index, key in enumerate(keys):
            expression = key.expression
            known = queryset.query.annotations.get(expression.name)
            if known is not None and isinstance(known.output_field, FloatField):
                # The search rank is a 4-byte real; as a double it comes back from JSON exact.
                expression = Cast(expression, FloatField())
            annotations[f"_key{index}"] = expression
        return queryset.annotate(**annotations)

    @staticmethod
    def _after(keys, values) -> Q:
        """Rows that sort after one whose keys are ``values``: (k0 after v0) or (k0 = v0 and
        k1 after v1) or ... Postgres puts NULLs last ascending and first descending."""
        nothing = Q(pk__in=[])
        conditions, same = [], Q()
        for index, (key, value) in enumerate(zip(keys, values, strict=True)):
            name = f"_key{index}"
            nulls_last = key.nulls_last or not (key.descending or key.nulls_first)
            if value is None:
                after = nothing if nulls_last else Q(**{f"{name}__isnull": False})
                equal = Q(**{f"{name}__isnull": True})
            else:
                after = Q(**{f"{name}__{'lt' if key.descending else 'gt'}": value})
                if nulls_last:
                    after |= Q(**{f"{name}__isnull": True})
                equal = Q(**{name: value})
            conditions.append(same & after)
            same &= equal
        return reduce(or_, conditions)

    @staticmethod
    def _encode(sort: list[str], after: list) -> str:
        text = json.dumps({"sort": sort, "after": after}, default=lambda value: value.isoformat())
        return base64.urlsafe_b64encode(text.encode()).decode()

    @staticmethod
    def _decode(cursor: str, sort: list[str]) -> list:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        except (binascii.Error, ValueError):
            raise _invalid_cursor() from None
        if not isinstance(decoded, dict) or decoded.get("sort") != sort:
            raise _invalid_cursor()
        after = decoded.get("after")
        if not isinstance(after, list) or len(after) != len(sort):
            raise _invalid_cursor()
        return after

    def get_paginated_response(self, data):
        next_link = None
        if self.next_cursor:
            next_link = replace_query_param(
                self.request.build_absolute_uri(), "cursor", self.next_cursor
            )
        return Response({"next": next_link, "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The next page, with the same filters; null on the last.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": "From a previous page's `next` link.",
                "schema": {"type": "string"},
            },
            page_size_parameter(default=self.page_size, maximum=self.max_page_size),
        ]


class CursorPager(CursorPagination):
    """DRF's cursor pages (one indexed query at any depth), the same size everywhere."""

    page_size = 50
    max_page_size = 200


class NewestFirst(CursorPager):
    ordering = "-id"


class OldestFirst(CursorPager):
    ordering = "id"


def cursor_pager(*ordering: str) -> type[CursorPager]:
    """A cursor pager over ``ordering``, which ends with the id so the order is total."""
    assert ordering[-1] in ("id", "-id"), ordering
    return type(f"CursorPager_{'_'.join(ordering)}", (CursorPager,), {"ordering": ordering})


class FileDownloadApi(APIView):
    """Base of a download endpoint: the file is the answer whatever Accept says; refusals
    (401, 403, 404) stay JSON."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


# A stored file answers with the type sniffed from its bytes when it was uploaded.
STORED_FILE = {(200, "*/*"): OpenApiTypes.BINARY}


def download_responses(missing: str) -> dict:
    """``extend_schema(responses=...)`` of a download; ``missing`` describes its 404."""
    return {
        **STORED_FILE,
        302: OpenApiResponse(
            description="With S3 storage: to a presigned URL that expires within a minute, "
            "which answers with the same attachment headers."
        ),
        404: OpenApiResponse(description=missing),
    }

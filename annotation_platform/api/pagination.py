"""Pagination of every API list, with one rule for bad input: a 400 naming the parameter.

- ``CursorPages`` (``next``, ``previous``, ``results``) for lists that grow without bound:
  each page is a keyset query (no OFFSET, no COUNT), so page 1,000 costs what page 1 costs.
  Subclass it with the list's ``ordering``: unique (or nearly, ending in the id) and never
  changing, so a row is never skipped or repeated between pages.
- ``DefaultPagination`` (``count``, ``next``, ``previous``, ``results``) for lists with a hard
  bound, where a count and page numbers are cheap.
- ``KeysetRows`` stands in for a queryset when a hot list reads its page with hand-written
  SQL: ``CursorPages`` then pages it with exactly the cursor rules of every other list.

DRF answers a malformed page or cursor with a 404 and silently ignores a bad
``page_size``; a client with a bug should be told what is wrong instead, and where. A page
number past the last page stays a 404: that page does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination, CursorPagination, PageNumberPagination
from rest_framework.request import Request

from annotation_platform import jsonguard

WHOLE_NUMBER = re.compile(r"[0-9]+")
MAX_POSITION = 500  # characters of a cursor's position: an ordering's values, never more
T = TypeVar("T")


class _StrictPageSize:
    page_size_query_param: str | None
    max_page_size: int
    page_size: int

    def get_page_size(self, request: Request) -> int:
        name = self.page_size_query_param
        raw = request.query_params.get(name) if name else None
        if raw is None or raw == "":
            return self.page_size
        if not WHOLE_NUMBER.fullmatch(raw) or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {name: [gettext("A whole number from 1 to %(max)s.") % {"max": self.max_page_size}]}
            )
        return int(raw)

    def _document_page_size(self, parameters: list[dict]) -> list[dict]:
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"How many results per page (default {self.page_size}, "
                    f"at most {self.max_page_size})."
                )
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                }
        return parameters


class DefaultPagination(_StrictPageSize, PageNumberPagination):
    """Numbered pages with a count, for lists with a hard bound."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request: Request, view=None):
        # A page that is not a number is bad input (400); a page past the last one is a
        # page that does not exist (404, as DRF answers).
        page = request.query_params.get(self.page_query_param)
        if page not in (None, "", *self.last_page_strings) and not (
            WHOLE_NUMBER.fullmatch(page) and int(page) >= 1
        ):
            raise ValidationError({self.page_query_param: [gettext("A page number (1, 2, …).")]})
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = self._document_page_size(super().get_schema_operation_parameters(view))
        parameters[0]["schema"] = {"type": "integer", "minimum": 1}
        return parameters


class CursorPages(_StrictPageSize, CursorPagination):
    """Keyset pages for lists that grow without bound; subclasses set ``ordering``."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering: Any = ("-id",)
    cursor_query_description = "Where to continue: copy it from a page's `next` or `previous`."

    def decode_cursor(self, request: Request):
        cursor = super().decode_cursor(request)
        # A forged position is compared with a column: NUL fails the query on PostgreSQL,
        # and a position as long as the URL is no position of any row.
        position = cursor.position if cursor is not None else None
        if position is not None and jsonguard.text_problem(position, max_chars=MAX_POSITION):
            raise NotFound(gettext("Not a cursor of this list."))
        return cursor

    def paginate_queryset(self, queryset, request: Request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (NotFound, ValueError, OverflowError, DjangoValidationError) as exc:
            # A cursor that does not decode, or whose position does not fit the ordering.
            raise ValidationError(
                {self.cursor_query_param: [gettext("Not a cursor of this list: follow `next`.")]}
            ) from exc

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return self._document_page_size(super().get_schema_operation_parameters(view))


class QuerysetNeeded(Exception):
    """Raised by a ``KeysetRows`` reader for input it leaves to the ORM (a cursor position
    it cannot convert exactly as the ORM does): the caller then pages its queryset."""


class KeysetRows:
    """What ``CursorPagination.paginate_queryset`` asks of a queryset, answered by a
    hand-written query: ``order_by(*ordering)``, at most one ``filter(<field>__gt=...)`` or
    ``__lt`` on the cursor's position, and one slice. DRF's cursor logic (positions,
    offsets, reversed pages, the links) thus runs unchanged over rows that skip the ORM.

    ``read(ordering, position, offset, limit)`` returns the rows as dicts that hold each
    ordering field's value, as the model instance would, under the field's name;
    ``position`` is None or ``(field, "gt" | "lt", the cursor's text)``. It may raise
    ``QuerysetNeeded``.
    """

    def __init__(
        self,
        read: Callable[[tuple[str, ...], tuple[str, str, str] | None, int, int], list[dict]],
        ordering: tuple[str, ...] = (),
        position: tuple[str, str, str] | None = None,
    ) -> None:
        self._read = read
        self._ordering = ordering
        self._position = position

    def order_by(self, *ordering: str) -> KeysetRows:
        return KeysetRows(self._read, ordering, self._position)

    def filter(self, **lookup: str) -> KeysetRows:
        ((key, value),) = lookup.items()
        field, operator = key.rsplit("__", 1)
        return KeysetRows(self._read, self._ordering, (field, operator, value))

    def __getitem__(self, window: slice) -> list[dict]:
        return self._read(self._ordering, self._position, window.start, window.stop - window.start)


def cursor_pages(*ordering: str) -> type[CursorPages]:
    """A ``CursorPages`` class with this ordering, e.g. ``cursor_pages("-number")``."""
    return type("CursorPages", (CursorPages,), {"ordering": ordering})


def paginated(pagination_class: type[BasePagination]) -> Callable:
    """Give a function view (``@api_view``) a paginated list: the schema then documents the
    envelope and the page parameters of its GET, and ``page_of`` uses this class.

    Put it between ``@extend_schema`` and ``@api_view``.
    """

    def decorate(view):
        view.cls.pagination_class = pagination_class
        return view

    return decorate


def page_of(request: Request, rows) -> tuple[list, BasePagination]:
    """One page of ``rows`` (a queryset, or a list for ``DefaultPagination``) for the view
    handling ``request``, and the paginator that answers with the envelope:

        page, paginator = page_of(request, queryset)
        return paginator.get_paginated_response(Serializer(page, many=True).data)
    """
    view = request.parser_context["view"]
    paginator = view.pagination_class()
    return paginator.paginate_queryset(rows, request, view=view), paginator


def page_of_rows(request: Request, rows: Iterable[T], model, key: Callable[[T], int]):
    """Cursor pages over rows a service returns as a list (with the rules of what is listed
    kept in that service): the page is chosen by a keyset query on the rows' ids, so the
    envelope and cursors are those of every growing list. Returns (page rows, paginator)."""
    by_id = {key(row): row for row in rows}
    page, paginator = page_of(request, model.objects.filter(pk__in=list(by_id)))
    return [by_id[obj.pk] for obj in page], paginator

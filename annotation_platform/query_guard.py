"""The input guard for query strings, on every page and API request.

Views and filters parse query parameters in many places (``int(page)``, ids, dates,
cursors). Two values break them all the same way, wherever they land: a NUL (PostgreSQL
refuses it in a query, a 500) and a run of thousands of digits (``int()`` refuses more
than 4,300 digits with a ``ValueError``, a 500). This middleware refuses both, once, with
a 400 naming the parameter. Cursors and JSON-holding parameters get the full guard where
they are decoded (``annotation_platform.jsonguard``).

Requests without a query string (the work queue's ``next`` and submit) skip it at the
cost of one dict lookup.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext

# Far above any id, page or count this app reads, far below int()'s 4,300-digit limit.
MAX_DIGITS: Final = 100
_LONG_DIGITS: Final = re.compile(rf"[0-9]{{{MAX_DIGITS + 1}}}")


def query_problem(name: str, value: str) -> str | None:
    """Why a query parameter is refused before any view reads it, or None."""
    if "\x00" in name or "\x00" in value:
        return gettext("Contains a NUL character (%(code)s).") % {"code": "%00"}
    if len(value) > MAX_DIGITS and _LONG_DIGITS.search(value):
        return gettext("A number of more than %(max)s digits.") % {"max": MAX_DIGITS}
    return None


class QueryGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.META.get("QUERY_STRING"):
            for name, values in request.GET.lists():
                for value in values:
                    problem = query_problem(name, value)
                    if problem:
                        return _refused(request, name, problem)
        return self.get_response(request)


def _refused(request: HttpRequest, name: str, problem: str) -> HttpResponse:
    shown = name.replace("\x00", "\\u0000")[:60]
    if request.path.startswith("/api/"):
        from annotation_platform.api.errors import error_body

        body = error_body(
            "invalid", gettext("Invalid input in: %(name)s.") % {"name": shown}, {shown: [problem]}
        )
        return JsonResponse(body, status=400)
    return HttpResponseBadRequest(
        gettext("The parameter %(name)s is refused: %(problem)s")
        % {"name": repr(shown), "problem": problem}
    )

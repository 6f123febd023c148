"""Every API error has one shape: ``{"error": code, "detail": message, "fields": {...}}``.

Clients branch on ``error`` (stable, machine-readable), show ``detail`` to people and put
``fields`` next to the inputs they name. ``error`` is the same in every language; ``detail``
and the ``fields`` messages are in the request's language (accounts/language.py).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from annotation_platform.errors import DomainError


def _flatten(detail: Any) -> Any:
    """ErrorDetail objects -> plain strings, keeping the nesting (lists, dicts)."""
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def error_body(code: str, detail: str, fields: dict | None = None) -> dict:
    return {"error": code, "detail": detail, "fields": fields or {}}


def _validation_body(exc: exceptions.ValidationError) -> dict:
    detail = _flatten(exc.detail)
    if isinstance(detail, dict):
        non_field = detail.pop("non_field_errors", None)
        fields = detail
        if non_field:
            message = " ".join(non_field)
        else:
            names = ", ".join(sorted(fields))
            message = (
                _("Invalid input in: %(names)s.") % {"names": names}
                if names
                else _("Invalid input.")
            )
        return error_body("invalid", message, fields)
    if isinstance(detail, list):
        return error_body("invalid", " ".join(str(item) for item in detail))
    return error_body("invalid", str(detail))


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        # ``extra`` never replaces the three keys every error has.
        body = {**exc.extra, **error_body(exc.code, exc.detail, exc.fields)}
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real server error: let Django log it and answer 500
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail) if not isinstance(detail, (dict, list)) else str(_flatten(detail))
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        response.data = error_body(str(code), message)
    else:  # pragma: no cover - DRF only handles APIException subclasses
        response.data = error_body("error", str(exc))
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 404 for URLs no view matched: JSON in the error shape under /api/, else HTML."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    return page_not_found(request, exception)

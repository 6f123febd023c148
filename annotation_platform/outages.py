"""A 503 instead of a 500 while the database or the broker is unreachable.

When PostgreSQL restarts or Redis is down, a request fails with a connection error that
says nothing about the request itself: the client should simply try again shortly. API
clients (``/api/``) get the usual error shape with ``"error": "service_unavailable"`` and
``Retry-After``; pages get templates/503.html, which needs no database (it does not extend
the base layout, whose menu reads the session and the user).

Nothing here reconnects: Django closes a connection that raised a connection error at the
end of the request (``close_old_connections``: ``errors_occurred`` then ``is_usable``), so
the next request opens a fresh one once the server is back.

Only errors that mean "unreachable or overloaded, try again" become a 503: a lost or
refused connection (no SQLSTATE), SQLSTATE classes 08 (connection), 53 (resources, e.g.
too many connections) and 57 (operator intervention: shutdown, "starting up"), a
serialization failure or deadlock, SQLite's "database is locked", and the broker's and
Redis' connection errors. Anything else (a syntax error, a missing table) stays a 500.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from annotation_platform.api.errors import error_body

log = logging.getLogger(__name__)

RETRYABLE_SQLSTATE_CLASSES = ("08", "53", "57")
RETRYABLE_SQLSTATES = ("40001", "40P01")  # serialization failure, deadlock
DETAIL = (
    "The service is briefly unavailable (its database or job queue cannot be reached). "
    "Please try again in a moment."
)


def _broker_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = []
    try:
        from kombu.exceptions import OperationalError as KombuOperationalError

        errors.append(KombuOperationalError)
    except ImportError:  # pragma: no cover - kombu comes with celery
        pass
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        errors += [RedisConnectionError, RedisTimeoutError]
    except ImportError:  # pragma: no cover - redis is a dependency
        pass
    return tuple(errors)


BROKER_ERRORS = _broker_errors()


def _database_unreachable(exc: BaseException) -> bool:
    if isinstance(exc, InterfaceError):  # "connection already closed"
        return True
    driver_error = exc.__cause__ or exc
    if type(driver_error).__module__.startswith("sqlite3"):
        return "database is locked" in str(driver_error)
    sqlstate = getattr(driver_error, "pgcode", None)
    if sqlstate is None:
        # psycopg2 gives none when the connection failed or broke (refused, closed by
        # the server, "terminating connection due to administrator command" mid-read).
        return type(driver_error).__module__.startswith("psycopg")
    return sqlstate[:2] in RETRYABLE_SQLSTATE_CLASSES or sqlstate in RETRYABLE_SQLSTATES


def is_service_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database or the broker cannot serve now (retry later)."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return _database_unreachable(exc)
    driver_module = type(exc).__module__
    if driver_module.startswith("psycopg2") and type(exc).__name__ in {
        "OperationalError",
        "InterfaceError",
    }:
        return _database_unreachable(exc)
    return isinstance(exc, BROKER_ERRORS)


def service_unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 for ``request``: JSON under /api/, the friendly page elsewhere."""
    retry_after = str(settings.OUTAGE_RETRY_AFTER_SECONDS)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(error_body("service_unavailable", DETAIL), status=503)
    else:
        # No request context: the context processors would read the session and the user.
        try:
            body = loader.render_to_string("503.html", {"retry_after": retry_after})
        except Exception:  # e.g. no static manifest yet: the 503 must not become a 500
            log.exception("503.html could not be rendered")
            body = f"<!doctype html><title>Briefly unavailable</title><p>{DETAIL}</p>"
        response = HttpResponse(body, status=503)
    response["Retry-After"] = retry_after
    response["Cache-Control"] = "no-store"
    return response


class ServiceUnavailableMiddleware:
    """Turns a view's (or its template's) connection error into a 503 (see module)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_service_unavailable(exception):
            return None
        log.warning(
            "503 for %s %s: %s: %s",
            request.method,
            request.path,
            type(exception).__name__,
            str(exception).strip().splitlines()[0] if str(exception).strip() else "",
        )
        return service_unavailable_response(request)

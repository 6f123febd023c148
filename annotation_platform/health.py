"""``/healthz``: is the database reachable, and the broker the jobs go through?"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; say which
        return {"ok": False, "vendor": connection.vendor, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor}


def _broker() -> dict:
    if not settings.REDIS_URL:
        return {"ok": True, "kind": "in-process", "detail": "no REDIS_URL: jobs run in-process"}
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        return {
            "ok": False,
            "kind": "redis",
            "url": _redacted(settings.REDIS_URL),
            "error": type(exc).__name__,
        }
    finally:
        client.close()
    return {"ok": True, "kind": "redis", "url": _redacted(settings.REDIS_URL)}


def healthz(request: HttpRequest) -> JsonResponse:
    database, broker = _database(), _broker()
    healthy = database["ok"] and broker["ok"]
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "database": database, "broker": broker},
        status=200 if healthy else 503,
    )

"""``/healthz``: can this process serve pages? The database answers, the broker the jobs
go through answers, and (with hashed static names, i.e. DEBUG off) the process loaded a
staticfiles manifest, without which every page is a 500.

The answer names each component and says ``ok`` or ``failed``, nothing more (no versions,
addresses or error texts: the endpoint answers anyone, whatever the Host header, see
annotation_platform.operations). 200 when all are ok, 503 otherwise.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

logger = logging.getLogger(__name__)


def _database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "down"; the log says which
        logger.warning("healthz: database check failed", exc_info=True)
        return False
    return True


def _broker() -> bool:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        logger.warning("healthz: broker check failed", exc_info=True)
        return False
    finally:
        client.close()
    return True


def _static_manifest() -> bool:
    """The manifest this process loaded at start (an empty one if the file was missing then:
    collecting later does not help until the process restarts), and the file still there."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    from annotation_platform.static_manifest import manifest_path

    try:
        loaded = bool(staticfiles_storage.hashed_files)
    except ValueError:  # a corrupt manifest: the storage cannot even load
        logger.warning("healthz: the staticfiles manifest cannot be read", exc_info=True)
        return False
    return loaded and manifest_path().is_file()


def health_checks() -> dict[str, bool]:
    from annotation_platform.static_manifest import uses_manifest

    checks = {"database": _database()}
    if settings.REDIS_URL:  # without a broker, jobs run in-process: nothing to check
        checks["broker"] = _broker()
    if uses_manifest():
        checks["static_manifest"] = _static_manifest()
    return checks


def healthz(request: HttpRequest) -> JsonResponse:
    checks = health_checks()
    healthy = all(checks.values())
    response = JsonResponse(
        {
            "status": "ok" if healthy else "failed",
            "checks": {name: "ok" if ok else "failed" for name, ok in checks.items()},
        },
        status=200 if healthy else 503,
    )
    response["Cache-Control"] = "no-store"
    return response

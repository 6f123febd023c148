"""Whose "today": the time zone that figures about the day are counted in.

The platform stores and shows times in UTC. Only figures about "today" (a trainer's
submissions since their midnight) follow the person's own zone: a trainer in Auckland who
starts work at 9 a.m. is not helped by a count that resets at 1 p.m. There is no zone on
the user's account; the browser names it (``static/js/time_zone.js`` keeps
``Intl.DateTimeFormat().resolvedOptions().timeZone`` in the ``tz`` cookie) and an API client
may name it with a ``tz`` parameter. Pages fall back to UTC for a missing or unknown name
(and say which zone they used); the API answers an unknown ``tz`` with a 400.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from django.http import HttpRequest
from django.utils import timezone
from rest_framework.exceptions import ValidationError

COOKIE = "tz"
PARAMETER = "tz"
MAX_NAME = 64  # the longest IANA name is 32 characters


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    # Only names from the zone database: ZoneInfo() alone would also try to open any
    # relative path it is given.
    return frozenset(available_timezones())


def zone_named(name: str | None) -> ZoneInfo | None:
    """The zone with this IANA name (``Europe/Berlin``), or None when there is none."""
    if not name or len(name) > MAX_NAME or name not in _known():
        return None
    return ZoneInfo(name)


def request_zone(request: HttpRequest) -> ZoneInfo:
    """A page's zone: the browser's (the ``tz`` cookie), else UTC."""
    return zone_named(request.COOKIES.get(COOKIE)) or ZoneInfo("UTC")


def api_zone(request) -> ZoneInfo:
    """An API call's zone: its ``tz`` parameter (a 400 naming it when unknown), else the
    browser's cookie (session calls from the pages), else UTC."""
    name = request.query_params.get(PARAMETER)
    if name is None or name == "":
        return request_zone(request)
    zone = zone_named(name)
    if zone is None:
        raise ValidationError({PARAMETER: ["An IANA time zone name such as Europe/Berlin or UTC."]})
    return zone


def day_start(zone: ZoneInfo, now: datetime | None = None) -> datetime:
    """Midnight that began the current day in ``zone``, as an aware datetime in UTC."""
    now = now or timezone.now()
    local = now.astimezone(zone)
    midnight = datetime(local.year, local.month, local.day, tzinfo=zone)
    return midnight.astimezone(UTC)

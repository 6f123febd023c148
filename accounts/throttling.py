"""Login throttling, and the rate limit of token-authenticated API clients.

**Logins.** django-axes counts failed logins in the database: ``AccessAttempt`` holds the
failures of the last cool-off per username, client address and user agent; every failure
is also written to ``AccessFailureLog`` (with whether it locked) and every login to
``AccessLog``, the audit trail, both in the site admin. The decision is
``login_throttle_state``; ``login_attempt_check`` refuses with the reason, and every way
to log in goes through it:

- ``LoginThrottleBackend``, first in ``AUTHENTICATION_BACKENDS``, refuses inside
  ``django.contrib.auth.authenticate``, so any path that authenticates a password with a
  request (the login page, the admin's, a later dialog or API) is held by the same rule;
- the login forms (``accounts.forms``) turn the refusal into the message people read.

Failures first slow a client down, then lock it: from ``LOGIN_SLOWDOWN_AFTER`` failures
on, the next attempt must wait ``2 ** (failures - LOGIN_SLOWDOWN_AFTER)`` seconds (at most
``LOGIN_SLOWDOWN_MAX_SECONDS``) after the last failure, and at ``AXES_FAILURE_LIMIT``
failures the account (by username) and the address are locked until the cool-off has
passed since the last failure. A wait instead of a sleep: the worker is not held, and an
attempt refused for coming too soon is not checked and not counted, so a person who types
the right password a second early is told to wait, not punished. One count serves both
rules (the larger of the username's and the address's), so typing errors slow a person
down long before anything locks, while a guesser gets ``AXES_FAILURE_LIMIT`` tries per
cool-off per account and per address.

**API.** ``ApiTokenRateThrottle`` limits requests per user of a token-authenticated client
to ``API_THROTTLE_RATE`` in fixed windows counted in the shared cache (``INCRBY`` and
``EXPIRE`` in one pipeline on Redis). A process takes its allowance in small leases (at
most ``LEASE_MAX`` requests and a twentieth of the limit) and spends them without asking
again: a round trip per request cost 0.2 ms of CPU, a tenth of a ``next``. No more than
the limit is ever granted; a busy client may be refused a little early, by what other
processes still hold in leases (a few per cent of the limit). Session-authenticated calls
(the pages' own fetches) are not counted. When the cache is unreachable the limit is not
applied (logged), so an outage of Redis does not stop the work queue.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied, AxesBackendRequestParameterRequired
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_credentials, get_failure_limit
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from accounts.models import ApiToken
from annotation_platform.errors import DomainError

log = logging.getLogger(__name__)


# --- the client's address -------------------------------------------------------------


def client_ip(request: HttpRequest) -> str:
    """The address failures are counted against (``AXES_CLIENT_IP_CALLABLE``).

    ``REMOTE_ADDR`` unless the operator says a proxy of theirs sits in front
    (``TRUST_X_FORWARDED_FOR``): then the address that proxy appended to
    ``X-Forwarded-For``, counted from the right (``TRUSTED_PROXY_HOPS`` proxies). The
    left-hand entries are whatever the client sent, so they are never trusted.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if not getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    hops = max(1, int(getattr(settings, "TRUSTED_PROXY_HOPS", 1)))
    if len(forwarded) < hops:
        return remote
    return forwarded[-hops]


# --- logins ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginThrottle:
    """Where a client stands: its recent failures, and how long it must wait (0: now)."""

    failures: int
    wait_seconds: int
    locked: bool

    @property
    def allowed(self) -> bool:
        return self.wait_seconds <= 0

    @property
    def message(self) -> str:
        if self.allowed:
            return ""
        if self.locked:
            minutes = max(1, -(-self.wait_seconds // 60))
            return (
                f"Too many failed log-ins: this account or your network is locked for "
                f"{minutes} minute{'s' if minutes != 1 else ''}. Try again later, or ask a "
                "site admin to unlock it."
            )
        return (
            f"Too many failed log-ins: wait {self.wait_seconds} "
            f"second{'s' if self.wait_seconds != 1 else ''} before trying again."
        )


class LoginThrottled(DomainError):
    """A log-in refused before its password was checked."""

    status_code = 429
    code = "login_throttled"

    def __init__(self, throttle: LoginThrottle) -> None:
        super().__init__(throttle.message)
        self.throttle = throttle
        self.retry_after = throttle.wait_seconds


OPEN = LoginThrottle(failures=0, wait_seconds=0, locked=False)


def slowdown_seconds(failures: int) -> int:
    """The wait after the last failure once a client has ``failures`` of them."""
    after = settings.LOGIN_SLOWDOWN_AFTER
    if failures < after:
        return 0
    return min(2 ** (failures - after), settings.LOGIN_SLOWDOWN_MAX_SECONDS)


def login_throttle_state(*, request: HttpRequest, username: str | None) -> LoginThrottle:
    """How ``request``'s client stands for a log-in as ``username`` (two small queries).

    Counts as axes does (``AxesDatabaseHandler.get_failures``: per lockout parameter,
    the failures within the cool-off, the largest wins), and also finds the last failure,
    which the wait is measured from.
    """
    if not settings.AXES_ENABLED:
        return OPEN
    AxesProxyHandler.update_request(request)
    credentials = get_credentials(username)
    handler = AxesProxyHandler.get_implementation()
    failures, last = 0, None
    for attempts in handler.get_user_attempts(request, credentials):
        found = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        failures = max(failures, found["failures"] or 0)
        if found["last"] is not None and (last is None or found["last"] > last):
            last = found["last"]
    if not failures or last is None:
        return OPEN
    elapsed = (timezone.now() - last).total_seconds()
    if failures >= get_failure_limit(request, credentials):
        cool_off = get_cool_off(request) or timedelta(0)
        wait = cool_off.total_seconds() - elapsed
        return LoginThrottle(failures=failures, wait_seconds=max(0, _ceil(wait)), locked=True)
    wait = slowdown_seconds(failures) - elapsed
    return LoginThrottle(failures=failures, wait_seconds=max(0, _ceil(wait)), locked=False)


def login_attempt_check(*, request: HttpRequest, username: str | None) -> LoginThrottle:
    """Raise ``LoginThrottled`` unless ``request`` may try to log in as ``username`` now.

    Call it before checking a password, on every path that checks one (the
    authentication backend does, for every ``authenticate(request, ...)``).
    """
    throttle = login_throttle_state(request=request, username=username)
    if not throttle.allowed:
        raise LoginThrottled(throttle)
    return throttle


def _ceil(seconds: float) -> int:
    return int(-(-seconds // 1))


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' backend with the slow-down: refuses throttled attempts inside ``authenticate``.

    It authenticates no one itself (``ModelBackend`` follows it). A refused attempt is
    marked ``axes_locked_out`` so that axes does not count it as a new failure
    (``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT`` is off): it was never checked.
    """

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs,
    ) -> None:
        if not settings.AXES_ENABLED:
            return None
        if request is None:
            # Without a request there is no address to count: a path that checks
            # passwords must pass the request, or it would escape the throttle.
            raise AxesBackendRequestParameterRequired(
                "Log-in throttling needs the request: call authenticate(request, ...)."
            )
        try:
            login_attempt_check(request=request, username=username)
        except LoginThrottled as exc:
            request.axes_locked_out = True
            request.login_throttle = exc.throttle
            raise AxesBackendPermissionDenied(exc.detail) from exc
        return None


# --- API clients ----------------------------------------------------------------------

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_parsed_rates: dict[str, tuple[int, int] | None] = {}
_cache_down_until = 0.0
CACHE_RETRY_SECONDS = 10.0  # after a cache error, count nothing for this long


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """``"1200/min"`` -> (1200, 60); empty, ``"0"`` or ``"off"`` -> None (no limit)."""
    if rate in _parsed_rates:
        return _parsed_rates[rate]
    text = (rate or "").strip().lower()
    parsed: tuple[int, int] | None = None
    if text and text not in {"0", "off", "none"}:
        count, _, period = text.partition("/")
        try:
            parsed = (int(count), _PERIODS[period.strip()[:1]])
        except (ValueError, KeyError) as exc:
            raise ValueError(f"API_THROTTLE_RATE={rate!r}: use <count>/<s|min|hour|day>") from exc
        if parsed[0] <= 0:
            parsed = None
    _parsed_rates[rate] = parsed
    return parsed


def api_request_count(*, key: str, period: int, step: int = 1) -> int | None:
    """Count ``step`` requests in ``key``'s current window and return the count so far.

    One cache round trip. None when the cache could not be reached (the caller then
    does not limit). Django's ``incr`` needs the key to exist (``add`` first) and asks
    Redis whether it does before incrementing: three round trips where one will do.
    """
    global _cache_down_until
    if _cache_down_until and time.monotonic() < _cache_down_until:
        return None
    cache = caches["default"]
    try:
        if isinstance(cache, RedisCache):
            full_key = cache.make_key(key)  # our own keys: no need to validate them
            # Writes all go to the first server, whatever the key: keep that client (the
            # cache object is per thread) rather than build one per request.
            client = getattr(cache, "_throttle_client", None)
            if client is None:
                client = cache._throttle_client = cache._cache.get_client(write=True)
            pipe = client.pipeline(transaction=False)
            pipe.incrby(full_key, step)
            pipe.expire(full_key, period + 1)
            count, _ = pipe.execute()
            return int(count)
        # In-process caches (development, tests): no round trip to save.
        if cache.add(key, step, period + 1):
            return step
        try:
            return cache.incr(key, step)
        except ValueError:  # expired between add and incr
            cache.set(key, step, period + 1)
            return step
    except Exception:  # a rate limit must not take the API down with the cache
        _cache_down_until = time.monotonic() + CACHE_RETRY_SECONDS
        log.warning("API throttle: the cache is unreachable; not limiting", exc_info=True)
        return None


LEASE_MAX = 10
# user id -> (window, requests of this process's lease not yet spent). One entry per user
# at most; gunicorn's sync workers run one request at a time, the lock covers threads.
_leases: dict[int, tuple[int, int]] = {}
_leases_lock = threading.Lock()


def lease_size(limit: int) -> int:
    """How many requests a process reserves at once: 1 (a round trip per request, the plain
    rule) for small limits, up to ``LEASE_MAX`` for large ones."""
    return max(1, min(LEASE_MAX, limit // 20))


def api_request_allowed(*, user_id: int, window: int, limit: int, period: int) -> bool | None:
    """Whether one more request of ``user_id`` fits the limit in ``window``; None when the
    cache is unreachable. Spends this process's lease first, then reserves a new one: the
    shared count grows by the lease, and only the part of it under the limit is granted."""
    with _leases_lock:
        held = _leases.get(user_id)
        if held is not None and held[0] == window and held[1] > 0:
            _leases[user_id] = (window, held[1] - 1)
            return True
    step = lease_size(limit)
    count = api_request_count(key=f"throttle:api:{user_id}:{window}", period=period, step=step)
    if count is None:
        return None
    granted = min(step, limit - (count - step))  # the lease's part under the limit
    with _leases_lock:
        _leases[user_id] = (window, max(granted - 1, 0))
    return granted > 0


class ApiTokenRateThrottle(BaseThrottle):
    """``API_THROTTLE_RATE`` requests per window for each user of an API token."""

    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request: Request, view) -> bool:
        if not isinstance(request.auth, ApiToken):
            return True  # session (the pages' own calls) and anonymous: not counted here
        rate = parse_rate(getattr(settings, "API_THROTTLE_RATE", ""))
        if rate is None:
            return True
        limit, period = rate
        now = time.time()
        window = int(now // period)
        allowed = api_request_allowed(
            user_id=request.user.pk, window=window, limit=limit, period=period
        )
        if allowed is None or allowed:
            return True
        self._wait = (window + 1) * period - now
        return False

    def wait(self) -> float | None:
        return self._wait

"""Log-in throttling (slow-down, then lock, per account and per address) and the API limit."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import redis.client
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import authenticate
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import throttling
from accounts.throttling import client_ip, parse_rate, slowdown_seconds
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"
OTHER_ADDRESS = "198.51.100.9"


def _login(client, username, password, address=ADDRESS):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _age_failures(seconds: float) -> None:
    """Let time pass for the throttle: every recorded failure becomes older."""
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(seconds=seconds))


def _fail(client, username, times, address=ADDRESS):
    """``times`` counted failures, each after the wait the one before imposed."""
    for _ in range(times):
        _age_failures(3600 * 0.2)  # past any slow-down, inside the cool-off
        response = _login(client, username, "wrong-password", address)
        assert response.status_code in {200, 429}
    return response


# --- slow-down ----------------------------------------------------------------------


def test_failures_below_the_slowdown_leave_the_form_as_before(client, login_throttle):
    user = UserFactory()
    response = _login(client, user.username, "wrong-password")
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()
    assert _login(client, user.username, PASSWORD).status_code == 302


def test_after_a_few_failures_the_next_attempt_must_wait_and_is_not_counted(client, login_throttle):
    # given: two failures, so the next try must wait 2 ** 0 = 1 s after the last
    user = UserFactory()
    _fail(client, user.username, 1)
    response = _login(client, user.username, "wrong-password")  # the second, just now
    assert response.status_code == 429
    assert "wait 1 second before trying again" in response.content.decode()
    # the same words as a plain failure, then the wait (not Django's other wording)
    assert "Your username and password didn&#x27;t match. " in response.content.decode()
    assert "correct username and password" not in response.content.decode()
    failures = AccessAttempt.objects.get().failures_since_start
    # when: the right password, too soon
    too_soon = _login(client, user.username, PASSWORD)
    # then: refused unchecked, and not counted as a failure
    assert too_soon.status_code == 429
    assert too_soon["Retry-After"] == "1"
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get().failures_since_start == failures
    # and once the wait is over, the right password logs in
    _age_failures(1.5)
    assert _login(client, user.username, PASSWORD).status_code == 302


def test_the_wait_doubles_with_each_failure_up_to_the_cap(login_throttle):
    assert [slowdown_seconds(n) for n in range(0, 9)] == [0, 0, 1, 2, 4, 8, 16, 32, 60]


# --- lock by account ---------------------------------------------------------------


def test_an_account_is_locked_after_the_limit_even_from_another_address(client, login_throttle):
    user = UserFactory()
    response = _fail(client, user.username, 4)
    assert response.status_code == 429
    assert "locked for 15 minutes" in response.content.decode()
    # the right password, from elsewhere: still locked (the account is)
    response = _login(client, user.username, PASSWORD, address=OTHER_ADDRESS)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Too many failed log-ins: this account or your network is locked for 15 minutes" in (
        body
    )
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60
    assert "_auth_user_id" not in client.session


def test_a_lock_ends_after_the_cool_off(client, login_throttle):
    user = UserFactory()
    _fail(client, user.username, 4)
    assert _login(client, user.username, PASSWORD).status_code == 429
    _age_failures(15 * 60 + 1)
    assert _login(client, user.username, PASSWORD).status_code == 302


def test_attempts_during_a_lock_do_not_extend_it(client, login_throttle):
    user = UserFactory()
    _fail(client, user.username, 4)
    _age_failures(10 * 60)
    for _ in range(3):
        assert _login(client, user.username, "wrong-again").status_code == 429
    assert AccessAttempt.objects.get().failures_since_start == 4
    _age_failures(15 * 60 + 1)  # measured from the last counted failure
    assert _login(client, user.username, PASSWORD).status_code == 302


# --- lock by address ---------------------------------------------------------------


def test_an_address_is_locked_after_failures_across_accounts(client, login_throttle):
    # given: one failure for each of four accounts from one address
    victims = [UserFactory() for _ in range(4)]
    for victim in victims:
        _fail(client, victim.username, 1)
    someone = UserFactory()
    # when: a fifth account logs in from that address, with its right password
    response = _login(client, someone.username, PASSWORD)
    # then: refused; from another address it works
    assert response.status_code == 429
    assert "locked" in response.content.decode()
    assert _login(client, someone.username, PASSWORD, address=OTHER_ADDRESS).status_code == 302


def test_locking_only_the_pair_leaves_account_and_address_free(client, login_throttle):
    login_throttle.AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
    user = UserFactory()
    _fail(client, user.username, 4)
    assert _login(client, user.username, PASSWORD).status_code == 429
    assert _login(client, user.username, PASSWORD, address=OTHER_ADDRESS).status_code == 302


# --- audit ---------------------------------------------------------------------------


def test_failures_locks_and_logins_are_audited(client, login_throttle):
    user = UserFactory()
    assert _login(client, user.username, PASSWORD, address=OTHER_ADDRESS).status_code == 302
    client.logout()
    _fail(client, user.username, 4)
    failures = AccessFailureLog.objects.filter(username=user.username).order_by("attempt_time")
    assert [entry.locked_out for entry in failures] == [False, False, False, True]
    assert {entry.ip_address for entry in failures} == {ADDRESS}
    assert AccessLog.objects.filter(username=user.username, ip_address=OTHER_ADDRESS).exists()
    assert "wrong-password" not in AccessAttempt.objects.get().post_data


# --- the admin's log-in, and any other path --------------------------------------------


def test_the_admin_login_is_throttled_with_the_same_message(client, login_throttle):
    staff = UserFactory(is_staff=True, is_superuser=True)
    url = reverse("admin:login")
    for _ in range(4):
        _age_failures(720)
        client.post(url, {"username": staff.username, "password": "nope"}, REMOTE_ADDR=ADDRESS)
    response = client.post(
        url, {"username": staff.username, "password": PASSWORD}, REMOTE_ADDR=OTHER_ADDRESS
    )
    assert "this account or your network is locked" in response.content.decode()
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "_auth_user_id" not in client.session
    assert AccessFailureLog.objects.filter(username=staff.username, locked_out=True).exists()


def test_authenticate_itself_refuses_a_locked_account(client, login_throttle):
    user = UserFactory()
    _fail(client, user.username, 4)
    request = RequestFactory().post("/elsewhere/", REMOTE_ADDR=OTHER_ADDRESS)
    assert authenticate(request, username=user.username, password=PASSWORD) is None
    assert request.login_throttle.locked
    fresh = RequestFactory().post("/elsewhere/", REMOTE_ADDR=OTHER_ADDRESS)
    other = UserFactory()
    assert authenticate(fresh, username=other.username, password=PASSWORD) == other


def test_authenticate_without_a_request_is_refused_while_throttling(login_throttle):
    user = UserFactory()
    with pytest.raises(ValueError, match="needs the request"):
        authenticate(username=user.username, password=PASSWORD)


def test_with_the_throttle_off_nothing_is_counted(client, settings):
    user = UserFactory()
    for _ in range(12):
        _login(client, user.username, "wrong-password")
    assert _login(client, user.username, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()


# --- the client's address ------------------------------------------------------------


@pytest.mark.parametrize(
    ("trust", "hops", "forwarded", "expected"),
    [
        (False, 1, "1.1.1.1, 2.2.2.2", "10.0.0.1"),  # not behind our proxy: never believed
        (True, 1, "1.1.1.1, 2.2.2.2", "2.2.2.2"),  # the entry our proxy appended
        (True, 2, "1.1.1.1, 2.2.2.2, 3.3.3.3", "2.2.2.2"),
        (True, 2, "2.2.2.2", "10.0.0.1"),  # fewer entries than proxies: the header lies
        (True, 1, "", "10.0.0.1"),
    ],
)
def test_client_address_believes_forwarded_for_only_behind_the_operators_proxy(
    settings, trust, hops, forwarded, expected
):
    settings.TRUST_X_FORWARDED_FOR = trust
    settings.TRUSTED_PROXY_HOPS = hops
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


# --- API clients ---------------------------------------------------------------------


@pytest.fixture
def api_limit(settings):
    settings.API_THROTTLE_RATE = "3/min"
    # Counts of earlier runs (same user ids) must not leak in: a cache of this test's own.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"throttle-{uuid.uuid4().hex}",
        }
    }
    throttling._cache_down_until = 0.0
    throttling._leases.clear()  # user ids repeat between tests; leases are per process
    yield settings
    throttling._cache_down_until = 0.0
    throttling._leases.clear()


def test_a_token_client_over_the_rate_gets_a_json_429_with_retry_after(client_as, api_limit):
    api = client_as(UserFactory())
    for _ in range(3):
        assert api.get("/api/v1/me/").status_code == 200
    response = api.get("/api/v1/me/")
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60


def test_the_rate_is_per_user(client_as, api_limit):
    first, second = client_as(UserFactory()), client_as(UserFactory())
    for _ in range(3):
        first.get("/api/v1/me/")
    assert first.get("/api/v1/me/").status_code == 429
    assert second.get("/api/v1/me/").status_code == 200


def test_session_authenticated_calls_and_pages_are_not_limited(client, api_limit):
    client.force_login(UserFactory())
    for _ in range(6):
        assert client.get("/api/v1/me/").status_code == 200
        assert client.get(reverse("token-list")).status_code == 200


def test_the_api_limit_adds_no_query(client_as, api_limit):
    api = client_as(UserFactory())
    api.get("/api/v1/me/")  # token's last_used_at written once a minute: out of the way
    api_limit.API_THROTTLE_RATE = "off"
    with CaptureQueriesContext(connection) as unlimited:
        assert api.get("/api/v1/me/").status_code == 200
    api_limit.API_THROTTLE_RATE = "100/min"
    with CaptureQueriesContext(connection) as limited:
        assert api.get("/api/v1/me/").status_code == 200
    assert len(limited.captured_queries) == len(unlimited.captured_queries)


def test_an_unreachable_cache_does_not_limit(client_as, api_limit, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(throttling.caches["default"].__class__, "add", broken)
    api = client_as(UserFactory())
    for _ in range(5):
        assert api.get("/api/v1/me/").status_code == 200


@pytest.mark.redis
def test_the_limit_is_counted_in_redis_in_one_round_trip(client_as, settings, monkeypatch):
    settings.API_THROTTLE_RATE = "3/min"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    throttling._cache_down_until = 0.0
    throttling._leases.clear()
    executed = []

    real_execute = redis.client.Pipeline.execute

    def counting(self, *args, **kwargs):
        executed.append(len(self.command_stack))
        return real_execute(self, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", counting)
    api = client_as(UserFactory())
    statuses = [api.get("/api/v1/me/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert executed == [2, 2, 2, 2]  # INCR and EXPIRE, sent together, per request


@pytest.mark.parametrize(("limit", "size"), [(3, 1), (39, 1), (40, 2), (200, 10), (1200, 10)])
def test_a_lease_is_one_request_for_small_limits_and_at_most_ten(limit, size):
    assert throttling.lease_size(limit) == size


def test_leases_grant_exactly_the_limit_with_a_round_trip_per_lease(api_limit, monkeypatch):
    # given a limit of 200 a minute (leases of 10) and a count of the shared round trips
    trips = []
    real = throttling.api_request_count
    monkeypatch.setattr(
        throttling, "api_request_count", lambda **kw: trips.append(kw["step"]) or real(**kw)
    )
    # when one process asks 230 times in one window
    answers = [
        throttling.api_request_allowed(user_id=7, window=1, limit=200, period=60)
        for _ in range(230)
    ]
    # then exactly the first 200 pass, in 20 leases, and every refusal asks again
    assert answers == [True] * 200 + [False] * 30
    assert trips[:20] == [10] * 20 and len(trips) == 20 + 30


def test_a_lease_grants_only_what_other_processes_left_under_the_limit(api_limit):
    # given other processes that reserved 195 of a limit of 200 in this window
    throttling.api_request_count(key="throttle:api:8:1", period=60, step=195)
    # when this process asks
    answers = [
        throttling.api_request_allowed(user_id=8, window=1, limit=200, period=60) for _ in range(8)
    ]
    # then it gets the 5 left, never more
    assert answers == [True] * 5 + [False] * 3


def test_a_new_window_starts_a_new_lease(api_limit):
    for _ in range(200):
        throttling.api_request_allowed(user_id=9, window=1, limit=200, period=60)
    assert throttling.api_request_allowed(user_id=9, window=1, limit=200, period=60) is False
    assert throttling.api_request_allowed(user_id=9, window=2, limit=200, period=60) is True


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("1200/min", (1200, 60)), ("5/s", (5, 1)), ("100/hour", (100, 3600)), ("off", None)],
)
def test_rates_parse(rate, parsed):
    assert parse_rate(rate) == parsed


def test_a_malformed_rate_names_the_setting():
    with pytest.raises(ValueError, match="API_THROTTLE_RATE"):
        parse_rate("lots")

"""Remembered API tokens (``accounts.token_cache``): no token query for a token verified
before, and every change to a token or user seen at once, whoever makes it.

These run in autocommit (``transaction=True``), as requests do: inside a transaction (every
other test) the cache is not used at all.
"""

import select
import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import authentication, token_cache
from accounts.models import ApiToken, User
from accounts.services import api_token_create, api_token_revoke
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ME = "/api/v1/me/"


def _token_queries(captured) -> int:
    """Reads of the token (its key id is the statement's parameter); not its writes."""
    key_id = _RAW[0][len(ApiToken.PREFIX) :].split("_", 1)[0]
    return sum(key_id in q["sql"] and not q["sql"].startswith("UPDATE") for q in captured)


_RAW: list[str] = []


@pytest.fixture
def person():
    user = UserFactory(username="remembered")
    _, raw = api_token_create(user=user, name="cli")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    _RAW[:] = [raw]
    assert client.get(ME).status_code == 200  # verified once: remembered from now on
    return user, raw, client


def _calls(client, path=ME) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        status = client.get(path).status_code
    return status, _token_queries(captured)


def test_a_token_verified_before_is_not_read_again(person):
    user, _, client = person
    with CaptureQueriesContext(connection) as captured:
        response = client.get(ME)
    assert response.status_code == 200 and response.json()["username"] == user.username
    assert _token_queries(captured) == 0, captured.captured_queries


def test_each_request_gets_its_own_user_instance(person):
    _, raw, _ = person
    first = authentication._authenticate(raw)
    second = authentication._authenticate(raw)
    assert first.user == second.user and first.user is not second.user
    first.user.some_request_memo = "role"
    assert not hasattr(second.user, "some_request_memo")


def test_a_wrong_secret_with_a_known_key_is_refused(person):
    _, raw, _ = person
    prefix, secret = raw.rsplit("_", 1)
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION=f"Bearer {prefix}_{'x' * len(secret)}")
    assert forged.get(ME).status_code == 401


def test_a_revoked_token_is_refused_on_the_next_call(person):
    user, _, client = person
    api_token_revoke(token=ApiToken.objects.get(user=user))
    response = client.get(ME)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_a_token_revoked_by_another_connection_is_refused_on_the_next_call(person):
    user, _, client = person
    connected, remembered = threading.Event(), threading.Event()

    def revoke_elsewhere() -> None:
        try:
            connection.ensure_connection()
            connected.set()
            remembered.wait(10)
            ApiToken.objects.filter(user=user).update(revoked_at=timezone.now())  # no signal
        finally:
            connection.close()

    thread = threading.Thread(target=revoke_elsewhere)
    thread.start()
    assert connected.wait(10)
    assert _calls(client) == (200, 0)  # remembered
    remembered.set()
    thread.join()
    # once the notification reached this connection (PostgreSQL sends it after the commit;
    # on a busy host that can take a few milliseconds), the token is refused
    readable, _, _ = select.select([connection.connection], [], [], 10)
    assert readable
    assert client.get(ME).status_code == 401


def test_a_disabled_account_is_refused_on_the_next_call(person):
    user, _, client = person
    User.objects.filter(pk=user.pk).update(is_active=False)  # a bulk update: no signal
    response = client.get(ME)
    assert response.status_code == 401
    assert "disabled" in response.json()["detail"]


def test_a_deleted_token_is_refused_on_the_next_call(person):
    user, _, client = person
    ApiToken.objects.filter(user=user).delete()
    assert client.get(ME).status_code == 401


def test_any_other_change_to_the_user_is_read_again(person):
    user, _, client = person
    User.objects.filter(pk=user.pk).update(is_staff=True)
    assert _calls(client) == (200, 1)  # read again, with the change
    assert _calls(client) == (200, 0)


def test_a_remembered_token_that_expires_by_the_clock_is_refused(person, monkeypatch):
    user, _, client = person
    soon = timezone.now() + timedelta(minutes=5)
    ApiToken.objects.filter(user=user).update(expires_at=soon)
    assert _calls(client) == (200, 1)  # the change made it read again
    assert _calls(client) == (200, 0)  # remembered, with its expiry
    later = soon + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = client.get(ME)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_last_use_is_written_once_a_minute_and_does_not_make_others_forget(person, monkeypatch):
    user, _, client = person
    first_use = ApiToken.objects.get(user=user).last_used_at
    later = timezone.now() + timedelta(minutes=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(ME).status_code == 200
    writes = [q["sql"] for q in captured if q["sql"].startswith("UPDATE")]
    assert len(writes) == 1 and "last_used_at" in writes[0]
    assert ApiToken.objects.get(user=user).last_used_at == later > first_use
    # the write notified nobody: still remembered, and not written again within the minute
    assert _calls(client) == (200, 0)
    with CaptureQueriesContext(connection) as captured:
        client.get(ME)
    assert not any(q["sql"].startswith("UPDATE") for q in captured)


def test_a_new_connection_starts_with_nothing_remembered(person):
    _, _, client = person
    connection.close()
    assert _calls(client) == (200, 1)
    assert _calls(client) == (200, 0)


def test_inside_a_transaction_the_token_is_always_read(person):
    _, _, client = person
    with transaction.atomic():
        assert _calls(client) == (200, 1)


def test_it_is_off_when_set_to_zero(person, settings):
    _, _, client = person
    settings.API_TOKEN_CACHE_SECONDS = 0
    assert _calls(client) == (200, 1)


def test_it_forgets_a_token_after_its_time(person, monkeypatch):
    _, _, client = person
    clock = [token_cache.time.monotonic()]
    monkeypatch.setattr(token_cache.time, "monotonic", lambda: clock[0])
    assert _calls(client) == (200, 0)
    clock[0] += 301
    assert _calls(client) == (200, 1)  # read again after 300 s, and remembered anew
    clock[0] += 299
    assert _calls(client) == (200, 0)
    clock[0] += 2
    assert _calls(client) == (200, 1)


def test_a_row_read_before_others_forgot_is_not_kept(person, monkeypatch):
    """A thread that read a token while another thread forgot everything (it drained a
    change's notification) must not put back what it read: it may predate the change."""
    _, _, client = person
    token_cache.forget_all()
    real = authentication._token_with_user

    def read_while_another_thread_forgets(key_id):
        row = real(key_id)
        token_cache.forget_all()  # what another thread's drain does meanwhile
        return row

    monkeypatch.setattr(authentication, "_token_with_user", read_while_another_thread_forgets)
    assert client.get(ME).status_code == 200
    monkeypatch.setattr(authentication, "_token_with_user", real)
    assert _calls(client) == (200, 1)  # not kept: read again
    assert _calls(client) == (200, 0)


def _channels() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_listening_channels()")
        return [row[0] for row in cursor.fetchall()]


def test_only_a_connection_that_serves_api_calls_listens(person):
    _, _, client = person
    connection.close()
    assert _channels() == []  # a worker's or a command's connection never listens
    assert client.get(ME).status_code == 200
    assert _channels() == [token_cache.CHANNEL]


def test_without_the_triggers_tokens_are_read_on_every_call(person, caplog):
    _, _, client = person
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER accounts_user_changed ON accounts_user")
    try:
        connection.close()  # a new connection checks the triggers when it starts listening
        assert _calls(client) == (200, 1)
        assert _calls(client) == (200, 1)
        assert "triggers of accounts migration 0003 are missing" in caplog.text
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TRIGGER accounts_user_changed AFTER UPDATE OR DELETE ON accounts_user "
                "FOR EACH ROW EXECUTE FUNCTION accounts_api_token_changed()"
            )
        connection.close()

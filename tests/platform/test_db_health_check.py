"""The PostgreSQL backend's health check: no round trip for a healthy connection, and a
connection the server closed is still found out and replaced."""

import select

import pytest
from django.db import connection
from django.db.backends.postgresql import base as django_postgresql

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fresh_connection():
    """A persistent connection of its own, out of any transaction, checked as at the start of
    a request; closed afterwards so the next test opens a new one."""
    connection.close()
    connection.ensure_connection()
    yield connection
    connection.close()


def test_a_healthy_idle_connection_is_usable_without_asking_the_server(
    fresh_connection, monkeypatch
):
    def asked(self):
        raise AssertionError("sent SELECT 1 to a healthy connection")

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", asked)
    assert fresh_connection.is_usable()


def test_a_connection_the_server_closed_is_replaced_at_the_next_request(fresh_connection):
    with fresh_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        old_backend = cursor.fetchone()[0]
    # Another session terminates ours, as a restart or an administrator would.
    other = django_postgresql.Database.connect(**fresh_connection.get_connection_params())
    try:
        with other, other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [old_backend])
            assert cursor.fetchone()[0] is True
    finally:
        other.close()
    _wait_until_readable(fresh_connection)

    assert not fresh_connection.is_usable()
    # What a request's first query goes through: the check closes it, a new one opens.
    fresh_connection.health_check_enabled = True
    fresh_connection.health_check_done = False
    with fresh_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != old_backend


def test_mid_transaction_the_check_asks_the_server(fresh_connection, monkeypatch):
    asked = []
    monkeypatch.setattr(
        django_postgresql.DatabaseWrapper, "is_usable", lambda self: asked.append(1) or True
    )
    fresh_connection.set_autocommit(False)
    try:
        with fresh_connection.cursor() as cursor:
            cursor.execute("SELECT 1")  # opens the transaction
        assert fresh_connection.is_usable()
        assert asked == [1]
    finally:
        fresh_connection.rollback()
        fresh_connection.set_autocommit(True)


def _wait_until_readable(wrapper, seconds: float = 5.0) -> None:
    """The server's goodbye arrives a moment after pg_terminate_backend returns."""
    readable, _, _ = select.select([wrapper.connection], [], [], seconds)
    assert readable, "the terminated connection never heard from the server"

"""API tokens this process verified, remembered until any token or user changes.

Every API call authenticates, and reading its token and user costs a round trip: one of
the three statements of a steady submit, and some 10% of its CPU. So on PostgreSQL a
process remembers the tokens it verified (the token's and its user's row, by the token's
hash) for at most ``API_TOKEN_CACHE_SECONDS``, and forgets them all as soon as any token or
user row changes, whoever changed it:

- triggers (accounts migration 0003) send ``NOTIFY api_token_changes`` when a row of either
  table is updated (other than the token's ``last_used_at`` and the user's
  ``last_login``), deleted or truncated; PostgreSQL delivers it at the commit;
- each of this process's connections ``LISTEN``s from the moment it is opened (a new
  connection starts with nothing remembered), and before anything remembered is used, what
  arrived on the connection's socket is read without a round trip; any notification
  forgets everything.

A revocation or a disabled account thus takes effect as soon as its commit's notification
reaches the process's socket: PostgreSQL sends it right after the commit, which takes well
under a millisecond, a few on a busy host (a request already past its token check was
always going to finish anyway). The cache is
not used inside a transaction (notifications wait for its end; tests run in one), nor
behind PgBouncer's transaction pooling (``DISABLE_SERVER_SIDE_CURSORS``: a pooled session
cannot LISTEN), nor on SQLite. An expiry is checked against the clock at every use.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from annotation_platform.rawsql import model_values

CHANNEL = "api_token_changes"
MAX_ENTRIES = 10_000


@dataclass
class Entry:
    stored_at: float
    token: dict  # the token's field values (``rawsql.model_values``), as last verified
    user: dict  # its user's
    last_used_at: datetime | None  # as written by this process since (once a minute)


_entries: dict[str, Entry] = {}
_listening: weakref.WeakSet = weakref.WeakSet()  # driver connections that LISTEN
_lock = threading.Lock()


def _enabled(wrapper) -> bool:
    return bool(
        getattr(settings, "API_TOKEN_CACHE_SECONDS", 0)
        and wrapper.vendor == "postgresql"
        and not wrapper.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    )


def listen(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: a new connection of the default database LISTENs,
    and what was remembered goes (notifications sent while no connection listened were
    lost)."""
    if connection.alias != DEFAULT_DB_ALIAS or not _enabled(connection):
        return
    forget_all()
    with connection.cursor() as cursor:
        cursor.execute(f"LISTEN {CHANNEL}")
    _listening.add(connection.connection)


def _usable() -> bool:
    """Whether what is remembered may be used now: see the module's docstring. Reads the
    notifications that arrived, forgetting everything if there is any."""
    wrapper = connections[DEFAULT_DB_ALIAS]  # (once: each access through the proxy costs)
    if not _enabled(wrapper) or wrapper.in_atomic_block:
        return False
    if wrapper.connection is None:
        wrapper.ensure_connection()  # (a new connection: it LISTENs, nothing remembered)
    raw = wrapper.connection
    if raw not in _listening or not wrapper.autocommit:
        return False
    try:
        raw.poll()  # reads what the socket holds; never waits
    except Exception:  # the driver's error for a broken connection
        return False  # the database path meets it, and Django replaces the connection
    if raw.notifies:
        raw.notifies.clear()
        forget_all()
    return True


def lookup(token_hash: str) -> tuple[bool, Entry | None]:
    """(usable, entry): whether the cache may be used now, and what is remembered of the
    token with this hash, if anything, and not for too long. The caller builds new
    instances from the entry (``rawsql.model_from_values``): a request may annotate its
    user, and the next must not see that."""
    if not _usable():
        return False, None
    entry = _entries.get(token_hash)
    if entry is None:
        return True, None
    if time.monotonic() - entry.stored_at > settings.API_TOKEN_CACHE_SECONDS:
        _entries.pop(token_hash, None)
        return True, None
    return True, entry


def remember(token_hash: str, token) -> None:
    """Keep a token verified just now (active, with an active user)."""
    entry = Entry(time.monotonic(), model_values(token), model_values(token.user), None)
    entry.last_used_at = token.last_used_at
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[token_hash] = entry


def used(token_hash: str, when: datetime) -> None:
    """The token's ``last_used_at`` was written (which notifies nobody)."""
    entry = _entries.get(token_hash)
    if entry is not None:
        entry.last_used_at = when


def forget(token_hash: str) -> None:
    _entries.pop(token_hash, None)


def forget_all() -> None:
    with _lock:
        _entries.clear()

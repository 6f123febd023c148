"""API tokens this process verified, remembered until any token or user changes.

Every API call authenticates, and reading its token and user costs a round trip: one of
the three statements of a steady submit, and some 10% of its CPU. So on PostgreSQL a
process remembers the tokens it verified (the token's and its user's row, by the token's
hash) for at most ``API_TOKEN_CACHE_SECONDS``, and forgets them all as soon as any token or
user row changes, whoever changed it:

- triggers (accounts migration 0003) send ``NOTIFY api_token_changes`` when a row of either
  table is updated (other than the token's ``last_used_at`` and the user's
  ``last_login``), deleted or truncated; PostgreSQL delivers it at the commit;
- a connection ``LISTEN``s the first time it serves an API call (processes that never
  authenticate a token, like Celery workers, never listen), and from then on, before
  anything remembered is used, what arrived on its socket is read without a round trip;
  any notification forgets everything.

A revocation or a disabled account thus takes effect as soon as its commit's notification
reaches the process's socket: PostgreSQL sends it right after the commit, which takes well
under a millisecond, a few on a busy host (a request already past its token check was
always going to finish anyway). Threads share what is remembered, each reading its own
connection: a row read before a change is kept only if nothing was forgotten since it was
looked up (``generation``), so one thread cannot put back what another just forgot.

The cache is not used inside a transaction (notifications wait for its end; tests run in
one), behind PgBouncer's transaction pooling (``DISABLE_SERVER_SIDE_CURSORS``, which the
prepared statements need there too: a pooled session cannot LISTEN), on SQLite, or when the
triggers are missing (a database not migrated, or migrated back): a connection checks them
when it starts listening. An expiry is checked against the clock at every use.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from annotation_platform.rawsql import model_values

CHANNEL = "api_token_changes"
TRIGGERS = ("accounts_apitoken_changed", "accounts_user_changed")
MAX_ENTRIES = 10_000

log = logging.getLogger(__name__)


@dataclass
class Entry:
    stored_at: float
    token: dict  # the token's field values (``rawsql.model_values``), as last verified
    user: dict  # its user's
    last_used_at: datetime | None  # as written by this process since (once a minute)


_entries: dict[str, Entry] = {}
_generation = 0  # moves on every forget_all
_listening: weakref.WeakSet = weakref.WeakSet()  # driver connections that LISTEN
_refused: weakref.WeakSet = weakref.WeakSet()  # connections that found no triggers
_lock = threading.Lock()


def _enabled(wrapper) -> bool:
    return bool(
        getattr(settings, "API_TOKEN_CACHE_SECONDS", 0)
        and wrapper.vendor == "postgresql"
        and not wrapper.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    )


def _listen(wrapper) -> bool:
    """Make this connection LISTEN, then forget everything (notifications sent while it
    did not listen are not its to read: what was remembered before may be stale). False,
    and a warning, when the triggers that notify are missing."""
    with wrapper.cursor() as cursor:
        cursor.execute(  # one round trip (psycopg2 sends both statements at once)
            f"LISTEN {CHANNEL}; "  # noqa: S608 (a constant)
            "SELECT count(DISTINCT tgname) FROM pg_trigger WHERE tgname = ANY(%s)",
            [list(TRIGGERS)],
        )
        found = cursor.fetchone()[0]
    if found != len(TRIGGERS):
        _refused.add(wrapper.connection)
        log.warning(
            "API tokens are read on every call: the triggers of accounts migration 0003 "
            "are missing, so changes to tokens and users would not be announced."
        )
        return False
    _listening.add(wrapper.connection)
    forget_all()
    return True


def _usable() -> bool:
    """Whether what is remembered may be used now: see the module's docstring. Reads the
    notifications that arrived, forgetting everything if there is any."""
    wrapper = connections[DEFAULT_DB_ALIAS]  # (once: each access through the proxy costs)
    if not _enabled(wrapper) or wrapper.in_atomic_block:
        return False
    wrapper.ensure_connection()
    raw = wrapper.connection
    if not wrapper.autocommit or raw in _refused:
        return False
    if raw not in _listening:
        return _listen(wrapper)
    try:
        raw.poll()  # reads what the socket holds; never waits
    except Exception:  # the driver's error for a broken connection
        return False  # the database path meets it, and Django replaces the connection
    if raw.notifies:
        raw.notifies.clear()
        forget_all()
    return True


def lookup(token_hash: str) -> tuple[int | None, Entry | None]:
    """(generation, entry): None when the cache may not be used now, else the generation
    to pass to ``remember``; and what is remembered of the token with this hash, if
    anything, and not for too long. The caller builds new instances from the entry
    (``rawsql.model_from_values``): a request may annotate its user, and the next must not
    see that."""
    if not _usable():
        return None, None
    generation = _generation
    entry = _entries.get(token_hash)
    if entry is None:
        return generation, None
    if time.monotonic() - entry.stored_at > settings.API_TOKEN_CACHE_SECONDS:
        _entries.pop(token_hash, None)
        return generation, None
    return generation, entry


def remember(token_hash: str, token, generation: int) -> None:
    """Keep a token verified just now (active, with an active user), read after
    ``lookup`` gave ``generation``: unless something was forgotten since, since the row
    may predate that change."""
    entry = Entry(time.monotonic(), model_values(token), model_values(token.user), None)
    entry.last_used_at = token.last_used_at
    with _lock:
        if generation != _generation:
            return
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
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()

"""Django's PostgreSQL backend, with a health check that costs no round trip.

With persistent connections (``CONN_MAX_AGE``) and ``CONN_HEALTH_CHECKS``, Django checks a
connection at its first use in every request by sending ``SELECT 1``: a round trip per
request, which on the work queue's endpoints cost more CPU than some of their own queries
(about 15% of a gunicorn worker's time under W2 load, in py-spy). A connection that the
server closed (restart, ``pg_terminate_backend``, idle timeout) has the server's goodbye,
or the end of the stream, waiting on its socket; a healthy idle connection has nothing.
So: nothing to read means healthy, and only when there is something does the check ask
the server as Django does. Like ``SELECT 1``, this cannot see a peer that vanished without
a word (a network cut); TCP keepalives are for that.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg2 import extensions


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:
            return False
        if connection.info.transaction_status != extensions.TRANSACTION_STATUS_IDLE:
            return super().is_usable()  # mid-transaction or unknown: ask the server
        try:
            readable, _, _ = select.select([connection], [], [], 0)
        except (OSError, ValueError):  # the socket is gone
            return False
        if readable:
            return super().is_usable()
        return True

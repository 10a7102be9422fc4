"""Django's PostgreSQL backend with a health check that costs no round trip.

Django checks a kept connection (`CONN_HEALTH_CHECKS`) before a request's first query with
a `SELECT 1`: a round trip to the server on every request, about what `/healthz` itself
costs. What the check is for is a connection the server has closed (a restart, an idle
session ended, a backend terminated): the server then says so (a FATAL message) and closes
the socket, and an idle connection's socket, which has nothing to read while the server is
silent, becomes readable. So the check here asks the socket first, without waiting, and
sends the `SELECT 1` only when something arrived or the connection is not idle; a quiet
idle socket is a usable connection (README › Performance: connections).
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status == TransactionStatus.IDLE and not _readable(
            connection
        ):
            return True
        return super().is_usable()  # something arrived, or not idle: the round trip


def _readable(connection) -> bool:
    """Whether the connection's socket has something to read, without waiting."""
    try:
        poller = select.poll()
        poller.register(connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True  # can't tell: let the query decide

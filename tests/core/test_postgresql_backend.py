"""`marketplace.core.postgresql`: the kept connection's health check asks the socket
before it sends a `SELECT 1` (README › Performance: connections)."""

from __future__ import annotations

import select
import time

import pytest
from django.db import connection, connections
from django.db.backends.postgresql import base as django_base

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def terminate_backend_of(conn) -> int:
    """Terminate `conn`'s server process from another connection and wait until its
    socket says so (the server's FATAL and close arrive a moment after)."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    poller = select.poll()
    poller.register(conn.connection.fileno(), select.POLLIN)
    deadline = time.monotonic() + 5
    while not poller.poll(50) and time.monotonic() < deadline:
        pass
    return pid


@pytest.fixture
def round_trips(monkeypatch):
    """Counts the `SELECT 1` checks (Django's `is_usable`)."""
    calls = []
    real = django_base.DatabaseWrapper.is_usable

    def spy(self):
        calls.append(self.alias)
        return real(self)

    monkeypatch.setattr(django_base.DatabaseWrapper, "is_usable", spy)
    return calls


def test_the_backend_is_ours_on_postgresql():
    assert type(connections["default"]).__module__ == "marketplace.core.postgresql.base"
    assert connection.vendor == "postgresql"


def test_a_quiet_idle_connection_is_usable_without_a_round_trip(round_trips):
    connection.ensure_connection()
    assert connection.is_usable() is True
    assert round_trips == []


def test_a_terminated_backend_is_found_and_replaced(round_trips):
    connection.ensure_connection()
    pid = terminate_backend_of(connection)
    assert connection.is_usable() is False
    assert round_trips == ["default"]  # something arrived: the query decided
    # What the next request does: the check fails, the connection is replaced.
    connection.health_check_enabled = True
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_inside_a_transaction_the_check_is_the_query(round_trips):
    from django.db import transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        assert connection.is_usable() is True
    assert round_trips == ["default"]


def test_a_closed_connection_is_not_usable():
    connection.ensure_connection()
    connection.connection.close()
    assert connection.is_usable() is False
    connection.close()

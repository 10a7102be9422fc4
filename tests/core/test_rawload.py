"""`marketplace.core.rawload`'s prepared statements on a kept connection."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dropped_connection_is_replaced_before_a_prepared_statement():
    """README › Performance: connections: a kept connection the database dropped costs
    one failed health check at the next request, never a failed request — also when the
    request's first statement is a prepared one (`rawload`)."""
    from django.db import connections

    from marketplace.core import rawload

    pid = rawload.fetch("SELECT pg_backend_pid()", [], prepare=True)[0][0]
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    connection.close_if_unusable_or_obsolete()  # what the next request starts with
    assert rawload.fetch("SELECT 1 WHERE 1 = %s", [1], prepare=True) == [(1,)]
    assert rawload.fetch("SELECT pg_backend_pid()", [], prepare=True)[0][0] != pid

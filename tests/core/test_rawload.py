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

    from marketplace.core import rawload
    from tests.core.test_postgresql_backend import terminate_backend_of

    rawload.fetch("SELECT 1 WHERE 1 = %s", [1], prepare=True)
    pid = terminate_backend_of(connection)
    connection.close_if_unusable_or_obsolete()  # what the next request starts with
    assert rawload.fetch("SELECT 1 WHERE 1 = %s", [1], prepare=True) == [(1,)]
    assert rawload.fetch("SELECT pg_backend_pid()", [], prepare=True)[0][0] != pid


def test_prepared_statements_are_sent_with_numbered_placeholders():
    """`%s` become $1, $2, ... once per statement text (psycopg's RawCursor sends the
    text as it is, however long); `%%` is a literal percent sign."""
    from marketplace.core.rawload import _numbered

    assert _numbered("SELECT %s, %s WHERE a LIKE 'x%%' AND b = %s") == (
        "SELECT $1, $2 WHERE a LIKE 'x%' AND b = $3"
    )
    assert _numbered("SELECT 1") == "SELECT 1"


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_long_prepared_statement_with_many_parameters_runs():
    from marketplace.core import rawload

    values = list(range(120))
    sql = "SELECT " + ", ".join(["%s::int"] * len(values)) + " WHERE 'a%%' LIKE 'a%%'"
    assert rawload.fetch(sql, values, prepare=True) == [tuple(values)]

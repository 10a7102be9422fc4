"""Model instances from hand-written SQL, for the few reads on the hottest pages.

Building a query with the ORM (compiling lookups, joins, `select_related`, the prefetch
machinery) costs several times what the database takes to answer it: on the product
page it was 13 ms of Python for seven queries the database answers in well under 1 ms
(README › Performance). Where a read is that hot and that fixed, its SQL is written
once and its rows become ordinary model instances here, with the same value
conversions the ORM applies (each backend's and each field's database converters), so
templates, forms and services cannot tell them from the ORM's.

    PRODUCT = Columns(Product, "p")
    sql = f"SELECT {PRODUCT.sql} FROM catalog_product p WHERE p.id = %s"
    product = PRODUCT.build(row)               # the first len(PRODUCT) values of row
    seller = SELLER.build(row, len(PRODUCT))   # the next ones, for a joined table
    related(product, "seller", seller)         # as select_related leaves it
    prefetched(version, "specs", specs)        # as prefetch_related leaves it

The SQL is portable (quoted names, `%s` parameters): the same text runs on SQLite.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet
from django.db.models.fields.related_descriptors import ManyToManyDescriptor


class Columns:
    """A model's concrete columns under a table alias, and rows back into instances."""

    def __init__(self, model: type[Model], alias: str):
        self.model = model
        self.alias = alias
        self.fields = list(model._meta.concrete_fields)
        quote = connection.ops.quote_name
        self.sql = ", ".join(f"{quote(alias)}.{quote(f.column)}" for f in self.fields)
        self._pk_position = self.fields.index(model._meta.pk)
        self._converters: dict[str, list] = {}  # per database vendor

    def __len__(self) -> int:
        return len(self.fields)

    def converters(self, db: BaseDatabaseWrapper | None = None) -> list[tuple[int, list, object]]:
        """(position, converters, expression) for the columns that need converting,
        the same list the ORM's compiler builds for a SELECT of these columns."""
        db = db or connections[DEFAULT_DB_ALIAS]
        found = self._converters.get(db.vendor)
        if found is None:
            found = []
            for position, field in enumerate(self.fields):
                column = field.get_col(self.alias)
                chain = db.ops.get_db_converters(column) + column.get_db_converters(db)
                if chain:
                    found.append((position, chain, column))
            self._converters[db.vendor] = found
        return found

    def build(self, row: Sequence, start: int = 0) -> Model | None:
        """The instance from `row[start:start + len(self)]`; None when its primary key
        is NULL (a LEFT JOIN that found nothing)."""
        values = list(row[start : start + len(self.fields)])
        if values[self._pk_position] is None:
            return None
        # The connection itself, not the `connection` proxy: each attribute read through
        # the proxy looks the connection up again (a few microseconds, per row).
        db = connections[DEFAULT_DB_ALIAS]
        for position, chain, column in self.converters(db):
            value = values[position]
            for converter in chain:
                value = converter(value, column, db)
            values[position] = value
        return self.model.from_db(db.alias, None, values)

    def build_all(self, rows: Iterable[Sequence], start: int = 0) -> list[Model]:
        return [self.build(row, start) for row in rows]


def build_joined(row: Sequence, joins: Iterable[Columns]) -> tuple[list, Sequence]:
    """The instances of a row of `select(*joins, ...)`, one per `Columns` in order
    (None for a LEFT JOIN that found nothing), and the row's values after them (the
    JSON columns and expressions selected last)."""
    built, offset = [], 0
    for columns in joins:
        built.append(columns.build(row, offset))
        offset += len(columns)
    return built, row[offset:]


def json_rows(*columns: Columns, tail: str) -> str:
    """A subquery (correlated through `tail`'s WHERE, as a rule) giving the rows of
    `SELECT <columns> <tail>` as one JSON text, an array of arrays: the child rows of
    a page come with their parent row, in one round trip. Order: none; sort them after
    `from_json`. The column lists come from the models' metadata, never from input."""
    listed = ", ".join(c.sql for c in columns)
    if connection.vendor == "postgresql":
        rows = f"COALESCE(json_agg(json_build_array({listed})), '[]')::text"
    else:
        rows = f"json_group_array(json_array({listed}))"
    return f"(SELECT {rows} {tail})"  # noqa: S608


def from_json(text: str) -> list[list]:
    """The rows of a `json_rows` column. Numbers with a fraction are decimals on
    PostgreSQL (numeric columns; its backend converts nothing) and floats elsewhere
    (SQLite's converters make their decimals from floats), as each backend's own rows
    would have them."""
    parse_float = Decimal if connection.vendor == "postgresql" else float
    return json.loads(text, parse_float=parse_float)


def select(*columns: Columns | str, tail: str) -> str:
    """`SELECT <columns> <tail>`: each `Columns`' list, or a raw SQL expression.
    The column lists come from the models' metadata, never from input."""
    listed = ", ".join(c.sql if isinstance(c, Columns) else c for c in columns)
    return f"SELECT {listed} {tail}"  # noqa: S608


def fetch(sql: str, params: Sequence, *, prepare: bool = False) -> list[tuple]:
    """The rows of `sql`. `prepare`: on PostgreSQL, as a prepared statement of the
    connection (psycopg prepares it on first use and keeps it while the connection
    lives), so that a query that takes the planner longer than the executor (joins and
    subqueries fetching one product) is planned once per connection, not per request.
    Logged like any query (Django's query log, the tests' query counts)."""
    db = connections[DEFAULT_DB_ALIAS]  # see Columns.build
    if prepare and db.vendor == "postgresql":
        return _run_prepared(db, sql, params).fetchall()
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql: str, params: Sequence, *, prepare: bool = False) -> int:
    """Run `sql`, an UPDATE, INSERT or DELETE, and return how many rows it changed.
    `prepare` and the query log as for `fetch`: a hot fixed write (one conditional
    UPDATE on every API request) costs neither the ORM's query building nor a plan.
    Parameters are the database's values: adapt datetimes with the field's
    `get_db_prep_value(value, connection)` as the ORM would (SQLite stores text)."""
    db = connections[DEFAULT_DB_ALIAS]
    if prepare and db.vendor == "postgresql":
        return _run_prepared(db, sql, params).rowcount
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _run_prepared(db: BaseDatabaseWrapper, sql: str, params: Sequence):
    """The connection's one server-binding cursor, having run `sql` as a prepared
    statement (its results are read before the next statement runs: `fetch` and
    `execute` read them at once). One cursor per connection, not one per statement:
    a checkout sends a dozen of these (README › Performance: checkout). Database errors
    come out as Django's (IntegrityError, ...), and the statement is logged when Django
    logs queries."""
    # As Django's own cursors: the kept connection is checked once per request (a
    # restarted database costs one failed check, not a failed request), then opened.
    db.close_if_health_check_failed()
    if db.connection is None:
        db.ensure_connection()
    raw = db.connection
    kept = getattr(db, "_rawload_cursor", None)
    if kept is None or kept[0] is not raw or kept[1].closed:
        from psycopg import RawCursor

        kept = db._rawload_cursor = (raw, RawCursor(raw))
    cursor = kept[1]
    logged = db.queries_logged
    started = time.monotonic() if logged else 0.0
    with db.wrap_database_errors:
        cursor.execute(_numbered(sql), params, prepare=True)
    if logged:
        db.queries_log.append(
            {"sql": f"{sql} -- {list(params)!r}", "time": f"{time.monotonic() - started:.3f}"}
        )
    return cursor


_PLACEHOLDER = re.compile(r"%[s%]")


@cache
def _numbered(sql: str) -> str:
    """`sql` with PostgreSQL's own placeholders ($1, $2, ...) for `%s` (and `%` for
    `%%`), for psycopg's `RawCursor`, which sends the text as it is. The cursor that
    takes `%s` parses the text on every execution when it is longer than 4 kB or has
    more than 50 parameters (psycopg caches only shorter ones): a checkout's INSERT of
    the order, its agreement and its history rows has both, and parsing it cost more
    than sending it (README › Performance: checkout)."""
    numbers = iter(range(1, sql.count("%s") + 1))
    return _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)


def related(instance: Model, name: str, value: Model | None) -> None:
    """Cache `value` as `instance.<name>` (a forward foreign key or one-to-one), as
    `select_related` does: reading it costs no query."""
    instance._state.fields_cache[name] = value


def prefetched(instance: Model, name: str, objects: list[Model]) -> None:
    """Cache `objects` as `instance.<name>.all()` (a reverse foreign key or a
    many-to-many), as `prefetch_related` does: iterating it costs no query. Both
    related managers look their prefetched rows up under the accessor's name."""
    descriptor = getattr(type(instance), name)
    if isinstance(descriptor, ManyToManyDescriptor):
        model = descriptor.rel.related_model if descriptor.reverse else descriptor.rel.model
    else:  # a reverse foreign key
        model = descriptor.rel.related_model
    queryset = QuerySet(model=model)
    queryset._result_cache = objects
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = queryset

"""INSERT and UPDATE of model instances without the ORM's statement building, for the
few writes of the hottest transaction (a checkout: README › Performance: checkout).

`Model.save()` compiles its statement anew on every call (field lists, placeholders,
the compiler's machinery): a fraction of a millisecond of Python per row, several times
what the database takes to write it. Here each model's statement is written once per
process and sent as a prepared statement on PostgreSQL (`rawload.fetch`/`execute`):

    insert(order)                          # like order.save() of a new row: sets its pk
    insert(order, ignore_conflicts=True)   # False, and no pk, when a unique key refused it
    insert_many(history_rows)              # one INSERT of a few new rows, pks set
    insert_all([order, agreement, *rows])  # rows of several models: one statement
    update(order, ["status", "paid_at"])   # like order.save(update_fields=[...])

The values are what `save()` would send: each field's `pre_save` (auto_now,
auto_now_add) and `get_db_prep_save`. Signals are not sent, so a model with pre_save or
post_save receivers is refused (use `save()`), as is a model with a `save()` of its
own (unless its `save()` only guards changes and the class says `RAWSAVE_INSERTS = True`:
inserts are then allowed, updates still refused), one inheriting concrete fields from
a parent table, and a field with a database default.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.db.models.signals import post_save, pre_save

from marketplace.core import rawload

__all__ = [
    "MANY",
    "insert",
    "insert_all",
    "insert_many",
    "insert_pair",
    "insert_with",
    "update",
    "update_and_insert_many",
]

MANY = 16  # insert_many: rows in one hand-built statement; more go through bulk_create


def _check(model: type[Model]) -> None:
    meta = model._meta
    if model.save is not Model.save and not getattr(model, "RAWSAVE_INSERTS", False):
        raise TypeError(f"{meta.label}: has a save() of its own; use save()")
    if meta.parents:
        raise TypeError(f"{meta.label}: a child of another table; use save()")
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        raise TypeError(f"{meta.label}: has save signal receivers; use save()")
    if any(getattr(f, "has_db_default", lambda: False)() for f in meta.concrete_fields):
        raise TypeError(f"{meta.label}: a field has a database default; use save()")


@cache
def _insert_sql(model: type[Model], vendor: str, with_pk: bool, rows: int, ignore: bool):
    """The INSERT of `rows` new rows and the fields whose values it takes, in order."""
    _check(model)
    meta = model._meta
    fields = [f for f in meta.local_concrete_fields if with_pk or f is not meta.auto_field]
    q = connections[DEFAULT_DB_ALIAS].ops.quote_name
    columns = ", ".join(q(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    conflict = " ON CONFLICT DO NOTHING" if ignore else ""
    sql = (
        f"INSERT INTO {q(meta.db_table)} ({columns}) VALUES "  # noqa: S608
        f"{', '.join([row] * rows)}{conflict} RETURNING {q(meta.pk.column)}"
    )
    return sql, fields


def insert(obj: Model, *, ignore_conflicts: bool = False) -> bool:
    """INSERT `obj` as a new row, as `obj.save()` would, and set its primary key.
    `ignore_conflicts`: a row a unique constraint refuses is not written (no error, no
    savepoint needed): False is returned and `obj` stays unsaved."""
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: its proxy costs per use
    model = type(obj)
    with_pk = obj.pk is not None
    sql, fields = _insert_sql(model, db.vendor, with_pk, 1, ignore_conflicts)
    obj._prepare_related_fields_for_save(operation_name="save")
    values = [f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields]
    rows = rawload.fetch(sql, values, prepare=True)
    if not rows:
        return False
    if not with_pk:
        obj.pk = rows[0][0]
    obj._state.adding = False
    obj._state.db = db.alias
    return True


def insert_many(objs: Sequence[Model]) -> None:
    """INSERT new rows of one model in one statement, as `bulk_create` would, and set
    their primary keys (in list order, as the rows are written). One statement text per
    model and row count, each prepared on PostgreSQL: for the few rows of one
    transaction (a checkout's history). More than `MANY` rows (a sweep's batch) go
    through `bulk_create`: a prepared statement per row count would not pay."""
    if not objs:
        return
    if len(objs) > MANY:
        type(objs[0])._default_manager.bulk_create(objs)
        return
    db = connections[DEFAULT_DB_ALIAS]
    sql, values = _insert_many_parts(objs, db)
    _keys_set(objs, rawload.fetch(sql, values, prepare=True), db)


def _insert_many_parts(objs: Sequence[Model], db) -> tuple[str, list]:
    model = type(objs[0])
    sql, fields = _insert_sql(model, db.vendor, False, len(objs), False)
    values = []
    for obj in objs:
        if type(obj) is not model or obj.pk is not None:
            raise TypeError("insert_many: new rows of one model")
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        values.extend(f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields)
    return sql, values


def _keys_set(objs: Sequence[Model], rows: list, db) -> None:
    for obj, (pk,) in zip(objs, rows, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = db.alias


def update_and_insert_many(obj: Model, fields: Sequence[str], objs: Sequence[Model]) -> None:
    """`update(obj, fields)`, then `insert_many(objs)`: one statement on PostgreSQL
    (`WITH u AS (UPDATE ...) INSERT ...`: a paid order's row and its history rows), two
    elsewhere or for more than `MANY` rows."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql" or not objs or len(objs) > MANY:
        update(obj, fields)
        insert_many(objs)
        return
    update_sql, update_values = _update_parts(obj, fields, db)
    insert_sql, insert_values = _insert_many_parts(objs, db)
    rows = rawload.fetch(
        f"WITH u AS ({update_sql}) {insert_sql}", [*update_values, *insert_values], prepare=True
    )
    _keys_set(objs, rows, db)


def insert_all(objs: Sequence[Model]) -> None:
    """INSERT new rows of several models, as `insert_many` would each run of rows of
    one model (in list order), and set their primary keys. Rows that have their primary
    key already (reserved from the table's sequence) are inserted with it. One statement
    on PostgreSQL (`WITH g0 AS (INSERT ...), g1 AS (INSERT ...) SELECT ...`), one per run
    elsewhere. Foreign keys between the rows must name keys known before (PostgreSQL
    checks them at commit)."""
    groups: list[list[Model]] = []
    for obj in objs:
        last = groups[-1] if groups else None
        if last and type(last[0]) is type(obj) and (last[0].pk is None) == (obj.pk is None):
            last.append(obj)
        else:
            groups.append([obj])
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql" or any(len(group) > MANY for group in groups):
        for group in groups:
            if group[0].pk is not None:
                for obj in group:
                    insert(obj)
            else:
                insert_many(group)
        return
    parts, values = [], []
    for group in groups:
        model = type(group[0])
        sql, fields = _insert_sql(model, db.vendor, group[0].pk is not None, len(group), False)
        for obj in group:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
            values.extend(f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields)
        parts.append(sql)
    ctes = ", ".join(f"g{n} AS ({sql})" for n, sql in enumerate(parts))
    q = db.ops.quote_name
    picked = " UNION ALL ".join(
        f"SELECT {n} AS g, {q(type(group[0])._meta.pk.column)} AS pk FROM g{n}"  # noqa: S608
        for n, group in enumerate(groups)
    )
    rows = rawload.fetch(f"WITH {ctes} {picked}", values, prepare=True)
    keys: list[list] = [[] for _group in groups]
    for n, pk in rows:
        keys[n].append((pk,))
    for group, group_keys in zip(groups, keys, strict=True):
        _keys_set(group, group_keys, db)


@cache
def _update_sql(model: type[Model], vendor: str, names: tuple[str, ...]) -> tuple:
    _check(model)
    if model.save is not Model.save:
        raise TypeError(f"{model._meta.label}: has a save() of its own; use save()")
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    for f in fields:
        if not f.concrete or f.primary_key or f.model is not model:
            raise TypeError(f"{meta.label}.{f.name}: not a column of its own table")
    q = connections[DEFAULT_DB_ALIAS].ops.quote_name
    sets = ", ".join(f"{q(f.column)} = %s" for f in fields)
    sql = f"UPDATE {q(meta.db_table)} SET {sets} WHERE {q(meta.pk.column)} = %s"  # noqa: S608
    return sql, fields


def update(obj: Model, fields: Sequence[str]) -> int:
    """UPDATE the columns `fields` of `obj`'s row, as `obj.save(update_fields=fields)`
    would (auto_now fields named are set now); returns the rows changed (0: none)."""
    sql, values = _update_parts(obj, fields, connections[DEFAULT_DB_ALIAS])
    return rawload.execute(sql, values, prepare=True)


def _update_parts(obj: Model, fields: Sequence[str], db) -> tuple[str, list]:
    sql, found = _update_sql(type(obj), db.vendor, tuple(fields))
    obj._prepare_related_fields_for_save(operation_name="save", fields=found)
    values = [f.get_db_prep_save(f.pre_save(obj, False), db) for f in found]
    values.append(obj._meta.pk.get_db_prep_value(obj.pk, db))
    return sql, values


def insert_with(obj: Model, *, before: str, params: Sequence, taken: dict[str, str]) -> bool:
    """PostgreSQL only: run `before` (an UPDATE ... RETURNING, say) and INSERT `obj` in
    the same statement, the fields named in `taken` getting the columns `before`
    returned (field name -> returned column): `WITH b AS (<before>) INSERT ... SELECT
    ... FROM b`. One round trip for a change and the row that records it (a balance and
    its ledger entry). False, and nothing inserted, when `before` returned no row;
    else `obj` has its primary key and the taken values."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        raise TypeError("insert_with needs PostgreSQL (a data-modifying WITH)")
    model = type(obj)
    sql, fields = _insert_with_sql(model, db.vendor, before, tuple(sorted(taken.items())))
    own = [f for f in fields if f.name not in taken]
    obj._prepare_related_fields_for_save(operation_name="save", fields=own)
    values = [f.get_db_prep_save(f.pre_save(obj, True), db) for f in own]
    rows = rawload.fetch(sql, [*params, *values], prepare=True)
    if not rows:
        return False
    obj.pk = rows[0][0]
    for (name, _column), value in zip(sorted(taken.items()), rows[0][1:], strict=True):
        setattr(obj, model._meta.get_field(name).attname, value)
    obj._state.adding = False
    obj._state.db = db.alias
    return True


def insert_pair(parent: Model, child: Model, *, link: str, ignore_conflicts: bool = False) -> bool:
    """INSERT `parent` and `child`, whose foreign key `link` gets the parent's new primary
    key (leave it unset): one statement on PostgreSQL (`insert_with`), two elsewhere.
    `ignore_conflicts` as for `insert`: when a unique constraint refuses the parent,
    neither row is written and False is returned."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        if not insert(parent, ignore_conflicts=ignore_conflicts):
            return False
        setattr(child, link, parent)
        insert(child)
        return True
    sql, fields = _insert_sql(type(parent), db.vendor, parent.pk is not None, 1, ignore_conflicts)
    parent._prepare_related_fields_for_save(operation_name="save")
    values = [f.get_db_prep_save(f.pre_save(parent, True), db) for f in fields]
    taken = {link: parent._meta.pk.column}
    if not insert_with(child, before=sql, params=values, taken=taken):
        return False
    parent.pk = getattr(child, child._meta.get_field(link).attname)
    parent._state.adding = False
    parent._state.db = db.alias
    setattr(child, link, parent)
    return True


@cache
def _insert_with_sql(model: type[Model], vendor: str, before: str, taken: tuple) -> tuple:
    _check(model)
    meta = model._meta
    from_before = dict(taken)
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    q = connections[DEFAULT_DB_ALIAS].ops.quote_name
    columns = ", ".join(q(f.column) for f in fields)
    picked = ", ".join(
        f"b.{q(from_before[f.name])}" if f.name in from_before else "%s" for f in fields
    )
    returned = ", ".join(q(meta.get_field(name).column) for name, _column in taken)
    sql = (
        f"WITH b AS ({before}) INSERT INTO {q(meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT {picked} FROM b RETURNING {q(meta.pk.column)}, {returned}"
    )
    return sql, fields

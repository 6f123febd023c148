"""Hand-written SQL for the hot paths (the work queue, the permission gate, API tokens):
model instances from raw rows, converted exactly as the ORM converts them, and statements
prepared once per PostgreSQL connection. Every app's hot path uses these; nothing here
knows a model of ours."""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init


def model_columns(model: type[Model], alias: str) -> str:
    """The model's columns, in ``model_from_row``'s order, for a hand-written SELECT."""
    key = (model, alias, connection.vendor)
    found = _COLUMNS.get(key)
    if found is None:
        quote = connection.ops.quote_name
        found = _COLUMNS[key] = ", ".join(
            f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields
        )
    return found


def model_from_row(model: type[Model], values) -> Model:
    """An instance from the columns ``model_columns`` listed, converted as the ORM converts
    them (JSON; SQLite's dates and booleans), as if a queryset had read it."""
    converted = []
    for (column, converters), value in zip(_converters(model), values, strict=True):
        if value is not None:
            for convert in converters:
                value = convert(value, column, connection)
        converted.append(value)
    if not _plain_fields(model):
        return model.from_db(connection.alias, _attnames(model), converted)
    # What ``from_db`` builds, without ``Model.__init__``'s per-field work and its two
    # signals (nobody listens: checked): ~40% of this function's time on the hot path.
    instance = model.__new__(model)
    instance.__dict__.update(zip(_attnames(model), converted, strict=True))
    instance._state = ModelState()
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


def model_values(instance: Model) -> dict[str, Any]:
    """The field values of an instance (attname -> value), for ``model_from_values``."""
    return {attname: instance.__dict__[attname] for attname in _attnames(type(instance))}


def model_from_values(model: type[Model], values: dict[str, Any]) -> Model:
    """A new instance with ``values`` from ``model_values``: a fresh copy of a row read
    before (the values are shared, so only for models with no mutable values, no JSON)."""
    if not _plain_fields(model):
        return model.from_db(connection.alias, list(values), list(values.values()))
    instance = model.__new__(model)
    instance.__dict__.update(values)
    instance._state = ModelState()
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


_PLAIN: dict[type[Model], bool] = {}


def _plain_fields(model: type[Model]) -> bool:
    """Whether an instance of ``model`` is just its values in ``__dict__``: every field's
    attribute is Django's plain deferred attribute (no file or custom descriptor that
    does work on assignment) and no ``pre_init``/``post_init`` receiver listens."""
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return False
    found = _PLAIN.get(model)
    if found is None:
        found = _PLAIN[model] = all(
            type(getattr(model, field.attname, None))
            in (DeferredAttribute, ForeignKeyDeferredAttribute)
            for field in model._meta.concrete_fields
        )
    return found


_COLUMNS: dict[tuple, str] = {}


# --- prepared statements ------------------------------------------------------------------
# PostgreSQL plans every statement it is sent; for the hot path's joins and anti-joins that
# planning cost more than running them (the queue query: 0.33 ms of CPU per call as text,
# 0.08 ms prepared). So the statements ``next``, submit and these lookups send on every
# call are prepared once per connection and then EXECUTEd. Not behind PgBouncer's
# transaction pooling (which also needs DISABLE_SERVER_SIDE_CURSORS, the switch used here).

_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # connection -> names
_STATEMENTS: dict[str, tuple[str, str, int]] = {}  # sql -> (name, $n text, parameters)


def _statement(sql: str) -> tuple[str, str, int]:
    found = _STATEMENTS.get(sql)
    if found is None:
        pieces = sql.split("%s")
        numbered = pieces[0] + "".join(f"${n}{piece}" for n, piece in enumerate(pieces[1:], 1))
        name = "hot_" + hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()[:16]
        found = _STATEMENTS[sql] = (name, numbered, len(pieces) - 1)
    return found


def sql_execute(cursor, sql: str, params: list) -> None:
    """``cursor.execute(sql, params)``, as a prepared statement on PostgreSQL.

    ``sql`` must be a constant of the code (its text names the statement) with ``%s``
    placeholders and no literal ``%``.
    """
    if connection.vendor != "postgresql" or connection.settings_dict.get(
        "DISABLE_SERVER_SIDE_CURSORS"
    ):
        cursor.execute(sql, params)
        return
    name, numbered, count = _statement(sql)
    raw = connection.connection
    names = _PREPARED.get(raw)
    if names is None:
        names = _PREPARED[raw] = set()
    if name not in names:
        # On the driver's own cursor: a once-per-connection cost, not one of the request's
        # queries. A prepared statement outlives the transaction, even a rolled-back one.
        with connection.wrap_database_errors, raw.cursor() as prepare:
            prepare.execute(f"PREPARE {name} AS {numbered}")
        names.add(name)
    arguments = f"({', '.join(['%s'] * count)})" if count else ""
    cursor.execute(f"EXECUTE {name}{arguments}", params)


_CONVERTERS: dict[tuple, list] = {}


def _converters(model: type[Model]) -> list:
    key = (model, connection.vendor)
    found = _CONVERTERS.get(key)
    if found is None:
        found = []
        for field in model._meta.concrete_fields:
            column = field.get_col(model._meta.db_table)
            converters = connection.ops.get_db_converters(column) + field.get_db_converters(
                connection
            )
            found.append((column, converters))
        _CONVERTERS[key] = found
    return found


def _attnames(model: type[Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


# --- several writes, one round trip ---------------------------------------------------------
# A lease writes three tables (the lease, its task's counts, the progress counters) and a
# submit five; sent one by one, each statement costs a round trip and its share of Python
# and PostgreSQL overhead, more than the write itself. PostgreSQL runs data-modifying CTEs
# in one statement (each sees the snapshot from before the statement, so the writes must
# touch different rows, which they do); SQLite runs the same statements one after the
# other, inside the caller's transaction either way.


@dataclass(frozen=True)
class _InsertShape:
    fields: list
    alone: str  # INSERT ... VALUES
    together: str | None  # INSERT ... SELECT from the parent's CTE, named {parent}
    position: int | None  # where the parent's id goes among the values
    guarded: str  # INSERT ... SELECT, only if the CTE named {after} holds a row


_SHAPES: dict[tuple, _InsertShape] = {}


def _insert_shape(model: type[Model], unique: tuple[str, ...], parent: str | None):
    """A model's INSERT statements, built once per process (building them on every call
    cost as much CPU as sending them)."""
    key = (model, unique, parent, connection.vendor)
    found = _SHAPES.get(key)
    if found is not None:
        return found
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    table = quote(meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    suffix = ""
    if unique:
        suffix += f" ON CONFLICT ({', '.join(quote(column) for column in unique)}) DO NOTHING"
    if connection.features.can_return_columns_from_insert:
        suffix += f" RETURNING {quote(meta.pk.column)}"
    alone = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}){suffix}"  # noqa: S608 (names from the model)
    # In one statement the values are SELECTed, and cast, since a SELECT list gives
    # PostgreSQL no column types to infer.
    casts = [f"CAST(%s AS {field.cast_db_type(connection)})" for field in fields]
    guarded = (
        f"INSERT INTO {table} ({columns}) SELECT {', '.join(casts)} "  # noqa: S608
        f"WHERE EXISTS (SELECT 1 FROM {{after}}){suffix}"
    )
    together = position = None
    if parent is not None:
        position = next(i for i, field in enumerate(fields) if field.attname == parent)
        # Sent alone: a VALUES insert, with the parent's id filled in once it is known.
        # In one statement: SELECT from the parent's CTE (no row there, none here).
        casts[position] = "parent_row.parent_id"
        together = (
            f"INSERT INTO {table} ({columns}) SELECT {', '.join(casts)} "  # noqa: S608
            f"FROM {{parent}} AS parent_row (parent_id){suffix}"
        )
    found = _SHAPES[key] = _InsertShape(fields, alone, together, position, guarded)
    return found


@dataclass
class _Step:
    """One write of a batch. ``together`` (the statement inside the one-statement form) is
    set for an insert whose foreign key ``attname`` takes the id of the earlier step
    ``parent``; its ``values`` keep a placeholder at ``position`` until that id is known.
    A step with ``after`` runs only if that earlier step returned a row."""

    sql: str
    values: list
    on_value: Callable[[Any], None] | None = None
    parent: int | None = None
    together: str | None = None
    position: int | None = None
    instance: Model | None = None
    attname: str | None = None
    after: int | None = None
    materialized: bool = False


class Writes:
    """Write statements collected, then sent together by ``flush()``.

    ``add`` takes a statement of this code with ``%s`` placeholders; with ``on_value``, the
    statement must return one column of at most one row (``RETURNING id``), and
    ``on_value`` receives it (None when no row came back). ``insert`` adds a model
    instance's INSERT; with ``parent``, a foreign key takes the id the earlier insert
    ``parent`` returns, and no row is written when that insert wrote none. With ``after``
    (a step that returns its value), a write happens only if that step returned a row:
    how one statement writes all or nothing of a conditional batch.
    """

    def __init__(self) -> None:
        self._steps: list[_Step] = []
        self._written: list[tuple[Callable[[], None], int | None]] = []

    def __len__(self) -> int:
        return len(self._steps)

    @staticmethod
    def cte(step: int) -> str:
        """The name a later step's SQL uses to read ``step``'s rows in the one-statement
        form (PostgreSQL; a batch that reads it must be sent only there)."""
        return f"w{step}"

    def _returning(self, step: int | None) -> int | None:
        if step is not None and self._steps[step].on_value is None:
            raise ValueError(f"Step {step} returns no value to depend on.")
        return step

    def add(
        self,
        sql: str,
        params: list,
        on_value=None,
        *,
        after: int | None = None,
        materialized: bool = False,
    ) -> int:
        """Add a statement. With ``after``, its SQL must end with its WHERE clause (the
        condition is ANDed to it); ``materialized`` makes its CTE run once for all its
        readers (PostgreSQL's ``AS MATERIALIZED``)."""
        step = _Step(sql, list(params), on_value, materialized=materialized)
        step.after = self._returning(after)
        self._steps.append(step)
        return len(self._steps) - 1

    def insert(
        self,
        instance: Model,
        *,
        unique: tuple[str, ...] = (),
        parent: tuple[str, int] | None = None,
        after: int | None = None,
    ) -> int:
        """Add ``instance``'s INSERT (defaults, ``auto_now``, JSON prepared as ``save()``
        prepares them) and set its primary key on flush; with ``unique`` (a unique
        constraint's columns) an existing row is left alone and the key stays None. With
        ``parent=(attname, step)``, the foreign key ``attname`` is the id ``step`` returns;
        with ``after``, the row is written only if ``step`` returned one.
        Sends no model signals: only for models nobody listens to."""
        shape = _insert_shape(type(instance), unique, parent[0] if parent else None)
        values = [
            field.get_db_prep_save(field.pre_save(instance, True), connection)
            for field in shape.fields
        ]

        def stored(pk) -> None:
            if pk is not None:
                instance.pk = pk
                instance._state.adding = False
                instance._state.db = connection.alias

        step = _Step(shape.alone, values, stored)
        if parent is not None:
            step.attname, step.parent = parent
            self._returning(step.parent)
            step.together = shape.together.replace("{parent}", self.cte(step.parent))
            step.position, step.instance = shape.position, instance
        elif after is not None:
            step.after = self._returning(after)
            step.together = shape.guarded.replace("{after}", self.cte(after))
        self._steps.append(step)
        return len(self._steps) - 1

    def on_written(self, callback: Callable[[], None], step: int | None = None) -> None:
        """Call ``callback()`` right after the flush (inside the caller's transaction, if
        any: a callback that must wait for the commit says so itself), if ``step`` wrote
        its row; with no ``step``, after the flush whatever it wrote."""
        self._written.append((callback, self._returning(step)))

    def flush(self) -> None:
        steps, self._steps = self._steps, []
        written, self._written = self._written, []
        returned: dict[int, Any] = {}
        if steps:
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql" and len(steps) > 1:
                    returned = self._together(cursor, steps)
                else:
                    returned = self._alone(cursor, steps)
        for callback, step in written:
            if step is None or returned.get(step) is not None:
                callback()

    @staticmethod
    def _together(cursor, steps: list[_Step]) -> dict[int, Any]:
        ctes, params, returning = [], [], []
        for index, step in enumerate(steps):
            materialized = "MATERIALIZED " if step.materialized else ""
            if step.parent is not None:  # the parent's id comes from its CTE
                ctes.append(f"w{index} AS {materialized}({step.together})")
                params += [v for i, v in enumerate(step.values) if i != step.position]
            elif step.after is not None and step.together is not None:  # a guarded insert
                ctes.append(f"w{index} AS {materialized}({step.together})")
                params += step.values
            elif step.after is not None:
                sql = f"{step.sql} AND EXISTS (SELECT 1 FROM w{step.after})"  # noqa: S608
                ctes.append(f"w{index} AS {materialized}({sql})")
                params += step.values
            else:
                ctes.append(f"w{index} AS {materialized}({step.sql})")
                params += step.values
            if step.on_value is not None:
                returning.append(index)
        final = ", ".join(f"(SELECT * FROM w{index})" for index in returning) or "1"  # noqa: S608
        sql_execute(cursor, f"WITH {', '.join(ctes)} SELECT {final}", params)
        row = cursor.fetchone()
        returned = dict(zip(returning, row if returning else (), strict=True))
        for index, step in enumerate(steps):
            if step.parent is not None and returned.get(index) is not None:
                setattr(step.instance, step.attname, returned.get(step.parent))
            if step.on_value is not None:
                step.on_value(returned[index])
        return returned

    @staticmethod
    def _alone(cursor, steps: list[_Step]) -> dict[int, Any]:
        returned: dict[int, object] = {}
        for index, step in enumerate(steps):
            values = step.values
            depends = step.parent if step.parent is not None else step.after
            if depends is not None and returned.get(depends) is None:
                # What it depends on wrote no row: nor does this one.
                returned[index] = None
                if step.on_value is not None:
                    step.on_value(None)
                continue
            if step.parent is not None:
                parent_id = returned[step.parent]
                setattr(step.instance, step.attname, parent_id)
                values = list(values)
                values[step.position] = parent_id
            sql_execute(cursor, step.sql, values)
            if step.on_value is None:
                continue
            if cursor.description is not None:  # it returned its column
                row = cursor.fetchone()
                value = row[0] if row else None
            else:  # an INSERT on a SQLite without RETURNING
                value = cursor.lastrowid if cursor.rowcount else None
            returned[index] = value
            step.on_value(value)
        return returned

"""Hand-written SQL for the hot paths (the work queue, the permission gate, API tokens):
model instances from raw rows, converted exactly as the ORM converts them, and statements
prepared once per PostgreSQL connection. Every app's hot path uses these; nothing here
knows a model of ours."""

from __future__ import annotations

import hashlib
import weakref

from django.db import connection
from django.db.models import Model


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
    return model.from_db(connection.alias, _attnames(model), converted)


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

"""The bodies of the work endpoints (``next``, submit, renew) built as plain dicts.

Every trainer calls ``next`` and submit once per task, so their response bodies are the
hottest serialisation in the API. A ``ModelSerializer`` rebuilds its fields (a deep copy
and a field-class lookup per model field) on every instance: about 0.7 ms of CPU per
``next`` + submit pair, more than the queue's own SQL costs. These functions write the
same bodies directly. The serializers stay the schema and the reference:
``tests/tasks/test_api_representations.py`` checks that each body equals its serializer's
output, field for field.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import JSONField
from rest_framework import ISO_8601
from rest_framework.fields import DateTimeField
from rest_framework.settings import api_settings

from tasks.api.serializers import TaskManageSerializer
from tasks.models import Lease, Submission, Task

# DRF's own formatting (ISO 8601, the current time zone, "Z" for UTC), kept as one instance.
_datetime = DateTimeField().to_representation


def _when(value: datetime | None) -> str | None:
    return None if value is None else _datetime(value)


def task_body(task: Task, data: Any = None) -> dict[str, Any]:
    """``TaskSerializer``: what a trainer sees of a task (``data`` is the displayed part)."""
    return {
        "id": task.pk,
        "project": task.project_id,
        "data": task.data if data is None else data,
        "created_at": _when(task.created_at),
    }


def task_manage_body(task: Task) -> dict[str, Any]:
    """``TaskManageSerializer``: setters, QA leads and admins see the whole task."""
    return {
        "id": task.pk,
        "project": task.project_id,
        "data": task.data,
        "priority": task.priority,
        "overlap": task.overlap,
        "needed": task.needed,
        "filled": task.filled,
        "leased": task.leased,
        "skips": task.skips,
        "state": task.state,
        "is_gold": task.is_gold,
        "gold_answer": task.gold_answer,
        "external_id": task.external_id,
        "created_at": _when(task.created_at),
    }


# --- the task list: bodies straight from its SELECT ----------------------------------------
# A page of the task list is 100 tasks. As model instances (the ORM's per-field __init__)
# formatted with ``_when`` (a time-zone lookup per value) they cost ~6 ms of CPU; read into
# dicts and formatted with the zone looked up once, ~1.5 ms. The values go through the ORM's
# own converters and the times through DRF's steps, so each body equals
# ``task_manage_body``'s (tests/tasks/test_task_list_fast.py).

# ``task_manage_body``'s keys in its order (the serializer's fields); each is also the name
# of the field it reads.
_MANAGE_KEYS = tuple(TaskManageSerializer.Meta.fields)
_MANAGE_COLUMNS: dict[tuple[str, str], str] = {}
_MANAGE_CONVERTERS: dict[str, list] = {}


def task_manage_columns(alias: str) -> str:
    """The columns ``task_manage_rows`` reads, for a hand-written SELECT of tasks."""
    key = (alias, connection.vendor)
    found = _MANAGE_COLUMNS.get(key)
    if found is None:
        quote = connection.ops.quote_name
        found = _MANAGE_COLUMNS[key] = ", ".join(
            f"{alias}.{quote(Task._meta.get_field(name).column)}" for name in _MANAGE_KEYS
        )
    return found


def _manage_converters() -> list:
    """(position, converters, column, plain JSON) of each column the ORM converts on this
    database (JSON; SQLite's booleans and datetimes): the converters a queryset applies.
    "Plain JSON": a JSONField whose only converter is its ``from_db_value`` with no decoder
    of its own, i.e. ``json.loads`` of the text."""
    found = _MANAGE_CONVERTERS.get(connection.vendor)
    if found is None:
        found = []
        for position, key in enumerate(_MANAGE_KEYS):
            field = Task._meta.get_field(key)
            column = field.get_col(Task._meta.db_table)
            converters = connection.ops.get_db_converters(column) + column.get_db_converters(
                connection
            )
            if converters:
                plain_json = (
                    isinstance(field, JSONField)
                    and field.decoder is None
                    and converters == [field.from_db_value]
                )
                found.append((position, converters, column, plain_json))
        _MANAGE_CONVERTERS[connection.vendor] = found
    return found


# The C scanner ``json.loads`` runs. Where it reads a whole text from its first character,
# ``json.loads`` returns what it read; anything else (whitespace around the value, text that
# is not JSON) goes through the field's converter itself. Two JSON columns a row: its
# Python layers (from_db_value, loads, decode, raw_decode) were a third of the page's rows.
_JSON_SCAN = json.JSONDecoder().scan_once


def task_manage_rows(rows: list[tuple]) -> list[dict[str, Any]]:
    """Rows of a SELECT of ``task_manage_columns`` as dicts keyed as the body is, with
    ``created_at`` still a datetime (what a cursor's position is made of)."""
    converters = _manage_converters()
    found = []
    for row in rows:
        if converters:
            row = list(row)
            for position, convert_all, column, plain_json in converters:
                value = row[position]
                if plain_json and value.__class__ is str:
                    try:
                        decoded, end = _JSON_SCAN(value, 0)
                    except StopIteration:
                        end = -1
                    if end == len(value):
                        row[position] = decoded
                        continue
                for convert in convert_all:
                    value = convert(value, column, connection)
                row[position] = value
        found.append(dict(zip(_MANAGE_KEYS, row, strict=True)))
    return found


def task_manage_bodies(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``task_manage_body`` of each of ``task_manage_rows``."""
    when = _when_in_request_zone()
    return [{**row, "created_at": when(row["created_at"])} for row in rows]


def _when_in_request_zone() -> Callable[[datetime | None], str | None]:
    """``_when``, with the request's time zone looked up once rather than per value (a
    context-local lookup, most of the time ``_when`` takes)."""
    field = DateTimeField()
    zone = field.timezone = field.default_timezone()
    exact = field.to_representation
    iso = str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601
    if zone is None or not iso:
        return exact

    def when(value: datetime | None) -> str | None:
        # DRF's steps for an aware datetime; anything else takes DRF's own path.
        if value is None or value.utcoffset() is None:
            return exact(value)
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:
            return exact(value)
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return when


def lease_body(lease: Lease) -> dict[str, Any]:
    """``LeaseSerializer``."""
    return {
        "task": lease.task_id,
        "status": str(lease.status),
        "created_at": _when(lease.created_at),
        "expires_at": _when(lease.expires_at),
    }


def submission_body(submission: Submission) -> dict[str, Any]:
    """``SubmissionSerializer`` (the author and template are loaded with the submission)."""
    return {
        "id": submission.pk,
        "task": submission.task_id,
        "project": submission.task.project_id,
        "author": submission.author.username,
        "template_version": submission.template.version,
        "answer": submission.answer,
        "telemetry": submission.telemetry,
        "status": submission.status,
        "revision": submission.revision,
        "return_reasons": submission.return_reasons,
        "created_at": _when(submission.created_at),
        "updated_at": _when(submission.updated_at),
    }

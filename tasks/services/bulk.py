"""Low-level bulk writes of tasks for the importer: COPY on PostgreSQL, bulk_create elsewhere.

The caller (``imports``) has validated every row and holds the transaction; this module
only knows the task table. New tasks start as ``tasks_create`` makes them (state new,
available, ``needed`` from their overlap or the project's) and the exact counters move in
the same transaction.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from tasks.models import Project, Task, TaskState
from tasks.services.distribution import counters_add_new, counters_write, task_state
from tasks.services.hooks import task_data_saved

COPY_COLUMNS = (
    "project_id",
    "data",
    "created_by_id",
    "created_at",
    "priority",
    "overlap",
    "needed",
    "filled",
    "leased",
    "skips",
    "state",
    "available",
    "is_gold",
    "gold_answer",
    "external_id",
)
NULL = "\\N"  # COPY's text format for NULL


@dataclass(slots=True)
class NewTask:
    data: dict
    data_json: str  # ``data`` serialised once, by the caller's checks
    priority: int = 0
    overlap: int | None = None
    is_gold: bool = False
    gold_answer: Any = None
    gold_json: str | None = None
    external_id: str = ""


def _copy_text(value: str) -> str:
    # COPY's text format: backslash is the escape. json.dumps never emits a raw tab,
    # newline or carriage return, and external ids refuse control characters, so doubling
    # backslashes is the only escaping needed.
    return value.replace("\\", "\\\\")


def tasks_insert_bulk(
    *,
    project: Project,
    rows: Sequence[NewTask],
    by,
    now: datetime,
    tally: dict[tuple[int, str], int] | None = None,
    definition: Mapping[str, Any] | None = None,
) -> int:
    """Insert ``rows`` as new tasks of ``project``; returns how many non-gold tasks were
    added (the ones the NEW counter counts). With ``tally``, the counter change is added
    there for ``counters_write`` instead of being written now. ``definition`` is the
    template the rows were checked against (the task-data hooks read it)."""
    if not rows:
        return 0
    default_overlap = project.default_overlap
    if connection.vendor == "postgresql":
        prefix = f"{project.pk}\t"
        middle = f"\t{by.pk if by else NULL}\t{now.isoformat()}\t"
        lines = []
        append = lines.append
        for row in rows:
            overlap = row.overlap
            append(
                prefix
                + _copy_text(row.data_json)
                + middle
                + f"{row.priority}\t{overlap if overlap is not None else NULL}\t"
                + f"{overlap or default_overlap}\t0\t0\t0\tnew\tt\t"
                + ("t\t" + _copy_text(row.gold_json or "null") if row.is_gold else "f\t" + NULL)
                + "\t"
                + _copy_text(row.external_id)
                + "\n"
            )
        buffer = io.StringIO("".join(lines))
        del lines
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {Task._meta.db_table} ({', '.join(COPY_COLUMNS)}) FROM STDIN", buffer
            )
    else:
        Task.objects.bulk_create(
            [
                Task(
                    project=project,
                    data=row.data,
                    created_by=by,
                    created_at=now,
                    priority=row.priority,
                    overlap=row.overlap,
                    needed=row.overlap or default_overlap,
                    is_gold=row.is_gold,
                    gold_answer=row.gold_answer if row.is_gold else None,
                    external_id=row.external_id,
                )
                for row in rows
            ],
            batch_size=500,
        )
    task_data_saved(project=project, datas=[row.data for row in rows], definition=definition, by=by)
    counted = sum(1 for row in rows if not row.is_gold)
    if tally is None:
        counters_add_new(project=project, count=counted)
    else:
        key = (project.pk, TaskState.NEW)
        tally[key] = tally.get(key, 0) + counted
    return counted


# What an import's row may change in an existing task: its content and its settings.
TASK_UPDATE_FIELDS = (
    "data",
    "priority",
    "overlap",
    "needed",
    "state",
    "available",
    "is_gold",
    "gold_answer",
)


def tasks_update_bulk(
    *,
    project: Project,
    tasks: Sequence[Task],
    definition: Mapping[str, Any] | None = None,
    by=None,
) -> None:
    """Write the content and settings of changed tasks of ``project`` (``counters_move``
    moves their counters); ``definition`` and ``by`` as for ``tasks_insert_bulk``."""
    if not tasks:
        return
    Task.objects.bulk_update(list(tasks), TASK_UPDATE_FIELDS, batch_size=500)
    task_data_saved(
        project=project, datas=[task.data for task in tasks], definition=definition, by=by
    )


def task_recount(task: Task, *, project: Project) -> None:
    """Recompute a locked task's needed/state/available after its overlap changed, as
    ``task_update_settings`` does (never below the answers and holds it already has)."""
    task.needed = max(task.overlap or project.default_overlap, task.filled + task.leased)
    task.state = task_state(
        needed=task.needed,
        filled=task.filled,
        leased=task.leased,
        skips=task.skips,
        threshold=project.skip_flag_threshold,
    )
    task.available = (
        task.state in (TaskState.NEW, TaskState.IN_PROGRESS)
        and task.filled + task.leased < task.needed
    )


def counters_move(
    *,
    project: Project,
    moves: Iterable[tuple[tuple[str, bool], tuple[str, bool]]],
    tally: dict[tuple[int, str], int] | None = None,
) -> None:
    """Move the exact counters for updated tasks: each move is ((state, is_gold) before,
    (state, is_gold) after). Gold tasks are not counted. With ``tally``, the changes are
    added there for ``counters_write`` instead of being written now."""
    deltas: dict[tuple[int, str], int] = tally if tally is not None else {}
    for (state_before, gold_before), (state_after, gold_after) in moves:
        if not gold_before:
            key = (project.pk, state_before)
            deltas[key] = deltas.get(key, 0) - 1
        if not gold_after:
            key = (project.pk, state_after)
            deltas[key] = deltas.get(key, 0) + 1
    if tally is None:
        counters_write(deltas)

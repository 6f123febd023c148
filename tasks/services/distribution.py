"""Task distribution: who answers what next, with leases, overlap, skips, gold and caps.

Correctness rests on the database, not on timing:
- ``next`` picks a task with ``SELECT … FOR UPDATE SKIP LOCKED`` over a partial index of
  the tasks that can still take a trainer, so concurrent trainers never wait on each other
  and never get the same slot;
- a task's ``filled``/``leased``/``skips`` change only under its row lock, in the same
  transaction as the lease or submission they count; a check constraint refuses a task
  held or answered beyond its overlap, and unique constraints allow one live lease and
  one submission per trainer per task;
- expired leases are reclaimed both by the periodic job and by ``next`` itself, so a
  stopped worker never strands tasks.
On SQLite (single small team) row locks are no-ops, but IMMEDIATE transactions serialise
writers, which keeps the same guarantees.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from annotation_platform.errors import ConflictError, DomainError
from annotation_platform.rawsql import Writes, model_columns, model_from_row, sql_execute
from tasks.answer_validation import validate_gold_answer
from tasks.models import (
    Assignment,
    Lease,
    LeaseStatus,
    Membership,
    Project,
    ProjectStatus,
    Role,
    Skip,
    Submission,
    SubmissionStatus,
    Task,
    TaskCounter,
    TaskState,
)
from tasks.services.templates import template_require_current

# Submissions that hold a slot of a task's overlap (a rejected one frees it).
FILLING_STATUSES = (
    SubmissionStatus.SUBMITTED,
    SubmissionStatus.ACCEPTED,
    SubmissionStatus.RETURNED,
)
RECLAIM_BATCH = 200


# --- state and counters -----------------------------------------------------------------


def task_state(*, needed: int, filled: int, leased: int, skips: int, threshold: int) -> str:
    if filled >= needed:
        return TaskState.COMPLETE
    if threshold and skips >= threshold:
        return TaskState.FLAGGED
    if filled + leased > 0:
        return TaskState.IN_PROGRESS
    return TaskState.NEW


def _counters_add(project_id: int, deltas: dict[str, int], writes: Writes | None = None) -> None:
    """Add ``deltas`` (state -> change) to a random shard of each state's counter.

    One upsert for all the states, creating a shard row on its first use. Rows are written
    in (state, shard) order, so two concurrent moves never lock the same two rows in
    opposite orders. With ``writes``, the upsert joins those writes instead of running now.
    """
    counters_write({(project_id, state): delta for state, delta in deltas.items()}, writes)


def counters_write(moves: dict[tuple[int, str], int], writes: Writes | None = None) -> None:
    """``_counters_add`` for (project id, state) -> change, over any number of projects: one
    upsert, its rows in (project, state, shard) order.

    A transaction that moves counters must do it in one such statement: two upserts in a row
    could lock (new, shard 3) and then wait for (in progress, shard 3), which a concurrent
    ``next`` holds while it waits for (new, shard 3) - a deadlock. A long transaction (an
    import job) should also write its counters at its end: rows written early stay locked
    until it commits, holding up every ``next`` that draws the same shard."""
    rows = sorted(
        (project_id, state, random.randrange(TaskCounter.SHARDS), delta)
        for (project_id, state), delta in moves.items()
        if delta
    )
    if not rows:
        return
    placeholders = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    sql = (
        f"INSERT INTO tasks_taskcounter (project_id, state, shard, count) VALUES {placeholders} "  # noqa: S608
        "ON CONFLICT (project_id, state, shard) "
        "DO UPDATE SET count = tasks_taskcounter.count + EXCLUDED.count"
    )
    params = [value for row in rows for value in row]
    if writes is not None:
        writes.add(sql, params)
        return
    with connection.cursor() as cursor:
        sql_execute(cursor, sql, params)


def counters_add_new(*, project: Project, count: int) -> None:
    """Newly created (non-gold) tasks start in the NEW state."""
    if count:
        _counters_add(project.pk, {TaskState.NEW: count})


def task_counts(project: Project) -> dict[str, int]:
    """Exact counts by state, read from a few counter rows (not a COUNT over the tasks)."""
    counts = dict.fromkeys(TaskState.values, 0)
    rows = (
        TaskCounter.objects.filter(project=project)
        .values("state")
        .annotate(total=Sum("count"))
        .values_list("state", "total")
    )
    for state, total in rows:
        counts[state] = int(total or 0)
    counts["total"] = sum(counts[state] for state in TaskState.values)
    return counts


def _apply(
    task: Task,
    *,
    filled: int = 0,
    leased: int = 0,
    skips: int = 0,
    writes: Writes | None = None,
    moves: dict[tuple[int, str], int] | None = None,
) -> Task:
    """Change a locked task's counts; keep its state, availability and the counters.

    The task's UPDATE and the counters' upsert go as one statement, or join ``writes``.
    With ``moves``, the counters' change is added there instead, for the caller to write
    with those of other tasks (``counters_write``)."""
    if task.is_gold:
        return task  # gold tasks are answered by everyone: no overlap, not in the queue
    threshold = task.project.skip_flag_threshold
    before = task.state
    task.filled += filled
    task.leased += leased
    task.skips += skips
    task.state = task_state(
        needed=task.needed,
        filled=task.filled,
        leased=task.leased,
        skips=task.skips,
        threshold=threshold,
    )
    task.available = (
        task.state in (TaskState.NEW, TaskState.IN_PROGRESS)
        and task.filled + task.leased < task.needed
    )
    together = writes if writes is not None else Writes()
    together.add(  # SQL: every lease and submit comes here
        "UPDATE tasks_task SET filled = %s, leased = %s, skips = %s, state = %s, "
        "available = %s WHERE id = %s",
        [task.filled, task.leased, task.skips, task.state, task.available, task.pk],
    )
    if task.state != before and moves is not None:
        for state, delta in ((before, -1), (task.state, +1)):
            moves[task.project_id, state] = moves.get((task.project_id, state), 0) + delta
    elif task.state != before:
        _counters_add(task.project_id, {before: -1, task.state: +1}, together)
    if writes is None:
        together.flush()
    return task


def _locked(task_pk: int) -> Task:
    return Task.objects.select_for_update(of=("self",)).select_related("project").get(pk=task_pk)


# --- leases -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    """What ``next`` hands a trainer: the task and the lease that holds it."""

    task: Task
    lease: Lease
    assigned: bool = False


def _lease(task: Task, trainer, now: datetime) -> Lease:
    lease = Lease(
        task=task,
        project_id=task.project_id,
        trainer=trainer,
        expires_at=now + timedelta(seconds=task.project.lease_seconds),
    )
    writes = Writes()  # the lease, the task's counts, the counters: one statement
    writes.insert(lease)
    _apply(task, leased=+1, writes=writes)
    writes.flush()
    return lease


# One whole sentence per status of a project that hands out no work.
_CLOSED = {
    ProjectStatus.DRAFT: lambda: gettext("This project is draft: it hands out no tasks right now."),
    ProjectStatus.PAUSED: lambda: gettext(
        "This project is paused: it hands out no tasks right now."
    ),
    ProjectStatus.ARCHIVED: lambda: gettext(
        "This project is archived: it hands out no tasks right now."
    ),
}


def _refuse_closed(project: Project) -> None:
    if project.status != ProjectStatus.ACTIVE:
        closed = _CLOSED.get(project.status)
        raise ConflictError(
            closed() if closed else gettext("This project hands out no tasks right now."),
            code=f"project_{project.status}",
        )


# Written in SQL: ``next`` runs these on every call, and building them with the ORM costs
# several times more than PostgreSQL takes to run them.
_UNTOUCHED = """
    NOT EXISTS (
        SELECT 1 FROM tasks_submission s WHERE s.task_id = tasks_task.id AND s.author_id = %s
    )
    AND NOT EXISTS (
        SELECT 1 FROM tasks_skip k WHERE k.task_id = tasks_task.id AND k.trainer_id = %s
    )
    AND NOT EXISTS (
        SELECT 1 FROM tasks_lease l
        WHERE l.task_id = tasks_task.id AND l.trainer_id = %s AND l.status = %s
    )
"""
_ASSIGNED = """
    project_id = %s AND available
    AND EXISTS (
        SELECT 1 FROM tasks_assignment a WHERE a.task_id = tasks_task.id AND a.trainer_id = %s
    )
"""
_QUEUED = "project_id = %s AND available AND NOT is_gold"  # the partial task_queue_idx
# task_queue_idx's order, which only that index gives (see its comment in tasks.models).
_QUEUE_ORDER = "priority DESC, created_at, id"
_GOLD = "project_id = %s AND is_gold"


def _first_untouched(
    trainer, where: str, params: list, *, order: str = _QUEUE_ORDER, lock: bool = True
) -> Task | None:
    """The first task matching ``where`` that ``trainer`` has not answered, skipped or
    leased (live); with ``lock``, locked until commit, passing over tasks others locked."""
    # ``where`` and ``order`` are this module's constants; every value is a parameter.
    sql = (
        f"SELECT {model_columns(Task, 'tasks_task')} FROM tasks_task "  # noqa: S608
        f"WHERE {where} AND {_UNTOUCHED} ORDER BY {order} LIMIT 1"
    )
    if lock and connection.features.has_select_for_update_skip_locked:
        sql += " FOR UPDATE SKIP LOCKED"
    params = [*params, trainer.pk, trainer.pk, trainer.pk, LeaseStatus.ACTIVE]
    return _one(Task, sql, params)


def _rows(model, sql: str, params: list) -> list:
    """Instances from hand-written SQL selecting ``model_columns(model)``: cheaper than
    ``Model.objects.raw()``, which works out its columns and converters on every call."""
    with connection.cursor() as cursor:
        sql_execute(cursor, sql, params)
        return [model_from_row(model, row) for row in cursor.fetchall()]


def _one(model, sql: str, params: list):
    found = _rows(model, sql, params)
    return found[0] if found else None


def _submissions_today(project: Project, trainer, now: datetime) -> int:
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return Submission.objects.filter(
        task__project=project, author=trainer, created_at__gte=start
    ).count()


# A live lease's status as a literal, not a parameter: a prepared statement's generic plan
# can use the partial indexes of live leases only if it sees the status they are made for
# (with a parameter, the "expired" test scanned every lease the project ever had).
_LIVE = f"'{LeaseStatus.ACTIVE.value}'"
# ``_trainer_leases``' two facts, also asked by ``_take_plain``'s statement; parameters:
# ``_facts_params``.
_FACTS = (
    "EXISTS ("  # noqa: S608 (constants)
    "  SELECT 1 FROM tasks_assignment a JOIN tasks_task t ON t.id = a.task_id"
    "  WHERE a.trainer_id = %s AND t.project_id = %s AND t.available"
    ") AS assigned, EXISTS ("
    "  SELECT 1 FROM tasks_lease e"
    f"  WHERE e.status = {_LIVE} AND e.expires_at <= %s AND e.project_id = %s"
    ") AS expired"
)
# ``_submissions_today(…) >= cap`` for ``_take_plain``: trainer, project, day start, cap.
_CAPPED = (
    "(SELECT count(*) FROM tasks_submission s JOIN tasks_task st ON st.id = s.task_id"
    "  WHERE s.author_id = %s AND st.project_id = %s AND s.created_at >= %s) >= %s"
)


def _facts_params(project: Project, trainer, now: datetime) -> list:
    return [
        trainer.pk,
        project.pk,
        connection.ops.adapt_datetimefield_value(now),
        project.pk,
    ]


def _trainer_leases(project: Project, trainer, now: datetime) -> list[tuple]:
    """One statement for what every ``next`` asks first: whether a task of the project that
    can take a trainer is assigned to them (only then does the assigned-first query run),
    whether any live lease of the project has run out, and the trainer's live leases (a
    few at most: "what do they hold" and "may they take another"; one that ran out but is
    not reclaimed yet still counts). Rows: (assigned, expired, *lease columns or NULLs).
    """
    with connection.cursor() as cursor:
        sql_execute(
            cursor,
            "SELECT mine.assigned, mine.expired, "  # noqa: S608 (constant names)
            f"{model_columns(Lease, 'tasks_lease')} FROM (SELECT {_FACTS}) mine "
            "LEFT JOIN tasks_lease ON tasks_lease.project_id = %s "
            f"AND tasks_lease.trainer_id = %s AND tasks_lease.status = {_LIVE} "
            "ORDER BY tasks_lease.created_at, tasks_lease.id",
            [*_facts_params(project, trainer, now), project.pk, trainer.pk],
        )
        return cursor.fetchall()


def task_next(*, project: Project, trainer, now: datetime | None = None) -> Served | None:
    """Serve the trainer a task and lease it; None when nothing is left for them.

    Order: the task they already hold; tasks assigned to them; a gold task at the
    project's rate; then the queue by priority, oldest first.
    """
    if connection.vendor == "postgresql" and connection.get_autocommit():
        # Each write here is one statement (the take; the reclaim has its own transaction)
        # and each read is its own snapshot anyway: a transaction around them would only
        # add its BEGIN and COMMIT round trips to every call.
        return _task_next(project=project, trainer=trainer, now=now)
    with transaction.atomic():  # SQLite: IMMEDIATE, so writers take turns
        return _task_next(project=project, trainer=trainer, now=now)


def _task_next(*, project: Project, trainer, now: datetime | None) -> Served | None:
    now = now or timezone.now()
    _refuse_closed(project)
    # The gold draw is made up front (once, and only with a gold rate, as ever) and used in
    # its place below: a call it sends to the queue can then try the queue's one-statement
    # take first, which falls back to the steps below when anything else comes first.
    gold = project.gold_rate > 0 and random.random() < project.gold_rate
    if connection.vendor == "postgresql" and not gold and project.max_leases_per_trainer > 0:
        # (a project that allows no lease at all is refused below, as ever)
        taken, rows = _take_plain(project, trainer, now)
        if taken is not None:
            return Served(task=taken[0], lease=taken[1])
        if not rows:  # nothing came first, and the queue has nothing left for them
            return None
    else:
        rows = _trainer_leases(project, trainer, now)
    if rows[0][1]:
        # Some lease of the project ran out: reclaim before serving (the periodic job does
        # too, so an idle queue never strands tasks); then the trainer's own leases again.
        leases_expire_due(project=project, now=now)
        rows = _trainer_leases(project, trainer, now)
    has_assignment = bool(rows[0][0])
    live = [model_from_row(Lease, row[2:]) for row in rows if row[2] is not None]
    held = next((lease for lease in live if lease.expires_at > now), None)
    if held is not None:
        held.task.project = project  # (reads the task)
        return Served(task=held.task, lease=held)

    cap = project.max_submissions_per_day
    if cap is not None and _submissions_today(project, trainer, now) >= cap:
        raise ConflictError(
            ngettext(
                "You reached today's limit of %(cap)s submission in this project; thank you! "
                "New tasks open at midnight UTC.",
                "You reached today's limit of %(cap)s submissions in this project; thank you! "
                "New tasks open at midnight UTC.",
                cap,
            )
            % {"cap": cap},
            code="daily_limit",
        )
    if len(live) >= project.max_leases_per_trainer:
        raise ConflictError(
            gettext("You already hold as many tasks as allowed."), code="lease_limit"
        )

    if has_assignment:
        taken = _take(project, trainer, now, _ASSIGNED, [project.pk, trainer.pk])
        if taken is not None:
            return Served(task=taken[0], lease=taken[1], assigned=True)

    if gold:
        gold_task = _first_untouched(trainer, _GOLD, [project.pk], order="id", lock=False)
        if gold_task is not None:
            gold_task.project = project
            return Served(task=gold_task, lease=_lease(gold_task, trainer, now))

    taken = _take(project, trainer, now, _QUEUED, [project.pk])
    if taken is None:
        return None
    return Served(task=taken[0], lease=taken[1])


_TAKE_SQL: dict[tuple, tuple[str, list]] = {}
_PLAIN = "NOT (facts.assigned OR facts.expired OR facts.capped OR facts.holding)"


def _take_sql(where: str, *, plain: bool = False, capped: bool = False) -> tuple[str, list]:
    """``_take``'s statement for ``where`` (built once per process) and the lease's fields
    in the order of its parameters.

    With ``plain`` (``_take_plain``), the statement first reads the trainer's live leases
    (``mine``) and ``_trainer_leases``' facts, and with ``capped`` whether the daily cap is
    reached, and picks only when none of them asks for ``next``'s other steps. It then
    returns (plain, assigned, expired, *lease columns, *task columns, lease id) rows: the
    trainer's live leases, or one row of NULLs there."""
    key = (where, plain, capped, connection.vendor)
    found = _TAKE_SQL.get(key)
    if found is not None:
        return found
    lease_fields = [f for f in Lease._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    lease_columns = ", ".join(quote(f.column) for f in lease_fields)
    lease_values = ", ".join(
        "pick.id" if f.attname == "task_id" else f"CAST(%s AS {f.cast_db_type(connection)})"
        for f in lease_fields
    )
    first, final = "", "SELECT pick.*, (SELECT id FROM leased) FROM pick"
    if plain:
        # The pick is gated on ``_PLAIN``, a one-time filter over ``facts``: when it is
        # false no task is read or locked, so none of the writes has a row to write.
        first = (
            f"mine AS MATERIALIZED (SELECT {model_columns(Lease, 'tasks_lease')}"  # noqa: S608
            "  FROM tasks_lease WHERE tasks_lease.project_id = %s"
            f"  AND tasks_lease.trainer_id = %s AND tasks_lease.status = {_LIVE}"
            f"), facts AS MATERIALIZED (SELECT {_FACTS},"
            f"  {_CAPPED if capped else 'FALSE'} AS capped,"
            "  EXISTS (SELECT 1 FROM mine) AS holding"
            "), "
        )
        where = f"(SELECT {_PLAIN} FROM facts) AND {where}"  # noqa: S608 (constants)
        final = (
            f"SELECT {_PLAIN}, facts.assigned, facts.expired, mine.*, pick.*,"  # noqa: S608
            "  (SELECT id FROM leased)"
            "  FROM facts LEFT JOIN mine ON TRUE LEFT JOIN pick ON TRUE"
            "  ORDER BY mine.created_at, mine.id"
        )
    sql = (
        f"WITH {first}pick AS MATERIALIZED ("  # noqa: S608 (constant names; values are parameters)
        f"  SELECT {model_columns(Task, 'tasks_task')} FROM tasks_task"
        f"  WHERE {where} AND {_UNTOUCHED} ORDER BY {_QUEUE_ORDER} LIMIT 1"
        "  FOR UPDATE SKIP LOCKED"
        f"), leased AS (INSERT INTO tasks_lease ({lease_columns}) SELECT {lease_values} FROM pick"
        "  RETURNING id"
        "), moved AS (UPDATE tasks_task SET leased = pick.leased + 1, state = %s,"
        "  available = pick.filled + pick.leased + 1 < pick.needed"
        "  FROM pick WHERE tasks_task.id = pick.id AND NOT pick.is_gold"
        "), counted AS (INSERT INTO tasks_taskcounter (project_id, state, shard, count)"
        "  SELECT pick.project_id, change.state, CAST(%s AS smallint), change.delta FROM pick,"
        "  (VALUES (%s, 1), (%s, -1)) AS change (state, delta)"
        "  WHERE pick.state = %s AND NOT pick.is_gold"
        "  ORDER BY change.state"
        "  ON CONFLICT (project_id, state, shard)"
        "  DO UPDATE SET count = tasks_taskcounter.count + EXCLUDED.count"
        f") {final}"
    )
    found = _TAKE_SQL[key] = (sql, lease_fields)
    return found


def _take(project: Project, trainer, now: datetime, where: str, params: list):
    """Lock the first task matching ``where`` that the trainer has not touched (passing
    over tasks others hold locked) and lease it: (task, lease), or None.

    On PostgreSQL, one statement picks, inserts the lease, updates the task and moves the
    counters. A task that can take a trainer (``available``) is new or in progress, not
    flagged (a flagged one is unavailable) and short of its overlap; leasing it makes it
    in progress, so the new state needs no ``task_state`` here, and only a new task moves
    a counter. SQLite, in its IMMEDIATE transaction, picks and then leases.
    """
    if connection.vendor != "postgresql":
        task = _first_untouched(trainer, where, params)
        if task is None:
            return None
        task.project = project
        return task, _lease(task, trainer, now)
    sql, lease_fields = _take_sql(where)
    lease, lease_params = _take_params(project, trainer, now, lease_fields)
    with connection.cursor() as cursor:
        sql_execute(cursor, sql, [*params, *lease_params])
        row = cursor.fetchone()
    if row is None:
        return None
    return _taken(project, lease, row)


def _take_params(
    project: Project, trainer, now: datetime, lease_fields: list
) -> tuple[Lease, list]:
    """The lease ``_take_sql``'s statement inserts, and its parameters after ``where``'s."""
    lease = Lease(
        project_id=project.pk,
        trainer=trainer,
        expires_at=now + timedelta(seconds=project.lease_seconds),
    )
    values = {
        f.attname: f.get_db_prep_save(f.pre_save(lease, True), connection) for f in lease_fields
    }
    return lease, [
        trainer.pk,
        trainer.pk,
        trainer.pk,
        LeaseStatus.ACTIVE,
        *(values[f.attname] for f in lease_fields if f.attname != "task_id"),
        TaskState.IN_PROGRESS,
        random.randrange(TaskCounter.SHARDS),
        TaskState.IN_PROGRESS,
        TaskState.NEW,
        TaskState.NEW,
    ]


def _taken(project: Project, lease: Lease, row) -> tuple[Task, Lease]:
    """The task and lease from the statement's (*task columns, lease id)."""
    *columns, lease_id = row
    task = model_from_row(Task, columns)
    if not task.is_gold:  # the instance as the statement left the row
        task.leased += 1
        task.state = TaskState.IN_PROGRESS
        task.available = task.filled + task.leased < task.needed
    task.project = project
    lease.task = task
    lease.pk = lease_id
    lease._state.adding = False
    lease._state.db = connection.alias
    return task, lease


def _take_plain(project: Project, trainer, now: datetime) -> tuple[tuple | None, list[tuple]]:
    """PostgreSQL: ``_trainer_leases`` and, in the plain case, the queue's ``_take``, as one
    statement. Plain: the trainer holds no live lease in the project (so nothing to hand
    back and no lease cap in the way), none of the project's live leases ran out, no
    available task is assigned to them and the daily cap (if any) is not reached.

    Returns (taken, rows). Plain: ``taken`` as ``_take`` returns it, and no rows. Not
    plain: nothing was read for the queue nor written, and ``rows`` are what
    ``_trainer_leases`` returns, for ``next``'s other steps to go on from.
    """
    cap = project.max_submissions_per_day
    sql, lease_fields = _take_sql(_QUEUED, plain=True, capped=cap is not None)
    params = [project.pk, trainer.pk, *_facts_params(project, trainer, now)]
    if cap is not None:  # the day as ``_submissions_today`` counts it
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        params += [trainer.pk, project.pk, connection.ops.adapt_datetimefield_value(start), cap]
    lease, lease_params = _take_params(project, trainer, now, lease_fields)
    with connection.cursor() as cursor:
        sql_execute(cursor, sql, [*params, project.pk, *lease_params])
        rows = cursor.fetchall()
    facts = 3 + len(Lease._meta.concrete_fields)  # plain, assigned, expired, the lease
    if not rows[0][0]:
        return None, [row[1:facts] for row in rows]
    row = rows[0][facts:]
    if row[0] is None:  # no task picked
        return None, []
    return _taken(project, lease, row), []


@transaction.atomic
def task_lease(*, task: Task, trainer, now: datetime | None = None) -> Lease:
    """Take one specific task (e.g. opened from an assignment or a link) if it is open to
    this trainer: not answered, skipped or held by them, with a free slot."""
    now = now or timezone.now()
    _refuse_closed(task.project)
    task = _locked(task.pk)
    held = _live_lease(task, trainer)
    if held is not None:
        return held
    if _first_untouched(trainer, "id = %s", [task.pk], lock=False) is None:
        raise ConflictError(gettext("You already answered or skipped this task."), code="task_done")
    if not task.is_gold and not task.available:
        raise ConflictError(
            gettext("This task needs no more answers right now."), code="task_unavailable"
        )
    return _lease(task, trainer, now)


def _live_lease(task: Task, trainer, *, for_update: bool = True) -> Lease | None:
    leases = Lease.objects.filter(task=task, trainer=trainer, status=LeaseStatus.ACTIVE)
    if for_update:
        leases = leases.select_for_update()
    return leases.first()


def _end(lease: Lease, status: str, now: datetime) -> None:
    lease.status = status
    lease.ended_at = now
    lease.save(update_fields=["status", "ended_at"])


@transaction.atomic
def lease_renew(*, task: Task, trainer, now: datetime | None = None) -> Lease:
    """Extend the trainer's hold while they work (the workspace calls this while active)."""
    now = now or timezone.now()
    task = _locked(task.pk)
    lease = _live_lease(task, trainer)
    if lease is None:
        raise ConflictError(
            gettext("You no longer hold this task; you can still submit if it needs an answer."),
            code="no_lease",
        )
    lease.expires_at = now + timedelta(seconds=task.project.lease_seconds)
    lease.save(update_fields=["expires_at"])
    return lease


@transaction.atomic
def lease_release(*, task: Task, trainer, now: datetime | None = None) -> None:
    """Give a task back to the pool (the trainer may get it again later)."""
    now = now or timezone.now()
    task = _locked(task.pk)
    lease = _live_lease(task, trainer)
    if lease is None:
        raise ConflictError(gettext("You do not hold this task."), code="no_lease")
    _end(lease, LeaseStatus.RELEASED, now)
    _apply(task, leased=-1)


@transaction.atomic
def task_skip(*, task: Task, trainer, reason: str = "", now: datetime | None = None) -> Skip:
    """Skip a held task: it is never served to this trainer again and goes back to others;
    enough skips flag it for the setters."""
    now = now or timezone.now()
    task = _locked(task.pk)
    lease = _live_lease(task, trainer)
    if lease is None:
        raise ConflictError(gettext("You can only skip a task you hold."), code="no_lease")
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise DomainError(
            gettext("The reason is too long."),
            fields={"reason": [gettext("At most 500 characters.")]},
        )
    _end(lease, LeaseStatus.SKIPPED, now)
    skip = Skip.objects.create(task=task, trainer=trainer, reason=reason)
    _apply(task, leased=-1, skips=+1)
    return skip


def leases_expire_due(
    *, project: Project | None = None, now: datetime | None = None, limit: int = RECLAIM_BATCH
) -> int:
    """Return expired leases' tasks to the pool; return how many leases were reclaimed.

    Locks with SKIP LOCKED, so the periodic job and concurrent ``next`` calls share the
    work instead of waiting on each other.
    """
    now = now or timezone.now()
    # Every ``next`` asks, and usually nothing is due: SQL, because building this query
    # with the ORM would cost more than running it. The lease and its task are locked
    # together, passing over any pair another transaction holds (a submit or release in
    # flight settles that lease itself, or a later call reclaims it): nobody waits, so this
    # cannot deadlock with the services that lock a task and then its leases.
    sql = (
        f"SELECT {model_columns(Lease, 'tasks_lease')} FROM tasks_lease "  # noqa: S608
        "JOIN tasks_task ON tasks_task.id = task_id WHERE status = %s AND expires_at <= %s"
    )
    params: list[Any] = [LeaseStatus.ACTIVE, connection.ops.adapt_datetimefield_value(now)]
    if project is not None:
        sql += " AND tasks_lease.project_id = %s"
        params.append(project.pk)
    sql += " ORDER BY expires_at, tasks_lease.id LIMIT %s"
    params.append(limit)
    if connection.features.has_select_for_update_skip_locked:
        sql += " FOR UPDATE OF tasks_lease, tasks_task SKIP LOCKED"
    # No savepoint: inside ``next``'s transaction any error aborts it anyway.
    with transaction.atomic(savepoint=False):
        leases = _rows(Lease, sql, params)
        if leases:
            ids = {lease.task_id for lease in leases}
            tasks = Task.objects.select_related("project").in_bulk(ids)
            moves: dict[tuple[int, str], int] = {}
            for lease in leases:
                _end(lease, LeaseStatus.EXPIRED, now)
                _apply(tasks[lease.task_id], leased=-1, moves=moves)  # one instance per task
            counters_write(moves)  # all the tasks' counter moves in one ordered upsert
    return len(leases)


# --- submissions hook -------------------------------------------------------------------


_COUNT_FIELDS = ("needed", "filled", "leased", "skips", "state", "available", "is_gold")


def task_lock(task: Task) -> Task:
    """Lock ``task``'s row until the transaction ends and refresh its counts from it.

    The rest of the instance (data, project) is kept as loaded: only the counts change
    under other trainers' hands.
    """
    task_lock_for_submission(task, author=None)
    return task


@dataclass(frozen=True)
class SubmitterState:
    """What a submit needs to know about its author and the task, read with the lock."""

    submission_id: int | None  # their submission to the task, if any
    has_draft: bool
    holds_lease: bool = False  # a live lease on it (settled only under this same lock)


def task_lock_for_submission(task: Task, *, author) -> SubmitterState:
    """``task_lock``, and in the same statement whether ``author`` already submitted to
    the task, keeps a draft of it or holds it: a submit asks all four first, every call.

    The task is locked first (in the CTE), then its lease is read, and locked: a submit
    that waited here for another (a double click) must see the lease that one ended, and
    a locked read sees the newest committed version where a plain one would see the
    statement's snapshot. Task first, then lease, as everywhere else: no deadlock. (The
    snapshot may still miss a submission committed meanwhile; its insert then conflicts.)
    """
    lock = ""
    if connection.features.has_select_for_update:
        lock = " FOR UPDATE"
    sql = (
        f"WITH t AS (SELECT id, {', '.join(_COUNT_FIELDS)} FROM tasks_task "  # noqa: S608 (constant names)
        f"WHERE id = %s{lock}) "
        f"SELECT {', '.join(_COUNT_FIELDS)}, "
        "(SELECT s.id FROM tasks_submission s WHERE s.task_id = t.id AND s.author_id = %s), "
        "EXISTS (SELECT 1 FROM tasks_draft d WHERE d.task_id = t.id AND d.author_id = %s), "
        "EXISTS (SELECT 1 FROM tasks_lease l WHERE l.task_id = t.id AND l.trainer_id = %s "
        f"AND l.status = %s{lock}) "
        "FROM t"
    )
    author_pk = author.pk if author is not None else None
    with connection.cursor() as cursor:
        sql_execute(cursor, sql, [task.pk, author_pk, author_pk, author_pk, LeaseStatus.ACTIVE])
        row = cursor.fetchone()
    if row is None:
        raise Task.DoesNotExist("The task was deleted.")
    *counts, submission_id, has_draft, holds_lease = row
    for name, value in zip(_COUNT_FIELDS, counts, strict=True):
        setattr(task, name, bool(value) if name in ("available", "is_gold") else value)
    return SubmitterState(
        submission_id=submission_id, has_draft=bool(has_draft), holds_lease=bool(holds_lease)
    )


def task_claim_for_submission(
    *,
    task: Task,
    trainer,
    holds_lease: bool,
    writes: Writes,
    now: datetime | None = None,
) -> Task:
    """Called by ``submission_submit`` inside its transaction, with ``task`` locked by
    ``task_lock_for_submission``: turn the trainer's hold into a filled slot, or accept a
    late answer while the task still needs one. The writes join ``writes`` (the submit's
    one statement); ``holds_lease`` is what the lock read, under the same lock.

    A trainer's work is never silently thrown away: when the task was completed by others
    meanwhile, the refusal says so (and the caller keeps the draft).
    """
    now = now or timezone.now()
    if holds_lease:
        # Every change to a lease's status happens under its task's lock, which we hold.
        writes.add(
            "UPDATE tasks_lease SET status = %s, ended_at = %s "
            "WHERE task_id = %s AND trainer_id = %s AND status = %s",
            [
                LeaseStatus.SUBMITTED,
                connection.ops.adapt_datetimefield_value(now),
                task.pk,
                trainer.pk,
                LeaseStatus.ACTIVE,
            ],
        )
        return _apply(task, leased=-1, filled=+1, writes=writes)
    ever_served = Lease.objects.filter(task=task, trainer=trainer).exists()
    if not ever_served:
        raise ConflictError(
            gettext("This task was never given to you; ask for your next task instead."),
            code="not_leased",
        )
    if task.is_gold:
        return task
    if task.filled + task.leased >= task.needed:
        raise ConflictError(
            gettext(
                "Your hold on this task ran out and other trainers have completed it meanwhile, "
                "so it takes no more answers. Your draft is kept."
            ),
            code="task_complete",
        )
    return _apply(task, filled=+1, writes=writes)


_CLAIM_LOCK = (
    "SELECT id, project_id, needed, filled, leased, skips, state, is_gold "
    "FROM tasks_task WHERE id = %s FOR UPDATE"
)


def task_claim_held(*, task: Task, trainer, writes: Writes, now: datetime | None = None) -> int:
    """PostgreSQL, outside a transaction: the steps of ``writes`` that, in its one
    statement, lock the task, end the trainer's live lease on it and turn that hold into a
    filled slot (counts, state, counters), if and only if they hold one. Returns the step
    that ends the lease, for the rest of the submit to write ``after`` it; when it ends
    none, nothing is written and the caller takes ``task_claim_for_submission``'s path.

    The task is locked first (a MATERIALIZED CTE that the lease's update reads), then the
    lease is updated: task, then lease, as everywhere else. A submit that waited here for
    another (a double click) finds that one's lease ended: the update rechecks the newest
    version of the row it waited for. The counts come from the locked, newest task row.
    """
    if connection.vendor != "postgresql":
        raise RuntimeError("task_claim_held builds PostgreSQL's one-statement submit only.")
    now = now or timezone.now()
    locked = writes.add(_CLAIM_LOCK, [task.pk], materialized=True)
    t = Writes.cte(locked)
    ended = writes.add(
        f"UPDATE tasks_lease SET status = %s, ended_at = %s FROM {t} t "  # noqa: S608 (step names)
        "WHERE tasks_lease.task_id = t.id AND tasks_lease.trainer_id = %s "
        "AND tasks_lease.status = %s RETURNING tasks_lease.id",
        [
            LeaseStatus.SUBMITTED,
            connection.ops.adapt_datetimefield_value(now),
            trainer.pk,
            LeaseStatus.ACTIVE,
        ],
        on_value=lambda lease_id: None,
    )
    # ``task_state`` and ``_apply`` for filled + 1, leased - 1, in SQL (gold tasks keep
    # their counts, as in ``_apply``).
    threshold = task.project.skip_flag_threshold or 0
    changed = writes.add(
        "SELECT t.id, t.project_id, t.needed, t.state AS before, "  # noqa: S608 (step names)
        "t.filled + 1 AS filled, t.leased - 1 AS leased, "
        "CASE WHEN t.filled + 1 >= t.needed THEN %s "
        "WHEN CAST(%s AS integer) > 0 AND t.skips >= CAST(%s AS integer) THEN %s "
        "WHEN t.filled + t.leased > 0 THEN %s ELSE %s END AS state "
        f"FROM {t} t WHERE NOT t.is_gold",
        [
            TaskState.COMPLETE,
            threshold,
            threshold,
            TaskState.FLAGGED,
            TaskState.IN_PROGRESS,
            TaskState.NEW,
        ],
        after=ended,
        materialized=True,
    )
    n = Writes.cte(changed)

    def moved(row) -> None:
        if row is not None:  # the task as the statement left it
            task.state, task.filled, task.leased, task.available = row

    writes.add(
        f"UPDATE tasks_task SET filled = n.filled, leased = n.leased, state = n.state, "  # noqa: S608
        "available = n.state IN (%s, %s) AND n.filled + n.leased < n.needed "
        f"FROM {n} n WHERE tasks_task.id = n.id RETURNING json_build_array("
        "tasks_task.state, tasks_task.filled, tasks_task.leased, tasks_task.available)",
        [TaskState.NEW, TaskState.IN_PROGRESS],
        on_value=moved,
    )
    writes.add(  # (state, shard) order, as in ``_counters_add``
        "INSERT INTO tasks_taskcounter (project_id, state, shard, count) "  # noqa: S608
        "SELECT n.project_id, change.state, CAST(%s AS smallint), change.delta "
        f"FROM {n} n CROSS JOIN LATERAL (VALUES (n.before, -1), (n.state, 1)) "
        "AS change (state, delta) WHERE n.before <> n.state ORDER BY change.state "
        "ON CONFLICT (project_id, state, shard) "
        "DO UPDATE SET count = tasks_taskcounter.count + EXCLUDED.count",
        [random.randrange(TaskCounter.SHARDS)],
    )
    return ended


# --- setters' controls ------------------------------------------------------------------


@transaction.atomic
def task_assign(*, task: Task, trainer_identifier: str, by) -> Assignment:
    """Assign a task to a trainer of its project; it is served to them first."""
    identifier = (trainer_identifier or "").strip()
    user = (
        get_user_model()
        .objects.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier))
        .first()
    )
    if (
        user is None
        or not Membership.objects.filter(
            project_id=task.project_id, user=user, role=Role.TRAINER
        ).exists()
    ):
        raise DomainError(
            gettext("%(user)s is not a trainer of this project.") % {"user": repr(identifier)},
            fields={"trainer": [gettext("Name a trainer of this project.")]},
        )
    if task.is_gold:
        raise DomainError(
            gettext("Gold tasks are mixed in, not assigned."), fields={"task": [gettext("Gold.")]}
        )
    assignment, _ = Assignment.objects.get_or_create(
        task=task, trainer=user, defaults={"assigned_by": by}
    )
    return assignment


@transaction.atomic
def task_set_gold(*, task: Task, gold_answer: Any) -> Task:
    """Mark a task as gold with its expected answer (checked against the template), or
    unmark it with ``gold_answer=None``. Only a task nobody holds or answered yet."""
    task = _locked(task.pk)
    in_use = (
        task.filled
        or task.leased
        or Submission.objects.filter(task=task).exists()
        or Lease.objects.filter(task=task, status=LeaseStatus.ACTIVE).exists()  # gold holds
    )
    if in_use:
        raise ConflictError(
            gettext("Only a task that nobody holds or has answered can change its gold status."),
            code="task_in_use",
        )
    if gold_answer is None:
        if task.is_gold:
            task.is_gold, task.gold_answer = False, None
            task.save(update_fields=["is_gold", "gold_answer"])
            _counters_add(task.project_id, {task.state: +1})
        return task
    template = template_require_current(task.project)
    check = validate_gold_answer(template.definition, gold_answer, task_data=task.data)
    if not check.ok:
        raise DomainError(
            gettext("The expected answer does not fit the template."),
            code="invalid_answer",
            fields={
                f"gold_answer.{key}" if key else "gold_answer": v for key, v in check.errors.items()
            },
        )
    if not task.is_gold:
        _counters_add(task.project_id, {task.state: -1})
    task.is_gold, task.gold_answer = True, check.cleaned
    task.save(update_fields=["is_gold", "gold_answer"])
    return task


@transaction.atomic
def task_update_settings(
    *, task: Task, priority: int | None = None, overlap: int | str | None = "keep"
) -> Task:
    """Change a task's priority or its overlap override (``None`` = the project's)."""
    task = _locked(task.pk)
    if priority is not None:
        task.priority = priority
        Task.objects.filter(pk=task.pk).update(priority=priority)
    if overlap != "keep":
        if overlap is not None and not 1 <= int(overlap) <= 100:
            raise DomainError(
                gettext("Overlap is 1 to 100."), fields={"overlap": [gettext("Between 1 and 100.")]}
            )
        task.overlap = overlap
        # Never below the answers and holds it already has: in-flight work is kept.
        needed = max(overlap or task.project.default_overlap, task.filled + task.leased)
        Task.objects.filter(pk=task.pk).update(overlap=overlap, needed=needed)
        task.needed = needed
        _apply(task)
    return task


DISTRIBUTION_LIMITS = {
    "default_overlap": (1, 100),
    "lease_seconds": (60, 7 * 24 * 3600),
    "max_leases_per_trainer": (1, 100),
    "max_submissions_per_day": (1, 100_000),
    "skip_flag_threshold": (1, 1000),
}


@transaction.atomic
def project_distribution_update(*, project: Project, **changes: Any) -> Project:
    """Change how a project hands out work; a new overlap applies to every task that has
    no override, recomputing states and counters in one pass."""
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        if name == "gold_rate":
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not 0 <= value <= 1
            ):
                errors[name] = [gettext("A share between 0 and 1.")]
        elif name in DISTRIBUTION_LIMITS:
            low, high = DISTRIBUTION_LIMITS[name]
            if value is None and name == "max_submissions_per_day":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                errors[name] = [
                    gettext("A whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
                ]
        else:
            errors[name] = [gettext("Unknown setting.")]
    if errors:
        raise DomainError(gettext("Some distribution settings are out of range."), fields=errors)
    Project.objects.select_for_update().filter(pk=project.pk).first()
    overlap_changed = (
        "default_overlap" in changes and changes["default_overlap"] != project.default_overlap
    )
    threshold_changed = (
        "skip_flag_threshold" in changes
        and changes["skip_flag_threshold"] != project.skip_flag_threshold
    )
    for name, value in changes.items():
        setattr(project, name, value)
    project.save()
    if overlap_changed or threshold_changed:
        task_states_rebuild(project=project)
    return project


def task_states_rebuild(*, project: Project) -> dict[str, int]:
    """Recompute every task's needed/state/availability and the counters from the rows.

    Used when a project-wide setting changes, and as the reconciliation the periodic job
    can run: it counts from the source rows, so any drift would be repaired.
    """
    with transaction.atomic():
        tasks = Task.objects.select_for_update().filter(project=project, is_gold=False)
        list(tasks.values_list("pk", flat=True))  # lock them all
        filling = Submission.objects.filter(task=OuterRef("pk"), status__in=FILLING_STATUSES)
        live = Lease.objects.filter(task=OuterRef("pk"), status=LeaseStatus.ACTIVE)
        skipped = Skip.objects.filter(task=OuterRef("pk"))

        def count_of(queryset):
            return Coalesce(
                Subquery(
                    queryset.order_by().values("task").annotate(n=Count("pk")).values("n")[:1],
                    output_field=IntegerField(),
                ),
                Value(0),
            )

        tasks.update(
            filled=count_of(filling),
            leased=count_of(live),
            skips=count_of(skipped),
        )
        tasks.update(
            needed=Greatest(
                Coalesce("overlap", Value(project.default_overlap)), F("filled") + F("leased")
            )
        )
        threshold = project.skip_flag_threshold
        tasks.update(
            state=Case(
                When(filled__gte=F("needed"), then=Value(TaskState.COMPLETE)),
                When(skips__gte=threshold, then=Value(TaskState.FLAGGED)),
                When(Q(filled__gt=0) | Q(leased__gt=0), then=Value(TaskState.IN_PROGRESS)),
                default=Value(TaskState.NEW),
            )
        )
        tasks.update(
            available=Case(
                When(
                    Q(state__in=(TaskState.NEW, TaskState.IN_PROGRESS))
                    & Q(filled__lt=F("needed") - F("leased")),
                    then=Value(True),
                ),
                default=Value(False),
            )
        )
        TaskCounter.objects.filter(project=project).delete()
        counts = dict(
            Task.objects.filter(project=project, is_gold=False)
            .values("state")
            .annotate(n=Count("pk"))
            .values_list("state", "n")
        )
        TaskCounter.objects.bulk_create(
            [
                TaskCounter(project=project, state=state, shard=0, count=count)
                for state, count in counts.items()
            ]
        )
    return counts

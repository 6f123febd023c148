"""Running a revision's checks, as of its place in the order of submissions.

**The order.** A run's id is its revision's sequence: the submit's own statement inserts
the run, so the order is fixed at submit time. A check that compares with other work
judges a revision only against work before it in that order (near-duplicates, a
trainer's earlier ratings), or against the whole set it belongs to (agreement with the
other answers to its task). Its verdict then depends on which submissions exist, not on
when a worker got to them.

**Re-judging, not waiting.** Sequences, like ids, can commit out of order, and a worker
that lags checks a revision after later ones. Rather than wait until every earlier
sequence has committed or aborted (a watermark, which would stall every check behind the
slowest open transaction of the database), a run is judged at once and, when it
completes, judges again the work already checked whose verdict it changes:

- the other answers to its task (``agreement_outlier``), each new answer refining them;
- the same trainer's later submissions whose window of ratings holds it
  (``straight_lining``);
- later texts in the project that resemble its own (``near_duplicate``).

A re-judgment updates the current result and records what changed and why
(``FindingChange``). All of this happens under the project's check lock, a PostgreSQL
advisory lock held to the end of the run's transaction: a run that commits late then
always finds the later work it changes already marked done, and the near-duplicate
signatures commit in id order (``quality.near_duplicates``). The same submissions thus give
the same current findings whatever the number of workers, their lag, retries or order.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone, translation

import quality.checks as checks
from quality.checks.messages import message_of
from quality.hooks import checks_done
from quality.models import (
    CheckResult,
    CheckRun,
    FindingChange,
    GoldOutcome,
    OnFail,
    RejudgeReason,
    RunStatus,
)
from quality.services.configuration import EffectiveCheck, check_configs_for
from tasks.models import Project, Submission, SubmissionStatus
from tasks.services.reviewing import submission_return_for_rework
from tasks.template_definition import questions

log = logging.getLogger(__name__)

STATUS_RANK = {"not_applicable": -1, "pass": 0, "warn": 1, "fail": 2, "error": 3}
# pg_advisory_xact_lock(namespace, project id); imports.services uses 8_413.
CHECKS_LOCK_NAMESPACE = 8_414
# The most re-judgments one near-duplicate text triggers (its closest later matches).
REJUDGE_MATCHES = 200


def project_checks_lock(project_id: int) -> None:
    """Judge one project's runs one transaction at a time (PostgreSQL: an advisory lock
    released at commit). SQLite writes one transaction at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [CHECKS_LOCK_NAMESPACE, project_id]
            )


# --- one project's settings, read once per run ------------------------------------------


@dataclass
class _Settings:
    checks: list[EffectiveCheck]
    typed: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, Exception] = field(default_factory=dict)

    @classmethod
    def of(cls, project: Project) -> _Settings:
        settings = cls([check for check in check_configs_for(project) if check.enabled])
        for check in settings.checks:
            try:
                settings.typed[check.name] = checks.CATALOGUE[check.name].build_config(check.config)
            except Exception as exc:  # judged as an error result, never as a pass
                settings.problems[check.name] = exc
        return settings

    def enabled(self, name: str) -> bool:
        return name in self.typed or name in self.problems

    def typed_or_default(self, name: str) -> Any:
        return self.typed.get(name) or checks.CATALOGUE[name].build_config(None)


# --- a submission's input, as of its sequence -------------------------------------------


def _rating_ids(submission: Submission, only: tuple[str, ...] = ()) -> list[str]:
    """The rating questions whose values straight-lining examines (``only``: the project's
    choice of them; none chosen: all)."""
    return [
        q["id"]
        for q in questions(submission.template.definition)
        if q["type"] == "rating" and (not only or q["id"] in only)
    ]


def _rating_values(answers: list[Any], rating_ids: list[str]) -> list[Any]:
    """The rating values of ``answers``, in their order."""
    return [
        answer.get(qid)
        for answer in answers
        for qid in rating_ids
        if isinstance(answer, dict) and answer.get(qid) is not None
    ]


def _current_runs(project_id: int):
    """Runs of the current revisions of a project's submissions."""
    return CheckRun.objects.filter(
        submission__task__project_id=project_id, revision=F("submission__revision")
    )


def _row_limit(runs: list[CheckRun], window: int) -> int:
    """How many of each author's runs a batch query reads: enough for ``window`` beyond
    the author's runs in the batch and as many again between them; a run that needs more
    is read on its own (rare: an author with many runs interleaved with the batch's)."""
    per_author = Counter(run.submission.author_id for run in runs)
    return window + 2 * max(per_author.values(), default=0) + 16


def _author_neighbours(
    runs: list[CheckRun], count: int, *, before: bool, pool=None, value: str | None = None
) -> dict[int, list[Any]]:
    """For each run, ``value`` (a field; None: the run id) of the ``count`` runs of its
    author in ``pool`` (default: the project's current runs) nearest before it (or after
    it), in sequence order.

    One query for the batch: each author's runs beyond the batch's highest (lowest) run,
    numbered per author and cut at ``_row_limit``; a run that the cut leaves short is read
    on its own."""
    if not runs:
        return {}
    pool = pool if pool is not None else _current_runs(runs[0].submission.task.project_id)
    limit = _row_limit(runs, count)
    fields = ("pk", "submission_id", *([value] if value else []))
    side = {"pk__lt": max(r.pk for r in runs)} if before else {"pk__gt": min(r.pk for r in runs)}
    rows = (
        pool.filter(submission__author_id__in={run.submission.author_id for run in runs}, **side)
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("submission__author_id")],
                order_by=F("pk").desc() if before else F("pk").asc(),
            )
        )
        .filter(position__lte=limit)
        .values_list("submission__author_id", *fields)
    )
    by_author: dict[int, list[tuple[int, int, Any]]] = defaultdict(list)
    for author_id, *row in rows:
        by_author[author_id].append(tuple(row))
    found = {}
    for run in runs:
        mine = by_author.get(run.submission.author_id, [])
        near = sorted(
            row
            for row in mine
            if (row[0] < run.pk if before else row[0] > run.pk) and row[1] != run.submission_id
        )
        near = near[-count:] if before else near[:count]
        if len(near) < count and len(mine) >= limit:  # the fetched rows ran out
            own = (
                pool.filter(
                    submission__author_id=run.submission.author_id,
                    **({"pk__lt": run.pk} if before else {"pk__gt": run.pk}),
                )
                .exclude(submission_id=run.submission_id)
                .order_by("-pk" if before else "pk")
                .values_list(*fields)[:count]
            )
            near = sorted(own)
        found[run.pk] = [row[-1] if value else row[0] for row in near]
    return found


def _ratings_before_many(
    runs: list[CheckRun], window: int, only: tuple[str, ...] = ()
) -> dict[int, list[Any]]:
    """The author's rating values in this project from the ``window`` submissions before
    each run (their current revisions), oldest first, then the run's own."""
    rated = [run for run in runs if _rating_ids(run.submission, only)]
    answers = _author_neighbours(rated, window, before=True, value="submission__answer")
    found = {}
    for run in rated:
        ids = _rating_ids(run.submission, only)
        own = run.submission.answer if isinstance(run.submission.answer, dict) else {}
        found[run.pk] = _rating_values([*answers[run.pk], own], ids)
    return found


def _ratings_after_many(
    runs: list[CheckRun], window: int, only: tuple[str, ...] = ()
) -> dict[int, list[Any]]:
    """The author's rating values in this project from the ``window - 1`` submissions
    after each run (their current revisions), oldest first."""
    rated = [run for run in runs if _rating_ids(run.submission, only)]
    answers = _author_neighbours(rated, window - 1, before=False, value="submission__answer")
    return {
        run.pk: _rating_values(answers[run.pk], _rating_ids(run.submission, only)) for run in rated
    }


def _other_answers_many(runs: list[CheckRun]) -> dict[int, list[Any]]:
    """The other answers (not rejected) to each run's task, in one query."""
    rows = (
        Submission.objects.filter(task_id__in={run.submission.task_id for run in runs})
        .exclude(status=SubmissionStatus.REJECTED)
        .order_by("pk")
        .values_list("task_id", "pk", "answer")
    )
    by_task: dict[int, list[tuple[int, Any]]] = defaultdict(list)
    for task_id, submission_id, answer in rows:
        by_task[task_id].append((submission_id, answer))
    return {
        run.pk: [
            answer
            for submission_id, answer in by_task.get(run.submission.task_id, [])
            if submission_id != run.submission_id
        ]
        for run in runs
    }


def _inputs(runs: list[CheckRun], settings: _Settings, only=None) -> dict[int, Any]:
    """What the checks (or only the checks named in ``only``) need of one project's runs,
    each as of its own sequence, in a fixed number of queries."""
    from quality.near_duplicates import project_index

    def needed(name: str) -> bool:
        return (only is None or name in only) and settings.enabled(name)

    lining = settings.typed_or_default("straight_lining")
    ratings = (
        _ratings_before_many(runs, lining.window, lining.questions)
        if needed("straight_lining")
        else {}
    )
    later = (
        _ratings_after_many(runs, lining.window, lining.questions)
        if needed("straight_lining")
        else {}
    )
    others = _other_answers_many(runs) if needed("agreement_outlier") else {}
    index = project_index(runs[0].submission.task.project_id) if needed("near_duplicate") else None
    inputs = {}
    for run in runs:
        submission = run.submission
        task = submission.task
        references = task.data.get("ai_references") if isinstance(task.data, dict) else None
        inputs[run.pk] = checks.CheckInput(
            definition=submission.template.definition,
            answer=submission.answer,
            task_data=task.data,
            telemetry=submission.telemetry or None,
            submission_id=str(submission.pk),
            trainer_id=str(submission.author_id),
            task_id=str(task.pk),
            ai_references=references if isinstance(references, dict) else {},
            is_gold=task.is_gold,
            gold_answer=task.gold_answer if task.is_gold else None,
            recent_ratings=ratings.get(run.pk, ()),
            later_ratings=later.get(run.pk, ()),
            other_answers=others.get(run.pk, ()),
            near_duplicates=index,
            sequence=run.pk,
        )
    return inputs


def _judge(name: str, check_input, settings: _Settings) -> tuple[str, list[dict[str, Any]]]:
    """One check's status and findings; a check that raises is an error, never a pass."""
    try:
        if name in settings.problems:
            raise settings.problems[name]
        findings = [f.as_dict() for f in checks.run_check(name, check_input, settings.typed[name])]
        if not findings:  # never silently exempt: a check that found nothing to judge says so
            findings = [
                {
                    "status": "not_applicable",
                    "code": "nothing_to_check",
                    "params": {},
                    "question_id": None,
                    "evidence": {},
                }
            ]
    except Exception as exc:
        log.exception("Check %s failed on submission %s", name, check_input.submission_id)
        findings = [
            {
                "status": "error",
                "code": "check_error",
                "params": {},
                "question_id": None,
                "evidence": {"error": f"{type(exc).__name__}: {exc}"[:500]},
            }
        ]
    return _worst(findings), findings


def _worst(findings: list[dict[str, Any]]) -> str:
    return max((f["status"] for f in findings), key=STATUS_RANK.__getitem__, default="pass")


# --- runs -------------------------------------------------------------------------------


def checks_run(*, run_id: int) -> CheckRun | None:
    """``checks_run_batch`` for one run."""
    return checks_run_batch(run_ids=[run_id])[run_id]


def checks_run_batch(
    *, run_ids: list[int], take_more: int = 0, gather_seconds: float = 0.0
) -> dict[int, CheckRun | None]:
    """Run the enabled checks of these submission revisions, store their results, and
    judge again the checked work whose verdicts they change (module docstring). One
    transaction, and per project a fixed number of queries however many runs.

    ``take_more``: also check up to that many other pending runs, oldest first (a worker's
    job does: when the queue has a backlog, the messages behind this one then find their
    runs done, and each batch is large enough to cost little per run). ``gather_seconds``:
    first wait until the oldest pending run of these is that old, so the runs submitted
    meanwhile join the batch (a worker that keeps up would judge a few at a time).

    Idempotent: a run already done is left alone; results are written once per check per
    run. A check that raises is recorded as an error (never as a pass), and the others
    still run. A run another worker holds right now is skipped (None): it is being checked.
    """
    # While a backlog drains, most messages find their runs done by an earlier job's
    # ``take_more``: one plain read tells, with no row locked and nothing more taken (every
    # pending run has its own message behind this one, or the sweep sends it one).
    unlocked = {run.pk: run for run in CheckRun.objects.filter(pk__in=run_ids)}
    pending = [run for run in unlocked.values() if run.status != RunStatus.DONE]
    if not pending:
        return {run_id: unlocked.get(run_id) for run_id in run_ids}
    if gather_seconds > 0:
        age = (timezone.now() - min(run.created_at for run in pending)).total_seconds()
        if age < gather_seconds:
            time.sleep(gather_seconds - age)
    # Only the runs' rows (``of``): a task, project or template row that a submit or
    # ``next`` holds for a moment must not make a run look taken by another worker.
    locked = CheckRun.objects.select_for_update(skip_locked=True, of=("self",)).select_related(
        "submission__task__project", "submission__template"
    )
    with transaction.atomic():
        runs = list(locked.filter(pk__in=run_ids).order_by("pk"))
        if take_more:
            more = locked.filter(status=RunStatus.PENDING).exclude(pk__in=run_ids)
            runs += list(more.order_by("created_at")[:take_more])
            runs.sort(key=lambda run: run.pk)
        now = timezone.now()
        todo: dict[int, list[CheckRun]] = defaultdict(list)
        superseded = []
        for run in runs:
            if run.status == RunStatus.DONE:
                continue
            if run.submission.revision != run.revision:
                # A newer revision superseded this one before it was checked; its own run
                # covers the answer that now stands.
                run.status, run.finished_at = RunStatus.DONE, now
                superseded.append(run)
                continue
            todo[run.submission.task.project_id].append(run)
        if superseded:
            CheckRun.objects.filter(pk__in=[run.pk for run in superseded]).update(
                status=RunStatus.DONE, finished_at=now
            )
        for project_id in sorted(todo):  # locks always taken in one order
            try:
                project_checks_lock(project_id)
                _run_locked(todo[project_id])
            except BaseException:
                # The in-memory index may hold these runs' texts, which now never commit.
                from quality.near_duplicates import forget_project_index

                forget_project_index(project_id)
                raise
    found = {run.pk: run for run in runs}
    return {run_id: found.get(run_id) for run_id in run_ids}


def _run_locked(runs: list[CheckRun]) -> None:
    """Check one project's runs (its check lock held)."""
    from quality.near_duplicates import signatures_store_many

    settings = _Settings.of(runs[0].submission.task.project)
    inputs = _inputs(runs, settings)
    results = {
        run.pk: {
            check.name: _judge(check.name, inputs[run.pk], settings) for check in settings.checks
        }
        for run in runs
    }
    _results_write(
        [
            (run, name, status, findings)
            for run in runs
            for name, (status, findings) in results[run.pk].items()
        ]
    )
    for run in runs:
        if "gold" in results[run.pk] and inputs[run.pk].is_gold:
            _record_gold(run.submission, results[run.pk]["gold"][1])
    # Filed whether or not the check is enabled, so turning it on later compares with all.
    near = settings.typed_or_default("near_duplicate")
    signatures = signatures_store_many(
        [(run.submission, inputs[run.pk], run.pk) for run in runs], near
    )
    now = timezone.now()
    for run in runs:
        run.status, run.finished_at = RunStatus.DONE, now
        run.started_at = run.started_at or now
        run.attempts += 1
    # One plain UPDATE: every run of the batch gets the same values (bulk_update would
    # build a CASE per column and row, the batch's costliest statement to compile).
    CheckRun.objects.filter(pk__in=[run.pk for run in runs]).update(
        status=RunStatus.DONE,
        finished_at=now,
        started_at=Coalesce("started_at", Value(now)),
        attempts=F("attempts") + 1,
    )
    on_fail = {check.name: check.on_fail for check in settings.checks}
    for run in runs:
        failures = [
            (name, on_fail[name], findings)
            for name, (status, findings) in results[run.pk].items()
            if status == "fail"
        ]
        _act_on(run.submission, failures)
    # The checks decide the review queue's order (failed, warned, sampled clean work):
    # the review workflow hears of the runs through its hook, in this transaction.
    checks_done(items=[(run.submission, run) for run in runs])
    lined = {
        run.pk
        for run in runs
        if _backward_fail(results[run.pk].get("straight_lining", ("", []))[1])
    }
    _rejudge_dependents(runs, settings, signatures, straight_lined=lined)


RESULT_ROWS_PER_STATEMENT = 500  # 3,500 parameters: within SQLite's limit too


def _results_write(rows: list[tuple[CheckRun, str, str, list[dict[str, Any]]]]) -> None:
    """Store one result per (run, check), replacing one that exists: a multi-row INSERT per
    ``RESULT_ROWS_PER_STATEMENT`` rows.

    The rows are those of ``CheckResult.objects.bulk_create(..., update_conflicts=True)``
    (a test compares them), which cost four times the CPU: a model instance and a compiled
    placeholder set per row, the largest cost of a batch after the checks themselves."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(CheckResult._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        for start in range(0, len(rows), RESULT_ROWS_PER_STATEMENT):
            chunk = rows[start : start + RESULT_ROWS_PER_STATEMENT]
            params: list[Any] = []
            for run, name, status, findings in chunk:
                params += [
                    run.pk, run.submission_id, run.revision, name, status,
                    json.dumps(findings), now,
                ]  # fmt: skip
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (run_id, submission_id, revision, check_name, status, "  # noqa: S608 (the model's table)
                f"findings, created_at) VALUES {values} ON CONFLICT (run_id, check_name) "
                "DO UPDATE SET status = EXCLUDED.status, findings = EXCLUDED.findings",
                params,
            )


# --- re-judging -------------------------------------------------------------------------


def _rejudge_dependents(
    batch: list[CheckRun],
    settings: _Settings,
    signatures: dict[int, dict],
    straight_lined: frozenset[int] | set[int] = frozenset(),
) -> None:
    """Judge again the checked work whose verdict the runs of ``batch`` (just checked, one
    project's) change. Runs of the batch were judged with every committed answer and
    rating already, so only the near-duplicate texts they filed after judging each other
    can change one of them."""
    project_id = batch[0].submission.task.project_id
    in_batch = {run.pk for run in batch}
    current = _current_runs(project_id).filter(status=RunStatus.DONE)
    # run id -> {check: (reason, cause run)}; the earliest cause is named
    due: dict[int, dict[str, tuple[str, CheckRun]]] = defaultdict(dict)

    def owe(run_id: int, check: str, reason: str, cause: CheckRun) -> None:
        if check not in due[run_id] or cause.pk < due[run_id][check][1].pk:
            due[run_id][check] = (reason, cause)

    if settings.enabled("agreement_outlier"):
        by_task = defaultdict(list)
        for run in batch:
            by_task[run.submission.task_id].append(run)
        siblings = (
            current.filter(submission__task_id__in=by_task)
            .exclude(pk__in=in_batch)
            .values_list("pk", "submission__task_id")
        )
        for run_id, task_id in siblings:
            owe(run_id, "agreement_outlier", RejudgeReason.NEW_ANSWER, by_task[task_id][0])
    rating_questions = settings.typed_or_default("straight_lining").questions
    rated = [run for run in batch if _rating_ids(run.submission, rating_questions)]
    if settings.enabled("straight_lining") and rated:
        # A later run's window holds a batch run when fewer than ``window`` of the
        # author's runs lie between them.
        window = settings.typed_or_default("straight_lining").window
        mine = defaultdict(list)
        for run in rated:
            mine[run.submission.author_id].append(run)
        later = (
            current.filter(submission__author_id__in=mine, pk__gt=min(run.pk for run in rated))
            .exclude(pk__in=in_batch)
            .order_by("pk")
            .values_list("pk", "submission__author_id")
        )
        following = defaultdict(list)
        for run_id, author_id in later:
            following[author_id].append(run_id)
        for author_id, runs_of_author in mine.items():
            for cause in runs_of_author:
                after = [run_id for run_id in following[author_id] if run_id > cause.pk]
                for run_id in after[:window]:
                    owe(run_id, "straight_lining", RejudgeReason.EARLIER_CHECKED, cause)
        # An earlier run sees a batch run among its next ratings; its verdict changes
        # only if a window holding it fails. A batch run's own window is the only new one,
        # so the earlier runs are owed a new judgment only when it failed. (A window that
        # a late commit changes is the later run's, judged again above: ``_rejudge``
        # carries that on to the runs before it.)
        reaching = [run for run in rated if run.pk in straight_lined]
        for run_id, cause in _earlier_in_windows(reaching, window, exclude=in_batch):
            owe(run_id, "straight_lining", RejudgeReason.NEXT_RATINGS, cause)
    if settings.enabled("near_duplicate") and any(signatures.values()):
        from quality.near_duplicates import project_index

        index = project_index(project_id)
        near = settings.typed_or_default("near_duplicate")
        similar: dict[int, CheckRun] = {}  # submission id -> the earliest run it resembles
        for run in batch:
            for signature in signatures.get(run.pk, {}).values():
                for match in index.query(
                    signature=signature,
                    min_similarity=near.warn_similarity,
                    exclude_submission=str(run.submission_id),
                    after_sequence=run.pk,
                    limit=REJUDGE_MATCHES,
                ):
                    similar.setdefault(int(match.submission_id), run)
        if similar:
            later = current.filter(submission_id__in=similar).values_list("pk", "submission_id")
            for run_id, submission_id in later:
                if run_id > similar[submission_id].pk:
                    owe(
                        run_id,
                        "near_duplicate",
                        RejudgeReason.EARLIER_CHECKED,
                        similar[submission_id],
                    )
    if due:
        _rejudge(due, settings)


def _earlier_in_windows(
    causes: list[CheckRun], window: int, exclude: set[int] | frozenset[int] = frozenset()
) -> list[tuple[int, CheckRun]]:
    """(run id, cause) for each current, checked run of the same author among the
    ``window - 1`` before each cause: the runs whose later windows hold the cause."""
    if not causes:
        return []
    pool = (
        _current_runs(causes[0].submission.task.project_id)
        .filter(status=RunStatus.DONE)
        .exclude(pk__in=exclude)
    )
    earlier = _author_neighbours(causes, window - 1, before=True, pool=pool)
    return [(run_id, cause) for cause in causes for run_id in reversed(earlier[cause.pk])]


def _backward_fail(findings: list[dict[str, Any]]) -> bool:
    """Whether straight-lining failed the run on its own window (not as part of a run
    that showed later)."""
    return any(f.get("code") == "straight_lining.same" for f in findings)


def _rejudge(due: dict[int, dict[str, tuple[str, CheckRun]]], settings: _Settings) -> None:
    runs = list(
        CheckRun.objects.select_related("submission__task__project", "submission__template")
        .filter(pk__in=due)
        .order_by("pk")
    )
    stored = {
        (result.run_id, result.check_name): result
        for result in CheckResult.objects.filter(run__in=due)
    }
    needs = {check for wanted in due.values() for check in wanted}
    inputs = _inputs(runs, settings, only=needs)
    changes, changed_results, changed_runs, flipped = [], [], [], []
    for run in runs:
        changed = False
        for name, (reason, cause) in sorted(due[run.pk].items()):
            result = stored.get((run.pk, name))
            if result is None:  # the check was off when this run was judged
                continue
            status, findings = _judge(name, inputs[run.pk], settings)
            if (result.status, result.findings) == (status, findings):
                continue
            changes.append(
                FindingChange(
                    result=result,
                    previous_status=result.status,
                    previous_findings=result.findings,
                    status=status,
                    findings=findings,
                    reason=reason,
                    cause=cause,
                )
            )
            if name == "straight_lining" and _backward_fail(result.findings) != _backward_fail(
                findings
            ):
                flipped.append(run)  # its own window changed verdict: the runs before it
            result.status, result.findings = status, findings
            changed_results.append(result)
            changed = True
        if changed:
            changed_runs.append(run)
    FindingChange.objects.bulk_create(changes)
    CheckResult.objects.bulk_update(changed_results, ["status", "findings"])
    checks_done(items=[(run.submission, run) for run in changed_runs])
    if flipped:
        # A window's verdict changed (a late commit): the runs before it that it holds
        # are judged again. Their own windows did not change, so this goes no further.
        window = settings.typed_or_default("straight_lining").window
        more: dict[int, dict[str, tuple[str, CheckRun]]] = defaultdict(dict)
        for run_id, cause in _earlier_in_windows(flipped, window):
            if (
                "straight_lining" not in more[run_id]
                or cause.pk < more[run_id]["straight_lining"][1].pk
            ):
                more[run_id]["straight_lining"] = (RejudgeReason.NEXT_RATINGS, cause)
        _rejudge(dict(more), settings)


# --- what a run leads to ----------------------------------------------------------------


def _record_gold(submission: Submission, findings: list[dict[str, Any]]) -> None:
    verdicts = [f["evidence"].get("correct") for f in findings if "correct" in f["evidence"]]
    if not verdicts:
        return
    GoldOutcome.objects.update_or_create(
        submission=submission,
        defaults={
            "project_id": submission.task.project_id,
            "trainer_id": submission.author_id,
            "correct": all(bool(v) for v in verdicts),
        },
    )


def _act_on(submission: Submission, failures: list[tuple[str, str, list[dict]]]) -> None:
    # Return reasons are stored as text on the submission (``tasks``), rendered here in the
    # author's saved language, as the review workflow writes its reasons (a worker has no
    # request: an author who follows their browser reads them in the default language).
    failed = [
        f
        for _, on_fail, findings in failures
        if on_fail == OnFail.RETURN
        for f in findings
        if f["status"] == "fail"
    ]
    if not failed:
        return
    language = getattr(submission.author, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        reasons = [message_of(f) for f in failed]
    submission_return_for_rework(submission=submission, reasons=reasons)


def gold_accuracy(*, project: Project, trainer) -> tuple[int, int]:
    """(correct, answered) gold submissions of a trainer in a project."""
    outcomes = GoldOutcome.objects.filter(project=project, trainer=trainer)
    return outcomes.filter(correct=True).count(), outcomes.count()

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

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

import quality.checks as checks
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

STATUS_RANK = {"pass": 0, "warn": 1, "fail": 2, "error": 3}
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


def _rating_ids(submission: Submission) -> list[str]:
    return [q["id"] for q in questions(submission.template.definition) if q["type"] == "rating"]


def _ratings_before(submission: Submission, sequence: int, window: int) -> list[Any]:
    """The author's rating values in this project from submissions before ``sequence``
    (their current revisions; at most ``window`` of them), oldest first, then this one's."""
    rating_ids = _rating_ids(submission)
    if not rating_ids:
        return []
    rows = (
        CheckRun.objects.filter(
            submission__author_id=submission.author_id,
            submission__task__project_id=submission.task.project_id,
            revision=F("submission__revision"),
            pk__lt=sequence,
        )
        .exclude(submission_id=submission.pk)
        .order_by("-pk")
        .values_list("submission__answer", flat=True)[:window]
    )
    ratings = [
        answer.get(qid)
        for answer in reversed(list(rows))
        for qid in rating_ids
        if isinstance(answer, dict) and answer.get(qid) is not None
    ]
    answer = submission.answer if isinstance(submission.answer, dict) else {}
    ratings += [answer.get(q) for q in rating_ids if answer.get(q) is not None]
    return ratings


def _other_answers(submission: Submission) -> list[Any]:
    return list(
        Submission.objects.filter(task_id=submission.task_id)
        .exclude(pk=submission.pk)
        .exclude(status=SubmissionStatus.REJECTED)
        .values_list("answer", flat=True)
    )


def _input(submission: Submission, run: CheckRun, settings: _Settings, only=None):
    """What the checks (or only the checks named in ``only``) need of one revision."""
    from quality.near_duplicates import project_index

    def needed(name: str) -> bool:
        return (only is None or name in only) and settings.enabled(name)

    task = submission.task
    references = task.data.get("ai_references") if isinstance(task.data, dict) else None
    window = settings.typed_or_default("straight_lining").window
    return checks.CheckInput(
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
        recent_ratings=(
            _ratings_before(submission, run.pk, window) if needed("straight_lining") else ()
        ),
        other_answers=_other_answers(submission) if needed("agreement_outlier") else (),
        near_duplicates=project_index(task.project_id) if needed("near_duplicate") else None,
        sequence=run.pk,
    )


def _judge(name: str, check_input, settings: _Settings) -> tuple[str, list[dict[str, Any]]]:
    """One check's status and findings; a check that raises is an error, never a pass."""
    try:
        if name in settings.problems:
            raise settings.problems[name]
        findings = [f.as_dict() for f in checks.run_check(name, check_input, settings.typed[name])]
    except Exception as exc:
        log.exception("Check %s failed on submission %s", name, check_input.submission_id)
        findings = [
            {
                "status": "error",
                "message": "This check could not run; a reviewer will look instead.",
                "question_id": None,
                "evidence": {"error": f"{type(exc).__name__}: {exc}"[:500]},
            }
        ]
    return _worst(findings), findings


def _worst(findings: list[dict[str, Any]]) -> str:
    return max((f["status"] for f in findings), key=STATUS_RANK.__getitem__, default="pass")


# --- a run ------------------------------------------------------------------------------


def checks_run(*, run_id: int) -> CheckRun | None:
    """Run the enabled checks of one submission revision, store their results, and judge
    again the checked work whose verdict this revision changes (module docstring).

    Idempotent: a run already done is left alone; results are written once per check per
    run. A check that raises is recorded as an error (never as a pass), and the others
    still run.
    """
    with transaction.atomic():
        run = (
            # Only the run's row (``of``): a task, project or template row that a submit or
            # ``next`` holds for a moment must not make the run look taken by another worker.
            CheckRun.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("submission__task__project", "submission__template")
            .filter(pk=run_id)
            .first()
        )
        if run is None or run.status == RunStatus.DONE:
            return run  # done, or another worker holds it right now
        submission = run.submission
        if submission.revision != run.revision:
            # A newer revision superseded this one before it was checked; its own run
            # covers the answer that now stands.
            run.status, run.finished_at = RunStatus.DONE, timezone.now()
            run.save(update_fields=["status", "finished_at"])
            return run
        project_id = submission.task.project_id
        try:
            project_checks_lock(project_id)
            _run_locked(run, submission)
        except BaseException:
            # The in-memory index may hold this run's texts, which now never commit.
            from quality.near_duplicates import forget_project_index

            forget_project_index(project_id)
            raise
    return run


def _run_locked(run: CheckRun, submission: Submission) -> None:
    from quality.near_duplicates import signatures_store

    run.attempts += 1
    run.started_at = timezone.now()
    settings = _Settings.of(submission.task.project)
    check_input = _input(submission, run, settings)
    results = {check.name: _judge(check.name, check_input, settings) for check in settings.checks}
    CheckResult.objects.bulk_create(
        [
            CheckResult(
                run=run,
                submission=submission,
                revision=run.revision,
                check_name=name,
                status=status,
                findings=findings,
            )
            for name, (status, findings) in results.items()
        ],
        update_conflicts=True,
        unique_fields=["run", "check_name"],
        update_fields=["status", "findings"],
    )
    if "gold" in results and check_input.is_gold:
        _record_gold(submission, results["gold"][1])
    # Filed whether or not the check is enabled, so turning it on later compares with all.
    near = settings.typed_or_default("near_duplicate")
    signatures = signatures_store(submission, check_input, near, sequence=run.pk)
    run.status, run.finished_at = RunStatus.DONE, timezone.now()
    run.save(update_fields=["status", "finished_at", "attempts", "started_at"])
    on_fail = {check.name: check.on_fail for check in settings.checks}
    _act_on(
        submission,
        [
            (name, on_fail[name], findings)
            for name, (status, findings) in results.items()
            if status == "fail"
        ],
    )
    # The checks decide the review queue's order (failed, warned, sampled clean work):
    # the review workflow hears of the run through its hook, in this transaction.
    checks_done(submission=submission, run=run)
    _rejudge_dependents(run, submission, settings, signatures)


# --- re-judging -------------------------------------------------------------------------


def _rejudge_dependents(
    cause: CheckRun, submission: Submission, settings: _Settings, signatures: dict
) -> None:
    """Judge again the checked work whose verdict ``cause`` (just checked) changes."""
    due: dict[int, dict[str, str]] = defaultdict(dict)  # run id -> {check: reason}
    current = CheckRun.objects.filter(status=RunStatus.DONE, revision=F("submission__revision"))
    if settings.enabled("agreement_outlier"):
        siblings = current.filter(submission__task_id=submission.task_id).exclude(
            submission_id=submission.pk
        )
        for run_id in siblings.values_list("pk", flat=True):
            due[run_id]["agreement_outlier"] = RejudgeReason.NEW_ANSWER
    if settings.enabled("straight_lining") and _rating_ids(submission):
        window = settings.typed_or_default("straight_lining").window
        later = (
            current.filter(
                submission__author_id=submission.author_id,
                submission__task__project_id=submission.task.project_id,
                pk__gt=cause.pk,
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:window]
        )
        for run_id in later:
            due[run_id]["straight_lining"] = RejudgeReason.EARLIER_CHECKED
    if settings.enabled("near_duplicate") and signatures:
        from quality.near_duplicates import project_index

        index = project_index(submission.task.project_id)
        near = settings.typed_or_default("near_duplicate")
        similar = {
            int(match.submission_id)
            for signature in signatures.values()
            for match in index.query(
                signature=signature,
                min_similarity=near.warn_similarity,
                exclude_submission=str(submission.pk),
                after_sequence=cause.pk,
                limit=REJUDGE_MATCHES,
            )
        }
        if similar:
            later = current.filter(submission_id__in=similar, pk__gt=cause.pk)
            for run_id in later.values_list("pk", flat=True):
                due[run_id]["near_duplicate"] = RejudgeReason.EARLIER_CHECKED
    if due:
        _rejudge(cause, due, settings)


def _rejudge(cause: CheckRun, due: dict[int, dict[str, str]], settings: _Settings) -> None:
    runs = CheckRun.objects.select_related(
        "submission__task__project", "submission__template"
    ).filter(pk__in=due)
    stored = {
        (result.run_id, result.check_name): result
        for result in CheckResult.objects.filter(run__in=due)
    }
    changed_runs = []
    for run in sorted(runs, key=lambda r: r.pk):
        wanted = due[run.pk]
        check_input = _input(run.submission, run, settings, only=set(wanted))
        changed = False
        for name, reason in sorted(wanted.items()):
            status, findings = _judge(name, check_input, settings)
            result = stored.get((run.pk, name))
            if result is None:  # the check was off when this run was judged
                continue
            if (result.status, result.findings) == (status, findings):
                continue
            FindingChange.objects.create(
                result=result,
                previous_status=result.status,
                previous_findings=result.findings,
                status=status,
                findings=findings,
                reason=reason,
                cause=cause,
            )
            result.status, result.findings = status, findings
            result.save(update_fields=["status", "findings"])
            changed = True
        if changed:
            changed_runs.append(run)
    for run in changed_runs:
        checks_done(submission=run.submission, run=run)


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
    reasons = [
        f["message"]
        for _, on_fail, findings in failures
        if on_fail == OnFail.RETURN
        for f in findings
        if f["status"] == "fail"
    ]
    if reasons:
        submission_return_for_rework(submission=submission, reasons=reasons)


def gold_accuracy(*, project: Project, trainer) -> tuple[int, int]:
    """(correct, answered) gold submissions of a trainer in a project."""
    outcomes = GoldOutcome.objects.filter(project=project, trainer=trainer)
    return outcomes.filter(correct=True).count(), outcomes.count()

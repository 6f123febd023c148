"""The quality-inspection pipeline: schedule, run and record the checks of a submission.

The checks themselves are pure functions in ``quality.checks``; this module gathers their
plain-data input from the database, runs the ones the project enabled, and stores one
result per check per submission revision. Running twice writes the same rows once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from annotation_platform.errors import DomainError
from annotation_platform.queueing import enqueue_batched_on_commit
from quality.hooks import checks_done
from quality.models import CheckConfig, CheckResult, CheckRun, GoldOutcome, OnFail, RunStatus
from tasks.models import Project, Submission, SubmissionStatus
from tasks.services.reviewing import submission_return_for_rework

log = logging.getLogger(__name__)

SWEEP_AFTER = timedelta(minutes=2)
RECENT_RATINGS = 30
STATUS_RANK = {"pass": 0, "warn": 1, "fail": 2, "error": 3}


# --- configuration ----------------------------------------------------------------------


@dataclass(frozen=True)
class EffectiveCheck:
    name: str
    enabled: bool
    config: dict[str, Any]
    on_fail: str


def check_configs_for(project: Project) -> list[EffectiveCheck]:
    """Every catalogue check with the project's settings over the defaults.

    A project that configured nothing runs every check with its defaults and flags
    failures for review; a reason to look, never an automatic verdict.
    """
    from quality.checks import CATALOGUE

    saved = {c.check_name: c for c in CheckConfig.objects.filter(project=project)}
    effective = []
    for name, spec in CATALOGUE.items():
        row = saved.get(name)
        config = {**spec.config_defaults, **(row.config if row else {})}
        effective.append(
            EffectiveCheck(
                name=name,
                enabled=row.enabled if row else True,
                config=config,
                on_fail=row.on_fail if row else OnFail.FLAG,
            )
        )
    return effective


@transaction.atomic
def check_config_save(
    *, project: Project, check_name: str, enabled: bool, config: Any, on_fail: str
) -> CheckConfig:
    """Configure one check; refuse unknown names, keys and out-of-range thresholds."""
    from quality.checks import CATALOGUE, validate_config

    if check_name not in CATALOGUE:
        raise DomainError(
            f"There is no check called {check_name!r}.",
            fields={"check": [f"Choose one of: {', '.join(CATALOGUE)}."]},
        )
    if on_fail not in OnFail.values:
        raise DomainError(
            "Unknown failure action.", fields={"on_fail": [f"One of: {', '.join(OnFail.values)}."]}
        )
    errors = validate_config(check_name, config if config is not None else {})
    if errors:
        raise DomainError(
            "The check's settings are out of range.",
            fields={f"config.{key}" if key else "config": msgs for key, msgs in errors.items()},
        )
    row, _ = CheckConfig.objects.update_or_create(
        project=project,
        check_name=check_name,
        defaults={"enabled": bool(enabled), "config": config or {}, "on_fail": on_fail},
    )
    return row


# --- scheduling -------------------------------------------------------------------------


def checks_schedule(
    *, submission: Submission, revision: int, writes, submission_step=None
) -> CheckRun:
    """Called inside the submission's transaction (a ``tasks`` hook): record that this
    revision needs checking, and send the job once the transaction commits. A new
    submission's run joins the submit's ``writes``: written if and when the submission is,
    in the same statement."""
    from quality.jobs import submission_checks_run_batch

    if revision == 1:  # a new submission has no run yet
        run = CheckRun(submission=submission, revision=revision)
        # (nobody listens to CheckRun's save signals)
        if submission_step is None:
            step = writes.insert(run)
        else:
            step = writes.insert(run, parent=("submission_id", submission_step))
        # In this process's next batch of runs (the run is pending until checked, and the
        # sweep re-sends a pending run whose message was lost).
        writes.on_written(
            lambda: enqueue_batched_on_commit(submission_checks_run_batch, lambda: run.pk), step
        )
        return run
    run, _ = CheckRun.objects.get_or_create(submission=submission, revision=revision)
    enqueue_batched_on_commit(submission_checks_run_batch, lambda: run.pk)
    return run


def checks_sweep(*, now=None, older_than: timedelta = SWEEP_AFTER, limit: int = 500) -> int:
    """Send again the runs still pending after ``older_than`` (worker died, broker was
    down at submit time); return how many were re-sent."""
    from quality.jobs import submission_checks_run

    cutoff = (now or timezone.now()) - older_than
    pending = list(
        CheckRun.objects.filter(status=RunStatus.PENDING, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for run_id in pending:
        try:
            submission_checks_run.apply_async(args=(run_id,))
        except Exception:  # the broker is still down: the next sweep tries again
            log.warning("Could not re-send checks of run %s; will retry", run_id, exc_info=True)
            break
        sent += 1
    return sent


# --- running ----------------------------------------------------------------------------


def _recent_ratings(submission: Submission) -> list[Any]:
    """The author's latest rating answers in this project, oldest first."""
    from tasks.template_definition import questions

    rating_ids = [
        q["id"] for q in questions(submission.template.definition) if q["type"] == "rating"
    ]
    if not rating_ids:
        return []
    rows = (
        Submission.objects.filter(author=submission.author, task__project=submission.task.project)
        .exclude(pk=submission.pk)
        .order_by("-created_at")
        .values_list("answer", flat=True)[:RECENT_RATINGS]
    )
    ratings = [
        answer.get(qid)
        for answer in reversed(list(rows))
        for qid in rating_ids
        if isinstance(answer, dict) and answer.get(qid) is not None
    ]
    ratings += [
        submission.answer.get(q) for q in rating_ids if submission.answer.get(q) is not None
    ]
    return ratings


def _input(submission: Submission):
    from quality.checks import CheckInput
    from quality.near_duplicates import project_index

    task = submission.task
    references = task.data.get("ai_references") if isinstance(task.data, dict) else None
    others = list(
        Submission.objects.filter(task=task)
        .exclude(pk=submission.pk)
        .exclude(status=SubmissionStatus.REJECTED)
        .values_list("answer", flat=True)
    )
    return CheckInput(
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
        recent_ratings=_recent_ratings(submission),
        other_answers=others,
        near_duplicates=project_index(task.project_id),
    )


def _worst(findings: list[dict[str, Any]]) -> str:
    return max((f["status"] for f in findings), key=STATUS_RANK.__getitem__, default="pass")


def checks_run(*, run_id: int) -> CheckRun | None:
    """Run the enabled checks of one submission revision and store their results.

    Idempotent: a run already done is left alone; results are written with
    update_or_create, so a job delivered twice writes one row per check. A check that
    raises is recorded as an error (never as a pass), and the others still run.
    """
    from quality.checks import CATALOGUE, run_check
    from quality.near_duplicates import project_index_add

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
        run.attempts += 1
        run.started_at = timezone.now()
        run.save(update_fields=["attempts", "started_at"])
        check_input = _input(submission)
        failures: list[tuple[str, str, list[dict]]] = []
        configs = check_configs_for(submission.task.project)
        for check in configs:
            if not check.enabled:
                continue
            try:
                findings = [f.as_dict() for f in run_check(check.name, check_input, check.config)]
            except Exception as exc:  # recorded as an error result, never as a pass
                log.exception("Check %s failed on submission %s", check.name, submission.pk)
                findings = [
                    {
                        "status": "error",
                        "message": "This check could not run; a reviewer will look instead.",
                        "question_id": None,
                        "evidence": {"error": f"{type(exc).__name__}: {exc}"[:500]},
                    }
                ]
            status = _worst(findings)
            CheckResult.objects.update_or_create(
                run=run,
                check_name=check.name,
                defaults={
                    "submission": submission,
                    "revision": run.revision,
                    "status": status,
                    "findings": findings,
                },
            )
            if check.name == "gold" and check_input.is_gold:
                _record_gold(submission, findings)
            if status == "fail":
                failures.append((check.name, check.on_fail, findings))
        near = next(
            c for c in check_configs_for(submission.task.project) if c.name == "near_duplicate"
        )
        project_index_add(
            submission, check_input, CATALOGUE["near_duplicate"].build_config(near.config)
        )
        run.status, run.finished_at = RunStatus.DONE, timezone.now()
        run.save(update_fields=["status", "finished_at"])
        _act_on(submission, failures)
        # The checks decide the review queue's order (failed, warned, sampled clean work):
        # the review workflow hears of the run through its hook, in this transaction.
        checks_done(submission=submission, run=run)
    return run


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

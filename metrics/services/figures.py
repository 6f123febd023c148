"""Compute a project's figures from what the database holds: agreement per question, MOS
per item and system, per-trainer and per-project figures. Read-only; the snapshot service
stores the result, the "my work" service reuses the per-trainer rows for one trainer.

Everything returned is plain JSON (numbers, strings, lists, dicts) so it can be stored
as a snapshot and sent as-is by the API.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from metrics import stats
from metrics.models import MetricsSettings, RatingLevel
from quality.models import CheckResult, GoldOutcome, ResultStatus
from reviews.workflow import reviewer_disagreement
from tasks.models import Project, Submission, SubmissionStatus, TaskTemplate
from tasks.services import task_counts
from tasks.template_definition import audio_blocks, questions

SNAPSHOT_VERSION = 2
THROUGHPUT_DAYS = 30
CONFIDENCE = 0.95
NO_SYSTEM = ""  # items whose task data lacks the system field
FINDING_STATUSES = (ResultStatus.WARN, ResultStatus.FAIL, ResultStatus.ERROR)

# Question types agreement is computed for, and their level of measurement. Ratings follow
# the project's setting (ordinal by default: a 1-5 scale's steps need not be equal).
NOMINAL_TYPES = ("single_choice", "multi_choice", "pairwise")
DECIDED = (SubmissionStatus.ACCEPTED, SubmissionStatus.REJECTED)


def settings_for(project: Project) -> MetricsSettings:
    """The project's metrics settings (unsaved defaults when none were saved)."""
    found = MetricsSettings.objects.filter(project=project).first()
    return found or MetricsSettings(project=project)


def _ratio(numerator: int | float, denominator: int | float) -> float | None:
    return numerator / denominator if denominator else None


def _round(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


# --- agreement ----------------------------------------------------------------------------


def _question_types(project: Project) -> tuple[list[dict], dict[int, dict[str, str]]]:
    """Questions of the template in force, and each template version's question types, so
    an answer counts only where it was given to the same kind of question."""
    versions = list(TaskTemplate.objects.filter(project=project).order_by("-version"))
    current = questions(versions[0].definition) if versions else []
    per_version = {
        version.pk: {q["id"]: q["type"] for q in questions(version.definition)}
        for version in versions
    }
    return current, per_version


def _agreement_value(question_type: str, value: Any) -> Any:
    """The comparable value of an answer, or None when it is missing or malformed."""
    if value is None:
        return None
    if question_type == "multi_choice":
        # The set of tags chosen, compared as a whole (nominal): two raters agree when
        # they chose the same set.
        return frozenset(str(v) for v in value) if isinstance(value, list) else None
    if question_type == "pairwise":
        value = value.get("choice") if isinstance(value, dict) else value
        return value if isinstance(value, str) else None
    if question_type == "rating":
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def agreement_table(*, project: Project, settings: MetricsSettings) -> list[dict]:
    """Agreement per question of the template in force, over each task's non-rejected
    answers (rejected work is not part of the data set)."""
    current, per_version = _question_types(project)
    wanted = [q for q in current if q["type"] in NOMINAL_TYPES or q["type"] == "rating"]
    if not wanted:
        return []
    ratings: dict[str, dict[int, dict[int, Any]]] = {q["id"]: defaultdict(dict) for q in wanted}
    rows = (
        Submission.objects.filter(task__project=project)
        .exclude(status=SubmissionStatus.REJECTED)
        .values_list("task_id", "author_id", "template_id", "answer")
    )
    for task_id, author_id, template_id, answer in rows.iterator(chunk_size=2000):
        if not isinstance(answer, dict):
            continue
        types = per_version.get(template_id, {})
        for question in wanted:
            if types.get(question["id"]) != question["type"]:
                continue
            value = _agreement_value(question["type"], answer.get(question["id"]))
            if value is not None:
                ratings[question["id"]][task_id][author_id] = value
    table = []
    for question in wanted:
        level: stats.Level = (
            "nominal"
            if question["type"] in NOMINAL_TYPES
            else settings.rating_level or RatingLevel.ORDINAL  # type: ignore[assignment]
        )
        summary = stats.agreement_summary(ratings[question["id"]], level=level)
        table.append(
            {
                "question_id": question["id"],
                "prompt": question.get("prompt", ""),
                "type": question["type"],
                "level": summary.level,
                "units": summary.units,
                "values": summary.values,
                "raters": summary.raters,
                "cohens_kappa": _round(summary.cohens_kappa),
                "fleiss_kappa": _round(summary.fleiss_kappa),
                "krippendorff_alpha": _round(summary.krippendorff_alpha),
            }
        )
    return table


# --- mean opinion score -------------------------------------------------------------------


def _mos_row(scores: list[float]) -> dict:
    result = stats.mean_opinion_score(scores, confidence=CONFIDENCE)
    return {
        "n": result.n,
        "mean": _round(result.mean),
        "std": _round(result.std),
        "ci_low": _round(result.ci_low),
        "ci_high": _round(result.ci_high),
        "half_width": _round(result.half_width),
    }


def mos_tables(*, project: Project, settings: MetricsSettings) -> dict:
    """MOS of the rating questions of an audio template, per item (task) and per system
    (the task-data field the settings name), with a Student-t 95% interval (ITU-T P.800).

    Every non-rejected rating counts once; a system's MOS pools all ratings of its items.
    """
    current, per_version = _question_types(project)
    template = TaskTemplate.objects.filter(project=project).order_by("-version").first()
    has_audio = bool(template and audio_blocks(template.definition))
    rated = [q for q in current if q["type"] == "rating"] if has_audio else []
    field = settings.mos_system_field
    result: dict[str, Any] = {
        "system_field": field,
        "confidence": CONFIDENCE,
        "questions": [
            {"question_id": q["id"], "prompt": q.get("prompt", ""), "scale": q.get("scale", {})}
            for q in rated
        ],
        "systems": [],
        "items": [],
    }
    if not rated:
        return result
    rows = Submission.objects.filter(task__project=project).exclude(
        status=SubmissionStatus.REJECTED
    )
    # The system is read in the database (only that field of the task data travels); a
    # path through the relation is spelled as a values() lookup: KT() across a foreign key
    # builds a wrong query on SQLite.
    system_lookup = "task__data__" + field.replace(".", "__") if field else "task__project_id"
    per_item: dict[tuple[str, int], list[float]] = defaultdict(list)
    per_system: dict[tuple[str, str], list[float]] = defaultdict(list)
    items_of_system: dict[tuple[str, str], set[int]] = defaultdict(set)
    system_of_item: dict[int, str] = {}
    values = rows.values_list("task_id", "template_id", "answer", system_lookup)
    for task_id, template_id, answer, system in values.iterator(chunk_size=2000):
        system = NO_SYSTEM if system is None or not field else str(system)
        system_of_item[task_id] = system
        if not isinstance(answer, dict):
            continue
        for question in rated:
            if per_version.get(template_id, {}).get(question["id"]) != "rating":
                continue
            score = _agreement_value("rating", answer.get(question["id"]))
            if score is None:
                continue
            per_item[(question["id"], task_id)].append(float(score))
            per_system[(question["id"], system)].append(float(score))
            items_of_system[(question["id"], system)].add(task_id)
    result["systems"] = sorted(
        (
            {
                "question_id": qid,
                "system": system,
                "items": len(items_of_system[(qid, system)]),
                **_mos_row(scores),
            }
            for (qid, system), scores in per_system.items()
        ),
        key=lambda row: (row["question_id"], -(row["mean"] or 0), row["system"]),
    )
    result["items"] = sorted(
        (
            {
                "question_id": qid,
                "task_id": task_id,
                "system": system_of_item.get(task_id, NO_SYSTEM),
                **_mos_row(scores),
            }
            for (qid, task_id), scores in per_item.items()
        ),
        key=lambda row: (row["question_id"], row["task_id"]),
    )
    return result


# --- per trainer --------------------------------------------------------------------------


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def trainer_rows(
    *, project: Project, settings: MetricsSettings, trainer_ids: Iterable[int] | None = None
) -> list[dict]:
    """Per-trainer figures, for every author of a submission in the project (or only the
    given trainers: "my work" asks for one).

    - first-pass acceptance: accepted without any revision (revision 1) / decided
      (accepted or rejected);
    - rework: decided submissions that were returned at least once (returned now, or
      carrying return reasons) / decided;
    - active time: the workspace's ``telemetry.active_seconds`` of the current revision,
      which carries over the time of earlier revisions;
    - effective hourly rate: pay for accepted tasks / hours of active time over all the
      trainer's submissions (time spent on rejected work is time worked too).
    """
    submissions = Submission.objects.filter(task__project=project)
    gold = GoldOutcome.objects.filter(project=project)
    if trainer_ids is not None:
        trainer_ids = list(trainer_ids)
        submissions = submissions.filter(author_id__in=trainer_ids)
        gold = gold.filter(trainer_id__in=trainer_ids)
    returned_ever = Q(status=SubmissionStatus.RETURNED) | ~Q(return_reasons=[])
    counts = submissions.values("author_id").annotate(
        submissions=Count("id"),
        decided=Count("id", filter=Q(status__in=DECIDED)),
        accepted=Count("id", filter=Q(status=SubmissionStatus.ACCEPTED)),
        rejected=Count("id", filter=Q(status=SubmissionStatus.REJECTED)),
        returned_now=Count("id", filter=Q(status=SubmissionStatus.RETURNED)),
        pending=Count("id", filter=Q(status=SubmissionStatus.SUBMITTED)),
        first_pass=Count("id", filter=Q(status=SubmissionStatus.ACCEPTED, revision=1)),
        rework=Count("id", filter=Q(status__in=DECIDED) & returned_ever),
    )
    times: dict[int, list[float]] = defaultdict(list)
    for author_id, seconds in submissions.values_list(
        "author_id", "telemetry__active_seconds"
    ).iterator(chunk_size=5000):
        if isinstance(seconds, (int, float)) and not isinstance(seconds, bool):
            times[author_id].append(float(seconds))
    golds = {
        row["trainer_id"]: row
        for row in gold.values("trainer_id").annotate(
            correct=Count("id", filter=Q(correct=True)), answered=Count("id")
        )
    }
    by_author = {row["author_id"]: row for row in counts}
    ids = set(by_author) | set(golds) | set(trainer_ids or ())
    users = {user.pk: user for user in get_user_model().objects.filter(pk__in=ids)}
    rate = settings.pay_per_accepted_task
    rows = []
    for author_id in sorted(ids, key=lambda pk: str(users.get(pk, pk)).lower()):
        row = by_author.get(author_id, {})
        decided = row.get("decided", 0)
        accepted = row.get("accepted", 0)
        seconds = times.get(author_id, [])
        gold_row = golds.get(author_id, {})
        active_hours = sum(seconds) / 3600
        earned = rate * accepted if rate is not None else None
        hourly = (
            _money(earned / Decimal(str(active_hours)))
            if earned is not None and active_hours > 0
            else None
        )
        rows.append(
            {
                "trainer_id": author_id,
                "trainer": str(users[author_id]) if author_id in users else str(author_id),
                "submissions": row.get("submissions", 0),
                "pending": row.get("pending", 0),
                "decided": decided,
                "accepted": accepted,
                "rejected": row.get("rejected", 0),
                "returned_now": row.get("returned_now", 0),
                "acceptance_rate": _round(_ratio(accepted, decided)),
                "first_pass_acceptance_rate": _round(_ratio(row.get("first_pass", 0), decided)),
                "rework_rate": _round(_ratio(row.get("rework", 0), decided)),
                "gold_correct": gold_row.get("correct", 0),
                "gold_answered": gold_row.get("answered", 0),
                "gold_accuracy": _round(
                    _ratio(gold_row.get("correct", 0), gold_row.get("answered", 0))
                ),
                "timed_submissions": len(seconds),
                "median_active_seconds": _round(stats.median(seconds), 1),
                "active_hours": round(active_hours, 3),
                "earned": _money(earned) if earned is not None else None,
                "hourly_rate": hourly,
                "currency": settings.currency if rate is not None else "",
            }
        )
    return rows


# --- per project --------------------------------------------------------------------------


def project_figures(*, project: Project, today=None) -> dict:
    """Throughput per day (the last 30 days, UTC), acceptance by submission day, backlog
    (tasks not complete), findings by check on the latest revisions, and how often second
    reviews disagreed with the first."""
    submissions = Submission.objects.filter(task__project=project)
    totals = submissions.aggregate(
        submissions=Count("id"),
        decided=Count("id", filter=Q(status__in=DECIDED)),
        accepted=Count("id", filter=Q(status=SubmissionStatus.ACCEPTED)),
        returned_now=Count("id", filter=Q(status=SubmissionStatus.RETURNED)),
    )
    today = today or timezone.now().date()
    start = today - timedelta(days=THROUGHPUT_DAYS - 1)
    per_day = {
        row["day"]: row
        for row in submissions.filter(created_at__date__gte=start)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            n=Count("id"),
            decided=Count("id", filter=Q(status__in=DECIDED)),
            accepted=Count("id", filter=Q(status=SubmissionStatus.ACCEPTED)),
        )
    }
    throughput = []
    for offset in range(THROUGHPUT_DAYS):
        day = start + timedelta(days=offset)
        row = per_day.get(day, {})
        throughput.append(
            {
                "day": day.isoformat(),
                "submissions": row.get("n", 0),
                "decided": row.get("decided", 0),
                "accepted": row.get("accepted", 0),
                "acceptance_rate": _round(_ratio(row.get("accepted", 0), row.get("decided", 0))),
            }
        )
    findings: dict[str, dict[str, int]] = {}
    for row in (
        CheckResult.objects.filter(
            submission__task__project=project,
            revision=F("submission__revision"),
            status__in=FINDING_STATUSES,
        )
        .values("check_name", "status")
        .annotate(n=Count("id"))
    ):
        entry = findings.setdefault(row["check_name"], {s: 0 for s in FINDING_STATUSES})
        entry[row["status"]] = row["n"]
    counts = task_counts(project)
    return {
        **totals,
        "reviewer_disagreement": reviewer_disagreement(project=project),
        "acceptance_rate": _round(_ratio(totals["accepted"], totals["decided"])),
        "tasks": counts,
        "backlog": counts["total"] - counts["complete"],
        "throughput": throughput,
        "findings": [
            {"check": name, **entry, "total": sum(entry.values())}
            for name, entry in sorted(findings.items(), key=lambda kv: -sum(kv[1].values()))
        ],
    }


def project_metrics_compute(*, project: Project) -> dict:
    """Every figure of the project's metrics page, as JSON."""
    settings = settings_for(project)
    return {
        "version": SNAPSHOT_VERSION,
        "agreement": agreement_table(project=project, settings=settings),
        "mos": mos_tables(project=project, settings=settings),
        "trainers": trainer_rows(project=project, settings=settings),
        "project": project_figures(project=project),
        "settings": {
            "pay_per_accepted_task": _money(settings.pay_per_accepted_task)
            if settings.pays
            else None,
            "currency": settings.currency,
            "mos_system_field": settings.mos_system_field,
            "rating_level": settings.rating_level,
        },
    }

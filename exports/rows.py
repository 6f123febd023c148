"""Export rows: one per submission, with its task, versions, reviews and check results.

Rows are read in keyset chunks (``id > last ORDER BY id LIMIT n``) so memory stays flat
however many submissions a project has, and each chunk costs a fixed number of queries
(the submissions with their tasks, their revisions' dates, their check results, their
reviews), never one per row.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast

from exports.media import media_key_clean
from exports.regions import BoxesQuestion, boxes_questions, export_fields
from quality.checks.messages import presented
from quality.models import CheckResult
from reviews.models import Review
from tasks.models import GuidelineVersion, Project, Submission, SubmissionRevision, TaskTemplate
from tasks.template_definition import MISSING, display_blocks, field_value, questions

CHUNK_SIZE: Final = 2000

# The columns a row is built from: plain values, no model instances (10x cheaper to build).
# JSON columns are read as text: the full JSONL export copies them into its lines as they
# are, and decoding then re-encoding every task's data was most of an export's CPU time.
_JSON_AS_TEXT: Final = {
    "answer_json": "answer",
    "telemetry_json": "telemetry",
    "data_json": "task__data",
    "gold_json": "task__gold_answer",
}
_COLUMNS: Final = (
    "id",
    "task_id",
    "author_id",
    "author__username",
    "template_id",
    "answer_json",
    "telemetry_json",
    "status",
    "revision",
    "created_at",
    "updated_at",
    "data_json",
    "task__is_gold",
    "gold_json",
    "task__priority",
    "task__created_at",
)
# Where raw JSON texts go in a row built with ``raw_json=True``: markers the JSONL writer
# swaps for the texts. A random part per process keeps text inside an answer (which may
# be anything a trainer typed) from ever matching one.
_RAW_TOKEN: Final = secrets.token_hex(8)
RAW_FIELDS: Final = ("answer", "telemetry", "data", "gold_answer")
RAW_MARKERS: Final = {name: f"\x00{_RAW_TOKEN}:{name}\x00" for name in RAW_FIELDS}


@dataclass(frozen=True)
class TemplateInfo:
    id: int
    version: int
    name: str
    definition: dict[str, Any]
    media_fields: tuple[str, ...]
    # Boxes questions: their rows get pixel coordinates and a Label Studio result.
    boxes: tuple[BoxesQuestion, ...] = ()


@dataclass
class ExportContext:
    """What every row of a project shares, read once per export."""

    project: Project
    templates: dict[int, TemplateInfo]
    # (published_at, number) sorted by time: the version in force at a moment is a bisect.
    guideline_times: list[dt.datetime] = field(default_factory=list)
    guideline_numbers: list[int] = field(default_factory=list)
    rubric: dict[str, Any] | None = None
    media_refused: int = 0

    def guideline_version_at(self, moment: dt.datetime | None) -> int | None:
        if moment is None:
            return None
        index = bisect.bisect_right(self.guideline_times, moment)
        return self.guideline_numbers[index - 1] if index else None

    def question_ids(self) -> list[str]:
        """Question ids of every template version, oldest first: a stable column set."""
        ids: dict[str, None] = {}
        for info in sorted(self.templates.values(), key=lambda t: t.version):
            ids.update((q["id"], None) for q in questions(info.definition))
        return list(ids)


def media_fields(definition: dict[str, Any]) -> tuple[str, ...]:
    return tuple(
        block["field"]
        for block in display_blocks(definition)
        if block.get("type") in ("audio", "image")
    )


def export_context(project: Project) -> ExportContext:
    templates = {
        t.pk: TemplateInfo(
            t.pk,
            t.version,
            t.name,
            t.definition,
            media_fields(t.definition),
            boxes_questions(t.definition),
        )
        for t in TaskTemplate.objects.filter(project=project)
    }
    guidelines = list(
        GuidelineVersion.objects.filter(project=project)
        .order_by("published_at", "number")
        .values_list("published_at", "number")
    )
    rubric = None
    if project.rubric_version_id:
        version = project.rubric_version
        rubric = {
            "rubric_id": version.rubric_id,
            "title": version.rubric.title,
            "version": version.number,
        }
    return ExportContext(
        project=project,
        templates=templates,
        guideline_times=[moment for moment, _ in guidelines],
        guideline_numbers=[number for _, number in guidelines],
        rubric=rubric,
    )


def ids_lookup(field: str, ids: list[int]) -> Q:
    """Rows whose ``field`` is one of ``ids`` (sorted). A dense chunk is asked for as a
    range, which costs one index range scan and two parameters instead of thousands; the
    caller drops what the range holds beyond ``ids``."""
    if ids and ids[-1] - ids[0] < 2 * len(ids):
        return Q(**{f"{field}__gte": ids[0], f"{field}__lte": ids[-1]})
    return Q(**{f"{field}__in": ids})


# A review's decision in the words of the submission status it leads to, so that decided
# work reads the same whether a person or an automated check decided it.
DECISION_STATUS: Final = {"accept": "accepted", "reject": "rejected", "return": "returned"}


def reviews_for(submission_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The reviews of each submission, oldest first, as export rows carry them.

    The one place review fields enter an export: every recorded review (first review,
    second review, re-grade, dispute resolution) with its reviewer, decision, reasons,
    comment, the rubric version it applied, the per-criterion judgments and the rubric
    score; never a reviewer's private note. Work decided without a review (an automated
    check returned it) carries one entry from its status, with no reviewer.
    """
    wanted = sorted(submission_ids)
    wanted_set = set(wanted)
    reviews: dict[int, list[dict[str, Any]]] = {}
    recorded = (
        Review.objects.filter(ids_lookup("submission_id", wanted))
        .order_by("submission_id", "id")
        .values_list(
            "submission_id",
            "kind",
            "reviewer__username",
            "decision",
            "reasons",
            "comment",
            "judgments",
            "score",
            "created_at",
            "revision__number",
            "rubric_version__rubric_id",
            "rubric_version__rubric__title",
            "rubric_version__number",
        )
    )
    for (
        pk,
        kind,
        reviewer,
        decision,
        reasons,
        comment,
        judgments,
        score,
        created_at,
        revision,
        rubric_id,
        rubric_title,
        rubric_number,
    ) in recorded:
        if pk not in wanted_set:
            continue
        reviews.setdefault(pk, []).append(
            {
                "kind": kind,
                "reviewer": reviewer,
                "decision": DECISION_STATUS.get(decision) if decision else None,
                "reasons": reasons or [],
                "comment": comment,
                "revision": revision,
                "rubric_version": {
                    "rubric_id": rubric_id,
                    "title": rubric_title,
                    "version": rubric_number,
                }
                if rubric_id
                else None,
                "judgments": judgments or {},
                "rubric_score": score,
                "created_at": _iso(created_at),
            }
        )
    decided = (
        Submission.objects.filter(ids_lookup("pk", wanted))
        .exclude(status="submitted")
        # As text: almost every list is empty, and decoding 2,000 "[]" per chunk adds up.
        .annotate(reasons_json=Cast("return_reasons", TextField()))
        .values_list("pk", "status", "reasons_json", "updated_at")
    )
    for pk, status, reasons, updated_at in decided:
        if pk not in wanted_set or pk in reviews:
            continue
        reviews[pk] = [
            {
                "kind": "automated",
                "reviewer": None,
                "decision": status,
                "reasons": json.loads(reasons) if reasons not in ("[]", "null", None) else [],
                "comment": "",
                "revision": None,
                "rubric_version": None,
                "judgments": {},
                "rubric_score": None,
                "created_at": _iso(updated_at),
            }
        ]
    return reviews


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def submission_chunks(
    queryset: QuerySet[Submission], *, chunk_size: int = CHUNK_SIZE
) -> Iterator[list[tuple[Any, ...]]]:
    """The submissions of ``queryset`` as value tuples (``_COLUMNS``), in id order, one
    keyset chunk at a time: each chunk is one ``id > last ORDER BY id LIMIT n`` query, so
    the database never builds or holds the whole result, and neither do we."""
    last = 0
    queryset = queryset.annotate(
        **{alias: Cast(column, TextField()) for alias, column in _JSON_AS_TEXT.items()}
    )
    while True:
        chunk = list(
            queryset.filter(pk__gt=last).order_by("pk").values_list(*_COLUMNS)[:chunk_size]
        )
        if not chunk:
            return
        yield chunk
        if len(chunk) < chunk_size:
            return
        last = chunk[-1][0]


def _sanitised_data(
    data: Any, paths: tuple[str, ...]
) -> tuple[Any, list[dict[str, str | None]], int]:
    """Task data with each media field replaced by its clean key or URL (None if refused)."""
    if not paths or not isinstance(data, dict):
        return data, [], 0
    media: list[dict[str, str | None]] = []
    refused = 0
    data = dict(data)
    for path in paths:
        value = field_value(data, path)
        if value is MISSING:
            continue
        ref = media_key_clean(value)
        refused += ref.refused
        media.append({"field": path, "key": ref.key, "url": ref.url})
        *parents, leaf = path.split(".")
        target = data
        for part in parents:  # copy only along the path: the stored data stays untouched
            target[part] = dict(target[part])
            target = target[part]
        target[leaf] = ref.value
    return data, media, refused


def _checks_of(ids: list[int], revisions: dict[int, int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    results = (
        CheckResult.objects.filter(ids_lookup("submission_id", ids))
        .order_by("submission_id", "check_name")
        .values_list("submission_id", "revision", "check_name", "status", "findings")
    )
    for submission_id, revision, name, status, findings in results:
        if revisions.get(submission_id) == revision:  # the current revision's checks only
            found.setdefault(submission_id, []).append(
                {"check": name, "status": status, "findings": [presented(f) for f in findings]}
            )
    return found


def _revision_times(ids: list[int], revisions: dict[int, int]) -> dict[int, dt.datetime]:
    times: dict[int, dt.datetime] = {}
    for submission_id, number, created_at in SubmissionRevision.objects.filter(
        ids_lookup("submission_id", ids)
    ).values_list("submission_id", "number", "created_at"):
        if revisions.get(submission_id) == number:
            times[submission_id] = created_at
    return times


def _decoded(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def rows_from_chunk(
    context: ExportContext, chunk: list[tuple[Any, ...]], *, raw_json: bool = False
) -> list[dict[str, Any]]:
    """Full export rows (see docs/exports.md) for one chunk of ``submission_chunks``.

    With ``raw_json`` the answer, telemetry, task data and gold answer stay JSON text: the
    row holds ``RAW_MARKERS`` in their place and the texts under ``"_raw"`` (task data is
    decoded anyway when its media keys must be sanitised).
    """
    ids = [values[0] for values in chunk]
    revisions = {values[0]: values[8] for values in chunk}
    checks = _checks_of(ids, revisions)
    reviews = reviews_for(ids)
    saved_at = _revision_times(ids, revisions)
    rows = []
    for (
        pk,
        task_id,
        author_id,
        username,
        template_id,
        answer,
        telemetry,
        status,
        revision,
        created_at,
        updated_at,
        data,
        is_gold,
        gold_answer,
        priority,
        task_created_at,
    ) in chunk:
        template = context.templates[template_id]
        raw: dict[str, str] = {}
        # Boxes questions add their regions in pixels and as Label Studio results; only their
        # templates pay for reading the answer in JSONL (which otherwise copies its text).
        extra = (
            export_fields(template.boxes, _decoded(answer), submission_id=pk)
            if template.boxes
            else {}
        )
        if raw_json:
            raw = {"answer": answer, "telemetry": telemetry, "gold_answer": gold_answer or "null"}
            answer, telemetry = RAW_MARKERS["answer"], RAW_MARKERS["telemetry"]
            gold_answer = RAW_MARKERS["gold_answer"]
            if template.media_fields:
                data = _decoded(data)
            else:
                raw["data"], data = data, RAW_MARKERS["data"]
        else:
            answer, telemetry = _decoded(answer), _decoded(telemetry)
            data, gold_answer = _decoded(data), _decoded(gold_answer)
        data, media, refused = _sanitised_data(data, template.media_fields)
        context.media_refused += refused
        row_reviews = reviews.get(pk, [])
        # The rubric a reviewer applied, else the version the project pins now.
        rubric = context.rubric
        for review in row_reviews:
            rubric = review.get("rubric_version") or rubric
        row = {
            "submission_id": pk,
            "task_id": task_id,
            "trainer": username,
            "trainer_id": author_id,
            "status": status,
            "revision": revision,
            "created_at": _iso(created_at),
            "updated_at": _iso(updated_at),
            "answer": answer,
            "telemetry": telemetry,
            "task": {
                "id": task_id,
                "data": data,
                "is_gold": is_gold,
                "gold_answer": gold_answer,
                "priority": priority,
                "created_at": _iso(task_created_at),
            },
            "media": media,
            "versions": {
                "template": {"version": template.version, "name": template.name},
                "guidelines": context.guideline_version_at(saved_at.get(pk, updated_at)),
                "rubric": rubric,
            },
            "reviews": row_reviews,
            "checks": checks.get(pk, []),
            **extra,
        }
        if raw:
            row["_raw"] = raw
        rows.append(row)
    return rows


def export_rows(
    context: ExportContext,
    queryset: QuerySet[Submission],
    *,
    chunk_size: int = CHUNK_SIZE,
    raw_json: bool = False,
) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """(submissions read in this chunk, full rows) for every chunk of ``queryset``."""
    for chunk in submission_chunks(queryset, chunk_size=chunk_size):
        yield len(chunk), rows_from_chunk(context, chunk, raw_json=raw_json)

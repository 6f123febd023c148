"""What a quality check receives and what it returns: plain data only.

A check never loads anything. The caller gathers what the check needs (the template version,
the answer, the other answers to the task, the trainer's recent ratings, ...) into a
:class:`CheckInput`, runs the check and stores the :class:`Finding` list it gets back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from quality.checks import messages

if TYPE_CHECKING:
    from quality.checks.near_duplicate_index import NearDuplicateIndex

Status = Literal["not_applicable", "pass", "warn", "fail"]
STATUSES: tuple[Status, ...] = ("not_applicable", "pass", "warn", "fail")


@dataclass(frozen=True, slots=True)
class Finding:
    """One outcome of a check.

    ``status`` is "pass" (looked, found nothing), "warn" (worth a human look), "fail" (the
    defect the check exists for) or "not_applicable" (could not judge this part, for the
    reason its message gives: QA sees it, nothing is skipped silently). What it says is a
    ``code`` from ``quality.checks.messages`` with its ``params``, rendered in the reader's
    language when shown (``message``); params are part of that sentence, so the trainer may
    see them.
    ``evidence`` is a JSON-serialisable dict for reviewers, and may hold what a trainer must
    not see (a gold answer, another trainer's id): the caller decides who sees it.
    """

    status: Status
    code: str
    question_id: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return messages.render(self.code, self.params)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "code": self.code,
            "params": self.params,
            "question_id": self.question_id,
            "evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class CheckInput:
    """Everything any check may look at for one submission.

    ``definition`` is the template version the answer was given to; ``answer`` is the answer
    as stored or imported (it may be malformed: only ``schema_rules`` reports that, the other
    checks skip what they cannot read). Fields a check does not need may stay at their
    defaults; a check with nothing to look at returns no findings.

    - ``telemetry``: the cleaned work telemetry (``tasks.telemetry``), None when not recorded.
    - ``ai_references``: ``{model name: reference answer text}`` carried by the task.
    - ``gold_answer``: ``{question id: expected answer}`` when ``is_gold``.
    - ``recent_ratings``: the trainer's latest rating values, oldest first, this
      submission's own last.
    - ``later_ratings``: the trainer's rating values after this submission, oldest first
      (those that exist when it is judged; it is judged again as more arrive).
    - ``other_answers``: other trainers' answers to the same task.
    - ``near_duplicates``: the project's near-duplicate index, queried, never modified.
    - ``sequence``: the submission's place in the project's order of submissions; the
      near-duplicate search looks only at texts earlier in it (None: at every text).
    """

    definition: Mapping[str, Any]
    answer: Any
    task_data: Mapping[str, Any] = field(default_factory=dict)
    telemetry: Mapping[str, Any] | None = None
    submission_id: str | None = None
    trainer_id: str | None = None
    task_id: str | None = None
    ai_references: Mapping[str, str] = field(default_factory=dict)
    is_gold: bool = False
    gold_answer: Mapping[str, Any] | None = None
    recent_ratings: Sequence[Any] = ()
    later_ratings: Sequence[Any] = ()
    other_answers: Sequence[Mapping[str, Any]] = ()
    near_duplicates: NearDuplicateIndex | None = None
    sequence: int | None = None


def passed(
    code: str, question_id: str | None = None, *, params: dict | None = None, **evidence: Any
) -> Finding:
    return Finding("pass", code, question_id, evidence, params or {})


def warned(
    code: str, question_id: str | None = None, *, params: dict | None = None, **evidence: Any
) -> Finding:
    return Finding("warn", code, question_id, evidence, params or {})


def failed(
    code: str, question_id: str | None = None, *, params: dict | None = None, **evidence: Any
) -> Finding:
    return Finding("fail", code, question_id, evidence, params or {})


def not_applicable(
    code: str, question_id: str | None = None, *, params: dict | None = None, **evidence: Any
) -> Finding:
    return Finding("not_applicable", code, question_id, evidence, params or {})

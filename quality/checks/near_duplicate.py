"""near_duplicate: a text answer is (nearly) the same as another text in the project.

Any earlier submission counts, from any trainer, including the same trainer's work on other
tasks: recycling one's own answer is as much a problem as copying someone else's. The search
goes through the project's :class:`~quality.checks.near_duplicate_index.NearDuplicateIndex`
(MinHash + LSH over character shingles): a query looks in a fixed number of buckets and
verifies only the few texts found there, so its cost does not grow with the project beyond
those candidates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from quality.checks.answers import PROSE_TYPES, QuestionText, prose, word_count
from quality.checks.configuration import Errors, setting
from quality.checks.findings import CheckInput, Finding, failed, not_applicable, passed, warned
from quality.checks.messages import _, _translate  # _: marked for the catalogs

if TYPE_CHECKING:
    from quality.checks.near_duplicate_index import NearDuplicateIndex


@dataclass(frozen=True, slots=True)
class NearDuplicateConfig:
    warn_similarity: float = setting(
        0.5,
        label=_("Similarity that warns"),
        unit=_("Jaccard, 0 to 1"),
        minimum=0.3,
        maximum=1.0,
        help=_(
            "Estimated Jaccard similarity of character shingles from which a match is flagged "
            "for review. The index finds 95% of pairs at 0.45 and 99% at 0.5; lower values "
            "miss more."
        ),
    )
    fail_similarity: float = setting(
        0.7,
        label=_("Similarity that fails"),
        unit=_("Jaccard, 0 to 1"),
        minimum=0.3,
        maximum=1.0,
        help=_("Similarity from which a match is a failure."),
    )
    min_words: int = setting(
        40,
        label=_("Shortest text compared"),
        unit=_("words (Chinese: characters)"),
        minimum=1,
        maximum=100_000,
        help=_(
            "Shorter texts are neither compared nor indexed: short answers (a one-line "
            "reason) coincide by chance. Every CJK (or Thai, ...) character counts as a word."
        ),
    )
    max_matches: int = setting(
        3,
        minimum=1,
        maximum=50,
        help=_("Matches listed per question."),
        label=_("Matches listed per question"),
        unit=_("matches"),
    )
    question_types: tuple[str, ...] = setting(
        ("text",),
        item_check=lambda kind: (
            None
            if kind in PROSE_TYPES
            else _translate(_('"%(kind)s" has no free text; use one of: %(types)s.'))
            % {"kind": kind, "types": ", ".join(PROSE_TYPES)}
        ),
        help=_(
            "Question types whose free text is compared: text answers by default; rubric "
            "criteria, citation reasons and span comments on request (index them the same way)."
        ),
        label=_("Question types compared"),
        unit=_("one per line"),
    )

    def problems(self) -> Errors:
        if self.fail_similarity < self.warn_similarity:
            return {"fail_similarity": [_translate(_("Must be at least warn_similarity."))]}
        return {}


def _compared(data: CheckInput, config: NearDuplicateConfig) -> list[QuestionText]:
    return [
        item
        for item in prose(data.definition, data.answer)
        if item.question_type in config.question_types and word_count(item.text) >= config.min_words
    ]


def compared_texts(data: CheckInput, config: NearDuplicateConfig | None = None) -> list:
    """The (question id, text) items of an answer that this check compares and files."""
    return list(_compared(data, config or NearDuplicateConfig()))


def index_submission(
    index: NearDuplicateIndex, data: CheckInput, config: NearDuplicateConfig | None = None
) -> int:
    """File a submission's texts in the index, exactly those the check compares.

    Call it after the submission's checks ran (so it is not matched against itself); returns
    how many texts were filed.
    """
    config = config or NearDuplicateConfig()
    return sum(
        index.add(
            item.text,
            submission_id=str(data.submission_id),
            question_id=item.question_id,
            trainer_id=data.trainer_id,
            task_id=data.task_id,
        )
        for item in _compared(data, config)
    )


def run(data: CheckInput, config: NearDuplicateConfig) -> list[Finding]:
    """Per free-text question: the closest earlier texts at or above the thresholds."""
    index = data.near_duplicates
    if index is None:
        return []
    findings = [
        not_applicable(
            "near_duplicate.too_short", item.question_id, params={"words": config.min_words}
        )
        for item in prose(data.definition, data.answer)
        if item.question_type in config.question_types and word_count(item.text) < config.min_words
    ]
    compared = _compared(data, config)
    if not compared and not findings:
        return [not_applicable("near_duplicate.no_text")]
    for item in compared:
        matches = index.query(
            item.text,
            min_similarity=config.warn_similarity,
            exclude_submission=data.submission_id,
            limit=config.max_matches,
            before_sequence=data.sequence,
        )
        if not matches:
            findings.append(passed("near_duplicate.none", item.question_id))
            continue
        best = matches[0]
        own = bool(best.trainer_id and best.trainer_id == data.trainer_id)
        make = failed if best.similarity >= config.fail_similarity else warned
        findings.append(
            make(
                "near_duplicate.own_answer" if own else "near_duplicate.earlier_answer",
                item.question_id,
                params={"percent": round(best.similarity * 100)},
                similarity=round(best.similarity, 3),
                matches=[match.as_dict() for match in matches],
                same_trainer=own,
            )
        )
    return findings

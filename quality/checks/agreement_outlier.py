"""agreement_outlier: an answer far from what the other trainers gave for the same task.

Ratings: more than a set distance from the median of the others. Choices (single choice,
pairwise choice): the only one to differ from a clear majority. Disagreement is not proof of
a mistake, so it is a warning for review, never a failure.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from quality.checks.answers import answered, is_number
from quality.checks.configuration import question_id_problem, setting
from quality.checks.findings import CheckInput, Finding, not_applicable, passed, warned
from quality.checks.messages import _  # marks the settings' words for the catalogs

# The question types whose answers are compared with the other trainers'.
JUDGED_TYPES = ("rating", "single_choice", "pairwise")


@dataclass(frozen=True, slots=True)
class AgreementOutlierConfig:
    questions: tuple[str, ...] = setting(
        (),
        label=_("Questions judged"),
        question_types=JUDGED_TYPES,
        item_check=question_id_problem,
        help=_(
            "Only these questions (e.g. the MOS rating, not an accent choice); none: every "
            "rating, single-choice and pairwise question."
        ),
    )
    min_others: int = setting(
        3,
        minimum=1,
        maximum=1000,
        help=_("Fewest other answers needed to judge agreement."),
        label=_("Fewest other answers needed"),
        unit=_("answers"),
    )
    rating_max_distance: float = setting(
        2.0,
        above=0.0,
        maximum=100.0,
        help=_("A rating more than this far from the others' median is an outlier."),
        label=_("Largest distance from the others' median"),
        unit=_("scale points"),
    )
    majority_share: float = setting(
        0.75,
        above=0.5,
        maximum=1.0,
        help=_("Share of the others that must agree for a choice to be a clear majority."),
        label=_("Share that makes a clear majority"),
        unit=_("share, 0 to 1"),
    )
    min_outlying_share: float = setting(
        1.0,
        above=0.0,
        maximum=1.0,
        label=_("Share of the judged questions that must stand apart"),
        unit=_("share, 0 to 1"),
        help=_(
            "An answer is an outlier when it stands apart from the others on at least this "
            "share of the questions judged (1: on all of them). Honest raters disagree on one "
            "question now and then; a careless answer disagrees throughout."
        ),
    )


def run(data: CheckInput, config: AgreementOutlierConfig) -> list[Finding]:
    """Per rating, single-choice or pairwise question: a warning when this answer stands
    apart from the others there and on enough of the other questions judged
    (``min_outlying_share``), a pass otherwise. Silent on gold tasks: telling a trainer
    what the majority chose there gives the expected answer away (the gold check judges
    them)."""
    if data.is_gold:
        return [not_applicable("agreement_outlier.gold")]
    others = [other for other in data.other_answers or () if isinstance(other, Mapping)]
    findings = []
    for question, value in answered(data.definition, data.answer, JUDGED_TYPES):
        question_id = question["id"]
        if config.questions and question_id not in config.questions:
            continue
        theirs = [other.get(question_id) for other in others]
        if question["type"] == "rating":
            finding = _rating(question_id, value, [v for v in theirs if is_number(v)], config)
        else:
            finding = _choice(
                question_id, _choice_of(value), [_choice_of(v) for v in theirs], config
            )
        findings.append(
            finding
            or not_applicable(
                "agreement_outlier.too_few",
                question_id,
                params={"min": config.min_others},
                others=len([v for v in theirs if v is not None]),
            )
        )
    return _throughout(findings, config)


def _throughout(findings: list[Finding], config: AgreementOutlierConfig) -> list[Finding]:
    """Keep the warnings only when the answer stands apart on enough of the questions
    judged; otherwise each becomes a pass that still says where it differed (for QA).

    A choice that none of the others made stands apart too, although they split too much
    for a clear majority: it adds to the share, and becomes a warning of its own when a
    warning stands (alone it says nothing: the others disagree among themselves)."""
    judged = [f for f in findings if f.status in ("pass", "warn")]
    outlying = [f for f in judged if f.status == "warn"]
    apart = [f for f in judged if f.status == "warn" or f.evidence.get("chosen_by_none")]
    if not outlying:
        return findings
    if len(apart) >= config.min_outlying_share * len(judged):
        return [
            warned(
                "agreement_outlier.choice_alone",
                f.question_id,
                params={"given": f.evidence["given"], "others": f.evidence["others"]},
                **f.evidence,
            )
            if f.status == "pass" and f.evidence.get("chosen_by_none")
            else f
            for f in findings
        ]
    params = {"outlying": len(apart), "judged": len(judged)}
    return [
        passed(
            "agreement_outlier.differs_here_only",
            f.question_id,
            params=params,
            differs_here=True,
            warning=f.code,
            **f.evidence,
        )
        if f.status == "warn"
        else f
        for f in findings
    ]


def _choice_of(value: Any) -> Any:
    return value.get("choice") if isinstance(value, Mapping) else value


def _rating(
    question_id: str, mine: Any, theirs: list[float], config: AgreementOutlierConfig
) -> Finding | None:
    if not is_number(mine) or len(theirs) < config.min_others:
        return None
    median = statistics.median(theirs)
    distance = abs(mine - median)
    evidence = {"given": mine, "others_median": median, "distance": distance, "others": len(theirs)}
    if distance > config.rating_max_distance:
        return warned(
            "agreement_outlier.rating",
            question_id,
            params={"distance": distance, "median": median},
            **evidence,
        )
    return passed("agreement_outlier.ok", question_id, **evidence)


def _choice(
    question_id: str, mine: Any, theirs: list[Any], config: AgreementOutlierConfig
) -> Finding | None:
    theirs = [value for value in theirs if isinstance(value, str)]
    if not isinstance(mine, str) or len(theirs) < config.min_others:
        return None
    majority, count = Counter(theirs).most_common(1)[0]
    share = count / len(theirs)
    evidence = {
        "given": mine,
        "majority": majority,
        "majority_share": round(share, 3),
        "others": len(theirs),
    }
    if mine != majority and mine not in theirs and share >= config.majority_share:
        return warned(
            "agreement_outlier.choice",
            question_id,
            params={"given": mine, "count": count, "others": len(theirs), "majority": majority},
            **evidence,
        )
    if mine not in theirs:
        evidence["chosen_by_none"] = True
    return passed("agreement_outlier.ok", question_id, **evidence)

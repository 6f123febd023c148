"""gold: an answer to a gold task compared with its expected answer.

Choices must match exactly; ratings may be off by the project's tolerance; a pairwise answer
must pick the same side; a ranking must correlate with the expected order (Spearman or
Kendall). Each compared question yields one finding whose evidence carries ``correct``, so
the caller can keep a trainer's running gold accuracy. The expected answer is in the
evidence only, never in the message, which the trainer may see.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scipy import stats

from quality.checks.answers import is_number
from quality.checks.configuration import setting
from quality.checks.findings import CheckInput, Finding, failed, not_applicable, passed
from quality.checks.messages import _  # marks the settings' words for the catalogs
from tasks.template_definition import question_map


@dataclass(frozen=True, slots=True)
class GoldConfig:
    rating_tolerance: float = setting(
        1.0,
        minimum=0.0,
        maximum=100.0,
        help=_("How far a rating may be from the expected one."),
        label=_("Rating tolerance"),
        unit=_("scale points"),
    )
    rank_correlation: str = setting(
        "spearman",
        choices=("spearman", "kendall"),
        help=_("How rankings are compared."),
        label=_("Ranking comparison"),
    )
    min_rank_correlation: float = setting(
        0.6,
        minimum=-1.0,
        maximum=1.0,
        help=_("Lowest correlation with the expected ranking that still counts as correct."),
        label=_("Least correlation with the expected ranking"),
        unit=_("-1 to 1"),
    )


def run(data: CheckInput, config: GoldConfig) -> list[Finding]:
    """One finding per question the gold answer covers: pass if correct, fail if not."""
    if not data.is_gold or not isinstance(data.gold_answer, Mapping):
        return [not_applicable("gold.not_gold")]
    answer = data.answer if isinstance(data.answer, Mapping) else {}
    by_id = question_map(data.definition)
    findings = []
    for question_id, expected in data.gold_answer.items():
        question = by_id.get(question_id)
        if question is None:
            continue
        given = answer.get(question_id)
        tolerance = config.rating_tolerance
        if question["type"] == "rating" and isinstance(expected, Mapping):
            # a tolerance given with the gold task wins over the project's
            tolerance = expected.get("tolerance", tolerance)
            expected = expected.get("value")
        verdict = _compare(question, given, expected, config, tolerance)
        if verdict is None:
            findings.append(not_applicable("gold.not_scored", question_id))
            continue
        correct, extra = verdict
        evidence = {"correct": correct, "expected": expected, "given": given, **extra}
        if correct:
            findings.append(passed("gold.match", question_id, **evidence))
        else:
            findings.append(failed("gold.mismatch", question_id, **evidence))
    return findings


def _compare(
    question: Mapping[str, Any], given: Any, expected: Any, config: GoldConfig, tolerance: float
) -> tuple[bool, dict[str, Any]] | None:
    kind = question["type"]
    if given is None:
        return False, {"reason": "unanswered"}
    if kind == "single_choice":
        return given == expected, {}
    if kind == "multi_choice":
        if not isinstance(given, list) or not isinstance(expected, list):
            return given == expected, {}
        return set(map(str, given)) == set(map(str, expected)), {}
    if kind == "rating":
        if not is_number(given) or not is_number(expected):
            return False, {"reason": "not_a_number"}
        distance = abs(given - expected)
        if not is_number(tolerance):
            tolerance = config.rating_tolerance
        return distance <= tolerance, {"distance": distance, "tolerance": tolerance}
    if kind == "pairwise":
        choice = given.get("choice") if isinstance(given, Mapping) else given
        wanted = expected.get("choice") if isinstance(expected, Mapping) else expected
        return choice == wanted, {}
    if kind == "ranking":
        return _ranking(given, expected, config)
    return None  # free text and lists are not gold-scored here


def _ranking(given: Any, expected: Any, config: GoldConfig) -> tuple[bool, dict[str, Any]]:
    if not isinstance(given, Mapping) or not isinstance(expected, Mapping):
        return False, {"reason": "not_a_ranking"}
    items = [item for item in expected if is_number(given.get(item)) and is_number(expected[item])]
    if len(items) < 2 or len(items) < len(expected):
        return False, {"reason": "incomplete_ranking"}
    mine = [given[item] for item in items]
    theirs = [expected[item] for item in items]
    if mine == theirs:
        correlation = 1.0
    elif len(set(mine)) == 1 or len(set(theirs)) == 1:
        correlation = 0.0  # one side is all ties: no order to agree with
    elif config.rank_correlation == "kendall":
        correlation = float(stats.kendalltau(mine, theirs).statistic)
    else:
        correlation = float(stats.spearmanr(mine, theirs).statistic)
    if math.isnan(correlation):
        correlation = 0.0
    return correlation >= config.min_rank_correlation, {
        "correlation": round(correlation, 3),
        "method": config.rank_correlation,
    }

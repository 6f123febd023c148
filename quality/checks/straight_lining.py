"""straight_lining: a trainer gives (nearly) the same rating to everything.

Judged over the trainer's latest ratings, a plain list supplied by the caller (oldest
first). Flagged when one value makes up too large a share of them, or, for numbers, when
their variance is too small to be judgement. Works for any answer value (always "A" in
pairwise comparisons is the same habit), variance only for numbers.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

from quality.checks.answers import is_number
from quality.checks.configuration import Errors, question_id_problem, setting
from quality.checks.findings import CheckInput, Finding, failed, not_applicable, passed


@dataclass(frozen=True, slots=True)
class StraightLiningConfig:
    questions: tuple[str, ...] = setting(
        (),
        label="Ratings examined",
        question_types=("rating",),
        item_check=question_id_problem,
        help="Only the ratings of these questions; none: every rating question.",
    )
    window: int = setting(
        30,
        minimum=2,
        maximum=10_000,
        help="How many of the latest ratings are examined.",
        label="Latest ratings examined",
        unit="ratings",
    )
    min_items: int = setting(
        20,
        minimum=2,
        maximum=10_000,
        help="Fewer ratings than this are not judged (too few to tell habit from chance).",
        label="Fewest ratings judged",
        unit="ratings",
    )
    max_identical_share: float = setting(
        0.9,
        above=0.0,
        maximum=1.0,
        help="Flag when the most common value makes up at least this share of the ratings.",
        label="Share of identical ratings that fails",
        unit="share, 0 to 1",
    )
    min_variance: float = setting(
        0.1,
        minimum=0.0,
        maximum=1_000_000.0,
        help="Flag numeric ratings whose variance is below this (0 turns the test off).",
        label="Least variance of numeric ratings",
        unit="variance",
    )

    def problems(self) -> Errors:
        if self.min_items > self.window:
            return {"min_items": ["Must not exceed window."]}
        return {}


def run(data: CheckInput, config: StraightLiningConfig) -> list[Finding]:
    """One finding about the trainer's recent ratings, or none when there are too few."""
    ratings = [
        value
        for value in list(data.recent_ratings or ())[-config.window :]
        if value is not None and isinstance(value, str | int | float)
    ]
    if len(ratings) < config.min_items:
        return [
            not_applicable(
                "straight_lining.too_few",
                params={"items": len(ratings), "min": config.min_items},
                items=len(ratings),
            )
        ]
    value, count = Counter(ratings).most_common(1)[0]
    share = count / len(ratings)
    evidence = {"items": len(ratings), "most_common": value, "most_common_share": round(share, 3)}
    numeric = all(is_number(item) for item in ratings)
    variance = statistics.pvariance(ratings) if numeric else None
    if variance is not None:
        evidence["variance"] = round(variance, 4)
    if share >= config.max_identical_share or (
        variance is not None and variance < config.min_variance
    ):
        return [
            failed(
                "straight_lining.same",
                params={"count": count, "items": len(ratings), "value": str(value)},
                **evidence,
            )
        ]
    return [passed("straight_lining.ok", **evidence)]

"""straight_lining: a trainer gives (nearly) the same rating to everything.

Judged over the trainer's latest ratings, a plain list supplied by the caller (oldest
first). Flagged when one value makes up too large a share of them, or, for numbers, when
their variance is too small to be judgement. Works for any answer value (always "A" in
pairwise comparisons is the same habit), variance only for numbers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from quality.checks.answers import answered, is_number
from quality.checks.configuration import Errors, question_id_problem, setting
from quality.checks.findings import CheckInput, Finding, failed, not_applicable, passed
from quality.checks.messages import _, _translate  # _: marked for the catalogs


@dataclass(frozen=True, slots=True)
class StraightLiningConfig:
    questions: tuple[str, ...] = setting(
        (),
        label=_("Ratings examined"),
        question_types=("rating",),
        item_check=question_id_problem,
        help=_("Only the ratings of these questions; none: every rating question."),
    )
    window: int = setting(
        30,
        minimum=2,
        maximum=10_000,
        help=_("How many of the latest ratings are examined."),
        label=_("Latest ratings examined"),
        unit=_("ratings"),
    )
    min_items: int = setting(
        20,
        minimum=2,
        maximum=10_000,
        help=_("Fewer ratings than this are not judged (too few to tell habit from chance)."),
        label=_("Fewest ratings judged"),
        unit=_("ratings"),
    )
    max_identical_share: float = setting(
        0.9,
        above=0.0,
        maximum=1.0,
        help=_("Flag when the most common value makes up at least this share of the ratings."),
        label=_("Share of identical ratings that fails"),
        unit=_("share, 0 to 1"),
    )
    min_variance: float = setting(
        0.1,
        minimum=0.0,
        maximum=1_000_000.0,
        help=_("Flag numeric ratings whose variance is below this (0 turns the test off)."),
        label=_("Least variance of numeric ratings"),
        unit=_("variance"),
    )

    def problems(self) -> Errors:
        if self.min_items > self.window:
            return {"min_items": [_translate(_("Must not exceed window."))]}
        return {}


def run(data: CheckInput, config: StraightLiningConfig) -> list[Finding]:
    """One finding about the trainer's ratings around this submission.

    Judged first on the latest ratings up to this one (``recent_ratings``, its own last).
    Then, when the trainer's next ratings exist (``later_ratings``), on every window that
    ends after it and still holds it: a rating that starts a run of identical ratings is
    part of that run, although the run showed only later. A rating that differs from the
    run is never failed by it (an honest rating before a trainer began to straight-line
    stays a pass)."""
    before = _valid(data.recent_ratings)
    later = _valid(data.later_ratings)
    ratings = before[-config.window :]
    judged = len(ratings) >= config.min_items
    verdict = _window(ratings, config) if judged else None
    if verdict is not None and verdict.fails:
        return [_failure("straight_lining.same", verdict, len(ratings))]
    own = _own(data, config, before)
    sequence = before + later
    numeric = all(is_number(item) for item in sequence)
    for step, window in _later_windows(sequence, len(before), config, numeric):
        if len(window) - step < len(own) or len(window) < config.min_items:
            continue  # this window no longer holds the rating judged, or is too short
        later_verdict = _window(window, config, numeric)
        if later_verdict.fails and (later_verdict.by_variance or later_verdict.value in own):
            return [_failure("straight_lining.run", later_verdict, len(window), later=step)]
    if verdict is None:
        return [
            not_applicable(
                "straight_lining.too_few",
                params={"items": len(ratings), "min": config.min_items},
                items=len(ratings),
            )
        ]
    return [passed("straight_lining.ok", **verdict.evidence)]


def _later_windows(
    sequence: list, judged_end: int, config: StraightLiningConfig, numeric: bool
) -> Iterator[tuple[int, list]]:
    """(step, window) for the windows that end 1, 2, ... ratings after ``judged_end`` and
    may fail: a window is ``sequence[:judged_end + step][-config.window:]``.

    A worker judges a backlog's runs with up to a window of later ratings each, so every
    run would count thirty windows of thirty. Counts and sums slide along instead, and only
    a window they say may fail (share, or variance with a margin for rounding) is
    returned for ``_window`` to judge exactly; the others could not fail."""
    counts: Counter = Counter()
    total = squares = 0.0
    low = high = 0
    for step in range(1, len(sequence) - judged_end + 1):
        end = judged_end + step
        start = max(0, end - config.window)
        while high < end:
            counts[sequence[high]] += 1
            if numeric:
                total += sequence[high]
                squares += sequence[high] * sequence[high]
            high += 1
        while low < start:
            counts[sequence[low]] -= 1
            if numeric:
                total -= sequence[low]
                squares -= sequence[low] * sequence[low]
            low += 1
        size = end - start
        by_share = max(counts.values()) / size >= config.max_identical_share
        low_variance = numeric and squares / size - (total / size) ** 2 < config.min_variance + 1e-6
        if by_share or low_variance:
            yield step, sequence[start:end]


def _failure(code: str, verdict: _Verdict, items: int, **evidence: Any) -> Finding:
    params = {"count": verdict.count, "items": items, "value": str(verdict.value)}
    return failed(code, params=params, **evidence, **verdict.evidence)


def _valid(values) -> list:
    return [
        value
        for value in list(values or ())
        if value is not None and isinstance(value, str | int | float)
    ]


def _own(data: CheckInput, config: StraightLiningConfig, before: list) -> list:
    """This submission's own rating values (the last of ``recent_ratings``)."""
    own = [
        value
        for question, value in answered(data.definition, data.answer, ("rating",))
        if not config.questions or question["id"] in config.questions
    ]
    own = _valid(own)
    return own or before[-1:]


def _variance(values: list) -> float:
    """Population variance in floating point (ratings are small numbers; the exact
    ``statistics.pvariance`` costs ten times as much, and a worker judges many windows)."""
    mean = math.fsum(values) / len(values)
    return math.fsum((value - mean) ** 2 for value in values) / len(values)


@dataclass(frozen=True, slots=True)
class _Verdict:
    fails: bool
    by_variance: bool
    value: Any
    count: int
    evidence: dict


def _window(ratings: list, config: StraightLiningConfig, numeric: bool | None = None) -> _Verdict:
    """The verdict on one window of ratings. ``numeric``: whether every rating is a number,
    when the caller knows (it judges many windows of one sequence)."""
    value, count = Counter(ratings).most_common(1)[0]
    share = count / len(ratings)
    evidence = {"items": len(ratings), "most_common": value, "most_common_share": round(share, 3)}
    if numeric is None:
        numeric = all(is_number(item) for item in ratings)
    variance = _variance(ratings) if numeric else None
    if variance is not None:
        evidence["variance"] = round(variance, 4)
    by_share = share >= config.max_identical_share
    by_variance = variance is not None and variance < config.min_variance
    return _Verdict(by_share or by_variance, by_variance and not by_share, value, count, evidence)

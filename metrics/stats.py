"""Pure statistics for quality metrics: no Django, no database.

Everything here takes plain Python data so it can be tested against published worked examples
and reused by ``exports`` (which imports :func:`mean_opinion_score` and :class:`MosResult`).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats as scipy_stats

__all__ = [
    "LEVELS",
    "AgreementResult",
    "MosResult",
    "agreement_summary",
    "cohens_kappa",
    "fleiss_kappa",
    "fleiss_kappa_from_counts",
    "krippendorff_alpha",
    "mean_opinion_score",
    "median",
]

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")


# --------------------------------------------------------------------------------------------
# Mean opinion score (ITU-T P.800 ACR)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MosResult:
    """Mean opinion score with a two-sided confidence interval.

    ``std`` is the sample standard deviation (n - 1). With n < 2 there is no spread to estimate:
    ``std``, ``ci_low``, ``ci_high`` and ``half_width`` are ``None``; with n == 0 ``mean`` is
    ``None`` too.
    """

    n: int
    mean: float | None
    std: float | None
    ci_low: float | None
    ci_high: float | None
    half_width: float | None


def mean_opinion_score(scores: Sequence[float], confidence: float = 0.95) -> MosResult:
    """Mean opinion score of ACR ratings with a Student-t confidence interval.

    ITU-T P.800 reports MOS with its confidence interval; the Student t quantile (n - 1 degrees
    of freedom) is used rather than 1.96 because listening tests per item are usually small.
    Non-finite scores (NaN, inf) are rejected rather than silently dropped: a caller with
    missing ratings should leave them out.
    """
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1 (exclusive)")
    values = [float(s) for s in scores]
    if any(not math.isfinite(v) for v in values):
        raise ValueError("scores must be finite numbers")
    n = len(values)
    if n == 0:
        return MosResult(n=0, mean=None, std=None, ci_low=None, ci_high=None, half_width=None)
    mean = math.fsum(values) / n
    if n == 1:
        return MosResult(n=1, mean=mean, std=None, ci_low=None, ci_high=None, half_width=None)
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    t = float(scipy_stats.t.ppf((1 + confidence) / 2, df=n - 1))
    half_width = t * std / math.sqrt(n)
    return MosResult(
        n=n,
        mean=mean,
        std=std,
        ci_low=mean - half_width,
        ci_high=mean + half_width,
        half_width=half_width,
    )


def median(values: Sequence[float]) -> float | None:
    """Median, or ``None`` for no values."""
    if not values:
        return None
    return float(np.median(np.asarray(values, dtype=float)))


# --------------------------------------------------------------------------------------------
# Agreement
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementResult:
    """Agreement figures for one question.

    ``units`` counts the units with at least two values (the only ones that carry information
    about agreement), ``values`` the pairable values in them, ``raters`` the distinct raters.
    A coefficient is ``None`` where it is undefined (too little data, no variation, or, for
    Cohen's kappa, a number of raters other than two).
    """

    level: Level
    units: int
    values: int
    raters: int
    cohens_kappa: float | None
    fleiss_kappa: float | None
    krippendorff_alpha: float | None


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def cohens_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa for two raters who rated the same items (one ``(a, b)`` pair per item).

    Pairs with a missing side are left out. ``None`` when no pair remains or when chance
    agreement is already perfect (both raters used one and the same category throughout).
    """
    complete = [(a, b) for a, b in pairs if not _is_missing(a) and not _is_missing(b)]
    n = len(complete)
    if n == 0:
        return None
    observed = sum(1 for a, b in complete if a == b) / n
    first: dict[Hashable, int] = {}
    second: dict[Hashable, int] = {}
    for a, b in complete:
        first[a] = first.get(a, 0) + 1
        second[b] = second.get(b, 0) + 1
    expected = sum(first[c] * second.get(c, 0) for c in first) / (n * n)
    if math.isclose(expected, 1.0):
        return None
    return (observed - expected) / (1 - expected)


def fleiss_kappa_from_counts(table: Sequence[Sequence[int]]) -> float | None:
    """Fleiss' kappa from a subjects x categories table of rating counts.

    Fleiss (1971) assumes the same number of raters per subject; rows may differ here (the
    usual generalisation: each subject's agreement is averaged over its own rater pairs), so
    a missing rating only removes that rating. Rows with fewer than two ratings carry no
    agreement information and are dropped. ``None`` when nothing remains or chance agreement
    is perfect.
    """
    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2 or counts.size == 0:
        return None
    if (counts < 0).any():
        raise ValueError("counts must not be negative")
    per_subject = counts.sum(axis=1)
    counts = counts[per_subject >= 2]
    per_subject = per_subject[per_subject >= 2]
    if counts.shape[0] == 0:
        return None
    agreement = ((counts * (counts - 1)).sum(axis=1) / (per_subject * (per_subject - 1))).mean()
    proportions = counts.sum(axis=0) / counts.sum()
    expected = float((proportions**2).sum())
    if math.isclose(expected, 1.0):
        return None
    return float((agreement - expected) / (1 - expected))


def fleiss_kappa(units: Sequence[Sequence[Hashable]]) -> float | None:
    """Fleiss' kappa from the values given to each unit (missing values are ``None``)."""
    categories: dict[Hashable, int] = {}
    rows: list[dict[Hashable, int]] = []
    for unit in units:
        row: dict[Hashable, int] = {}
        for value in unit:
            if _is_missing(value):
                continue
            categories.setdefault(value, len(categories))
            row[value] = row.get(value, 0) + 1
        rows.append(row)
    if not categories:
        return None
    table = [[row.get(c, 0) for c in categories] for row in rows]
    return fleiss_kappa_from_counts(table)


def _coincidences(
    units: Sequence[Sequence[Hashable]],
) -> tuple[list[Hashable], np.ndarray]:
    """Krippendorff's coincidence matrix: each unit with m >= 2 values contributes every
    ordered pair of values from different raters with weight 1 / (m - 1)."""
    pairable = []
    for unit in units:
        present = [v for v in unit if not _is_missing(v)]
        if len(present) >= 2:
            pairable.append(present)
    values = sorted({v for unit in pairable for v in unit}, key=_sort_key)
    index = {v: i for i, v in enumerate(values)}
    matrix = np.zeros((len(values), len(values)))
    for present in pairable:
        m = len(present)
        tally = np.zeros(len(values))
        for v in present:
            tally[index[v]] += 1
        # Pairs of a value with itself exclude the value's own rating (c == k: n_c * (n_c - 1)).
        matrix += (np.outer(tally, tally) - np.diag(tally)) / (m - 1)
    return values, matrix


def _sort_key(value: Hashable) -> tuple:
    # Numbers sort numerically, everything else by its text, so a mixed nominal set still sorts.
    if isinstance(value, bool):
        return (1, str(value))
    if isinstance(value, (int, float)):
        return (0, float(value))
    return (1, str(value))


def _distances(values: list[Hashable], marginals: np.ndarray, level: Level) -> np.ndarray:
    """Squared difference function delta^2(c, k) for the level of measurement."""
    size = len(values)
    if level == "nominal":
        return 1.0 - np.eye(size)
    if level == "ordinal":
        # Krippendorff's ordinal metric: the mass of the ranks between c and k, counting the
        # two end points by half, squared. ``values`` is already in rank order.
        cumulative = np.concatenate([[0.0], np.cumsum(marginals)])
        delta = np.zeros((size, size))
        for c in range(size):
            for k in range(c, size):
                mass = cumulative[k + 1] - cumulative[c] - (marginals[c] + marginals[k]) / 2
                delta[c, k] = delta[k, c] = mass**2
        return delta
    numeric = np.asarray([float(v) for v in values])  # type: ignore[arg-type]
    diff = numeric[:, None] - numeric[None, :]
    if level == "interval":
        return diff**2
    if level == "ratio":
        total = numeric[:, None] + numeric[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(total == 0, 0.0, diff / np.where(total == 0, 1.0, total))
        return ratio**2
    raise ValueError(f"unknown level of measurement: {level!r}")


def krippendorff_alpha(
    units: Sequence[Sequence[Hashable]], *, level: Level = "nominal"
) -> float | None:
    """Krippendorff's alpha for reliability data given as the values each unit received.

    Missing values (``None``) are allowed anywhere; units with fewer than two values are not
    pairable and are ignored, as in Krippendorff (2011). Interval and ratio levels need numeric
    values; ordinal uses the sort order of the values. ``None`` when fewer than two pairable
    values exist or when there is no variation at all (expected disagreement is zero).
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level of measurement: {level!r}")
    values, matrix = _coincidences(units)
    marginals = matrix.sum(axis=1)
    total = float(marginals.sum())
    if total < 2:
        return None
    delta = _distances(values, marginals, level)
    observed = float((matrix * delta).sum())
    expected = float((np.outer(marginals, marginals) * delta).sum())
    if expected == 0:
        return None
    return 1.0 - (total - 1) * observed / expected


def agreement_summary(
    ratings: Mapping[Hashable, Mapping[Hashable, Hashable]], *, level: Level
) -> AgreementResult:
    """All agreement figures for one question.

    ``ratings`` maps unit -> {rater: value}; missing answers are simply absent (or ``None``).
    Cohen's kappa is given only when exactly two raters rated the data (over the units both
    rated); Fleiss' kappa treats values as categories whatever the level.
    """
    units = [[v for v in by_rater.values() if not _is_missing(v)] for by_rater in ratings.values()]
    pairable = [u for u in units if len(u) >= 2]
    raters = {
        rater
        for by_rater in ratings.values()
        for rater, value in by_rater.items()
        if not _is_missing(value)
    }
    cohen = None
    if len(raters) == 2:
        first, second = sorted(raters, key=str)
        pairs = [
            (by_rater[first], by_rater[second])
            for by_rater in ratings.values()
            if first in by_rater and second in by_rater
        ]
        cohen = cohens_kappa(pairs)
    return AgreementResult(
        level=level,
        units=len(pairable),
        values=sum(len(u) for u in pairable),
        raters=len(raters),
        cohens_kappa=cohen,
        fleiss_kappa=fleiss_kappa(pairable),
        krippendorff_alpha=krippendorff_alpha(pairable, level=level),
    )

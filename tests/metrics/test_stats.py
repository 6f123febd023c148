"""The statistics against published worked examples and hand-computed values."""

import math

import pytest

from metrics.stats import (
    MosResult,
    agreement_summary,
    cohens_kappa,
    fleiss_kappa,
    fleiss_kappa_from_counts,
    krippendorff_alpha,
    mean_opinion_score,
    median,
)

M = None  # a missing value

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers
# x 12 units, values 1-5, with missing values.
KRIPPENDORFF_OBSERVERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, M, M, M],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, M, 3],
    [M, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, M],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, M],
]
KRIPPENDORFF_UNITS = [list(unit) for unit in zip(*KRIPPENDORFF_OBSERVERS, strict=True)]

# Section A/B: two observers, binary data, 10 units.
BINARY_OBSERVERS = [
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
]

# Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories.
FLEISS_TABLE = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]

# Wikipedia, "Cohen's kappa", first example: 50 proposals, two readers.
# Both yes 20, A yes / B no 5, A no / B yes 10, both no 15: p_o = 0.7, p_e = 0.5, kappa 0.4.
COHEN_50 = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15


@pytest.mark.parametrize(
    ("level", "expected"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_alpha_matches_the_published_example(level, expected):
    alpha = krippendorff_alpha(KRIPPENDORFF_UNITS, level=level)
    assert round(alpha, 3) == expected


def test_krippendorff_alpha_two_observers_binary_example():
    units = [list(unit) for unit in zip(*BINARY_OBSERVERS, strict=True)]
    assert round(krippendorff_alpha(units, level="nominal"), 3) == 0.095


def test_krippendorff_alpha_ignores_units_with_one_value_and_the_order_of_raters():
    # unit 12 has a single value (observer B's 3): it is not pairable and changes nothing
    without = [u for u in KRIPPENDORFF_UNITS if sum(v is not None for v in u) >= 2]
    shuffled = [list(reversed(u)) for u in KRIPPENDORFF_UNITS]
    base = krippendorff_alpha(KRIPPENDORFF_UNITS, level="interval")
    assert krippendorff_alpha(without, level="interval") == pytest.approx(base)
    assert krippendorff_alpha(shuffled, level="interval") == pytest.approx(base)


def test_krippendorff_alpha_perfect_agreement_is_one_and_no_variation_is_undefined():
    assert krippendorff_alpha([[1, 1], [2, 2, 2], [3, 3]], level="ordinal") == pytest.approx(1.0)
    assert krippendorff_alpha([["a", "a"], ["a", "a", M]]) is None
    assert krippendorff_alpha([[1], [2, M]]) is None
    assert krippendorff_alpha([]) is None


def test_krippendorff_alpha_systematic_disagreement_is_negative():
    assert krippendorff_alpha([["a", "b"], ["b", "a"], ["a", "b"]]) < 0


def test_krippendorff_alpha_refuses_an_unknown_level():
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha(KRIPPENDORFF_UNITS, level="cardinal")


def test_fleiss_kappa_matches_the_wikipedia_example():
    assert round(fleiss_kappa_from_counts(FLEISS_TABLE), 3) == 0.210


def test_fleiss_kappa_from_values_equals_the_counts_table():
    categories = "abcde"
    units = [
        [c for c, n in zip(categories, row, strict=True) for _ in range(n)] for row in FLEISS_TABLE
    ]
    assert fleiss_kappa(units) == pytest.approx(fleiss_kappa_from_counts(FLEISS_TABLE))


def test_fleiss_kappa_with_missing_ratings_averages_each_subjects_own_pairs():
    # Subject 1: 3 raters agree (P=1); subject 2: 2 raters disagree (P=0); subject 3: one
    # rating only, dropped. p = (a: 4/5, b: 1/5), Pe = 0.68, P = 0.5 -> (0.5-0.68)/0.32.
    units = [["a", "a", "a"], ["a", "b", M], ["b"]]
    assert fleiss_kappa(units) == pytest.approx((0.5 - 0.68) / 0.32)


def test_fleiss_kappa_undefined_without_data_or_variation():
    assert fleiss_kappa([]) is None
    assert fleiss_kappa([["a", "a"], ["a", "a"]]) is None
    assert fleiss_kappa_from_counts([[1, 0], [0, 1]]) is None


def test_cohens_kappa_matches_the_wikipedia_example():
    assert cohens_kappa(COHEN_50) == pytest.approx(0.4)


def test_cohens_kappa_hand_computed_three_categories():
    # 10 items: 7 agreements. Rater A: a5 b3 c2; rater B: a4 b4 c2.
    # p_o = 0.7; p_e = (5*4 + 3*4 + 2*2) / 100 = 0.36; kappa = 0.34 / 0.64 = 0.53125.
    pairs = (
        [("a", "a")] * 4
        + [("a", "b")]
        + [("b", "b")] * 2
        + [("b", "c")]
        + [("c", "c")]
        + [("c", "b")]
    )
    assert cohens_kappa(pairs) == pytest.approx(0.53125)


def test_cohens_kappa_leaves_out_pairs_with_a_missing_side():
    assert cohens_kappa([*COHEN_50, ("yes", None), (None, "no")]) == pytest.approx(0.4)
    assert cohens_kappa([]) is None
    assert cohens_kappa([("a", "a"), ("a", "a")]) is None


def test_agreement_summary_gives_cohen_only_for_exactly_two_raters():
    two = {unit: {"ann": a, "bob": b} for unit, (a, b) in enumerate(COHEN_50)}
    summary = agreement_summary(two, level="nominal")
    assert summary.cohens_kappa == pytest.approx(0.4)
    assert (summary.units, summary.values, summary.raters) == (50, 100, 2)
    # With two raters and no missing data, Krippendorff's alpha differs from kappa only
    # by the small-sample correction: alpha = 1 - (n-1) Do/De with n = 100 values.
    assert summary.krippendorff_alpha == pytest.approx(0.4, abs=0.02)
    three = {0: {"a": "x", "b": "x", "c": "y"}, 1: {"a": "y", "b": "y", "c": "y"}}
    assert agreement_summary(three, level="nominal").cohens_kappa is None


def test_agreement_summary_matches_krippendorff_for_observer_tables():
    ratings = {
        unit: {f"obs{o}": row[unit] for o, row in enumerate(KRIPPENDORFF_OBSERVERS) if row[unit]}
        for unit in range(12)
    }
    summary = agreement_summary(ratings, level="ordinal")
    assert round(summary.krippendorff_alpha, 3) == 0.815
    assert summary.units == 11  # the last unit has one value
    assert summary.raters == 4


def test_mos_small_sample_uses_student_t():
    # scores 4, 5, 3, 4, 4: mean 4, s = sqrt(0.5), t(0.975, 4) = 2.776445
    result = mean_opinion_score([4, 5, 3, 4, 4])
    assert isinstance(result, MosResult)
    assert (result.n, result.mean) == (5, 4.0)
    assert result.std == pytest.approx(math.sqrt(0.5))
    assert result.half_width == pytest.approx(2.776445 * math.sqrt(0.5) / math.sqrt(5), rel=1e-6)
    assert (result.ci_low, result.ci_high) == pytest.approx(
        (4 - result.half_width, 4 + result.half_width)
    )


def test_mos_interval_narrows_towards_the_normal_quantile_for_large_n():
    scores = [1, 2, 3, 4, 5] * 200
    result = mean_opinion_score(scores)
    std = result.std
    assert result.half_width == pytest.approx(1.96 * std / math.sqrt(1000), rel=2e-3)
    assert mean_opinion_score(scores, confidence=0.99).half_width > result.half_width


def test_mos_degenerate_cases():
    assert mean_opinion_score([]) == MosResult(0, None, None, None, None, None)
    assert mean_opinion_score([3]) == MosResult(1, 3.0, None, None, None, None)
    same = mean_opinion_score([4, 4, 4])
    assert (same.std, same.half_width, same.ci_low, same.ci_high) == (0.0, 0.0, 4.0, 4.0)
    with pytest.raises(ValueError):
        mean_opinion_score([1, float("nan")])
    with pytest.raises(ValueError):
        mean_opinion_score([1, 2], confidence=1.0)


def test_mos_result_is_frozen():
    result = mean_opinion_score([1, 2])
    with pytest.raises(AttributeError):
        result.mean = 5  # type: ignore[misc]


def test_median():
    assert median([]) is None
    assert median([3, 1, 2]) == 2
    assert median([4, 1, 2, 3]) == 2.5

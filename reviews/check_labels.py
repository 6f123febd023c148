"""Short names of the quality checks as reviewers read them in the queue, its filters and
the review log ("Near-duplicate" for ``near_duplicate``), in the reader's language.

The quality app's catalogue gives each check a title that says what passing means ("Not a
near-copy of another answer"); a list of *flagged* checks reads better with the check's
own short name, so the reviews app keeps these (the ids stay the API's codes). A check
missing here falls back to its catalogue title, then to its id."""

from __future__ import annotations

from django.utils.translation import gettext, pgettext_lazy

CHECK_LABELS = {
    "schema_rules": pgettext_lazy("quality check name", "Template rules"),
    "citation_policy": pgettext_lazy("quality check name", "Citation policy"),
    "near_duplicate": pgettext_lazy("quality check name", "Near-duplicate"),
    "ai_similarity": pgettext_lazy("quality check name", "AI similarity"),
    "telemetry": pgettext_lazy("quality check name", "Work telemetry"),
    "gold": pgettext_lazy("quality check name", "Gold task"),
    "straight_lining": pgettext_lazy("quality check name", "Straight-lining"),
    "agreement_outlier": pgettext_lazy("quality check name", "Agreement outlier"),
}


def check_label(name: str) -> str:
    """The name of check ``name`` for people, in the active language."""
    label = CHECK_LABELS.get(name)
    if label is not None:
        return str(label)
    from quality.checks import CATALOGUE

    spec = CATALOGUE.get(name)
    # The catalogue's titles are in the catalogs (marked in quality.checks.catalogue).
    return gettext(spec.title) if spec else name


def check_choices() -> list[tuple[str, str]]:
    """Every check a reviewer may filter the queue by: (id, name), by name."""
    from quality.checks import CATALOGUE

    return sorted(((name, check_label(name)) for name in CATALOGUE), key=lambda pair: pair[1])

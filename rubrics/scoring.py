"""Scoring a response's judgments against rubric content: pure functions, no database.

Judgments are ``{criterion_id: {"met": bool}}`` for binary criteria and
``{criterion_id: {"level": int}}`` for ordinal ones (optionally with ``"evidence"`` and
``"explanation"`` strings). Each criterion's judgment becomes an *achievement* ``c`` in [0, 1]:
met → 1, not met → 0, an ordinal level → ``(level - min) / (max - min)``.

Three methods (worked examples in ``docs/rubrics.md``):

``healthbench``
    ``Σ points·c  /  Σ positive points`` (pitfalls' negative points included in the numerator),
    as ``calculate_score`` in openai/simple-evals ``healthbench_eval.py``. ``raw_score`` is
    that ratio; ``score`` is it clipped to [0, 1]. (simple-evals clips only the mean over many
    examples; aggregate ``raw_score`` to reproduce that exactly.)
``rar``
    Rubrics-as-Rewards explicit aggregation ``Σ w·c / Σ_{w>0} w`` with a weight per importance
    (a pitfall takes the pitfall weight whatever its importance), clipped to [0, 1].
``tree``
    PaperBench-style: a section's score is the weighted mean of its children, where a positive
    criterion counts with weight ``points`` and value ``c``, a sub-section with its ``weight``
    and its own (clipped) score; each pitfall subtracts ``|points|·c`` from the numerator,
    and the result is clipped to [0, 1] at every section. A pitfall therefore lowers only the
    section it sits in. A rubric without sections scores exactly as ``healthbench``.

Missing judgments are never guessed silently: ``missing="not_met"`` scores them as not met
(the lowest level), ``missing="exclude"`` leaves them out of numerator and denominator. Either
way the result lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Literal

from django.utils.translation import gettext

from annotation_platform.errors import DomainError
from rubrics.content import (
    KIND_SECTION,
    ErrorCollector,
    Errors,
    check_keys,
    describe,
    is_int,
    is_pitfall,
    iter_criteria,
    scale_bounds,
    validate_rubric_content,
)

Method = Literal["healthbench", "rar", "tree"]
MissingPolicy = Literal["not_met", "exclude"]
METHODS: Final = ("healthbench", "rar", "tree")
MISSING_POLICIES: Final = ("not_met", "exclude")

_JUDGMENT_KEYS: Final = {
    "binary": frozenset({"met", "evidence", "explanation"}),
    "ordinal": frozenset({"level", "evidence", "explanation"}),
}
NO_POSITIVE: Final = "No positive criteria: there is nothing to score against."
NO_POSITIVE_WEIGHT: Final = (
    "No criterion carries a positive weight: there is nothing to score against."
)


@dataclass(frozen=True)
class RaRWeights:
    """Rubrics-as-Rewards weight per importance; a pitfall takes ``pitfall``."""

    essential: float = 1.0
    important: float = 0.7
    optional: float = 0.3
    pitfall: float = -0.9

    def __post_init__(self) -> None:
        for name in ("essential", "important", "optional"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"The {name} weight must be a number >= 0, not {value!r}.")
        if (
            isinstance(self.pitfall, bool)
            or not isinstance(self.pitfall, int | float)
            or self.pitfall > 0
        ):
            raise ValueError(f"The pitfall weight must be a number <= 0, not {self.pitfall!r}.")

    def weight_of(self, criterion: Mapping[str, Any]) -> float:
        if is_pitfall(criterion):
            return float(self.pitfall)
        return float(getattr(self, criterion.get("importance", "important")))


@dataclass(frozen=True)
class PartScore:
    """The score of one part of a rubric (a section or a tag)."""

    score: float | None  # clipped to [0, 1]; None when undefined (see reason)
    raw_score: float | None
    criteria: tuple[str, ...]  # the criteria that counted (missing ones excluded or not)
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "raw_score": self.raw_score,
            "criteria": list(self.criteria),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ScoreResult:
    method: str
    missing_policy: str
    score: float | None
    raw_score: float | None
    reason: str | None  # why score is None
    missing: tuple[str, ...]  # criteria with no judgment, in rubric order
    achievements: Mapping[str, float | None]  # criterion id -> c in [0, 1] (None: missing)
    tags: Mapping[str, PartScore]
    skipped_tags: Mapping[str, str]  # tag -> why it has no score
    sections: Mapping[str, PartScore]
    weights: RaRWeights | None = field(default=None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "missing_policy": self.missing_policy,
            "score": self.score,
            "raw_score": self.raw_score,
            "reason": self.reason,
            "missing": list(self.missing),
            "achievements": dict(self.achievements),
            "tags": {tag: part.as_dict() for tag, part in self.tags.items()},
            "skipped_tags": dict(self.skipped_tags),
            "sections": {key: part.as_dict() for key, part in self.sections.items()},
        }


# --------------------------------------------------------------------------------------------
# Judgments
# --------------------------------------------------------------------------------------------


def validate_judgments(
    content: Mapping[str, Any], judgments: Any, *, require_evidence: bool = False
) -> Errors:
    """Every problem in ``judgments`` for valid ``content``, keyed by path ("c1.level").

    A missing judgment is not an error here (the scoring policy decides); a judgment for an
    unknown criterion, of the wrong kind, or out of the scale is. With ``require_evidence``,
    a criterion marked ``evidence_required`` that is judged met (above its lowest level) must
    carry non-empty ``evidence``; scores never depend on it, so scoring does not require it.
    """
    out = ErrorCollector()
    if not isinstance(judgments, Mapping):
        out.add("", gettext("Judgments must be an object keyed by criterion id."))
        return out.errors
    criteria = {located.node["id"]: located.node for located in iter_criteria(content)}
    for key, judgment in judgments.items():
        key_text = str(key)
        criterion = criteria.get(key_text)
        if criterion is None:
            out.add(
                key_text,
                gettext('There is no criterion "%(id)s" in this rubric.') % {"id": key_text},
            )
            continue
        if judgment is None:
            continue  # explicitly not judged: a missing judgment
        scale = criterion["scale"]["type"] if "scale" in criterion else "binary"
        if not isinstance(judgment, Mapping):
            expected = '{"met": true}' if scale == "binary" else '{"level": 3}'
            out.add(
                key_text, gettext("Must be an object such as %(example)s.") % {"example": expected}
            )
            continue
        check_keys(judgment, _JUDGMENT_KEYS[scale], key_text, out)
        low, high = scale_bounds(criterion)
        achieved_above_lowest = False
        if scale == "binary":
            met = judgment.get("met")
            if "met" not in judgment:
                out.add(f"{key_text}.met", gettext("This is required: true or false."))
            elif not isinstance(met, bool):
                out.add(f"{key_text}.met", gettext("Must be true or false."))
            else:
                achieved_above_lowest = met
        else:
            level = judgment.get("level")
            if "level" not in judgment:
                out.add(
                    f"{key_text}.level",
                    gettext("This is required: a level from %(low)s to %(high)s.")
                    % {"low": low, "high": high},
                )
            elif not is_int(level) or not low <= level <= high:
                out.add(
                    f"{key_text}.level",
                    gettext("Must be a whole number from %(low)s to %(high)s, not %(value)s.")
                    % {"low": low, "high": high, "value": describe(level)},
                )
            else:
                achieved_above_lowest = level > low
        for text_key in ("evidence", "explanation"):
            if text_key in judgment and not isinstance(judgment[text_key], str):
                out.add(f"{key_text}.{text_key}", gettext("Must be a string."))
        if (
            require_evidence
            and criterion.get("evidence_required")
            and achieved_above_lowest
            and not str(judgment.get("evidence") or "").strip()
        ):
            out.add(
                f"{key_text}.evidence",
                gettext("This criterion needs a citation or quoted passage when judged met."),
            )
    return out.errors


def achievement(criterion: Mapping[str, Any], judgment: Mapping[str, Any]) -> float:
    """c in [0, 1] for a valid judgment: met → 1, ordinal levels spread linearly."""
    if "level" in judgment:
        low, high = scale_bounds(criterion)
        return (judgment["level"] - low) / (high - low)
    return 1.0 if judgment["met"] else 0.0


# --------------------------------------------------------------------------------------------
# The tree the methods work on
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Leaf:
    id: str
    criterion: Mapping[str, Any]
    achieved: float | None  # None: missing and excluded

    @property
    def pitfall(self) -> bool:
        return is_pitfall(self.criterion)

    @property
    def points(self) -> float:
        return float(self.criterion["points"])

    @property
    def tags(self) -> Sequence[str]:
        return self.criterion.get("tags") or ()


@dataclass(frozen=True)
class _Section:
    id: str
    weight: float
    children: tuple[_Leaf | _Section, ...]


def _build(
    nodes: Sequence[Mapping[str, Any]], achieved: Mapping[str, float | None]
) -> tuple[_Leaf | _Section, ...]:
    built: list[_Leaf | _Section] = []
    for node in nodes:
        if node["kind"] == KIND_SECTION:
            built.append(
                _Section(
                    node["id"],
                    float(node.get("weight", 1)),
                    _build(node["children"], achieved),
                )
            )
        else:
            built.append(_Leaf(node["id"], node, achieved[node["id"]]))
    return tuple(built)


def _leaves(nodes: Sequence[_Leaf | _Section]) -> list[_Leaf]:
    found: list[_Leaf] = []
    for node in nodes:
        if isinstance(node, _Section):
            found.extend(_leaves(node.children))
        else:
            found.append(node)
    return found


def _prune(
    nodes: Sequence[_Leaf | _Section], keep: Callable[[_Leaf], bool]
) -> tuple[_Leaf | _Section, ...]:
    """The tree with only the leaves ``keep`` accepts; sections left empty disappear."""
    pruned: list[_Leaf | _Section] = []
    for node in nodes:
        if isinstance(node, _Section):
            children = _prune(node.children, keep)
            if children:
                pruned.append(_Section(node.id, node.weight, children))
        elif keep(node):
            pruned.append(node)
    return tuple(pruned)


def _clip(value: float) -> float:
    return min(1.0, max(0.0, value))


def _counted(leaves: Sequence[_Leaf]) -> list[_Leaf]:
    return [leaf for leaf in leaves if leaf.achieved is not None]


def _healthbench(nodes: Sequence[_Leaf | _Section]) -> PartScore:
    leaves = _counted(_leaves(nodes))
    ids = tuple(leaf.id for leaf in leaves)
    possible = sum(leaf.points for leaf in leaves if not leaf.pitfall)
    if possible <= 0:
        return PartScore(None, None, ids, NO_POSITIVE)
    achieved = sum(leaf.points * leaf.achieved for leaf in leaves)  # type: ignore[operator]
    raw = achieved / possible
    return PartScore(_clip(raw), raw, ids)


def _rar(nodes: Sequence[_Leaf | _Section], weights: RaRWeights) -> PartScore:
    leaves = _counted(_leaves(nodes))
    ids = tuple(leaf.id for leaf in leaves)
    weighted = [(weights.weight_of(leaf.criterion), leaf.achieved) for leaf in leaves]
    possible = sum(weight for weight, _ in weighted if weight > 0)
    if possible <= 0:
        return PartScore(None, None, ids, NO_POSITIVE_WEIGHT)
    raw = sum(weight * achieved for weight, achieved in weighted) / possible  # type: ignore[operator]
    return PartScore(_clip(raw), raw, ids)


def _tree(nodes: Sequence[_Leaf | _Section], sections: dict[str, PartScore] | None) -> PartScore:
    """Weighted mean over ``nodes``; records each section's score in ``sections`` if given."""
    numerator = denominator = deduction = 0.0
    ids: list[str] = []
    for node in nodes:
        if isinstance(node, _Section):
            part = _tree(node.children, sections)
            if sections is not None:
                sections[node.id] = part
            if part.score is None:
                continue  # nothing judged in it: it neither helps nor hurts its parent
            ids.extend(part.criteria)
            numerator += node.weight * part.score
            denominator += node.weight
        elif node.achieved is not None:
            ids.append(node.id)
            if node.pitfall:
                deduction += abs(node.points) * node.achieved
            else:
                numerator += node.points * node.achieved
                denominator += node.points
    if denominator <= 0:
        return PartScore(None, None, tuple(ids), NO_POSITIVE)
    raw = (numerator - deduction) / denominator
    return PartScore(_clip(raw), raw, tuple(ids))


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def score_rubric(
    content: Mapping[str, Any],
    judgments: Mapping[str, Any],
    *,
    method: Method,
    missing: MissingPolicy,
    weights: RaRWeights | None = None,
) -> ScoreResult:
    """Score ``judgments`` against ``content`` with ``method``; see the module docstring.

    Raises DomainError ("invalid_rubric", "invalid_judgments") with paths for bad input, and
    ValueError for an unknown method or missing policy (a programming error, not user input).
    """
    if method not in METHODS:
        raise ValueError(f"Unknown scoring method {method!r}; use one of {METHODS}.")
    if missing not in MISSING_POLICIES:
        raise ValueError(f"Unknown missing policy {missing!r}; use one of {MISSING_POLICIES}.")
    if weights is not None and method != "rar":
        raise ValueError("weights apply to the rar method only.")
    errors = validate_rubric_content(content)
    if errors:
        raise DomainError(
            gettext("The rubric has errors; each is listed under its path."),
            code="invalid_rubric",
            fields={f"content.{path}" if path else "content": m for path, m in errors.items()},
        )
    errors = validate_judgments(content, judgments)
    if errors:
        raise DomainError(
            gettext("The judgments have errors; each is listed under its path."),
            code="invalid_judgments",
            fields={f"judgments.{path}" if path else "judgments": m for path, m in errors.items()},
        )

    achieved: dict[str, float | None] = {}
    missing_ids: list[str] = []
    for located in iter_criteria(content):
        criterion = located.node
        judgment = judgments.get(criterion["id"])
        if judgment is None:
            missing_ids.append(criterion["id"])
            achieved[criterion["id"]] = 0.0 if missing == "not_met" else None
        else:
            achieved[criterion["id"]] = achievement(criterion, judgment)
    tree = _build(content.get("criteria") or [], achieved)

    rar_weights = (weights or RaRWeights()) if method == "rar" else None
    section_scores: dict[str, PartScore] = {}

    def evaluate(nodes: Sequence[_Leaf | _Section]) -> PartScore:
        if method == "healthbench":
            return _healthbench(nodes)
        if method == "rar":
            return _rar(nodes, rar_weights)  # type: ignore[arg-type]
        return _tree(nodes, None)

    if method == "tree":
        overall = _tree(tree, section_scores)
    else:
        overall = evaluate(tree)
        _score_sections(tree, evaluate, section_scores)

    tag_scores: dict[str, PartScore] = {}
    skipped: dict[str, str] = {}
    for tag in _tags_in_order(tree):
        part = evaluate(_prune(tree, lambda leaf, tag=tag: tag in leaf.tags))
        if part.score is None:
            skipped[tag] = part.reason or NO_POSITIVE
        else:
            tag_scores[tag] = part

    # Report sections in document order whatever order the recursion filled them in.
    ordered_sections = {node.id: section_scores[node.id] for node in _sections_in_order(tree)}
    return ScoreResult(
        method=method,
        missing_policy=missing,
        score=overall.score,
        raw_score=overall.raw_score,
        reason=overall.reason,
        missing=tuple(missing_ids),
        achievements=MappingProxyType(achieved),
        tags=MappingProxyType(tag_scores),
        skipped_tags=MappingProxyType(skipped),
        sections=MappingProxyType(ordered_sections),
        weights=rar_weights,
    )


def _score_sections(
    nodes: Sequence[_Leaf | _Section],
    evaluate: Callable[[Sequence[_Leaf | _Section]], PartScore],
    into: dict[str, PartScore],
) -> None:
    for node in nodes:
        if isinstance(node, _Section):
            into[node.id] = evaluate(node.children)
            _score_sections(node.children, evaluate, into)


def _sections_in_order(nodes: Sequence[_Leaf | _Section]) -> list[_Section]:
    found: list[_Section] = []
    for node in nodes:
        if isinstance(node, _Section):
            found.append(node)
            found.extend(_sections_in_order(node.children))
    return found


def _tags_in_order(nodes: Sequence[_Leaf | _Section]) -> list[str]:
    return list(dict.fromkeys(tag for leaf in _leaves(nodes) for tag in leaf.tags))


def score_healthbench(
    content: Mapping[str, Any], judgments: Mapping[str, Any], *, missing: MissingPolicy
) -> ScoreResult:
    return score_rubric(content, judgments, method="healthbench", missing=missing)


def score_rar(
    content: Mapping[str, Any],
    judgments: Mapping[str, Any],
    *,
    missing: MissingPolicy,
    weights: RaRWeights | None = None,
) -> ScoreResult:
    return score_rubric(content, judgments, method="rar", missing=missing, weights=weights)


def score_tree(
    content: Mapping[str, Any], judgments: Mapping[str, Any], *, missing: MissingPolicy
) -> ScoreResult:
    return score_rubric(content, judgments, method="tree", missing=missing)

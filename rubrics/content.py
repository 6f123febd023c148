"""Rubric content: the JSON a rubric's draft and every published version hold.

This module is the only place the content format is decided. Services, scoring, the diff and
the interchange formats all rely on it, so content that passes :func:`validate_rubric_content`
is content every other part of the platform can score, diff and export without defensive code
of its own. Everything here is a pure function over plain JSON-like values with no database
access. The format is documented for question-setters in ``docs/rubrics.md``; keep the two in
step.

Shape::

    {"schema_version": 1, "criteria": [node, ...]}

A node is a criterion or a section; sections hold nodes and nest (PaperBench-style trees).
"""

from __future__ import annotations

import copy
import difflib
import enum
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from django.utils.translation import gettext

from rubrics.validation import ErrorCollector, is_int, is_number, join_path

SCHEMA_VERSION: Final = 1

# Caps keep one rubric from tying up a worker; each is far above what a real rubric needs.
MAX_NODES: Final = 500
MAX_SECTION_DEPTH: Final = 5
MAX_TITLE_CHARS: Final = 2_000  # a criterion's title is its statement, often a full sentence
MAX_SECTION_TITLE_CHARS: Final = 200
MAX_DESCRIPTION_CHARS: Final = 20_000
MAX_TAGS: Final = 50
MAX_TAG_CHARS: Final = 100
MIN_LEVELS: Final = 2
MAX_LEVELS: Final = 11  # 0..10 is the widest ordinal scale anyone writes descriptors for
MAX_ID_CHARS: Final = 64

# A slug: lowercase letters and digits, inner "-" or "_". Use fullmatch.
ID_RE: Final = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?")

KIND_CRITERION: Final = "criterion"
KIND_SECTION: Final = "section"
POLARITIES: Final = ("positive", "pitfall")
IMPORTANCES: Final = ("essential", "important", "optional")
DEFAULT_IMPORTANCE: Final = "important"
SCALE_TYPES: Final = ("binary", "ordinal")

_TOP_KEYS: Final = frozenset({"schema_version", "criteria"})
_CRITERION_KEYS: Final = frozenset(
    {
        "kind",
        "id",
        "title",
        "description",
        "points",
        "polarity",
        "importance",
        "scale",
        "tags",
        "evidence_required",
    }
)
_SECTION_KEYS: Final = frozenset({"kind", "id", "title", "description", "weight", "children"})
_SCALE_KEYS: Final[Mapping[str, frozenset[str]]] = {
    "binary": frozenset({"type"}),
    "ordinal": frozenset({"type", "levels"}),
}
_LEVEL_KEYS: Final = frozenset({"value", "descriptor"})

Errors = dict[str, list[str]]


class _Missing(enum.Enum):
    MISSING = enum.auto()


MISSING: Final = _Missing.MISSING


def empty_content() -> dict[str, Any]:
    """Content of a new rubric: valid, with nothing to score yet."""
    return {"schema_version": SCHEMA_VERSION, "criteria": []}


# --------------------------------------------------------------------------------------------
# Accessors. Callers hold content that passed validate_rubric_content, so these trust its shape.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Located:
    """A node with where it sits: its path, its parent section (None at the top) and index."""

    node: Mapping[str, Any]
    path: str
    parent: str | None
    index: int
    sections: tuple[str, ...]  # ids of the enclosing sections, outermost first


def iter_nodes(content: Mapping[str, Any]) -> Iterator[Located]:
    """Every node, depth first in document order (a section before its children)."""

    def walk(
        nodes: Sequence[Mapping[str, Any]], path: str, sections: tuple[str, ...]
    ) -> Iterator[Located]:
        for index, node in enumerate(nodes):
            here = f"{path}[{index}]"
            yield Located(node, here, sections[-1] if sections else None, index, sections)
            if node["kind"] == KIND_SECTION:
                yield from walk(node["children"], f"{here}.children", (*sections, node["id"]))

    yield from walk(content.get("criteria") or [], "criteria", ())


def iter_criteria(content: Mapping[str, Any]) -> Iterator[Located]:
    return (located for located in iter_nodes(content) if located.node["kind"] == KIND_CRITERION)


def is_pitfall(criterion: Mapping[str, Any]) -> bool:
    return criterion.get("polarity") == "pitfall"


def scale_bounds(criterion: Mapping[str, Any]) -> tuple[int, int]:
    """(lowest, highest) judgment value: (0, 1) for binary, the level values for ordinal."""
    scale = criterion.get("scale") or {"type": "binary"}
    if scale["type"] == "ordinal":
        values = [level["value"] for level in scale["levels"]]
        return min(values), max(values)
    return 0, 1


def has_criteria(content: Mapping[str, Any]) -> bool:
    return next(iter_criteria(content), None) is not None


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_keys(
    obj: Mapping[str, Any], allowed: Iterable[str], path: str, out: ErrorCollector
) -> None:
    """Refuse unknown keys: a typo such as "pionts" must not silently mean the default."""
    allowed = sorted(allowed)
    for key in obj:
        if key in allowed:
            continue
        key_text = str(key)
        close = difflib.get_close_matches(key_text, allowed, n=1)
        if close:
            message = gettext('Unknown key "%(key)s". Did you mean "%(close)s"?') % {
                "key": key_text,
                "close": close[0],
            }
        else:
            message = gettext('Unknown key "%(key)s". Allowed: %(allowed)s.') % {
                "key": key_text,
                "allowed": ", ".join(allowed),
            }
        out.add(join_path(path, key_text), message)


def check_text(
    value: Any, where: str, out: ErrorCollector, *, required: bool, max_chars: int
) -> str | None:
    if value is MISSING:
        if required:
            out.add(where, gettext("This is required."))
        return None
    if not isinstance(value, str):
        out.add(where, gettext("Must be a string."))
        return None
    if required and not value.strip():
        out.add(where, gettext("Must not be empty."))
        return None
    if len(value) > max_chars:
        out.add(where, gettext("At most %(count)s characters.") % {"count": max_chars})
        return None
    return value


def check_tags(value: Any, where: str, out: ErrorCollector) -> None:
    if value is MISSING:
        return
    if not isinstance(value, list):
        out.add(where, gettext('Must be a list of strings, such as ["axis:accuracy"].'))
        return
    if len(value) > MAX_TAGS:
        out.add(where, gettext("At most %(count)s tags.") % {"count": MAX_TAGS})
        return
    seen: set[str] = set()
    for index, tag in enumerate(value):
        here = f"{where}[{index}]"
        if not isinstance(tag, str) or not tag.strip():
            out.add(here, gettext("Must be a non-empty string."))
        elif len(tag) > MAX_TAG_CHARS:
            out.add(here, gettext("At most %(count)s characters.") % {"count": MAX_TAG_CHARS})
        elif tag != tag.strip():
            out.add(here, gettext("Must not start or end with spaces."))
        elif tag in seen:
            out.add(here, gettext('The tag "%(tag)s" is listed twice.') % {"tag": tag})
        else:
            seen.add(tag)


class _Walk:
    """State shared across one validation: ids seen so far and the node count."""

    def __init__(self, out: ErrorCollector) -> None:
        self.out = out
        self.ids: dict[str, str] = {}
        self.count = 0
        self.too_many = False


def validate_rubric_content(content: Any) -> Errors:
    """Every problem in rubric content, keyed by path; an empty dict means valid.

    Paths look like "criteria[3].title" and "criteria[2].children[0].scale.levels", and ""
    for the content as a whole, so an editor can put each message next to its cause. Every
    problem is reported at once rather than stopping at the first.
    """
    out = ErrorCollector()
    if not isinstance(content, Mapping):
        out.add("", gettext('Rubric content must be a JSON object with a "criteria" list.'))
        return out.errors
    check_keys(content, _TOP_KEYS, "", out)
    version = content.get("schema_version", MISSING)
    if version is not MISSING and (not is_int(version) or version != SCHEMA_VERSION):
        out.add(
            "schema_version",
            gettext(
                "Unsupported schema version %(found)s; this platform reads version %(version)s."
            )
            % {"found": describe(version), "version": SCHEMA_VERSION},
        )
    nodes = content.get("criteria", MISSING)
    if nodes is MISSING:
        out.add("criteria", gettext("This is required (use [] for a rubric with no criteria yet)."))
    elif not isinstance(nodes, list):
        out.add("criteria", gettext("Must be a list of criteria and sections."))
    else:
        _check_nodes(nodes, "criteria", 0, _Walk(out))
    return out.errors


def _check_nodes(nodes: list[Any], path: str, depth: int, walk: _Walk) -> None:
    out = walk.out
    for index, node in enumerate(nodes):
        here = f"{path}[{index}]"
        walk.count += 1
        if walk.count > MAX_NODES:
            if not walk.too_many:
                out.add(
                    "criteria",
                    gettext("At most %(count)s criteria and sections in one rubric.")
                    % {"count": MAX_NODES},
                )
                walk.too_many = True
            return
        if not isinstance(node, Mapping):
            out.add(here, gettext('Must be an object: a criterion or a section (see "kind").'))
            continue
        kind = node.get("kind", MISSING)
        if kind == KIND_CRITERION:
            _check_criterion(node, here, walk)
        elif kind == KIND_SECTION:
            _check_section(node, here, depth, walk)
        elif kind is MISSING:
            out.add(f"{here}.kind", gettext('This is required: "criterion" or "section".'))
        else:
            out.add(
                f"{here}.kind",
                gettext('Unknown kind %(kind)s: "criterion" or "section".')
                % {"kind": describe(kind)},
            )


def _check_id(node: Mapping[str, Any], path: str, walk: _Walk) -> None:
    where = f"{path}.id"
    value = node.get("id", MISSING)
    if value is MISSING:
        walk.out.add(where, gettext("This is required."))
    elif not isinstance(value, str) or not ID_RE.fullmatch(value):
        walk.out.add(
            where,
            gettext(
                "Must be a slug of at most %(count)s characters: lowercase letters and "
                'digits, with "-" or "_" inside (e.g. "cites-guideline").'
            )
            % {"count": MAX_ID_CHARS},
        )
    elif value in walk.ids:
        walk.out.add(
            where,
            gettext('The id "%(id)s" is already used by %(path)s.')
            % {"id": value, "path": walk.ids[value]},
        )
    else:
        walk.ids[value] = path


def _check_section(node: Mapping[str, Any], path: str, depth: int, walk: _Walk) -> None:
    out = walk.out
    check_keys(node, _SECTION_KEYS, path, out)
    _check_id(node, path, walk)
    check_text(
        node.get("title", MISSING),
        f"{path}.title",
        out,
        required=True,
        max_chars=MAX_SECTION_TITLE_CHARS,
    )
    check_text(
        node.get("description", MISSING),
        f"{path}.description",
        out,
        required=False,
        max_chars=MAX_DESCRIPTION_CHARS,
    )
    weight = node.get("weight", MISSING)
    if weight is not MISSING and (not is_number(weight) or weight <= 0):
        out.add(f"{path}.weight", gettext("Must be a number greater than 0 (the default is 1)."))
    children = node.get("children", MISSING)
    where = f"{path}.children"
    if children is MISSING:
        out.add(where, gettext("This is required."))
        return
    if not isinstance(children, list):
        out.add(where, gettext("Must be a list of criteria and sections."))
        return
    if not children:
        out.add(where, gettext("A section needs at least one criterion or sub-section."))
        return
    if depth + 1 > MAX_SECTION_DEPTH:
        out.add(
            where, gettext("Sections nest at most %(count)s deep.") % {"count": MAX_SECTION_DEPTH}
        )
        return
    _check_nodes(children, where, depth + 1, walk)
    if not _has_positive(children):
        # In the tree method a pitfall lowers the score of its own section; a section of
        # pitfalls alone has no score to lower, so its pitfalls would silently never count.
        out.add(
            where,
            gettext(
                "A section needs at least one positive criterion (directly or in a sub-section): "
                "pitfalls lower the score of the section they sit in. Move these pitfalls into "
                "the section they should count against, or to the top level."
            ),
        )


def _has_positive(nodes: list[Any]) -> bool:
    for node in nodes:
        if not isinstance(node, Mapping):
            continue
        if node.get("kind") == KIND_CRITERION and node.get("polarity") == "positive":
            return True
        if (
            node.get("kind") == KIND_SECTION
            and isinstance(node.get("children"), list)
            and _has_positive(node["children"])
        ):
            return True
    return False


def _check_criterion(node: Mapping[str, Any], path: str, walk: _Walk) -> None:
    out = walk.out
    check_keys(node, _CRITERION_KEYS, path, out)
    _check_id(node, path, walk)
    check_text(
        node.get("title", MISSING), f"{path}.title", out, required=True, max_chars=MAX_TITLE_CHARS
    )
    check_text(
        node.get("description", MISSING),
        f"{path}.description",
        out,
        required=False,
        max_chars=MAX_DESCRIPTION_CHARS,
    )
    points = node.get("points", MISSING)
    points_ok = False
    if points is MISSING:
        out.add(f"{path}.points", gettext("This is required."))
    elif not is_number(points):
        out.add(
            f"{path}.points",
            gettext("Must be a number, not %(value)s.") % {"value": describe(points)},
        )
    elif points == 0:
        out.add(
            f"{path}.points",
            gettext(
                "Must not be 0: positive points reward a criterion, negative points penalise a "
                "pitfall."
            ),
        )
    else:
        points_ok = True
    polarity = node.get("polarity", MISSING)
    if polarity is MISSING:
        out.add(f"{path}.polarity", gettext('This is required: "positive" or "pitfall".'))
    elif polarity not in POLARITIES:
        out.add(
            f"{path}.polarity",
            gettext('Unknown polarity %(value)s: "positive" or "pitfall".')
            % {"value": describe(polarity)},
        )
    elif points_ok and (polarity == "pitfall") != (points < 0):
        # The sign alone never decides: a stray minus must not turn a criterion into a pitfall.
        if polarity == "pitfall":
            message = gettext("A pitfall takes negative points (it is subtracted when judged met).")
        else:
            message = gettext(
                'A criterion with negative points is a pitfall: set "polarity": "pitfall".'
            )
        out.add(f"{path}.polarity", message)
    importance = node.get("importance", MISSING)
    if importance is not MISSING and importance not in IMPORTANCES:
        out.add(
            f"{path}.importance",
            gettext("Unknown importance %(value)s: %(allowed)s.")
            % {"value": describe(importance), "allowed": ", ".join(IMPORTANCES)},
        )
    scale = node.get("scale", MISSING)
    if scale is not MISSING:
        _check_scale(scale, f"{path}.scale", out)
    check_tags(node.get("tags", MISSING), f"{path}.tags", out)
    evidence = node.get("evidence_required", MISSING)
    if evidence is not MISSING and not isinstance(evidence, bool):
        out.add(f"{path}.evidence_required", gettext("Must be true or false."))


def _check_scale(scale: Any, path: str, out: ErrorCollector) -> None:
    if not isinstance(scale, Mapping):
        out.add(
            path,
            gettext('Must be an object: {"type": "binary"} or {"type": "ordinal", "levels": …}.'),
        )
        return
    kind = scale.get("type", MISSING)
    if kind is MISSING:
        out.add(f"{path}.type", gettext('This is required: "binary" or "ordinal".'))
        return
    if kind not in SCALE_TYPES:
        out.add(
            f"{path}.type",
            gettext('Unknown scale type %(value)s: "binary" or "ordinal".')
            % {"value": describe(kind)},
        )
        return
    check_keys(scale, _SCALE_KEYS[kind], path, out)
    if kind == "binary":
        return
    levels = scale.get("levels", MISSING)
    where = f"{path}.levels"
    if levels is MISSING:
        out.add(where, gettext("This is required: an ordinal scale lists its levels."))
        return
    if not isinstance(levels, list):
        out.add(where, gettext('Must be a list of {"value": int, "descriptor": str} levels.'))
        return
    if not MIN_LEVELS <= len(levels) <= MAX_LEVELS:
        out.add(
            where,
            gettext("An ordinal scale has %(min)s to %(max)s levels.")
            % {"min": MIN_LEVELS, "max": MAX_LEVELS},
        )
        return
    values: list[int] = []
    for index, level in enumerate(levels):
        here = f"{where}[{index}]"
        if not isinstance(level, Mapping):
            out.add(here, gettext('Must be an object: {"value": int, "descriptor": str}.'))
            continue
        check_keys(level, _LEVEL_KEYS, here, out)
        value = level.get("value", MISSING)
        if value is MISSING:
            out.add(f"{here}.value", gettext("This is required."))
        elif not is_int(value):
            out.add(
                f"{here}.value",
                gettext("Must be a whole number, not %(value)s.") % {"value": describe(value)},
            )
        else:
            values.append(value)
        check_text(
            level.get("descriptor", MISSING),
            f"{here}.descriptor",
            out,
            required=True,
            max_chars=MAX_DESCRIPTION_CHARS,
        )
    if len(values) == len(levels) and values != list(range(values[0], values[0] + len(values))):
        found = ", ".join(str(value) for value in values)
        out.add(
            where,
            gettext(
                "Level values must be consecutive whole numbers in ascending order (e.g. 1, 2, 3, "
                "4, 5); found %(found)s."
            )
            % {"found": found},
        )


# --------------------------------------------------------------------------------------------
# Normalisation: defaults filled in, keys in one order, so stored content diffs cleanly.
# --------------------------------------------------------------------------------------------


def normalize_rubric_content(content: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of valid ``content`` with every default spelled out.

    Stored drafts and versions are normalised, so "left out" and "written as the default"
    never show up as a change in a diff.
    """
    return {
        "schema_version": SCHEMA_VERSION,
        "criteria": [_normalize_node(node) for node in content.get("criteria") or []],
    }


def _normalize_node(node: Mapping[str, Any]) -> dict[str, Any]:
    if node["kind"] == KIND_SECTION:
        return {
            "kind": KIND_SECTION,
            "id": node["id"],
            "title": node["title"],
            "description": node.get("description", ""),
            "weight": node.get("weight", 1),
            "children": [_normalize_node(child) for child in node["children"]],
        }
    scale = node.get("scale") or {"type": "binary"}
    return {
        "kind": KIND_CRITERION,
        "id": node["id"],
        "title": node["title"],
        "description": node.get("description", ""),
        "points": node["points"],
        "polarity": node["polarity"],
        "importance": node.get("importance", DEFAULT_IMPORTANCE),
        "scale": copy.deepcopy(dict(scale)),
        "tags": list(node.get("tags", [])),
        "evidence_required": node.get("evidence_required", False),
    }

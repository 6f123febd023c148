"""Rubric content in and out of the shapes other tools use.

``rubric``
    Our own content JSON (``{"schema_version": 1, "criteria": [...]}``): lossless.
``healthbench``
    HealthBench rubric items ``[{"criterion", "points", "tags"}, ...]`` (or a HealthBench
    example row whose ``"rubrics"`` holds them). Binary criteria only; sections are flattened.
``rar``
    Rubrics-as-Rewards items ``[{"title", "description", "weight"}, ...]``. The description
    starts with the category, as in the RaR datasets ("Essential Criteria: …"); the weight is
    the criterion's points. Binary criteria only; sections are flattened.
``prometheus``
    A Prometheus score rubric ``{"criteria", "score1_description" … "score5_description"}``:
    exactly one ordinal criterion with levels 1 to 5.

Import always returns normalised, valid content, or raises DomainError whose ``fields`` are
paths into the imported data ("[3].points", "rubrics[0].criterion", "score2_description").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from django.utils.translation import gettext, gettext_noop

from annotation_platform import jsonguard
from annotation_platform.errors import DomainError
from rubrics.content import (
    MISSING,
    ErrorCollector,
    Errors,
    check_keys,
    describe,
    is_number,
    is_pitfall,
    iter_criteria,
    join_path,
    normalize_rubric_content,
    validate_rubric_content,
)

FORMAT_RUBRIC: Final = "rubric"
FORMAT_HEALTHBENCH: Final = "healthbench"
FORMAT_RAR: Final = "rar"
FORMAT_PROMETHEUS: Final = "prometheus"
FORMATS: Final = (FORMAT_RUBRIC, FORMAT_HEALTHBENCH, FORMAT_RAR, FORMAT_PROMETHEUS)

EXPECTED_SHAPES: Final = gettext_noop(
    'Expected one of: our rubric JSON ({"criteria": [...]}); HealthBench items '
    '([{"criterion", "points", "tags"}, ...], or an example with "rubrics"); '
    'Rubrics-as-Rewards items ([{"title", "description", "weight"}, ...]); '
    'or a Prometheus score rubric ({"criteria": "...", "score1_description" … '
    '"score5_description"}).'
)

_HEALTHBENCH_KEYS: Final = frozenset({"criterion", "points", "tags"})
_RAR_KEYS: Final = frozenset({"title", "description", "weight"})
_PROMETHEUS_SCORES: Final = tuple(f"score{n}_description" for n in range(1, 6))
_PROMETHEUS_KEYS: Final = frozenset({"criteria", *_PROMETHEUS_SCORES})
_PROMETHEUS_SCORE_RE: Final = re.compile(r"score\d+_description")

# RaR's categories, written as the prefix of each item's description.
_RAR_PREFIX_RE: Final = re.compile(
    r"\s*(essential|important|optional|pitfall)\s+criteri(?:a|on)\s*:\s*", re.IGNORECASE
)
_RAR_CATEGORY: Final = {"essential": "Essential", "important": "Important", "optional": "Optional"}


def detect_format(data: Any) -> str | None:
    """Which known shape ``data`` has (one of FORMATS), or None for none of them."""
    if isinstance(data, Mapping):
        criteria = data.get("criteria")
        if isinstance(criteria, list):
            return FORMAT_RUBRIC
        if isinstance(criteria, str) or any(
            isinstance(key, str) and _PROMETHEUS_SCORE_RE.fullmatch(key) for key in data
        ):
            return FORMAT_PROMETHEUS
        if isinstance(data.get("rubrics"), list):
            return FORMAT_HEALTHBENCH
        return None
    if isinstance(data, list):
        first = next((item for item in data if isinstance(item, Mapping)), None)
        if first is None:
            return None
        if "criterion" in first:
            return FORMAT_HEALTHBENCH
        if "title" in first or "weight" in first:
            return FORMAT_RAR
    return None


def _under(prefix: str, path: str) -> str:
    """``path`` inside ``prefix``: "rubrics" + "[3].points" -> "rubrics[3].points"."""
    if not prefix or not path:
        return prefix or path
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"


def _refuse(detail: str, errors: Errors, prefix: str = "") -> DomainError:
    fields = {_under(prefix, path): messages for path, messages in errors.items()}
    return DomainError(detail, code="invalid_import", fields=fields)


def import_content(data: Any, *, fmt: str | None = None) -> dict[str, Any]:
    """Normalised, valid rubric content from ``data`` in ``fmt`` (detected when None)."""
    if isinstance(data, str | bytes):
        try:
            data = jsonguard.loads(data)
        except jsonguard.HostileInput as exc:
            raise DomainError(
                (
                    gettext("The file is refused at %(path)s: %(reason)s")
                    % {"path": exc.path, "reason": exc.reason}
                    if exc.path
                    else gettext("The file is refused at the top: %(reason)s")
                    % {"reason": exc.reason}
                ),
                code="invalid_import",
                fields={exc.path: [exc.reason]},
            ) from None
        except json.JSONDecodeError as exc:
            problem = gettext(
                "The file is not valid JSON: %(error)s at line %(line)s, column %(column)s."
            ) % {"error": jsonguard.syntax_error_text(exc), "line": exc.lineno, "column": exc.colno}
            raise DomainError(problem, code="invalid_import", fields={"": [problem]}) from None
    if fmt is None:
        fmt = detect_format(data)
        if fmt is None:
            if isinstance(data, list) and not data:
                detail = gettext("The file holds no rubric items.")
            else:
                detail = gettext(
                    "This file is in none of the known rubric shapes. %(expected)s"
                ) % {"expected": gettext(EXPECTED_SHAPES)}
            raise DomainError(detail, code="unknown_format", fields={"": [detail]})
    importer = _IMPORTERS.get(fmt)
    if importer is None:
        raise DomainError(
            gettext("Unknown format %(format)s; use one of: %(formats)s.")
            % {"format": repr(fmt), "formats": ", ".join(FORMATS)},
            code="unknown_format",
            fields={
                "format": [gettext("Use one of: %(formats)s.") % {"formats": ", ".join(FORMATS)}]
            },
        )
    return importer(data)


def export_content(content: Mapping[str, Any], *, fmt: str) -> Any:
    """``content`` (valid) in ``fmt``; DomainError when that shape cannot hold it."""
    exporter = _EXPORTERS.get(fmt)
    if exporter is None:
        raise DomainError(
            gettext("Unknown format %(format)s; use one of: %(formats)s.")
            % {"format": repr(fmt), "formats": ", ".join(FORMATS)},
            code="unknown_format",
            fields={
                "format": [gettext("Use one of: %(formats)s.") % {"formats": ", ".join(FORMATS)}]
            },
        )
    errors = validate_rubric_content(content)
    if errors:
        raise DomainError(
            gettext("The rubric has errors; each is listed under its path."),
            code="invalid_rubric",
            fields={f"content.{path}" if path else "content": m for path, m in errors.items()},
        )
    return exporter(normalize_rubric_content(content))


# --------------------------------------------------------------------------------------------
# Our own schema
# --------------------------------------------------------------------------------------------


def _import_rubric(data: Any) -> dict[str, Any]:
    errors = validate_rubric_content(data)
    if errors:
        raise _refuse(gettext("The rubric has errors; each is listed under its path."), errors)
    return normalize_rubric_content(data)


def _export_rubric(content: dict[str, Any]) -> dict[str, Any]:
    return content


# --------------------------------------------------------------------------------------------
# Flat, binary item lists (HealthBench, RaR)
# --------------------------------------------------------------------------------------------


def _flat_binary_criteria(content: Mapping[str, Any], shape: str) -> list[dict[str, Any]]:
    errors = ErrorCollector()
    criteria = []
    for located in iter_criteria(content):
        if located.node["scale"]["type"] != "binary":
            errors.add(
                f"{located.path}.scale",
                gettext("%(shape)s items are met or not met; an ordinal scale cannot be exported.")
                % {"shape": shape},
            )
        criteria.append(located.node)
    if errors.errors:
        raise DomainError(
            gettext("This rubric cannot be exported as %(shape)s items.") % {"shape": shape},
            code="export_unsupported",
            fields={f"content.{path}": m for path, m in errors.errors.items()},
        )
    return criteria


def _statement(criterion: Mapping[str, Any]) -> str:
    """Title and description as one text, for shapes with a single text per criterion."""
    description = criterion["description"].strip()
    return f"{criterion['title']}\n\n{description}" if description else criterion["title"]


def _items(data: Any, out: ErrorCollector, *, shape: str, keys: str) -> list[Any]:
    if not isinstance(data, list):
        out.add(
            "",
            gettext("Expected a list of %(shape)s items %(keys)s.")
            % {"shape": shape, "keys": keys},
        )
        return []
    if not data:
        out.add(
            "",
            gettext("The list holds no %(shape)s items %(keys)s.") % {"shape": shape, "keys": keys},
        )
    return data


def _criterion(
    index: int, title: str, description: str, points: Any, importance: str, tags: list[str]
) -> dict[str, Any]:
    return {
        "kind": "criterion",
        "id": f"c{index + 1}",
        "title": title,
        "description": description,
        "points": points,
        "polarity": "pitfall" if points < 0 else "positive",
        "importance": importance,
        "scale": {"type": "binary"},
        "tags": tags,
        "evidence_required": False,
    }


def _check_points(item: Mapping[str, Any], key: str, where: str, out: ErrorCollector) -> bool:
    value = item.get(key, MISSING)
    where = join_path(where, key)
    if value is MISSING:
        out.add(where, gettext("This is required."))
    elif not is_number(value):
        out.add(where, gettext("Must be a number, not %(value)s.") % {"value": describe(value)})
    elif value == 0:
        out.add(where, gettext("Must not be 0: positive rewards, negative penalises."))
    else:
        return True
    return False


def _check_item_text(
    item: Mapping[str, Any], key: str, where: str, out: ErrorCollector, *, required: bool
) -> bool:
    value = item.get(key, MISSING)
    where = join_path(where, key)
    if value is MISSING:
        if required:
            out.add(where, gettext("This is required."))
        return not required
    if not isinstance(value, str):
        out.add(where, gettext("Must be a string."))
        return False
    if required and not value.strip():
        out.add(where, gettext("Must not be empty."))
        return False
    return True


def _content_from_items(
    built: list[tuple[int, dict[str, Any]]],
    *,
    rename: Mapping[str, str],
    out: ErrorCollector,
    detail: str,
    prefix: str = "",
) -> dict[str, Any]:
    """Content from the criteria built out of well-formed items, or every error at once.

    ``out`` holds the problems found in the items themselves; the built content is validated
    too, and its errors are reported under the file's own index and names ("[3].criterion").
    """
    content = {"schema_version": 1, "criteria": [criterion for _, criterion in built]}
    errors = dict(out.errors)
    for path, messages in validate_rubric_content(content).items():
        match = re.fullmatch(r"criteria\[(\d+)\](?:\.([a-z_]+))?(.*)", path)
        if match:
            position, name, rest = match.groups()
            name = rename.get(name or "", name or "")
            path = f"[{built[int(position)][0]}]" + (f".{name}" if name else "") + rest
        elif path == "criteria":
            path = ""
        errors.setdefault(path, []).extend(messages)
    if errors:
        raise _refuse(detail, errors, prefix)
    return normalize_rubric_content(content)


# --- HealthBench ----------------------------------------------------------------------------


def _import_healthbench(data: Any) -> dict[str, Any]:
    prefix = ""
    if isinstance(data, Mapping):  # a HealthBench example row: its rubric items
        data, prefix = data.get("rubrics"), "rubrics"
    out = ErrorCollector()
    items = _items(data, out, shape="HealthBench", keys='{"criterion", "points", "tags"}')
    built: list[tuple[int, dict[str, Any]]] = []
    for index, item in enumerate(items):
        where = f"[{index}]"
        if not isinstance(item, Mapping):
            out.add(
                where,
                gettext("Expected an object %(keys)s.")
                % {"keys": '{"criterion", "points", "tags"}'},
            )
            continue
        check_keys(item, _HEALTHBENCH_KEYS, where, out)
        text_ok = _check_item_text(item, "criterion", where, out, required=True)
        points_ok = _check_points(item, "points", where, out)
        tags = item.get("tags", [])
        if not isinstance(tags, list):
            out.add(
                f"{where}.tags", gettext('Must be a list of strings, such as ["axis:accuracy"].')
            )
        elif text_ok and points_ok:
            criterion = _criterion(index, item["criterion"], "", item["points"], "important", tags)
            built.append((index, criterion))
    return _content_from_items(
        built,
        rename={"title": "criterion"},
        out=out,
        detail=gettext("Some %(shape)s items have errors; each is listed under its path.")
        % {"shape": "HealthBench"},
        prefix=prefix,
    )


def _export_healthbench(content: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "criterion": _statement(criterion),
            "points": criterion["points"],
            "tags": criterion["tags"],
        }
        for criterion in _flat_binary_criteria(content, "HealthBench")
    ]


# --- Rubrics as Rewards ---------------------------------------------------------------------


def _rar_importance(weight: float, scale_max: float) -> str:
    """Importance from a weight, on the scale the file uses.

    RaR datasets write weights 1 to 5 (essential 5, important 3 or 4, optional 1 or 2); the paper's
    aggregation weights are at most 1 (essential 1.0, important 0.7, optional 0.3).
    """
    size = abs(weight)
    if scale_max <= 1:
        return "essential" if size >= 0.85 else "important" if size >= 0.5 else "optional"
    return "essential" if size >= 4.5 else "important" if size >= 2.5 else "optional"


def _import_rar(data: Any) -> dict[str, Any]:
    out = ErrorCollector()
    items = _items(data, out, shape="Rubrics-as-Rewards", keys='{"title", "description", "weight"}')
    checked: list[tuple[int, Mapping[str, Any]]] = []
    for index, item in enumerate(items):
        where = f"[{index}]"
        if not isinstance(item, Mapping):
            out.add(
                where,
                gettext("Expected an object %(keys)s.")
                % {"keys": '{"title", "description", "weight"}'},
            )
            continue
        check_keys(item, _RAR_KEYS, where, out)
        title_ok = _check_item_text(item, "title", where, out, required=True)
        description_ok = _check_item_text(item, "description", where, out, required=False)
        if _check_points(item, "weight", where, out) and title_ok and description_ok:
            checked.append((index, item))
    scale_max = max((abs(item["weight"]) for _, item in checked), default=1)
    built: list[tuple[int, dict[str, Any]]] = []
    for index, item in checked:
        description = item.get("description", "")
        match = _RAR_PREFIX_RE.match(description)
        category = match.group(1).lower() if match else None
        if match:
            description = description[match.end() :]
        # The sign decides polarity (positively phrased "pitfalls" with a positive weight
        # exist in the wild); the category decides importance when it names one.
        importance = (
            category if category in _RAR_CATEGORY else _rar_importance(item["weight"], scale_max)
        )
        built.append(
            (index, _criterion(index, item["title"], description, item["weight"], importance, []))
        )
    return _content_from_items(
        built,
        rename={"points": "weight"},
        out=out,
        detail=gettext("Some %(shape)s items have errors; each is listed under its path.")
        % {"shape": "Rubrics-as-Rewards"},
    )


def _export_rar(content: dict[str, Any]) -> list[dict[str, Any]]:
    items = []
    for criterion in _flat_binary_criteria(content, "Rubrics-as-Rewards"):
        category = "Pitfall" if is_pitfall(criterion) else _RAR_CATEGORY[criterion["importance"]]
        description = f"{category} Criteria:"
        if criterion["description"]:
            description += f" {criterion['description']}"
        items.append(
            {"title": criterion["title"], "description": description, "weight": criterion["points"]}
        )
    return items


# --- Prometheus -----------------------------------------------------------------------------


def _import_prometheus(data: Any) -> dict[str, Any]:
    out = ErrorCollector()
    if not isinstance(data, Mapping):
        keys = '{"criteria", "score1_description" … "score5_description"}'
        out.add("", gettext("Expected an object %(keys)s.") % {"keys": keys})
        raise _refuse(gettext("This is not a Prometheus score rubric."), out.errors)
    check_keys(data, _PROMETHEUS_KEYS, "", out)
    _check_item_text(data, "criteria", "", out, required=True)
    for key in _PROMETHEUS_SCORES:
        _check_item_text(data, key, "", out, required=True)
    if out.errors:
        raise _refuse(
            gettext("The Prometheus score rubric has errors; each is listed under its key."),
            out.errors,
        )
    criterion = {
        "kind": "criterion",
        "id": "c1",
        "title": data["criteria"],
        "description": "",
        "points": 1,
        "polarity": "positive",
        "importance": "essential",
        "scale": {
            "type": "ordinal",
            "levels": [
                {"value": n, "descriptor": data[key]}
                for n, key in enumerate(_PROMETHEUS_SCORES, start=1)
            ],
        },
        "tags": [],
        "evidence_required": False,
    }
    content = {"schema_version": 1, "criteria": [criterion]}
    errors: Errors = {}
    for path, messages in validate_rubric_content(content).items():
        level = re.fullmatch(r"criteria\[0\]\.scale\.levels\[(\d)\]\.descriptor", path)
        if level:
            key = _PROMETHEUS_SCORES[int(level.group(1))]
        else:
            key = "criteria" if path == "criteria[0].title" else ""
        errors.setdefault(key, []).extend(messages)
    if errors:
        raise _refuse(
            gettext("The Prometheus score rubric has errors; each is listed under its key."), errors
        )
    return normalize_rubric_content(content)


def _export_prometheus(content: dict[str, Any]) -> dict[str, Any]:
    criteria = [located.node for located in iter_criteria(content)]
    levels = criteria[0]["scale"].get("levels", []) if len(criteria) == 1 else []
    if len(criteria) != 1 or [level["value"] for level in levels] != [1, 2, 3, 4, 5]:
        if len(criteria) != 1:
            problem = gettext(
                "A Prometheus score rubric holds exactly one criterion with an ordinal "
                "1-5 scale; this rubric has %(count)s criteria."
            ) % {"count": len(criteria)}
        else:
            problem = gettext(
                "A Prometheus score rubric holds exactly one criterion with an ordinal "
                "1-5 scale; its criterion is not scored on levels 1 to 5."
            )
        raise DomainError(
            gettext("This rubric cannot be exported as a Prometheus score rubric."),
            code="export_unsupported",
            fields={"content.criteria": [problem]},
        )
    exported = {"criteria": _statement(criteria[0])}
    for level, key in zip(levels, _PROMETHEUS_SCORES, strict=True):
        exported[key] = level["descriptor"]
    return exported


_IMPORTERS: Final[Mapping[str, Callable[[Any], dict[str, Any]]]] = {
    FORMAT_RUBRIC: _import_rubric,
    FORMAT_HEALTHBENCH: _import_healthbench,
    FORMAT_RAR: _import_rar,
    FORMAT_PROMETHEUS: _import_prometheus,
}
_EXPORTERS: Final[Mapping[str, Callable[[dict[str, Any]], Any]]] = {
    FORMAT_RUBRIC: _export_rubric,
    FORMAT_HEALTHBENCH: _export_healthbench,
    FORMAT_RAR: _export_rar,
    FORMAT_PROMETHEUS: _export_prometheus,
}

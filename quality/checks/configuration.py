"""Typed per-project settings for each check, with defaults and validation.

Each check declares its settings as a frozen dataclass whose fields are made with
:func:`setting`; the default value fixes the type (bool, whole number, number, one of some
choices, or a list of strings). Validation refuses unknown keys (with a suggestion when it
looks like a typo), wrong types and values out of range, naming the field in every error, so
a project's configuration is refused when saved rather than misread when a check runs.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

from quality.checks.messages import _, _translate

Errors = dict[str, list[str]]
C = TypeVar("C")

MAX_LIST_SETTING_ITEMS: Final = 1000


class ConfigError(ValueError):
    """Settings that fail validation; ``errors`` maps each field to its messages."""

    def __init__(self, errors: Errors) -> None:
        super().__init__(
            "; ".join(f"{key or 'settings'}: {' '.join(v)}" for key, v in errors.items())
        )
        self.errors = errors


def setting(
    default: Any,
    *,
    help: str,
    label: str = "",
    unit: str = "",
    minimum: float | None = None,
    maximum: float | None = None,
    above: float | None = None,
    choices: tuple[str, ...] | None = None,
    item_check: Callable[[str], str | None] | None = None,
    question_types: tuple[str, ...] | None = None,
) -> Any:
    """A settings field. ``label`` and ``unit`` are what the settings form shows (the API
    keeps the field name); ``above`` is an exclusive lower bound; ``item_check`` returns an
    error message for a bad list item, or None. A list of strings with ``question_types``
    names questions of the template (of those types) the check is limited to."""
    metadata = {
        "help": help,
        "label": label,
        "unit": unit,
        "minimum": minimum,
        "maximum": maximum,
        "above": above,
        "choices": choices,
        "item_check": item_check,
        "question_types": question_types,
    }
    return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass(frozen=True, slots=True)
class SettingSpec:
    """One setting as a form shows it."""

    name: str
    label: str
    unit: str
    help: str
    kind: str  # "bool" | "int" | "number" | "choice" | "list" | "questions"
    default: Any
    minimum: float | None
    maximum: float | None
    above: float | None
    choices: tuple[str, ...]
    question_types: tuple[str, ...]


def describe(config_type: type) -> list[SettingSpec]:
    """The settings of a check, in declaration order, as a form shows them."""
    specs = []
    for item in dataclasses.fields(config_type):
        meta, default = item.metadata, item.default
        if isinstance(default, bool):
            kind = "bool"
        elif isinstance(default, tuple):
            kind = "questions" if meta.get("question_types") else "list"
        elif isinstance(default, str):
            kind = "choice"
        elif isinstance(default, int):
            kind = "int"
        else:
            kind = "number"
        specs.append(
            SettingSpec(
                name=item.name,
                label=meta.get("label") or item.name.replace("_", " ").capitalize(),
                unit=meta.get("unit") or "",
                help=meta["help"],
                kind=kind,
                default=list(default) if isinstance(default, tuple) else default,
                minimum=meta["minimum"],
                maximum=meta["maximum"],
                above=meta["above"],
                choices=tuple(meta["choices"] or ()),
                question_types=tuple(meta.get("question_types") or ()),
            )
        )
    return specs


def question_id_problem(value: str) -> str | None:
    """Why a setting's entry cannot be a question id (ids are checked against the template
    when the check runs: a template may change after its checks were set)."""
    if re.fullmatch(r"[a-z][a-z0-9_]{0,63}", value):
        return None
    return _tr(
        _('"%(value)s" is not a question id (lower-case letters, digits and _).'), value=value
    )


def defaults(config_type: type) -> dict[str, Any]:
    """The default settings as JSON-ready values (lists, not tuples)."""
    values = {}
    for item in dataclasses.fields(config_type):
        value = item.default
        values[item.name] = list(value) if isinstance(value, tuple) else value
    return values


def validate(config_type: type, raw: Any) -> Errors:
    """Every problem with ``raw`` settings for ``config_type``; ``{}`` when valid.

    Missing keys take their defaults. Cross-field rules (a warn threshold below its fail
    threshold) live in the dataclass's ``problems()`` method and run once each field is valid.
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        return {"": [_tr(_("Settings must be a JSON object."))]}
    fields = {item.name: item for item in dataclasses.fields(config_type)}
    errors: Errors = {}
    for key, value in raw.items():
        if not isinstance(key, str) or key not in fields:
            close = difflib.get_close_matches(str(key), list(fields), n=1)
            if close:
                message = _tr(
                    _('Unknown setting "%(key)s". Did you mean "%(close)s"?'),
                    key=key,
                    close=close[0],
                )
            else:
                message = _tr(_('Unknown setting "%(key)s".'), key=key)
            errors.setdefault(str(key), []).append(message)
            continue
        _check_value(fields[key], value, errors)
    if errors:
        return errors
    problems = getattr(_build(config_type, raw), "problems", None)
    return problems() if problems else {}


def build(config_type: type[C], raw: Any) -> C:
    """Typed settings from ``raw`` (None for all defaults); raise ConfigError when invalid."""
    if isinstance(raw, config_type):
        return raw
    errors = validate(config_type, raw)
    if errors:
        raise ConfigError(errors)
    return _build(config_type, raw or {})


def _build(config_type: type[C], raw: Mapping[str, Any]) -> C:
    values = {key: tuple(value) if isinstance(value, list) else value for key, value in raw.items()}
    return config_type(**values)


def _describe(value: Any) -> str:
    text = f'"{value}"' if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_value(item: dataclasses.Field, value: Any, errors: Errors) -> None:
    name = item.name
    meta = item.metadata
    default = item.default

    def add(message: str, key: str = name) -> None:
        errors.setdefault(key, []).append(message)

    if isinstance(default, bool):
        if not isinstance(value, bool):
            add(_tr(_("Must be true or false.")))
        return
    if isinstance(default, tuple):
        if not isinstance(value, list | tuple):
            add(_tr(_("Must be a list of strings.")))
            return
        if len(value) > MAX_LIST_SETTING_ITEMS:
            add(_tr(_("At most %(count)s entries."), count=MAX_LIST_SETTING_ITEMS))
            return
        check = meta["item_check"]
        for index, entry in enumerate(value):
            if not isinstance(entry, str):
                add(_tr(_("Must be a string.")), f"{name}[{index}]")
                continue
            problem = check(entry) if check else None
            if problem:
                add(problem, f"{name}[{index}]")
        return
    if isinstance(default, str):
        choices = meta["choices"] or ()
        if not isinstance(value, str) or value not in choices:
            add(
                _tr(
                    _("Must be one of: %(choices)s (not %(value)s)."),
                    choices=", ".join(choices),
                    value=_describe(value),
                )
            )
        return
    whole = isinstance(default, int)
    if whole:
        if isinstance(value, bool) or not isinstance(value, int):
            add(_tr(_("Must be a whole number.")))
            return
    elif isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        add(_tr(_("Must be a number.")))
        return
    low, high, above = meta["minimum"], meta["maximum"], meta["above"]
    if (
        (above is not None and value <= above)
        or (low is not None and value < low)
        or (high is not None and value > high)
    ):
        add(_range_message(low, high, above))


def _range_message(low: float | None, high: float | None, above: float | None) -> str:
    """ "Must be more than 0 and at most 1." as one sentence per combination of bounds."""
    values = {
        "low": f"{low:g}" if low is not None else "",
        "high": f"{high:g}" if high is not None else "",
    }
    if above is not None:
        values["low"] = f"{above:g}"
        if high is not None:
            return _tr(_("Must be more than %(low)s and at most %(high)s."), **values)
        return _tr(_("Must be more than %(low)s."), **values)
    if low is not None:
        if high is not None:
            return _tr(_("Must be at least %(low)s and at most %(high)s."), **values)
        return _tr(_("Must be at least %(low)s."), **values)
    return _tr(_("Must be at most %(high)s."), **values)


def _tr(template: str, **params: Any) -> str:
    """A validation message in the active language (English without Django)."""
    return _translate(template) % params if params else _translate(template)

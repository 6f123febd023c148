"""What one import row may hold, and its checks against the project's template.

A row is ``{"data": {...}, "external_id", "priority", "overlap", "is_gold", "gold_answer",
"ai_references"}`` in JSON and JSON Lines; in CSV, columns are data fields (dots for nested
fields, ``ai_references.<model>`` for reference answers) and the reserved columns hold the
rest. ``RowChecker`` is built once per import: it compiles the template's field checks so
the common case (text fields present) costs a few dict lookups per row, and falls back to
``tasks.template_definition.validate_task_data`` for the exact messages (and for the
richer block types), so an import accepts exactly what ``tasks_create`` accepts.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.utils.translation import gettext_noop

from annotation_platform import jsonguard
from annotation_platform.stored_text import nested as nested_text
from annotation_platform.stored_text import stored
from tasks.answer_validation import validate_gold_answer
from tasks.template_definition import (
    MISSING,
    data_fields,
    display_blocks,
    field_value,
    questions,
    validate_task_data,
)

ROW_KEYS: Final = (
    "data",
    "external_id",
    "priority",
    "overlap",
    "is_gold",
    "gold_answer",
    "ai_references",
)
# CSV columns that are not data fields (``ai_references.<model>`` columns are data fields:
# they land in data["ai_references"], where the quality checks read them).
CSV_RESERVED: Final = ("external_id", "priority", "overlap", "is_gold", "gold_answer")
MAX_EXTERNAL_ID: Final = 200
PRIORITY_RANGE: Final = (-1_000_000, 1_000_000)
# The task-data checks' messages (tasks.template_definition.validate_task_data), stored on
# an import's row errors as they come: listed here so that the catalogs have them and a row
# error reads in the reader's language (annotation_platform.stored_text.shown translates a
# stored id).
TASK_DATA_MESSAGES: Final = (
    gettext_noop("Task data must be a JSON object."),
    gettext_noop("This field is missing."),
    gettext_noop("Must be text (a string)."),
    gettext_noop("Must be a storage key or an http(s) URL."),
    gettext_noop("Must be an http(s) URL with a host name."),
    gettext_noop('Must be a storage key (relative, no ".." or backslashes) or an http(s) URL.'),
    gettext_noop("Must be a non-empty list of messages."),
    gettext_noop("Must be an object with role and content."),
    gettext_noop('This is required (use "" for none).'),
    gettext_noop("Must be a string."),
    gettext_noop("Only a tool message answers a tool call."),
    gettext_noop("Only an assistant message makes tool calls."),
    gettext_noop("Must be a list of {name, arguments}."),
    gettext_noop("Must be an object with name and arguments."),
    gettext_noop("This is required (an object or a string)."),
    gettext_noop("Must be an object or a string."),
)
OVERLAP_RANGE: Final = (1, 100)
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
_TRUE: Final = frozenset({"true", "yes", "1", "y", "t"})
_FALSE: Final = frozenset({"false", "no", "0", "n", "f"})

Problem = tuple[str, str]  # (field, reason)


@dataclass(slots=True)
class TaskRow:
    """A row that passed every check, ready to write."""

    line: int
    raw: Any
    data: dict
    data_json: str
    external_id: str
    priority: int
    overlap: int | None
    is_gold: bool
    gold_answer: Any
    gold_json: str | None


class HeaderProblem(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0][1])
        self.problems = problems


def _located(value: Any, path: str) -> Problem | None:
    """(path, reason) of the first value the input guard refuses inside ``value``; None
    when there is none (a text holding a backslash and "u0000" dumps as ``\\\\u0000``)."""
    try:
        jsonguard.check(value, path=path)
    except jsonguard.HostileInput as exc:
        return exc.path, exc.reason
    return None


def _unknown_key(key: str, allowed) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1)
    if close:
        return stored(
            gettext_noop('Unknown key "%(key)s". Did you mean "%(close)s"?'),
            key=key,
            close=close[0],
        )
    return stored(
        gettext_noop('Unknown key "%(key)s". Allowed: %(allowed)s.'),
        key=key,
        allowed=", ".join(allowed),
    )


class RowChecker:
    """Checks rows of one import against one template version (built once per import)."""

    def __init__(
        self,
        *,
        definition: Mapping[str, Any],
        csv: bool = False,
        media_exists: Callable[[str], bool] | None = None,
        max_row_bytes: int,
    ) -> None:
        self.definition = definition
        self.csv = csv
        self.media_exists = media_exists
        self.max_row_bytes = max_row_bytes
        self.prefix = "" if csv else "data."
        text_paths: list[str] = []
        full = False
        for block in display_blocks(definition):
            if block["type"] == "responses":
                text_paths.extend(block["fields"])
            elif block["type"] in ("text", "markdown"):
                text_paths.append(block["field"])
            else:
                full = True  # conversation, media and links: the full validator decides
        for question in questions(definition):
            if question["type"] == "spans" and question["target"]["kind"] == "text":
                text_paths.append(question["target"]["field"])
        self._flat_text = tuple(p for p in dict.fromkeys(text_paths) if "." not in p)
        self._nested_text = tuple(p for p in dict.fromkeys(text_paths) if "." in p)
        self._full = full
        self._media = tuple(
            block["field"]
            for block in display_blocks(definition)
            if block["type"] in ("audio", "image")
        )
        self._conversation = frozenset(
            block["field"]
            for block in display_blocks(definition)
            if block["type"] == "conversation"
        )
        self._dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        self._media_seen: dict[str, bool] = {}
        self.columns: list[str] = []

    # --- CSV header ------------------------------------------------------------------------

    def check_header(self, columns: list[str]) -> None:
        """Refuse a header with blank or repeated names, or without a field the template shows."""
        problems: list[Problem] = []
        seen: set[str] = set()
        for index, name in enumerate(columns, start=1):
            if not name:
                problems.append(
                    (f"column {index}", gettext_noop("The header names no column here."))
                )
            elif name in seen:
                problems.append((name, gettext_noop("This column appears twice in the header.")))
            seen.add(name)
        for path in data_fields(self.definition):
            if path not in seen:
                problems.append(
                    (path, gettext_noop("Column missing: the template shows this field."))
                )
        if problems:
            raise HeaderProblem(problems)
        self.columns = columns

    def _csv_envelope(self, cells: Mapping[str, str]) -> tuple[dict, list[Problem]]:
        """CSV cells (text) to the JSON row shape: reserved columns typed, data nested."""
        row: dict[str, Any] = {}
        data: dict[str, Any] = {}
        problems: list[Problem] = []
        for name, cell in cells.items():
            if name in CSV_RESERVED:
                if cell.strip() == "":
                    continue
                value: Any = cell.strip()
                if name in ("priority", "overlap"):
                    try:
                        value = int(value)
                    except ValueError:
                        problems.append((name, gettext_noop("Must be a whole number.")))
                        continue
                elif name == "is_gold":
                    lowered = value.lower()
                    if lowered not in _TRUE | _FALSE:
                        problems.append((name, gettext_noop("Must be true or false.")))
                        continue
                    value = lowered in _TRUE
                elif name == "gold_answer":
                    try:
                        value = jsonguard.loads(cell, path=name)
                    except jsonguard.HostileInput as exc:
                        problems.append((exc.path, exc.reason))
                        continue
                    except json.JSONDecodeError as exc:
                        problems.append(
                            (
                                name,
                                stored(
                                    gettext_noop("Must be JSON (the expected answer): %(error)s."),
                                    error=nested_text(jsonguard.syntax_error_msgid(exc)),
                                ),
                            )
                        )
                        continue
                row[name] = value
                continue
            value = cell
            if name in self._conversation:
                try:
                    value = jsonguard.loads(cell, path=name)
                except jsonguard.HostileInput as exc:
                    problems.append((exc.path, exc.reason))
                    continue
                except json.JSONDecodeError as exc:
                    problems.append(
                        (
                            name,
                            stored(
                                gettext_noop("Must be a JSON list of messages: %(error)s."),
                                error=nested_text(jsonguard.syntax_error_msgid(exc)),
                            ),
                        )
                    )
                    continue
            elif name.startswith("ai_references.") and cell == "":
                continue  # no reference from this model for this task
            *parents, leaf = name.split(".")
            target = data
            for part in parents:
                nested = target.setdefault(part, {})
                if not isinstance(nested, dict):
                    problems.append(
                        (
                            name,
                            stored(
                                gettext_noop('Column "%(column)s" is both a value and a group.'),
                                column=part,
                            ),
                        )
                    )
                    break
                target = nested
            else:
                target[leaf] = value
        row["data"] = data
        return row, problems

    # --- rows ------------------------------------------------------------------------------

    def check(self, line: int, raw: Any, value: Any) -> tuple[TaskRow | None, list[Problem]]:
        if self.csv:
            row, problems = self._csv_envelope(value)
            if problems:
                return None, problems
        else:
            row = value
            if not isinstance(row, dict):
                return None, [
                    ("", gettext_noop('Each row must be a JSON object with a "data" object.'))
                ]
            problems = [(key, _unknown_key(key, ROW_KEYS)) for key in row if key not in ROW_KEYS]
        data = row.get("data", MISSING)
        if data is MISSING:
            problems.append(
                (
                    "data",
                    gettext_noop('This is required: the task\'s data, e.g. {"prompt": "..."}.'),
                )
            )
            return None, problems
        if not isinstance(data, dict):
            problems.append(("data", gettext_noop("Must be a JSON object.")))
            return None, problems
        external_id = self._external_id(row.get("external_id"), problems)
        priority = self._whole(row.get("priority", 0), "priority", PRIORITY_RANGE, problems)
        overlap = row.get("overlap")
        if overlap is not None:
            overlap = self._whole(overlap, "overlap", OVERLAP_RANGE, problems)
        if "ai_references" in row:
            if "ai_references" in data:
                problems.append(
                    (
                        "ai_references",
                        gettext_noop('Given both here and in data; keep one "ai_references".'),
                    )
                )
            else:
                data["ai_references"] = row["ai_references"]
        if "ai_references" in data:
            self._check_references(data["ai_references"], problems)
        self._check_data(data, problems)
        is_gold, gold_answer = self._gold(row, data, problems)
        if problems:
            return None, problems
        data_json = self._dumps(data)
        if len(data_json) > self.max_row_bytes:
            return None, [
                (
                    "data",
                    stored(
                        gettext_noop("Larger than %(limit)s bytes, the per-row limit."),
                        limit=f"{self.max_row_bytes:,}",
                    ),
                )
            ]
        # JSON rows were guarded as they were read; NUL can still come in a CSV cell. The
        # dump escapes it, so one substring test per row finds it, and the guard says where.
        if "\\u0000" in data_json and (found := _located(data, self.prefix.rstrip("."))):
            return None, [found]
        gold_json = self._dumps(gold_answer) if is_gold else None
        if (
            gold_json is not None
            and "\\u0000" in gold_json
            and (found := _located(gold_answer, "gold_answer"))
        ):
            return None, [found]
        return (
            TaskRow(
                line=line,
                raw=raw,
                data=data,
                data_json=data_json,
                external_id=external_id,
                priority=priority,
                overlap=overlap,
                is_gold=is_gold,
                gold_answer=gold_answer if is_gold else None,
                gold_json=gold_json,
            ),
            [],
        )

    def _check_data(self, data: dict, problems: list[Problem]) -> None:
        fast_ok = not self._full
        if fast_ok:
            for key in self._flat_text:
                if type(data.get(key)) is not str:
                    fast_ok = False
                    break
        if fast_ok:
            for path in self._nested_text:
                if not isinstance(field_value(data, path), str):
                    fast_ok = False
                    break
        if not fast_ok:
            for path, messages in validate_task_data(self.definition, data).items():
                for message in messages:
                    problems.append((self.prefix + path if path else "data", message))
            if problems:
                return
        if self.media_exists is not None:
            for path in self._media:
                key = field_value(data, path)
                if isinstance(key, str) and "://" not in key and not self._stored(key):
                    problems.append(
                        (
                            self.prefix + path,
                            stored(
                                gettext_noop('No file "%(key)s" in the project\'s storage.'),
                                key=key,
                            ),
                        )
                    )

    def _stored(self, key: str) -> bool:
        found = self._media_seen.get(key)
        if found is None:
            if len(self._media_seen) > 50_000:  # bounded: a long import re-asks, never grows
                self._media_seen.clear()
            found = self._media_seen[key] = bool(self.media_exists(key))
        return found

    def _external_id(self, value: Any, problems: list[Problem]) -> str:
        if value is None or value == "":
            return ""
        if not isinstance(value, str):
            problems.append(("external_id", gettext_noop("Must be text (a string).")))
            return ""
        value = value.strip()
        if len(value) > MAX_EXTERNAL_ID:
            problems.append(
                (
                    "external_id",
                    stored(gettext_noop("At most %(limit)s characters."), limit=MAX_EXTERNAL_ID),
                )
            )
        elif _CONTROL.search(value):
            problems.append(("external_id", gettext_noop("Must not contain control characters.")))
        return value

    @staticmethod
    def _whole(value: Any, name: str, bounds: tuple[int, int], problems: list[Problem]) -> Any:
        low, high = bounds
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append((name, gettext_noop("Must be a whole number.")))
            return None
        if not low <= value <= high:
            problems.append(
                (
                    name,
                    stored(gettext_noop("Must be from %(low)s to %(high)s."), low=low, high=high),
                )
            )
            return None
        return value

    def _check_references(self, refs: Any, problems: list[Problem]) -> None:
        where = "ai_references"
        if not isinstance(refs, dict):
            problems.append(
                (where, gettext_noop('Must be an object: {"model name": "reference answer"}.'))
            )
            return
        for model, text in refs.items():
            if not model.strip() or len(model) > 200:
                problems.append(
                    (where, gettext_noop("Each model name must be 1 to 200 characters."))
                )
            elif not isinstance(text, str):
                problems.append(
                    (f"{where}.{model}", gettext_noop("Must be text (the model's answer)."))
                )

    def _gold(self, row: dict, data: dict, problems: list[Problem]) -> tuple[bool, Any]:
        gold_answer = row.get("gold_answer")
        is_gold = row.get("is_gold", gold_answer is not None)
        if not isinstance(is_gold, bool):
            problems.append(("is_gold", gettext_noop("Must be true or false.")))
            return False, None
        if not is_gold:
            if gold_answer is not None:
                problems.append(("gold_answer", gettext_noop("Given, but is_gold is false.")))
            return False, None
        if gold_answer is None:
            problems.append(("gold_answer", gettext_noop("A gold task needs its expected answer.")))
            return False, None
        if problems:
            return False, None  # the answer is checked against data that is itself wrong
        # As tasks.services.distribution.task_set_gold checks it: the scored questions only,
        # against the template and this task's data; the cleaned answer is what is stored.
        check = validate_gold_answer(self.definition, gold_answer, task_data=data)
        if not check.ok:
            for key, messages in check.errors.items():
                for message in messages:
                    problems.append((f"gold_answer.{key}" if key else "gold_answer", message))
            return False, None
        return True, check.cleaned

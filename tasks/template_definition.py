"""Task template definitions: the declarative JSON a question-setter writes.

A template says what a trainer sees (display blocks that read fields of the task data) and what
they answer (questions). This module is the only place the definition format is decided: the
editor, the API, imports and ``tasks.answer_validation`` all rely on it, so a definition that
passes :func:`validate_definition` is one every other part of the platform can render and check
without defensive code of its own.

Everything here is a pure function over plain JSON-like values with no database access, so the
rules can be unit-tested with literals and run in any worker. The format is documented for
question-setters in ``docs/templates.md``; keep the two in step.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final
from urllib.parse import urlsplit

from rubrics.validation import ErrorCollector as _ErrorCollector
from rubrics.validation import is_int as _is_int
from rubrics.validation import join_path as _join


def gettext(message: str) -> str:
    """``message`` in the reader's language when Django is set up, else as written.

    Imported here, not at the top: the quality checks use this module as plain Python,
    without Django. Only a refusal calls it, never a valid definition.
    """
    try:
        from django.utils.translation import gettext as django_gettext

        return django_gettext(message)
    except Exception:
        return message


SCHEMA_VERSION: Final = 1

# Size caps. They keep one template or one answer from tying up a worker; each is far above what
# a real task needs, and every cap is reported as a readable error, never a crash.
MAX_STRING_CHARS: Final = 100_000
MAX_LIST_ITEMS: Final = 500
MAX_QUESTIONS: Final = 100
MAX_DISPLAY_BLOCKS: Final = 50
MAX_OPTIONS: Final = 100
MAX_RANKING_ITEMS: Final = 50
MAX_TAGS: Final = 100
MAX_RATING_POINTS: Final = 11
MIN_RESPONSES: Final = 2
MAX_RESPONSES: Final = 6
MAX_AUDIO_SECONDS: Final = 86_400
# Boxes and points on an image: the labels a template may offer, the longest note a trainer
# may write on one region, and the largest image side (pixels) an answer may report.
MAX_REGION_LABELS: Final = 100
MAX_REGION_NOTE_CHARS: Final = 2_000
MAX_IMAGE_SIDE: Final = 100_000
REGION_SHAPES: Final = ("box", "point")
MAX_FIELD_PATH_CHARS: Final = 200
# S3's limit on an object key (UTF-8 bytes); mediafiles indexes keys up to this length.
MAX_MEDIA_KEY_BYTES: Final = 1024

# Compiled once at import: validating must never compile a pattern per call. Use fullmatch, so
# a trailing newline cannot slip past a ``$``.
ID_RE: Final = re.compile(r"[a-z][a-z0-9_]{0,63}")
FIELD_PATH_RE: Final = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
_INT_KEY_RE: Final = re.compile(r"-?\d+")
_HOST_RE: Final = re.compile(
    r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+", re.IGNORECASE
)
_CONTROL_RE: Final = re.compile(r"[\x00-\x1f\x7f]")

BLOCK_TYPES: Final = ("text", "markdown", "conversation", "responses", "audio", "image", "link")
QUESTION_TYPES: Final = (
    "single_choice",
    "multi_choice",
    "rating",
    "pairwise",
    "ranking",
    "text",
    "spans",
    "citations",
    "rubric_items",
    "boxes",
)
MESSAGE_ROLES: Final = ("system", "user", "assistant", "tool")
PAIRWISE_CHOICES: Final = ("A", "B", "tie")
DEFAULT_PAIRWISE_LABELS: Final = ("A", "B")
# Questions whose answer a later question's ``show_if`` may test. Free text, spans and lists
# have no single value that "equals" anything, so a condition on them would be a trap.
# How a text question counts its limits (docs/templates.md, "Limits in characters").
TEXT_COUNT_UNITS: Final = ("words", "characters")
SHOW_IF_TARGET_TYPES: Final = ("single_choice", "multi_choice", "rating", "pairwise")

_TOP_KEYS: Final = frozenset({"schema_version", "title", "instructions", "display", "questions"})
_BLOCK_KEYS: Final[Mapping[str, frozenset[str]]] = {
    "text": frozenset({"type", "label", "field"}),
    "markdown": frozenset({"type", "label", "field"}),
    "conversation": frozenset({"type", "label", "field"}),
    "responses": frozenset({"type", "label", "fields", "labels", "markdown"}),
    "audio": frozenset({"type", "label", "field", "id"}),
    "image": frozenset({"type", "label", "field", "id"}),
    "link": frozenset({"type", "label", "field"}),
}
_COMMON_QUESTION_KEYS: Final = frozenset({"id", "type", "prompt", "help", "required", "show_if"})
_QUESTION_KEYS: Final[Mapping[str, frozenset[str]]] = {
    "single_choice": frozenset({"options"}),
    "multi_choice": frozenset({"options", "min", "max"}),
    "rating": frozenset({"scale", "require_full_playback"}),
    "pairwise": frozenset({"labels", "allow_tie", "strength"}),
    "ranking": frozenset({"items", "allow_ties"}),
    "text": frozenset({"min_chars", "max_chars", "min_words", "max_words", "multiline", "count"}),
    "spans": frozenset({"target", "tags", "min", "max", "comment_required"}),
    "citations": frozenset({"min", "max"}),
    "rubric_items": frozenset({"min", "max", "citations_question"}),
    "boxes": frozenset({"image", "labels", "shapes", "min", "max", "note_required"}),
}
_MESSAGE_KEYS: Final = frozenset({"role", "content", "name", "tool_calls", "tool_call_id"})
_TOOL_CALL_KEYS: Final = frozenset({"id", "name", "arguments"})

Errors = dict[str, list[str]]


class _Missing(enum.Enum):
    MISSING = enum.auto()


MISSING: Final = _Missing.MISSING
"""Returned by :func:`field_value` for an absent field (``None`` is a legitimate JSON value)."""


# --------------------------------------------------------------------------------------------
# Accessors. Callers hold a definition that passed validate_definition, so these trust its shape.
# --------------------------------------------------------------------------------------------


def questions(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(definition.get("questions") or [])


def question_map(definition: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {question["id"]: question for question in questions(definition)}


def display_blocks(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(definition.get("display") or [])


def audio_block_id(block: Mapping[str, Any]) -> str:
    """An audio block is referred to by ``id``, or by its field when it has no id."""
    return block.get("id") or block["field"]


def audio_blocks(definition: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Audio blocks by id, the handle ratings (full playback) and audio spans refer to."""
    return {
        audio_block_id(block): block
        for block in display_blocks(definition)
        if block.get("type") == "audio"
    }


def image_blocks(definition: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Image blocks by id (``id``, or the field when it has none): what boxes questions mark."""
    return {
        block.get("id") or block["field"]: block
        for block in display_blocks(definition)
        if block.get("type") == "image"
    }


def is_required(question: Mapping[str, Any]) -> bool:
    return question.get("required", True) is not False


def list_bounds(question: Mapping[str, Any]) -> tuple[int, int]:
    """(min, max) item count of a multi_choice, spans, citations or rubric_items answer.

    min defaults to 1 for a required question and 0 otherwise; max to the number of options
    (multi_choice) or MAX_LIST_ITEMS.
    """
    default_max = len(question["options"]) if question["type"] == "multi_choice" else None
    low = question.get("min", 1 if is_required(question) else 0)
    high = question.get("max", default_max if default_max is not None else MAX_LIST_ITEMS)
    return low, high


def pairwise_labels(question: Mapping[str, Any]) -> tuple[str, str]:
    first, second = question.get("labels") or DEFAULT_PAIRWISE_LABELS
    return first, second


def region_shapes(question: Mapping[str, Any]) -> tuple[str, ...]:
    """The shapes a boxes question allows, in REGION_SHAPES order: boxes only by default."""
    allowed = question.get("shapes") or ("box",)
    return tuple(shape for shape in REGION_SHAPES if shape in allowed)


def data_fields(definition: Mapping[str, Any]) -> list[str]:
    """Task-data fields the template reads: display block fields and text-span targets."""
    fields: list[str] = []
    for block in display_blocks(definition):
        fields.extend(block["fields"] if block["type"] == "responses" else [block["field"]])
    for question in questions(definition):
        if question["type"] == "spans" and question["target"]["kind"] == "text":
            fields.append(question["target"]["field"])
    return list(dict.fromkeys(fields))


def displayed_data(definition: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """Only the parts of ``data`` the template shows: what a trainer may receive.

    Task data often carries what trainers must not see (the TTS system behind a clip in a
    blind listening test, analysis fields); the API gives trainers this view instead.
    """
    shown: dict[str, Any] = {}
    for path in data_fields(definition):
        value = field_value(data, path)
        if value is MISSING:
            continue
        *parents, leaf = path.split(".")
        target = shown
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return shown


def field_value(data: Any, path: str) -> Any:
    """The value at a dotted ``path`` ("meta.system") in task data, or MISSING."""
    value = data
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return MISSING
        value = value[part]
    return value


# --------------------------------------------------------------------------------------------
# Definition validation
# --------------------------------------------------------------------------------------------


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_keys(
    obj: Mapping[str, Any], allowed: Iterable[str], path: str, out: _ErrorCollector
) -> None:
    """Refuse unknown keys: a typo such as "requried" must not silently mean the default."""
    allowed = sorted(allowed)
    for key in obj:
        if key in allowed:
            continue
        key_text = str(key)
        close = difflib.get_close_matches(key_text, allowed, n=1)
        if close:
            message = gettext('Unknown key "%(key)s". Did you mean "%(close)s"?')
        else:
            message = gettext('Unknown key "%(key)s". Allowed: %(allowed)s.')
        out.add(
            _join(path, key_text),
            message
            % {"key": key_text, "close": close[0] if close else "", "allowed": ", ".join(allowed)},
        )


def _check_string(
    obj: Mapping[str, Any], key: str, path: str, out: _ErrorCollector, *, required: bool
) -> str | None:
    value = obj.get(key, MISSING)
    where = _join(path, key)
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
    return value


def _check_bool(obj: Mapping[str, Any], key: str, path: str, out: _ErrorCollector) -> None:
    if key in obj and not isinstance(obj[key], bool):
        out.add(_join(path, key), gettext("Must be true or false."))


def _check_int(
    obj: Mapping[str, Any],
    key: str,
    path: str,
    out: _ErrorCollector,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    required: bool = False,
) -> int | None:
    value = obj.get(key, MISSING)
    where = _join(path, key)
    if value is MISSING:
        if required:
            out.add(where, gettext("This is required."))
        return None
    if not _is_int(value):
        out.add(where, gettext("Must be a whole number."))
        return None
    if minimum is not None and value < minimum:
        out.add(where, gettext("Must be at least %(min)s.") % {"min": minimum})
        return None
    if maximum is not None and value > maximum:
        out.add(where, gettext("Must be at most %(max)s.") % {"max": maximum})
        return None
    return value


def _check_field_path(value: Any, where: str, out: _ErrorCollector) -> bool:
    if value is MISSING:
        out.add(where, gettext("This is required."))
        return False
    if (
        not isinstance(value, str)
        or len(value) > MAX_FIELD_PATH_CHARS
        or not FIELD_PATH_RE.fullmatch(value)
    ):
        out.add(
            where,
            gettext(
                "Must be a task-data field name: letters, digits, _ or -, with dots for nested "
                'fields ("meta.system").'
            ),
        )
        return False
    return True


def validate_definition(definition: Any) -> Errors:
    """Every problem in a template definition, keyed by path; an empty dict means valid.

    Paths look like "questions[3].options", "questions[0].scale.max", "display[1].field" and
    "" for the definition as a whole, so an editor can put each message next to its cause.
    Everything is reported at once rather than stopping at the first problem: a question-setter
    fixing a long template should not need one round trip per typo.
    """
    out = _ErrorCollector()
    if not isinstance(definition, Mapping):
        out.add("", gettext("A template definition must be a JSON object."))
        return out.errors
    _check_keys(definition, _TOP_KEYS, "", out)
    version = definition.get("schema_version", MISSING)
    if version is MISSING:
        out.add(
            "schema_version",
            gettext("This is required (use %(version)s).") % {"version": SCHEMA_VERSION},
        )
    elif not _is_int(version) or version != SCHEMA_VERSION:
        out.add(
            "schema_version",
            gettext(
                "Unsupported schema version %(value)s; this platform reads version %(version)s."
            )
            % {"value": _describe(version), "version": SCHEMA_VERSION},
        )
    _check_string(definition, "title", "", out, required=False)
    _check_string(definition, "instructions", "", out, required=False)
    audio_ids, image_ids = _check_display(definition.get("display", MISSING), out)
    _check_questions(definition.get("questions", MISSING), audio_ids, image_ids, out)
    return out.errors


def _check_display(display: Any, out: _ErrorCollector) -> tuple[set[str], set[str]]:
    """Check the display blocks; return the ids of the well-formed audio and image blocks."""
    audio_ids: set[str] = set()
    image_ids: set[str] = set()
    if display is MISSING:
        out.add("display", gettext("This is required (it may be an empty list)."))
        return audio_ids, image_ids
    if not isinstance(display, list):
        out.add("display", gettext("Must be a list of display blocks."))
        return audio_ids, image_ids
    if len(display) > MAX_DISPLAY_BLOCKS:
        out.add("display", gettext("At most %(max)s display blocks.") % {"max": MAX_DISPLAY_BLOCKS})
        return audio_ids, image_ids
    for index, block in enumerate(display):
        path = f"display[{index}]"
        if not isinstance(block, Mapping):
            out.add(path, gettext("Must be an object with a type."))
            continue
        block_type = block.get("type", MISSING)
        if not isinstance(block_type, str) or block_type not in _BLOCK_KEYS:
            message = (
                gettext("This is required. Use one of: %(types)s.")
                if block_type is MISSING
                else gettext("Unknown block type %(value)s. Use one of: %(types)s.")
            )
            out.add(
                _join(path, "type"),
                message % {"value": _describe(block_type), "types": ", ".join(BLOCK_TYPES)},
            )
            continue
        _check_keys(block, _BLOCK_KEYS[block_type], path, out)
        _check_string(block, "label", path, out, required=False)
        if block_type == "responses":
            _check_responses_block(block, path, out)
            continue
        field_ok = _check_field_path(block.get("field", MISSING), _join(path, "field"), out)
        if block_type not in ("audio", "image"):
            continue
        # Audio and image blocks are named by id (or field) so questions can refer to them;
        # each kind has its own names, as each kind of question refers to one kind only.
        known_ids = audio_ids if block_type == "audio" else image_ids
        block_id = block.get("id", MISSING)
        if block_id is not MISSING and (
            not isinstance(block_id, str) or not ID_RE.fullmatch(block_id)
        ):
            out.add(
                _join(path, "id"),
                gettext("Must start with a lowercase letter and use only a-z, 0-9 and _ (max 64)."),
            )
            continue
        if block_id is MISSING and not field_ok:
            continue
        effective = block_id if block_id is not MISSING else block["field"]
        if effective in known_ids:
            where = _join(path, "id" if block_id is not MISSING else "field")
            out.add(
                where,
                gettext('Another %(type)s block already has id "%(id)s"; set a distinct id.')
                % {"type": block_type, "id": effective},
            )
        known_ids.add(effective)
    return audio_ids, image_ids


def _check_responses_block(block: Mapping[str, Any], path: str, out: _ErrorCollector) -> None:
    fields = block.get("fields", MISSING)
    where = _join(path, "fields")
    if not isinstance(fields, list) or not MIN_RESPONSES <= len(fields) <= MAX_RESPONSES:
        out.add(
            where,
            gettext("Must be a list of %(min)s to %(max)s field names.")
            % {"min": MIN_RESPONSES, "max": MAX_RESPONSES},
        )
        return
    for index, field in enumerate(fields):
        _check_field_path(field, f"{where}[{index}]", out)
    if len({f for f in fields if isinstance(f, str)}) != len(fields):
        out.add(where, gettext("Each response field may appear only once."))
    labels = block.get("labels", MISSING)
    if labels is not MISSING and (
        not isinstance(labels, list)
        or len(labels) != len(fields)
        or not all(isinstance(label, str) and label.strip() for label in labels)
    ):
        out.add(
            _join(path, "labels"), gettext("Must be a list of non-empty labels, one per field.")
        )
    _check_bool(block, "markdown", path, out)


def _check_questions(
    items: Any, audio_ids: set[str], image_ids: set[str], out: _ErrorCollector
) -> None:
    if items is MISSING:
        out.add("questions", gettext("This is required."))
        return
    if not isinstance(items, list):
        out.add("questions", gettext("Must be a list of questions."))
        return
    if not items:
        out.add("questions", gettext("A template needs at least one question."))
        return
    if len(items) > MAX_QUESTIONS:
        out.add("questions", gettext("At most %(max)s questions.") % {"max": MAX_QUESTIONS})
        return
    all_ids = {
        item["id"]
        for item in items
        if isinstance(item, Mapping) and isinstance(item.get("id"), str)
    }
    earlier: dict[str, Mapping[str, Any]] = {}
    first_index: dict[str, int] = {}
    for index, question in enumerate(items):
        path = f"questions[{index}]"
        if not isinstance(question, Mapping):
            out.add(path, gettext("Must be an object with an id, a type and a prompt."))
            continue
        question_id = question.get("id", MISSING)
        id_ok = False
        if question_id is MISSING:
            out.add(_join(path, "id"), gettext("This is required."))
        elif not isinstance(question_id, str) or not ID_RE.fullmatch(question_id):
            out.add(
                _join(path, "id"),
                gettext("Must start with a lowercase letter and use only a-z, 0-9 and _ (max 64)."),
            )
        elif question_id in first_index:
            out.add(
                _join(path, "id"),
                gettext('Duplicate id "%(id)s" (first used by questions[%(first)s]).')
                % {"id": question_id, "first": first_index[question_id]},
            )
        else:
            id_ok = True
            first_index[question_id] = index
        question_type = question.get("type", MISSING)
        known_type = isinstance(question_type, str) and question_type in _QUESTION_KEYS
        if not known_type:
            message = (
                gettext("This is required. Use one of: %(types)s.")
                if question_type is MISSING
                else gettext("Unknown question type %(value)s. Use one of: %(types)s.")
            )
            out.add(
                _join(path, "type"),
                message % {"value": _describe(question_type), "types": ", ".join(QUESTION_TYPES)},
            )
        else:
            _check_keys(question, _COMMON_QUESTION_KEYS | _QUESTION_KEYS[question_type], path, out)
        _check_string(question, "prompt", path, out, required=True)
        _check_string(question, "help", path, out, required=False)
        _check_bool(question, "required", path, out)
        if "show_if" in question:
            _check_show_if(question["show_if"], _join(path, "show_if"), earlier, all_ids, out)
        if known_type:
            context = _QuestionContext(
                audio_ids=audio_ids, image_ids=image_ids, earlier=earlier, all_ids=all_ids
            )
            _TYPE_CHECKERS[question_type](question, path, out, context)
        if id_ok:
            earlier[question_id] = question


class _QuestionContext:
    __slots__ = ("all_ids", "audio_ids", "earlier", "image_ids")

    def __init__(
        self,
        *,
        audio_ids: set[str],
        image_ids: set[str],
        earlier: Mapping[str, Mapping[str, Any]],
        all_ids: set[str],
    ) -> None:
        self.audio_ids = audio_ids
        self.image_ids = image_ids
        self.earlier = earlier
        self.all_ids = all_ids


def _check_reference(
    target: Any,
    where: str,
    context_earlier: Mapping[str, Mapping[str, Any]],
    all_ids: set[str],
    out: _ErrorCollector,
) -> Mapping[str, Any] | None:
    """Resolve a reference to an earlier question; the page asks questions in order."""
    if not isinstance(target, str) or not target:
        out.add(where, gettext("Must be the id of an earlier question."))
        return None
    if target in context_earlier:
        return context_earlier[target]
    if target in all_ids:
        out.add(
            where,
            gettext('"%(target)s" is not asked before this question; refer to an earlier one.')
            % {"target": target},
        )
    else:
        out.add(where, gettext('Unknown question "%(target)s".') % {"target": target})
    return None


def _check_show_if(
    condition: Any,
    path: str,
    earlier: Mapping[str, Mapping[str, Any]],
    all_ids: set[str],
    out: _ErrorCollector,
) -> None:
    if not isinstance(condition, Mapping):
        out.add(
            path,
            gettext(
                'Must be {"question": <id>, "equals": <value>} or {"question": <id>, "in": [...]}.'
            ),
        )
        return
    _check_keys(condition, ("question", "equals", "in"), path, out)
    if ("equals" in condition) == ("in" in condition):
        out.add(path, gettext('Give exactly one of "equals" and "in".'))
        return
    target = _check_reference(
        condition.get("question", MISSING), _join(path, "question"), earlier, all_ids, out
    )
    if "in" in condition:
        values = condition["in"]
        if not isinstance(values, list) or not values:
            out.add(_join(path, "in"), gettext("Must be a non-empty list of values."))
            return
        value_paths = [(value, f"{path}.in[{i}]") for i, value in enumerate(values)]
    else:
        value_paths = [(condition["equals"], _join(path, "equals"))]
    if target is None:
        return
    target_type = target.get("type")
    if target_type not in SHOW_IF_TARGET_TYPES:
        out.add(
            _join(path, "question"),
            gettext("show_if can only test a %(types)s question.")
            % {"types": ", ".join(SHOW_IF_TARGET_TYPES)},
        )
        return
    allowed = _show_if_values(target)
    if allowed is None:  # the target is itself malformed and reported at its own path
        return
    for value, where in value_paths:
        if not any(value == candidate and type(value) is type(candidate) for candidate in allowed):
            shown = ", ".join(_describe(candidate) for candidate in allowed)
            out.add(
                where,
                gettext("%(value)s is not a possible answer of that question (%(shown)s).")
                % {"value": _describe(value), "shown": shown},
            )


def _show_if_values(target: Mapping[str, Any]) -> list[Any] | None:
    """The values a show_if on ``target`` may test, or None when the target is malformed."""
    target_type = target.get("type")
    if target_type in ("single_choice", "multi_choice"):
        options = target.get("options")
        if not isinstance(options, list):
            return None
        return [option.get("value") for option in options if isinstance(option, Mapping)]
    if target_type == "rating":
        scale = target.get("scale")
        if not isinstance(scale, Mapping):
            return None
        low, high = scale.get("min"), scale.get("max")
        if not (_is_int(low) and _is_int(high)) or not 0 < high - low < MAX_RATING_POINTS:
            return None
        return list(range(low, high + 1))
    allow_tie = target.get("allow_tie", True) is not False
    return list(PAIRWISE_CHOICES if allow_tie else PAIRWISE_CHOICES[:2])


def _check_choice_list(
    value: Any,
    where: str,
    out: _ErrorCollector,
    *,
    what: str,
    maximum: int,
    minimum: int = 2,
) -> list[str] | None:
    """Options of a choice question, items of a ranking or labels of boxes: [{value, label}],
    values unique."""
    if value is MISSING:
        out.add(where, gettext("This is required."))
        return None
    if not isinstance(value, list) or not minimum <= len(value) <= maximum:
        message = {
            "options": gettext(
                "Must be a list of %(min)s to %(max)s options, each {value, label}."
            ),
            "items": gettext("Must be a list of %(min)s to %(max)s items, each {value, label}."),
            "labels": gettext("Must be a list of %(min)s to %(max)s labels, each {value, label}."),
        }[what]
        out.add(where, message % {"min": minimum, "max": maximum})
        return None
    values: list[str] = []
    ok = True
    for index, option in enumerate(value):
        option_path = f"{where}[{index}]"
        if not isinstance(option, Mapping):
            out.add(option_path, gettext("Must be an object with value and label."))
            ok = False
            continue
        _check_keys(option, ("value", "label"), option_path, out)
        option_value = _check_string(option, "value", option_path, out, required=True)
        if _check_string(option, "label", option_path, out, required=True) is None:
            ok = False
        if option_value is None:
            ok = False
        elif option_value in values:
            out.add(
                _join(option_path, "value"),
                gettext('Duplicate value "%(value)s".') % {"value": option_value},
            )
            ok = False
        else:
            values.append(option_value)
    return values if ok else None


def _check_count_bounds(
    question: Mapping[str, Any], path: str, out: _ErrorCollector, *, upper: int | None
) -> None:
    """min/max item counts of a list answer, with the defaults of :func:`list_bounds`."""
    cap = MAX_LIST_ITEMS if upper is None else upper
    low = _check_int(question, "min", path, out, minimum=0, maximum=cap)
    high = _check_int(question, "max", path, out, minimum=1, maximum=cap)
    required = question.get("required", True) is not False
    if required and low == 0:
        out.add(
            _join(path, "min"),
            gettext(
                "A required question needs min of at least 1 (an empty answer counts as missing); "
                "set required to false to allow none."
            ),
        )
    effective_low = low if low is not None else (1 if required else 0)
    effective_high = high if high is not None else cap
    both_usable = (low is not None or "min" not in question) and (
        high is not None or "max" not in question
    )
    if both_usable and effective_low > effective_high:
        out.add(
            _join(path, "min"),
            gettext("min (%(low)s) is greater than max (%(high)s).")
            % {"low": effective_low, "high": effective_high},
        )


def _check_single_choice(
    question: Mapping[str, Any], path: str, out: _ErrorCollector, context: _QuestionContext
) -> None:
    _check_choice_list(
        question.get("options", MISSING),
        _join(path, "options"),
        out,
        what="options",
        maximum=MAX_OPTIONS,
    )


def _check_multi_choice(
    question: Mapping[str, Any], path: str, out: _ErrorCollector, context: _QuestionContext
) -> None:
    values = _check_choice_list(
        question.get("options", MISSING),
        _join(path, "options"),
        out,
        what="options",
        maximum=MAX_OPTIONS,
    )
    if values is not None:
        _check_count_bounds(question, path, out, upper=len(values))
    else:
        _check_count_bounds(question, path, out, upper=MAX_OPTIONS)


def _check_rating(
    question: Mapping[str, Any], path: str, out: _ErrorCollector, context: _QuestionContext
) -> None:
    scale_path = _join(path, "scale")
    scale = question.get("scale", MISSING)
    if scale is MISSING:
        out.add(scale_path, gettext('This is required, e.g. {"min": 1, "max": 5}.'))
    elif not isinstance(scale, Mapping):
        out.add(scale_path, gettext('Must be an object like {"min": 1, "max": 5}.'))
    else:
        _check_keys(scale, ("min", "max", "labels"), scale_path, out)
        low = _check_int(scale, "min", scale_path, out, required=True)
        high = _check_int(scale, "max", scale_path, out, required=True)
        if low is not None and high is not None:
            if high <= low:
                out.add(_join(scale_path, "max"), gettext("Must be greater than min."))
            elif high - low + 1 > MAX_RATING_POINTS:
                out.add(
                    _join(scale_path, "max"),
                    gettext("A scale has at most %(max)s points (%(low)s to %(high)s has %(n)s).")
                    % {"max": MAX_RATING_POINTS, "low": low, "high": high, "n": high - low + 1},
                )
        labels = scale.get("labels", MISSING)
        labels_path = _join(scale_path, "labels")
        if labels is not MISSING:
            if not isinstance(labels, Mapping):
                out.add(
                    labels_path, gettext('Must be an object like {"1": "Bad", "5": "Excellent"}.')
                )
            else:
                for key, label in labels.items():
                    key_path = _join(labels_path, str(key))
                    if not isinstance(key, str) or not _INT_KEY_RE.fullmatch(key):
                        out.add(key_path, gettext("Keys must be whole numbers written as strings."))
                    elif low is not None and high is not None and not low <= int(key) <= high:
                        out.add(
                            key_path,
                            gettext("%(value)s is outside the scale %(low)s to %(high)s.")
                            % {"value": key, "low": low, "high": high},
                        )
                    if not isinstance(label, str) or not label.strip():
                        out.add(key_path, gettext("The label must be a non-empty string."))
    if "require_full_playback" in question:
        block = question["require_full_playback"]
        where = _join(path, "require_full_playback")
        if not isinstance(block, str) or block not in context.audio_ids:
            out.add(
                where,
                gettext("Must be the id of an audio display block (%(known)s).")
                % {"known": _known(context.audio_ids)},
            )


def _known(ids: Iterable[str]) -> str:
    names = sorted(ids)
    if names:
        return gettext("known: %(names)s") % {"names": ", ".join(names)}
    return gettext("the template has none")


def _check_pairwise(
    question: Mapping[str, Any], path: str, out: _ErrorCollector, context: _QuestionContext
) -> None:
    labels = question.get("labels", MISSING)
    if labels is not MISSING and (
        not isinstance(labels, list)
        or len(labels) != 2
        or not all(isinstance(label, str) and label.strip() for label in labels)
    ):
        out.add(_join(path, "labels"), gettext("Must be a list of two non-empty labels."))
    _check_bool(question, "allow_tie", path, out)
    strength = question.get("strength", MISSING)
    strength_path = _join(path, "strength")
    if strength is MISSING:
        return
    if not isinstance(strength, Mapping):
        out.add(strength_path, gettext('Must be an object like {"min": -3, "max": 3}.'))
        return
    _check_keys(strength, ("min", "max"), strength_path, out)
    low = strength.get("min", MISSING)
    if not _is_int(low) or low >= 0:
        out.add(
            _join(strength_path, "min"), gettext("Must be a negative whole number (A is better).")
        )
    high = strength.get("max", MISSING)
    if not _is_int(high) or high <= 0:
        out.add(
            _join(strength_path, "max"), gettext("Must be a positive whole number (B is better).")
        )


def _check_ranking(
    question: Mapping[str, Any], path: str, out: _ErrorCollector, context: _QuestionContext
) -> None:
    _check_choice_list(
        question.get("items", MISSING),
        _join(path, "items"),
        out,
        what="items",
        maximum=MAX_RANKING_ITEMS,
    )
    _check_bool(question, "allow_ties", path, out)


def _check_text(
    question: Mapping[str, Any], path: str, out: _ErrorCollector, context: _QuestionContext
) -> None:
    for unit in ("chars", "words"):
        low = _check_int(question, f"min_{unit}", path, out, minimum=0, maximum=MAX_STRING_CHARS)
        high = _check_int(question, f"max_{unit}", path, out, minimum=1, maximum=MAX_STRING_CHARS)
        if low is not None and high is not None and low > high:
            out.add(
                _join(path, f"min_{unit}"),
                gettext("%(min_key)s (%(low)s) is greater than %(max_key)s (%(high)s).")
                % {"min_key": f"min_{unit}", "max_key": f"max_{unit}", "low": low, "high": high},
            )
    _check_bool(question, "multiline", path, out)
    count = question.get("count", MISSING)
    if count is not MISSING and count not in TEXT_COUNT_UNITS:
        out.add(_join(path, "count"), gettext('Must be "words" or "characters".'))
    elif count == "characters":
        # A Chinese limit is stated in characters; a word limit beside it would be a second,
        # contradictory rule (every Han character counts as a word).
        for key in ("min_words", "max_words"):
            if key in question:
                out.add(
                    _join(path, key),
                    gettext('Not allowed with "count": "characters"; use min_chars / max_chars.'),
                )


def _check_spans(
    question: Mapping[str, Any], path: str, out: _ErrorCollector, context: _QuestionContext
) -> None:
    target = question.get("target", MISSING)
    target_path = _join(path, "target")
    if not isinstance(target, Mapping) or target.get("kind") not in ("text", "audio"):
        out.add(
            target_path,
            gettext(
                'Must be {"kind": "text", "field": <task field>} or '
                '{"kind": "audio", "block": <audio block id>}.'
            ),
        )
    elif target["kind"] == "text":
        _check_keys(target, ("kind", "field"), target_path, out)
        _check_field_path(target.get("field", MISSING), _join(target_path, "field"), out)
    else:
        _check_keys(target, ("kind", "block"), target_path, out)
        block = target.get("block", MISSING)
        if not isinstance(block, str) or block not in context.audio_ids:
            out.add(
                _join(target_path, "block"),
                gettext("Must be the id of an audio display block (%(known)s).")
                % {"known": _known(context.audio_ids)},
            )
    tags = question.get("tags", MISSING)
    tags_path = _join(path, "tags")
    if not isinstance(tags, list) or not 1 <= len(tags) <= MAX_TAGS:
        out.add(tags_path, gettext("Must be a list of 1 to %(max)s tags.") % {"max": MAX_TAGS})
    else:
        seen: set[str] = set()
        for index, tag in enumerate(tags):
            if not isinstance(tag, str) or not tag.strip():
                out.add(f"{tags_path}[{index}]", gettext("Must be a non-empty string."))
            elif tag in seen:
                out.add(f"{tags_path}[{index}]", gettext('Duplicate tag "%(tag)s".') % {"tag": tag})
            else:
                seen.add(tag)
    _check_count_bounds(question, path, out, upper=None)
    _check_bool(question, "comment_required", path, out)


def _check_citations(
    question: Mapping[str, Any], path: str, out: _ErrorCollector, context: _QuestionContext
) -> None:
    _check_count_bounds(question, path, out, upper=None)


def _check_rubric_items(
    question: Mapping[str, Any], path: str, out: _ErrorCollector, context: _QuestionContext
) -> None:
    _check_count_bounds(question, path, out, upper=None)
    if "citations_question" in question:
        where = _join(path, "citations_question")
        target = _check_reference(
            question["citations_question"], where, context.earlier, context.all_ids, out
        )
        if target is not None and target.get("type") != "citations":
            out.add(where, gettext("Must be the id of a citations question."))


def _check_boxes(
    question: Mapping[str, Any], path: str, out: _ErrorCollector, context: _QuestionContext
) -> None:
    image = question.get("image", MISSING)
    if not isinstance(image, str) or image not in context.image_ids:
        close = difflib.get_close_matches(str(image), sorted(context.image_ids), n=1)
        if image is MISSING:
            message = gettext(
                "This is required. Name an image display block by its id, or by its field when "
                "it has no id (%(known)s)."
            )
        elif close:
            message = gettext(
                'Unknown image %(value)s. Did you mean "%(close)s"? Name an image display block '
                "by its id, or by its field when it has no id (%(known)s)."
            )
        else:
            message = gettext(
                "Unknown image %(value)s. Name an image display block by its id, or by its "
                "field when it has no id (%(known)s)."
            )
        out.add(
            _join(path, "image"),
            message
            % {
                "value": _describe(image),
                "close": close[0] if close else "",
                "known": _known(context.image_ids),
            },
        )
    # One label is enough ("mark every watermark"), unlike a choice between options.
    _check_choice_list(
        question.get("labels", MISSING),
        _join(path, "labels"),
        out,
        what="labels",
        maximum=MAX_REGION_LABELS,
        minimum=1,
    )
    shapes = question.get("shapes", MISSING)
    shapes_path = _join(path, "shapes")
    if shapes is not MISSING:
        if not isinstance(shapes, list) or not shapes:
            out.add(
                shapes_path,
                gettext("Must be a non-empty list of: %(shapes)s.")
                % {"shapes": ", ".join(REGION_SHAPES)},
            )
        else:
            for index, shape in enumerate(shapes):
                where = f"{shapes_path}[{index}]"
                if not isinstance(shape, str) or shape not in REGION_SHAPES:
                    close = difflib.get_close_matches(str(shape), REGION_SHAPES, n=1)
                    message = (
                        gettext(
                            'Unknown shape %(value)s. Did you mean "%(close)s"? Use box or point.'
                        )
                        if close
                        else gettext("Unknown shape %(value)s. Use box or point.")
                    )
                    out.add(
                        where,
                        message % {"value": _describe(shape), "close": close[0] if close else ""},
                    )
                elif shapes.index(shape) != index:
                    out.add(where, gettext('Duplicate shape "%(shape)s".') % {"shape": shape})
    _check_count_bounds(question, path, out, upper=None)
    _check_bool(question, "note_required", path, out)


_TYPE_CHECKERS: Final = {
    "single_choice": _check_single_choice,
    "multi_choice": _check_multi_choice,
    "rating": _check_rating,
    "pairwise": _check_pairwise,
    "ranking": _check_ranking,
    "text": _check_text,
    "spans": _check_spans,
    "citations": _check_citations,
    "rubric_items": _check_rubric_items,
    "boxes": _check_boxes,
}


# --------------------------------------------------------------------------------------------
# Task data validation
# --------------------------------------------------------------------------------------------


def validate_task_data(definition: Mapping[str, Any], data: Any) -> Errors:
    """Problems in one task's data for a (valid) definition, keyed by field path.

    Only what the template reads is checked: each display block's field must exist with the
    type the block renders, and a text-span target must be text, so a trainer is never handed
    a task the page cannot show or an answer the validator cannot check. Other keys are free
    for the project's own use (ids, metadata, gold answers kept elsewhere).
    """
    out = _ErrorCollector()
    if not isinstance(data, Mapping):
        out.add("", gettext("Task data must be a JSON object."))
        return out.errors
    for block in display_blocks(definition):
        block_type = block["type"]
        if block_type == "responses":
            for field in block["fields"]:
                _expect_text(data, field, out)
        elif block_type in ("text", "markdown"):
            _expect_text(data, block["field"], out)
        elif block_type == "conversation":
            _check_conversation(data, block["field"], out)
        elif block_type in ("audio", "image"):
            _check_media(data, block["field"], out)
        elif block_type == "link":
            _check_link(data, block["field"], out)
    for question in questions(definition):
        if question["type"] == "spans" and question["target"]["kind"] == "text":
            _expect_text(data, question["target"]["field"], out)
    return out.errors


def _lookup(data: Mapping[str, Any], path: str, out: _ErrorCollector) -> Any:
    value = field_value(data, path)
    if value is MISSING:
        out.add(path, gettext("This field is missing."))
    return value


def _expect_text(data: Mapping[str, Any], path: str, out: _ErrorCollector) -> None:
    value = _lookup(data, path, out)
    if value is not MISSING and not isinstance(value, str):
        out.add(path, gettext("Must be text (a string)."))


def is_http_url(value: str) -> bool:
    """An absolute http(s) URL with a real-looking host name and no whitespace."""
    if not value or any(char.isspace() for char in value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(host) and bool(_HOST_RE.fullmatch(host or ""))


def _is_storage_key(value: str) -> bool:
    # Keys are joined onto a storage root: refuse anything that could climb out of it.
    if not value.strip() or value.startswith("/") or "\\" in value or _CONTROL_RE.search(value):
        return False
    return ".." not in value.split("/")


def _check_media(data: Mapping[str, Any], path: str, out: _ErrorCollector) -> None:
    value = _lookup(data, path, out)
    if value is MISSING:
        return
    if not isinstance(value, str):
        out.add(path, gettext("Must be a storage key or an http(s) URL."))
    elif "://" in value:
        if not is_http_url(value):
            out.add(path, gettext("Must be an http(s) URL with a host name."))
    elif not _is_storage_key(value):
        out.add(
            path,
            gettext('Must be a storage key (relative, no ".." or backslashes) or an http(s) URL.'),
        )
    elif len(value.encode(errors="surrogatepass")) > MAX_MEDIA_KEY_BYTES:
        out.add(
            path,
            gettext("A storage key is at most %(max)s bytes (UTF-8).")
            % {"max": MAX_MEDIA_KEY_BYTES},
        )


def _check_link(data: Mapping[str, Any], path: str, out: _ErrorCollector) -> None:
    value = _lookup(data, path, out)
    if value is not MISSING and not (isinstance(value, str) and is_http_url(value)):
        out.add(path, gettext("Must be an http(s) URL with a host name."))


def _check_conversation(data: Mapping[str, Any], path: str, out: _ErrorCollector) -> None:
    value = _lookup(data, path, out)
    if value is MISSING:
        return
    if not isinstance(value, list) or not value:
        out.add(path, gettext("Must be a non-empty list of messages."))
        return
    for index, message in enumerate(value):
        _check_message(message, f"{path}[{index}]", out)


def _check_message(message: Any, path: str, out: _ErrorCollector) -> None:
    if not isinstance(message, Mapping):
        out.add(path, gettext("Must be an object with role and content."))
        return
    _check_keys(message, _MESSAGE_KEYS, path, out)
    role = message.get("role", MISSING)
    if role not in MESSAGE_ROLES:
        out.add(
            _join(path, "role"),
            gettext("Must be one of: %(choices)s.") % {"choices": ", ".join(MESSAGE_ROLES)},
        )
    content = message.get("content", MISSING)
    if content is MISSING:
        out.add(_join(path, "content"), gettext('This is required (use "" for none).'))
    elif not isinstance(content, str):
        out.add(_join(path, "content"), gettext("Must be a string."))
    if "name" in message:
        _check_string(message, "name", path, out, required=True)
    if "tool_call_id" in message:
        _check_string(message, "tool_call_id", path, out, required=True)
        if role != "tool":
            out.add(
                _join(path, "tool_call_id"), gettext("Only a tool message answers a tool call.")
            )
    if "tool_calls" not in message:
        return
    calls = message["tool_calls"]
    calls_path = _join(path, "tool_calls")
    if role != "assistant":
        out.add(calls_path, gettext("Only an assistant message makes tool calls."))
    if not isinstance(calls, list):
        out.add(calls_path, gettext("Must be a list of {name, arguments}."))
        return
    for index, call in enumerate(calls):
        call_path = f"{calls_path}[{index}]"
        if not isinstance(call, Mapping):
            out.add(call_path, gettext("Must be an object with name and arguments."))
            continue
        _check_keys(call, _TOOL_CALL_KEYS, call_path, out)
        _check_string(call, "name", call_path, out, required=True)
        if "id" in call:
            _check_string(call, "id", call_path, out, required=True)
        arguments = call.get("arguments", MISSING)
        if arguments is MISSING:
            out.add(
                _join(call_path, "arguments"), gettext("This is required (an object or a string).")
            )
        elif not isinstance(arguments, Mapping | str):
            out.add(_join(call_path, "arguments"), gettext("Must be an object or a string."))

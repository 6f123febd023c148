"""Reading the parts of an answer the checks look at, tolerating malformed answers.

Checks other than ``schema_rules`` may be handed imported or legacy answers that do not fit
the template; they read what has the expected shape and skip the rest (``schema_rules`` is the
check that reports shape problems).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from quality.checks import similarity
from tasks.answer_validation import count_words
from tasks.template_definition import display_blocks, field_value, questions


class QuestionText(NamedTuple):
    question_id: str
    question_type: str
    text: str


def _strings(items: Any, keys: tuple[str, ...]) -> Iterator[str]:
    if not isinstance(items, list):
        return
    for item in items:
        if isinstance(item, Mapping):
            for key in keys:
                value = item.get(key)
                if isinstance(value, str) and value.strip():
                    yield value.strip()


# The prose a trainer writes in each question type; identifiers and titles are left out
# because copying those from the source is expected.
_PROSE_KEYS = {
    "rubric_items": ("criterion", "rationale"),
    "citations": ("why", "support"),
    "spans": ("comment",),
}
PROSE_TYPES = ("text", *_PROSE_KEYS)


def prose(definition: Mapping[str, Any], answer: Any) -> list[QuestionText]:
    """Free text the trainer wrote, one entry per question that has any, in template order.

    A text answer as is; rubric criteria and rationales, citation reasons and span comments
    joined by line breaks.
    """
    if not isinstance(answer, Mapping):
        return []
    found = []
    for question in questions(definition):
        question_id, kind = question["id"], question["type"]
        value = answer.get(question_id)
        if kind == "text":
            text = value.strip() if isinstance(value, str) else ""
        elif kind in _PROSE_KEYS:
            text = "\n".join(_strings(value, _PROSE_KEYS[kind]))
        else:
            continue
        if text:
            found.append(QuestionText(question_id, kind, text))
    return found


def answered(
    definition: Mapping[str, Any], answer: Any, kinds: tuple[str, ...]
) -> Iterator[tuple[dict[str, Any], Any]]:
    """(question, value) for each question of the given types that has a value."""
    if not isinstance(answer, Mapping):
        return
    for question in questions(definition):
        if question["type"] in kinds and answer.get(question["id"]) is not None:
            yield question, answer[question["id"]]


@lru_cache(maxsize=256)
def word_count(text: str) -> int:
    """Words as ``tasks.answer_validation.count_words`` counts them (every CJK ideograph is a
    word), or the characters of other scripts written without spaces (Thai, Khmer, kana) if
    those are more, so a long Thai answer is not taken for a one-word one. Memoised: several
    checks ask about the same text."""
    return max(count_words(text), similarity.dense_characters(text))


def is_number(value: Any) -> bool:
    """A finite int or float, not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def text_units(text: str) -> tuple[int, int]:
    """(words, characters): the words of scripts written with spaces (English) and the
    characters of scripts written without (Chinese, Cantonese, Japanese, Thai). Reading and
    writing norms are per unit, since one Chinese character is not one English word."""
    dense = similarity.dense_characters(text)
    # count_words counts each CJK ideograph as a word of its own: take those back out.
    return max(count_words(text) - dense, 0), dense


_DISPLAYED_TEXT_BLOCKS = ("text", "markdown", "conversation", "responses")
_NOT_READ_KEYS = frozenset(("role", "name", "id", "tool_call_id", "type"))


def displayed_texts(definition: Mapping[str, Any], task_data: Any) -> list[str]:
    """The text the page shows the trainer from the task's data (prompts, responses to
    compare, conversations), which a trainer must read before answering."""
    if not isinstance(task_data, Mapping):
        return []
    found: list[str] = []
    for block in display_blocks(definition):
        if block.get("type") not in _DISPLAYED_TEXT_BLOCKS:
            continue
        paths = block.get("fields") if block["type"] == "responses" else [block.get("field")]
        for path in paths or ():
            if isinstance(path, str):
                _collect_strings(field_value(task_data, path), found)
    return found


def _collect_strings(value: Any, found: list[str], depth: int = 0) -> None:
    if depth > 20:
        return
    if isinstance(value, str):
        if value.strip():
            found.append(value)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key not in _NOT_READ_KEYS:
                _collect_strings(item, found, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _collect_strings(item, found, depth + 1)

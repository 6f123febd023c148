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
from tasks.template_definition import questions


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

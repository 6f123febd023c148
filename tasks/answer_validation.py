"""The one validator for trainers' answers to a task template.

The answer page, the API, bulk imports and exports all call :func:`validate_answer`; nothing else
may re-implement these rules, or a page and an import would one day disagree about what a valid
answer is. It is a pure function over plain dicts (the definition, the answer, the task data and
the client's playback telemetry) with no database access, and it runs on every save, so it keeps
to work proportional to the answer: patterns are compiled at import and nothing is cached
between calls.

The definition is assumed valid (``tasks.template_definition.validate_definition``); the answer
and the telemetry are untrusted and may be any JSON value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple
from urllib.parse import urlsplit

from tasks.template_definition import (
    MAX_AUDIO_SECONDS,
    MAX_IMAGE_SIDE,
    MAX_LIST_ITEMS,
    MAX_REGION_NOTE_CHARS,
    MAX_STRING_CHARS,
    PAIRWISE_CHOICES,
    field_value,
    is_http_url,
    is_required,
    list_bounds,
    question_map,
    questions,
    region_shapes,
)


def gettext_noop(message: str) -> str:
    """Marks a message for the catalogs (``makemessages``); translated where it is used."""
    return message


def gettext(message: str) -> str:
    """``message`` in the reader's language when Django is set up, else as written.

    Imported here, not at the top: the quality checks use this module as plain Python,
    without Django (quality/checks/messages.py does the same).
    """
    try:
        from django.utils.translation import gettext as django_gettext

        return django_gettext(message)
    except Exception:
        return message


def ngettext(singular: str, plural: str, number: int) -> str:
    """``ngettext`` in the reader's language when Django is set up, else English's rule."""
    try:
        from django.utils.translation import ngettext as django_ngettext

        return django_ngettext(singular, plural, number)
    except Exception:
        return singular if number == 1 else plural


def pgettext(context: str, message: str) -> str:
    """``pgettext`` in the reader's language when Django is set up, else as written."""
    try:
        from django.utils.translation import pgettext as django_pgettext

        return django_pgettext(context, message)
    except Exception:
        return message


# Marked here, translated where used (gettext at run time, in the language of the request).
REQUIRED_MESSAGE: Final = gettext_noop("This question is required.")
FULL_PLAYBACK_MESSAGE: Final = gettext_noop("Play the clip to the end before rating.")
# An answer with thousands of junk keys gets a bounded error report, not one entry per key.
MAX_REPORTED_UNKNOWN: Final = 20
MAX_POINTS: Final = 100

# CJK ideographs, including the extension planes where many Cantonese-only characters live.
_CJK: Final = (
    "\u3005\u3007\u3021-\u3029\u3038-\u303b\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0002fa1f\U00030000-\U000323af"
)
_CJK_RE: Final = re.compile(f"[{_CJK}]")
_WORDLIKE_RE: Final = re.compile(r"[^\W_]")

_DOI_PREFIX_RE: Final = re.compile(r"doi:\s*|https?://(?:dx\.)?doi\.org/", re.IGNORECASE)
_DOI_RE: Final = re.compile(r"10\.\d{4,9}(?:\.\d+)*/\S+")
_ARXIV_ID: Final = (
    r"(?P<id>\d{2}(?:0[1-9]|1[0-2])\.\d{4,5}"
    r"|[a-z]+(?:-[a-z]+)*(?:\.[a-z]{2})?/\d{2}(?:0[1-9]|1[0-2])\d{3})"
    r"(?:v\d+)?"
)
_ARXIV_RE: Final = re.compile(rf"(?:arxiv:\s*)?{_ARXIV_ID}", re.IGNORECASE)
_ARXIV_PATH_RE: Final = re.compile(rf"/(?:abs|pdf)/{_ARXIV_ID}(?:\.pdf)?/?", re.IGNORECASE)
_ISBN_RE: Final = re.compile(
    r"(?:isbn(?:-1[03])?:?\s*)?(?P<number>\d(?:[\s-]?\d){8}[\s-]?[\dX]|\d(?:[\s-]?\d){12})",
    re.IGNORECASE,
)
_ISBN_SEPARATORS_RE: Final = re.compile(r"[\s-]")


@dataclass(frozen=True, slots=True)
class AnswerCheck:
    """The outcome of validating one answer.

    ``cleaned`` holds the normalised answer of every shown, answered, valid question (strings
    stripped, optional keys filled in, multi-choice in option order); store it, not the raw
    input. ``errors`` is keyed by question id, "" for problems with the answer as a whole.
    """

    cleaned: dict[str, Any]
    errors: dict[str, list[str]]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(slots=True)
class _Context:
    task_data: Any
    telemetry: Any
    cleaned: dict[str, Any]
    errors: dict[str, list[str]]
    citation_keys: dict[str, set[str]] = field(default_factory=dict)


class Identifier(NamedTuple):
    kind: str  # "doi" | "arxiv" | "isbn" | "url"
    canonical: str  # equal for two spellings of the same source, e.g. doi:… and https://doi.org/…


# --------------------------------------------------------------------------------------------
# Shared rules other code may reuse (quality checks, the page's live counters)
# --------------------------------------------------------------------------------------------


def count_words(text: str) -> int:
    """Words as a text question counts them.

    Whitespace-separated tokens, except that every CJK ideograph (Cantonese characters
    included) is a word of its own, since Chinese is written without spaces. A token with no
    letter or digit (a dash, a full-width comma) is punctuation, not a word.
    """
    spaced, ideographs = _CJK_RE.subn(" ", text)
    return ideographs + sum(1 for token in spaced.split() if _WORDLIKE_RE.search(token))


def count_characters(text: str) -> int:
    """Characters as a text question with ``"count": "characters"`` counts them.

    Every code point except whitespace: a Han character, a letter, a digit and a punctuation
    mark (full-width ones included) each count one, so a Chinese limit ("at least 50
    characters") means what a Chinese writer expects and line breaks never change it.
    """
    return sum(1 for char in text if not char.isspace())


def parse_identifier(text: str) -> Identifier | None:
    """Classify a citation identifier by shape, or None if it is none of the accepted kinds.

    Accepted: a DOI (bare, ``doi:`` or doi.org URL), an arXiv id (new or old style, optional
    ``arXiv:`` prefix and version), an ISBN-10/13 (hyphens or spaces allowed; the checksum is a
    separate quality check) and an http(s) URL with a host. The canonical form makes
    ``doi:10.1/x`` and ``https://doi.org/10.1/X`` the same source, so duplicates are caught.
    """
    value = text.strip()
    prefix = _DOI_PREFIX_RE.match(value)
    doi = value[prefix.end() :] if prefix else value
    if _DOI_RE.fullmatch(doi):
        return Identifier("doi", "doi:" + doi.lower())
    arxiv = _ARXIV_RE.fullmatch(value)
    if arxiv:
        return Identifier("arxiv", "arxiv:" + arxiv["id"].lower())
    isbn = _ISBN_RE.fullmatch(value)
    if isbn:
        return Identifier("isbn", "isbn:" + _ISBN_SEPARATORS_RE.sub("", isbn["number"]).upper())
    if not is_http_url(value):
        return None
    parts = urlsplit(value)
    host = (parts.hostname or "").lower()
    if host in ("arxiv.org", "www.arxiv.org"):
        path = _ARXIV_PATH_RE.fullmatch(parts.path)
        if path:
            return Identifier("url", "arxiv:" + path["id"].lower())
    canonical = f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"
    if parts.query:
        canonical += "?" + parts.query
    return Identifier("url", canonical)


def question_shown(
    question: Mapping[str, Any],
    answers: Mapping[str, Any],
    questions_by_id: Mapping[str, Mapping[str, Any]],
) -> bool:
    """Whether ``show_if`` lets ``question`` be shown, given the cleaned earlier answers.

    A multi_choice condition holds when any tested value was chosen; a pairwise condition tests
    the choice. A condition on a question that is unanswered or itself hidden does not hold, so
    hiding cascades down a chain of conditions.
    """
    condition = question.get("show_if")
    if condition is None:
        return True
    target_id = condition["question"]
    if target_id not in answers:
        return False
    answer = answers[target_id]
    wanted = [condition["equals"]] if "equals" in condition else condition["in"]
    target_type = questions_by_id[target_id]["type"]
    if target_type == "multi_choice":
        return any(value in answer for value in wanted)
    if target_type == "pairwise":
        answer = answer["choice"]
    return any(answer == value and type(answer) is type(value) for value in wanted)


# --------------------------------------------------------------------------------------------
# The validator
# --------------------------------------------------------------------------------------------


def validate_answer(
    definition: Mapping[str, Any],
    answer: Any,
    *,
    task_data: Any,
    telemetry: Any = None,
) -> AnswerCheck:
    """Check a trainer's answer against a (valid) template definition.

    Questions are checked in order so a ``show_if`` sees the cleaned answers before it. A
    question hidden by ``show_if`` is neither required nor kept: whatever the client sent for
    it is dropped, because an answer to a question the trainer was not shown cannot be trusted.
    ``task_data`` is the task's data (text spans are bounded by its text); ``telemetry`` is the
    client's playback report, ``{"audio": {<block id>: {"completed": true}}}``.
    """
    if not isinstance(answer, Mapping):
        return AnswerCheck(cleaned={}, errors={"": [gettext("The answer must be a JSON object.")]})
    all_questions = questions(definition)
    by_id = question_map(definition)
    errors: dict[str, list[str]] = {}
    unknown = [key for key in answer if key not in by_id]
    for key in unknown[:MAX_REPORTED_UNKNOWN]:
        errors.setdefault(str(key), []).append(gettext("Unknown question."))
    if len(unknown) > MAX_REPORTED_UNKNOWN:
        errors.setdefault("", []).append(
            ngettext(
                "%(count)s more unknown question id.",
                "%(count)s more unknown question ids.",
                len(unknown) - MAX_REPORTED_UNKNOWN,
            )
            % {"count": len(unknown) - MAX_REPORTED_UNKNOWN}
        )
    cleaned: dict[str, Any] = {}
    context = _Context(task_data=task_data, telemetry=telemetry, cleaned=cleaned, errors=errors)
    for question in all_questions:
        question_id = question["id"]
        if not question_shown(question, cleaned, by_id):
            continue
        value = answer.get(question_id)
        if _is_empty(value) or _no_regions(question, value):
            if is_required(question):
                errors[question_id] = [gettext(REQUIRED_MESSAGE)]
            continue
        result, problems = _VALIDATORS[question["type"]](question, value, context)
        if problems:
            errors[question_id] = problems
        else:
            cleaned[question_id] = result
    return AnswerCheck(cleaned=cleaned, errors=errors)


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value == "" or value.isspace()
    if isinstance(value, list | Mapping):
        return len(value) == 0
    return False


def _no_regions(question: Mapping[str, Any], value: Any) -> bool:
    # Boxes on an image with none drawn is no answer, as an empty list is for spans.
    return (
        question["type"] == "boxes"
        and isinstance(value, Mapping)
        and isinstance(value.get("regions"), list)
        and not value["regions"]
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _describe(value: Any) -> str:
    text = f'"{value}"' if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# Whole sentences per kind of list item, so each language words (and pluralises) them itself.
_AT_LEAST: Final = {
    "option": lambda n: ngettext(
        "Give at least %(low)s option (%(count)s given).",
        "Give at least %(low)s options (%(count)s given).",
        n,
    ),
    "span": lambda n: ngettext(
        "Give at least %(low)s span (%(count)s given).",
        "Give at least %(low)s spans (%(count)s given).",
        n,
    ),
    "citation": lambda n: ngettext(
        "Give at least %(low)s citation (%(count)s given).",
        "Give at least %(low)s citations (%(count)s given).",
        n,
    ),
    "rubric item": lambda n: ngettext(
        "Give at least %(low)s rubric item (%(count)s given).",
        "Give at least %(low)s rubric items (%(count)s given).",
        n,
    ),
    "region": lambda n: ngettext(
        "Give at least %(low)s region (%(count)s given).",
        "Give at least %(low)s regions (%(count)s given).",
        n,
    ),
}
_AT_MOST: Final = {
    "option": lambda n: ngettext(
        "Give at most %(high)s option (%(count)s given).",
        "Give at most %(high)s options (%(count)s given).",
        n,
    ),
    "span": lambda n: ngettext(
        "Give at most %(high)s span (%(count)s given).",
        "Give at most %(high)s spans (%(count)s given).",
        n,
    ),
    "citation": lambda n: ngettext(
        "Give at most %(high)s citation (%(count)s given).",
        "Give at most %(high)s citations (%(count)s given).",
        n,
    ),
    "rubric item": lambda n: ngettext(
        "Give at most %(high)s rubric item (%(count)s given).",
        "Give at most %(high)s rubric items (%(count)s given).",
        n,
    ),
    "region": lambda n: ngettext(
        "Give at most %(high)s region (%(count)s given).",
        "Give at most %(high)s regions (%(count)s given).",
        n,
    ),
}
_EXPECTED_LIST: Final = {
    "option value": lambda: gettext("Expected a list of option values."),
    "span": lambda: gettext("Expected a list of spans."),
    "citation": lambda: gettext("Expected a list of citations."),
    "rubric item": lambda: gettext("Expected a list of rubric items."),
    "region": lambda: gettext("Expected a list of regions."),
}
_TOO_MANY: Final = {
    "option value": lambda: gettext("Too many option values: at most %(max)s."),
    "span": lambda: gettext("Too many spans: at most %(max)s."),
    "citation": lambda: gettext("Too many citations: at most %(max)s."),
    "rubric item": lambda: gettext("Too many rubric items: at most %(max)s."),
    "region": lambda: gettext("Too many regions: at most %(max)s."),
}
# The keys of list items as a person reads them (the JSON keys themselves stay English).
_KEY_NAMES: Final = {
    "start": lambda: pgettext("answer key", "start"),
    "end": lambda: pgettext("answer key", "end"),
    "tag": lambda: pgettext("answer key", "tag"),
    "comment": lambda: pgettext("answer key", "comment"),
    "identifier": lambda: pgettext("answer key", "identifier"),
    "title": lambda: pgettext("answer key", "title"),
    "why": lambda: pgettext("answer key", "why"),
    "support": lambda: pgettext("answer key", "support"),
    "criterion": lambda: pgettext("answer key", "criterion"),
    "points": lambda: pgettext("answer key", "points"),
    "citation": lambda: pgettext("answer key", "citation"),
    "rationale": lambda: pgettext("answer key", "rationale"),
    "note": lambda: pgettext("answer key", "note"),
    "label": lambda: pgettext("answer key", "label"),
    "shape": lambda: pgettext("answer key", "shape"),
}


def _key_name(key: str) -> str:
    name = _KEY_NAMES.get(key)
    return name() if name else key


def _where(noun: str, n: int) -> str:
    """The item a problem is about, as the start of a message: "item 3", "region 2"."""
    if noun == "region":
        return gettext("region %(n)s") % {"n": n}
    return gettext("item %(n)s") % {"n": n}


def _count_problem(count: int, low: int, high: int, noun: str) -> str | None:
    if count < low:
        return _AT_LEAST[noun](low) % {"low": low, "count": count}
    if count > high:
        return _AT_MOST[noun](high) % {"high": high, "count": count}
    return None


def _list_or_problem(value: Any, noun: str) -> str | None:
    if not isinstance(value, list):
        return _EXPECTED_LIST[noun]()
    if len(value) > MAX_LIST_ITEMS:
        return _TOO_MANY[noun]() % {"max": MAX_LIST_ITEMS}
    return None


def _unknown_keys(
    item: Mapping[str, Any],
    allowed: Sequence[str],
    n: int,
    problems: list[str],
    *,
    noun: str = "item",
) -> None:
    extra = [key for key in item if key not in allowed]
    if extra:
        shown = ", ".join(_describe(key) for key in extra[:5])
        problems.append(
            gettext("%(where)s: unknown key %(keys)s (allowed: %(allowed)s).")
            % {"where": _where(noun, n), "keys": shown, "allowed": ", ".join(allowed)}
        )


def _item_string(
    item: Mapping[str, Any],
    key: str,
    n: int,
    problems: list[str],
    *,
    required: bool,
    noun: str = "item",
    max_chars: int = MAX_STRING_CHARS,
) -> str | None:
    """A stripped string field of a list item; None (with a problem if required) otherwise."""
    value = item.get(key)
    if value is None:
        if required:
            problems.append(_required_key(noun, n, key))
        return None
    if not isinstance(value, str):
        problems.append(
            gettext("%(where)s: %(key)s must be text.")
            % {"where": _where(noun, n), "key": _key_name(key)}
        )
        return None
    if len(value) > MAX_STRING_CHARS:
        problems.append(
            ngettext(
                "%(where)s: %(key)s is too long (at most %(max)s character).",
                "%(where)s: %(key)s is too long (at most %(max)s characters).",
                max_chars,
            )
            % {"where": _where(noun, n), "key": _key_name(key), "max": max_chars}
        )
        return None
    value = value.strip()
    if len(value) > max_chars:
        problems.append(
            gettext("%(where)s: %(key)s is too long (%(count)s characters; at most %(max)s).")
            % {
                "where": _where(noun, n),
                "key": _key_name(key),
                "count": len(value),
                "max": max_chars,
            }
        )
        return None
    if not value:
        if required:
            problems.append(_required_key(noun, n, key))
        return None
    return value


def _required_key(noun: str, n: int, key: str) -> str:
    return gettext("%(where)s: %(key)s is required.") % {
        "where": _where(noun, n),
        "key": _key_name(key),
    }


Result = tuple[Any, list[str]]


def _single_choice(question: Mapping[str, Any], value: Any, context: _Context) -> Result:
    values = [option["value"] for option in question["options"]]
    if isinstance(value, str) and value in values:
        return value, []
    # The rule from the multiple-choice story: the answer must not leave the given options.
    return None, [
        gettext("%(value)s is not one of the options (%(options)s).")
        % {"value": _describe(value), "options": ", ".join(values)}
    ]


def _multi_choice(question: Mapping[str, Any], value: Any, context: _Context) -> Result:
    problem = _list_or_problem(value, "option value")
    if problem:
        return None, [problem]
    values = [option["value"] for option in question["options"]]
    chosen: set[str] = set()
    problems: list[str] = []
    for item in value:
        if not isinstance(item, str) or item not in values:
            problems.append(
                gettext("%(value)s is not one of the options.") % {"value": _describe(item)}
            )
        elif item in chosen:
            problems.append(
                gettext("%(value)s is chosen more than once.") % {"value": _describe(item)}
            )
        else:
            chosen.add(item)
    low, high = list_bounds(question)
    count_problem = _count_problem(len(chosen), low, high, "option")
    if count_problem:
        problems.append(count_problem)
    return [option for option in values if option in chosen], problems


def _rating(question: Mapping[str, Any], value: Any, context: _Context) -> Result:
    low, high = question["scale"]["min"], question["scale"]["max"]
    if not _is_int(value):
        return None, [
            gettext("Choose a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
        ]
    if not low <= value <= high:
        return None, [
            gettext("%(value)s is outside the scale %(low)s to %(high)s.")
            % {"value": value, "low": low, "high": high}
        ]
    block_id = question.get("require_full_playback")
    if block_id and not _played_to_end(context.telemetry, block_id):
        return None, [gettext(FULL_PLAYBACK_MESSAGE)]
    return value, []


def _played_to_end(telemetry: Any, block_id: str) -> bool:
    audio = telemetry.get("audio") if isinstance(telemetry, Mapping) else None
    clip = audio.get(block_id) if isinstance(audio, Mapping) else None
    return isinstance(clip, Mapping) and clip.get("completed") is True


def _pairwise(question: Mapping[str, Any], value: Any, context: _Context) -> Result:
    if not isinstance(value, Mapping):
        return None, [gettext('Expected an object like {"choice": "A"}.')]
    problems: list[str] = []
    extra = [key for key in value if key not in ("choice", "strength")]
    if extra:
        problems.append(
            gettext("Unknown key %(keys)s.")
            % {"keys": ", ".join(_describe(key) for key in extra[:5])}
        )
    choice = value.get("choice")
    choice_ok = isinstance(choice, str) and choice in PAIRWISE_CHOICES
    if choice is None:
        problems.append(gettext('choice is required: "A", "B" or "tie".'))
    elif not choice_ok:
        problems.append(
            gettext('choice must be "A", "B" or "tie", not %(value)s.')
            % {"value": _describe(choice)}
        )
    elif choice == "tie" and question.get("allow_tie", True) is False:
        problems.append(gettext("A tie is not allowed here; choose A or B."))
    cleaned: dict[str, Any] = {"choice": choice}
    config = question.get("strength")
    strength = value.get("strength")
    if config is None:
        if strength is not None:
            problems.append(gettext("This question does not ask for a strength."))
        return cleaned, problems
    low, high = config["min"], config["max"]
    if strength is None:
        problems.append(
            gettext("strength is required: a whole number from %(low)s to %(high)s.")
            % {"low": low, "high": high}
        )
    elif not _is_int(strength) or not low <= strength <= high:
        problems.append(
            gettext("strength must be a whole number from %(low)s to %(high)s.")
            % {"low": low, "high": high}
        )
    elif choice_ok:
        if choice == "A" and strength >= 0:
            problems.append(
                gettext("strength %(strength)s contradicts choice A: A better is negative.")
                % {"strength": strength}
            )
        elif choice == "B" and strength <= 0:
            problems.append(
                gettext("strength %(strength)s contradicts choice B: B better is positive.")
                % {"strength": strength}
            )
        elif choice == "tie" and strength != 0:
            problems.append(
                gettext("strength %(strength)s contradicts a tie: a tie is 0.")
                % {"strength": strength}
            )
    cleaned["strength"] = strength
    return cleaned, problems


def _ranking(question: Mapping[str, Any], value: Any, context: _Context) -> Result:
    items = [item["value"] for item in question["items"]]
    if not isinstance(value, Mapping):
        return None, [gettext('Expected an object mapping each item to its rank, like {"x": 1}.')]
    size = len(items)
    problems: list[str] = []
    extra = [key for key in value if key not in items]
    if extra:
        problems.append(
            gettext("Unknown item %(items)s.")
            % {"items": ", ".join(_describe(key) for key in extra[:5])}
        )
    ranks: list[int] = []
    for item in items:
        if item not in value:
            problems.append(gettext('Missing a rank for "%(item)s".') % {"item": item})
            continue
        rank = value[item]
        if not _is_int(rank) or not 1 <= rank <= size:
            problems.append(
                gettext('Rank of "%(item)s" must be a whole number from 1 to %(size)s.')
                % {"item": item, "size": size}
            )
        else:
            ranks.append(rank)
    if (
        not problems
        and not question.get("allow_ties", False)
        and sorted(ranks) != list(range(1, size + 1))
    ):
        problems.append(
            gettext("Ties are not allowed: use each rank from 1 to %(size)s exactly once.")
            % {"size": size}
        )
    return {item: value.get(item) for item in items}, problems


def _text(question: Mapping[str, Any], value: Any, context: _Context) -> Result:
    if not isinstance(value, str):
        return None, [gettext("Expected text.")]
    high_chars = question.get("max_chars", MAX_STRING_CHARS)
    if len(value) > MAX_STRING_CHARS:
        return None, [
            ngettext(
                "Too long: at most %(high)s character.",
                "Too long: at most %(high)s characters.",
                high_chars,
            )
            % {"high": high_chars}
        ]
    text = value.strip()
    problems: list[str] = []
    if question.get("multiline", True) is False and ("\n" in text or "\r" in text):
        problems.append(gettext("Must be a single line."))
    chars = count_characters(text) if question.get("count") == "characters" else len(text)
    low_chars = question.get("min_chars", 0)
    if chars < low_chars:
        problems.append(
            ngettext(
                "Too short: %(count)s character; at least %(low)s.",
                "Too short: %(count)s characters; at least %(low)s.",
                chars,
            )
            % {"count": chars, "low": low_chars}
        )
    elif chars > high_chars:
        problems.append(
            ngettext(
                "Too long: %(count)s character; at most %(high)s.",
                "Too long: %(count)s characters; at most %(high)s.",
                chars,
            )
            % {"count": chars, "high": high_chars}
        )
    if "min_words" in question or "max_words" in question:
        words = count_words(text)
        low_words = question.get("min_words", 0)
        high_words = question.get("max_words")
        if words < low_words:
            problems.append(
                gettext("Too few words: %(count)s; at least %(low)s.")
                % {"count": words, "low": low_words}
            )
        elif high_words is not None and words > high_words:
            problems.append(
                gettext("Too many words: %(count)s; at most %(high)s.")
                % {"count": words, "high": high_words}
            )
    return text, problems


def _spans(question: Mapping[str, Any], value: Any, context: _Context) -> Result:
    problem = _list_or_problem(value, "span")
    if problem:
        return None, [problem]
    target = question["target"]
    if target["kind"] == "text":
        text = field_value(context.task_data, target["field"])
        if not isinstance(text, str):
            return None, [
                gettext('The task has no text in "%(field)s" to mark.') % {"field": target["field"]}
            ]
        limit: float = len(text)
        whole = True
    else:
        limit, whole = MAX_AUDIO_SECONDS, False
    tags = question["tags"]
    comment_required = question.get("comment_required", False) is True
    problems: list[str] = []
    cleaned: list[dict[str, Any]] = []
    first_seen: dict[tuple[Any, Any, str], int] = {}
    for n, item in enumerate(value, start=1):
        if not isinstance(item, Mapping):
            problems.append(
                gettext("%(where)s: expected an object with start, end and tag.")
                % {"where": _where("item", n)}
            )
            continue
        before = len(problems)
        _unknown_keys(item, ("start", "end", "tag", "comment"), n, problems)
        start, end = item.get("start"), item.get("end")
        positions_ok = True
        for key, position in (("start", start), ("end", end)):
            if whole and not _is_int(position):
                problems.append(
                    gettext("%(where)s: %(key)s must be a whole number (a character offset).")
                    % {"where": _where("item", n), "key": _key_name(key)}
                )
                positions_ok = False
            elif not whole and not _is_number(position):
                problems.append(
                    gettext("%(where)s: %(key)s must be a number of seconds.")
                    % {"where": _where("item", n), "key": _key_name(key)}
                )
                positions_ok = False
        if positions_ok:
            where = _where("item", n)
            if start < 0:
                problems.append(
                    gettext("%(where)s: start must not be negative.") % {"where": where}
                )
            elif end <= start:
                problems.append(gettext("%(where)s: end must be after start.") % {"where": where})
            elif end > limit and whole:
                problems.append(
                    ngettext(
                        "%(where)s: end %(end)s is past the end of the text (%(limit)s character).",
                        "%(where)s: end %(end)s is past the end of the text "
                        "(%(limit)s characters).",
                        int(limit),
                    )
                    % {"where": where, "end": end, "limit": limit}
                )
            elif end > limit:
                problems.append(
                    gettext("%(where)s: end %(end)s is past the end of %(limit)s seconds.")
                    % {"where": where, "end": end, "limit": limit}
                )
        tag = item.get("tag")
        if tag is None:
            problems.append(_required_key("item", n, "tag"))
        elif not isinstance(tag, str) or tag not in tags:
            problems.append(
                gettext("%(where)s: unknown tag %(tag)s (use one of: %(tags)s).")
                % {"where": _where("item", n), "tag": _describe(tag), "tags": ", ".join(tags)}
            )
        comment = _item_string(item, "comment", n, problems, required=comment_required)
        if len(problems) > before:
            continue
        key = (start, end, tag)
        if key in first_seen:
            problems.append(
                gettext("%(where)s: duplicates item %(first)s.")
                % {"where": _where("item", n), "first": first_seen[key]}
            )
            continue
        first_seen[key] = n
        cleaned.append({"start": start, "end": end, "tag": tag, "comment": comment or ""})
    low, high = list_bounds(question)
    count_problem = _count_problem(len(value), low, high, "span")
    if count_problem:
        problems.append(count_problem)
    return cleaned, problems


_CITATION_KEYS: Final = ("identifier", "title", "why", "support")


def _citations(question: Mapping[str, Any], value: Any, context: _Context) -> Result:
    problem = _list_or_problem(value, "citation")
    if problem:
        return None, [problem]
    problems: list[str] = []
    cleaned: list[dict[str, str]] = []
    first_seen: dict[str, int] = {}
    for n, item in enumerate(value, start=1):
        if not isinstance(item, Mapping):
            problems.append(
                gettext("%(where)s: expected an object with %(keys)s.")
                % {"where": _where("item", n), "keys": ", ".join(_CITATION_KEYS)}
            )
            continue
        before = len(problems)
        _unknown_keys(item, _CITATION_KEYS, n, problems)
        fields = {
            key: _item_string(item, key, n, problems, required=True) for key in _CITATION_KEYS
        }
        identifier = fields["identifier"]
        if identifier is not None:
            parsed = parse_identifier(identifier)
            if parsed is None:
                problems.append(
                    gettext("%(where)s: identifier %(value)s is not a URL, DOI, ISBN or arXiv id.")
                    % {"where": _where("item", n), "value": _describe(identifier)}
                )
            elif parsed.canonical in first_seen:
                problems.append(
                    gettext("%(where)s: identifier duplicates item %(first)s.")
                    % {"where": _where("item", n), "first": first_seen[parsed.canonical]}
                )
            else:
                first_seen[parsed.canonical] = n
        if len(problems) == before:
            cleaned.append({key: fields[key] or "" for key in _CITATION_KEYS})
    low, high = list_bounds(question)
    count_problem = _count_problem(len(value), low, high, "citation")
    if count_problem:
        problems.append(count_problem)
    # Rubric items that cite these sources are checked against the canonical identifiers.
    context.citation_keys[question["id"]] = set(first_seen)
    return cleaned, problems


_RUBRIC_KEYS: Final = ("criterion", "points", "citation", "rationale")


def _rubric_items(question: Mapping[str, Any], value: Any, context: _Context) -> Result:
    problem = _list_or_problem(value, "rubric item")
    if problem:
        return None, [problem]
    problems: list[str] = []
    source_id = question.get("citations_question")
    sources: set[str] | None = None
    if source_id:
        if source_id in context.cleaned:
            sources = context.citation_keys.get(source_id, set())
        elif source_id not in context.errors:
            problems.append(
                gettext(
                    'List your sources in "%(question)s" first: each rubric item cites one of them.'
                )
                % {"question": source_id}
            )
        # When the citations question has errors of its own, they are reported there; checking
        # every rubric citation against a broken list would only repeat them.
    cleaned: list[dict[str, Any]] = []
    for n, item in enumerate(value, start=1):
        if not isinstance(item, Mapping):
            problems.append(
                gettext("%(where)s: expected an object with %(keys)s.")
                % {"where": _where("item", n), "keys": ", ".join(_RUBRIC_KEYS)}
            )
            continue
        before = len(problems)
        _unknown_keys(item, _RUBRIC_KEYS, n, problems)
        criterion = _item_string(item, "criterion", n, problems, required=True)
        rationale = _item_string(item, "rationale", n, problems, required=True)
        citation = _item_string(item, "citation", n, problems, required=bool(source_id))
        if citation is not None and sources is not None:
            parsed = parse_identifier(citation)
            if (parsed.canonical if parsed else citation) not in sources:
                problems.append(
                    gettext(
                        "%(where)s: citation %(value)s is not one of the identifiers given in "
                        '"%(question)s".'
                    )
                    % {
                        "where": _where("item", n),
                        "value": _describe(citation),
                        "question": source_id,
                    }
                )
        points = item.get("points")
        if points is None:
            problems.append(_required_key("item", n, "points"))
        elif not _is_number(points) or points == 0 or not -MAX_POINTS <= points <= MAX_POINTS:
            problems.append(
                gettext(
                    "%(where)s: points must be a non-zero number from -%(max)s to %(max)s "
                    "(negative for a pitfall)."
                )
                % {"where": _where("item", n), "max": MAX_POINTS}
            )
        if len(problems) == before:
            cleaned.append(
                {
                    "criterion": criterion,
                    "points": points,
                    "citation": citation or "",
                    "rationale": rationale,
                }
            )
    low, high = list_bounds(question)
    count_problem = _count_problem(len(value), low, high, "rubric item")
    if count_problem:
        problems.append(count_problem)
    return cleaned, problems


# Region coordinates are fractions of the image's width and height, kept to 6 decimals (a
# thousandth of a pixel on a 1,000-pixel image). A client rounding its own numbers may land a
# hair past an edge; within this much it is moved back onto the edge instead of refused.
_REGION_DIGITS: Final = 6
_EDGE_SLACK: Final = 1e-6
_REGION_KEYS: Final = {
    "box": ("shape", "label", "x", "y", "w", "h", "note"),
    "point": ("shape", "label", "x", "y", "note"),
}
_BOXES_EXAMPLE: Final = (
    '{"image": {"width": 1200, "height": 800}, "regions": [{"shape": "box", "label": ..., '
    '"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.25}]}'
)


def _image_size(image: Any, problems: list[str]) -> dict[str, int] | None:
    if not isinstance(image, Mapping) or set(image) != {"width", "height"}:
        problems.append(
            gettext('image must be {"width": ..., "height": ...}: the image\'s own size in pixels.')
        )
        return None
    size = {}
    for key in ("width", "height"):
        side = image[key]
        if not _is_int(side) or not 1 <= side <= MAX_IMAGE_SIDE:
            message = (
                gettext("image width must be a whole number of pixels, 1 to %(max)s.")
                if key == "width"
                else gettext("image height must be a whole number of pixels, 1 to %(max)s.")
            )
            problems.append(message % {"max": MAX_IMAGE_SIDE})
            return None
        size[key] = side
    return size


def _fraction(item: Mapping[str, Any], key: str, n: int, problems: list[str]) -> float | None:
    value = item.get(key)
    across = key in ("x", "w")
    params = {"where": _where("region", n), "key": key}
    if value is None:
        problems.append(
            (
                gettext("%(where)s: %(key)s is required (a fraction of the image width, 0 to 1).")
                if across
                else gettext(
                    "%(where)s: %(key)s is required (a fraction of the image height, 0 to 1)."
                )
            )
            % params
        )
        return None
    if not _is_number(value) or not 0 <= value <= 1 + _EDGE_SLACK:
        problems.append(
            (
                gettext(
                    "%(where)s: %(key)s must be a number from 0 to 1 (a fraction of the image "
                    "width), not %(value)s."
                )
                if across
                else gettext(
                    "%(where)s: %(key)s must be a number from 0 to 1 (a fraction of the image "
                    "height), not %(value)s."
                )
            )
            % {**params, "value": _describe(value)}
        )
        return None
    return min(float(value), 1.0)


def _region(
    item: Any, n: int, question: Mapping[str, Any], problems: list[str]
) -> dict[str, Any] | None:
    """One region of a boxes answer, cleaned; None (with problems) when it is not valid."""
    if not isinstance(item, Mapping):
        problems.append(
            gettext("%(where)s: expected an object with shape, label, x and y.")
            % {"where": _where("region", n)}
        )
        return None
    before = len(problems)
    shape = item.get("shape", "box")
    allowed = region_shapes(question)
    if shape not in _REGION_KEYS:
        problems.append(
            gettext('%(where)s: shape must be "box" or "point", not %(value)s.')
            % {"where": _where("region", n), "value": _describe(shape)}
        )
        return None
    if shape not in allowed:
        message = (
            gettext("%(where)s: a box is not allowed here (use: %(allowed)s).")
            if shape == "box"
            else gettext("%(where)s: a point is not allowed here (use: %(allowed)s).")
        )
        problems.append(message % {"where": _where("region", n), "allowed": ", ".join(allowed)})
    _unknown_keys(item, _REGION_KEYS[shape], n, problems, noun="region")
    labels = [label["value"] for label in question["labels"]]
    label = item.get("label")
    if label is None:
        problems.append(
            gettext("%(where)s: label is required (one of: %(labels)s).")
            % {"where": _where("region", n), "labels": ", ".join(labels)}
        )
    elif not isinstance(label, str) or label not in labels:
        problems.append(
            gettext("%(where)s: unknown label %(value)s (use one of: %(labels)s).")
            % {"where": _where("region", n), "value": _describe(label), "labels": ", ".join(labels)}
        )
    note = _item_string(
        item,
        "note",
        n,
        problems,
        required=question.get("note_required", False) is True,
        noun="region",
        max_chars=MAX_REGION_NOTE_CHARS,
    )
    x, y = _fraction(item, "x", n, problems), _fraction(item, "y", n, problems)
    region: dict[str, Any] = {"shape": shape, "label": label}
    if shape == "box":
        w, h = _fraction(item, "w", n, problems), _fraction(item, "h", n, problems)
        if None not in (x, y, w, h):
            for start, size, key, edge in ((x, w, "w", "right"), (y, h, "h", "bottom")):
                where = _where("region", n)
                if size <= 0:
                    problems.append(
                        gettext("%(where)s: %(key)s must be more than 0 (an empty box).")
                        % {"where": where, "key": key}
                    )
                elif start + size > 1 + _EDGE_SLACK:
                    message = (
                        gettext(
                            "%(where)s: the box runs past the right edge of the image "
                            "(x + w = %(sum)s; at most 1)."
                        )
                        if edge == "right"
                        else gettext(
                            "%(where)s: the box runs past the bottom edge of the image "
                            "(y + h = %(sum)s; at most 1)."
                        )
                    )
                    problems.append(message % {"where": where, "sum": f"{start + size:g}"})
            # Rounded, then kept inside the image: x + w never exceeds 1 once stored.
            x, y = round(x, _REGION_DIGITS), round(y, _REGION_DIGITS)
            w = min(round(w, _REGION_DIGITS), round(1 - x, _REGION_DIGITS))
            h = min(round(h, _REGION_DIGITS), round(1 - y, _REGION_DIGITS))
            region.update(x=x, y=y, w=w, h=h)
    elif None not in (x, y):
        region.update(x=round(x, _REGION_DIGITS), y=round(y, _REGION_DIGITS))
    region["note"] = note or ""
    return region if len(problems) == before else None


def _boxes(question: Mapping[str, Any], value: Any, context: _Context) -> Result:
    if not isinstance(value, Mapping):
        return None, [gettext("Expected an object like %(example)s.") % {"example": _BOXES_EXAMPLE}]
    problems: list[str] = []
    extra = [key for key in value if key not in ("image", "regions")]
    if extra:
        problems.append(
            gettext("Unknown key %(keys)s (allowed: image, regions).")
            % {"keys": ", ".join(_describe(key) for key in extra[:5])}
        )
    size = _image_size(value.get("image"), problems)
    regions = value.get("regions")
    problem = _list_or_problem(regions, "region")
    if problem:
        return None, [*problems, problem]
    cleaned: list[dict[str, Any]] = []
    first_seen: dict[tuple[Any, ...], int] = {}
    for n, item in enumerate(regions, start=1):
        region = _region(item, n, question, problems)
        if region is None:
            continue
        key = tuple(region[k] for k in ("shape", "label", "x", "y", "w", "h") if k in region)
        if key in first_seen:
            problems.append(
                gettext("%(where)s: duplicates region %(first)s.")
                % {"where": _where("region", n), "first": first_seen[key]}
            )
            continue
        first_seen[key] = n
        cleaned.append(region)
    low, high = list_bounds(question)
    count_problem = _count_problem(len(regions), low, high, "region")
    if count_problem:
        problems.append(count_problem)
    return {"image": size, "regions": cleaned}, problems


_VALIDATORS: Final = {
    "single_choice": _single_choice,
    "multi_choice": _multi_choice,
    "rating": _rating,
    "pairwise": _pairwise,
    "ranking": _ranking,
    "text": _text,
    "spans": _spans,
    "citations": _citations,
    "rubric_items": _rubric_items,
    "boxes": _boxes,
}


# --------------------------------------------------------------------------------------------
# Gold answers
# --------------------------------------------------------------------------------------------

# The question types a gold answer can score: those with one right answer to compare with.
GOLD_SCORED_TYPES: Final = ("single_choice", "multi_choice", "rating", "pairwise", "ranking")
_GOLD_RATING_KEYS: Final = frozenset(("value", "tolerance"))


def validate_gold_answer(
    definition: Mapping[str, Any], gold_answer: Any, *, task_data: Any
) -> AnswerCheck:
    """Check the expected answer of a gold task.

    It names only the questions it scores (choice, rating, pairwise, ranking), each with a
    value that question accepts; free text and other unscored questions are never required
    in it, and naming one is an error (it would never be scored). A rating may carry its
    own tolerance, ``{"value": 4, "tolerance": 1}``, which the gold check honours over the
    project's. ``cleaned`` keeps that shape for ratings given with a tolerance.
    """
    if not isinstance(gold_answer, Mapping) or not gold_answer:
        return AnswerCheck(
            {}, {"": [gettext("Must be an object naming at least one question it scores.")]}
        )
    by_id = question_map(definition)
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    tolerances: dict[str, float] = {}
    for question_id, value in gold_answer.items():
        question = by_id.get(question_id)
        if question is None:
            errors[str(question_id)] = [
                gettext('"%(question)s" is not a question of the template.')
                % {"question": question_id}
            ]
            continue
        if question["type"] not in GOLD_SCORED_TYPES:
            errors[question_id] = [
                gettext("A %(type)s question is not scored against a gold answer; leave it out.")
                % {"type": question["type"].replace("_", " ")}
            ]
            continue
        if question["type"] == "rating" and isinstance(value, Mapping):
            problem = _gold_tolerance_problem(question, value)
            if problem:
                errors[question_id] = [problem]
                continue
            if "tolerance" in value:
                tolerances[question_id] = value["tolerance"]
            value = value.get("value")
        values[question_id] = value
    # The named questions, each required and unconditional (a gold answer names what it
    # scores, whatever show_if would hide), and no playback to prove: nobody listens here.
    scored = [
        {
            **{k: v for k, v in question.items() if k not in ("show_if", "require_full_playback")},
            "required": True,
        }
        for question in questions(definition)
        if question["id"] in values
    ]
    if scored:
        check = validate_answer(
            {**definition, "questions": scored}, values, task_data=task_data, telemetry=None
        )
        errors.update(check.errors)
        cleaned = dict(check.cleaned)
    else:
        cleaned = {}
    for question_id, tolerance in tolerances.items():
        if question_id in cleaned:
            cleaned[question_id] = {"value": cleaned[question_id], "tolerance": tolerance}
    return AnswerCheck(cleaned if not errors else {}, errors)


def _gold_tolerance_problem(question: Mapping[str, Any], value: Mapping[str, Any]) -> str | None:
    unknown = set(value) - _GOLD_RATING_KEYS
    if unknown or "value" not in value:
        return gettext('A rating with a tolerance is {"value": ..., "tolerance": ...}.')
    tolerance = value.get("tolerance", 0)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float):
        return gettext("The tolerance must be a number.")
    scale = question["scale"]
    if not math.isfinite(tolerance) or not 0 <= tolerance <= scale["max"] - scale["min"]:
        return gettext("The tolerance must be between 0 and %(max)s.") % {
            "max": scale["max"] - scale["min"]
        }
    return None

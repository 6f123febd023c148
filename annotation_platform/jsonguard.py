"""One guard for JSON that comes from outside: API bodies, page forms, imports, cursors.

``json.loads`` accepts what neither Python nor the database can hold: a document nested
thousands of levels deep (``RecursionError`` in the parser, or later in any code that
recurses over it), ``\\u0000`` (PostgreSQL refuses NUL in text and jsonb), unpaired
surrogates such as ``\\ud800`` (not text: encoding them to UTF-8 fails), ``1e400``
(infinity), ``NaN``, integers of thousands of digits, strings of megabytes. This module
refuses each of them with ``HostileInput``, which names where the value is (``path``, e.g.
``answer.q1[2]``) and what is wrong (``reason``), so callers answer a 400 that points at
the field, or an import names the line and field.

It stays off the hot path's bill: ``loads`` parses with the C scanner and walks the result
only when the text itself says that something might be wrong (an escape ``\\u``, more
brackets than the depth limit, a long run of digits, an exponent of three digits, a text
longer than a string may be). A typical submit body is parsed and never walked. The walk,
when it runs, is iterative, so it cannot itself hit the recursion limit.

Limits (settings, with defaults): ``JSON_MAX_DEPTH`` (64 nested arrays/objects),
``JSON_MAX_STRING_CHARS`` (1,000,000 characters in one string or key). Integers must fit
a signed 64-bit integer (PostgreSQL's bigint), floats must be finite.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import Any, Final

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import gettext, gettext_noop

DEFAULT_MAX_DEPTH: Final = 64
DEFAULT_MAX_STRING_CHARS: Final = 1_000_000
MAX_INTEGER: Final = 2**63 - 1
MIN_INTEGER: Final = -(2**63)
# The most characters of a key shown in a path: the path goes into the error body.
_LABEL_CHARS: Final = 60
# The most keys shown in a path (a path 64 levels deep says where it starts, then how deep).
_PATH_PIECES: Final = 8

_SURROGATE: Final = re.compile("[\ud800-\udfff]")
# The escapes that can make NUL or a surrogate (false hits, e.g. an escaped backslash
# before "ud800", only cost a walk that finds nothing).
_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89abcdefABCDEF]")
_SAFE_KEY: Final = re.compile(r"[A-Za-z0-9_\-]{1,60}")


class HostileInput(ValueError):
    """A JSON value the platform refuses; ``path`` says where ("" is the whole document)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path or 'body'}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int = DEFAULT_MAX_DEPTH
    max_string: int = DEFAULT_MAX_STRING_CHARS


_cached_limits: Limits | None = None


def current_limits() -> Limits:
    """The limits in force, read from settings once (a settings lookup costs more than a
    small body's parse) and again after a test or ``override_settings`` changes them."""
    global _cached_limits
    if _cached_limits is not None:
        return _cached_limits
    from django.conf import settings

    if not settings.configured:  # outside Django (pure tests, scripts): the defaults
        return Limits()
    _cached_limits = Limits(
        max_depth=getattr(settings, "JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH),
        max_string=getattr(settings, "JSON_MAX_STRING_CHARS", DEFAULT_MAX_STRING_CHARS),
    )
    return _cached_limits


@receiver(setting_changed)
def _forget_limits(*, setting: str, **kwargs: Any) -> None:
    global _cached_limits
    if setting in ("JSON_MAX_DEPTH", "JSON_MAX_STRING_CHARS"):
        _cached_limits = None


class _Refused:
    """Put by the number hooks where a number cannot be kept; the walk reports it."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


_INF: Final = float("inf")
_NINF: Final = float("-inf")
# The reasons are English msgids, translated when a refusal is raised (never on a parse
# that succeeds).
_TOO_BIG_INTEGER: Final = _Refused(
    gettext_noop("A whole number beyond ±%(max)s (a 64-bit integer) cannot be stored.")
)
_NOT_FINITE: Final = _Refused(gettext_noop("Not a finite number (too large, NaN or Infinity)."))


def _reason(marker: _Refused) -> str:
    return gettext(marker.reason) % {"max": f"{MAX_INTEGER:,}"}


# Set by the number hooks when they put a ``_Refused`` in the value being parsed (the C
# scanner calls them in the parsing thread), so only those parses walk for numbers.
_state = threading.local()


def _refuse(marker: _Refused) -> _Refused:
    _state.refused = True
    return marker


def _parse_int(text: str) -> Any:
    if len(text) < 19:
        return int(text)
    if len(text) > 20:
        return _refuse(_TOO_BIG_INTEGER)
    value = int(text)
    return value if MIN_INTEGER <= value <= MAX_INTEGER else _refuse(_TOO_BIG_INTEGER)


def _parse_float(text: str) -> Any:
    value = float(text)
    return _refuse(_NOT_FINITE) if value in (_INF, _NINF) else value


def _parse_constant(text: str) -> Any:
    return _refuse(_NOT_FINITE)


_DECODER: Final = json.JSONDecoder(
    parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant
)
_raw_decode = _DECODER.raw_decode
_decode = _DECODER.decode


def _label(key: str) -> str:
    """A key as it appears in a path: plain keys as they are; others escaped and cut, so
    the path itself holds no NUL, surrogate or megabyte."""
    if _SAFE_KEY.fullmatch(key):
        return key
    shown = json.dumps(key[:_LABEL_CHARS])[1:-1]  # ASCII only: \u0000, \ud800, ...
    return shown + ("…" if len(key) > _LABEL_CHARS else "")


def _join(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    label = _label(key)
    return f"{parent}.{label}" if parent else label


def _string_problem(text: str, max_string: int) -> str | None:
    if len(text) > max_string:
        return gettext("Longer than %(max)s characters, the limit for one text.") % {
            "max": f"{max_string:,}"
        }
    if "\x00" in text:
        return gettext("Contains a NUL character (%(code)s), which cannot be stored.") % {
            "code": "\\u0000"
        }
    if not text.isascii() and _SURROGATE.search(text):
        return gettext("Contains an unpaired surrogate (%(range)s): not text.") % {
            "range": "\\ud800-\\udfff"
        }
    return None


def text_problem(text: str, *, max_chars: int | None = None) -> str | None:
    """Why one text (a form field, a query parameter) cannot be kept, or None: NUL, an
    unpaired surrogate, or more than ``max_chars`` (default: the string limit)."""
    limit = current_limits().max_string if max_chars is None else max_chars
    return _string_problem(text, limit)


def check(
    value: Any,
    *,
    path: str = "",
    limits: Limits | None = None,
    depth: bool = True,
    strings: bool = True,
    numbers: bool = True,
) -> None:
    """Walk ``value`` (iteratively) and raise ``HostileInput`` at the first problem.

    For values that did not come through ``loads`` (form data assembled in Python, CSV
    cells); ``loads`` calls it with only the checks its text makes necessary.
    """
    limit = limits or current_limits()
    max_depth, max_string = limit.max_depth, limit.max_string
    # (value, depth of the container holding it, path pieces as a linked (parent, key)).
    stack: list[tuple[Any, int, Any]] = [(value, 0, None)]
    pop, push = stack.pop, stack.append
    while stack:
        node, level, trail = pop()
        kind = node.__class__
        if kind is dict:
            if depth and level >= max_depth:
                raise HostileInput(_path(path, trail), _too_deep(max_depth))
            for key, item in node.items():
                if strings:
                    problem = _string_problem(key, max_string)
                    if problem:
                        raise HostileInput(
                            _path(path, (trail, key)),
                            gettext("Key: %(problem)s") % {"problem": problem},
                        )
                push((item, level + 1, (trail, key)))
        elif kind is list:
            if depth and level >= max_depth:
                raise HostileInput(_path(path, trail), _too_deep(max_depth))
            for index, item in enumerate(node):
                push((item, level + 1, (trail, index)))
        elif kind is str:
            if strings:
                problem = _string_problem(node, max_string)
                if problem:
                    raise HostileInput(_path(path, trail), problem)
        elif kind is _Refused:
            raise HostileInput(_path(path, trail), _reason(node))
        elif numbers and kind is int:
            if not MIN_INTEGER <= node <= MAX_INTEGER:
                raise HostileInput(_path(path, trail), _reason(_TOO_BIG_INTEGER))
        elif numbers and kind is float:
            if node != node or node in (_INF, _NINF):
                raise HostileInput(_path(path, trail), _reason(_NOT_FINITE))
        elif isinstance(node, dict | list | tuple):
            # Subclasses and tuples (rare: values built in Python) take the general road.
            items = node.items() if isinstance(node, dict) else enumerate(node)
            if depth and level >= max_depth:
                raise HostileInput(_path(path, trail), _too_deep(max_depth))
            for key, item in items:
                if strings and isinstance(key, str):
                    problem = _string_problem(key, max_string)
                    if problem:
                        raise HostileInput(
                            _path(path, (trail, key)),
                            gettext("Key: %(problem)s") % {"problem": problem},
                        )
                push((item, level + 1, (trail, key)))


def _too_deep(max_depth: int) -> str:
    return gettext("Nested deeper than %(max)s levels of arrays and objects.") % {"max": max_depth}


def _path(prefix: str, trail: Any) -> str:
    keys: list[str | int] = []
    while trail is not None:
        trail, key = trail
        keys.append(key)
    keys.reverse()
    path = prefix
    for key in keys[:_PATH_PIECES]:
        path = _join(path, key)
    if len(keys) > _PATH_PIECES:
        path += f"… ({len(keys)} levels down)"
    return path


def _checks_needed(text: str, limit: Limits, from_utf8: bool) -> tuple[bool, bool]:
    """Which of the walk's checks the raw text makes necessary (each a C-speed scan):
    NUL and surrogates come only from escapes (JSON refuses raw control characters, and
    text decoded from UTF-8 holds no surrogate), depth needs that many brackets."""
    depth = text.count("[") + text.count("{") > limit.max_depth
    strings = (
        len(text) > limit.max_string
        or "\\u0000" in text
        or ("\\u" in text and _SURROGATE_ESCAPE.search(text) is not None)
        or (not from_utf8 and not text.isascii() and _SURROGATE.search(text) is not None)
    )
    return depth, strings


def decode_bytes(data: bytes, *, path: str = "") -> str:
    """UTF-8 bytes to text; invalid bytes (a surrogate encoded raw, say) are refused."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HostileInput(
            path,
            gettext(
                "Not valid UTF-8 at byte %(byte)s (%(reason)s): an unpaired surrogate "
                "or bytes of another encoding."
            )
            % {"byte": f"{exc.start:,}", "reason": exc.reason},
        ) from None


# Python's own words for broken JSON (json.JSONDecodeError.msg), said in the reader's
# language; anything else keeps Python's English.
_SYNTAX_ERRORS: Final = {
    "Expecting value": gettext_noop("a value was expected"),
    "Expecting ':' delimiter": gettext_noop("a colon (:) was expected"),
    "Expecting ',' delimiter": gettext_noop("a comma (,) was expected"),
    "Expecting property name enclosed in double quotes": gettext_noop(
        "a key in double quotes was expected"
    ),
    "Extra data": gettext_noop("there is more after the end of the JSON value"),
    "Unterminated string starting at": gettext_noop("a string is not closed"),
    "Invalid control character at": gettext_noop(
        "a string holds a raw control character (a tab or line break: write \\t or \\n)"
    ),
    "Invalid \\escape": gettext_noop("a string holds an unknown escape (a backslash)"),
    "Invalid \\uXXXX escape": gettext_noop("a string holds a broken \\uXXXX escape"),
}


def syntax_error_msgid(exc: json.JSONDecodeError) -> str:
    """What is wrong with broken JSON as an English message id, for text stored now and
    translated when read (imports' row errors); Python's words when we have none."""
    return _SYNTAX_ERRORS.get(exc.msg, exc.msg)


def syntax_error_text(exc: json.JSONDecodeError) -> str:
    """What is wrong with broken JSON, in the active language (line and column apart)."""
    marker = _SYNTAX_ERRORS.get(exc.msg)
    return gettext(marker) if marker else exc.msg


def loads(
    text: str | bytes, *, path: str = "", limits: Limits | None = None, from_utf8: bool = False
) -> Any:
    """``json.loads`` that refuses hostile values with ``HostileInput`` (a ``ValueError``).

    Syntax errors still raise ``json.JSONDecodeError`` (also a ``ValueError``), so callers
    keep their own messages for broken JSON. ``path`` prefixes the paths reported, for
    JSON held in one field of something larger. ``from_utf8``: ``text`` was decoded from
    UTF-8 (as bytes are here), so it cannot hold a raw surrogate.
    """
    if isinstance(text, bytes | bytearray):
        text, from_utf8 = decode_bytes(bytes(text), path=path), True
    limit = limits or current_limits()
    value, _, refused = raw_decode(text, 0, path=path, limits=limit, whole=True)
    check_parsed(value, text, refused=refused, path=path, limits=limit, from_utf8=from_utf8)
    return value


def raw_decode(
    text: str, pos: int, *, path: str = "", limits: Limits | None = None, whole: bool = False
) -> tuple[Any, int, bool]:
    """Parse one value at ``pos`` (``JSONDecoder.raw_decode``; the whole text, blanks
    around it allowed, with ``whole``): (value, end, refused numbers). Refuses only what
    stops the parse itself (nesting past the recursion limit); the caller then passes the
    value, its text and the third item to ``check_parsed``, which must follow (refused
    numbers are markers in the value until then).
    """
    _state.refused = False
    try:
        if whole:
            return _decode(text), len(text), _state.refused
        value, end = _raw_decode(text, pos)
        return value, end, _state.refused
    except RecursionError:
        limit = limits or current_limits()
        raise HostileInput(
            _deep_path(text, pos, limit.max_depth, path), _too_deep(limit.max_depth)
        ) from None


def check_parsed(
    value: Any,
    text: str,
    *,
    refused: bool,
    path: str = "",
    limits: Limits | None = None,
    from_utf8: bool = False,
) -> None:
    """The guard's walk over a value ``raw_decode`` read from ``text``, with only the checks
    the text makes necessary (none, for most texts). ``from_utf8``: the text was decoded
    from UTF-8, so it holds no raw surrogate."""
    limit = limits or current_limits()
    depth, strings = _checks_needed(text, limit, from_utf8)
    if depth or strings or refused:
        check(value, path=path, limits=limit, depth=depth, strings=strings, numbers=refused)


def _deep_path(text: str, start: int, max_depth: int, prefix: str = "") -> str:
    """The path of the first container nested deeper than ``max_depth``, found by a scan of
    the text (no parse: the parser itself ran out of stack). Only on the error path."""
    stack: list[list[Any]] = []  # per open container: [kind, key or index, expecting key]
    position = start
    length = len(text)
    last_string = ""
    while position < length:
        char = text[position]
        if char == '"':
            end = position + 1
            while end < length and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            last_string = text[position + 1 : end]
            if stack and stack[-1][0] == "{" and stack[-1][2]:
                try:
                    stack[-1][1] = json.loads(text[position : end + 1])
                except ValueError:
                    stack[-1][1] = last_string
                stack[-1][2] = False
            position = end + 1
            continue
        if char in "[{":
            if len(stack) >= max_depth:
                return _path(prefix, _trail_of(stack))
            stack.append([char, 0 if char == "[" else "", char == "{"])
        elif char in "]}":
            if stack:
                stack.pop()
            if not stack:
                break
        elif char == "," and stack:
            if stack[-1][0] == "[":
                stack[-1][1] += 1
            else:
                stack[-1][2] = True
        position += 1
    return prefix


def _trail_of(stack: list[list[Any]]) -> Any:
    trail = None
    for _kind, key, _expecting in stack:
        trail = (trail, key)
    return trail

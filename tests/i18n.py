# ruff: noqa: RUF001 - Chinese text with its full-width punctuation, on purpose
"""Helpers for tests of the Chinese interface: compiled catalogs, and a check that a page
rendered in Chinese shows no English interface words.

``untranslated(html, exempt=...)`` reads a page as a person sees it (text, and the ``title``,
``aria-label``, ``alt`` and ``placeholder`` they hear or hover), leaves out what is not
interface text (``<code>``, ``<kbd>``, ``<pre>``, scripts, styles, anything marked with
another ``lang`` such as the switcher's "English"), and returns every chunk that still holds
a Latin word that is neither data the users wrote (``exempt``: the fixtures' names, prompts
and answers) nor a technical name that stays in Latin letters in Chinese (``TECHNICAL``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import trans_real

# Names written in Latin letters in Chinese text too (the glossary keeps them).
TECHNICAL = frozenset(
    {
        "API", "UTC", "DOI", "ISBN", "arXiv", "URL", "AI", "JSON", "Markdown", "ID", "id", "Bearer",
        "Authorization", "Enter", "Ctrl", "Shift", "Esc", "Delete", "Tab", "Handle", "v",
        "s", "A", "B", "T", "P", "D", "L", "R", "S", "J", "K", "h",
    }
)  # fmt: skip
_SKIPPED_TAGS = frozenset({"script", "style", "code", "kbd", "pre", "noscript", "time"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
     "track", "wbr"}
)  # fmt: skip
_SPOKEN_ATTRS = ("title", "aria-label", "alt", "placeholder")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


def compile_catalogs() -> None:
    """Compile locale/ (a no-op when up to date) and forget catalogs loaded before."""
    call_command("compile_locale")
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = trans_real.Local()


@pytest.fixture(autouse=True)
def back_to_english():
    """Kept for the modules that import it; tests/conftest.py's ``_english_afterwards``
    now does this for every test."""
    yield
    translation.deactivate()


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, hides its text)

    def _hidden(self) -> bool:
        return any(hides for _tag, hides in self._stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        other_language = bool(attrs.get("lang")) and tag != "html"
        hides = tag in _SKIPPED_TAGS or other_language
        if not self._hidden() and not hides:
            self.chunks.extend(attrs[name] for name in _SPOKEN_ATTRS if attrs.get(name))
        if tag not in _VOID:
            self._stack.append((tag, hides))

    def handle_startendtag(self, tag, attrs):
        attrs = dict(attrs)
        if not self._hidden():
            self.chunks.extend(attrs[name] for name in _SPOKEN_ATTRS if attrs.get(name))

    def handle_endtag(self, tag):
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break

    def handle_data(self, data):
        if not self._hidden() and data.strip():
            self.chunks.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return parser.chunks


def words_of(values: Iterable[object]) -> set[str]:
    """Every Latin word in ``values`` (strings, and the strings inside dicts and lists)."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.update(_LATIN_WORD.findall(value))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, (list, tuple, set)):
            for item in value:
                walk(item)
        elif value is not None:
            walk(str(value))

    walk(list(values))
    return found


def untranslated(html: str, *, exempt: set[str]) -> list[str]:
    """The visible chunks of ``html`` with a Latin word that is neither data nor technical."""
    allowed = TECHNICAL | exempt
    return [
        chunk
        for chunk in visible_text(html)
        if any(word not in allowed for word in _LATIN_WORD.findall(chunk))
    ]


# --- pages ---------------------------------------------------------------------------

CHINESE = {"zh-hans": "zh-CN,zh;q=0.9", "zh-hant": "zh-HK,zh;q=0.9"}


def data_words(cast, *extra) -> set[str]:
    """The Latin words of what the fixtures' users wrote (project names and descriptions,
    names, usernames) and of ``extra`` (definitions, task data, answers ...)."""
    from tasks.models import Project  # here: the checker's other helpers need no database

    projects = Project.objects.all()
    return words_of(
        [
            *(p.name for p in projects),
            *(p.description for p in projects),
            *(str(person) for person in (cast.trainer, cast.setter, cast.qa_lead, cast.admin)),
            *(person.username for person in (cast.trainer, cast.setter, cast.qa_lead)),
            *extra,
        ]
    )


def assert_translated(client, url: str, exempt: set[str]) -> None:
    """``url`` shows English interface words in English (so the check sees something) and
    none in Simplified or Hong Kong Chinese."""
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200, url
    assert untranslated(english.content.decode(), exempt=exempt), (
        f"{url}: the English page shows no English interface words: the check sees nothing"
    )
    for language, header in CHINESE.items():
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=header)
        assert response.status_code == 200, url
        assert response.headers["Content-Language"] == language
        left = untranslated(response.content.decode(), exempt=exempt)
        assert not left, f"{url} in {language}: untranslated interface text: {left}"

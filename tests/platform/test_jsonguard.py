"""The input guard on its own: what it refuses, where it says the value is, what it lets by."""

from __future__ import annotations

import json
import sys

import pytest
from django.utils import translation

from annotation_platform import jsonguard
from annotation_platform.jsonguard import HostileInput, Limits

DEEP = 100_000


def refused(text: str | bytes, **kwargs) -> HostileInput:
    with pytest.raises(HostileInput) as caught:
        jsonguard.loads(text, **kwargs)
    return caught.value


def test_plain_documents_pass_unchanged():
    text = '{"answer": {"q1": "Ünïcødé ✓", "n": [1, -2.5, 1e300, 9223372036854775807]}}'
    assert jsonguard.loads(text) == json.loads(text)
    assert jsonguard.loads(text.encode()) == json.loads(text)
    # An escaped backslash followed by "u0000" is text, not NUL.
    assert jsonguard.loads(r'{"a": "\\u0000"}') == {"a": "\\u0000"}
    # A paired surrogate escape is one character.
    assert jsonguard.loads(r'{"a": "\ud83d\ude00"}') == {"a": "😀"}


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("[" * DEEP + "]" * DEEP, "[0][0][0][0][0][0][0][0]… (64 levels down)"),
        ('{"a": {"b": ' + "[" * 70 + "]" * 70 + "}}", "a.b[0][0][0][0][0][0]… (64 levels down)"),
        ('{"x": [1, ' + '{"k": ' * DEEP + "1" + "}" * DEEP + "]}",
         "x[1].k.k.k.k.k.k… (64 levels down)"),
    ],
)  # fmt: skip
def test_nesting_past_the_limit_is_refused_with_its_path(text, path):
    error = refused(text)
    assert error.path == path
    assert "deeper than 64" in error.reason


def test_sixty_four_levels_pass_and_sixty_five_do_not():
    assert jsonguard.loads("[" * 64 + "]" * 64) is not None
    assert refused("[" * 65 + "]" * 65).path.startswith("[0]")


def test_the_depth_limit_is_a_setting(settings):
    settings.JSON_MAX_DEPTH = 3
    assert jsonguard.loads("[[[1]]]") == [[[1]]]
    assert refused("[[[[1]]]]").path == "[0][0][0]"


@pytest.mark.parametrize(
    ("text", "path", "reason"),
    [
        (r'{"answer": {"q1": "a\u0000b"}}', "answer.q1", "NUL"),
        (r'{"answer": {"a\u0000": 1}}', "answer.a\\u0000", "NUL"),
        (r'{"answer": ["ok", "\ud800"]}', "answer[1]", "surrogate"),
        (r'{"answer": "\udc00\ud800"}', "answer", "surrogate"),
        (r'{"k\ud800": 1}', "k\\ud800", "surrogate"),
        ('{"n": 1e400}', "n", "finite"),
        ('{"n": -1E+999}', "n", "finite"),
        ('{"n": NaN}', "n", "finite"),
        ('{"n": [Infinity]}', "n[0]", "finite"),
        ('{"n": ' + "9" * 100_000 + "}", "n", "64-bit"),
        ('{"n": 9223372036854775808}', "n", "64-bit"),
        ('{"n": -9223372036854775809}', "n", "64-bit"),
        ("1e400", "", "finite"),
    ],
)
def test_values_that_cannot_be_kept_are_refused_with_their_path(text, path, reason):
    error = refused(text)
    assert error.path == path
    assert reason in error.reason


def test_raw_surrogate_bytes_are_not_utf8():
    error = refused(b'{"a": "\xed\xa0\x80"}')
    assert error.path == "" and "UTF-8" in error.reason


def test_strings_longer_than_the_cap_are_refused(settings):
    settings.JSON_MAX_STRING_CHARS = 10
    assert jsonguard.loads('{"a": "0123456789"}') == {"a": "0123456789"}
    assert refused('{"a": ["01234567890"]}').path == "a[0]"
    error = refused('{"01234567890": 1}')
    assert error.reason.startswith("Key:")


def test_a_path_holds_no_hostile_text_itself():
    error = refused('{"' + "x" * 500 + '\\u0000": 1}')
    assert len(error.path) < 80 and "\x00" not in error.path
    json.dumps(error.path).encode("utf-8")  # no surrogate either: it can go in a body


def test_prefix_names_the_field_the_json_came_in():
    assert refused(r'["\u0000"]', path="content").path == "content[0]"
    assert refused("[" * DEEP + "]" * DEEP, path="content").path.startswith("content[0]")


def test_broken_json_still_raises_the_decoders_error():
    with pytest.raises(json.JSONDecodeError):
        jsonguard.loads('{"a": ')


def test_the_walk_is_iterative():
    # A value built in Python far deeper than the recursion limit: checked, not crashed.
    value: list = []
    for _ in range(sys.getrecursionlimit() * 5):
        value = [value]
    with pytest.raises(HostileInput):
        jsonguard.check(value)
    jsonguard.check(value, limits=Limits(max_depth=10**6))


def test_check_walks_values_built_in_python():
    with pytest.raises(HostileInput) as caught:
        jsonguard.check({"data": {"rows": [("a", "b\x00")]}})
    assert caught.value.path == "data.rows[0][1]"
    with pytest.raises(HostileInput):
        jsonguard.check({"n": float("nan")})
    with pytest.raises(HostileInput):
        jsonguard.check({"n": 2**64})


def test_text_problem_for_single_texts():
    assert jsonguard.text_problem("fine") is None
    assert "NUL" in jsonguard.text_problem("a\x00")
    assert "surrogate" in jsonguard.text_problem("a\ud800")
    assert "Longer" in jsonguard.text_problem("abcd", max_chars=3)


def test_raw_decode_reads_one_value_of_a_stream():
    text = '[{"a": 1}, {"b": "\\u0000"}, {"c": 1e999}]'
    value, end, refused = jsonguard.raw_decode(text, 1)
    assert value == {"a": 1} and text[end] == "," and not refused
    start = end + 2
    second, end, refused = jsonguard.raw_decode(text, start)
    with pytest.raises(HostileInput) as caught:
        jsonguard.check_parsed(second, text[start:end], refused=refused, path="row")
    assert caught.value.path == "row.b"
    start = end + 2
    third, end, refused = jsonguard.raw_decode(text, start)
    assert refused  # the hook marked 1e999; the walk names it
    with pytest.raises(HostileInput) as caught:
        jsonguard.check_parsed(third, text[start:end], refused=refused)
    assert caught.value.path == "c"


def test_a_plain_body_is_not_walked(monkeypatch):
    walked = []
    monkeypatch.setattr(jsonguard, "check", lambda *a, **k: walked.append(a))
    jsonguard.loads(b'{"answer": {"q1": "caf\xc3\xa9 \\u00e9", "n": [1, 2.5]}}')
    assert walked == []
    jsonguard.loads(b'{"answer": "\\ud800"}')
    assert len(walked) == 1


# --- broken JSON, said in the reader's language ------------------------------------------

BROKEN = {
    "": "Expecting value",
    '{"a" 1}': "Expecting ':' delimiter",
    "[1 2]": "Expecting ',' delimiter",
    "{a: 1}": "Expecting property name enclosed in double quotes",
    "[1] x": "Extra data",
    '"abc': "Unterminated string starting at",
    '"a\tb"': "Invalid control character at",
    '"\\q"': "Invalid \\escape",
    '"\\u12"': "Invalid \\uXXXX escape",
}


def _decode_error(text: str) -> json.JSONDecodeError:
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(text)
    return caught.value


def test_every_syntax_error_python_gives_has_our_words():
    # The keys are Python's own messages: a Python that words them differently fails here.
    assert set(BROKEN.values()) == set(jsonguard._SYNTAX_ERRORS)
    for text, python_says in BROKEN.items():
        exc = _decode_error(text)
        assert exc.msg == python_says
        assert jsonguard.syntax_error_text(exc) != python_says
        assert jsonguard.syntax_error_msgid(exc) == jsonguard._SYNTAX_ERRORS[python_says]


def test_syntax_errors_read_in_chinese():
    from tests.i18n import compile_catalogs

    compile_catalogs()
    exc = _decode_error("[1 2]")
    with translation.override("zh-hans"):
        assert jsonguard.syntax_error_text(exc) == "此处应为逗号（,）"  # noqa: RUF001
    with translation.override("zh-hant"):
        assert jsonguard.syntax_error_text(exc) == "此處應為逗號（,）"  # noqa: RUF001
    assert jsonguard.syntax_error_text(exc) == "a comma (,) was expected"

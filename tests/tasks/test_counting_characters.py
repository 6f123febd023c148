# ruff: noqa: RUF001 - Chinese text with its full-width punctuation, on purpose
"""Text questions whose limits are stated in characters (``"count": "characters"``): Chinese
text has no spaces, so a word count means little (docs/templates.md)."""

from __future__ import annotations

from typing import Any

import pytest

from tasks.answer_validation import count_characters, validate_answer
from tasks.template_definition import validate_definition
from tests.e2e.workspace_fixtures import definition_with, setup_workspace
from tests.i18n import back_to_english, compile_catalogs  # noqa: F401 (an autouse fixture)


def text(**keys: Any) -> dict[str, Any]:
    return {"id": "why", "type": "text", "prompt": "请说明理由", **keys}


def problems(question: dict[str, Any], value: str) -> list[str]:
    result = validate_answer(definition_with(question), {"why": value}, task_data={})
    return result.errors.get("why", [])


# --- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("我哋去飲茶 lunch。", 11),
        ("  第一段。\n\n第二段！  ", 8),
        ("", 0),
        ("\t \n", 0),
        ("𠮩𠵱", 2),  # extension-plane Cantonese characters: one each, not two UTF-16 units
        ("，。！？", 4),
    ],
)
def test_count_characters_counts_everything_but_whitespace(value, expected):
    assert count_characters(value) == expected


# --- the template option ----------------------------------------------------------------------


def test_count_characters_is_a_valid_option():
    assert validate_definition(definition_with(text(count="characters", min_chars=5))) == {}
    assert validate_definition(definition_with(text(count="words", min_words=5))) == {}


@pytest.mark.parametrize("value", ["chars", "", 1, None, ["characters"]])
def test_count_must_be_words_or_characters(value):
    errors = validate_definition(definition_with(text(count=value)))

    assert errors == {"questions[0].count": ['Must be "words" or "characters".']}


@pytest.mark.parametrize("key", ["min_words", "max_words"])
def test_word_limits_are_refused_with_characters(key):
    errors = validate_definition(definition_with(text(count="characters", **{key: 10})))

    assert list(errors) == [f"questions[0].{key}"]


# --- answers ----------------------------------------------------------------------------------


def test_line_breaks_and_spaces_do_not_reach_a_character_minimum():
    question = text(count="characters", min_chars=6)

    assert problems(question, "好 好 好\n\n好 好") == ["Too short: 5 characters; at least 6."]
    assert problems(question, "好好好，好好。") == []


def test_a_character_maximum_counts_punctuation():
    question = text(count="characters", max_chars=4)

    assert problems(question, "好，好。") == []
    assert problems(question, "好，好。！") == ["Too long: 5 characters; at most 4."]


def test_without_count_characters_keep_their_old_meaning():
    # spaces inside the text count, as before the option existed
    assert problems(text(min_chars=6), "好 好 好") == ["Too short: 5 characters; at least 6."]


@pytest.mark.django_db
def test_the_refusal_is_in_the_trainers_language(settings):
    from django.utils import translation

    compile_catalogs()
    question = text(count="characters", min_chars=10)

    with translation.override("zh-hans"):
        assert problems(question, "太短") == ["太短了：现有 2 字，至少需要 10 字。"]
    with translation.override("zh-hant"):
        assert problems(question, "太短") == ["太短了：現有 2 字，至少需要 10 字。"]


@pytest.mark.django_db
def test_the_workspace_counter_says_characters(client, cast):
    # given
    work = setup_workspace(
        cast, definition_with(text(count="characters", min_chars=50, max_chars=500)), [{}]
    )
    client.force_login(cast.trainer)

    # when
    html = client.get(work.work_url()).content.decode()

    # then
    assert 'data-min-chars="50" data-max-chars="500" data-count="characters"' in html
    assert "Characters: at least 50, at most 500." in html

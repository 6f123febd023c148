"""The one answer validator: every question type, valid and each way of being invalid."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from tasks.answer_validation import (
    AnswerCheck,
    count_words,
    parse_identifier,
    validate_answer,
    validate_gold_answer,
)
from tasks.template_definition import validate_definition

REQUIRED = ["This question is required."]
OPTIONS = [
    {"value": "ok", "label": "OK"},
    {"value": "blurry", "label": "Blurry"},
    {"value": "garbled", "label": "Garbled text"},
]
TEXT = "今日天氣好好\uff0c我哋去飲茶。"  # 13 characters; \uff0c is a full-width comma


def make(*qs: dict[str, Any]) -> dict[str, Any]:
    definition = {
        "schema_version": 1,
        "display": [
            {"type": "text", "field": "body"},
            {"type": "audio", "field": "audio", "id": "clip"},
        ],
        "questions": list(qs),
    }
    assert validate_definition(definition) == {}  # the validator assumes a valid definition
    return definition


def check(question: dict[str, Any], value: Any, **kwargs: Any) -> AnswerCheck:
    """Validate a one-question answer."""
    kwargs.setdefault("task_data", {"body": TEXT, "audio": "a.wav"})
    return validate_answer(make(question), {question["id"]: value}, **kwargs)


def errors_of(question: dict[str, Any], value: Any, **kwargs: Any) -> list[str]:
    return check(question, value, **kwargs).errors.get(question["id"], [])


SINGLE = {"id": "verdict", "type": "single_choice", "prompt": "Verdict", "options": OPTIONS}
MULTI = {"id": "flaws", "type": "multi_choice", "prompt": "Flaws", "options": OPTIONS, "max": 2}
RATING = {"id": "score", "type": "rating", "prompt": "Score", "scale": {"min": 1, "max": 5}}
PAIRWISE = {
    "id": "pref",
    "type": "pairwise",
    "prompt": "Which is better?",
    "strength": {"min": -3, "max": 3},
}
RANKING = {
    "id": "order",
    "type": "ranking",
    "prompt": "Rank",
    "items": [{"value": v, "label": v.upper()} for v in ("a", "b", "c")],
}
TEXT_Q = {
    "id": "reason",
    "type": "text",
    "prompt": "Why?",
    "min_chars": 5,
    "max_chars": 200,
    "min_words": 3,
    "max_words": 30,
}
TEXT_SPANS = {
    "id": "marks",
    "type": "spans",
    "prompt": "Mark problems",
    "target": {"kind": "text", "field": "body"},
    "tags": ["nasal deviation", "swallowed syllable"],
    "max": 3,
}
AUDIO_SPANS = {**TEXT_SPANS, "target": {"kind": "audio", "block": "clip"}}
CITATIONS = {"id": "refs", "type": "citations", "prompt": "Sources", "min": 2, "max": 5}
RUBRIC = {
    "id": "rubric",
    "type": "rubric_items",
    "prompt": "Rubric",
    "min": 2,
    "citations_question": "refs",
}


# ---- the answer as a whole -----------------------------------------------------------------


@pytest.mark.parametrize("answer", [[], "B", None, 3])
def test_the_answer_must_be_a_json_object(answer):
    result = validate_answer(make(SINGLE), answer, task_data={})
    assert result.errors == {"": ["The answer must be a JSON object."]}
    assert not result.ok


def test_unknown_question_ids_are_errors_keyed_by_the_id():
    result = validate_answer(make(SINGLE), {"verdict": "ok", "verdcit": "ok"}, task_data={})
    assert result.errors == {"verdcit": ["Unknown question."]}
    assert result.cleaned == {"verdict": "ok"}


def test_a_flood_of_unknown_ids_gives_a_bounded_report():
    answer = {f"junk_{i}": 1 for i in range(1000)}
    result = validate_answer(make({**SINGLE, "required": False}), answer, task_data={})
    assert len(result.errors) == 21
    assert result.errors[""] == ["980 more unknown question ids."]


@pytest.mark.parametrize("value", [None, "", "   ", [], {}])
def test_a_required_question_left_empty_is_reported(value):
    assert errors_of(SINGLE, value) == REQUIRED


def test_a_required_question_left_out_is_reported():
    assert validate_answer(make(SINGLE), {}, task_data={}).errors == {"verdict": REQUIRED}


def test_an_optional_question_left_empty_is_dropped_from_cleaned():
    result = check({**TEXT_Q, "required": False}, "  ")
    assert result.ok and result.cleaned == {}


def test_answer_check_is_frozen():
    result = check(SINGLE, "ok")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.cleaned = {}  # type: ignore[misc]


# ---- single_choice -------------------------------------------------------------------------


def test_single_choice_accepts_an_option():
    assert check(SINGLE, "blurry").cleaned == {"verdict": "blurry"}


@pytest.mark.parametrize("value", ["D", "OK", 1, True, ["ok"], {"value": "ok"}])
def test_single_choice_refuses_anything_outside_the_options(value):
    problems = errors_of(SINGLE, value)
    assert len(problems) == 1 and "is not one of the options" in problems[0]


# ---- multi_choice --------------------------------------------------------------------------


def test_multi_choice_is_cleaned_into_option_order():
    assert check(MULTI, ["garbled", "ok"]).cleaned == {"flaws": ["ok", "garbled"]}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (["ok", "nope"], '"nope" is not one of the options.'),
        (["ok", "ok"], '"ok" is chosen more than once.'),
        (["ok", "blurry", "garbled"], "Give at most 2 options (3 given)."),
        ("ok", "Expected a list of option values."),
        ([1], "1 is not one of the options."),
    ],
)
def test_multi_choice_refuses_bad_selections(value, problem):
    assert problem in errors_of(MULTI, value)


def test_multi_choice_minimum_is_enforced():
    question = {**MULTI, "min": 2}
    assert errors_of(question, ["ok"]) == ["Give at least 2 options (1 given)."]


# ---- rating --------------------------------------------------------------------------------


def test_rating_accepts_a_whole_number_in_range():
    assert check(RATING, 5).cleaned == {"score": 5}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (6, "6 is outside the scale 1 to 5."),
        (0, "0 is outside the scale 1 to 5."),
        (True, "Choose a whole number from 1 to 5."),  # bool is not int
        (3.0, "Choose a whole number from 1 to 5."),
        ("3", "Choose a whole number from 1 to 5."),
    ],
)
def test_rating_refuses_values_off_the_scale(value, problem):
    assert errors_of(RATING, value) == [problem]


@pytest.mark.parametrize(
    "telemetry",
    [
        None,
        {},
        {"audio": {}},
        {"audio": {"clip": {"completed": False}}},
        {"audio": {"clip": {"completed": "true"}}},
        {"audio": {"other": {"completed": True}}},
        {"audio": ["clip"]},
    ],
)
def test_rating_with_full_playback_needs_the_clip_played_to_the_end(telemetry):
    question = {**RATING, "require_full_playback": "clip"}
    problems = errors_of(question, 4, telemetry=telemetry)
    assert problems == ["Play the clip to the end before rating."]
    played = {"audio": {"clip": {"completed": True, "seconds": 4.7}}}
    assert check(question, 4, telemetry=played).cleaned == {"score": 4}


# ---- pairwise ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        {"choice": "A", "strength": -3},
        {"choice": "B", "strength": 1},
        {"choice": "tie", "strength": 0},
    ],
)
def test_pairwise_accepts_a_consistent_choice_and_strength(value):
    assert check(PAIRWISE, value).cleaned == {"pref": value}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"choice": "A", "strength": 2}, "strength 2 contradicts choice A: A better is negative."),
        ({"choice": "A", "strength": 0}, "strength 0 contradicts choice A: A better is negative."),
        (
            {"choice": "B", "strength": -1},
            "strength -1 contradicts choice B: B better is positive.",
        ),
        ({"choice": "tie", "strength": 1}, "strength 1 contradicts a tie: a tie is 0."),
        ({"choice": "A"}, "strength is required: a whole number from -3 to 3."),
        ({"choice": "A", "strength": -4}, "strength must be a whole number from -3 to 3."),
        ({"choice": "A", "strength": True}, "strength must be a whole number from -3 to 3."),
        ({"choice": "C", "strength": 1}, 'choice must be "A", "B" or "tie", not "C".'),
        ({"strength": 1}, 'choice is required: "A", "B" or "tie".'),
        ("A", 'Expected an object like {"choice": "A"}.'),
    ],
)
def test_pairwise_refuses_inconsistent_or_malformed_answers(value, problem):
    assert problem in errors_of(PAIRWISE, value)


def test_pairwise_refuses_a_tie_when_ties_are_not_allowed():
    question = {"id": "pref", "type": "pairwise", "prompt": "Which?", "allow_tie": False}
    assert errors_of(question, {"choice": "tie"}) == ["A tie is not allowed here; choose A or B."]
    assert check(question, {"choice": "B"}).cleaned == {"pref": {"choice": "B"}}


def test_pairwise_without_strength_refuses_one():
    question = {"id": "pref", "type": "pairwise", "prompt": "Which?"}
    assert errors_of(question, {"choice": "A", "strength": -1}) == [
        "This question does not ask for a strength."
    ]
    assert "Unknown key" in errors_of(question, {"choice": "A", "why": "x"})[0]


# ---- ranking -------------------------------------------------------------------------------


def test_ranking_accepts_a_permutation_and_cleans_into_item_order():
    assert check(RANKING, {"c": 1, "a": 3, "b": 2}).cleaned == {"order": {"a": 3, "b": 2, "c": 1}}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"a": 1, "b": 2}, 'Missing a rank for "c".'),
        ({"a": 1, "b": 2, "c": 3, "d": 4}, 'Unknown item "d".'),
        ({"a": 1, "b": 1, "c": 3}, "Ties are not allowed: use each rank from 1 to 3 exactly once."),
        ({"a": 1, "b": 2, "c": 4}, 'Rank of "c" must be a whole number from 1 to 3.'),
        ({"a": True, "b": 2, "c": 3}, 'Rank of "a" must be a whole number from 1 to 3.'),
        (["a", "b", "c"], 'Expected an object mapping each item to its rank, like {"x": 1}.'),
    ],
)
def test_ranking_refuses_incomplete_or_invalid_ranks(value, problem):
    assert problem in errors_of(RANKING, value)


def test_ranking_with_ties_allowed_accepts_shared_ranks():
    assert check({**RANKING, "allow_ties": True}, {"a": 1, "b": 1, "c": 3}).ok


# ---- text ----------------------------------------------------------------------------------


def test_text_is_stripped_and_accepted():
    assert check(TEXT_Q, "  It is clearly better.  ").cleaned == {"reason": "It is clearly better."}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("Good", "Too short: 4 characters; at least 5."),
        ("Fine answer", "Too few words: 2; at least 3."),
        ("word " * 31, "Too many words: 31; at most 30."),
        ("x" * 201, "Too long: 201 characters; at most 200."),
        (42, "Expected text."),
    ],
)
def test_text_limits_are_enforced(value, problem):
    assert problem in errors_of(TEXT_Q, value)


def test_text_exactly_at_its_limits_is_accepted():
    assert check(TEXT_Q, "a b c").ok  # 5 characters, 3 words
    assert check({**TEXT_Q, "min_words": 0, "max_words": 30}, "word " * 30).ok


def test_cjk_characters_each_count_as_a_word():
    question = {"id": "reason", "type": "text", "prompt": "Why?", "min_words": 5}
    assert check(question, "飲茶好").errors == {"reason": ["Too few words: 3; at least 5."]}
    assert check(question, "我哋去飲茶").ok


def test_single_line_text_refuses_newlines():
    question = {**TEXT_Q, "multiline": False}
    assert "Must be a single line." in errors_of(question, "one two\nthree")


def test_text_larger_than_the_cap_is_refused_without_counting():
    question = {"id": "essay", "type": "text", "prompt": "Essay"}
    assert errors_of(question, "x" * 100_001) == ["Too long: at most 100000 characters."]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("one two  three\nfour", 4),
        ("今日天氣好好", 6),
        ("iPhone手機 好用", 5),
        ("我哋 — 去\uff0c飲茶。", 5),  # punctuation alone is not a word
        ("𠝹開個橙", 4),  # a Cantonese character outside the basic CJK block
        ("don't stop-gap e.g.", 3),
    ],
)
def test_count_words(text, words):
    assert count_words(text) == words


# ---- spans ---------------------------------------------------------------------------------


def test_text_spans_are_accepted_and_cleaned():
    value = [
        {"start": 0, "end": 2, "tag": "nasal deviation"},
        {"start": 2, "end": 13, "tag": "swallowed syllable", "comment": " 飲茶 "},
    ]
    assert check(TEXT_SPANS, value).cleaned == {
        "marks": [
            {"start": 0, "end": 2, "tag": "nasal deviation", "comment": ""},
            {"start": 2, "end": 13, "tag": "swallowed syllable", "comment": "飲茶"},
        ]
    }


@pytest.mark.parametrize(
    ("span", "problem"),
    [
        (
            {"start": 10, "end": 14, "tag": "nasal deviation"},
            "item 1: end 14 is past the end of the text (13 characters).",
        ),
        ({"start": 5, "end": 5, "tag": "nasal deviation"}, "item 1: end must be after start."),
        ({"start": -1, "end": 3, "tag": "nasal deviation"}, "item 1: start must not be negative."),
        (
            {"start": 0.5, "end": 3, "tag": "nasal deviation"},
            "item 1: start must be a whole number (a character offset).",
        ),
        (
            {"start": True, "end": 3, "tag": "nasal deviation"},
            "item 1: start must be a whole number (a character offset).",
        ),
        (
            {"start": 0, "end": 3, "tag": "robotic"},
            'item 1: unknown tag "robotic" (use one of: nasal deviation, swallowed syllable).',
        ),
        ({"start": 0, "end": 3}, "item 1: tag is required."),
        (
            {"start": 0, "end": 3, "tag": "nasal deviation", "note": "x"},
            'item 1: unknown key "note" (allowed: start, end, tag, comment).',
        ),
        (
            {"start": 0, "end": 3, "tag": "nasal deviation", "comment": 5},
            "item 1: comment must be text.",
        ),
        ("0-3", "item 1: expected an object with start, end and tag."),
    ],
)
def test_text_spans_refuse_bad_items(span, problem):
    assert errors_of(TEXT_SPANS, [span]) == [problem]


def test_spans_refuse_duplicates_and_too_many():
    span = {"start": 0, "end": 2, "tag": "nasal deviation"}
    assert errors_of(TEXT_SPANS, [span, dict(span)]) == ["item 2: duplicates item 1."]
    spans = [{"start": i, "end": i + 1, "tag": "nasal deviation"} for i in range(4)]
    assert errors_of(TEXT_SPANS, spans) == ["Give at most 3 spans (4 given)."]


def test_spans_require_a_comment_when_configured():
    question = {**TEXT_SPANS, "comment_required": True}
    span = {"start": 0, "end": 2, "tag": "nasal deviation", "comment": "  "}
    assert errors_of(question, [span]) == ["item 1: comment is required."]


def test_text_spans_report_a_task_without_the_target_text():
    problems = errors_of(
        TEXT_SPANS, [{"start": 0, "end": 1, "tag": "nasal deviation"}], task_data={}
    )
    assert problems == ['The task has no text in "body" to mark.']


def test_audio_spans_take_seconds():
    value = [
        {"start": 1.25, "end": 1.5, "tag": "swallowed syllable"},
        {"start": 3, "end": 4, "tag": "nasal deviation"},
    ]
    assert check(AUDIO_SPANS, value).ok


@pytest.mark.parametrize(
    ("span", "problem"),
    [
        (
            {"start": 0, "end": 86_401, "tag": "nasal deviation"},
            "item 1: end 86401 is past the end of 86400 seconds.",
        ),
        (
            {"start": "1.0", "end": 2, "tag": "nasal deviation"},
            "item 1: start must be a number of seconds.",
        ),
        (
            {"start": float("nan"), "end": 2, "tag": "nasal deviation"},
            "item 1: start must be a number of seconds.",
        ),
        ({"start": 2.5, "end": 2.0, "tag": "nasal deviation"}, "item 1: end must be after start."),
    ],
)
def test_audio_spans_refuse_bad_times(span, problem):
    assert errors_of(AUDIO_SPANS, [span]) == [problem]


def test_lists_longer_than_the_cap_are_refused_before_item_checks():
    question = {**AUDIO_SPANS, "max": 500}
    spans = [{"start": 0, "end": 1, "tag": "x"}] * 501
    assert errors_of(question, spans) == ["Too many spans: at most 500."]


# ---- citations -----------------------------------------------------------------------------


def citation(identifier: str, **overrides: str) -> dict[str, str]:
    return {
        "identifier": identifier,
        "title": "A paper",
        "why": "It measured the effect.",
        "support": "It supports the second claim.",
        **overrides,
    }


@pytest.mark.parametrize(
    ("identifier", "kind"),
    [
        ("https://www.nist.gov/itl/ai-risk-management-framework", "url"),
        ("http://example.edu/paper.pdf", "url"),
        ("10.1126/science.aal4230", "doi"),
        ("doi:10.1145/3442188.3445922", "doi"),
        ("DOI: 10.6028/NIST.SP.1270", "doi"),
        ("https://doi.org/10.18653/v1/2020.acl-main.485", "doi"),
        ("2101.00001", "arxiv"),
        ("arXiv:2101.00001v2", "arxiv"),
        ("hep-th/9901001", "arxiv"),
        ("math.GT/0309136", "arxiv"),
        ("978-1-4798-3724-3", "isbn"),
        ("ISBN 0-306-40615-2", "isbn"),
        ("080442957X", "isbn"),
    ],
)
def test_identifier_shapes_are_recognised(identifier, kind):
    parsed = parse_identifier(identifier)
    assert parsed is not None and parsed.kind == kind


@pytest.mark.parametrize(
    "identifier",
    [
        "Smith 2019",
        "www.example.edu/paper",
        "ftp://example.edu/paper",
        "https://localhost/paper",
        "https://exa mple.edu/x",
        "10.12/abc",
        "doi:11.1000/xyz",
        "2113.00001",
        "978-1-4798",
        "javascript:alert(1)",
    ],
)
def test_malformed_identifiers_are_not_recognised(identifier):
    assert parse_identifier(identifier) is None


def test_identifier_spellings_of_the_same_source_share_a_canonical_form():
    doi = parse_identifier("10.1145/3442188.3445922")
    assert doi == parse_identifier("https://doi.org/10.1145/3442188.3445922")
    assert doi == parse_identifier("doi:10.1145/3442188.3445922")
    assert parse_identifier("arXiv:2101.00001v2").canonical == "arxiv:2101.00001"
    assert parse_identifier("https://arxiv.org/abs/2101.00001").canonical == "arxiv:2101.00001"


def test_citations_are_accepted_and_stripped():
    value = [citation(" 10.1126/science.aal4230 "), citation("arXiv:2203.02155")]
    assert check(CITATIONS, value).cleaned["refs"][0]["identifier"] == "10.1126/science.aal4230"


@pytest.mark.parametrize(
    ("second", "problem"),
    [
        (citation("doi:10.1126/SCIENCE.aal4230"), "item 2: identifier duplicates item 1."),
        (
            citation("Smith et al. 2019"),
            'item 2: identifier "Smith et al. 2019" is not a URL, DOI, ISBN or arXiv id.',
        ),
        (citation("arXiv:2203.02155", why=" "), "item 2: why is required."),
        (
            {k: v for k, v in citation("arXiv:2203.02155").items() if k != "title"},
            "item 2: title is required.",
        ),
        (citation("arXiv:2203.02155", support=["x"]), "item 2: support must be text."),
        (
            citation("arXiv:2203.02155", title="x" * 100_001),
            "item 2: title is too long (at most 100000 characters).",
        ),
    ],
)
def test_citations_refuse_duplicates_malformed_ids_and_missing_fields(second, problem):
    assert errors_of(CITATIONS, [citation("10.1126/science.aal4230"), second]) == [problem]


def test_citations_count_is_enforced():
    assert errors_of(CITATIONS, [citation("10.1126/science.aal4230")]) == [
        "Give at least 2 citations (1 given)."
    ]


# ---- rubric_items --------------------------------------------------------------------------

SOURCES = [citation("10.1126/science.aal4230"), citation("arXiv:2203.02155")]


def rubric_item(cite: str = "10.1126/science.aal4230", **overrides: Any) -> dict[str, Any]:
    return {
        "criterion": "Traces bias to the training data.",
        "points": 5,
        "citation": cite,
        "rationale": "Corpus statistics reproduce human biases.",
        **overrides,
    }


def rubric_check(items: list[Any], sources: list[Any] | None = None) -> AnswerCheck:
    answer = {"refs": SOURCES if sources is None else sources, "rubric": items}
    return validate_answer(make(CITATIONS, RUBRIC), answer, task_data={})


def test_rubric_items_citing_the_sources_are_accepted():
    items = [rubric_item(), rubric_item("https://arxiv.org/abs/2203.02155", points=-2.5)]
    result = rubric_check(items)
    assert result.errors == {}
    assert result.cleaned["rubric"][1]["points"] == -2.5


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        (
            rubric_item(points=0),
            "item 2: points must be a non-zero number from -100 to 100 (negative for a pitfall).",
        ),
        (
            rubric_item(points=101),
            "item 2: points must be a non-zero number from -100 to 100 (negative for a pitfall).",
        ),
        (
            rubric_item(points=True),
            "item 2: points must be a non-zero number from -100 to 100 (negative for a pitfall).",
        ),
        (
            rubric_item(points="5"),
            "item 2: points must be a non-zero number from -100 to 100 (negative for a pitfall).",
        ),
        (rubric_item(criterion=""), "item 2: criterion is required."),
        (rubric_item(rationale=None), "item 2: rationale is required."),
        (rubric_item(""), "item 2: citation is required."),
        (
            rubric_item("10.1000/elsewhere"),
            'item 2: citation "10.1000/elsewhere" is not one of the identifiers given in "refs".',
        ),
    ],
)
def test_rubric_items_refuse_bad_points_missing_fields_and_uncited_sources(item, problem):
    assert rubric_check([rubric_item(), item]).errors == {"rubric": [problem]}


def test_too_few_rubric_items_are_refused():
    assert rubric_check([rubric_item()]).errors == {
        "rubric": ["Give at least 2 rubric items (1 given)."]
    }


def test_rubric_citations_are_not_rechecked_when_the_sources_are_themselves_invalid():
    result = rubric_check([rubric_item(), rubric_item()], sources=[citation("nonsense")])
    assert set(result.errors) == {"refs"}


def test_rubric_without_a_citations_question_takes_free_or_no_citations():
    rubric = {"id": "rubric", "type": "rubric_items", "prompt": "Rubric", "min": 1}
    items = [rubric_item("Smith 2019"), {k: v for k, v in rubric_item().items() if k != "citation"}]
    result = validate_answer(make(rubric), {"rubric": items}, task_data={})
    assert result.errors == {}
    assert [item["citation"] for item in result.cleaned["rubric"]] == ["Smith 2019", ""]


# ---- show_if -------------------------------------------------------------------------------

FOLLOW_UP = {
    "id": "why_bad",
    "type": "text",
    "prompt": "What is wrong?",
    "show_if": {"question": "verdict", "in": ["blurry", "garbled"]},
}


def test_a_hidden_question_is_not_required_and_its_answer_is_dropped():
    definition = make(SINGLE, FOLLOW_UP)
    result = validate_answer(definition, {"verdict": "ok", "why_bad": 42}, task_data={})
    assert result.errors == {}
    assert result.cleaned == {"verdict": "ok"}


def test_a_shown_question_is_required_and_checked():
    definition = make(SINGLE, FOLLOW_UP)
    assert validate_answer(definition, {"verdict": "blurry"}, task_data={}).errors == {
        "why_bad": REQUIRED
    }
    result = validate_answer(
        definition, {"verdict": "blurry", "why_bad": " Out of focus "}, task_data={}
    )
    assert result.cleaned == {"verdict": "blurry", "why_bad": "Out of focus"}


def test_show_if_on_multi_choice_holds_when_the_value_was_chosen():
    follow_up = {**FOLLOW_UP, "show_if": {"question": "flaws", "equals": "garbled"}}
    definition = make({**MULTI, "required": False}, follow_up)
    assert validate_answer(definition, {"flaws": ["garbled"]}, task_data={}).errors == {
        "why_bad": REQUIRED
    }
    assert validate_answer(definition, {"flaws": ["blurry"]}, task_data={}).ok
    assert validate_answer(definition, {}, task_data={}).ok


def test_show_if_on_pairwise_tests_the_choice_and_on_rating_the_score():
    pairwise = {**FOLLOW_UP, "show_if": {"question": "pref", "equals": "B"}}
    definition = make(PAIRWISE, pairwise)
    assert not validate_answer(
        definition, {"pref": {"choice": "B", "strength": 2}}, task_data={}
    ).ok
    assert validate_answer(definition, {"pref": {"choice": "A", "strength": -2}}, task_data={}).ok
    low_score = {**FOLLOW_UP, "show_if": {"question": "score", "in": [1, 2]}}
    definition = make(RATING, low_score)
    assert not validate_answer(definition, {"score": 2}, task_data={}).ok
    assert validate_answer(definition, {"score": 4}, task_data={}).ok


def test_hiding_cascades_down_a_chain_of_conditions():
    middle = {**SINGLE, "id": "middle", "show_if": {"question": "verdict", "equals": "garbled"}}
    last = {**FOLLOW_UP, "show_if": {"question": "middle", "equals": "ok"}}
    definition = make(SINGLE, middle, last)
    answer = {"verdict": "ok", "middle": "ok", "why_bad": "hidden twice"}
    result = validate_answer(definition, answer, task_data={})
    assert result.errors == {} and result.cleaned == {"verdict": "ok"}


def test_an_invalid_answer_does_not_reveal_its_dependants():
    definition = make(SINGLE, FOLLOW_UP)
    result = validate_answer(definition, {"verdict": "maybe"}, task_data={})
    assert set(result.errors) == {"verdict"}


# ---- gold answers ----------------------------------------------------------------------------

PLAYED = {**RATING, "require_full_playback": "clip"}
SHOWN_IF = {**SINGLE, "id": "why_bad", "show_if": {"question": "score", "in": [1, 2]}}


def gold(answer: Any, *qs: dict[str, Any]) -> AnswerCheck:
    definition = make(*(qs or (SINGLE, PLAYED, TEXT_Q, SHOWN_IF)))
    return validate_gold_answer(definition, answer, task_data={"body": TEXT, "audio": "a.wav"})


def test_a_gold_answer_names_only_the_questions_it_scores():
    # the required free-text question is not needed; the clip need not be "played"; a
    # question show_if would hide is scored all the same
    result = gold({"verdict": "ok", "score": 4, "why_bad": "blurry"})
    assert result.ok, result.errors
    assert result.cleaned == {"verdict": "ok", "score": 4, "why_bad": "blurry"}


@pytest.mark.parametrize(
    ("answer", "where", "message"),
    [
        ({"verdict": "ok", "reason": "Because."}, "reason", "text question is not scored"),
        ({"verdict": "ok", "nope": 1}, "nope", "not a question of the template"),
        ({"verdict": "nope"}, "verdict", "not one of the options"),
        ({"score": 9}, "score", ""),
        ({}, "", "at least one question"),
        ([], "", "at least one question"),
    ],
)
def test_a_gold_answer_that_does_not_score_says_where(answer, where, message):
    result = gold(answer)
    assert not result.ok and result.cleaned == {}
    assert where in result.errors
    assert message in " ".join(result.errors[where])


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ({"value": 4, "tolerance": 1}, True),
        ({"value": 4, "tolerance": 0}, True),
        ({"value": 4, "tolerance": 4}, True),
        ({"value": 4, "tolerance": 5}, False),  # more than the scale spans
        ({"value": 4, "tolerance": -1}, False),
        ({"value": 4, "tolerance": True}, False),
        ({"value": 4, "margin": 1}, False),
        ({"tolerance": 1}, False),
        ({"value": 7, "tolerance": 1}, False),  # off the scale
    ],
)
def test_a_gold_rating_may_carry_its_own_tolerance(value, ok):
    result = gold({"score": value})
    assert result.ok is ok, result.errors
    if ok:
        assert result.cleaned == {"score": value}

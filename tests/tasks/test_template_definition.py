"""Template definitions and task data: what a question-setter may write, reported by path."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tasks.answer_validation import validate_answer
from tasks.gallery import GALLERY_DIR, GALLERY_KEYS, gallery_template, gallery_templates
from tasks.template_definition import (
    MISSING,
    SCHEMA_VERSION,
    audio_blocks,
    data_fields,
    field_value,
    is_required,
    list_bounds,
    pairwise_labels,
    question_map,
    questions,
    validate_definition,
    validate_task_data,
)

OPTIONS = [{"value": "ok", "label": "OK"}, {"value": "bad", "label": "Bad"}]


def make(*qs: dict[str, Any], display: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "display": display if display is not None else [{"type": "text", "field": "body"}],
        "questions": list(qs),
    }


def choice(qid: str = "verdict", **extra: Any) -> dict[str, Any]:
    return {"id": qid, "type": "single_choice", "prompt": "Verdict?", "options": OPTIONS, **extra}


def rating(qid: str = "score", **extra: Any) -> dict[str, Any]:
    return {"id": qid, "type": "rating", "prompt": "Score?", "scale": {"min": 1, "max": 5}, **extra}


AUDIO = {"type": "audio", "field": "audio_url", "id": "clip"}


# ---- the definition as a whole -------------------------------------------------------------


def test_a_minimal_definition_is_valid():
    assert validate_definition(make(choice())) == {}


def test_a_definition_that_is_not_an_object_is_refused():
    assert validate_definition([]) == {"": ["A template definition must be a JSON object."]}


@pytest.mark.parametrize("version", [2, "1", True, None])
def test_only_schema_version_1_is_accepted(version):
    definition = make(choice())
    definition["schema_version"] = version
    assert "schema_version" in validate_definition(definition)


def test_schema_version_is_required():
    definition = make(choice())
    del definition["schema_version"]
    assert "schema_version" in validate_definition(definition)


def test_unknown_top_level_key_is_refused_with_a_suggestion():
    definition = make(choice())
    definition["instruction"] = "typo"
    errors = validate_definition(definition)
    assert list(errors) == ["instruction"]
    assert 'Did you mean "instructions"?' in errors["instruction"][0]


def test_a_template_needs_at_least_one_question():
    assert validate_definition(make()) == {"questions": ["A template needs at least one question."]}


def test_title_and_instructions_must_be_strings():
    definition = make(choice(), display=[])
    definition.update(title=3, instructions=["x"])
    assert set(validate_definition(definition)) == {"title", "instructions"}


def test_every_error_is_reported_at_once_with_its_path():
    definition = make(
        choice(options=[{"value": "only", "label": "One"}]),
        rating(scale={"min": 1, "max": 20}),
        {"id": "Bad Id", "type": "text", "prompt": ""},
        display=[{"type": "text", "field": "not a path"}],
    )
    errors = validate_definition(definition)
    assert set(errors) == {
        "display[0].field",
        "questions[0].options",
        "questions[1].scale.max",
        "questions[2].id",
        "questions[2].prompt",
    }


# ---- display blocks ------------------------------------------------------------------------


def test_every_block_type_is_accepted():
    display = [
        {"type": "text", "field": "title", "label": "Title"},
        {"type": "markdown", "field": "meta.system"},
        {"type": "conversation", "field": "messages"},
        {
            "type": "responses",
            "fields": ["a", "b", "c"],
            "labels": ["A", "B", "C"],
            "markdown": True,
        },
        {"type": "audio", "field": "audio_url"},
        {"type": "image", "field": "image"},
        {"type": "link", "field": "source"},
    ]
    assert validate_definition(make(choice(), display=display)) == {}


def test_unknown_block_type_is_refused():
    errors = validate_definition(make(choice(), display=[{"type": "video", "field": "v"}]))
    assert list(errors) == ["display[0].type"]


def test_unknown_block_key_is_refused_at_its_path():
    errors = validate_definition(make(choice(), display=[{"type": "text", "feild": "body"}]))
    assert set(errors) == {"display[0].feild", "display[0].field"}
    assert 'Did you mean "field"?' in errors["display[0].feild"][0]


@pytest.mark.parametrize(
    "block",
    [
        {"type": "responses", "fields": ["only"]},
        {"type": "responses", "fields": ["a", "b", "c", "d", "e", "f", "g"]},
        {"type": "responses", "fields": "a,b"},
    ],
)
def test_responses_need_two_to_six_fields(block):
    assert list(validate_definition(make(choice(), display=[block]))) == ["display[0].fields"]


def test_response_labels_must_match_the_fields():
    block = {"type": "responses", "fields": ["a", "b"], "labels": ["A"]}
    assert list(validate_definition(make(choice(), display=[block]))) == ["display[0].labels"]


def test_response_fields_must_be_distinct():
    block = {"type": "responses", "fields": ["a", "a"]}
    assert list(validate_definition(make(choice(), display=[block]))) == ["display[0].fields"]


def test_audio_block_ids_must_be_unique():
    display = [AUDIO, {"type": "audio", "field": "other", "id": "clip"}]
    assert list(validate_definition(make(choice(), display=display))) == ["display[1].id"]


def test_audio_block_id_defaults_to_its_field_for_uniqueness():
    display = [{"type": "audio", "field": "clip"}, AUDIO]
    assert list(validate_definition(make(choice(), display=display))) == ["display[1].id"]


# ---- questions: common keys ----------------------------------------------------------------


def test_duplicate_question_ids_are_refused():
    errors = validate_definition(make(choice("a"), choice("a")))
    assert list(errors) == ["questions[1].id"]
    assert "questions[0]" in errors["questions[1].id"][0]


@pytest.mark.parametrize("qid", ["Verdict", "1st", "with-dash", "", "a" * 65, "ok\n"])
def test_question_ids_must_be_lowercase_identifiers(qid):
    assert list(validate_definition(make(choice(qid)))) == ["questions[0].id"]


def test_unknown_question_key_is_refused_so_typos_are_not_silent():
    errors = validate_definition(make(choice(requried=False)))
    assert list(errors) == ["questions[0].requried"]
    assert 'Did you mean "required"?' in errors["questions[0].requried"][0]


def test_a_key_of_another_question_type_is_refused():
    errors = validate_definition(make(choice(min=1)))
    assert list(errors) == ["questions[0].min"]


def test_unknown_question_type_is_refused():
    errors = validate_definition(make({"id": "q", "type": "essay", "prompt": "Write"}))
    assert list(errors) == ["questions[0].type"]


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"prompt": "  "}, "questions[0].prompt"),
        ({"help": 3}, "questions[0].help"),
        ({"required": "yes"}, "questions[0].required"),
    ],
)
def test_common_question_keys_are_typed(changes, path):
    assert list(validate_definition(make(choice(**changes)))) == [path]


# ---- questions: type configuration ---------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "path"),
    [
        ([{"value": "a", "label": "A"}], "questions[0].options"),
        (
            [{"value": "a", "label": "A"}, {"value": "a", "label": "B"}],
            "questions[0].options[1].value",
        ),
        (
            [{"value": "a", "label": "A"}, {"value": "", "label": "B"}],
            "questions[0].options[1].value",
        ),
        ([{"value": "a", "label": "A"}, {"value": "b"}], "questions[0].options[1].label"),
        (
            [{"value": "a", "label": "A"}, {"value": "b", "label": "B", "x": 1}],
            "questions[0].options[1].x",
        ),
        ([{"value": "a", "label": "A"}, "b"], "questions[0].options[1]"),
    ],
)
def test_single_choice_options_are_checked(options, path):
    assert list(validate_definition(make(choice(options=options)))) == [path]


def test_multi_choice_bounds_default_from_required_and_options():
    question = {"id": "tags", "type": "multi_choice", "prompt": "Tags", "options": OPTIONS}
    assert validate_definition(make(question)) == {}
    assert list_bounds(question) == (1, 2)
    assert list_bounds({**question, "required": False}) == (0, 2)


@pytest.mark.parametrize(
    ("bounds", "path"),
    [
        ({"min": 2, "max": 1}, "questions[0].min"),
        ({"max": 3}, "questions[0].max"),
        ({"min": 0}, "questions[0].min"),  # required, so an empty answer would count as missing
        ({"min": True}, "questions[0].min"),
        ({"max": 0, "required": False}, "questions[0].max"),
    ],
)
def test_multi_choice_bounds_are_checked(bounds, path):
    question = {"id": "tags", "type": "multi_choice", "prompt": "Tags", "options": OPTIONS}
    assert list(validate_definition(make({**question, **bounds}))) == [path]


@pytest.mark.parametrize(
    ("scale", "path"),
    [
        ({"min": 5, "max": 5}, "questions[0].scale.max"),
        ({"min": 0, "max": 11}, "questions[0].scale.max"),  # 12 points
        ({"min": True, "max": 5}, "questions[0].scale.min"),
        ({"min": 1}, "questions[0].scale.max"),
        ({"min": 1, "max": 5, "labels": {"7": "Great"}}, "questions[0].scale.labels.7"),
        ({"min": 1, "max": 5, "labels": {"one": "Bad"}}, "questions[0].scale.labels.one"),
        ({"min": 1, "max": 5, "labels": {"1": ""}}, "questions[0].scale.labels.1"),
        ({"min": 1, "max": 5, "step": 1}, "questions[0].scale.step"),
    ],
)
def test_rating_scale_is_checked(scale, path):
    assert list(validate_definition(make(rating(scale=scale)))) == [path]


def test_rating_allows_eleven_points_and_negative_scales():
    assert validate_definition(make(rating(scale={"min": 0, "max": 10}))) == {}
    assert validate_definition(make(rating(scale={"min": -2, "max": 2}))) == {}


def test_rating_full_playback_must_name_an_audio_block():
    assert validate_definition(make(rating(require_full_playback="clip"), display=[AUDIO])) == {}
    errors = validate_definition(make(rating(require_full_playback="video"), display=[AUDIO]))
    assert list(errors) == ["questions[0].require_full_playback"]


@pytest.mark.parametrize(
    ("config", "path"),
    [
        ({"labels": ["Left"]}, "questions[0].labels"),
        ({"allow_tie": "no"}, "questions[0].allow_tie"),
        ({"strength": {"min": 0, "max": 3}}, "questions[0].strength.min"),
        ({"strength": {"min": -3, "max": -1}}, "questions[0].strength.max"),
        ({"strength": {"min": -3, "max": 3, "step": 1}}, "questions[0].strength.step"),
    ],
)
def test_pairwise_config_is_checked(config, path):
    question = {"id": "pref", "type": "pairwise", "prompt": "Which?", **config}
    assert list(validate_definition(make(question))) == [path]


def test_pairwise_labels_default_to_a_and_b():
    question = {"id": "pref", "type": "pairwise", "prompt": "Which?"}
    assert validate_definition(make(question)) == {}
    assert pairwise_labels(question) == ("A", "B")


def test_ranking_needs_two_items():
    question = {"id": "rank", "type": "ranking", "prompt": "Rank", "items": OPTIONS[:1]}
    assert list(validate_definition(make(question))) == ["questions[0].items"]


@pytest.mark.parametrize(
    ("config", "path"),
    [
        ({"min_chars": 10, "max_chars": 5}, "questions[0].min_chars"),
        ({"min_words": -1}, "questions[0].min_words"),
        ({"max_chars": 200_000}, "questions[0].max_chars"),
        ({"multiline": 1}, "questions[0].multiline"),
    ],
)
def test_text_limits_are_checked(config, path):
    question = {"id": "why", "type": "text", "prompt": "Why?", **config}
    assert list(validate_definition(make(question))) == [path]


def spans(**config: Any) -> dict[str, Any]:
    return {
        "id": "marks",
        "type": "spans",
        "prompt": "Mark problems",
        "target": {"kind": "audio", "block": "clip"},
        "tags": ["nasal deviation", "swallowed syllable"],
        **config,
    }


def test_spans_over_audio_and_text_are_valid():
    assert validate_definition(make(spans(), display=[AUDIO])) == {}
    text_target = spans(target={"kind": "text", "field": "meta.transcript"}, comment_required=True)
    assert validate_definition(make(text_target)) == {}


@pytest.mark.parametrize(
    ("config", "path"),
    [
        ({"target": {"kind": "audio", "block": "missing"}}, "questions[0].target.block"),
        ({"target": {"kind": "text", "field": "a b"}}, "questions[0].target.field"),
        ({"target": {"kind": "video"}}, "questions[0].target"),
        ({"target": {"kind": "text", "field": "t", "block": "clip"}}, "questions[0].target.block"),
        ({"tags": []}, "questions[0].tags"),
        ({"tags": ["a", "a"]}, "questions[0].tags[1]"),
        ({"tags": ["a", " "]}, "questions[0].tags[1]"),
        ({"min": 3, "max": 2}, "questions[0].min"),
        ({"comment_required": "yes"}, "questions[0].comment_required"),
    ],
)
def test_spans_config_is_checked(config, path):
    assert list(validate_definition(make(spans(**config), display=[AUDIO]))) == [path]


def test_citations_bounds_are_checked():
    question = {"id": "refs", "type": "citations", "prompt": "Sources", "min": 20, "max": 10}
    assert list(validate_definition(make(question))) == ["questions[0].min"]
    question = {"id": "refs", "type": "citations", "prompt": "Sources", "max": 501}
    assert list(validate_definition(make(question))) == ["questions[0].max"]


def test_rubric_items_may_refer_to_an_earlier_citations_question():
    refs = {"id": "refs", "type": "citations", "prompt": "Sources", "min": 20}
    rubric = {"id": "rubric", "type": "rubric_items", "prompt": "Rubric", "min": 20}
    assert validate_definition(make(refs, {**rubric, "citations_question": "refs"})) == {}


@pytest.mark.parametrize(
    ("order", "target"),
    [("citations_after", "refs"), ("not_citations", "verdict"), ("unknown", "nope")],
)
def test_rubric_citations_question_must_be_an_earlier_citations_question(order, target):
    refs = {"id": "refs", "type": "citations", "prompt": "Sources"}
    rubric = {
        "id": "rubric",
        "type": "rubric_items",
        "prompt": "Rubric",
        "citations_question": target,
    }
    qs = [rubric, refs] if order == "citations_after" else [choice(), rubric, refs]
    errors = validate_definition(make(*qs))
    index = qs.index(rubric)
    assert list(errors) == [f"questions[{index}].citations_question"]


# ---- show_if -------------------------------------------------------------------------------


def test_show_if_on_an_earlier_question_is_valid():
    follow_up = {"id": "why", "type": "text", "prompt": "Why?"}
    assert (
        validate_definition(
            make(choice(), {**follow_up, "show_if": {"question": "verdict", "equals": "bad"}})
        )
        == {}
    )
    assert (
        validate_definition(
            make(rating(), {**follow_up, "show_if": {"question": "score", "in": [1, 2]}})
        )
        == {}
    )


def test_show_if_pointing_forward_is_a_definition_error():
    first = choice("first", show_if={"question": "second", "equals": "ok"})
    errors = validate_definition(make(first, choice("second")))
    assert list(errors) == ["questions[0].show_if.question"]
    assert "earlier" in errors["questions[0].show_if.question"][0]


@pytest.mark.parametrize(
    ("show_if", "path"),
    [
        ({"question": "verdict", "equals": "ok"}, "questions[0].show_if.question"),  # itself
        ({"question": "nope", "equals": "ok"}, "questions[1].show_if.question"),
        ({"question": "first", "equals": "maybe"}, "questions[1].show_if.equals"),
        ({"question": "first", "in": ["ok", "maybe"]}, "questions[1].show_if.in[1]"),
        ({"question": "first", "in": []}, "questions[1].show_if.in"),
        ({"question": "first", "equals": "ok", "in": ["ok"]}, "questions[1].show_if"),
        ({"question": "first", "equal": "ok"}, "questions[1].show_if.equal"),
        ("first", "questions[1].show_if"),
    ],
)
def test_show_if_is_checked(show_if, path):
    if path.startswith("questions[0]"):
        definition = make(choice(show_if=show_if))
    else:
        definition = make(choice("first"), choice("verdict", show_if=show_if))
    assert path in validate_definition(definition)


def test_show_if_on_a_rating_refuses_a_bool_or_out_of_scale_value():
    for value in (True, 6):
        definition = make(rating(), choice(show_if={"question": "score", "equals": value}))
        assert list(validate_definition(definition)) == ["questions[1].show_if.equals"]


def test_show_if_on_a_text_question_is_refused():
    text = {"id": "note", "type": "text", "prompt": "Note"}
    definition = make(text, choice(show_if={"question": "note", "equals": "x"}))
    assert list(validate_definition(definition)) == ["questions[1].show_if.question"]


def test_show_if_tie_is_refused_when_ties_are_not_allowed():
    pref = {"id": "pref", "type": "pairwise", "prompt": "Which?", "allow_tie": False}
    definition = make(pref, choice(show_if={"question": "pref", "equals": "tie"}))
    assert list(validate_definition(definition)) == ["questions[1].show_if.equals"]


# ---- task data -----------------------------------------------------------------------------

CONVERSATION_DEFINITION = make(
    choice(),
    spans(target={"kind": "text", "field": "meta.transcript"}, required=False),
    display=[
        {"type": "conversation", "field": "messages"},
        {"type": "responses", "fields": ["a", "b"]},
        {"type": "audio", "field": "audio"},
        {"type": "image", "field": "image"},
        {"type": "link", "field": "source"},
        {"type": "markdown", "field": "meta.system"},
    ],
)


def good_task() -> dict[str, Any]:
    return {
        "messages": [
            {"role": "system", "content": "You recommend restaurants."},
            {"role": "user", "content": "Lunch under 40 yuan?"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"id": "c1", "name": "geolocate", "arguments": {}}],
            },
            {"role": "tool", "content": '{"lat": 31.2}', "tool_call_id": "c1", "name": "geolocate"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"name": "search", "arguments": '{"q": "ramen"}'}],
            },
        ],
        "a": "Response A",
        "b": "Response B",
        "audio": "tts/batch-1/clip-1.wav",
        "image": "https://cdn.example.com/products/1.png",
        "source": "https://example.edu/page",
        "meta": {"system": "**Be brief.**", "transcript": "今日天氣好好"},
        "extra": {"anything": "goes"},
    }


def test_valid_task_data_passes():
    assert validate_definition(CONVERSATION_DEFINITION) == {}
    assert validate_task_data(CONVERSATION_DEFINITION, good_task()) == {}


def test_task_data_must_be_an_object():
    assert validate_task_data(CONVERSATION_DEFINITION, []) == {
        "": ["Task data must be a JSON object."]
    }


def test_missing_fields_are_reported_by_dotted_path():
    task = good_task()
    del task["meta"]["transcript"]
    del task["b"]
    assert set(validate_task_data(CONVERSATION_DEFINITION, task)) == {"b", "meta.transcript"}


def test_a_span_target_must_be_text():
    task = good_task()
    task["meta"]["transcript"] = ["not", "text"]
    assert list(validate_task_data(CONVERSATION_DEFINITION, task)) == ["meta.transcript"]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda t: t["messages"][1].update(role="human"), "messages[1].role"),
        (lambda t: t["messages"][1].pop("content"), "messages[1].content"),
        (lambda t: t["messages"][1].update(content=None), "messages[1].content"),
        (lambda t: t["messages"][1].update(tool_calls=[]), "messages[1].tool_calls"),
        (lambda t: t["messages"][1].update(tool_call_id="c1"), "messages[1].tool_call_id"),
        (
            lambda t: t["messages"][2]["tool_calls"][0].update(arguments=3),
            "messages[2].tool_calls[0].arguments",
        ),
        (lambda t: t["messages"][2]["tool_calls"][0].pop("name"), "messages[2].tool_calls[0].name"),
        (lambda t: t["messages"][1].update(lang="en"), "messages[1].lang"),
        (lambda t: t["messages"].append("hi"), "messages[5]"),
        (lambda t: t.update(messages=[]), "messages"),
    ],
)
def test_conversation_messages_are_checked(change, path):
    task = good_task()
    change(task)
    assert list(validate_task_data(CONVERSATION_DEFINITION, task)) == [path]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("audio", "../secrets/clip.wav"),
        ("audio", "/etc/passwd"),
        ("audio", "ftp://example.com/clip.wav"),
        ("image", 42),
        ("image", "x" * 1025),  # longer than any S3 key (and than mediafiles indexes)
        ("image", "图" * 342),  # 1,026 bytes of UTF-8
        ("source", "example.edu/page"),
        ("source", "javascript:alert(1)"),
    ],
)
def test_media_and_links_must_be_safe_keys_or_http_urls(field, value):
    task = good_task()
    task[field] = value
    assert list(validate_task_data(CONVERSATION_DEFINITION, task)) == [field]


# ---- accessors -----------------------------------------------------------------------------


def test_accessors_read_a_valid_definition():
    definition = make(rating(require_full_playback="clip"), spans(required=False), display=[AUDIO])
    assert [q["id"] for q in questions(definition)] == ["score", "marks"]
    assert set(question_map(definition)) == {"score", "marks"}
    assert audio_blocks(definition) == {"clip": AUDIO}
    assert audio_blocks(make(choice(), display=[{"type": "audio", "field": "wav"}])) == {
        "wav": {"type": "audio", "field": "wav"}
    }
    assert is_required(definition["questions"][0]) is True
    assert is_required(definition["questions"][1]) is False
    assert list_bounds(definition["questions"][1]) == (0, 500)
    assert data_fields(CONVERSATION_DEFINITION) == [
        "messages",
        "a",
        "b",
        "audio",
        "image",
        "source",
        "meta.system",
        "meta.transcript",
    ]


def test_field_value_follows_dotted_paths():
    data = {"meta": {"system": "hi", "none": None}, "flat": 1}
    assert field_value(data, "meta.system") == "hi"
    assert field_value(data, "meta.none") is None
    assert field_value(data, "meta.missing") is MISSING
    assert field_value(data, "flat.deeper") is MISSING


# ---- gallery -------------------------------------------------------------------------------


def test_the_gallery_has_one_template_per_seed_story_and_no_stray_files():
    assert [template.key for template in gallery_templates()] == list(GALLERY_KEYS)
    assert {path.stem for path in GALLERY_DIR.glob("*.json")} == set(GALLERY_KEYS)


@pytest.mark.parametrize("key", GALLERY_KEYS)
def test_gallery_template_definition_task_and_answer_validate(key):
    template = gallery_template(key)
    assert template.name and template.description
    assert validate_definition(template.definition) == {}
    assert validate_task_data(template.definition, template.sample_task) == {}
    telemetry = {"audio": {clip: {"completed": True} for clip in audio_blocks(template.definition)}}
    check = validate_answer(
        template.definition,
        template.sample_answer,
        task_data=template.sample_task,
        telemetry=telemetry,
    )
    assert check.errors == {}
    assert set(check.cleaned) == set(template.sample_answer)


def test_the_rubric_template_has_twenty_cited_rubric_items():
    template = gallery_template("rubric_long_answer")
    assert len(template.sample_answer["citations"]) >= 20
    assert len(template.sample_answer["rubric"]) >= 20
    assert any(item["points"] < 0 for item in template.sample_answer["rubric"])


def test_gallery_copies_cannot_alter_the_gallery():
    template = gallery_template("multiple_choice")
    template.definition["questions"].clear()
    template.sample_answer["answer"] = "D"
    fresh = gallery_template("multiple_choice")
    assert fresh.definition["questions"] and fresh.sample_answer == {"answer": "B"}


def test_unknown_gallery_key_raises_key_error():
    with pytest.raises(KeyError):
        gallery_template("nope")


def test_the_product_template_hides_violation_types_unless_there_is_a_violation():
    template = gallery_template("product_image")
    answer = copy.deepcopy(template.sample_answer)
    answer["violation_types"] = ["third_party_mark"]
    check = validate_answer(template.definition, answer, task_data=template.sample_task)
    assert check.ok and "violation_types" not in check.cleaned
    answer["verdict"] = "violation"
    del answer["violation_types"]
    check = validate_answer(template.definition, answer, task_data=template.sample_task)
    assert check.errors == {"violation_types": ["This question is required."]}


def test_the_tts_template_refuses_a_rating_before_the_clip_was_played_to_the_end():
    template = gallery_template("cantonese_tts")
    check = validate_answer(
        template.definition,
        template.sample_answer,
        task_data=template.sample_task,
        telemetry={"audio": {"clip": {"completed": False}}},
    )
    assert check.errors == {"naturalness": ["Play the clip to the end before rating."]}


def test_displayed_data_keeps_only_what_the_template_shows():
    from tasks.template_definition import displayed_data

    definition = {
        "schema_version": 1,
        "display": [
            {"type": "text", "field": "meta.prompt"},
            {"type": "responses", "fields": ["a", "b"]},
        ],
        "questions": [],
    }
    data = {"meta": {"prompt": "p", "model": "secret"}, "a": "x", "b": "y", "system": "s"}
    assert displayed_data(definition, data) == {"meta": {"prompt": "p"}, "a": "x", "b": "y"}
    assert displayed_data(definition, {"a": "x"}) == {"a": "x"}

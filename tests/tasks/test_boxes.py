"""The boxes question (boxes and points on an image): the template format, the server's checks
of an answer, how it reads back (tasks.image_regions, tasks.presentation), the pages that show
it and the API that takes it."""

from __future__ import annotations

import copy
import json

import pytest
from django.urls import reverse

from tasks.answer_validation import REQUIRED_MESSAGE, validate_answer
from tasks.gallery import gallery_template
from tasks.image_regions import describe_answer, overlay
from tasks.models import Submission
from tasks.presentation import answer_rows, questions_view, shortcut_groups
from tasks.template_definition import validate_definition
from tests.e2e.workspace_fixtures import setup_workspace
from tests.factories import submit

LABELS = [
    {"value": "watermark", "label": "Watermark"},
    {"value": "garbled_text", "label": "Garbled text"},
]


def boxes(**extra) -> dict:
    return {
        "id": "problems",
        "type": "boxes",
        "prompt": "Where are the problems?",
        "image": "photo",
        "labels": copy.deepcopy(LABELS),
        **extra,
    }


def definition(*questions, display=None) -> dict:
    return {
        "schema_version": 1,
        "title": "Boxes",
        "display": display
        if display is not None
        else [
            {"type": "text", "field": "title"},
            {"type": "image", "field": "image", "id": "photo", "label": "Product"},
        ],
        "questions": list(questions) or [boxes()],
    }


def box(**extra) -> dict:
    return {"shape": "box", "label": "watermark", "x": 0.5, "y": 0.1, "w": 0.4, "h": 0.2, **extra}


def point(**extra) -> dict:
    return {"shape": "point", "label": "garbled_text", "x": 0.25, "y": 0.75, **extra}


def answer(*regions, width=900, height=600) -> dict:
    return {"problems": {"image": {"width": width, "height": height}, "regions": list(regions)}}


def check(answer_value, question=None):
    return validate_answer(
        definition(question or boxes(shapes=["box", "point"])), answer_value, task_data={}
    )


# --- the template format --------------------------------------------------------------------


def test_a_boxes_question_on_an_image_block_is_valid():
    assert validate_definition(definition(boxes(shapes=["box", "point"], max=5))) == {}
    # one label is enough, and an image block without an id is named by its field
    only_field = definition(
        boxes(image="image", labels=LABELS[:1], required=False, note_required=True),
        display=[{"type": "image", "field": "image"}],
    )
    assert validate_definition(only_field) == {}


def test_the_image_must_be_an_image_block_with_a_suggestion_for_a_typo():
    errors = validate_definition(definition(boxes(image="phot")))
    assert errors == {
        "questions[0].image": [
            "Unknown image 'phot'. Did you mean \"photo\"? Name an image display block by "
            "its id, or by its field when it has no id (known: photo)."
        ]
    }
    missing = boxes()
    del missing["image"]
    assert validate_definition(definition(missing))["questions[0].image"][0].startswith(
        "This is required."
    )
    # an audio block's id is no image
    with_audio = definition(
        boxes(image="clip"), display=[{"type": "audio", "field": "audio", "id": "clip"}]
    )
    assert "the template has none" in validate_definition(with_audio)["questions[0].image"][0]


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"labels": []}, "questions[0].labels", "Must be a list of 1 to 100 labels"),
        (
            {"labels": [LABELS[0], dict(LABELS[0])]},
            "questions[0].labels[1].value",
            'Duplicate value "watermark".',
        ),
        ({"labels": [{"value": "x"}]}, "questions[0].labels[0].label", "This is required."),
        ({"shapes": []}, "questions[0].shapes", "Must be a non-empty list of: box, point."),
        ({"shapes": ["box", "pont"]}, "questions[0].shapes[1]", 'Did you mean "point"?'),
        ({"shapes": ["box", "box"]}, "questions[0].shapes[1]", 'Duplicate shape "box".'),
        ({"note_required": "yes"}, "questions[0].note_required", "Must be true or false."),
        ({"lables": LABELS}, "questions[0].lables", 'Did you mean "labels"?'),
        ({"min": 3, "max": 2}, "questions[0].min", "min (3) is greater than max (2)."),
        ({"required": True, "min": 0}, "questions[0].min", "A required question needs min"),
    ],
)
def test_template_errors_name_their_path(change, path, message):
    errors = validate_definition(definition(boxes(**change)))
    assert path in errors, errors
    assert any(message in text for text in errors[path]), errors[path]


def test_two_image_blocks_need_distinct_ids_but_an_audio_block_may_share_one():
    same = [{"type": "image", "field": "a", "id": "photo"}, {"type": "image", "field": "photo"}]
    errors = validate_definition(definition(display=same))
    assert errors == {
        "display[1].field": ['Another image block already has id "photo"; set a distinct id.']
    }
    mixed = [{"type": "image", "field": "a", "id": "photo"}, {"type": "audio", "field": "photo"}]
    assert validate_definition(definition(display=mixed)) == {}
    bad_id = [{"type": "image", "field": "a", "id": "Photo!"}]
    assert "display[0].id" in validate_definition(definition(display=bad_id))


# --- answers: the server's checks -------------------------------------------------------------


def test_a_valid_answer_is_stored_cleaned():
    result = check(
        answer(
            box(x=0.1234567, note="  logo top right  "),
            point(),
        )
    )
    assert result.ok, result.errors
    assert result.cleaned == {
        "problems": {
            "image": {"width": 900, "height": 600},
            "regions": [
                {"shape": "box", "label": "watermark", "x": 0.123457, "y": 0.1, "w": 0.4,
                 "h": 0.2, "note": "logo top right"},
                {"shape": "point", "label": "garbled_text", "x": 0.25, "y": 0.75, "note": ""},
            ],
        }
    }  # fmt: skip


def test_a_box_a_hair_past_the_edge_is_moved_onto_it():
    result = check(answer(box(x=0.6, w=0.4000004)))
    assert result.ok, result.errors
    assert result.cleaned["problems"]["regions"][0]["w"] == 0.4


WIDTH = "(a fraction of the image width)"
HEIGHT = "(a fraction of the image height)"


@pytest.mark.parametrize(
    ("region", "message"),
    [
        (
            box(x=0.7, w=0.4),
            "the box runs past the right edge of the image (x + w = 1.1; at most 1).",
        ),
        (
            box(y=0.9, h=0.2),
            "the box runs past the bottom edge of the image (y + h = 1.1; at most 1).",
        ),
        (box(x=-0.1), f"x must be a number from 0 to 1 {WIDTH}, not -0.1."),
        (point(y=1.5), f"y must be a number from 0 to 1 {HEIGHT}, not 1.5."),
        (box(w=0), "w must be more than 0 (an empty box)."),
        (box(x="0.5"), f'x must be a number from 0 to 1 {WIDTH}, not "0.5".'),
        (box(x=True), f"x must be a number from 0 to 1 {WIDTH}, not True."),
        (box(label="logo"), 'unknown label "logo" (use one of: watermark, garbled_text).'),
        (box(label=None), "label is required (one of: watermark, garbled_text)."),
        (box(colour="red"), 'unknown key "colour" (allowed: shape, label, x, y, w, h, note).'),
        (point(w=0.1), 'unknown key "w" (allowed: shape, label, x, y, note).'),
        (box(shape="circle"), 'shape must be "box" or "point", not "circle".'),
        (box(note="x" * 2001), "note is too long (2001 characters; at most 2000)."),
        ("box", "expected an object with shape, label, x and y."),
    ],
)
def test_a_bad_region_is_refused_naming_the_question_and_the_region(region, message):
    result = check(answer(region))
    assert result.errors == {"problems": [f"region 1: {message}"]}


def test_points_only_where_the_template_allows_them():
    result = check(answer(point()), question=boxes())
    assert result.errors == {"problems": ["region 1: a point is not allowed here (use: box)."]}


def test_too_many_regions_and_duplicates_are_refused():
    result = check(
        answer(box(), box(x=0.1), box(), point()), question=boxes(shapes=["box", "point"], max=3)
    )
    assert result.errors == {
        "problems": ["region 3: duplicates region 1.", "Give at most 3 regions (4 given)."]
    }


def test_a_note_may_be_required():
    result = check(answer(box(), box(x=0.1, note="  ")), question=boxes(note_required=True))
    assert result.errors == {
        "problems": ["region 1: note is required.", "region 2: note is required."]
    }


@pytest.mark.parametrize(
    "image",
    [None, {"width": 900}, {"width": 0, "height": 600}, {"width": 900.5, "height": 600},
     {"width": 900, "height": 600, "dpi": 72}],
)  # fmt: skip
def test_the_image_size_is_required_in_pixels(image):
    value = answer(box())
    value["problems"]["image"] = image
    result = check(value)
    assert list(result.errors) == ["problems"]
    assert result.errors["problems"][0].startswith("image ")


def test_no_regions_is_no_answer():
    assert check(answer()).errors == {"problems": [REQUIRED_MESSAGE]}
    optional = check(answer(), question=boxes(required=False))
    assert optional.ok and optional.cleaned == {}
    assert check({"problems": [box()]}).errors["problems"][0].startswith("Expected an object like")


def test_the_gallery_product_template_takes_boxes_and_points():
    template = gallery_template("product_image")
    assert validate_definition(template.definition) == {}
    value = copy.deepcopy(template.sample_answer)
    value["problem_regions"]["regions"].append(point(label="watermark", x=0.9, y=0.95))
    result = validate_answer(template.definition, value, task_data=template.sample_task)
    assert result.ok, result.errors
    assert len(result.cleaned["problem_regions"]["regions"]) == 2


# --- reading an answer back -------------------------------------------------------------------


def test_an_answer_reads_as_one_line_per_region_in_pixels():
    value = answer(box(note="stock photo mark"), point())["problems"]
    assert describe_answer(boxes(), value) == (
        "1. Watermark — box at 450, 60, 360\u00d7120 px (stock photo mark)\n"
        "2. Garbled text — point at 225, 450 px"
    )
    # without a size, fractions as percentages; malformed regions are skipped, not a crash
    loose = {"regions": [box(x=0.125), {"shape": "box", "x": "a"}, 7]}
    assert describe_answer(boxes(), loose) == (
        "1. Watermark — box at 12.5%, 10.0%, 40.0%\u00d720.0% of the image"
    )
    assert describe_answer(boxes(), {"regions": []}) == "(no regions)"


def test_the_overlay_names_the_image_block_and_colours_by_label():
    value = answer(box(note="mark"), point())["problems"]
    drawn = overlay(definition(), boxes(), value)
    assert drawn["block"] == 1 and drawn["question"] == "problems"
    assert [(r["n"], r["label"], r["colour"]) for r in drawn["regions"]] == [
        (1, "Watermark", 0),
        (2, "Garbled text", 1),
    ]
    assert overlay(definition(), boxes(), {"regions": []}) is None


def test_answer_rows_read_boxes_as_text_with_an_overlay():
    rows = answer_rows(definition(), answer(box()))
    assert rows[0]["text"] == "1. Watermark — box at 450, 60, 360\u00d7120 px"
    assert json.loads(rows[0]["overlay"])["regions"][0]["x"] == 0.5
    assert "overlay" not in answer_rows(definition(), {})[0]


def test_the_widget_gets_numbered_labels_and_its_image_block():
    view = questions_view(definition(boxes(shapes=["box", "point"], max=4)), {})[0]
    assert [(c["value"], c["key"], c["colour"]) for c in view["label_choices"]] == [
        ("watermark", "1", 0),
        ("garbled_text", "2", 1),
    ]
    assert view["shapes"] == ["box", "point"]
    assert view["image_block"] == 1
    assert (view["min_count"], view["max_count"]) == (1, 4)
    assert shortcut_groups(definition()) == frozenset({"numbers", "boxes"})


def test_a_choice_keyed_by_letters_leaves_d_to_drawing():
    exam = {
        "id": "answer",
        "type": "single_choice",
        "prompt": "Which?",
        "options": [{"value": v, "label": v} for v in "ABCD"],
    }
    view = questions_view(definition(exam, boxes()), {})[0]
    assert [option["key"] for option in view["options"]] == ["1", "2", "3", "4"]


# --- pages and API ------------------------------------------------------------------------


@pytest.fixture
def work(cast):
    return setup_workspace(
        cast,
        definition(boxes(shapes=["box", "point"])),
        [{"title": "Shirt", "image": "p/shirt.png"}],
    )


@pytest.mark.django_db
def test_the_workspace_loads_the_drawing_script_before_the_workspace(client, cast, work):
    client.force_login(cast.trainer)
    html = client.get(work.work_url()).content.decode()
    assert 'data-type="boxes"' in html and 'data-image-block="1"' in html
    assert html.index("js/image_regions.js") < html.index("js/workspace.js")
    assert "css/image_regions.css" in html
    assert "Draw on the image" in html  # the shortcut help


@pytest.mark.django_db
def test_a_workspace_without_boxes_loads_no_drawing_script(client, cast):
    plain = setup_workspace(
        cast,
        definition({"id": "ok", "type": "text", "prompt": "Why?"}, display=[]),
        [{}],
    )
    client.force_login(cast.trainer)
    assert "image_regions" not in client.get(plain.work_url()).content.decode()


@pytest.mark.django_db
def test_the_api_takes_a_valid_answer_cleaned_and_names_each_bad_region(client, cast, work):
    client.force_login(cast.trainer)
    url = f"/api/v1/tasks/{work.task.pk}/submit/"
    bad = client.post(
        url,
        {"answer": answer(box(x=0.8), point(label="smudge"))},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["fields"]["problems"] == [
        "region 1: the box runs past the right edge of the image (x + w = 1.2; at most 1).",
        'region 2: unknown label "smudge" (use one of: watermark, garbled_text).',
    ]
    good = client.post(
        url, {"answer": answer(box(note=" logo "), point())}, content_type="application/json"
    )
    assert good.status_code == 201, good.json()
    stored = Submission.objects.get(task=work.task).answer["problems"]
    assert stored["regions"][0]["note"] == "logo"
    assert stored["image"] == {"width": 900, "height": 600}


@pytest.mark.django_db
def test_review_and_submission_pages_list_the_regions_and_draw_them(client, cast, work):
    submission, _ = submit(task=work.task, author=cast.trainer, answer=answer(box(), point()))
    for user, url in (
        (cast.qa_lead, reverse("submission-review", args=[submission.pk])),
        (cast.trainer, reverse("submission-detail", args=[submission.pk])),
    ):
        client.force_login(user)
        html = client.get(url).content.decode()
        assert "1. Watermark — box at 450, 60, 360\u00d7120 px" in html
        assert 'data-testid="region-overlay-problems"' in html
        assert html.count("js/image_regions.js") == 1


@pytest.mark.django_db
def test_someone_outside_the_project_sees_no_regions(client, cast, work):
    submission, _ = submit(task=work.task, author=cast.trainer, answer=answer(box()))
    client.force_login(cast.outsider)
    for url in (
        reverse("submission-review", args=[submission.pk]),
        reverse("submission-detail", args=[submission.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert "region-overlay" not in response.content.decode()

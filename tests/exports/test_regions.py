"""Boxes and points on an image in exports: fractions and pixels in every format, and a Label
Studio result (rectanglelabels, keypointlabels, per-region textarea) in JSONL."""

from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq
import pytest

from exports.regions import BoxesQuestion, label_studio_results, region_records
from tasks.gallery import gallery_template
from tasks.services import project_update, tasks_create, template_save
from tests.exports.conftest import accept
from tests.factories import submit

QUESTION = BoxesQuestion(id="problem_regions", image="photo")
ANSWER = {
    "image": {"width": 640, "height": 480},
    "regions": [
        {"shape": "box", "label": "watermark", "x": 0.5, "y": 0.25, "w": 0.25, "h": 0.125,
         "note": "stock photo mark"},
        {"shape": "point", "label": "garbled_text", "x": 0.1, "y": 0.9, "note": ""},
    ],
}  # fmt: skip


def test_region_records_give_fractions_and_pixels():
    assert region_records(ANSWER) == {
        "image": {"width": 640, "height": 480},
        "regions": [
            {"shape": "box", "label": "watermark", "x": 0.5, "y": 0.25, "w": 0.25, "h": 0.125,
             "x_px": 320.0, "y_px": 120.0, "w_px": 160.0, "h_px": 60.0,
             "note": "stock photo mark"},
            {"shape": "point", "label": "garbled_text", "x": 0.1, "y": 0.9,
             "x_px": 64.0, "y_px": 432.0, "note": ""},
        ],
    }  # fmt: skip


def test_without_a_size_the_pixels_are_unknown_and_bad_regions_are_skipped():
    loose = {"regions": [ANSWER["regions"][1], {"shape": "box", "x": 2}, "junk"]}
    assert region_records(loose) == {
        "image": None,
        "regions": [
            {"shape": "point", "label": "garbled_text", "x": 0.1, "y": 0.9, "x_px": None,
             "y_px": None, "note": ""}
        ],
    }  # fmt: skip


def test_label_studio_results_are_rectangles_keypoints_and_region_notes():
    assert label_studio_results(QUESTION, ANSWER, id_prefix="s7-") == [
        {
            "id": "s7-problem_regions-1",
            "from_name": "problem_regions",
            "to_name": "photo",
            "original_width": 640,
            "original_height": 480,
            "image_rotation": 0,
            "type": "rectanglelabels",
            "value": {"x": 50.0, "y": 25.0, "width": 25.0, "height": 12.5, "rotation": 0,
                      "rectanglelabels": ["watermark"]},
            "origin": "manual",
        },
        {
            "id": "s7-problem_regions-1",
            "from_name": "problem_regions_note",
            "to_name": "photo",
            "original_width": 640,
            "original_height": 480,
            "image_rotation": 0,
            "type": "textarea",
            "value": {"text": ["stock photo mark"]},
            "origin": "manual",
        },
        {
            "id": "s7-problem_regions-2",
            "from_name": "problem_regions",
            "to_name": "photo",
            "original_width": 640,
            "original_height": 480,
            "image_rotation": 0,
            "type": "keypointlabels",
            "value": {"x": 10.0, "y": 90.0, "width": 0.5, "keypointlabels": ["garbled_text"]},
            "origin": "manual",
        },
    ]  # fmt: skip


# --- whole exports ----------------------------------------------------------------------------


@pytest.fixture
def product_images(cast):
    """The product image gallery template, two tasks answered and accepted: one with regions,
    one without any."""
    project_update(project=cast.project, status="active")
    starter = gallery_template("product_image")
    template_save(
        project=cast.project, name=starter.name, definition=starter.definition, by=cast.setter
    )
    tasks = tasks_create(
        project=cast.project, items=[starter.sample_task, starter.sample_task], by=cast.setter
    )
    with_regions = dict(starter.sample_answer, problem_regions=ANSWER)
    without = {k: v for k, v in starter.sample_answer.items() if k != "problem_regions"}
    submissions = [
        submit(task=tasks[0], author=cast.trainer, answer=with_regions)[0],
        submit(task=tasks[1], author=cast.trainer, answer=without)[0],
    ]
    accept(*submissions)
    return submissions


@pytest.mark.django_db
def test_jsonl_rows_carry_pixels_and_a_label_studio_result(cast, product_images, run_export):
    rows = run_export(cast.project, cast.qa_lead, "jsonl").jsonl()
    first, second = rows
    assert first["answer"]["problem_regions"] == ANSWER  # the stored answer, as it is
    assert first["regions"]["problem_regions"] == region_records(ANSWER)
    result = first["label_studio"]["result"]
    assert [item["type"] for item in result] == ["rectanglelabels", "textarea", "keypointlabels"]
    assert result[0]["id"] == f"s{product_images[0].pk}-problem_regions-1"
    assert result[0]["value"]["rectanglelabels"] == ["watermark"]
    assert second["regions"] == {} and second["label_studio"] == {"result": []}


@pytest.mark.django_db
def test_csv_and_parquet_cells_carry_pixels(cast, product_images, run_export):
    text = run_export(cast.project, cast.qa_lead, "csv").text("data.csv").lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    cell = json.loads(rows[0]["answer.problem_regions"])
    assert cell["regions"][0]["w_px"] == 160.0 and cell["regions"][0]["w"] == 0.25
    assert rows[1]["answer.problem_regions"] == ""

    archive = run_export(cast.project, cast.qa_lead, "parquet")
    table = pq.read_table(io.BytesIO(archive.files["data.parquet"])).to_pylist()
    assert json.loads(table[0]["answer.problem_regions"])["regions"][1]["y_px"] == 432.0


@pytest.mark.django_db
def test_templates_without_boxes_add_nothing(cast, pairwise, run_export):
    row = run_export(cast.project, cast.qa_lead, "jsonl").jsonl()[0]
    assert "regions" not in row and "label_studio" not in row

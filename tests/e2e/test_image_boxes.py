"""Boxes and points on an image in a real Chromium: drawn with the mouse and with the keyboard,
labelled by number, with a note, submitted; drawn zoomed in at the right spot; refused per
region by the server; and shown over the image on the review page."""

from __future__ import annotations

import struct
import zlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from playwright.sync_api import expect

from tasks.models import Submission
from tests.e2e.conftest import READY, login
from tests.e2e.workspace_fixtures import definition_with, setup_workspace
from tests.factories import submit

pytestmark = pytest.mark.e2e

IMAGE_LOADED = (
    "() => { const i = document.querySelector('.block--image img');"
    " return i && i.complete && i.naturalWidth === 900; }"
)
WIDTH, HEIGHT = 900, 600  # not square: a mix-up of width and height shows
STEP = 5  # screen pixels an arrow key moves the crosshair (image_regions.js STEP_PX)

REGIONS = {
    "id": "problems",
    "type": "boxes",
    "prompt": "Where are the problems?",
    "image": "photo",
    "labels": [
        {"value": "watermark", "label": "Watermark"},
        {"value": "garbled_text", "label": "Garbled text"},
    ],
    "shapes": ["box", "point"],
    "max": 5,
}


def png(width: int, height: int) -> bytes:
    """A light PNG with a dark block in the middle, written by hand (no imaging library)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    def row(y: int) -> bytes:
        inside = height // 3 <= y < 2 * height // 3
        pixels = bytearray(b"\xee\xe8\xdc" * width)
        if inside:
            pixels[3 * (width // 3) : 3 * (2 * width // 3)] = b"\x33\x44\x66" * (
                2 * width // 3 - width // 3
            )
        return b"\x00" + bytes(pixels)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(row(y) for y in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(autouse=True)
def through_the_media_view(monkeypatch):
    """The live server's own /media/ handler would skip our media view (as in test_media)."""
    from django.test.testcases import _MediaFilesHandler

    monkeypatch.setattr(_MediaFilesHandler, "_should_handle", lambda self, path: False)


@pytest.fixture
def work(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    key = default_storage.save("products/shirt.png", ContentFile(png(WIDTH, HEIGHT)))
    definition = definition_with(
        REGIONS,
        display=[{"type": "image", "field": "image", "id": "photo", "label": "Product"}],
        title="Mark the problems",
    )
    return setup_workspace(cast, definition, [{"image": key}])


def open_workspace(page, live_server, work) -> None:
    page.goto(live_server.url + work.work_url())
    page.wait_for_function(READY)
    page.wait_for_function(IMAGE_LOADED)


def image_box(page) -> dict:
    return page.locator(".block--image [data-image-stage] img").bounding_box()


def at(box: dict, x: float, y: float) -> tuple[float, float]:
    """The screen point at fractions (x, y) of the image as shown."""
    return box["x"] + x * box["width"], box["y"] + y * box["height"]


def drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=6)
    page.mouse.up()


def answer(page) -> dict:
    return page.evaluate("() => window.AnnotationWorkspace.current.answer()")


def press(page, key: str, times: int = 1) -> None:
    for _ in range(times):
        page.keyboard.press(key)


def test_a_box_by_mouse_and_one_by_keyboard_labelled_noted_and_submitted(
    trainer, live_server, work
):
    open_workspace(trainer, live_server, work)
    section = trainer.locator("#q-problems")

    # a box dragged with the mouse, labelled with its number; its note takes the focus
    box = image_box(trainer)
    drag(trainer, at(box, 0.1, 0.2), at(box, 0.4, 0.5))
    expect(section.locator("[data-region-message]")).to_contain_text("press its label")
    trainer.keyboard.press("1")
    note = section.locator('.region-row[data-index="0"] [data-field="note"]')
    expect(note).to_be_focused()
    trainer.keyboard.type("Logo in the corner")
    trainer.keyboard.press("Enter")  # back to the image, ready for the next one
    layer = trainer.locator(".region-layer[data-question='problems']")
    expect(layer).to_be_focused()
    trainer.keyboard.press("Escape")  # out of the drawing area
    expect(section).to_be_focused()

    # a box drawn with the keyboard alone: D, aim, Enter, aim, Enter, a number
    trainer.keyboard.press("d")
    expect(layer).to_be_focused()
    start = trainer.evaluate(
        "() => { const a = window.AnnotationWorkspace.current.answer(); return a; }"
    )
    assert len(start["problems"]["regions"]) == 1
    box = image_box(trainer)
    # The crosshair is where the mouse left it, (0.4, 0.5); aim at the dark block's corner.
    press(trainer, "Shift+ArrowRight", 2)
    press(trainer, "ArrowDown", 3)
    trainer.keyboard.press("Enter")
    press(trainer, "Shift+ArrowRight", 1)
    press(trainer, "ArrowRight", 4)
    press(trainer, "Shift+ArrowDown", 1)
    trainer.keyboard.press("Enter")
    trainer.keyboard.press("2")
    expect(section.locator('.region-row[data-index="1"] [data-field="note"]')).to_be_focused()
    trainer.keyboard.press("Enter")
    trainer.keyboard.press("Escape")

    before = trainer.url
    trainer.keyboard.press("Enter")  # submits: the question, not the drawing area, has focus
    trainer.wait_for_url(lambda url: url != before)

    stored = Submission.objects.get(task=work.task).answer["problems"]
    assert stored["image"] == {"width": WIDTH, "height": HEIGHT}
    first, second = stored["regions"]
    assert first["shape"] == "box" and first["label"] == "watermark"
    assert first["note"] == "Logo in the corner"
    for key, expected in {"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.3}.items():
        assert first[key] == pytest.approx(expected, abs=0.004), key
    shown_w, shown_h = box["width"], box["height"]
    assert second["label"] == "garbled_text" and second["note"] == ""
    assert second["x"] == pytest.approx(0.4 + 2 * 10 * STEP / shown_w, abs=0.003)
    assert second["y"] == pytest.approx(0.5 + 3 * STEP / shown_h, abs=0.003)
    assert second["w"] == pytest.approx((10 * STEP + 4 * STEP) / shown_w, abs=0.003)
    assert second["h"] == pytest.approx(10 * STEP / shown_h, abs=0.003)


# What a trainer types for "an image with one box" (the report of issue #17 lists it).
ONE_BOX_KEYS = [
    "d",  # into the drawing area; the crosshair starts in the middle of the image
    *["Shift+ArrowLeft"] * 3,
    *["Shift+ArrowUp"] * 2,
    "Enter",  # the box starts here
    *["Shift+ArrowRight"] * 4,
    *["Shift+ArrowDown"] * 3,
    "Enter",  # and ends here
    "1",  # labelled Watermark; the note takes the focus
    # (type a note here if it helps)
    "Control+Enter",  # submit
]


def test_an_image_with_one_box_by_keyboard_alone(trainer, live_server, work):
    open_workspace(trainer, live_server, work)
    box = image_box(trainer)
    before = trainer.url
    for key in ONE_BOX_KEYS:
        trainer.keyboard.press(key)
    trainer.wait_for_url(lambda url: url != before)

    (region,) = Submission.objects.get(task=work.task).answer["problems"]["regions"]
    assert region["label"] == "watermark" and region["shape"] == "box"
    assert region["x"] == pytest.approx(0.5 - 3 * 10 * STEP / box["width"], abs=0.003)
    assert region["y"] == pytest.approx(0.5 - 2 * 10 * STEP / box["height"], abs=0.003)
    assert region["w"] == pytest.approx(4 * 10 * STEP / box["width"], abs=0.003)
    assert region["h"] == pytest.approx(3 * 10 * STEP / box["height"], abs=0.003)


def test_zoomed_in_a_box_lands_where_it_was_drawn_and_stays_there_when_zoomed_out(
    trainer, live_server, work
):
    open_workspace(trainer, live_server, work)
    tools = trainer.locator(".image-tools")
    for _ in range(4):
        tools.get_by_role("button", name="Zoom in").click()
    stage = trainer.locator("[data-image-stage]")
    stage.focus()
    press(trainer, "ArrowLeft", 2)  # pan, so the image is shifted as well as scaled
    zoomed = image_box(trainer)
    assert zoomed["width"] > stage.bounding_box()["width"]  # really zoomed in

    stage_box = stage.bounding_box()
    start = (stage_box["x"] + 60, stage_box["y"] + 50)
    end = (stage_box["x"] + 260, stage_box["y"] + 170)
    drag(trainer, start, end)
    trainer.keyboard.press("2")

    region = answer(trainer)["problems"]["regions"][0]
    assert region["x"] == pytest.approx((start[0] - zoomed["x"]) / zoomed["width"], abs=1e-3)
    assert region["y"] == pytest.approx((start[1] - zoomed["y"]) / zoomed["height"], abs=1e-3)
    assert region["w"] == pytest.approx(200 / zoomed["width"], abs=1e-3)
    assert region["h"] == pytest.approx(120 / zoomed["height"], abs=1e-3)
    drawn = trainer.locator(".region-layer[data-question='problems'] .region-box").first
    on_screen = drawn.bounding_box()
    assert on_screen["x"] == pytest.approx(start[0], abs=2)
    assert on_screen["width"] == pytest.approx(200, abs=3)

    tools.get_by_role("button", name="Fit").click()
    trainer.wait_for_timeout(100)  # the layer follows the image on the next frame
    fit = image_box(trainer)
    on_screen = drawn.bounding_box()
    assert on_screen["x"] == pytest.approx(fit["x"] + region["x"] * fit["width"], abs=2)
    assert on_screen["y"] == pytest.approx(fit["y"] + region["y"] * fit["height"], abs=2)
    assert on_screen["width"] == pytest.approx(region["w"] * fit["width"], abs=3)


def test_a_point_a_deletion_and_an_unlabelled_box_refused_next_to_the_question(
    trainer, live_server, work
):
    open_workspace(trainer, live_server, work)
    section = trainer.locator("#q-problems")
    box = image_box(trainer)
    section.get_by_role("button", name="Point").click()
    trainer.mouse.click(*at(box, 0.75, 0.25))
    trainer.keyboard.press("2")
    trainer.keyboard.press("Enter")
    section.get_by_role("button", name="Box", exact=True).click()
    drag(trainer, at(box, 0.5, 0.5), at(box, 0.6, 0.7))
    drag(trainer, at(box, 0.05, 0.05), at(box, 0.2, 0.15))
    trainer.keyboard.press("Delete")  # the box just drawn (selected) goes
    regions = answer(trainer)["problems"]["regions"]
    assert [(r["shape"], r["label"]) for r in regions] == [("point", "garbled_text"), ("box", None)]
    assert regions[0]["x"] == pytest.approx(0.75, abs=0.004)
    assert "w" not in regions[0]

    trainer.keyboard.press("Escape")
    trainer.keyboard.press("Enter")  # the unlabelled box is refused, per region, by the server
    expect(section.locator("[data-errors]")).to_contain_text("region 2: label is required")
    assert not Submission.objects.filter(task=work.task).exists()


def test_the_review_page_draws_the_boxes_over_the_image(page, live_server, cast, work):
    submission, _ = submit(
        task=work.task,
        author=cast.trainer,
        answer={
            "problems": {
                "image": {"width": WIDTH, "height": HEIGHT},
                "regions": [
                    {"shape": "box", "label": "watermark", "x": 0.5, "y": 0.1, "w": 0.4,
                     "h": 0.2, "note": "stock photo mark"},
                    {"shape": "point", "label": "garbled_text", "x": 0.25, "y": 0.75},
                ],
            }
        },
    )  # fmt: skip
    login(page, live_server, cast.qa_lead)
    page.goto(live_server.url + reverse("submission-review", args=[submission.pk]))
    answer_text = page.get_by_test_id("review-answer")
    expect(answer_text).to_contain_text(
        "1. Watermark — box at 450, 60, 360\u00d7120 px (stock photo mark)"
    )
    expect(answer_text).to_contain_text("2. Garbled text — point at 225, 450 px")
    page.wait_for_function(IMAGE_LOADED)
    overlay = page.locator(".region-layer.is-readonly[data-question='problems']")
    expect(overlay.locator(".region")).to_have_count(2)
    page.wait_for_timeout(100)
    image = image_box(page)
    drawn = overlay.locator(".region-box").bounding_box()
    assert drawn["x"] == pytest.approx(image["x"] + 0.5 * image["width"], abs=2)
    assert drawn["y"] == pytest.approx(image["y"] + 0.1 * image["height"], abs=2)
    assert drawn["width"] == pytest.approx(0.4 * image["width"], abs=3)
    expect(overlay.locator(".region-box .region-tag")).to_have_text("1 Watermark")

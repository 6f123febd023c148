"""The long-answer layout in a real Chromium: an answer with 20 sources and 21 rubric
criteria, the outline with its counts and problem markers, finished rows folded to one line,
a citation picker that shows titles, and the panes measured at 1366x768 and 1920x1080."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tasks.gallery import gallery_template
from tasks.models import Submission
from tasks.services import draft_save
from tests.e2e.conftest import READY
from tests.e2e.workspace_fixtures import setup_gallery

pytestmark = pytest.mark.e2e

# Set to a folder to keep screenshots of the layout (they are looked at, not compared).
SHOTS = os.environ.get("LONG_TASK_SHOTS")

LAPTOP = {"width": 1366, "height": 768}
DESKTOP = {"width": 1920, "height": 1080}
MINUS = "\u2212"  # the page writes negative numbers with a minus sign, as the field hints do


@pytest.fixture
def long_task(cast):
    """The gallery's long-answer task with a draft of 20 sources and 21 criteria citing them."""
    work = setup_gallery(cast, "rubric_long_answer")
    sample = gallery_template("rubric_long_answer").sample_answer
    sources = sample["citations"][:20]
    listed = {source["identifier"] for source in sources}
    criteria = [item for item in sample["rubric"] if item["citation"] in listed]
    assert len(criteria) == 21
    answer = {"answer": sample["answer"], "citations": sources, "rubric": criteria}
    draft_save(task=work.task, author=cast.trainer, answer=answer)
    work.answer = answer
    return work


def open_long(page, live_server, work, viewport=LAPTOP) -> None:
    page.set_viewport_size(viewport)
    page.goto(live_server.url + work.work_url())
    page.wait_for_function(READY)
    expect(page.locator(".ws-grid.is-arranged")).to_be_attached()


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def outline_rows(page, qid: str):
    return page.locator(f'[data-outline-section="{qid}"] [data-outline-row]')


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found, "the element is rendered"
    return found


def in_view(found: dict, viewport: dict) -> bool:
    return (
        found["y"] >= 0
        and found["y"] + found["height"] <= viewport["height"]
        and found["x"] >= 0
        and found["x"] + found["width"] <= viewport["width"]
    )


def test_outline_counts_each_part_and_finished_rows_fold(trainer, live_server, long_task):
    open_long(trainer, live_server, long_task)
    outline = trainer.get_by_test_id("outline")
    sources = outline.locator('[data-outline-section="citations"]')
    criteria = outline.locator('[data-outline-section="rubric"]')
    expect(sources.locator(".outline-link")).to_have_text("Sources 20")
    expect(criteria.locator(".outline-link")).to_have_text("Rubric criteria 21")
    expect(outline.locator('[data-outline-section="answer"] [data-outline-count]')).to_have_text(
        "358 words"
    )
    expect(outline_rows(trainer, "citations")).to_have_count(20)
    expect(outline_rows(trainer, "rubric")).to_have_count(21)
    expect(outline_rows(trainer, "citations").first).to_contain_text("Caliskan, Bryson")
    expect(outline.locator("[data-outline-summary]")).to_have_text("No row needs attention.")

    # every restored row is finished, so each is one line: its fields are out of the way
    rows = trainer.locator(".long-rows .row")
    expect(rows).to_have_count(41)
    expect(trainer.locator(".long-rows .row.is-folded")).to_have_count(41)
    first_source = trainer.locator("#q-citations .row").first
    expect(first_source.get_by_label("Identifier")).to_be_hidden()
    expect(first_source.locator("[data-row-summary]")).to_contain_text("Semantics derived")
    # the limits are said once, at the head of the list, with the live count
    expect(trainer.locator("#q-citations [data-list-count]")).to_have_text(
        "20 sources (at least 20, at most 60)"
    )
    expect(trainer.locator("#q-rubric .rows-rules")).to_have_text(
        f"Points: {MINUS}100 to 100, negative for a pitfall · Citation: one of your sources."
    )

    # a summary opens with Enter, the cursor in its first field; leaving it folds it again
    summary = first_source.locator("[data-row-summary]")
    summary.focus()
    trainer.keyboard.press("Enter")
    expect(first_source.get_by_label("Identifier")).to_be_focused()
    expect(first_source).not_to_have_class("row is-folded")
    trainer.locator("#q-answer-input").click()
    expect(first_source).to_have_class("row is-folded")

    # a new source stays open while it is written and folds once it is finished
    trainer.locator("#q-citations").get_by_role("button", name="Add source").click()
    new_row = trainer.locator("#q-citations .row").nth(20)
    expect(new_row.get_by_label("Identifier")).to_be_focused()
    expect(outline_rows(trainer, "citations")).to_have_count(21)
    expect(outline_rows(trainer, "citations").nth(20)).to_contain_text("(empty)")
    for value in ("arXiv:2101.00001", "A new preprint", "Method", "Supports the method"):
        trainer.keyboard.type(value)
        trainer.keyboard.press("Tab")
    expect(new_row).not_to_have_class("row is-folded")  # the cursor is on its Remove button
    trainer.keyboard.press("Tab")  # on to "Add source", out of the row
    expect(new_row).to_have_class("row is-folded")
    expect(sources.locator(".outline-link")).to_have_text("Sources 21")
    shot(trainer, "1366-top")

    # removing an open row puts the cursor on the (folded) row that takes its place
    nineteenth = trainer.locator("#q-citations .row").nth(18)
    nineteenth.locator("[data-row-summary]").click()
    nineteenth.get_by_role("button", name="Remove source").click()
    expect(
        trainer.locator("#q-citations .row").nth(18).locator("[data-row-summary]")
    ).to_be_focused()
    expect(sources.locator(".outline-link")).to_have_text("Sources 20")


def test_citation_picker_names_sources_by_title(trainer, live_server, long_task):
    open_long(trainer, live_server, long_task)
    criterion = trainer.locator("#q-rubric .row").first
    criterion.locator("[data-row-summary]").click()
    picker = criterion.locator('select[data-field="citation"]')
    expect(picker).to_be_visible()
    labels = picker.locator("option").all_inner_texts()
    identifiers = [source["identifier"] for source in long_task.answer["citations"]]
    titles = [source["title"] for source in long_task.answer["citations"]]
    assert labels[0] == "Choose a source…"
    assert len(labels) == 21
    assert not set(labels) & set(identifiers)
    assert all(
        title.startswith(label.rstrip("…")) for label, title in zip(labels[1:], titles, strict=True)
    )
    expect(picker).to_have_value("10.18653/v1/2021.acl-long.150")
    selected = picker.evaluate("select => select.selectedOptions[0].textContent")
    assert selected.startswith("Goldfarb-Tarrant, Marchant")
    # the folded line of a criterion names its source by title too
    trainer.locator("#q-answer-input").click()
    expect(criterion.locator(".row-summary-detail")).to_contain_text("Goldfarb-Tarrant")


def test_a_row_with_a_problem_is_marked_and_the_outline_jumps_to_it(
    trainer, live_server, long_task
):
    open_long(trainer, live_server, long_task)
    outline = trainer.get_by_test_id("outline")
    fifth = trainer.locator("#q-rubric .row").nth(4)
    fifth.locator("[data-row-summary]").click()
    fifth.get_by_label("Points").fill("0")
    trainer.locator("#q-answer-input").click()  # leave the row

    entry = outline_rows(trainer, "rubric").nth(4)
    expect(entry).to_have_attribute("data-state", "problem")
    expect(entry).to_have_attribute(
        "title", f"Points must be a non-zero number from {MINUS}100 to 100."
    )
    expect(outline.locator('[data-outline-section="rubric"] [data-outline-flag]')).to_have_text(
        "! 1"
    )
    expect(outline.locator("[data-outline-summary]")).to_have_text("1 row needs attention.")
    expect(fifth).not_to_have_class("row is-folded has-problem")  # a problem never folds away
    expect(fifth.locator("[data-row-problems]")).to_have_text(
        f"Points must be a non-zero number from {MINUS}100 to 100."
    )
    shot(trainer, "1366-problem")

    # away from it, then back by clicking its marker in the outline
    rows_pane = trainer.get_by_test_id("pane-rows")
    rows_pane.evaluate("pane => { pane.scrollTop = 0; }")
    trainer.locator("#q-answer-input").click()
    entry.click()
    points = fifth.get_by_label("Points")
    expect(points).to_be_focused()
    assert in_view(box(points), LAPTOP)
    pane = box(rows_pane)
    assert pane["y"] <= box(points)["y"] <= pane["y"] + pane["height"]

    # "Next problem" goes there as well, and the arrow keys walk the outline
    trainer.locator("#q-answer-input").click()
    outline.get_by_test_id("outline-next").click()
    expect(points).to_be_focused()
    outline_rows(trainer, "rubric").nth(0).focus()
    trainer.keyboard.press("ArrowDown")
    expect(outline_rows(trainer, "rubric").nth(1)).to_be_focused()
    trainer.keyboard.press("Enter")
    expect(
        trainer.locator("#q-rubric .row").nth(1).get_by_label("Criterion", exact=True)
    ).to_be_focused()

    # fixed: the marker goes, and the row folds once left
    points.fill("4")
    trainer.locator("#q-answer-input").click()
    expect(entry).to_have_attribute("data-state", "done")
    expect(fifth).to_have_class("row is-folded")
    expect(outline.locator("[data-outline-next]")).to_be_hidden()


def test_the_servers_complaint_about_a_row_is_pinned_to_it(trainer, live_server, long_task):
    open_long(trainer, live_server, long_task)
    third = trainer.locator("#q-citations .row").nth(2)
    third.locator("[data-row-summary]").click()
    # not an identifier the server accepts; the page does not second-guess its rules
    third.get_by_label("Identifier").fill("Bender et al. 2021")
    trainer.locator("#q-answer-input").focus()
    trainer.keyboard.press("Control+Enter")

    entry = outline_rows(trainer, "citations").nth(2)
    expect(entry).to_have_attribute("data-state", "problem")
    expect(entry).to_have_attribute(
        "title", 'Identifier "Bender et al. 2021" is not a URL, DOI, ISBN or arXiv id.'
    )
    expect(third).to_have_class("row has-problem")
    assert not Submission.objects.filter(task=long_task.task).exists()

    # editing another row keeps this one's marker; editing it clears it
    second = trainer.locator("#q-citations .row").nth(1)
    second.locator("[data-row-summary]").click()
    second.get_by_label("Title").press("End")
    trainer.keyboard.type(" ")
    expect(entry).to_have_attribute("data-state", "problem")
    third.get_by_label("Identifier").fill("10.1145/3442188.3445922")
    expect(entry).not_to_have_attribute("data-state", "problem")


def test_folded_rows_are_submitted_as_written(trainer, live_server, long_task):
    open_long(trainer, live_server, long_task)
    expect(trainer.locator(".long-rows .row.is-folded")).to_have_count(41)
    before = trainer.url
    trainer.get_by_test_id("submit").click()
    trainer.wait_for_url(lambda url: url != before)
    submission = Submission.objects.get(task=long_task.task)
    assert submission.answer == long_task.answer


def test_at_1366_the_answer_stays_in_view_while_the_last_criterion_is_written(
    trainer, live_server, long_task
):
    open_long(trainer, live_server, long_task, LAPTOP)
    shot(trainer, "1366-load")
    answer = trainer.locator("#q-answer-input")
    submit = trainer.get_by_test_id("submit")
    assert in_view(box(answer), LAPTOP)
    assert box(answer)["height"] >= 150
    assert in_view(box(submit), LAPTOP)

    outline_rows(trainer, "rubric").last.click()
    last = trainer.locator("#q-rubric .row").last
    rationale = last.get_by_label("Rationale")
    rationale.click()
    rationale.press("End")
    trainer.keyboard.type(" It matters.")
    shot(trainer, "1366-last-criterion")

    for needed in (answer, rationale, submit, trainer.get_by_test_id("outline")):
        assert in_view(box(needed), LAPTOP)
    assert trainer.evaluate("() => window.scrollY") == 0
    # the outline follows the row being written
    expect(outline_rows(trainer, "rubric").last).to_have_attribute("aria-current", "true")


def test_at_1920_answer_outline_and_criteria_sit_side_by_side(trainer, live_server, long_task):
    open_long(trainer, live_server, long_task, DESKTOP)
    shot(trainer, "1920-top")
    answer = box(trainer.get_by_test_id("pane-answer"))
    outline = box(trainer.get_by_test_id("outline"))
    rows = box(trainer.get_by_test_id("pane-rows"))
    for pane in (answer, outline, rows):
        assert pane["width"] >= 400
        assert in_view(pane, DESKTOP)
    assert answer["x"] + answer["width"] <= outline["x"]
    assert outline["x"] + outline["width"] <= rows["x"]
    assert abs(answer["y"] - outline["y"]) < 2 and abs(answer["y"] - rows["y"]) < 2
    # the screen is used: no wide empty margins
    assert rows["x"] + rows["width"] >= DESKTOP["width"] - 60

    trainer.locator("#q-rubric .row").nth(10).locator("[data-row-summary]").click()
    shot(trainer, "1920-mid-criteria")
    assert in_view(box(trainer.locator("#q-answer-input")), DESKTOP)


def test_on_a_narrow_window_the_panes_stack_and_the_page_scrolls(trainer, live_server, long_task):
    narrow = {"width": 1000, "height": 768}
    open_long(trainer, live_server, long_task, narrow)
    answer = box(trainer.get_by_test_id("pane-answer"))
    outline = box(trainer.get_by_test_id("outline"))
    rows = box(trainer.get_by_test_id("pane-rows"))
    assert answer["y"] + answer["height"] <= outline["y"] <= rows["y"]
    # the outline lists the parts with their counts; the rows have their own folded lines
    expect(outline_rows(trainer, "rubric").first).to_be_hidden()
    expect(trainer.locator('[data-outline-section="rubric"] .outline-link')).to_have_text(
        "Rubric criteria 21"
    )
    trainer.locator('[data-outline-section="rubric"] .outline-link').click()
    expect(trainer.locator("#q-rubric")).to_be_focused()
    assert in_view(box(trainer.locator("#q-rubric-prompt")), narrow)
    shot(trainer, "1000-stacked")

# ruff: noqa: F811 - `work` and `through_the_media_view` are imported fixtures
"""Review at speed in a real Chromium (#19): a QA lead decides ten submissions with the
keyboard only, each decision landing on the next item of the queue ("Decide and go to
next"), counting the keystrokes of each decision; and judges a 20-criterion rubric in
sections without the mouse; and zooms the task's image. Shortcuts never fire while typing in
a text field."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reviews.models import Review
from tests.e2e.conftest import login
from tests.e2e.test_image_boxes import (  # noqa: F401 (fixtures)
    HEIGHT,
    IMAGE_LOADED,
    WIDTH,
    through_the_media_view,
    work,
)
from tests.factories import submit

pytestmark = pytest.mark.e2e

READY = "form[data-review-form][data-shortcuts-ready]"


def _rubric(count: int) -> dict:
    """``count`` criteria in two sections; every fourth is ordinal (0-2) with guidance."""
    criteria = []
    for n in range(1, count + 1):
        criterion = {
            "kind": "criterion",
            "id": f"k{n}",
            "title": f"Criterion number {n}",
            "points": 2,
            "polarity": "positive",
            "description": f"Guidance for criterion {n}.",
        }
        if n % 4 == 0:
            criterion["scale"] = {
                "type": "ordinal",
                "levels": [
                    {"value": 0, "descriptor": "No"},
                    {"value": 1, "descriptor": "Partly"},
                    {"value": 2, "descriptor": "Yes"},
                ],
            }
        criteria.append(criterion)
    half = count // 2
    return {
        "schema_version": 1,
        "criteria": [
            {"kind": "section", "id": "first", "title": "First part", "children": criteria[:half]},
            {
                "kind": "section",
                "id": "second",
                "title": "Second part",
                "children": criteria[half:],
            },
        ],
    }


@pytest.fixture
def keyboard_project(cast, mcq, monkeypatch):
    """The cast's project with a pinned 20-criterion rubric, guideline rule R1, ten more
    tasks, and checks that fail on answer "C"."""
    import quality.checks as checks
    from quality.checks.findings import Finding
    from tasks.services import (
        guideline_rule_add,
        guidelines_acknowledge,
        guidelines_publish,
        project_rubric_create,
        project_rubric_publish,
        tasks_create,
    )

    link = project_rubric_create(
        project=cast.project, title="Long rubric", content=_rubric(20), by=cast.setter
    )
    version = project_rubric_publish(link=link, note="v1", by=cast.setter, pin=True)
    guideline_rule_add(project=cast.project, title="Answer in English", by=cast.setter)
    guidelines_publish(project=cast.project, note="First rules", by=cast.setter)
    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=1)
    real_run_check = checks.run_check

    def run_check(name, data, config=None):
        answer = data.answer.get("answer") if isinstance(data.answer, dict) else None
        if name == "telemetry" and answer == "C":
            return [Finding("fail", "Telemetry fail", "answer", {"seconds": 1})]
        return real_run_check(name, data, config)

    monkeypatch.setattr(checks, "run_check", run_check)
    tasks = tasks_create(
        project=cast.project,
        items=[{"question": f"Keyboard {n}?\n\n- A\n- B\n- C"} for n in range(10)],
        by=cast.setter,
    )
    return {"version": version, "tasks": tasks}


class Keys:
    """The page's keyboard, counting keystrokes (a typed text counts one per character)."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.count += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.count += len(text)


def test_a_reviewer_decides_ten_submissions_with_the_keyboard_only(
    page, page_problems, live_server, cast, keyboard_project
):
    answers = ["C", "A", "A", "C", "A", "A", "A", "A", "A", "A"]
    made = [
        submit(task=task, author=cast.trainer, answer={"answer": answer})[0]
        for task, answer in zip(keyboard_project["tasks"], answers, strict=True)
    ]
    failed = {s.pk for s, answer in zip(made, answers, strict=True) if answer == "C"}
    login(page, live_server, cast.qa_lead)
    page.goto(live_server.url + reverse("review-queue", args=[cast.project.pk]))
    page.get_by_test_id("review-next").focus()
    page.keyboard.press("Enter")  # opens the first item; not part of any decision

    keys = Keys(page)
    per_decision: dict[int, int] = {}
    decided: list[int] = []
    for _ in range(10):
        page.wait_for_selector(READY, state="attached")
        match = re.search(r"/submissions/(\d+)/review/$", page.url)
        assert match, page.url
        current = int(match.group(1))
        expect(page.get_by_test_id("lease")).to_contain_text("You hold this submission")
        keys.count = 0
        if current in failed:
            # Return with a reason found by typing and a comment, then Ctrl+Enter.
            keys.press("r")
            keys.press("/")
            keys.type("R1")
            keys.press("Enter")  # ticks the first match, does not send the form
            expect(
                page.get_by_test_id("reasons").get_by_label("R1: Answer in English")
            ).to_be_checked()
            keys.press("c")
            keys.type("Say why.")  # "a", "r", "y" typed here are text, not shortcuts
            expect(page.get_by_label("Comment for the author")).to_have_value("Say why.")
            expect(page.locator('input[name="decision"][value="return"]')).to_be_checked()
            keys.press("Control+Enter")
        else:
            keys.press("a")
            keys.press("Enter")
        expect(page.locator(".messages")).to_contain_text(f"Submission #{current}:")
        per_decision[current] = keys.count
        decided.append(current)

    # The last decision found nothing left and went back to the queue.
    expect(page).to_have_url(re.compile(rf"/projects/{cast.project.pk}/review/$"))
    expect(page.locator(".messages")).to_contain_text("Nothing is waiting for your review")
    assert sorted(decided) == sorted(s.pk for s in made)
    assert decided[:2] == sorted(failed)  # failed work first, as "Review next" orders it
    clean_counts = [count for pk, count in per_decision.items() if pk not in failed]
    print("keystrokes per decision:", per_decision)
    assert max(clean_counts) <= 3, per_decision
    for submission in made:
        review = Review.objects.get(submission=submission)
        if submission.pk in failed:
            assert review.decision == "return"
            assert review.reasons == [{"rule": "R1", "label": "Answer in English"}]
            assert review.comment == "Say why."
        else:
            assert review.decision == "accept"
    assert page_problems == []


def test_a_reviewer_judges_a_twenty_criterion_rubric_without_the_mouse(
    page, page_problems, live_server, cast, keyboard_project
):
    submission, _ = submit(
        task=keyboard_project["tasks"][0], author=cast.trainer, answer={"answer": "A"}
    )
    login(page, live_server, cast.qa_lead)
    page.goto(live_server.url + reverse("submission-review", args=[submission.pk]))
    page.wait_for_selector(READY, state="attached")
    form = page.get_by_test_id("review-form")
    expect(form.locator(".rubric-section h4")).to_have_text(["First part", "Second part"])
    expect(form.locator('[data-criterion="k3"] [data-testid="guidance"]')).to_contain_text(
        "Guidance for criterion 3."
    )

    keys = Keys(page)
    expected = {}
    for n in range(1, 21):
        if n % 4 == 0:
            keys.press("2")
            expected[f"k{n}"] = {"level": 2}
        elif n % 3 == 0:
            keys.press("n")
            expected[f"k{n}"] = {"met": False}
        else:
            keys.press("y")
            expected[f"k{n}"] = {"met": True}
    expect(page.get_by_test_id("live-score")).to_contain_text("20 of 20 criteria judged")
    # Back to k19 (judging stays on the last criterion), change it and write its evidence.
    keys.press("k")
    expect(form.locator('[data-criterion="k19"]')).to_have_class(re.compile("is-current"))
    keys.press("n")
    expected["k19"] = {"met": False}
    keys.press("ArrowUp")  # judging moved on to k20; back to k19
    keys.press("e")
    keys.type("Not explained")
    expected["k19"]["evidence"] = "Not explained"
    keys.press("Escape")
    keys.press("a")
    keys.press("Enter")
    expect(page.locator(".messages")).to_contain_text(f"Submission #{submission.pk}: accept")
    review = Review.objects.get(submission=submission)
    assert review.judgments == expected
    print("keystrokes for 20 criteria and the decision:", keys.count)
    assert keys.count == 20 + 4 + len("Not explained") + 3
    assert page_problems == []


def test_the_task_image_zooms_from_the_keyboard_and_by_a_click(
    page, page_problems, live_server, cast, work, through_the_media_view
):
    submission, _ = submit(
        task=work.task,
        author=cast.trainer,
        answer={
            "problems": {
                "image": {"width": WIDTH, "height": HEIGHT},
                "regions": [{"shape": "point", "label": "garbled_text", "x": 0.25, "y": 0.75}],
            }
        },
    )
    login(page, live_server, cast.qa_lead)
    page.goto(live_server.url + reverse("submission-review", args=[submission.pk]))
    page.wait_for_selector(READY, state="attached")
    page.wait_for_function(IMAGE_LOADED)
    dialog = page.locator("dialog[data-zoom-dialog]")
    expect(dialog).to_be_hidden()
    page.keyboard.press("z")
    expect(dialog).to_be_visible()
    big = dialog.locator("img[data-zoom-image]")
    expect(big).to_have_attribute("src", re.compile(r"shirt"))
    assert big.evaluate("img => img.complete && img.naturalWidth") == WIDTH
    big.click()  # full size
    expect(dialog.locator(".zoom-stage")).to_have_class(re.compile("is-actual"))
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # While the dialog was open no shortcut fired; now they work again.
    page.keyboard.press("a")
    expect(page.locator('input[name="decision"][value="accept"]')).to_be_checked()
    page.locator(".review-main .image-viewer img").click()
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("zoom-close").click()
    expect(dialog).to_be_hidden()
    assert page_problems == []

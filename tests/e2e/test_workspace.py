"""The trainer workspace in a real Chromium: keyboard-first answering of every question type,
drafts, submitting exactly once, server errors per question, playback rules and inert data."""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import expect

from tasks.answer_validation import count_words
from tasks.gallery import gallery_template
from tasks.models import Draft, Submission, SubmissionRevision
from tasks.services import project_remote_media_update
from tests.e2e.conftest import READY
from tests.e2e.workspace_fixtures import (
    definition_with,
    hostile_task_definition,
    serve_clip,
    setup_gallery,
    setup_workspace,
    store_clip,
)
from tests.factories import submit

pytestmark = pytest.mark.e2e


# Selects `needle` inside the span target as a mouse drag would (text nodes may be split by
# the marks of spans already made).
SELECT_TEXT = """
(needle) => {
  const target = document.querySelector('[data-span-target]');
  const at = target.textContent.indexOf(needle);
  if (at < 0) throw new Error('not in the target: ' + needle);
  const walker = document.createTreeWalker(target, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let seen = 0, node;
  while ((node = walker.nextNode())) {
    const len = node.data.length;
    if (seen <= at && at <= seen + len) range.setStart(node, at - seen);
    if (seen <= at + needle.length && at + needle.length <= seen + len) {
      range.setEnd(node, at + needle.length - seen);
      break;
    }
    seen += len;
  }
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}
"""


def open_workspace(page, live_server, work, task=None) -> None:
    page.goto(live_server.url + work.work_url(task))
    page.wait_for_function(READY)


def submit_with(page, key: str = "Enter") -> None:
    """Press ``key`` and wait for the page to move on (to the next task)."""
    before = page.url
    page.keyboard.press(key)
    page.wait_for_url(lambda url: url != before)


def eventually(check, timeout: float = 5.0):
    """Poll ``check`` (a database read) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def draft_answer(work, user):
    draft = Draft.objects.filter(task=work.task, author=user).first()
    return draft.answer if draft else None


def answer_of(work) -> dict:
    return Submission.objects.get(task=work.task).answer


def checked(page, qid: str) -> list[str]:
    return page.locator(f"#q-{qid} input:checked").evaluate_all("els => els.map(e => e.value)")


# --- one test per question type, filled with the keyboard ------------------------------


def test_single_choice_by_its_letter(trainer, live_server, cast):
    # The gallery's exam item has options A-C: B picks "B" (2 would make trainers translate).
    work = setup_gallery(cast, "multiple_choice")
    open_workspace(trainer, live_server, work)
    expect(trainer.locator("#q-answer kbd.key")).to_have_text(["A", "B", "C"])
    expect(trainer.locator("#shortcuts")).to_contain_text("Pick the choice with that letter")

    trainer.keyboard.press("2")
    assert checked(trainer, "answer") == []
    trainer.keyboard.press("b")
    assert checked(trainer, "answer") == ["B"]
    submit_with(trainer)

    submission = Submission.objects.get(task=work.task)
    assert submission.answer == {"answer": "B"}
    assert "active_seconds" in submission.telemetry


def test_multi_choice_toggles_by_number_keys(trainer, live_server, cast):
    options = [{"value": v, "label": v.title()} for v in ("red", "green", "blue", "grey")]
    question = {"id": "kinds", "type": "multi_choice", "prompt": "Which?", "options": options}
    work = setup_workspace(cast, definition_with(question), [{}])
    open_workspace(trainer, live_server, work)

    for key in ("1", "3", "1", "4"):
        trainer.keyboard.press(key)
    assert checked(trainer, "kinds") == ["blue", "grey"]
    submit_with(trainer)

    assert answer_of(work) == {"kinds": ["blue", "grey"]}


def test_ratings_by_value_and_by_position(trainer, live_server, cast):
    score = {
        "id": "score",
        "type": "rating",
        "prompt": "Score",
        "scale": {"min": 0, "max": 10, "labels": {"0": "Useless", "10": "Perfect"}},
    }
    balance = {"id": "balance", "type": "rating", "prompt": "Lean", "scale": {"min": -3, "max": 3}}
    work = setup_workspace(cast, definition_with(score, balance), [{}])
    open_workspace(trainer, live_server, work)

    trainer.keyboard.press("7")  # 0-9 scale points are keyed by value...
    expect(trainer.locator("#q-balance")).to_have_class(re.compile("is-current"))
    trainer.keyboard.press("1")  # ...others by position: the first point is -3
    submit_with(trainer)

    assert answer_of(work) == {"score": 7, "balance": -3}


def test_pairwise_with_strength_by_letter_then_number(trainer, live_server, cast):
    work = setup_gallery(cast, "pairwise")
    open_workspace(trainer, live_server, work)
    reason = (
        "B invents Sakura Sushi Bar, which no tool returned, and its 45 yuan price breaks the "
        "user's 40 yuan budget."
    )

    trainer.keyboard.press("a")
    trainer.keyboard.press("b")  # changed my mind
    trainer.keyboard.press("2")  # B is clearly better: +2
    trainer.keyboard.press("4")  # tool grounding; the reason box then has the focus
    expect(trainer.locator("#q-reason-input")).to_be_focused()
    trainer.keyboard.type(reason)
    # the live count agrees with the server's
    expect(trainer.locator("#q-reason-counter")).to_contain_text(f"{count_words(reason)} words")
    submit_with(trainer, "Control+Enter")

    submission = Submission.objects.get(task=work.task)
    assert submission.answer == {
        "preference": {"choice": "B", "strength": 2},
        "tool_grounding": 4,
        "reason": reason,
    }
    assert submission.telemetry["fields"]["reason"] == {"typed": len(reason), "pasted": 0}


def test_pairwise_tie_without_strength(trainer, live_server, cast):
    question = {"id": "which", "type": "pairwise", "prompt": "Better?", "labels": ["Left", "Right"]}
    work = setup_workspace(cast, definition_with(question), [{}])
    open_workspace(trainer, live_server, work)

    trainer.keyboard.press("t")
    submit_with(trainer)

    assert answer_of(work) == {"which": {"choice": "tie"}}


def test_ranking_by_pressing_items_best_first(trainer, live_server, cast):
    items = [{"value": v, "label": f"Reply {v.upper()}"} for v in ("a", "b", "c")]
    question = {"id": "order", "type": "ranking", "prompt": "Rank the replies", "items": items}
    work = setup_workspace(cast, definition_with(question), [{}])
    open_workspace(trainer, live_server, work)

    for key in ("3", "1", "2"):
        trainer.keyboard.press(key)
    expect(trainer.get_by_label("Reply C")).to_have_value("1")
    expect(trainer.get_by_label("Reply A")).to_have_value("2")
    # taking a rank another item holds swaps the two (no ties allowed here)
    trainer.get_by_label("Reply B").select_option("1")
    expect(trainer.get_by_label("Reply C")).to_have_value("3")
    trainer.locator("#q-order").focus()
    submit_with(trainer)

    assert answer_of(work) == {"order": {"a": 2, "b": 1, "c": 3}}


def test_text_counts_words_live_and_records_typed_and_pasted(trainer, live_server, cast):
    summary = {
        "id": "summary",
        "type": "text",
        "prompt": "One line",
        "multiline": False,
        "min_words": 3,
        "max_chars": 50,
    }
    notes = {"id": "notes", "type": "text", "prompt": "Notes", "required": False}
    work = setup_workspace(cast, definition_with(summary, notes), [{}])
    trainer.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_workspace(trainer, live_server, work)

    trainer.get_by_role("textbox", name="Notes").focus()
    trainer.evaluate("() => navigator.clipboard.writeText('pasted words')")
    trainer.keyboard.press("Control+V")
    trainer.get_by_role("textbox", name="One line").focus()
    trainer.keyboard.type("我哋去飲茶 lunch")
    # every CJK ideograph is a word, as the server counts
    expect(trainer.locator("#q-summary-counter")).to_contain_text("6 words (at least 3)")
    submit_with(trainer)  # Enter in a one-line answer submits

    submission = Submission.objects.get(task=work.task)
    assert submission.answer == {"summary": "我哋去飲茶 lunch", "notes": "pasted words"}
    assert submission.telemetry["fields"] == {
        "summary": {"typed": 11, "pasted": 0},
        "notes": {"typed": 0, "pasted": 12},
    }


def test_text_spans_from_a_selection_in_code_points(trainer, live_server, cast):
    # "𠹺" lies outside the Basic Multilingual Plane: one code point, two UTF-16 units
    passage = "呢度有𠹺錯字, and a wrong claim."
    question = {
        "id": "marks",
        "type": "spans",
        "prompt": "Mark the problems",
        "target": {"kind": "text", "field": "passage"},
        "tags": ["typo", "claim"],
    }
    display = [{"type": "text", "field": "passage", "label": "Passage"}]
    work = setup_workspace(cast, definition_with(question, display=display), [{"passage": passage}])
    open_workspace(trainer, live_server, work)

    trainer.evaluate(SELECT_TEXT, "錯字")
    trainer.keyboard.press("1")
    trainer.evaluate(SELECT_TEXT, " wrong claim")  # surrounding spaces are trimmed
    trainer.keyboard.press("2")
    expect(trainer.locator("[data-span-target] mark")).to_have_count(2)
    trainer.get_by_label("Comment on span 1").fill("錯 is fine, 字 is not")
    submit_with(trainer, "Control+Enter")

    start = passage.index("錯字")
    claim = passage.index("wrong claim")
    assert answer_of(work) == {
        "marks": [
            {"start": start, "end": start + 2, "tag": "typo", "comment": "錯 is fine, 字 is not"},
            {"start": claim, "end": claim + len("wrong claim"), "tag": "claim", "comment": ""},
        ]
    }
    assert start == 4  # code points, not the browser's UTF-16 offset (5)


def test_audio_spans_from_the_playhead(trainer, live_server, cast):
    clip_url = serve_clip(trainer, "https://media.example.test/tts/clip-0042.wav", seconds=2.0)
    data = gallery_template("cantonese_tts").sample_task | {"audio": clip_url}
    work = setup_gallery(cast, "cantonese_tts", data=data)
    # Remote audio plays only from hosts the project lists (else it is shown as a link).
    project_remote_media_update(project=cast.project, hosts=["media.example.test"])
    open_workspace(trainer, live_server, work)
    status = trainer.locator("[data-player-status]")
    expect(trainer.locator("[data-player-duration]")).to_have_text("0:02.00")

    # jumping to the end is not listening to the end
    trainer.locator("audio").evaluate("a => { a.currentTime = 1.9; }")
    trainer.keyboard.press("p")
    expect(status).to_contain_text("play it to the end")
    expect(trainer.locator("#q-naturalness [data-playback-hint]")).to_be_visible()
    trainer.keyboard.press("r")  # replay from the start, all the way through
    expect(status).to_have_text("Played to the end.")

    trainer.keyboard.press("4")  # the rating, then on to the spans
    for key in (",", "[", ".", "]"):  # back to 1 s, set start; forward to 2 s, set end
        trainer.keyboard.press(key)
    expect(trainer.locator("[data-span-region]")).to_have_text("0:01.00 \u2013 0:02.00")
    trainer.keyboard.press("2")
    trainer.get_by_label("Comment on span 1").fill("賣 is swallowed")
    submit_with(trainer, "Control+Enter")

    submission = Submission.objects.get(task=work.task)
    assert submission.answer == {
        "naturalness": 4,
        "issues": [
            {"start": 1.0, "end": 2.0, "tag": "swallowed syllable", "comment": "賣 is swallowed"}
        ],
    }
    clip = submission.telemetry["audio"]["clip"]
    assert clip["completed"] is True
    assert clip["duration"] == pytest.approx(2.0, abs=0.01)
    assert 1.8 <= clip["played_seconds"] <= 2.5


def test_citations_and_rubric_rows_typed_with_the_keyboard(trainer, live_server, cast):
    citations = {"id": "sources", "type": "citations", "prompt": "Sources", "min": 2, "max": 5}
    rubric = {
        "id": "rubric",
        "type": "rubric_items",
        "prompt": "Criteria",
        "min": 2,
        "citations_question": "sources",
    }
    work = setup_workspace(cast, definition_with(citations, rubric), [{}])
    open_workspace(trainer, live_server, work)
    keyboard = trainer.keyboard

    def type_row(values):
        for index, value in enumerate(values):
            if index:
                keyboard.press("Tab")
            keyboard.type(value)

    sources = trainer.locator("#q-sources")
    sources.get_by_label("Identifier").first.focus()
    type_row(["10.1126/science.aal4230", "Caliskan et al. 2017", "Corpus bias", "Shows it"])
    keyboard.press("Tab")  # Remove source
    keyboard.press("Tab")  # Add source
    keyboard.press("Enter")
    type_row(["arXiv:2101.00001", "A preprint", "Method", "Supports the method"])
    sources.get_by_role("button", name="Add source").click()
    type_row(["https://example.org/dropped", "Dropped", "x", "y"])
    sources.get_by_role("button", name="Remove source").nth(2).click()

    criteria = trainer.locator("#q-rubric")
    rows = criteria.locator(".row")
    rows.nth(0).get_by_label("Criterion", exact=True).focus()
    keyboard.type("Names the corpus as the source of bias")
    keyboard.press("Tab")
    keyboard.type("8")
    rows.nth(0).locator("select").select_option("10.1126/science.aal4230")
    rows.nth(0).get_by_label("Rationale").fill("Bias comes from data")
    criteria.get_by_role("button", name="Add criterion").click()
    keyboard.type("Pitfall: blames only the model")
    keyboard.press("Tab")
    keyboard.type("-4")
    rows.nth(1).locator("select").select_option("arXiv:2101.00001")
    rows.nth(1).get_by_label("Rationale").fill("Ignores the data")
    # renaming a source keeps the criterion that cites it pointing at it
    first_identifier = sources.get_by_label("Identifier").first
    first_identifier.fill("doi:10.1126/science.aal4230")
    expect(rows.nth(0).locator("select")).to_have_value("doi:10.1126/science.aal4230")
    expect(criteria.locator("[data-list-count]")).to_contain_text("2 criteria")
    first_identifier.focus()
    submit_with(trainer, "Control+Enter")

    assert answer_of(work) == {
        "sources": [
            {
                "identifier": "doi:10.1126/science.aal4230",
                "title": "Caliskan et al. 2017",
                "why": "Corpus bias",
                "support": "Shows it",
            },
            {
                "identifier": "arXiv:2101.00001",
                "title": "A preprint",
                "why": "Method",
                "support": "Supports the method",
            },
        ],
        "rubric": [
            {
                "criterion": "Names the corpus as the source of bias",
                "points": 8,
                "citation": "doi:10.1126/science.aal4230",
                "rationale": "Bias comes from data",
            },
            {
                "criterion": "Pitfall: blames only the model",
                "points": -4,
                "citation": "arXiv:2101.00001",
                "rationale": "Ignores the data",
            },
        ],
    }


def test_show_if_hides_live_and_drops_hidden_answers(trainer, live_server, cast):
    work = setup_gallery(cast, "product_image")
    open_workspace(trainer, live_server, work)
    sent: list[dict] = []
    trainer.on(
        "request",
        lambda r: sent.append(r.post_data_json) if r.url.endswith("/submit/") else None,
    )
    conditional = trainer.locator("#q-violation_types")
    lighting_number = trainer.locator("#q-lighting .q-num")
    expect(conditional).to_be_hidden()
    expect(lighting_number).to_have_text("2")  # numbers skip no hidden question

    trainer.keyboard.press("2")  # a violation: the follow-up question appears and is current
    expect(conditional).to_be_visible()
    expect(conditional.locator(".q-num")).to_have_text("2")
    expect(lighting_number).to_have_text("3")
    trainer.keyboard.press("1")
    trainer.keyboard.press("k")  # back to the verdict
    trainer.keyboard.press("1")  # no violation after all: the follow-up hides again
    expect(conditional).to_be_hidden()
    expect(lighting_number).to_have_text("2")
    for key in ("4", "3", "5", "2"):  # lighting, composition, high-class, garbled text
        trainer.keyboard.press(key)
    submit_with(trainer)

    expected = {"verdict": "ok", "lighting": 4, "composition": 3, "high_class": 5}
    assert answer_of(work) == expected | {"garbled_text": "no"}
    assert "violation_types" not in sent[0]["answer"]


# --- drafts, submitting once, server errors ----------------------------------------------


def test_reload_restores_the_draft(trainer, live_server, cast):
    work = setup_gallery(cast, "pairwise")
    open_workspace(trainer, live_server, work)
    text = "Half of my reasoning"

    trainer.keyboard.press("b")
    trainer.keyboard.press("1")
    trainer.keyboard.press("4")
    trainer.keyboard.type(text)
    expect(trainer.get_by_test_id("save-status")).to_have_text("Saved")
    expected = {"preference": {"choice": "B", "strength": 1}, "tool_grounding": 4, "reason": text}
    assert eventually(lambda: draft_answer(work, cast.trainer) == expected)
    trainer.reload()
    trainer.wait_for_function(READY)

    expect(trainer.get_by_test_id("save-status")).to_have_text("Draft restored")
    expect(trainer.locator("#q-reason-input")).to_have_value(text)
    assert checked(trainer, "preference") == ["B", "1"]
    assert checked(trainer, "tool_grounding") == ["4"]
    draft = Draft.objects.get(task=work.task, author=cast.trainer)
    assert draft.telemetry["fields"]["reason"]["typed"] == len(text)


def test_double_click_and_double_enter_submit_once(trainer, live_server, cast):
    starter = gallery_template("multiple_choice")
    work = setup_workspace(cast, starter.definition, [starter.sample_task] * 3, extra_tasks=0)
    posts: list[str] = []
    trainer.on("request", lambda r: posts.append(r.url) if r.url.endswith("/submit/") else None)

    def answer_then(key: str, submit_twice) -> None:
        trainer.wait_for_function(READY)
        trainer.keyboard.press(key)
        before = trainer.url
        submit_twice()
        trainer.wait_for_url(lambda url: url != before)

    open_workspace(trainer, live_server, work)
    # task 1: two clicks and two form submits in the same instant
    answer_then(
        "a",
        lambda: trainer.evaluate(
            """() => {
                const button = document.getElementById('submit-button');
                const form = document.getElementById('answer-form');
                button.click(); button.click(); form.requestSubmit(); form.requestSubmit();
            }"""
        ),
    )
    # task 2: a real double click
    answer_then("b", lambda: trainer.locator("#submit-button").dblclick())
    # task 3: Enter pressed twice in a row
    answer_then("c", lambda: (trainer.keyboard.press("Enter"), trainer.keyboard.press("Enter")))

    answers = [Submission.objects.get(task=task).answer for task in work.tasks]
    assert answers == [{"answer": "A"}, {"answer": "B"}, {"answer": "C"}]
    assert Submission.objects.count() == SubmissionRevision.objects.count() == 3
    assert len(posts) == 3


def test_a_lost_response_is_retried_with_the_same_key(trainer, live_server, cast):
    # given: the server stores the first submit, but its answer never reaches the page
    work = setup_gallery(cast, "multiple_choice")
    bodies: list[dict] = []

    def lose_first_response(route):
        bodies.append(route.request.post_data_json)
        if len(bodies) == 1:
            route.fetch()
            route.abort()
        else:
            route.continue_()

    trainer.route("**/submit/", lose_first_response)
    open_workspace(trainer, live_server, work)

    # when
    trainer.keyboard.press("b")
    trainer.keyboard.press("Enter")
    retry = trainer.get_by_role("button", name="Try again")
    expect(retry).to_be_visible()
    assert Submission.objects.filter(task=work.task).count() == 1
    before = trainer.url
    retry.click()
    trainer.wait_for_url(lambda url: url != before)

    # then: the retry got the same submission back, under the same key
    assert len(bodies) == 2
    assert bodies[0]["idempotency_key"] == bodies[1]["idempotency_key"]
    assert Submission.objects.filter(task=work.task).count() == 1


def test_invalid_answer_shows_errors_per_question_and_keeps_the_draft(trainer, live_server, cast):
    work = setup_gallery(cast, "pairwise")
    open_workspace(trainer, live_server, work)

    # when: A without a strength, no grounding rating, and too short a reason
    trainer.keyboard.press("a")
    trainer.locator("#q-reason-input").focus()
    trainer.keyboard.type("Too short.")
    trainer.keyboard.press("Control+Enter")

    # then: the server's messages sit under their questions, and nothing was submitted
    expect(trainer.locator("#q-preference [data-errors]")).to_contain_text("strength is required")
    expect(trainer.locator("#q-tool_grounding [data-errors]")).to_have_text(
        "This question is required."
    )
    expect(trainer.locator("#q-reason [data-errors]")).to_contain_text("Too few words: 2")
    expect(trainer.locator("#form-errors")).to_contain_text("Some answers need attention")
    expect(trainer.get_by_test_id("save-status")).to_have_text("Saved")
    assert not Submission.objects.exists()
    kept = {"preference": {"choice": "A"}, "reason": "Too short."}
    assert eventually(lambda: draft_answer(work, cast.trainer) == kept)

    # and fixing them submits
    trainer.locator("#q-preference").focus()
    trainer.keyboard.press("1")
    expect(trainer.locator("#q-preference [data-errors]")).to_be_hidden()
    trainer.keyboard.press("5")
    trainer.keyboard.type(
        " A uses only what the search tool returned and it stays well under the budget."
    )
    submit_with(trainer, "Control+Enter")
    assert answer_of(work)["preference"] == {"choice": "A", "strength": -1}


def test_rating_waits_until_the_clip_played_to_the_end(
    trainer, live_server, cast, settings, tmp_path
):
    # given: the clip is a file in the project's storage
    settings.MEDIA_ROOT = tmp_path
    data = gallery_template("cantonese_tts").sample_task | {"audio": store_clip(seconds=1.0)}
    work = setup_gallery(cast, "cantonese_tts", data=data)
    open_workspace(trainer, live_server, work)
    hint = trainer.locator("#q-naturalness [data-playback-hint]")

    # before playing: the number key does nothing and the hint says why
    trainer.keyboard.press("4")
    assert checked(trainer, "naturalness") == []
    expect(hint).to_be_visible()
    expect(trainer.locator("#q-naturalness input[value='4']")).to_be_disabled()

    trainer.keyboard.press("p")
    expect(trainer.locator("[data-player-status]")).to_have_text("Played to the end.")
    expect(hint).to_be_hidden()
    trainer.keyboard.press("4")
    assert checked(trainer, "naturalness") == ["4"]
    submit_with(trainer)

    submission = Submission.objects.get(task=work.task)
    assert submission.answer == {"naturalness": 4}
    assert submission.telemetry["audio"]["clip"]["completed"] is True


def test_revising_a_submission_patches_it(trainer, live_server, cast):
    work = setup_gallery(cast, "multiple_choice")
    submission, _ = submit(task=work.task, author=cast.trainer, answer={"answer": "A"})
    trainer.goto(f"{live_server.url}/submissions/{submission.pk}/revise/")
    trainer.wait_for_function(READY)
    assert checked(trainer, "answer") == ["A"]

    trainer.keyboard.press("c")
    submit_with(trainer)

    submission.refresh_from_db()
    assert trainer.url.endswith(f"/submissions/{submission.pk}/")
    assert submission.answer == {"answer": "C"}
    assert submission.revision == 2


# --- hostile task data ---------------------------------------------------------------------


def test_task_data_renders_inert(trainer, page_problems, live_server, cast):
    definition, data = hostile_task_definition()
    work = setup_workspace(cast, definition, [data])
    open_workspace(trainer, live_server, work)

    # interact with everything a payload could hide behind
    for element in trainer.locator(".display-blocks p, .display-blocks h3, .turn").all():
        element.hover()
    trainer.evaluate("""() => document.querySelectorAll('.display-blocks a').forEach(a =>
        a.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})))""")
    trainer.evaluate(SELECT_TEXT, "window.__pwned = 'text'")
    trainer.locator("#q-marks [data-tag]").click()
    trainer.wait_for_timeout(300)

    # then: nothing ran (no dialog, no global set) and no element from the data exists
    assert page_problems == []
    assert trainer.evaluate("() => window.__pwned") is None
    scripts = trainer.locator("script").evaluate_all(
        "els => els.map(s => s.src || s.type || s.textContent.slice(0, 40))"
    )
    # only the page's own static scripts (workspace.js and its helpers, the translations'
    # catalog) and the JSON config
    static_js = re.compile(r"^https?://[^/]+/(static/js/[\w.-]+\.js|jsi18n/\?lang=[\w-]*)$")
    assert all(static_js.match(s) or s == "application/json" for s in scripts), scripts
    handlers = trainer.evaluate(
        """() => [...document.querySelectorAll('*')].flatMap(el => [...el.attributes]
            .filter(a => a.name.startsWith('on')).map(a => el.tagName + ' ' + a.name))"""
    )
    assert handlers == []
    assert trainer.locator("img").count() == 0
    hrefs = trainer.locator("a").evaluate_all("els => els.map(a => a.getAttribute('href') || '')")
    assert not [h for h in hrefs if h.strip().lower().startswith("javascript:")]
    # the text is there, as text
    expect(trainer.locator(".block--text .block-text")).to_contain_text("<script>window.__pwned")
    config = json.loads(trainer.locator("#workspace-config").text_content())
    assert config["definition"]["title"].startswith("</script>")

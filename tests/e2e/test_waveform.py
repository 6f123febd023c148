"""The waveform in a real Chromium (static/js/waveform.js): a TTS listening test answered
with the keyboard and the mouse on the waveform, tagged regions with their comments, zoom,
speed and the spectrogram, honest playback telemetry, the policy, and the fallback to the
plain player when the clip cannot be fetched for drawing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from playwright.sync_api import expect

from tasks.gallery import gallery_template
from tasks.models import Submission
from tasks.services import project_remote_media_update
from tests.e2e.conftest import READY, STOP, login
from tests.e2e.workspace_fixtures import setup_gallery
from tests.factories import submit

pytestmark = pytest.mark.e2e

DEMO_CLIP = Path(__file__).resolve().parents[2] / "tasks" / "demo" / "media" / "tts-v1-001.wav"


def serve_ranges(page, url: str, body: bytes, *, cors: bool = False) -> None:
    """Answer the <audio> element's Range requests for ``url`` from ``body`` (the live test
    server ignores Range, and Chromium cannot seek in a clip served that way); every other
    request (the waveform's fetch) goes on to the real server, unless ``url`` is remote."""

    def fulfil(route):
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", route.request.headers.get("range", ""))
        # Playwright would allow every origin if this did not name one (route.fulfill).
        headers = {
            "Content-Type": "audio/wav",
            "Accept-Ranges": "bytes",
            "Access-Control-Allow-Origin": "*" if cors else "https://elsewhere.example.org",
        }
        if not match:
            if url.startswith("http://localhost") or url.startswith("http://127.0.0.1"):
                route.continue_()
            else:
                route.fulfill(status=200, headers=headers, body=body)
            return
        start = int(match.group(1))
        end = min(int(match.group(2) or len(body) - 1), len(body) - 1)
        headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
        route.fulfill(status=206, headers=headers, body=body[start : end + 1])

    page.route(url, fulfil)


@pytest.fixture
def problems(page) -> list[str]:
    found: list[str] = []
    page.on("pageerror", lambda error: found.append(f"page error: {error}"))
    page.on("dialog", lambda dialog: (found.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    return found


@pytest.fixture
def clip(page, live_server, settings, tmp_path) -> str:
    """The demo clip in the project's storage (its key); the page seeks in it."""
    settings.MEDIA_ROOT = tmp_path
    body = DEMO_CLIP.read_bytes()
    key = default_storage.save("tts/demo/tts-v1-001.wav", ContentFile(body))
    serve_ranges(page, live_server.url + reverse("media", kwargs={"path": key}), body)
    return key


def open_tts(page, live_server, cast, audio: str):
    """The Cantonese TTS template with ``audio``, open in the trainer's workspace."""
    data = gallery_template("cantonese_tts").sample_task | {"audio": audio}
    work = setup_gallery(cast, "cantonese_tts", data=data)
    login(page, live_server, cast.trainer)
    page.goto(live_server.url + work.work_url())
    page.wait_for_function(READY)
    return work


@pytest.fixture
def tts(page, problems, live_server, cast, clip):
    """The TTS listening test with the demo clip, its waveform drawn."""
    work = open_tts(page, live_server, cast, clip)
    expect(page.locator("[data-waveform]")).to_have_class(re.compile("is-ready"))
    yield work
    page.evaluate(STOP)
    assert problems == []


def waveform_x(page, seconds: float) -> float:
    """The page x of ``seconds`` on the (unzoomed) waveform."""
    return page.evaluate(
        """(t) => {
          const view = document.querySelector('[data-wf-view] .wf-scroll');
          const box = view.getBoundingClientRect();
          const content = view.firstElementChild;
          const duration = document.querySelector('audio').duration;
          const width = content.getBoundingClientRect().width;
          return box.left + (t / duration) * width - view.scrollLeft;
        }""",
        seconds,
    )


def test_a_tts_rating_with_tagged_regions_by_keyboard_and_by_mouse(page, tts):
    wave = page.locator("[data-wf-view]")
    status = page.locator("[data-player-status]")
    speed = page.locator("[data-player-speed]")

    # speed shortcuts: > twice is 1.5x, < once back to 1.25x
    page.keyboard.press(">")
    page.keyboard.press(">")
    expect(speed).to_have_value("1.5")
    page.keyboard.press("<")
    expect(speed).to_have_value("1.25")
    assert page.locator("audio").evaluate("a => a.playbackRate") == 1.25

    # the whole clip, played (the rating waits for it)
    page.keyboard.press("p")
    expect(status).to_have_text("Played to the end.", timeout=8000)
    page.keyboard.press("4")  # rating 4, then on to the spans question

    # a region by keyboard: back 1 s, start; forward... at the playhead
    for key in (",", ",", "[", ".", "]"):
        page.keyboard.press(key)
    region = page.locator("[data-span-region]")
    expect(region).to_contain_text("\u2013")
    expect(page.locator(".wf-selection")).to_be_visible()
    page.keyboard.press("2")  # swallowed syllable
    comment = page.get_by_label("Comment on span 1")
    expect(comment).to_be_focused()
    page.keyboard.type("skj: 賣 is swallowed")
    expect(comment).to_have_value("skj: 賣 is swallowed")
    expect(comment).to_be_focused()  # j/k moved nowhere, s skipped nothing (no dialog)
    page.keyboard.press("Escape")
    expect(comment).not_to_be_focused()
    expect(page.locator(".wf-region")).to_have_count(1)
    page.keyboard.press("l")  # out of the comment the keys work again
    expect(page.locator("[data-player='loop']")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("l")

    # a region by mouse: drag across 0.20 s to 0.60 s on the waveform
    y = wave.bounding_box()["y"] + 60
    page.mouse.move(waveform_x(page, 0.2), y)
    page.mouse.down()
    page.mouse.move(waveform_x(page, 0.4), y, steps=4)
    page.mouse.move(waveform_x(page, 0.6), y, steps=4)
    page.mouse.up()
    expect(region).to_have_text(re.compile(r"0:00\.[12]\d \u2013 0:00\.[56]\d"))
    page.keyboard.press("1")  # nasal deviation
    first = page.get_by_label("Comment on span 1")  # sorted by start: the new one is first
    expect(first).to_be_focused()
    page.keyboard.type("飲 ends in -n, not -m")
    expect(page.locator(".wf-region")).to_have_count(2)

    # Ctrl+Enter submits from the comment
    before = page.url
    page.keyboard.press("Control+Enter")
    page.wait_for_url(lambda url: url != before)

    submission = Submission.objects.get(task=tts.task)
    answer = submission.answer
    assert answer["naturalness"] == 4
    nasal, swallowed = answer["issues"]
    assert nasal["tag"] == "nasal deviation"
    assert nasal["comment"] == "飲 ends in -n, not -m"
    assert nasal["start"] == pytest.approx(0.2, abs=0.03)
    assert nasal["end"] == pytest.approx(0.6, abs=0.03)
    assert swallowed["tag"] == "swallowed syllable"
    assert swallowed["comment"] == "skj: 賣 is swallowed"
    assert swallowed["end"] - swallowed["start"] == pytest.approx(1.0, abs=0.01)
    clip = submission.telemetry["audio"]["clip"]
    assert clip["completed"] is True
    assert 3.0 <= clip["played_seconds"] <= 3.6


def telemetry(page) -> dict:
    return page.evaluate("() => window.AnnotationWorkspace.current.telemetry().audio.clip")


def test_seeking_on_the_waveform_is_not_listening(page, tts):
    wave = page.locator("[data-wf-view]")
    status = page.locator("[data-player-status]")
    # given: a click near the end of the waveform moves the playhead there
    page.mouse.click(waveform_x(page, 2.9), wave.bounding_box()["y"] + 60)
    assert page.locator("audio").evaluate("a => a.currentTime") == pytest.approx(2.9, abs=0.05)
    # when: the rest is played
    page.keyboard.press("p")
    # then: what was skipped is not counted
    expect(status).to_contain_text("play it to the end", timeout=5000)
    heard = telemetry(page)
    assert heard["completed"] is False
    assert heard["played_seconds"] < 0.6
    expect(page.locator("#q-naturalness [data-playback-hint]")).to_be_visible()
    # and a replay from the start all the way through completes it
    page.keyboard.press("r")
    expect(status).to_have_text("Played to the end.", timeout=8000)
    heard = telemetry(page)
    assert heard["completed"] is True
    assert 3.2 <= heard["played_seconds"] <= 4.0


def test_zoom_by_keys_and_buttons_and_the_spectrogram(page, tts):
    zoom = page.locator("[data-wf-zoom]")
    scroller = page.locator(".wf-scroll")
    wide = "el => el.scrollWidth / el.clientWidth"
    expect(zoom).to_have_text("100%")
    page.keyboard.press("+")
    expect(zoom).to_have_text("200%")
    assert scroller.evaluate(wide) == pytest.approx(2, abs=0.05)
    page.keyboard.press("=")
    expect(zoom).to_have_text("400%")
    page.keyboard.press("-")
    expect(zoom).to_have_text("200%")
    page.get_by_role("button", name="Zoom in").click()
    expect(zoom).to_have_text("400%")
    page.get_by_role("button", name="Fit", exact=True).click()
    expect(zoom).to_have_text("100%")
    expect(page.get_by_role("button", name="Zoom out")).to_be_disabled()

    toggle = page.get_by_role("button", name="Spectrogram")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-wf-note]")).to_have_text("")
    # the drawing is the spectrogram's colours now, not the waveform's white ground
    colour = page.evaluate(
        """() => {
          const c = document.querySelector('.wf-canvas');
          const d = c.getContext('2d').getImageData(c.width / 3, c.height * 0.9, 1, 1).data;
          return [d[0], d[1], d[2]];
        }"""
    )
    assert colour != [0, 0, 0] and colour[2] > colour[1] / 2  # viridis: purple to green
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")


def test_a_region_on_the_waveform_is_picked_and_resized(page, tts):
    wave = page.locator("[data-wf-view]")
    y = wave.bounding_box()["y"] + 70
    page.mouse.move(waveform_x(page, 1.0), y)
    page.mouse.down()
    page.mouse.move(waveform_x(page, 1.5), y, steps=5)
    page.mouse.up()
    page.get_by_role("button", name="unnatural stress").click()  # a tag by click
    expect(page.get_by_label("Comment on span 1")).to_be_focused()
    page.keyboard.type("先 stressed")
    page.keyboard.press("Escape")
    page.locator("[data-player='clear-region']").click()
    expect(page.locator(".wf-selection")).to_be_hidden()

    # its end edge dragged out to 2.0 s
    region = page.locator(".wf-region")
    expect(region).to_contain_text("3 unnatural stress")
    edge = region.locator("[data-edge='end']").bounding_box()
    page.mouse.move(edge["x"] + edge["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(waveform_x(page, 2.0), y, steps=5)
    page.mouse.up()
    (span,) = page.evaluate("() => window.AnnotationWorkspace.current.answer().issues")
    assert span["start"] == pytest.approx(1.0, abs=0.03)
    assert span["end"] == pytest.approx(2.0, abs=0.03)
    assert (span["tag"], span["comment"]) == ("unnatural stress", "先 stressed")

    # a click on it selects it again and shows its row
    box = region.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, y)
    expect(page.locator(".span-row.is-picked")).to_have_count(1)
    expect(page.locator("[data-span-region]")).to_have_text(
        re.compile(r"0:01\.\d\d \u2013 0:0[12]\.\d\d")
    )
    # and its Loop button loops it
    page.locator(".span-row [data-action='span-loop']").click()
    expect(page.locator("[data-player='loop']")).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(1500)  # longer than the region: it came round again
    now = page.locator("audio").evaluate("a => a.currentTime")
    assert span["start"] - 0.05 <= now <= span["end"] + 0.1
    page.keyboard.press("p")  # pause (the row button has focus, not a text box)


# --- where the clip cannot be read for drawing, and the policy ------------------------------

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.effectiveDirective + " blocked " + (e.blockedURI || "?"));
});
"""
REMOTE_CLIP = "https://media.example.test/tts/clip-0042.wav"


@pytest.mark.parametrize("cors", [False, True], ids=["no-cors", "cors"])
def test_a_remote_clip_draws_only_with_cors_and_always_plays(
    page, problems, live_server, cast, cors
):
    # given: a clip on a host the project lists (allowed in media-src and connect-src)
    page.add_init_script(RECORD_VIOLATIONS)
    serve_ranges(page, REMOTE_CLIP, DEMO_CLIP.read_bytes(), cors=cors)
    project_remote_media_update(project=cast.project, hosts=["media.example.test"])
    # when
    work = open_tts(page, live_server, cast, REMOTE_CLIP)
    # then: with CORS it is drawn; without, the page says so and the player is unchanged
    box = page.locator("[data-waveform]")
    if cors:
        expect(box).to_have_class(re.compile("is-ready"))
    else:
        expect(box).to_have_class(re.compile("is-unavailable"))
        expect(page.locator("[data-wf-note]")).to_contain_text("the player works as usual")
        expect(page.locator("[data-wf-view]")).to_be_hidden()
    page.keyboard.press("p")
    expect(page.locator("[data-player-status]")).to_have_text("Played to the end.", timeout=8000)
    page.keyboard.press("4")
    before = page.url
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url != before)
    submission = Submission.objects.get(task=work.task)
    assert submission.answer == {"naturalness": 4}
    assert submission.telemetry["audio"]["clip"]["completed"] is True
    assert problems == []
    if cors:
        assert page.evaluate("window.__cspViolations") == []


def test_the_waveform_and_spectrogram_break_no_policy(page, problems, live_server, cast, clip):
    page.add_init_script(RECORD_VIOLATIONS)
    open_tts(page, live_server, cast, clip)
    expect(page.locator("[data-waveform]")).to_have_class(re.compile("is-ready"))
    page.get_by_role("button", name="Spectrogram").click()
    expect(page.locator("[data-wf-note]")).to_have_text("")
    page.keyboard.press("+")
    assert page.evaluate("window.__cspViolations") == []
    page.evaluate(STOP)
    assert problems == []


# --- read-only, where the answer is read -------------------------------------------------------

ANSWER = {
    "naturalness": 3,
    "issues": [
        {"start": 0.4, "end": 0.9, "tag": "swallowed syllable", "comment": "賣 is swallowed"},
        {"start": 2.1, "end": 2.6, "tag": "nasal deviation", "comment": "飲 ends in -n"},
    ],
}


def test_the_submission_and_review_pages_show_the_regions(page, problems, live_server, cast, clip):
    data = gallery_template("cantonese_tts").sample_task | {"audio": clip}
    work = setup_gallery(cast, "cantonese_tts", data=data)
    telemetry = {"audio": {"clip": {"played_seconds": 3.3, "completed": True, "duration": 3.26}}}
    submission, _ = submit(task=work.task, author=cast.trainer, answer=ANSWER, telemetry=telemetry)

    login(page, live_server, cast.trainer)
    page.goto(live_server.url + reverse("submission-detail", args=[submission.pk]))
    expect(page.locator("[data-waveform]")).to_have_class(re.compile("is-ready"))
    regions = page.locator(".wf-region")
    expect(regions).to_have_count(2)
    # coloured by the template's tags (no number keys here: nothing is answered)
    expect(regions.nth(0)).to_have_text("swallowed syllable")
    expect(regions.nth(0)).to_have_attribute("data-tag-index", "1")
    expect(regions.nth(1)).to_have_text("nasal deviation")
    expect(regions.nth(1)).to_have_attribute("data-tag-index", "0")
    expect(regions.nth(1)).to_have_attribute("title", re.compile("飲 ends in -n"))
    # a click on a region plays it, and only it
    regions.nth(1).click()
    audio = page.locator("audio")
    page.wait_for_function(
        "() => { const a = document.querySelector('audio');"
        " return a.paused && a.currentTime > 2.3; }"
    )
    assert 2.5 <= audio.evaluate("a => a.currentTime") <= 2.9

    page.context.clear_cookies()
    login(page, live_server, cast.qa_lead)
    page.goto(live_server.url + reverse("submission-review", args=[submission.pk]))
    expect(page.locator(".wf-region")).to_have_count(2)
    assert problems == []


# --- the player stays on screen ---------------------------------------------------------------

ON_SCREEN = """(selector) => {
  const box = document.querySelector(selector).getBoundingClientRect();
  return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
}"""


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366x768", "1920x1080"])
def test_the_seek_bar_and_loop_stay_on_screen(page, tts, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    controls = (
        "[data-player-seek]",
        "[data-player='loop']",
        "[data-wf-view]",
        "[data-player='toggle']",
    )
    # at first, with the instructions open
    for selector in controls:
        assert page.evaluate(ON_SCREEN, selector), selector
    # with the questions scrolled to their end, and the page too
    page.evaluate(
        """() => {
          const panel = document.querySelector('.task-questions');
          panel.scrollTop = panel.scrollHeight;
          window.scrollTo(0, document.documentElement.scrollHeight);
        }"""
    )
    page.wait_for_timeout(100)
    for selector in controls:
        assert page.evaluate(ON_SCREEN, selector), selector


def test_a_reloaded_draft_shows_its_regions(page, tts, live_server):
    wave = page.locator("[data-wf-view]")
    y = wave.bounding_box()["y"] + 60
    page.mouse.move(waveform_x(page, 0.5), y)
    page.mouse.down()
    page.mouse.move(waveform_x(page, 1.2), y, steps=5)
    page.mouse.up()
    page.keyboard.press("4")  # the fourth tag: the rating waits for the clip to be heard
    page.keyboard.type("今日 sounds Guangzhou")
    page.evaluate("() => window.AnnotationWorkspace.current.flush()")
    expect(page.get_by_test_id("save-status")).to_have_text("Saved")

    page.reload()
    page.wait_for_function(READY)
    region = page.locator(".wf-region")
    expect(region).to_have_count(1)
    expect(region).to_have_text("4 Hong Kong vs Guangzhou accent")
    expect(region).to_have_attribute("data-tag-index", "3")
    expect(page.get_by_label("Comment on span 1")).to_have_value("今日 sounds Guangzhou")

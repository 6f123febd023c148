"""Nothing typed is lost, in a real Chromium: a session that ends mid-edit (log in again in
place, with a fresh CSRF token, and everything is saved and submitted), a server that cannot
be reached (the browser's copy is restored on reload), and two copies of one draft (the
newer saved one is kept, this browser's is offered, nothing is overwritten silently)."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from tasks.models import Draft, Submission
from tasks.services import draft_save
from tests.e2e.conftest import READY
from tests.e2e.workspace_fixtures import definition_with, setup_workspace
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

COPIES = "() => Object.keys(localStorage).filter(k => k.startsWith('annotation.workspace.copy.'))"
DRAFT_URL = "**/api/v1/tasks/*/draft/"

NOTES = {"id": "notes", "type": "text", "prompt": "Your notes", "multiline": True}
VERDICT = {
    "id": "verdict",
    "type": "single_choice",
    "prompt": "Is the reply correct?",
    "options": [{"value": "yes", "label": "Correct"}, {"value": "no", "label": "Wrong"}],
}


@pytest.fixture
def work(cast):
    return setup_workspace(cast, definition_with(VERDICT, NOTES), [{}])


def open_workspace(page, live_server, work) -> None:
    page.goto(live_server.url + work.work_url())
    page.wait_for_function(READY)


def eventually(check, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def draft_of(work, user):
    return Draft.objects.filter(task=work.task, author=user).first()


def csrf_cookie(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")


def log_in_in_dialog(page, username: str, password: str = PASSWORD) -> None:
    dialog = page.get_by_test_id("login-dialog")
    dialog.get_by_label("Username").fill(username)
    dialog.get_by_label("Password").fill(password)
    dialog.get_by_role("button", name="Log in and save").click()


# --- the session ends mid-edit ------------------------------------------------------------


def test_a_session_ended_mid_edit_logs_in_in_place_and_loses_nothing(
    trainer, live_server, cast, work
):
    puts: list[dict] = []
    trainer.on(
        "request",
        lambda r: puts.append(r.headers) if r.method == "PUT" and "/draft/" in r.url else None,
    )
    open_workspace(trainer, live_server, work)
    loaded_token = trainer.evaluate(
        "() => JSON.parse(document.getElementById('workspace-config').textContent).csrfToken"
    )
    status = trainer.get_by_test_id("save-status")
    trainer.get_by_role("radio", name="Correct").check()
    trainer.locator("#q-notes-input").click()
    trainer.keyboard.type("Typed before the session ended.")
    expect(status).to_have_text("Saved")
    saved = {"verdict": "yes", "notes": "Typed before the session ended."}
    assert eventually(lambda: draft_of(work, cast.trainer).answer == saved)

    # when: the session ends on the server, and the trainer types on
    Session.objects.all().delete()
    trainer.keyboard.type(" Typed after it ended.")
    full = "Typed before the session ended. Typed after it ended."

    # then: the autosave meets the ended session and the log-in dialog opens in place
    dialog = trainer.get_by_test_id("login-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Everything you typed is kept in this browser")
    expect(dialog.get_by_label("Username")).to_have_value(cast.trainer.username)
    # meanwhile the text is safe in this browser
    copies = trainer.evaluate(COPIES)
    assert copies == [
        f"annotation.workspace.copy.v1.u{cast.trainer.pk}.t{work.task.pk}.v{work.template.version}"
    ]
    stored = trainer.evaluate("(key) => JSON.parse(localStorage.getItem(key))", copies[0])
    assert stored["answer"]["notes"] == full and stored["dirty"] is True
    assert draft_of(work, cast.trainer).answer["notes"] == "Typed before the session ended."

    # a wrong password says so and keeps the dialog open
    log_in_in_dialog(trainer, cast.trainer.username, "not-the-password")
    expect(trainer.get_by_test_id("login-dialog-error")).to_contain_text("didn't match")
    expect(dialog).to_be_visible()

    # "Not now" leaves the work in this browser, and the page says how to save it
    dialog.get_by_role("button", name="Not now").click()
    expect(dialog).to_be_hidden()
    expect(status).to_have_text("Not saved — log in to save (kept in this browser)")
    expect(trainer.get_by_test_id("recovery-text")).to_contain_text("Your session has ended")

    # when: the trainer logs in again, from the note's button
    trainer.get_by_role("button", name="Log in to save").click()
    expect(dialog).to_be_visible()
    log_in_in_dialog(trainer, cast.trainer.username)

    # then: the dialog closes, the cursor is back in the answer (the next keys are text,
    # not shortcuts), and everything typed is on the server
    expect(dialog).to_be_hidden()
    expect(trainer.get_by_test_id("recovery-note")).to_be_hidden()
    expect(trainer.locator("#q-notes-input")).to_be_focused()
    trainer.keyboard.type(" Sure.")
    full += " Sure."
    expect(status).to_have_text("Saved")
    assert eventually(lambda: draft_of(work, cast.trainer).answer.get("notes") == full)
    assert draft_of(work, cast.trainer).answer["verdict"] == "yes"
    # sent with the token of the new session, read from the cookie, not the page's old one
    fresh = csrf_cookie(trainer)
    assert fresh != loaded_token
    assert puts[-1]["x-csrftoken"] == fresh
    assert puts[-1]["x-expected-user"] == str(cast.trainer.pk)
    assert trainer.evaluate(COPIES) == []  # the server has it: no copy left behind

    # and the submit goes through on the new session, with nothing lost
    before = trainer.url
    trainer.keyboard.press("Control+Enter")
    trainer.wait_for_url(lambda url: url != before)
    submission = Submission.objects.get(task=work.task)
    assert submission.answer == {"verdict": "yes", "notes": full}
    assert not draft_of(work, cast.trainer)


def test_a_submit_after_the_session_ended_logs_in_then_submits(trainer, live_server, cast, work):
    open_workspace(trainer, live_server, work)
    trainer.get_by_role("radio", name="Wrong").check()
    Session.objects.all().delete()
    trainer.locator("#q-notes-input").click()
    trainer.keyboard.type("Wrong year.")

    # when: submitted at once, before any autosave
    trainer.keyboard.press("Control+Enter")
    dialog = trainer.get_by_test_id("login-dialog")
    expect(dialog).to_be_visible()
    before = trainer.url
    log_in_in_dialog(trainer, cast.trainer.username)

    # then: the same click's submit is sent again and lands
    trainer.wait_for_url(lambda url: url != before)
    submitted = Submission.objects.get(task=work.task).answer
    assert submitted == {"verdict": "no", "notes": "Wrong year."}


def test_logging_in_as_someone_else_saves_nothing_into_their_account(
    trainer, live_server, cast, work
):
    other = cast.new_trainer()
    open_workspace(trainer, live_server, work)
    Session.objects.all().delete()
    trainer.locator("#q-notes-input").click()
    trainer.keyboard.type("Only the first trainer's words.")
    dialog = trainer.get_by_test_id("login-dialog")
    expect(dialog).to_be_visible()

    # when: somebody else logs in in the dialog
    log_in_in_dialog(trainer, other.username)

    # then: the page says so, stays open, and writes nothing into their account
    error = trainer.get_by_test_id("login-dialog-error")
    expect(error).to_contain_text(f"You are logged in as {other.username}")
    expect(error).to_contain_text("stays in this browser")
    expect(dialog).to_be_visible()
    trainer.wait_for_timeout(1500)  # an autosave's time
    assert not Draft.objects.exists()
    (key,) = trainer.evaluate(COPIES)
    stored = trainer.evaluate("(key) => JSON.parse(localStorage.getItem(key))", key)
    assert stored["answer"]["notes"] == "Only the first trainer's words."

    # and once the right person logs in, it is saved for them
    log_in_in_dialog(trainer, cast.trainer.username)
    expect(dialog).to_be_hidden()
    expect(trainer.get_by_test_id("save-status")).to_have_text("Saved")
    assert eventually(lambda: draft_of(work, cast.trainer) is not None)
    assert draft_of(work, cast.trainer).answer == {"notes": "Only the first trainer's words."}
    assert not draft_of(work, other)


# --- the server cannot be reached ----------------------------------------------------------


def test_typed_while_offline_is_kept_and_restored_on_reload(trainer, live_server, cast, work):
    # given: drafts and submits never reach the server
    trainer.route(DRAFT_URL, lambda route: route.abort())
    trainer.route("**/submit/", lambda route: route.abort())
    open_workspace(trainer, live_server, work)
    status = trainer.get_by_test_id("save-status")
    trainer.locator("#q-notes-input").click()
    trainer.keyboard.type("Written on a train with no signal.")
    expect(status).to_have_text("Offline — saved in this browser")

    # a submit says plainly that nothing was submitted, and keeps everything
    trainer.keyboard.press("Control+Enter")
    expect(trainer.locator("#form-errors")).to_contain_text("Offline: nothing was submitted yet")
    expect(trainer.locator("#q-notes-input")).to_have_value("Written on a train with no signal.")
    assert not Submission.objects.exists() and not Draft.objects.exists()

    # when: the page is reloaded, still offline
    trainer.reload()
    trainer.wait_for_function(READY)

    # then: this browser's copy is restored, and the page says so
    expect(trainer.locator("#q-notes-input")).to_have_value("Written on a train with no signal.")
    expect(trainer.get_by_test_id("recovery-text")).to_have_text(
        "Restored 1 unsaved change from this browser."
    )
    expect(status).to_have_text("Offline — saved in this browser")

    # and once the server is reachable again, it is saved there and the copy goes
    trainer.unroute(DRAFT_URL)
    expect(status).to_have_text("Saved", timeout=15_000)
    assert draft_of(work, cast.trainer).answer == {"notes": "Written on a train with no signal."}
    assert trainer.evaluate(COPIES) == []


# --- two copies of one draft ---------------------------------------------------------------


def test_a_newer_draft_from_another_device_is_kept_and_this_copy_offered(
    trainer, live_server, cast, work
):
    # given: typed here while offline...
    trainer.route(DRAFT_URL, lambda route: route.abort())
    open_workspace(trainer, live_server, work)
    trainer.locator("#q-notes-input").click()
    trainer.keyboard.type("This browser's version.")
    expect(trainer.get_by_test_id("save-status")).to_have_text("Offline — saved in this browser")
    # ...while another device saved a draft of the same task
    laptop = {"notes": "The laptop's version."}
    draft_save(task=work.task, author=cast.trainer, answer=laptop, base_revision=0)

    # when: this page is reloaded, online again
    trainer.unroute(DRAFT_URL)
    trainer.reload()
    trainer.wait_for_function(READY)

    # then: the server's newer draft is shown, and this browser's copy is offered
    expect(trainer.locator("#q-notes-input")).to_have_value("The laptop's version.")
    note = trainer.get_by_test_id("recovery-note")
    expect(note).to_contain_text("The saved draft is newer than this browser's copy")
    trainer.wait_for_timeout(1500)
    assert draft_of(work, cast.trainer).answer == {"notes": "The laptop's version."}

    # when: the trainer chooses this browser's copy
    trainer.get_by_role("button", name="Use this browser's copy").click()

    # then: it is shown and saved over the newer draft, knowingly
    expect(trainer.locator("#q-notes-input")).to_have_value("This browser's version.")
    expect(note).to_be_hidden()
    expect(trainer.get_by_test_id("save-status")).to_have_text("Saved")
    draft = draft_of(work, cast.trainer)
    assert (draft.answer, draft.revision) == ({"notes": "This browser's version."}, 2)


def test_two_tabs_never_silently_overwrite_each_other(trainer, live_server, cast, work):
    # given: the same task open in two tabs
    first = trainer
    open_workspace(first, live_server, work)
    second = first.context.new_page()
    open_workspace(second, live_server, work)

    # when: the first tab saves, then the second, based on the same (no) draft
    first.locator("#q-notes-input").click()
    first.keyboard.type("The first tab's words.")
    expect(first.get_by_test_id("save-status")).to_have_text("Saved")
    second.locator("#q-notes-input").click()
    second.keyboard.type("The second tab's words.")

    # then: the second is refused (409), shows the newer saved copy and offers its own
    note = second.get_by_test_id("recovery-note")
    expect(note).to_contain_text("A newer copy was saved from another tab or device")
    expect(second.locator("#q-notes-input")).to_have_value("The first tab's words.")
    draft = draft_of(work, cast.trainer)
    assert (draft.answer, draft.revision) == ({"notes": "The first tab's words."}, 1)

    # and choosing its own copy saves it, on top of the revision it has now seen
    second.get_by_role("button", name="Use this browser's copy").click()
    expect(second.locator("#q-notes-input")).to_have_value("The second tab's words.")
    expect(second.get_by_test_id("save-status")).to_have_text("Saved")
    draft = draft_of(work, cast.trainer)
    assert (draft.answer, draft.revision) == ({"notes": "The second tab's words."}, 2)

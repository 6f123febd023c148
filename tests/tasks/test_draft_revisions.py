"""Draft revisions: each save counts one, a save based on a stale copy is refused (so two
tabs or devices never silently overwrite each other), and the workspace's guard against a
session that has become someone else's. Service, API and page."""

from __future__ import annotations

import json
import re
from functools import partial

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from annotation_platform.errors import ConflictError
from tasks.models import Draft
from tasks.services import draft_discard, draft_save, task_lease
from tests.factories import at_once, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(cast, mcq):
    task = mcq["tasks"][0]
    task_lease(task=task, trainer=cast.trainer)
    return task


def _save(task, user, answer, **given):
    return draft_save(task=task, author=user, answer={"answer": answer}, **given)


# --- service ------------------------------------------------------------------------------


def test_each_save_adds_one_to_the_revision(cast, task):
    assert _save(task, cast.trainer, "A", base_revision=0).revision == 1
    assert _save(task, cast.trainer, "B", base_revision=1).revision == 2
    assert _save(task, cast.trainer, "C").revision == 3  # no base: a script's save always wins
    draft = Draft.objects.get()
    assert (draft.answer, draft.revision) == ({"answer": "C"}, 3)


def test_a_save_based_on_an_older_revision_is_refused_and_changes_nothing(cast, task):
    # given: two tabs loaded revision 1; the first has saved since
    _save(task, cast.trainer, "first tab", base_revision=0)
    _save(task, cast.trainer, "first tab, later", base_revision=1)
    # when: the second tab saves what it based on revision 1
    with pytest.raises(ConflictError) as caught:
        _save(task, cast.trainer, "second tab", base_revision=1)
    # then
    assert caught.value.code == "draft_conflict"
    assert caught.value.status_code == 409
    assert caught.value.extra == {"current_revision": 2}
    assert "is at revision 2" in caught.value.fields["base_revision"][0]
    draft = Draft.objects.get()
    assert (draft.answer, draft.revision) == ({"answer": "first tab, later"}, 2)


def test_a_first_save_is_refused_once_another_tab_made_the_draft(cast, task):
    _save(task, cast.trainer, "A", base_revision=0)
    with pytest.raises(ConflictError):
        _save(task, cast.trainer, "B", base_revision=0)
    assert Draft.objects.get().answer == {"answer": "A"}


def test_a_save_based_on_a_draft_that_is_gone_is_refused(cast, task):
    _save(task, cast.trainer, "A", base_revision=0)
    draft_discard(task=task, author=cast.trainer)  # or submitted, in another tab
    with pytest.raises(ConflictError) as caught:
        _save(task, cast.trainer, "B", base_revision=1)
    assert "was submitted or discarded" in caught.value.fields["base_revision"][0]
    assert not Draft.objects.exists()


def test_a_newer_base_than_the_server_knows_is_refused_too(cast, task):
    _save(task, cast.trainer, "A", base_revision=0)
    with pytest.raises(ConflictError):
        _save(task, cast.trainer, "B", base_revision=7)
    assert Draft.objects.get().revision == 1


def test_revisions_are_per_trainer(cast, task):
    other = cast.new_trainer()
    _save(task, cast.trainer, "mine", base_revision=0)
    _save(task, cast.trainer, "mine again", base_revision=1)
    assert _save(task, other, "theirs", base_revision=0).revision == 1
    assert Draft.objects.get(author=cast.trainer).revision == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("existing", [False, True], ids=["first save", "later save"])
def test_two_tabs_saving_at_once_on_the_same_base_make_one_revision(cast, mcq, existing):
    task = mcq["tasks"][0]
    task_lease(task=task, trainer=cast.trainer)
    base = 0
    if existing:
        base = _save(task, cast.trainer, "loaded in both tabs", base_revision=0).revision

    def attempt(text: str) -> str:
        try:
            _save(task, cast.trainer, text, base_revision=base)
        except ConflictError:
            return "refused"
        return text

    results = at_once(*(partial(attempt, f"tab {n}") for n in range(4)))
    winners = [result for result in results if result != "refused"]
    assert len(winners) == 1, results
    draft = Draft.objects.get()
    assert (draft.answer, draft.revision) == ({"answer": winners[0]}, base + 1)


# --- API ----------------------------------------------------------------------------------


def _url(task) -> str:
    return reverse("api-task-draft", args=[task.pk])


def test_the_draft_api_returns_the_revision_and_takes_a_base(client, cast, task):
    client.force_login(cast.trainer)
    first = client.put(
        _url(task), {"answer": {"answer": "A"}, "base_revision": 0}, content_type="application/json"
    )
    assert first.status_code == 200, first.content
    assert first.json()["revision"] == 1
    second = client.put(
        _url(task), {"answer": {"answer": "B"}, "base_revision": 1}, content_type="application/json"
    )
    assert second.json()["revision"] == 2
    assert client.get(_url(task)).json() | {"updated_at": None} == {
        "task": task.pk,
        "answer": {"answer": "B"},
        "telemetry": {},
        "revision": 2,
        "updated_at": None,
    }


def test_a_stale_base_is_a_409_with_a_clear_code_not_a_500(client, cast, task):
    client.force_login(cast.trainer)
    _save(task, cast.trainer, "from the other tab", base_revision=0)
    _save(task, cast.trainer, "from the other tab, later", base_revision=1)
    response = client.put(
        _url(task),
        {"answer": {"answer": "mine"}, "base_revision": 1},
        content_type="application/json",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "draft_conflict"
    assert body["current_revision"] == 2
    assert set(body["fields"]) == {"base_revision"}
    assert "another tab or device" in body["detail"]
    assert Draft.objects.get().answer == {"answer": "from the other tab, later"}


@pytest.mark.parametrize("bad", ["two", -1, 2**31, [1], {"n": 1}])
def test_a_malformed_base_is_a_400_naming_it(client, cast, task, bad):
    client.force_login(cast.trainer)
    response = client.put(
        _url(task),
        {"answer": {"answer": "A"}, "base_revision": bad},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"base_revision"}
    assert not Draft.objects.exists()


def test_an_ended_session_gets_a_401_in_the_error_shape(client, cast, task):
    # given: the trainer's session ends (expired, or cleared on the server)
    client.force_login(cast.trainer)
    Session.objects.all().delete()
    # when
    response = client.put(
        _url(task), {"answer": {"answer": "A"}, "base_revision": 0}, content_type="application/json"
    )
    # then: the page can tell "log in again" from every other refusal
    assert response.status_code == 401
    assert response.json() == {
        "error": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "fields": {},
    }
    assert not Draft.objects.exists()


def test_a_session_that_became_someone_elses_saves_nothing_for_them(client, cast, task):
    # given: the page was opened for the trainer; the browser is now logged in as another
    other = cast.new_trainer()
    client.force_login(other)
    payload = {"answer": {"answer": "the first trainer's text"}, "base_revision": 0}
    # when: the page names the user it was opened for
    expected = {"HTTP_X_EXPECTED_USER": str(cast.trainer.pk)}
    draft = client.put(_url(task), payload, content_type="application/json", **expected)
    submitted = client.post(
        reverse("api-task-submit", args=[task.pk]),
        {"answer": {"answer": "A"}},
        content_type="application/json",
        **expected,
    )
    # then
    for response in (draft, submitted):
        assert response.status_code == 409
        assert response.json()["error"] == "session_user_changed"
    assert not Draft.objects.exists()
    # and the right user (or a client that names nobody) saves as before
    client.force_login(cast.trainer)
    again = client.put(_url(task), payload, content_type="application/json", **expected)
    assert again.status_code == 200
    assert Draft.objects.get().author == cast.trainer


def test_revising_in_a_session_of_someone_else_is_refused_with_the_same_code(client, cast, mcq):
    submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    client.force_login(cast.new_trainer())
    response = client.patch(
        reverse("api-submission-detail", args=[submission.pk]),
        {"answer": {"answer": "B"}},
        content_type="application/json",
        HTTP_X_EXPECTED_USER=str(cast.trainer.pk),
    )
    assert response.status_code == 409
    assert response.json()["error"] == "session_user_changed"
    submission.refresh_from_db()
    assert submission.answer == {"answer": "A"}


def test_nobody_saves_or_reads_another_trainers_draft(client, cast, task):
    # given: the trainer's draft at revision 2
    _save(task, cast.trainer, "mine", base_revision=0)
    _save(task, cast.trainer, "mine, later", base_revision=1)
    other = cast.new_trainer()
    cast.project.default_overlap = 2
    cast.project.save()
    task.needed = 2
    task.save()
    task_lease(task=task, trainer=other)  # the queue served them the same task
    client.force_login(other)
    # when: another trainer of the project reads and writes the same task's draft, even
    # naming the revision of the first trainer's draft
    read = client.get(_url(task))
    write = client.put(
        _url(task),
        {"answer": {"answer": "theirs"}, "base_revision": 2},
        content_type="application/json",
    )
    fresh = client.put(
        _url(task),
        {"answer": {"answer": "theirs"}, "base_revision": 0},
        content_type="application/json",
    )
    # then: they only ever see and write a draft of their own
    assert read.status_code == 404
    assert write.status_code == 409  # they have no draft at revision 2
    assert fresh.status_code == 200 and fresh.json()["revision"] == 1
    mine = Draft.objects.get(author=cast.trainer)
    assert (mine.answer, mine.revision) == ({"answer": "mine, later"}, 2)
    # and people outside the project get a 404, with nothing written
    client.force_login(cast.outsider)
    outside = client.put(
        _url(task), {"answer": {"answer": "x"}, "base_revision": 2}, content_type="application/json"
    )
    assert outside.status_code == 404
    assert Draft.objects.count() == 2


# --- page ---------------------------------------------------------------------------------


def _config(html: str) -> dict:
    match = re.search(
        r'<script id="workspace-config" type="application/json">(.*?)</script>', html, re.S
    )
    assert match
    return json.loads(match.group(1))


def test_the_workspace_knows_the_draft_revision_user_and_log_in_endpoint(client, cast, task):
    _save(task, cast.trainer, "A", base_revision=0)
    _save(task, cast.trainer, "B", base_revision=1)
    client.force_login(cast.trainer)
    response = client.get(reverse("task-work", args=[task.pk]))
    html = response.content.decode()
    config = _config(html)
    assert config["draftRevision"] == 2
    assert config["initial"]["answer"] == {"answer": "B"}
    assert config["userId"] == cast.trainer.pk
    assert config["username"] == cast.trainer.username
    assert config["sessionUrl"] == reverse("session-login")
    assert config["loginPageUrl"] == reverse("login")
    assert config["csrfCookieName"] == "csrftoken"
    # the recovery script loads first; the dialog and its note are in the page, outside the
    # grid the guidelines notice makes inert
    assert html.index("js/workspace_recovery.js") < html.index("js/workspace.js")
    assert 'id="login-dialog"' in html and 'data-testid="recovery-note"' in html
    assert html.index('id="login-dialog"') < html.index('class="ws-grid"')


def test_a_workspace_with_no_draft_is_based_on_revision_zero(client, cast, task):
    client.force_login(cast.trainer)
    config = _config(client.get(reverse("task-work", args=[task.pk])).content.decode())
    assert config["draftRevision"] == 0
    assert config["restoredDraft"] is False

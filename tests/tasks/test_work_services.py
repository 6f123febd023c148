from functools import partial

import pytest

from annotation_platform.errors import ConflictError, DomainError
from tasks.models import (
    Draft,
    ProjectStatus,
    Submission,
    SubmissionRevision,
    SubmissionStatus,
    Task,
)
from tasks.services import (
    draft_discard,
    draft_save,
    submission_revise,
    submission_submit,
    task_lease,
    tasks_create,
)
from tests.factories import at_once, submit

pytestmark = pytest.mark.django_db


def test_tasks_create_refuses_the_whole_batch_naming_each_bad_item(cast, mcq):
    before = Task.objects.count()
    with pytest.raises(DomainError) as caught:
        tasks_create(
            project=cast.project,
            items=[{"question": "fine"}, {"question": 7}, "not an object", {}],
            by=cast.setter,
        )
    fields = caught.value.fields
    assert set(fields) == {"tasks[1].question", "tasks[2]", "tasks[3].question"}
    assert caught.value.detail == "3 tasks do not fit the template; nothing was created."
    assert Task.objects.count() == before


def test_tasks_create_needs_a_template(cast):
    with pytest.raises(ConflictError):
        tasks_create(project=cast.project, items=[{"question": "q"}], by=cast.setter)


def test_tasks_create_caps_a_batch(cast, mcq):
    with pytest.raises(DomainError) as caught:
        tasks_create(project=cast.project, items=[{"question": "q"}] * 1001, by=None)
    assert "tasks" in caught.value.fields


def test_submit_stores_answer_template_version_revision_and_clears_the_draft(cast, mcq):
    task = mcq["tasks"][0]
    draft_save(task=task, author=cast.trainer, answer={"answer": "B"}, telemetry={})
    submission, created = submit(
        task=task,
        author=cast.trainer,
        answer={"answer": "B"},
        telemetry={"active_seconds": 42.25, "fields": {"answer": {"typed": 1, "pasted": 0}}},
        idempotency_key="k1",
    )
    assert created
    assert submission.answer == {"answer": "B"}
    assert submission.template == mcq["template"]
    assert submission.telemetry == {
        "active_seconds": 42.2,
        "fields": {"answer": {"typed": 1, "pasted": 0}},
    }
    assert submission.status == SubmissionStatus.SUBMITTED
    assert list(submission.revisions.values_list("number", flat=True)) == [1]
    assert not Draft.objects.exists()


def test_an_answer_outside_the_options_is_refused_by_question_and_the_draft_kept(cast, mcq):
    task = mcq["tasks"][0]
    draft_save(task=task, author=cast.trainer, answer={"answer": "D"})
    with pytest.raises(DomainError) as caught:
        submit(task=task, author=cast.trainer, answer={"answer": "D"})
    assert caught.value.code == "invalid_answer"
    assert list(caught.value.fields) == ["answer"]
    assert not Submission.objects.exists()
    assert Draft.objects.get().answer == {"answer": "D"}


def test_the_same_submit_twice_returns_the_first_submission(cast, mcq):
    task = mcq["tasks"][0]
    first, created = submit(
        task=task, author=cast.trainer, answer={"answer": "A"}, idempotency_key="click-1"
    )
    again, created_again = submit(
        task=task, author=cast.trainer, answer={"answer": "A"}, idempotency_key="click-1"
    )
    assert created and not created_again
    assert again.pk == first.pk
    assert Submission.objects.count() == 1


def test_a_second_different_submit_is_refused(cast, mcq):
    task = mcq["tasks"][0]
    submit(task=task, author=cast.trainer, answer={"answer": "A"}, idempotency_key="1")
    with pytest.raises(ConflictError) as caught:
        submit(task=task, author=cast.trainer, answer={"answer": "B"}, idempotency_key="2")
    assert caught.value.code == "already_submitted"
    assert Submission.objects.get().answer == {"answer": "A"}


def test_an_archived_project_takes_no_answers(cast, mcq):
    cast.project.status = ProjectStatus.ARCHIVED
    cast.project.save()
    with pytest.raises(ConflictError):
        submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})


def test_malformed_telemetry_is_refused_with_its_path(cast, mcq):
    with pytest.raises(DomainError) as caught:
        submit(
            task=mcq["tasks"][0],
            author=cast.trainer,
            answer={"answer": "A"},
            telemetry={"active_seconds": -5, "fields": {"answer": {"typed": "many"}}},
        )
    assert set(caught.value.fields) == {
        "telemetry.active_seconds",
        "telemetry.fields.answer.typed",
    }
    assert not Submission.objects.exists()


def test_revise_keeps_every_revision_and_uses_the_current_template(cast, mcq):
    submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    revised = submission_revise(submission=submission, answer={"answer": "C"})
    assert revised.revision == 2
    assert revised.answer == {"answer": "C"}
    assert list(SubmissionRevision.objects.values_list("number", "answer")) == [
        (1, {"answer": "A"}),
        (2, {"answer": "C"}),
    ]


def test_a_reviewed_submission_cannot_be_revised(cast, mcq):
    submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.ACCEPTED)
    with pytest.raises(ConflictError) as caught:
        submission_revise(submission=submission, answer={"answer": "B"})
    assert caught.value.code == "not_revisable"
    submission.refresh_from_db()
    assert submission.answer == {"answer": "A"}


def test_an_invalid_revision_changes_nothing(cast, mcq):
    submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    with pytest.raises(DomainError):
        submission_revise(submission=submission, answer={"answer": "Z"})
    submission.refresh_from_db()
    assert (submission.revision, submission.answer) == (1, {"answer": "A"})


def test_drafts_keep_any_state_and_can_be_discarded(cast, mcq):
    task = mcq["tasks"][0]
    draft_save(task=task, author=cast.trainer, answer={"answer": "half-typed"})
    draft_save(task=task, author=cast.trainer, answer={"answer": "B"})
    assert Draft.objects.get().answer == {"answer": "B"}
    draft_discard(task=task, author=cast.trainer)
    assert not Draft.objects.exists()


def test_a_draft_must_be_an_object(cast, mcq):
    with pytest.raises(DomainError):
        draft_save(task=mcq["tasks"][0], author=cast.trainer, answer=["x"])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submits_create_one_submission(cast, mcq):
    task = mcq["tasks"][0]
    task_lease(task=task, trainer=cast.trainer)  # the queue served it

    def attempt(key: str) -> str:
        try:
            _, created = submission_submit(
                task=task, author=cast.trainer, answer={"answer": "A"}, idempotency_key=key
            )
            return "created" if created else "replayed"
        except ConflictError:
            return "refused"

    results = at_once(*(partial(attempt, key) for key in ("k", "k", "k", "other")))
    assert Submission.objects.filter(task=task).count() == 1
    assert results.count("created") == 1


def test_the_same_revision_twice_keeps_one_revision(cast, mcq):
    submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    submission_revise(submission=submission, answer={"answer": "B"})
    again = submission_revise(submission=submission, answer={"answer": "B"})
    assert again.revision == 2
    assert SubmissionRevision.objects.filter(submission=submission).count() == 2


def test_no_draft_once_the_submission_was_reviewed(cast, mcq):
    task = mcq["tasks"][0]
    submission, _ = submit(task=task, author=cast.trainer, answer={"answer": "A"})
    draft_save(task=task, author=cast.trainer, answer={"answer": "C"})  # revising: allowed
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.REJECTED)
    with pytest.raises(ConflictError):
        draft_save(task=task, author=cast.trainer, answer={"answer": "B"})

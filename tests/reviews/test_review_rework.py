"""The rework loop: returned work goes to its author first with the reasons, every revision
is kept and diffed, and the revised work comes back to review."""

from __future__ import annotations

import pytest

from annotation_platform.errors import DomainError
from reviews.models import ItemStatus, ReviewItem
from reviews.workflow import ReviewInput, review_policy_update, review_submit, revisions_diff
from tasks.models import SubmissionStatus
from tasks.services import submission_revise
from tasks.services.reviewing import submissions_returned

pytestmark = pytest.mark.django_db


def _return(cast, reviewing, submission):
    data = ReviewInput(
        decision="return",
        reasons=[{"criterion": "correct"}],
        comment="Check the dates again.",
        rubric_version=reviewing["version"].pk,
    )
    return review_submit(submission=submission, reviewer=cast.qa_lead, data=data)


def test_returned_work_is_listed_first_for_its_author_only(
    cast, reviewing, django_assert_num_queries
):
    older = reviewing["submit"](cast.trainer, task=0)
    newer = reviewing["submit"](cast.trainer, task=1)
    others = reviewing["submit"](reviewing["trainer2"], task=2)
    for submission in (newer, older, others):
        _return(cast, reviewing, submission)
    with django_assert_num_queries(1):  # the workspace's hot path: one indexed query
        returned = submissions_returned(project=cast.project, trainer=cast.trainer)
    assert [s.pk for s in returned] == [older.pk, newer.pk]
    assert returned[0].return_reasons == [
        "Rubric criterion “Picks the correct option” (correct)",
        "Check the dates again.",
    ]


def test_revised_work_comes_back_to_review_whatever_the_sample(
    cast, reviewing, django_capture_on_commit_callbacks
):
    review_policy_update(
        project=cast.project, by=cast.setter, full_review_first_n=0, clean_sample_rate=0.0
    )
    submission = reviewing["submit"]()
    item = ReviewItem.objects.get(submission=submission)
    assert item.status == ItemStatus.NOT_SAMPLED
    _return(cast, reviewing, submission)  # a QA lead picked it anyway
    with django_capture_on_commit_callbacks(execute=True):
        submission_revise(submission=submission, answer={"answer": "B"})
    submission.refresh_from_db()
    assert (submission.status, submission.revision) == (SubmissionStatus.SUBMITTED, 2)
    item.refresh_from_db()
    assert (item.status, item.revision, item.risk) == (ItemStatus.QUEUED, 2, 1)  # warned
    assert submissions_returned(project=cast.project, trainer=cast.trainer) == []
    # and a clean rework is queued too
    _return(cast, reviewing, submission)
    with django_capture_on_commit_callbacks(execute=True):
        submission_revise(submission=submission, answer={"answer": "A"})
    item.refresh_from_db()
    assert (item.status, item.reason, item.revision) == (ItemStatus.QUEUED, "rework", 3)


def test_the_diff_lists_changed_questions_with_both_answers(cast, reviewing):
    submission = reviewing["submit"]()
    _return(cast, reviewing, submission)
    submission_revise(submission=submission, answer={"answer": "C"})
    diff = revisions_diff(submission=submission, before=1, after=2)
    assert diff["changes"] == [
        {
            "question": "answer",
            "before": "A",
            "after": "C",
            "diff": ["--- revision 1", "+++ revision 2", "@@ -1 +1 @@", "-A", "+C"],
        }
    ]
    assert (diff["template_changed"], diff["unchanged"]) == (False, [])
    assert revisions_diff(submission=submission, before=1, after=1)["changes"] == []


def test_the_diff_names_an_unknown_revision(cast, reviewing):
    submission = reviewing["submit"]()
    with pytest.raises(DomainError) as refused:
        revisions_diff(submission=submission, before=1, after=5)
    assert list(refused.value.fields) == ["to"]

"""Reviews and their decisions: the state machine by role, reasons, rubric versions,
scores, the audit log, the signal, and the overlap slot a rejection frees."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from annotation_platform.errors import ConflictError, DomainError
from reviews.models import ItemStatus, Review, ReviewEvent, ReviewItem
from reviews.signals import review_decided
from reviews.workflow import ReviewInput, review_submit
from tasks.models import Membership, Role, SubmissionStatus, Task
from tasks.services import submission_revise
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

REVIEWERS = ("qa_lead", "admin", "staff")
NOT_REVIEWERS = ("trainer", "setter", "outsider")


def decision(reviewing, kind: str, **overrides) -> ReviewInput:
    values = {
        "decision": kind,
        "reasons": [] if kind == "accept" else [{"criterion": "correct"}],
        "comment": "" if kind == "accept" else "Option B is the right one.",
        "rubric_version": reviewing["version"].pk,
        **overrides,
    }
    return ReviewInput(**values)


def counts() -> tuple[int, int, int]:
    return Review.objects.count(), ReviewEvent.objects.count(), ReviewItem.objects.count()


@pytest.mark.parametrize("role", REVIEWERS)
@pytest.mark.parametrize(
    ("kind", "status"),
    [("accept", "accepted"), ("reject", "rejected"), ("return", "returned")],
)
def test_reviewers_decide_submitted_work(cast, reviewing, role, kind, status):
    submission = reviewing["submit"]()
    review = review_submit(
        submission=submission, reviewer=cast.by_role(role), data=decision(reviewing, kind)
    )
    submission.refresh_from_db()
    assert submission.status == status
    assert (review.decision, review.kind, review.revision.number) == (kind, "review", 1)
    assert review.rubric_version == reviewing["version"]
    assert review.template == submission.template
    assert ReviewItem.objects.get(submission=submission).status == ItemStatus.DECIDED


@pytest.mark.parametrize("role", NOT_REVIEWERS)
def test_other_roles_never_decide(cast, reviewing, role):
    submission = reviewing["submit"]()
    before = counts()
    with pytest.raises(PermissionDenied):
        review_submit(
            submission=submission, reviewer=cast.by_role(role), data=decision(reviewing, "accept")
        )
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED
    assert counts() == before


def test_a_second_trainer_never_decides(cast, reviewing):
    submission = reviewing["submit"]()
    with pytest.raises(PermissionDenied):
        review_submit(
            submission=submission,
            reviewer=reviewing["trainer2"],
            data=decision(reviewing, "accept"),
        )


def test_an_inactive_qa_lead_decides_nothing(cast, reviewing):
    submission = reviewing["submit"]()
    cast.qa_lead.is_active = False
    cast.qa_lead.save()
    with pytest.raises(PermissionDenied):
        review_submit(
            submission=submission, reviewer=cast.qa_lead, data=decision(reviewing, "accept")
        )


@pytest.mark.parametrize("first", ["accept", "reject", "return"])
@pytest.mark.parametrize("second", ["accept", "reject", "return"])
def test_decided_work_is_never_decided_again(cast, reviewing, first, second):
    submission = reviewing["submit"]()
    review_submit(submission=submission, reviewer=cast.qa_lead, data=decision(reviewing, first))
    before = counts()
    with pytest.raises(ConflictError) as refused:
        review_submit(submission=submission, reviewer=cast.admin, data=decision(reviewing, second))
    assert refused.value.code == "already_reviewed"
    assert counts() == before


def test_a_trainer_who_became_qa_lead_never_reviews_their_own_work(cast, reviewing):
    # given work submitted while a trainer, and a QA lead role in another project
    submission = reviewing["submit"]()
    MembershipFactory(user=cast.trainer, role=Role.QA_LEAD, project__name="Elsewhere")
    with pytest.raises(PermissionDenied):
        review_submit(
            submission=submission, reviewer=cast.trainer, data=decision(reviewing, "accept")
        )
    # when they become a QA lead of this very project
    Membership.objects.filter(user=cast.trainer, project=cast.project).update(role=Role.QA_LEAD)
    cast.trainer.refresh_from_db()
    # then their own submission is still not theirs to review
    with pytest.raises(PermissionDenied, match="own work"):
        review_submit(
            submission=submission, reviewer=cast.trainer, data=decision(reviewing, "accept")
        )
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"reasons": []}, "reasons", "reason_required"),
        ({"comment": "  "}, "comment", "comment_required"),
        ({"reasons": [{"criterion": "nope"}]}, "reasons[0].criterion", "invalid_reason"),
        ({"reasons": [{"rule": "R99"}]}, "reasons[0].rule", "invalid_reason"),
        ({"reasons": [{"rule": "R1", "criterion": "correct"}]}, "reasons[0]", "invalid_reason"),
        ({"judgments": {"correct": {"level": 9}}}, "judgments.correct.met", "invalid_judgments"),
        ({"judgments": {"clear": {"level": 9}}}, "judgments.clear.level", "invalid_judgments"),
        ({"decision": "maybe"}, "decision", "invalid"),
    ],
)
@pytest.mark.parametrize("kind", ["reject", "return"])
def test_bad_input_is_refused_naming_the_field(cast, reviewing, kind, overrides, field, code):
    submission = reviewing["submit"]()
    before = counts()
    with pytest.raises(DomainError) as refused:
        review_submit(
            submission=submission,
            reviewer=cast.qa_lead,
            data=decision(reviewing, kind, **overrides),
        )
    assert refused.value.status_code == 400
    assert refused.value.code == code
    assert field in refused.value.fields
    assert counts() == before
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SUBMITTED


def test_a_guideline_rule_is_a_reason(cast, reviewing):
    submission = reviewing["submit"]()
    review = review_submit(
        submission=submission,
        reviewer=cast.qa_lead,
        data=decision(reviewing, "return", reasons=[{"rule": "R1"}]),
    )
    assert review.reasons == [{"rule": "R1", "label": "Answer in English"}]
    submission.refresh_from_db()
    assert submission.return_reasons == [
        "Guideline rule R1: Answer in English",
        "Option B is the right one.",
    ]


def test_judgments_are_scored_with_the_policy_method(cast, reviewing):
    submission = reviewing["submit"]()
    review = review_submit(
        submission=submission,
        reviewer=cast.qa_lead,
        data=decision(
            reviewing, "accept", judgments={"correct": {"met": True}, "clear": {"level": 1}}
        ),
    )
    # healthbench: (5·1 + 3·0.5) / 8
    assert review.score["method"] == "healthbench"
    assert review.score_value == pytest.approx(6.5 / 8)
    assert review.judgments == {"correct": {"met": True}, "clear": {"level": 1}}


def test_judgments_without_the_rubric_version_are_refused(cast, reviewing):
    submission = reviewing["submit"]()
    with pytest.raises(DomainError) as refused:
        review_submit(
            submission=submission,
            reviewer=cast.qa_lead,
            data=decision(reviewing, "accept", rubric_version=None, judgments={"correct": None}),
        )
    assert "rubric_version" in refused.value.fields


def test_a_review_against_a_version_no_longer_in_force_is_a_409_naming_it(cast, reviewing):
    submission = reviewing["submit"]()
    old = reviewing["version"]
    reviewing["publish_next"]()
    before = counts()
    with pytest.raises(ConflictError) as refused:
        review_submit(
            submission=submission,
            reviewer=cast.qa_lead,
            data=decision(reviewing, "accept", rubric_version=old.pk),
        )
    assert refused.value.code == "rubric_version_not_current"
    assert "rubric_version" in refused.value.fields
    assert "superseded" in refused.value.detail
    assert counts() == before


def test_a_retired_pinned_version_is_refused(cast, reviewing):
    from rubrics.services import rubric_version_retire

    submission = reviewing["submit"]()
    rubric_version_retire(version=reviewing["version"], reason="Wrong points", by=cast.setter)
    with pytest.raises(ConflictError) as refused:
        review_submit(
            submission=submission, reviewer=cast.qa_lead, data=decision(reviewing, "accept")
        )
    assert refused.value.code == "version_retired"
    assert "rubric_version" in refused.value.fields


def test_a_revision_the_author_replaced_is_stale(cast, reviewing):
    submission = reviewing["submit"]()
    submission_revise(submission=submission, answer={"answer": "B"})
    with pytest.raises(ConflictError) as refused:
        review_submit(
            submission=submission,
            reviewer=cast.qa_lead,
            data=decision(reviewing, "accept", revision=1),
        )
    assert refused.value.code == "stale_revision"
    review = review_submit(
        submission=submission,
        reviewer=cast.qa_lead,
        data=decision(reviewing, "accept", revision=2),
    )
    assert review.revision.number == 2


def test_each_decision_is_logged_with_the_state_before_and_after(cast, reviewing):
    submission = reviewing["submit"]()
    review = review_submit(
        submission=submission, reviewer=cast.qa_lead, data=decision(reviewing, "reject")
    )
    event = ReviewEvent.objects.get(action="decide")
    assert (event.actor, event.submission, event.review) == (cast.qa_lead, submission, review)
    assert event.before == {"status": "submitted", "revision": 1}
    assert event.after == {"status": "rejected", "decision": "reject", "score": None}


def test_the_signal_is_sent_after_commit_only(cast, reviewing, django_capture_on_commit_callbacks):
    submission = reviewing["submit"]()
    received = []

    def listener(sender, review, **kwargs):
        received.append((sender, review.pk))

    review_decided.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            review = review_submit(
                submission=submission, reviewer=cast.qa_lead, data=decision(reviewing, "accept")
            )
        assert received == []  # nothing before the commit
        for callback in callbacks:
            callback()
        assert received == [(Review, review.pk)]
    finally:
        review_decided.disconnect(listener)


def test_a_rejection_frees_its_slot_of_the_overlap(cast, reviewing):
    submission = reviewing["submit"]()
    task = Task.objects.get(pk=submission.task_id)
    assert (task.filled, task.available) == (1, False)
    review_submit(submission=submission, reviewer=cast.qa_lead, data=decision(reviewing, "reject"))
    task.refresh_from_db()
    assert (task.filled, task.state, task.available) == (0, "new", True)


def test_the_signal_is_not_sent_for_a_refused_decision(
    cast, reviewing, django_capture_on_commit_callbacks
):
    submission = reviewing["submit"]()
    received = []

    def receiver(**kwargs):
        received.append(kwargs)

    # A named function and a uid: a bound builtin such as ``received.append`` is a new
    # object on each access, so disconnecting it would silently leave it connected.
    review_decided.connect(receiver, weak=False, dispatch_uid="test-refused-decision")
    try:
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError):
            review_submit(
                submission=submission,
                reviewer=cast.qa_lead,
                data=decision(reviewing, "reject", reasons=[]),
            )
        assert received == []
    finally:
        review_decided.disconnect(dispatch_uid="test-refused-decision")

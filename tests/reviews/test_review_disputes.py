"""Disputes: only the author, only of a rejection, once; decided for good by someone other
than the reviewer who rejected."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from annotation_platform.errors import ConflictError, DomainError
from reviews.models import Dispute, Review, ReviewEvent
from reviews.workflow import ReviewInput, dispute_file, dispute_resolve, review_submit
from tasks.models import SubmissionStatus, Task

pytestmark = pytest.mark.django_db


def _decided(cast, reviewing, kind="reject"):
    submission = reviewing["submit"]()
    data = ReviewInput(
        decision=kind,
        reasons=[] if kind == "accept" else [{"criterion": "correct"}],
        comment="" if kind == "accept" else "Wrong option.",
        rubric_version=reviewing["version"].pk,
    )
    review_submit(submission=submission, reviewer=cast.qa_lead, data=data)
    submission.refresh_from_db()
    return submission


def _counts():
    return Dispute.objects.count(), Review.objects.count(), ReviewEvent.objects.count()


def test_the_author_disputes_a_rejection(cast, reviewing):
    submission = _decided(cast, reviewing)
    dispute = dispute_file(submission=submission, by=cast.trainer, comment="B is right: see p.3")
    assert (dispute.status, dispute.review.decision, dispute.filed_by) == (
        "open",
        "reject",
        cast.trainer,
    )
    assert ReviewEvent.objects.filter(action="dispute_file", dispute=dispute).exists()


@pytest.mark.parametrize("kind", ["accept", "return"])
def test_only_a_rejection_is_disputed(cast, reviewing, kind):
    submission = _decided(cast, reviewing, kind)
    before = _counts()
    with pytest.raises(ConflictError) as refused:
        dispute_file(submission=submission, by=cast.trainer, comment="Please look again")
    assert refused.value.code == "not_disputable"
    assert _counts() == before


def test_undecided_work_is_not_disputed(cast, reviewing):
    submission = reviewing["submit"]()
    with pytest.raises(ConflictError):
        dispute_file(submission=submission, by=cast.trainer, comment="Why?")


@pytest.mark.parametrize("role", ["qa_lead", "admin", "setter", "staff", "outsider"])
def test_only_the_author_disputes(cast, reviewing, role):
    submission = _decided(cast, reviewing)
    with pytest.raises(PermissionDenied):
        dispute_file(submission=submission, by=cast.by_role(role), comment="Unfair")


def test_a_dispute_needs_a_comment(cast, reviewing):
    submission = _decided(cast, reviewing)
    with pytest.raises(DomainError) as refused:
        dispute_file(submission=submission, by=cast.trainer, comment=" ")
    assert "comment" in refused.value.fields
    assert Dispute.objects.count() == 0


def test_a_second_dispute_is_refused_and_nothing_is_written(cast, reviewing):
    submission = _decided(cast, reviewing)
    dispute_file(submission=submission, by=cast.trainer, comment="Unfair")
    before = _counts()
    with pytest.raises(ConflictError) as refused:
        dispute_file(submission=submission, by=cast.trainer, comment="Unfair again")
    assert refused.value.code == "already_disputed"
    assert _counts() == before


@pytest.mark.parametrize(
    ("kind", "status", "filled"),
    [("reject", "rejected", 0), ("accept", "accepted", 1), ("return", "returned", 1)],
)
@pytest.mark.parametrize("resolver", ["admin", "staff"])
def test_a_dispute_is_decided_for_good(cast, reviewing, kind, status, filled, resolver):
    submission = _decided(cast, reviewing)
    dispute = dispute_file(submission=submission, by=cast.trainer, comment="Unfair")
    data = ReviewInput(
        decision=kind,
        comment="Final: checked against the source.",
        reasons=[{"rule": "R1"}] if kind == "return" else None,
    )
    dispute = dispute_resolve(dispute=dispute, by=cast.by_role(resolver), data=data)
    submission.refresh_from_db()
    assert submission.status == status
    assert (dispute.status, dispute.resolution.kind, dispute.resolution.decision) == (
        "resolved",
        "dispute",
        kind,
    )
    assert dispute.resolution.reviewer == cast.by_role(resolver)
    # turning a rejection around takes its overlap slot back
    assert Task.objects.get(pk=submission.task_id).filled == filled
    if kind == "reject":  # upheld: the rejection's reasons stand
        assert dispute.resolution.reasons == dispute.review.reasons
    event = ReviewEvent.objects.get(action="dispute_resolve")
    assert event.before["status"] == "rejected"
    assert event.after["upheld"] is (kind == "reject")


@pytest.mark.parametrize("who", ["qa_lead", "trainer", "setter", "outsider"])
def test_the_rejecting_reviewer_the_author_and_others_never_resolve(cast, reviewing, who):
    submission = _decided(cast, reviewing)  # rejected by the QA lead
    dispute = dispute_file(submission=submission, by=cast.trainer, comment="Unfair")
    before = _counts()
    with pytest.raises(PermissionDenied):
        dispute_resolve(
            dispute=dispute, by=cast.by_role(who), data=ReviewInput("accept", comment="ok")
        )
    assert _counts() == before
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.REJECTED


def test_after_the_final_decision_nothing_more_is_written(cast, reviewing):
    submission = _decided(cast, reviewing)
    dispute = dispute_file(submission=submission, by=cast.trainer, comment="Unfair")
    dispute_resolve(dispute=dispute, by=cast.admin, data=ReviewInput("reject", comment="Stands"))
    before = _counts()
    with pytest.raises(ConflictError) as refused:
        dispute_file(submission=submission, by=cast.trainer, comment="Still unfair")
    assert refused.value.code == "dispute_final"
    with pytest.raises(ConflictError) as refused:
        dispute_resolve(dispute=dispute, by=cast.staff, data=ReviewInput("accept", comment="x"))
    assert refused.value.code == "dispute_final"
    assert _counts() == before


def test_a_resolution_needs_a_comment_and_reasons_to_return(cast, reviewing):
    submission = _decided(cast, reviewing)
    dispute = dispute_file(submission=submission, by=cast.trainer, comment="Unfair")
    with pytest.raises(DomainError) as refused:
        dispute_resolve(dispute=dispute, by=cast.admin, data=ReviewInput("accept", comment=""))
    assert "comment" in refused.value.fields
    with pytest.raises(DomainError) as refused:
        dispute_resolve(dispute=dispute, by=cast.admin, data=ReviewInput("return", comment="x"))
    assert "reasons" in refused.value.fields
    dispute.refresh_from_db()
    assert dispute.status == "open"

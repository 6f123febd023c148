"""The review queue: risk order, sampling, leases (one reviewer at a time), never one's
own work, expiry and release."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from annotation_platform.errors import ConflictError
from reviews.models import ItemStatus, ReviewEvent, ReviewItem, Risk
from reviews.workflow import (
    ReviewInput,
    review_lease,
    review_next,
    review_policy_update,
    review_queue,
    review_release,
    review_submit,
)
from tasks.models import Membership, Role
from tests.factories import MembershipFactory, at_once

pytestmark = pytest.mark.django_db


def test_failed_work_comes_first_then_warned_then_clean(cast, reviewing):
    trainer2 = reviewing["trainer2"]
    clean = reviewing["submit"](cast.trainer, task=0, answer="A")
    warned = reviewing["submit"](cast.trainer, task=1, answer="B")
    failed = reviewing["submit"](trainer2, task=2, answer="C")
    items = list(review_queue(project=cast.project, reviewer=cast.qa_lead))
    assert [item.submission_id for item in items] == [failed.pk, warned.pk, clean.pk]
    assert [item.risk for item in items] == [Risk.FAILED, Risk.WARNED, Risk.CLEAN]
    assert items[0].flagged_checks == ["telemetry"]
    assert [item.reason for item in items] == ["failed", "warned", "first_n"]


def test_clean_work_is_sampled_by_the_policy(cast, reviewing):
    review_policy_update(
        project=cast.project, by=cast.setter, full_review_first_n=0, clean_sample_rate=0.0
    )
    unsampled = reviewing["submit"](cast.trainer, task=0, answer="A")
    warned = reviewing["submit"](cast.trainer, task=1, answer="B")
    assert ReviewItem.objects.get(submission=unsampled).status == ItemStatus.NOT_SAMPLED
    assert ReviewItem.objects.get(submission=warned).status == ItemStatus.QUEUED
    review_policy_update(project=cast.project, by=cast.setter, clean_sample_rate=1.0)
    sampled = reviewing["submit"](cast.trainer, task=2, answer="A")
    item = ReviewItem.objects.get(submission=sampled)
    assert (item.status, item.reason) == (ItemStatus.QUEUED, "sample")


def test_a_trainers_first_n_are_all_reviewed(cast, reviewing):
    review_policy_update(
        project=cast.project, by=cast.setter, full_review_first_n=2, clean_sample_rate=0.0
    )
    reasons = [
        ReviewItem.objects.get(submission=reviewing["submit"](cast.trainer, task=n)).reason
        for n in range(3)
    ]
    assert reasons == ["first_n", "first_n", "not_sampled"]


def test_the_sample_share_is_close_to_the_rate():
    from reviews.models import ReviewPolicy
    from reviews.workflow import _sampled
    from tasks.models import Submission

    policy = ReviewPolicy(clean_sample_rate=0.2)
    picked = sum(_sampled(policy, Submission(pk=pk)) for pk in range(1, 5001))
    assert 850 < picked < 1150  # 20% of 5000, ± ~5 standard deviations


def test_next_leases_in_risk_order_and_two_reviewers_never_share_an_item(cast, reviewing):
    failed = reviewing["submit"](cast.trainer, task=0, answer="C")
    clean = reviewing["submit"](cast.trainer, task=1, answer="A")
    first = review_next(project=cast.project, reviewer=cast.qa_lead)
    second = review_next(project=cast.project, reviewer=cast.admin)
    assert (first.submission_id, second.submission_id) == (failed.pk, clean.pk)
    assert review_next(project=cast.project, reviewer=cast.staff) is None
    # asking again returns what you hold
    assert review_next(project=cast.project, reviewer=cast.qa_lead).pk == first.pk
    assert ReviewEvent.objects.filter(action="lease").count() == 2


def test_a_held_item_is_refused_to_others_until_released_or_expired(cast, reviewing):
    submission = reviewing["submit"]()
    review_lease(submission=submission, reviewer=cast.qa_lead)
    with pytest.raises(ConflictError) as refused:
        review_lease(submission=submission, reviewer=cast.admin)
    assert refused.value.code == "leased_by_other"
    accept = ReviewInput(decision="accept", rubric_version=reviewing["version"].pk)
    with pytest.raises(ConflictError) as refused:
        review_submit(submission=submission, reviewer=cast.admin, data=accept)
    assert refused.value.code == "leased_by_other"
    with pytest.raises(ConflictError):
        review_release(submission=submission, reviewer=cast.admin)
    review_release(submission=submission, reviewer=cast.qa_lead)
    assert review_lease(submission=submission, reviewer=cast.admin).leased_by == cast.admin
    # an expired lease frees the item
    later = timezone.now() + timedelta(hours=1)
    assert review_lease(submission=submission, reviewer=cast.qa_lead, now=later)
    assert review_submit(submission=submission, reviewer=cast.qa_lead, data=accept)


def test_nobody_is_served_their_own_work(cast, reviewing):
    submission = reviewing["submit"]()
    Membership.objects.filter(user=cast.trainer, project=cast.project).update(role=Role.QA_LEAD)
    assert review_next(project=cast.project, reviewer=cast.trainer) is None
    assert list(review_queue(project=cast.project, reviewer=cast.trainer)) == []
    with pytest.raises(PermissionDenied):
        review_lease(submission=submission, reviewer=cast.trainer)
    assert review_next(project=cast.project, reviewer=cast.qa_lead).submission_id == submission.pk


@pytest.mark.parametrize("role", ["trainer", "setter", "outsider"])
def test_only_reviewers_use_the_queue(cast, reviewing, role):
    reviewing["submit"]()
    with pytest.raises(PermissionDenied):
        review_next(project=cast.project, reviewer=cast.by_role(role))
    with pytest.raises(PermissionDenied):
        review_queue(project=cast.project, reviewer=cast.by_role(role))


def test_picking_unsampled_work_queues_it(cast, reviewing):
    review_policy_update(
        project=cast.project, by=cast.setter, full_review_first_n=0, clean_sample_rate=0.0
    )
    submission = reviewing["submit"]()
    item = review_lease(submission=submission, reviewer=cast.qa_lead)
    assert (item.status, item.reason, item.leased_by) == ("queued", "picked", cast.qa_lead)


def test_decided_work_cannot_be_leased(cast, reviewing):
    submission = reviewing["submit"]()
    accept = ReviewInput(decision="accept", rubric_version=reviewing["version"].pk)
    review_submit(submission=submission, reviewer=cast.qa_lead, data=accept)
    with pytest.raises(ConflictError) as refused:
        review_lease(submission=submission, reviewer=cast.admin)
    assert refused.value.code == "not_reviewable"
    assert review_next(project=cast.project, reviewer=cast.admin) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reviewers_each_get_a_different_item(cast, reviewing):
    for n in range(3):
        reviewing["submit"](cast.trainer, task=n, answer="A")
    reviewers = [MembershipFactory(project=cast.project, role=Role.QA_LEAD).user for _ in range(6)]
    outcomes = at_once(*(partial(review_next, project=cast.project, reviewer=r) for r in reviewers))
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    assert failures == []  # a thread's error must fail the test
    leased = [item.pk for item in outcomes if item is not None]
    assert len(leased) == 3
    assert len(set(leased)) == 3
    assert ReviewItem.objects.filter(leased_by__isnull=False).count() == 3

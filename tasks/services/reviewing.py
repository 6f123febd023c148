"""State changes of a submission decided outside the trainer's hands: quality checks, and
reviewers through the review workflow (``reviews.workflow``, which keeps the reviews
themselves; ``Submission.status`` stays the canonical summary and changes only here).

Transitions (anything else is a 409)::

    submitted --accept--> accepted      submitted --reject--> rejected
    submitted --return--> returned      returned  --revise--> submitted (tasks.services.work)
    rejected  --dispute resolved: accept/return--> accepted/returned

A rejected submission frees its slot of the task's overlap (distribution's
FILLING_STATUSES); turning a rejection around takes the slot back, widening the task if
others filled it meanwhile, so the author's work is never lost to a full task.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from annotation_platform.errors import ConflictError
from tasks.models import Submission, SubmissionStatus, Task
from tasks.services.distribution import FILLING_STATUSES, _apply, _locked

# (from, to) pairs a reviewer's decision may make; a dispute resolution may also leave a
# rejection as it is (rejected -> rejected).
REVIEW_TRANSITIONS = {
    (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED),
    (SubmissionStatus.SUBMITTED, SubmissionStatus.REJECTED),
    (SubmissionStatus.SUBMITTED, SubmissionStatus.RETURNED),
}
DISPUTE_TRANSITIONS = {
    (SubmissionStatus.REJECTED, SubmissionStatus.ACCEPTED),
    (SubmissionStatus.REJECTED, SubmissionStatus.REJECTED),
    (SubmissionStatus.REJECTED, SubmissionStatus.RETURNED),
}
# A decided submission back in review because its checks changed after the decision
# (``reviews``): the reviewer keeps the decision or makes another.
RECONSIDER_TRANSITIONS = {
    (before, after)
    for before in (SubmissionStatus.ACCEPTED, SubmissionStatus.REJECTED)
    for after in (SubmissionStatus.ACCEPTED, SubmissionStatus.REJECTED, SubmissionStatus.RETURNED)
}
MAX_REASONS = 20
# Whole sentences per status (a submission's status in a refusal reads differently in each
# language, so it is never spliced into one sentence).
_NOT_DISPUTABLE = {
    SubmissionStatus.SUBMITTED: lambda: gettext(
        "This submission is submitted; only a rejection can be decided by a dispute."
    ),
    SubmissionStatus.ACCEPTED: lambda: gettext(
        "This submission is accepted; only a rejection can be decided by a dispute."
    ),
    SubmissionStatus.RETURNED: lambda: gettext(
        "This submission is returned for rework; only a rejection can be decided by a dispute."
    ),
    SubmissionStatus.REJECTED: lambda: gettext(
        "This submission is rejected; only a rejection can be decided by a dispute."
    ),
}
_ALREADY_REVIEWED = {
    SubmissionStatus.SUBMITTED: lambda: gettext(
        "This submission was already submitted by a reviewer."
    ),
    SubmissionStatus.ACCEPTED: lambda: gettext(
        "This submission was already accepted by a reviewer."
    ),
    SubmissionStatus.REJECTED: lambda: gettext(
        "This submission was already rejected by a reviewer."
    ),
    SubmissionStatus.RETURNED: lambda: gettext(
        "This submission was already returned for rework; it comes back to review when its "
        "author revises it."
    ),
}
MAX_REASON_CHARS = 500


@transaction.atomic
def submission_return_for_rework(*, submission: Submission, reasons: list[str]) -> Submission:
    """Send a submission back to its author (it becomes revisable with the reasons shown).

    Only an undecided submission is returned; one a reviewer already decided is left as
    it is (a late automated result never overrides a human decision).
    """
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.status != SubmissionStatus.SUBMITTED:
        return submission
    submission.status = SubmissionStatus.RETURNED
    submission.return_reasons = _clean_reasons(reasons)
    submission.save(update_fields=["status", "return_reasons", "updated_at"])
    return submission


def _clean_reasons(reasons: list[str]) -> list[str]:
    return [str(reason)[:MAX_REASON_CHARS] for reason in reasons][:MAX_REASONS]


@transaction.atomic
def submission_set_review_status(
    *,
    submission: Submission,
    status: str,
    reasons: list[str] | None = None,
    dispute: bool = False,
    reconsider: bool = False,
    expected_revision: int | None = None,
) -> Submission:
    """Apply a reviewer's decision (or, with ``dispute``, a dispute's final decision; with
    ``reconsider``, a decision taken again after the checks changed).

    Locks the submission, refuses a transition the table above does not allow (409
    ``already_reviewed`` / ``not_disputable``) or a revision that moved on since the
    reviewer read it (409 ``stale_revision``), keeps the task's overlap counts right, and
    stores the reasons shown to the author when the work goes back to them.
    """
    locked = (
        Submission.objects.select_for_update().select_related("task__project").get(pk=submission.pk)
    )
    allowed = (
        DISPUTE_TRANSITIONS
        if dispute
        else RECONSIDER_TRANSITIONS
        if reconsider
        else REVIEW_TRANSITIONS
    )
    if (locked.status, status) not in allowed:
        if dispute:
            raise ConflictError(
                _NOT_DISPUTABLE.get(locked.status, _NOT_DISPUTABLE[SubmissionStatus.SUBMITTED])(),
                code="not_disputable",
            )
        raise ConflictError(
            _ALREADY_REVIEWED.get(locked.status, _ALREADY_REVIEWED[SubmissionStatus.ACCEPTED])(),
            code="already_reviewed",
            fields={"submission": [gettext("Status is %(status)s.") % {"status": locked.status}]},
        )
    if expected_revision is not None and expected_revision != locked.revision:
        raise ConflictError(
            gettext(
                "The author revised this submission (now revision %(current)s) after you "
                "opened revision %(opened)s; review the new revision."
            )
            % {"current": locked.revision, "opened": expected_revision},
            code="stale_revision",
            fields={
                "revision": [
                    gettext("The current revision is %(current)s.") % {"current": locked.revision}
                ]
            },
        )
    _move_slot(locked, before=locked.status, after=status)
    locked.status = status
    update = ["status", "updated_at"]
    if status == SubmissionStatus.RETURNED:
        locked.return_reasons = _clean_reasons(reasons or [])
        update.append("return_reasons")
    locked.save(update_fields=update)
    submission.status = locked.status
    submission.return_reasons = locked.return_reasons
    return locked


def _move_slot(submission: Submission, *, before: str, after: str) -> None:
    """A rejection frees the submission's slot of its task's overlap; undoing one takes it
    back (widening the task when others filled it meanwhile)."""
    was, will = before in FILLING_STATUSES, after in FILLING_STATUSES
    if was == will:
        return
    task = _locked(submission.task_id)
    if will and task.filled + task.leased + 1 > task.needed and not task.is_gold:
        task.needed = task.filled + task.leased + 1
        Task.objects.filter(pk=task.pk).update(needed=task.needed)
    _apply(task, filled=+1 if will else -1)


def submissions_returned(*, project, trainer) -> list[Submission]:
    """The trainer's submissions returned for rework in ``project``, oldest first: the
    workspace lists these before asking ``task_next`` for new work.

    One query on the (author, created_at) index: a trainer has few submissions returned at
    once, so this stays cheap on the hot path.
    """
    return list(
        Submission.objects.filter(
            author=trainer, task__project=project, status=SubmissionStatus.RETURNED
        )
        .select_related("task")
        .order_by("created_at", "id")
    )

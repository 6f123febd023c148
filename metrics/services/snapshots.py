"""Stored snapshots of a project's figures: marked stale by submissions, refreshed by a job.

Submitting never computes anything: after its commit it flips one flag on the snapshot
(only the first submit after a refresh writes at all). A refresh is sent by the periodic
sweep, or by a page view that finds the snapshot stale, at most once per
``REFRESH_MIN_INTERVAL`` per project, so a burst of a thousand submits costs one
recomputation. A project without any snapshot is computed in the request if it is small.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from annotation_platform.queueing import enqueue_on_commit
from metrics.models import MetricsSnapshot
from metrics.services.figures import (
    SNAPSHOT_VERSION,
    agreement_table,
    project_metrics_compute,
    settings_for,
)
from quality.models import CheckRun
from tasks.models import Project, Submission

log = logging.getLogger(__name__)

# Recompute a stale snapshot at most this often (the debounce).
REFRESH_MIN_INTERVAL = timedelta(seconds=60)
# A refresh sent but not done after this (worker died, broker down) is sent again.
REFRESH_RETRY_AFTER = timedelta(minutes=5)
# Changes that do not pass through a submit (a reviewer's decision, a check's result) are
# caught by the sweep looking at snapshots older than this.
MAX_AGE = timedelta(minutes=15)
# Up to this many submissions, a project with no snapshot yet is computed in the request.
SYNC_LIMIT = 5000


@dataclass(frozen=True)
class ProjectMetrics:
    """What a page or the API shows: the figures (None while the first computation runs),
    when they were computed, and whether newer work is not in them yet."""

    data: dict | None
    computed_at: datetime | None
    stale: bool
    refreshing: bool


_MARK_STALE = (
    f"UPDATE {MetricsSnapshot._meta.db_table} SET stale = %s, stale_since = %s "  # noqa: S608
    "WHERE project_id = %s AND NOT stale"
)


def metrics_mark_stale(*, submission, revision: int, writes, submission_step=None) -> None:
    """``tasks`` hook, inside the submission's transaction: flag the project's snapshot
    stale. ``NOT stale`` in the filter, so later submits change nothing and lock nothing
    (only the first submit after a refresh writes the row; one waiting for it finds it
    stale). The mark joins the submit's ``writes``: sent only if the submission is
    written, and committed or rolled back with it."""
    # SQL, because it runs with every submit: the ORM's update costs ~0.4 ms of CPU to
    # build, the statement itself (an index probe that usually changes nothing) far less.
    # Not skipped by a per-process "already stale" memo: a refresh may clear the flag at
    # any moment, and a submit that then skipped its mark would be missing from figures
    # that claim to be current (until the 15-minute sweep).
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    writes.add(_MARK_STALE, [True, now, submission.task.project_id], after=submission_step)


def metrics_mark_stale_on_decision(*, sender, review, **kwargs) -> None:
    """``reviews.signals.review_decided`` receiver (sent after the decision's commit): a
    decision changes acceptance and rework figures, so the snapshot is stale."""
    MetricsSnapshot.objects.filter(project_id=review.project_id, stale=False).update(
        stale=True, stale_since=timezone.now()
    )


def metrics_snapshot_refresh(*, project_id: int) -> MetricsSnapshot | None:
    """Recompute and store a project's figures; None if the project is gone.

    The stale flag is cleared *before* computing: a submission committed during the
    computation flags it again, so it is never lost (it is in the next refresh, if not in
    this one). Not atomic on purpose: the clear must be visible to concurrent submits.
    """
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return None
    started = timezone.now()
    snapshot, _ = MetricsSnapshot.objects.get_or_create(
        project=project, defaults={"stale": True, "stale_since": started}
    )
    MetricsSnapshot.objects.filter(pk=snapshot.pk).update(stale=False, stale_since=None)
    clock = time.monotonic()
    try:
        data = project_metrics_compute(project=project)
    except Exception:
        MetricsSnapshot.objects.filter(pk=snapshot.pk).update(
            stale=True, stale_since=started, refresh_requested_at=None
        )
        raise
    MetricsSnapshot.objects.filter(pk=snapshot.pk).update(
        data=data,
        computed_at=started,
        duration_ms=int((time.monotonic() - clock) * 1000),
        refresh_requested_at=None,
    )
    snapshot.refresh_from_db()
    return snapshot


def metrics_refresh_request(*, project: Project, force: bool = False, now=None) -> bool:
    """Send a refresh of the project's snapshot unless one was sent recently or the
    snapshot was computed within the debounce interval (``force`` skips the latter, for a
    settings change). Return whether a refresh was sent."""
    from metrics.jobs import project_metrics_refresh

    now = now or timezone.now()
    snapshot, _ = MetricsSnapshot.objects.get_or_create(
        project=project, defaults={"stale": True, "stale_since": now}
    )
    due = MetricsSnapshot.objects.filter(pk=snapshot.pk).filter(
        Q(refresh_requested_at__isnull=True) | Q(refresh_requested_at__lt=now - REFRESH_RETRY_AFTER)
    )
    if not force:
        due = due.filter(
            Q(computed_at__isnull=True) | Q(computed_at__lt=now - REFRESH_MIN_INTERVAL)
        )
    else:
        MetricsSnapshot.objects.filter(pk=snapshot.pk, stale=False).update(
            stale=True, stale_since=now
        )
    # The conditional UPDATE is the lock: of two viewers, one sends the job.
    if not due.update(refresh_requested_at=now):
        return False
    enqueue_on_commit(project_metrics_refresh, project.pk)
    return True


def agreement_cached(*, project: Project) -> tuple[list[dict], datetime | None] | None:
    """The agreement table for a reader that must not wait or send jobs (an export's
    dataset card): from the snapshot, with its date; computed now (not stored) for a small
    project with no snapshot; None for a large project whose figures were never computed."""
    snapshot = MetricsSnapshot.objects.filter(project=project).first()
    if snapshot and snapshot.data and snapshot.data.get("version") == SNAPSHOT_VERSION:
        return snapshot.data["agreement"], snapshot.computed_at
    if Submission.objects.filter(task__project=project).count() <= SYNC_LIMIT:
        return agreement_table(project=project, settings=settings_for(project)), timezone.now()
    return None


def project_metrics(*, project: Project, now=None) -> ProjectMetrics:
    """The project's figures for a page or the API, from the snapshot.

    No snapshot yet: a small project is computed now; a large one gets a refresh sent and
    the caller says the figures are being computed. A stale snapshot is shown as it is
    (with its date) and a refresh is requested, debounced.
    """
    snapshot = MetricsSnapshot.objects.filter(project=project).first()
    if (
        snapshot is None
        or snapshot.data is None
        or snapshot.data.get("version") != SNAPSHOT_VERSION
    ):
        small = Submission.objects.filter(task__project=project).count() <= SYNC_LIMIT
        if small:
            snapshot = metrics_snapshot_refresh(project_id=project.pk)
        else:
            metrics_refresh_request(project=project, force=True, now=now)
            snapshot = MetricsSnapshot.objects.filter(project=project).first()
    elif snapshot.stale and metrics_refresh_request(project=project, now=now):
        # Without a broker the job ran in-process already: show its result.
        snapshot.refresh_from_db()
    assert snapshot is not None
    data = (
        snapshot.data
        if snapshot.data and snapshot.data.get("version") == SNAPSHOT_VERSION
        else None
    )
    return ProjectMetrics(
        data=data,
        computed_at=snapshot.computed_at if data else None,
        stale=snapshot.stale,
        refreshing=snapshot.refresh_requested_at is not None,
    )


def metrics_refresh_stale(*, now=None, limit: int = 200) -> int:
    """The periodic sweep: send refreshes for stale snapshots past the debounce, and for
    old snapshots whose project changed without a submit (a decision, a check result).
    Return how many refreshes were sent."""
    now = now or timezone.now()
    stale = list(
        MetricsSnapshot.objects.filter(stale=True)
        .filter(Q(computed_at__isnull=True) | Q(computed_at__lt=now - REFRESH_MIN_INTERVAL))
        .filter(
            Q(refresh_requested_at__isnull=True)
            | Q(refresh_requested_at__lt=now - REFRESH_RETRY_AFTER)
        )
        .select_related("project")
        .order_by("stale_since")[:limit]
    )
    old = MetricsSnapshot.objects.filter(stale=False, computed_at__lt=now - MAX_AGE).select_related(
        "project"
    )[:limit]
    for snapshot in old:
        changed = (
            Submission.objects.filter(
                task__project_id=snapshot.project_id, updated_at__gt=snapshot.computed_at
            ).exists()
            or CheckRun.objects.filter(
                submission__task__project_id=snapshot.project_id,
                finished_at__gt=snapshot.computed_at,
            ).exists()
        )
        if changed:
            stale.append(snapshot)
    sent = 0
    for snapshot in stale:
        try:
            if metrics_refresh_request(project=snapshot.project, force=True, now=now):
                sent += 1
        except Exception:  # the broker is down: the next sweep tries again
            log.warning("Could not send the metrics refresh of %s", snapshot.project_id)
            break
    return sent

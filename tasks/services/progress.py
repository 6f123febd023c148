"""A trainer's progress: how far through a project they are, what they did today, and
what was returned to them - for the workspace header, the dashboard, the project page and
"my work" (``metrics``), and their API twin (``GET /api/v1/me/progress/``).

What "n of N" means, exactly (the pages say it in a tooltip):

- ``n`` (``submitted``): the trainer's submissions in the project, whatever became of
  them. One per task: a trainer answers a task at most once.
- ``N`` (``of``): ``n`` plus the tasks the project could still give them now
  (``open_to_you``): tasks that need answers (``Task.available``: short of their overlap,
  not flagged) which they have not answered, skipped or taken, plus the ones they hold.
  Gold tasks are left out unless held, so a held gold task moves ``n`` and ``N`` exactly as
  any other task does and a trainer cannot tell them apart. With an overlap of k, other
  trainers complete tasks too, so ``N`` shrinks as the project fills; it is "what you did
  plus what is left for you", not a quota.

"Today" starts at midnight in the trainer's zone (``annotation_platform.time_zones``);
the daily cap of ``tasks.services.distribution`` counts from midnight UTC, so when the
project has one, ``cap_used`` is counted as the cap counts it.

Every figure for any number of projects is one SQL statement (``trainer_progress``), and
the status counts another (``trainer_status_counts``): no query per project.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from annotation_platform.errors import DomainError
from annotation_platform.time_zones import day_start
from tasks.models import (
    Lease,
    LeaseStatus,
    Membership,
    Project,
    Role,
    Skip,
    Submission,
    SubmissionStatus,
    Task,
)

# The statuses "my work" filters and counts, in the order the pages show them: what waits
# on the trainer first.
WORK_STATUSES: tuple[str, ...] = (
    SubmissionStatus.RETURNED,
    SubmissionStatus.SUBMITTED,
    SubmissionStatus.ACCEPTED,
    SubmissionStatus.REJECTED,
)


@dataclass(frozen=True)
class ProjectProgress:
    project_id: int
    submitted: int  # n
    open_to_you: int  # N - n
    today: int  # submissions since midnight in the trainer's zone
    returned: int  # returned for rework, waiting on the trainer
    daily_cap: int | None
    cap_used: int  # submissions since midnight UTC, as the daily cap counts them

    @property
    def of(self) -> int:
        return self.submitted + self.open_to_you


@dataclass(frozen=True)
class Progress:
    """Figures for several projects, with the day they were counted in."""

    zone: ZoneInfo
    day_start: datetime
    projects: dict[int, ProjectProgress]

    @property
    def today(self) -> int:
        return sum(p.today for p in self.projects.values())

    @property
    def returned(self) -> int:
        return sum(p.returned for p in self.projects.values())


class _Count(Subquery):
    """The number of rows of a subquery, as a column of the outer query."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _rows)"
    output_field = IntegerField()


def _count(queryset: QuerySet) -> Coalesce:
    return Coalesce(_Count(queryset.order_by().values("pk")), 0)


def trainer_projects(*, trainer) -> QuerySet[Project]:
    """The projects ``trainer`` works on (a trainer's membership), by name."""
    return Project.objects.filter(
        memberships__user_id=trainer.pk, memberships__role=Role.TRAINER
    ).order_by("name", "id")


def trainer_progress(
    *,
    trainer,
    projects: Iterable[Project],
    zone: ZoneInfo,
    now: datetime | None = None,
) -> Progress:
    """The trainer's figures in each of ``projects`` (one statement for them all).

    Only the trainer's own rows are counted; the one figure about others' work is which
    tasks still need answers (``Task.available``), which the queue tells them anyway.
    """
    now = now or timezone.now()
    start = day_start(zone, now)
    utc_start = day_start(ZoneInfo("UTC"), now)  # the daily cap's day
    caps = {p.pk: p.max_submissions_per_day for p in projects}
    if not caps:
        return Progress(zone=zone, day_start=start, projects={})
    mine = Submission.objects.filter(author_id=trainer.pk, task__project_id=OuterRef("pk"))
    open_tasks = (
        Task.objects.filter(project_id=OuterRef("pk"), available=True, is_gold=False)
        .exclude(Exists(Submission.objects.filter(task_id=OuterRef("pk"), author_id=trainer.pk)))
        .exclude(Exists(Skip.objects.filter(task_id=OuterRef("pk"), trainer_id=trainer.pk)))
        .exclude(
            Exists(
                Lease.objects.filter(
                    task_id=OuterRef("pk"), trainer_id=trainer.pk, status=LeaseStatus.ACTIVE
                )
            )
        )
    )
    # A live lease counts whether or not it has run out: until it is reclaimed the task is
    # theirs, and once reclaimed it is back among the open tasks - N stays put either way.
    held = Lease.objects.filter(
        project_id=OuterRef("pk"), trainer_id=trainer.pk, status=LeaseStatus.ACTIVE
    )
    rows = (
        Project.objects.filter(pk__in=list(caps))
        .order_by()
        .annotate(
            n_submitted=_count(mine),
            n_today=_count(mine.filter(created_at__gte=start)),
            n_returned=_count(mine.filter(status=SubmissionStatus.RETURNED)),
            n_cap_used=_count(mine.filter(created_at__gte=utc_start)),
            n_open=_count(open_tasks),
            n_held=_count(held),
        )
        .values_list("pk", "n_submitted", "n_today", "n_returned", "n_cap_used", "n_open", "n_held")
    )
    figures = {
        pk: ProjectProgress(
            project_id=pk,
            submitted=submitted,
            open_to_you=open_ + held_,
            today=today,
            returned=returned,
            daily_cap=caps[pk],
            cap_used=cap_used,
        )
        for pk, submitted, today, returned, cap_used, open_, held_ in rows
    }
    return Progress(zone=zone, day_start=start, projects=figures)


def work_status_check(status: str | None) -> str | None:
    """A "my work" status filter: one of ``WORK_STATUSES``, or None for all of them."""
    if status in (None, ""):
        return None
    if status not in WORK_STATUSES:
        raise DomainError(
            gettext("Unknown status %(status)s.") % {"status": repr(status)},
            fields={
                "status": [gettext("One of: %(choices)s.") % {"choices": ", ".join(WORK_STATUSES)}]
            },
        )
    return status


def trainer_status_counts(*, trainer, project: Project | None = None) -> dict[str, int]:
    """How many of the trainer's submissions are in each status, in one project or in all
    the projects they work on (``trainer_projects``), with ``total``."""
    rows = Submission.objects.filter(author_id=trainer.pk)
    if project is not None:
        rows = rows.filter(task__project_id=project.pk)
    else:
        rows = rows.filter(task__project_id__in=_trained_in(trainer))
    found = dict(rows.order_by().values_list("status").annotate(n=Count("pk")))
    counts = {status: found.get(status, 0) for status in WORK_STATUSES}
    counts["total"] = sum(counts.values())
    return counts


def _trained_in(trainer) -> QuerySet:
    return Membership.objects.filter(user_id=trainer.pk, role=Role.TRAINER).values("project_id")


def trainer_work_rows(
    *, trainer, project: Project | None = None, status: str | None = None
) -> QuerySet[Submission]:
    """The trainer's submissions, newest first, with their task and project: in one project
    or across all the projects they work on, optionally of one status (checked)."""
    status = work_status_check(status)
    rows = Submission.objects.filter(author_id=trainer.pk)
    if project is not None:
        rows = rows.filter(task__project_id=project.pk)
    else:
        rows = rows.filter(task__project_id__in=_trained_in(trainer))
    if status is not None:
        rows = rows.filter(status=status)
    return rows.select_related("task__project").order_by("-created_at", "-id")

"""A trainer's own view of their work ("my work"), in one project or across all of them:
their submissions with the reasons and findings meant for them, their figures, what they
earned, and changed rules.

Only ever about the one trainer asked for: every query here filters on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Prefetch, QuerySet

from metrics.services.figures import FINDING_STATUSES, settings_for, trainer_rows
from quality.checks.messages import presented
from quality.models import CheckResult
from quality.permissions import HIDDEN_FROM_AUTHOR
from tasks.models import Project, Submission
from tasks.services import guidelines_notice_for
from tasks.services.progress import trainer_work_rows


@dataclass(frozen=True)
class TrainerWork:
    figures: dict[str, Any]
    pays: bool
    pay_per_accepted_task: str | None
    currency: str
    guidelines_notice: dict[str, Any] | None


def trainer_work(*, project: Project, trainer) -> TrainerWork:
    """The trainer's figures in ``project`` (computed now: one trainer's rows are cheap),
    with the guidelines notice if rules changed since they last acknowledged them."""
    settings = settings_for(project)
    rows = trainer_rows(project=project, settings=settings, trainer_ids=[trainer.pk])
    return TrainerWork(
        figures=rows[0],
        pays=settings.pays,
        pay_per_accepted_task=str(settings.pay_per_accepted_task) if settings.pays else None,
        currency=settings.currency,
        guidelines_notice=guidelines_notice_for(user=trainer, project=project),
    )


def trainer_submissions(
    *, trainer, project: Project | None = None, status: str | None = None
) -> QuerySet[Submission]:
    """The trainer's submissions, newest first, in ``project`` or (None) across every
    project they work on, optionally of one ``status`` (an unknown one is a ``DomainError``
    naming ``status``). Each has its task and project, and ``my_findings``: the check
    results of its current revision that found something (messages only; the evidence may
    hold gold answers or other trainers' work and is never for the author)."""
    findings = (
        CheckResult.objects.filter(status__in=FINDING_STATUSES, revision=F("submission__revision"))
        .exclude(check_name__in=HIDDEN_FROM_AUTHOR)
        .order_by("check_name")
    )
    return trainer_work_rows(trainer=trainer, project=project, status=status).prefetch_related(
        Prefetch("check_results", queryset=findings, to_attr="my_findings")
    )


def findings_for_author(result: CheckResult) -> list[dict[str, Any]]:
    """A check result's findings as its author may see them: no evidence."""
    return [
        presented(f, evidence=False) for f in result.findings if f.get("status") in FINDING_STATUSES
    ]

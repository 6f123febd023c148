"""The project checklist: what a new project still needs before trainers can work on it.

Five steps, in the order they are best done (tasks are checked against the template, and
activating hands out tasks): write the template, add tasks, add members (at least one
trainer and a QA lead), publish the guidelines, activate the project. Each step is done or
not on its own; the next step is the first one not done. The project page shows it to
setters and admins, and GET /api/v1/projects/{id}/checklist/ returns the same steps with
stable ``code``s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from tasks import permissions
from tasks.models import Project, ProjectStatus, Role

STEP_TEMPLATE: Final = "template"
STEP_TASKS: Final = "tasks"
STEP_MEMBERS: Final = "members"
STEP_GUIDELINES: Final = "guidelines"
STEP_ACTIVATE: Final = "activate"
STEP_CODES: Final = (STEP_TEMPLATE, STEP_TASKS, STEP_MEMBERS, STEP_GUIDELINES, STEP_ACTIVATE)


@dataclass(frozen=True)
class ChecklistStep:
    code: str  # stable, English: one of STEP_CODES
    label: str  # what to do, in the reader's language
    done: bool
    detail: str  # where the project stands on this step
    url: str  # the page where the step is done
    can_do: bool  # may this user do it there (otherwise: who may)


@dataclass(frozen=True)
class Checklist:
    steps: tuple[ChecklistStep, ...]  # in STEP_CODES order

    @property
    def next_step(self) -> ChecklistStep | None:
        """The first step not done (None when the project is set up)."""
        return next((step for step in self.steps if not step.done), None)

    @property
    def complete(self) -> bool:
        return self.next_step is None

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def ordered(self) -> tuple[ChecklistStep, ...]:
        """The next step first, then the others in their order."""
        first = self.next_step
        if first is None:
            return self.steps
        return (first, *(step for step in self.steps if step is not first))


def project_checklist(*, project: Project, user) -> Checklist:
    """Where ``project`` stands on each set-up step, with links for ``user`` (a fixed
    number of queries)."""
    pk = project.pk
    template = project.templates.order_by("-version").values_list("version", flat=True).first()
    task_count = project.tasks.count()
    roles = project.memberships.aggregate(
        trainers=Count("pk", filter=Q(role=Role.TRAINER)),
        qa_leads=Count("pk", filter=Q(role=Role.QA_LEAD)),
    )
    trainers, qa_leads = roles["trainers"], roles["qa_leads"]
    guidelines = (
        project.guideline_versions.order_by("-number").values_list("number", flat=True).first()
    )
    can_design = permissions.can_design_project(user, project)
    can_manage = permissions.can_manage_members(user, project)
    can_change = permissions.can_change_project(user, project)

    if template is not None:
        template_detail = gettext("Version %(version)s is in force.") % {"version": template}
    else:
        template_detail = gettext(
            "Trainers answer the template's questions: write one or start from the gallery."
        )

    if task_count:
        tasks_detail = ngettext(
            "%(count)s task in the project.", "%(count)s tasks in the project.", task_count
        ) % {"count": task_count}
    elif template is None:
        tasks_detail = gettext("Tasks are checked against the template: write it first.")
    else:
        tasks_detail = gettext("Paste tasks as JSON on the tasks page, or import a file.")

    members_done = trainers >= 1 and qa_leads >= 1
    counts = gettext("Trainers: %(trainers)s · QA leads: %(qa_leads)s.") % {
        "trainers": trainers,
        "qa_leads": qa_leads,
    }
    if members_done:
        members_detail = counts
    elif not trainers and not qa_leads:
        members_detail = gettext("Add at least one trainer and a QA lead.")
    elif not trainers:
        members_detail = gettext("%(counts)s Add at least one trainer.") % {"counts": counts}
    else:
        members_detail = gettext("%(counts)s Add a QA lead.") % {"counts": counts}

    if guidelines is not None:
        guidelines_detail = gettext("Version %(number)s is published.") % {"number": guidelines}
    else:
        guidelines_detail = gettext(
            "Trainers read and acknowledge the guidelines before they start: publish a "
            "first version."
        )

    status = project.status
    if status == ProjectStatus.ACTIVE:
        activate_detail = gettext("The project is active: trainers get tasks.")
    elif status == ProjectStatus.PAUSED:
        activate_detail = gettext(
            "The project is paused: trainers get no tasks. Set its status to Active in the "
            "settings to resume."
        )
    elif status == ProjectStatus.ARCHIVED:
        activate_detail = gettext(
            "The project is archived and read-only. Set its status to Active in the settings "
            "to reopen it."
        )
    else:
        activate_detail = gettext(
            "The project is a draft: trainers get no tasks until it is active. Set its status "
            "to Active in the settings."
        )

    steps = (
        ChecklistStep(
            code=STEP_TEMPLATE,
            label=gettext("Write the task template"),
            done=template is not None,
            detail=template_detail,
            url=reverse("template-editor", args=[pk]),
            can_do=can_design,
        ),
        ChecklistStep(
            code=STEP_TASKS,
            label=gettext("Add tasks"),
            done=task_count > 0,
            detail=tasks_detail,
            url=reverse("project-tasks", args=[pk]),
            can_do=can_design,
        ),
        ChecklistStep(
            code=STEP_MEMBERS,
            label=gettext("Add members: trainers and a QA lead"),
            done=members_done,
            detail=members_detail,
            url=reverse("project-members", args=[pk]),
            can_do=can_manage,
        ),
        ChecklistStep(
            code=STEP_GUIDELINES,
            label=gettext("Publish the guidelines"),
            done=guidelines is not None,
            detail=guidelines_detail,
            url=reverse("guidelines-edit" if can_design else "guidelines", args=[pk]),
            can_do=can_design,
        ),
        ChecklistStep(
            code=STEP_ACTIVATE,
            label=gettext("Activate the project"),
            done=status == ProjectStatus.ACTIVE,
            detail=activate_detail,
            url=reverse("project-settings", args=[pk]) + "#id_status",
            can_do=can_change,
        ),
    )
    return Checklist(steps=steps)

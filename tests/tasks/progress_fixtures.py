"""A trainer's work in several projects, for the progress figures and "my work" (services,
API, pages and the browser): their own submissions in each status, another trainer's in
the same project, and a project they have left, whose rows must never show."""

from __future__ import annotations

from dataclasses import dataclass

from tasks.gallery import gallery_template
from tasks.models import Membership, Project, Role, Submission, SubmissionStatus, Task
from tasks.services import tasks_create, template_save
from tests.factories import MembershipFactory, ProjectFactory, submit

RETURN_REASON = "Cite the second source too."


@dataclass
class World:
    project: Project  # the cast's project: 6 tasks, overlap 1
    tasks: list[Task]
    other: Project  # a second project the trainer works on
    other_tasks: list[Task]
    left: Project  # a project the trainer left: their submission there stays theirs, unseen
    colleague: object  # another trainer of ``project``
    mine: dict[str, Submission]  # the trainer's, by status
    theirs: list[Submission]  # the colleague's
    left_behind: Submission


def _project_with_tasks(project: Project, by, count: int) -> list[Task]:
    starter = gallery_template("multiple_choice")
    template_save(project=project, name=starter.name, definition=starter.definition, by=by)
    return tasks_create(
        project=project,
        items=[{"question": f"Question {n}?\n\n- A\n- B\n- C"} for n in range(count)],
        by=by,
    )


def _set(submission: Submission, status: str, reasons: list[str] | None = None) -> Submission:
    Submission.objects.filter(pk=submission.pk).update(status=status, return_reasons=reasons or [])
    submission.refresh_from_db()
    return submission


def build_world(cast) -> World:
    tasks = _project_with_tasks(cast.project, cast.setter, 6)
    trainer = cast.trainer
    returned, _ = submit(task=tasks[0], author=trainer, answer={"answer": "A"})
    accepted, _ = submit(task=tasks[1], author=trainer, answer={"answer": "B"})
    pending, _ = submit(task=tasks[2], author=trainer, answer={"answer": "C"})
    _set(returned, SubmissionStatus.RETURNED, [RETURN_REASON])
    _set(accepted, SubmissionStatus.ACCEPTED)
    # The colleague completes tasks 3 and 4 (overlap 1): they are open to nobody now.
    colleague = cast.new_trainer()
    theirs = [
        submit(task=tasks[3], author=colleague, answer={"answer": "A"})[0],
        _set(
            submit(task=tasks[4], author=colleague, answer={"answer": "A"})[0],
            SubmissionStatus.RETURNED,
            ["The colleague's private reason."],
        ),
    ]

    other = ProjectFactory(name="Image captions")
    MembershipFactory(project=other, user=trainer, role=Role.TRAINER)
    MembershipFactory(project=other, user=cast.setter, role=Role.SETTER)
    other_tasks = _project_with_tasks(other, cast.setter, 2)
    rejected, _ = submit(task=other_tasks[0], author=trainer, answer={"answer": "A"})
    _set(rejected, SubmissionStatus.REJECTED)

    left = ProjectFactory(name="A project the trainer left")
    MembershipFactory(project=left, user=trainer, role=Role.TRAINER)
    MembershipFactory(project=left, user=cast.setter, role=Role.SETTER)
    left_tasks = _project_with_tasks(left, cast.setter, 1)
    left_behind, _ = submit(task=left_tasks[0], author=trainer, answer={"answer": "A"})
    _set(left_behind, SubmissionStatus.RETURNED, ["A reason from a project you left."])
    Membership.objects.filter(project=left, user=trainer).delete()

    return World(
        project=cast.project,
        tasks=tasks,
        other=other,
        other_tasks=other_tasks,
        left=left,
        colleague=colleague,
        mine={
            "returned": returned,
            "accepted": accepted,
            "submitted": pending,
            "rejected": rejected,
        },
        theirs=theirs,
        left_behind=left_behind,
    )

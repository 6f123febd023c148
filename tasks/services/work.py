"""A trainer's work: tasks to answer, drafts saved as they type, submissions and revisions.

The page and the API both call these functions; the answer rules live only in
``tasks.answer_validation`` and are applied here, on the server, whatever the page did.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext, ngettext

from annotation_platform.errors import ConflictError, DomainError
from annotation_platform.rawsql import Writes
from tasks.answer_validation import validate_answer
from tasks.lookups import template_in_force
from tasks.models import (
    Draft,
    Project,
    ProjectStatus,
    Submission,
    SubmissionRevision,
    SubmissionStatus,
    Task,
)
from tasks.services.distribution import (
    counters_add_new,
    task_claim_for_submission,
    task_claim_held,
    task_lock_for_submission,
)
from tasks.services.hooks import submission_saved, task_data_saved
from tasks.services.templates import template_require_current
from tasks.telemetry import clean_telemetry
from tasks.template_definition import validate_task_data

MAX_TASKS_PER_REQUEST = 1000
MAX_ANSWER_BYTES = 2_000_000  # a 20-criterion rubric with long rationales is ~100 kB


def _json_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode())


@transaction.atomic
def tasks_create(*, project: Project, items: list[Any], by) -> list[Task]:
    """Create tasks from their data; refuse the whole batch if any item is invalid."""
    if not isinstance(items, list) or not items:
        raise DomainError(
            gettext("Send a non-empty list of tasks."),
            fields={"tasks": [gettext("Must be a list.")]},
        )
    if len(items) > MAX_TASKS_PER_REQUEST:
        raise DomainError(
            gettext("At most %(max)s tasks per request; use the import for more.")
            % {"max": MAX_TASKS_PER_REQUEST},
            fields={"tasks": [gettext("%(count)s given.") % {"count": len(items)}]},
        )
    template = template_require_current(project)
    errors: dict[str, list[str]] = {}
    for index, data in enumerate(items):
        if not isinstance(data, dict):
            errors[f"tasks[{index}]"] = [gettext("Each task's data must be a JSON object.")]
            continue
        for path, messages in validate_task_data(template.definition, data).items():
            errors[f"tasks[{index}].{path}" if path else f"tasks[{index}]"] = messages
    if errors:
        unfit = len({key.split("]")[0] for key in errors})
        raise DomainError(
            ngettext(
                "%(count)s task does not fit the template; nothing was created.",
                "%(count)s tasks do not fit the template; nothing was created.",
                unfit,
            )
            % {"count": unfit},
            fields=errors,
        )
    created = Task.objects.bulk_create(
        [
            Task(project=project, data=data, created_by=by, needed=project.default_overlap)
            for data in items
        ]
    )
    counters_add_new(project=project, count=len(created))
    task_data_saved(project=project, datas=items, definition=template.definition, by=by)
    return created


def _check_answer_shape(answer: Any) -> dict:
    if not isinstance(answer, dict):
        raise DomainError(
            gettext("The answer must be a JSON object."),
            fields={"answer": [gettext("Not an object.")]},
        )
    if _json_size(answer) > MAX_ANSWER_BYTES:
        raise DomainError(
            gettext("The answer is too large."),
            fields={"answer": [gettext("At most %(max)s bytes.") % {"max": MAX_ANSWER_BYTES}]},
        )
    return answer


def draft_save(
    *, task: Task, author, answer: Any, telemetry: Any = None, base_revision: int | None = None
) -> Draft:
    """Keep the trainer's work in progress, whatever state it is in (it is not validated).

    A draft of a task already answered is a revision in progress, so it is kept only while
    the submission can still be revised.

    Each save adds one to the draft's ``revision``. ``base_revision`` is the revision the
    caller's copy started from (0: there was no draft); a save based on any other one is
    refused with 409 ``draft_conflict``, so two tabs or devices never silently overwrite
    each other. Without it the save always wins (scripts that keep no copy of their own).
    """
    answer = _check_answer_shape(answer)
    submission = Submission.objects.filter(task=task, author=author).first()
    if submission is not None and not submission.is_revisable:
        raise ConflictError(
            gettext("This task's submission has been reviewed; there is nothing left to draft."),
            code="not_revisable",
        )
    telemetry = clean_telemetry(telemetry)
    return _draft_write(
        task=task, author=author, answer=answer, telemetry=telemetry, base_revision=base_revision
    )


def _draft_conflict(current: int, base: int) -> ConflictError:
    where = (
        gettext("The saved draft is at revision %(current)s; this copy is based on %(base)s.")
        if current
        else gettext("The saved draft was submitted or discarded; this copy is based on %(base)s.")
    )
    return ConflictError(
        gettext(
            "This draft was saved from another tab or device since this copy was loaded; "
            "nothing was overwritten."
        ),
        code="draft_conflict",
        fields={"base_revision": [where % {"current": current, "base": base}]},
        extra={"current_revision": current},
    )


@transaction.atomic
def _draft_write(
    *, task: Task, author, answer: dict, telemetry: dict, base_revision: int | None
) -> Draft:
    # The row lock orders two saves of the same draft: the second sees the first's revision.
    draft = Draft.objects.select_for_update().filter(task=task, author=author).first()
    if draft is None:
        if base_revision:  # its copy was based on a draft that is gone
            raise _draft_conflict(0, base_revision)
        try:
            with transaction.atomic():
                return Draft.objects.create(
                    task=task, author=author, answer=answer, telemetry=telemetry, revision=1
                )
        except IntegrityError:
            # Another save created it between our read and our insert.
            draft = Draft.objects.select_for_update().get(task=task, author=author)
    if base_revision is not None and draft.revision != base_revision:
        raise _draft_conflict(draft.revision, base_revision)
    draft.answer = answer
    draft.telemetry = telemetry
    draft.revision += 1
    draft.save(update_fields=["answer", "telemetry", "revision", "updated_at"])
    return draft


def draft_discard(*, task: Task, author) -> None:
    Draft.objects.filter(task=task, author=author).delete()


def _refuse_archived(project: Project) -> None:
    if project.status == ProjectStatus.ARCHIVED:
        raise ConflictError(
            gettext("This project is archived and takes no more answers."),
            code="project_archived",
        )


def _validated(task: Task, answer: Any, telemetry: dict):
    # Usually from the cache of templates in force (``task`` came through visible_task).
    template = template_in_force(task.project) or template_require_current(task.project)
    check = validate_answer(
        template.definition, _check_answer_shape(answer), task_data=task.data, telemetry=telemetry
    )
    if not check.ok:
        raise DomainError(
            gettext(
                "Some answers need attention; each is listed under its question. "
                "Your draft is kept."
            ),
            code="invalid_answer",
            fields=check.errors,
        )
    return template, check.cleaned


def submission_submit(
    *, task: Task, author, answer: Any, telemetry: Any = None, idempotency_key: str = ""
) -> tuple[Submission, bool]:
    """Submit an answer; return the submission and whether it was created now.

    The same click sent twice (same ``idempotency_key``) returns the first submission; a
    second, different submit is refused: the trainer revises instead. The unique
    constraint on (task, author) makes this hold under concurrency too.
    """
    given = {
        "task": task,
        "author": author,
        "answer": answer,
        "telemetry": telemetry,
        "idempotency_key": (idempotency_key or "")[:64],  # as the column stores it
    }
    if connection.vendor == "postgresql" and connection.get_autocommit():
        submission = _submit_held(**given)
        if submission is not None:
            return submission, True
    return _submission_submit(**given)


def _new_submission(
    *, task: Task, author, template, cleaned: dict, telemetry: dict, idempotency_key: str
) -> tuple[Submission, SubmissionRevision]:
    submission = Submission(
        task=task,
        author=author,
        template=template,
        answer=cleaned,
        telemetry=telemetry,
        idempotency_key=idempotency_key,
    )
    revision = SubmissionRevision(number=1, template=template, answer=cleaned, telemetry=telemetry)
    return submission, revision


def _submit_held(
    *, task: Task, author, answer: Any, telemetry: Any, idempotency_key: str
) -> Submission | None:
    """The common submit on PostgreSQL, as one statement with no transaction around it:
    the trainer holds the task's lease and has not submitted it. Everything the
    transaction path writes (lease, task, counters, submission, revision, draft, the hooks'
    rows) is written only if that lease is ended by this statement. None when anything
    else is the case (no lease held, an answer to refuse, a submission already there):
    nothing was written, and ``_submission_submit`` answers, as it always did.
    """
    _refuse_archived(task.project)
    try:
        telemetry = clean_telemetry(telemetry)
        template, cleaned = _validated(task, answer, telemetry)
    except DomainError:
        # The transaction path says so, after first checking for an earlier submission
        # (a resubmit is refused as one, whatever its answer).
        return None
    writes = Writes()
    ended = task_claim_held(task=task, trainer=author, writes=writes)
    submission, revision = _new_submission(
        task=task,
        author=author,
        template=template,
        cleaned=cleaned,
        telemetry=telemetry,
        idempotency_key=idempotency_key,
    )
    inserted = writes.insert(submission, after=ended)
    writes.insert(revision, parent=("submission_id", inserted))
    writes.add(
        "DELETE FROM tasks_draft WHERE task_id = %s AND author_id = %s",
        [task.pk, author.pk],
        after=inserted,
    )
    submission_saved(submission=submission, revision=1, writes=writes, submission_step=inserted)
    try:
        writes.flush()
    except IntegrityError:
        if submission.pk is not None:
            raise  # the statement went through: the error is an after-write callback's
        # A submission of theirs is there after all (the unique constraint): the
        # statement wrote nothing, and the transaction path replays or refuses.
        return None
    return submission if submission.pk is not None else None


@transaction.atomic
def _submission_submit(
    *, task: Task, author, answer: Any, telemetry: Any = None, idempotency_key: str = ""
) -> tuple[Submission, bool]:
    _refuse_archived(task.project)
    # The task's row lock serialises submits on it: a doubled click waits here, then
    # finds the first submission and gets it back.
    known = task_lock_for_submission(task, author=author)
    submission_id = known.submission_id
    if submission_id is None and not known.holds_lease:
        # A late answer (or none was ever asked for). The lock statement's snapshot was
        # taken before it waited for the lock: a submit of theirs that committed meanwhile
        # (a double click) is visible only to a new statement, under the lock we now hold.
        submission_id = (
            Submission.objects.filter(task=task, author=author).values_list("pk", flat=True).first()
        )
    if submission_id is not None:
        existing = Submission.objects.get(pk=submission_id)
        return _replay_or_refuse(existing, idempotency_key), False
    telemetry = clean_telemetry(telemetry)
    template, cleaned = _validated(task, answer, telemetry)
    # The claim (lease, task counts, counters), the submission, its first revision and
    # the hooks' rows are written as one statement on PostgreSQL: plain inserts, since
    # nobody listens to these models' save signals.
    writes = Writes()
    task_claim_for_submission(
        task=task, trainer=author, holds_lease=known.holds_lease, writes=writes
    )
    submission, revision = _new_submission(
        task=task,
        author=author,
        template=template,
        cleaned=cleaned,
        telemetry=telemetry,
        idempotency_key=idempotency_key,
    )
    inserted = writes.insert(submission, unique=("task_id", "author_id"))
    writes.insert(revision, parent=("submission_id", inserted))
    if known.has_draft:  # API clients rarely keep one: no statement for nothing
        writes.add(
            "DELETE FROM tasks_draft WHERE task_id = %s AND author_id = %s", [task.pk, author.pk]
        )
    submission_saved(submission=submission, revision=1, writes=writes, submission_step=inserted)
    writes.flush()
    if submission.pk is None:
        # Under the task's lock no other submit can get here first; should a row appear
        # anyway, the unique constraint keeps it single and this claim is undone.
        existing = Submission.objects.get(task=task, author=author)
        transaction.set_rollback(True)
        return _replay_or_refuse(existing, idempotency_key), False
    return submission, True


# One whole sentence per status a submission can no longer be revised in.
_NOT_REVISABLE = {
    SubmissionStatus.ACCEPTED: lambda: gettext(
        "This submission was accepted and can no longer be revised."
    ),
    SubmissionStatus.REJECTED: lambda: gettext(
        "This submission was rejected and can no longer be revised."
    ),
}


def _replay_or_refuse(existing: Submission, idempotency_key: str) -> Submission:
    if idempotency_key and existing.idempotency_key == idempotency_key:
        return existing
    raise ConflictError(
        gettext("You already submitted this task; open your submission to revise it."),
        code="already_submitted",
    )


@transaction.atomic
def submission_revise(*, submission: Submission, answer: Any, telemetry: Any = None) -> Submission:
    """Replace the answer of a submission nobody has decided on yet (or returned for rework).

    The new answer is checked against the template in force now, and kept as a new
    revision; the previous revisions stay.
    """
    submission = (
        Submission.objects.select_for_update().select_related("task__project").get(pk=submission.pk)
    )
    if not submission.is_revisable:
        raise ConflictError(
            _NOT_REVISABLE.get(submission.status, _NOT_REVISABLE[SubmissionStatus.ACCEPTED])(),
            code="not_revisable",
        )
    _refuse_archived(submission.task.project)
    telemetry = clean_telemetry(telemetry)
    template, cleaned = _validated(submission.task, answer, telemetry)
    if (template.pk, cleaned, telemetry) == (
        submission.template_id,
        submission.answer,
        submission.telemetry,
    ):
        # The same revision sent twice (a double click, a retry): nothing new to keep.
        Draft.objects.filter(task=submission.task, author=submission.author).delete()
        return submission
    submission.revision += 1
    submission.template = template
    submission.answer = cleaned
    submission.telemetry = telemetry
    submission.status = SubmissionStatus.SUBMITTED
    submission.save()
    SubmissionRevision.objects.create(
        submission=submission,
        number=submission.revision,
        template=template,
        answer=cleaned,
        telemetry=telemetry,
    )
    Draft.objects.filter(task=submission.task, author=submission.author).delete()
    writes = Writes()
    submission_saved(submission=submission, revision=submission.revision, writes=writes)
    writes.flush()
    return submission

"""Task templates: save (with versioning), start from the gallery, check a draft template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from annotation_platform.errors import ConflictError, DomainError
from annotation_platform.stored_text import encode, stored
from tasks.answer_validation import validate_answer
from tasks.gallery import gallery_template
from tasks.models import Project, Submission, TaskTemplate
from tasks.services.hooks import template_saved
from tasks.template_definition import validate_definition, validate_task_data


def template_current(project: Project) -> TaskTemplate | None:
    return project.templates.order_by("-version").first()


def template_require_current(project: Project) -> TaskTemplate:
    template = template_current(project)
    if template is None:
        raise ConflictError(
            gettext(
                "This project has no task template yet; a question setter must create one first."
            ),
            code="no_template",
        )
    return template


@dataclass(frozen=True)
class TemplateCheck:
    """What the editor shows as you type: every error, keyed by its path."""

    definition_errors: dict[str, list[str]]
    task_errors: dict[str, list[str]]
    answer_errors: dict[str, list[str]]

    @property
    def ok(self) -> bool:
        return not (self.definition_errors or self.task_errors or self.answer_errors)


def template_check(
    *, definition: Any, sample_task: Any = None, sample_answer: Any = None
) -> TemplateCheck:
    """Validate a definition, and optionally sample task data and a sample answer with it."""
    definition_errors = validate_definition(definition)
    task_errors: dict[str, list[str]] = {}
    answer_errors: dict[str, list[str]] = {}
    if not definition_errors and sample_task is not None:
        task_errors = validate_task_data(definition, sample_task)
        if not task_errors and sample_answer is not None:
            answer_errors = validate_answer(
                definition, sample_answer, task_data=sample_task, telemetry=None
            ).errors
    return TemplateCheck(definition_errors, task_errors, answer_errors)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(
            gettext("A template needs a name."),
            fields={"name": [gettext("This field is required.")]},
        )
    if len(name) > 200:
        raise DomainError(
            gettext("The name is too long."), fields={"name": [gettext("At most 200 characters.")]}
        )
    return name


@transaction.atomic
def template_save(
    *, project: Project, name: str, definition: Any, note: str = "", by
) -> tuple[TaskTemplate, bool]:
    """Save the project's template; return it and whether a new version was created.

    A version that submissions already point at is never changed: the edit becomes the
    next version. Otherwise the current version is edited in place.
    """
    name = _clean_name(name)
    errors = validate_definition(definition)
    if errors:
        raise DomainError(
            gettext("The template has errors; each is listed under its path."),
            code="invalid_template",
            fields={
                f"definition.{path}" if path else "definition": m for path, m in errors.items()
            },
        )
    # Serialise versioning per project: two setters saving at once get consecutive versions.
    Project.objects.select_for_update().filter(pk=project.pk).first()
    current = template_current(project)
    previous = current.definition if current is not None else None
    if current is not None and not Submission.objects.filter(template=current).exists():
        current.name, current.definition, current.note = name, definition, note or ""
        current.save(update_fields=["name", "definition", "note", "updated_at"])
        template_saved(project=project, definition=definition, previous=previous, by=by)
        return current, False
    template = TaskTemplate.objects.create(
        project=project,
        version=(current.version + 1) if current else 1,
        name=name,
        definition=definition,
        note=note or "",
        created_by=by,
    )
    template_saved(project=project, definition=definition, previous=previous, by=by)
    return template, True


def template_from_gallery(*, project: Project, key: str, by) -> tuple[TaskTemplate, bool]:
    try:
        starter = gallery_template(key)
    except KeyError:
        raise DomainError(
            gettext("There is no gallery template %(key)s.") % {"key": repr(key)},
            fields={"key": [gettext("Unknown template.")]},
        ) from None
    return template_save(
        project=project,
        name=starter.name,
        definition=starter.definition,
        # Stored in English and shown in the reader's language (TaskTemplate.shown_note).
        note=encode(
            stored(gettext_noop("Started from the gallery template “%(name)s”."), name=starter.name)
        ),
        by=by,
    )

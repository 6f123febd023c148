"""Recording which project's tasks reference which media key.

``tasks`` calls these through ``tasks.services.hooks`` (registered in ``apps.py``), inside
the transaction that writes the task data, so a key becomes viewable exactly when the task
naming it is committed. Writes are bulk: on PostgreSQL one ``INSERT … ON CONFLICT DO
NOTHING`` per call (per import batch, beside its COPY), never a query per row or per key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, models

from annotation_platform.errors import DomainError
from mediafiles.keys import media_fields, media_keys
from mediafiles.models import MediaReference
from tasks.models import Project, Task, TaskTemplate
from tasks.services.templates import template_current

# Keys per INSERT off PostgreSQL (SQLite caps a statement's parameters: Django splits below
# this when it must).
RECORD_BATCH = 10_000
# Task data read per round trip when a project's tasks are scanned.
SCAN_CHUNK = 2_000


def _record(reference_model: type[models.Model], project_id: int, keys: Iterable[str]) -> int:
    """Insert the (project, key) rows that are missing; return how many keys were sent.

    Two paths, one result: on PostgreSQL the keys go as ONE array parameter of one
    ``INSERT … SELECT unnest(…) ON CONFLICT DO NOTHING``; elsewhere ``bulk_create`` (the
    reference). Measured on PostgreSQL, 20,000 keys (a 10,000-row import batch with an image
    and a clip per row): bulk_create 1.9-2.1 s, mostly building 40,000 parameters, the array
    0.3-0.5 s; an import of those rows takes ~1.5 s without recording. Both paths are tested
    to leave the same rows (tests/mediafiles/test_services.py).
    """
    # Sorted: two writers adding the same keys lock the index entries in the same order.
    ordered = sorted(set(keys))
    if not ordered:
        return 0
    if connection.vendor == "postgresql":
        _insert_array(reference_model, project_id, ordered)
    else:
        _insert_orm(reference_model, project_id, ordered)
    return len(ordered)


def _insert_array(reference_model: type[models.Model], project_id: int, keys: list[str]) -> None:
    table = reference_model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (project_id, key) "  # the model's own table name
            "SELECT %s, unnest(%s::text[]) ON CONFLICT DO NOTHING",
            [project_id, keys],
        )


def _insert_orm(reference_model: type[models.Model], project_id: int, keys: list[str]) -> None:
    reference_model.objects.bulk_create(
        [reference_model(project_id=project_id, key=key) for key in keys],
        ignore_conflicts=True,
        batch_size=RECORD_BATCH,
    )


def media_record(*, project_id: int, keys: Iterable[str]) -> int:
    """Record that project ``project_id`` references ``keys`` (idempotent); return how many
    distinct keys were sent. Callers pass keys that ``mediafiles.keys.servable_key`` kept."""
    return _record(MediaReference, project_id, keys)


# Keys per query when checking who else references them (SQLite caps a statement's
# parameters; an import batch holds up to two keys per row).
CHECK_CHUNK = 5_000


def media_keys_check(*, user, project_id: int, keys: Iterable[str]) -> None:
    """Refuse to let ``user`` reference, in project ``project_id``, keys that projects they
    are not a member of already reference.

    Naming a key grants the project's members access to the file: without this rule a setter
    who knows (or guesses: keys are paths like ``tts/batch-07/clip-0042.wav``) another
    project's key could put it in a task of their own and open it. Keys nobody references
    yet, and keys of projects the user is a member of, pass; staff pass; ``user`` None (the
    system: migrations, scripts) is not checked. One indexed query per 5,000 keys.
    """
    if user is None or user.is_staff or user.is_superuser:
        return
    ordered = sorted(set(keys))
    foreign: list[str] = []
    for start in range(0, len(ordered), CHECK_CHUNK):
        foreign += (
            MediaReference.objects.filter(key__in=ordered[start : start + CHECK_CHUNK])
            .exclude(project_id=project_id)
            .exclude(project__memberships__user=user)
            .order_by("key")
            .values_list("key", flat=True)
            .distinct()[:5]
        )
        if foreign:
            break
    if foreign:
        listed = ", ".join(foreign[:5])
        raise DomainError(
            f"These media keys belong to a project you are not a member of: {listed}. Ask a "
            "member of that project or a site admin to add these tasks; nothing was written.",
            code="media_not_yours",
            fields={
                "media": [
                    f"{key}: used by a project you are not a member of." for key in foreign[:5]
                ]
            },
        )


def media_record_from_tasks(
    *,
    project: Project,
    datas: Sequence[Mapping[str, Any]],
    definition: Mapping[str, Any] | None = None,
    by=None,
) -> int:
    """Record the media keys in task data just written (the ``on_task_data_saved`` hook),
    after checking that ``by`` may reference them (``media_keys_check``).

    The keys are those in the template's audio and image fields: ``definition`` when the
    writer checked the data against it, else the project's current template (one query).
    """
    if not datas:
        return 0
    if definition is None:
        template = template_current(project)
        definition = template.definition if template is not None else None
    fields = media_fields(definition)
    if not fields:
        return 0
    keys = media_keys(fields, datas)
    media_keys_check(user=by, project_id=project.pk, keys=keys)
    return media_record(project_id=project.pk, keys=keys)


def _scan(
    task_model: type[models.Model],
    reference_model: type[models.Model],
    project_id: int,
    fields: Iterable[str],
    by=None,
) -> int:
    """Record the keys of ``fields`` in every task of a project, reading the data in chunks
    (memory stays flat however many tasks there are); one INSERT per chunk."""
    fields = tuple(fields)
    datas = (
        task_model.objects.filter(project_id=project_id)
        .order_by()
        .values_list("data", flat=True)
        .iterator(chunk_size=SCAN_CHUNK)
    )
    recorded = 0
    chunk: list[Any] = []
    for data in datas:
        chunk.append(data)
        if len(chunk) >= SCAN_CHUNK:
            keys = media_keys(fields, chunk)
            media_keys_check(user=by, project_id=project_id, keys=keys)
            recorded += _record(reference_model, project_id, keys)
            chunk = []
    keys = media_keys(fields, chunk)
    media_keys_check(user=by, project_id=project_id, keys=keys)
    recorded += _record(reference_model, project_id, keys)
    return recorded


def media_record_for_template(
    *,
    project: Project,
    definition: Mapping[str, Any],
    previous: Mapping[str, Any] | None,
    by=None,
) -> int:
    """Record the keys existing tasks hold in fields the new template shows as media and
    the previous one did not (the ``on_template_saved`` hook); nothing to do otherwise.

    Keys of fields that stop being media stay recorded: submissions answered under the
    earlier version, and exports of them, still show those files.
    """
    added = set(media_fields(definition)) - set(media_fields(previous))
    if not added:
        return 0
    return _scan(Task, MediaReference, project.pk, sorted(added), by=by)


def media_backfill(
    *,
    task_model: type[models.Model] = Task,
    template_model: type[models.Model] = TaskTemplate,
    reference_model: type[models.Model] = MediaReference,
) -> int:
    """Record the keys of every existing task, in the media fields of any version of its
    project's template (the data migration passes its historical models). Idempotent."""
    fields: dict[int, set[str]] = {}
    for project_id, definition in template_model.objects.order_by().values_list(
        "project_id", "definition"
    ):
        fields.setdefault(project_id, set()).update(media_fields(definition))
    return sum(
        _scan(task_model, reference_model, project_id, sorted(paths))
        for project_id, paths in sorted(fields.items())
        if paths
    )

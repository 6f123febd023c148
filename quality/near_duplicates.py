"""Per-project near-duplicate indexes, kept in each worker's memory and in the database.

Each worker process holds an in-memory ``NearDuplicateIndex`` per project; signatures are
stored one row per answer text, and before each use the worker reads only the rows added
since it last looked, so the cost per submission stays constant as the project grows. The
index keeps its texts in numpy arrays (under 1 KB each), so a worker can hold large projects.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
from django.db import transaction

from quality.checks.near_duplicate import compared_texts
from quality.checks.near_duplicate_index import NearDuplicateIndex
from quality.models import NearDuplicateSignature

_lock = threading.Lock()
_indexes: dict[int, tuple[NearDuplicateIndex, int]] = {}


def _load_new(project_id: int, index: NearDuplicateIndex, after: int) -> int:
    rows = (
        NearDuplicateSignature.objects.filter(project_id=project_id, id__gt=after)
        .order_by("id")
        .values_list("id", "submission_id", "question_id", "trainer_id", "task_id", "signature")
    )
    last = after
    # In batches: a worker's first use of a large project files its signatures in bulk.
    for batch in _batches(rows.iterator(chunk_size=2000), 2000):
        ids, submissions, questions, trainers, tasks, signatures = zip(*batch, strict=True)
        index.add_signatures(
            np.stack([np.frombuffer(bytes(value), dtype=np.uint32) for value in signatures]),
            submission_ids=[str(value) for value in submissions],
            question_ids=questions,
            trainer_ids=[str(value) for value in trainers],
            task_ids=[str(value) for value in tasks],
        )
        last = ids[-1]
    return last


def _batches(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def project_index(project_id: int) -> NearDuplicateIndex:
    """This worker's index of the project, brought up to date with the database."""
    with _lock:
        index, seen = _indexes.get(project_id, (None, 0))
        if index is None:
            index = NearDuplicateIndex()
        seen = _load_new(project_id, index, seen)
        _indexes[project_id] = (index, seen)
        return index


def project_index_add(submission, data, config=None) -> int:
    """Store (and index) the signatures of the texts the near-duplicate check compares; a
    revision replaces the texts of earlier revisions. Returns how many were stored."""
    project_id = submission.task.project_id
    index = project_index(project_id)
    rows = []
    for item in compared_texts(data, config):
        signature = index.signature(item.text)
        if signature is None:
            continue
        rows.append(
            NearDuplicateSignature(
                project_id=project_id,
                submission_id=submission.pk,
                question_id=item.question_id,
                trainer_id=submission.author_id,
                task_id=submission.task_id,
                signature=signature.astype(np.uint32).tobytes(),
            )
        )
    with transaction.atomic():
        NearDuplicateSignature.objects.filter(submission=submission).delete()
        NearDuplicateSignature.objects.bulk_create(rows)
    index.remove(str(submission.pk))
    # The new rows are read back (with their ids) the next time the index is used.
    project_index(project_id)
    return len(rows)


def forget_cached_indexes() -> None:
    """Drop this process's indexes (tests; a worker that must reload from the database)."""
    with _lock:
        _indexes.clear()

"""Per-project near-duplicate indexes, kept in each worker's memory and in the database.

Each worker process holds an in-memory ``NearDuplicateIndex`` per project; signatures are
stored one row per answer text, and before each use the worker reads only the rows added
since it last looked, so the cost per submission stays constant as the project grows. The
index keeps its texts in numpy arrays (under 1 KB each), so a worker can hold large projects.

Reading ``id > last seen`` misses nothing because signatures are written only under the
project's check lock (``quality.services``), held to the end of the writing transaction:
no row of a lower id can commit after a reader holding that lock has looked. A revision's
change reaches every worker the same way: a text it replaced comes again as a new row, a
text it dropped as a tombstone (an empty signature).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np

from quality.checks.near_duplicate import compared_texts
from quality.checks.near_duplicate_index import NearDuplicateIndex
from quality.models import NearDuplicateSignature

_lock = threading.Lock()
_indexes: dict[int, tuple[NearDuplicateIndex, int]] = {}


def _file(index: NearDuplicateIndex, rows: list[tuple]) -> None:
    if not rows:
        return
    _, submissions, questions, trainers, tasks, sequences, signatures = zip(*rows, strict=True)
    index.add_signatures(
        np.stack([np.frombuffer(bytes(value), dtype=np.uint32) for value in signatures]),
        submission_ids=[str(value) for value in submissions],
        question_ids=questions,
        trainer_ids=[str(value) for value in trainers],
        task_ids=[str(value) for value in tasks],
        sequences=sequences,
    )


def _load_new(project_id: int, index: NearDuplicateIndex, after: int) -> int:
    rows = (
        NearDuplicateSignature.objects.filter(project_id=project_id, id__gt=after)
        .order_by("id")
        .values_list(
            "id", "submission_id", "question_id", "trainer_id", "task_id", "sequence", "signature"
        )
    )
    last = after
    # In batches: a worker's first use of a large project files its signatures in bulk.
    for batch in _batches(rows.iterator(chunk_size=2000), 2000):
        texts: list[tuple] = []
        for row in batch:
            if len(row[-1]):
                texts.append(row)
                continue
            # A tombstone: file what came before it, then forget that text.
            _file(index, texts)
            texts = []
            index.remove(str(row[1]), row[2])
        _file(index, texts)
        last = batch[-1][0]
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
    """This worker's index of the project, brought up to date with the database. Call it
    under the project's check lock (``quality.services.project_checks_lock``)."""
    with _lock:
        index, seen = _indexes.get(project_id, (None, 0))
        if index is None:
            index = NearDuplicateIndex()
        seen = _load_new(project_id, index, seen)
        _indexes[project_id] = (index, seen)
        return index


def signatures_store_many(items, config) -> dict[int, dict[str, np.ndarray]]:
    """Store the signatures of the texts the near-duplicate check compares, for one
    project's ``items`` (submission, its check input, its sequence), replacing the texts of
    their earlier revisions, and file them in this worker's index at once so the rest of
    the run compares with them. Returns them by sequence, then question id. Three queries
    however many items."""
    if not items:
        return {}
    project_id = items[0][0].task.project_id
    index = project_index(project_id)
    found: dict[int, dict[str, np.ndarray]] = {}
    for _, data, sequence in items:
        found[sequence] = {}
        for item in compared_texts(data, config):
            signature = index.signature(item.text)
            if signature is not None:
                found[sequence][item.question_id] = signature
    stored: dict[int, set[str]] = {}
    for submission_id, question_id in NearDuplicateSignature.objects.filter(
        submission_id__in=[submission.pk for submission, _, _ in items]
    ).values_list("submission_id", "question_id"):
        stored.setdefault(submission_id, set()).add(question_id)
    rows = []
    for submission, _, sequence in items:
        texts = found[sequence]
        dropped = sorted(stored.get(submission.pk, set()) - set(texts))
        # Texts an earlier revision had and this one dropped become tombstones (an empty
        # signature), so that every worker's index forgets them, not only this one's.
        for question_id, signature in [
            *((q, signature.astype(np.uint32).tobytes()) for q, signature in texts.items()),
            *((q, b"") for q in dropped),
        ]:
            rows.append(
                NearDuplicateSignature(
                    project_id=project_id,
                    submission_id=submission.pk,
                    question_id=question_id,
                    trainer_id=submission.author_id,
                    task_id=submission.task_id,
                    sequence=sequence,
                    signature=signature,
                )
            )
    if rows:
        NearDuplicateSignature.objects.filter(
            submission_id__in={row.submission_id for row in rows}
        ).delete()
        NearDuplicateSignature.objects.bulk_create(rows)
    for submission, _, sequence in items:
        index.remove(str(submission.pk))
        for question_id, signature in found[sequence].items():
            index.add(
                "",
                signature=signature,
                submission_id=str(submission.pk),
                question_id=question_id,
                trainer_id=str(submission.author_id),
                task_id=str(submission.task_id),
                sequence=sequence,
            )
    return found


def forget_project_index(project_id: int) -> None:
    """Drop this process's index of a project: its run rolled back, so what the index
    filed from it (or read of its uncommitted rows) must be read again from the database."""
    with _lock:
        _indexes.pop(project_id, None)


def forget_cached_indexes() -> None:
    """Drop this process's indexes (tests; a worker that must reload from the database)."""
    with _lock:
        _indexes.clear()

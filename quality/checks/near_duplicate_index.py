"""An incremental MinHash + LSH index of a project's answer texts, for near-duplicate search.

Texts are reduced to character shingles (so Chinese, written without spaces, works like
English) and summarised by a datasketch ``MinHash``. Adding or querying one text costs the
same whether the index holds ten thousand texts or a million: a query looks in one LSH bucket
per band and verifies only the candidates found there against their stored signatures;
nothing is compared pair by pair.

The index is plain in-memory state that the caller owns: it adds each submission after its
checks ran, and persists the index with :meth:`NearDuplicateIndex.to_bytes` (a versioned
binary format holding no code, safe to load, unlike a pickle).

Memory layout. A worker holds one index per project, so the index keeps no Python object per
text (datasketch's ``MinHashLSH`` needs about 10 KB per text in dicts, lists and bytes keys):

- signatures in one contiguous ``uint32`` matrix, a row per text, grown geometrically;
- the texts' ids (submission, question, trainer, task) in parallel ``int64`` arrays: decimal
  ids, which is what the project passes, are stored as numbers; other ids are interned;
- the LSH buckets as open-addressing (linear probing) tables of ``int32`` row numbers, one per
  band, with no keys stored: a slot is chosen by a 64-bit hash of the band's values, and a row
  found in the probed run of cells is a candidate only if its own band values (read from the
  signature matrix) equal the query's, so slot collisions never add or lose a candidate;
- one more such table of rows by submission, for revisions and removals;
- each text's **sequence** (``int64``): its submission's place in the project's order of
  submissions. A query can keep to texts before (or after) a sequence, so a submission is
  compared only with work that came before it, however late a worker files that work, and
  ties between equal scores go to the earlier text.

0.75-0.9 KB per text in all, depending on how full the arrays are (the signature alone is 512
bytes): see benchmarks/near_duplicate_memory.py. Removed texts are only
marked; their rows are dropped when the arrays next grow, so memory stays proportional to
the texts held.
"""

from __future__ import annotations

import json
import math
import struct
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from datasketch import MinHash

from quality.checks import similarity
from quality.checks.answers import prose

_MAGIC: Final = b"NDIX"
_FORMAT_VERSION: Final = 1
_SCHEME: Final = "affine32"  # datasketch's 32-bit permutation scheme; signatures are uint32
_HEADER: Final = struct.Struct("<4sHI")  # magic, version, header JSON length

_EMPTY: Final = -1  # an unused cell of a bucket table
_NONE: Final = -1  # the id code of a missing trainer or task; interned ids are -2, -3, ...
_MAX_LOAD: Final = 0.75  # cells per table = capacity / _MAX_LOAD, so runs stay short
_GROWTH: Final = 1.25  # capacity after growing, per text held: spare room for a quarter more
_SPAN: Final = 32  # cells of a run read at once (then four times more while it goes on)
_TAIL: Final = 4 * _SPAN  # cells past the addressed slots, where the last runs continue
_LARGE_ID: Final = 18  # decimal ids of more digits are interned (int64 holds 18 digits)
_MASK64: Final = 2**64 - 1
_LOW32: Final = np.uint64(0xFFFFFFFF)
_U32: Final = np.uint64(32)


def _identity(value: Any) -> Any:
    # Shingles are already hashed to 32 bits (and datasketch premixes its inputs).
    return value


def _multipliers(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    """Random 64-bit constants for multiply-shift hashing (fixed: tables are never saved)."""
    return np.random.default_rng(seed).integers(0, 2**64, size=shape, dtype=np.uint64)


@dataclass(frozen=True, slots=True)
class Match:
    """An indexed text that resembles the queried one."""

    submission_id: str
    question_id: str
    trainer_id: str | None
    task_id: str | None
    similarity: float  # estimated Jaccard similarity of the two texts' shingle sets
    sequence: int = 0  # the text's place in the order of submissions (0: not given)

    def as_dict(self) -> dict[str, Any]:
        return {
            "submission_id": self.submission_id,
            "question_id": self.question_id,
            "trainer_id": self.trainer_id,
            "task_id": self.task_id,
            "similarity": round(self.similarity, 3),
        }


class _Cells:
    """Linear-probing multimaps of row numbers, one per table (a row of cells each).

    Keys are not stored: the caller hashes a key to 64 bits, and checks every row found in
    the run of occupied cells that starts at the key's slot against its own data. A row is
    filed in the first empty cell of its run, so a lookup that reads the run up to its first
    empty cell sees every row filed under that slot. Cells are never emptied (the caller
    skips removed rows); the tables are rebuilt when the rows are renumbered. The last
    ``_SPAN`` cells always stay empty, so a run never reaches the end of the array.
    """

    _OFFSETS: Final = np.arange(_SPAN)

    def __init__(self, tables: int, size: int) -> None:
        self.size = max(1, size)
        self.cells = np.full((tables, self.size + _TAIL), _EMPTY, dtype=np.int32)

    @property
    def nbytes(self) -> int:
        return self.cells.nbytes

    def slots(self, hashes: np.ndarray) -> np.ndarray:
        # Multiply-shift: the high 32 bits of the hash, scaled onto [0, size).
        return ((hashes >> _U32) * np.uint64(self.size) >> _U32).astype(np.int64)

    def runs(
        self, tables: np.ndarray, hashes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows in the runs at the hashes' slots of ``tables``: for each row found, which
        hash it was found for; the rows; and where each run ends (its first empty cell)."""
        starts = self.slots(hashes)
        window = self.cells[tables[:, None], starts[:, None] + self._OFFSETS]
        # Occupied cells before the first empty one of each run.
        taken = np.logical_and.accumulate(window != _EMPTY, axis=1)
        which, offsets = np.nonzero(taken)
        rows = window[which, offsets]
        lengths = np.count_nonzero(taken, axis=1)
        unfinished = np.flatnonzero(taken[:, -1])
        if unfinished.size:  # runs longer than the window: read on, only those
            more_which, more_rows, more = self._read_on(
                tables[unfinished], starts[unfinished] + _SPAN
            )
            which = np.concatenate([which, unfinished[more_which]])
            rows = np.concatenate([rows, more_rows])
            lengths[unfinished] += more
        return which, rows, starts + lengths

    def _read_on(
        self, tables: np.ndarray, starts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`runs` from the given cells on, reading four times more cells each round."""
        last = self.cells.shape[1] - 1  # always empty
        lengths = np.zeros(len(starts), dtype=np.int64)
        pending = np.arange(len(starts))
        found_for, found = [], []
        span = 4 * _SPAN
        while pending.size:
            offsets = lengths[pending, None] + np.arange(span)
            positions = np.minimum(starts[pending, None] + offsets, last)
            window = self.cells[tables[pending, None], positions]
            taken = np.logical_and.accumulate(window != _EMPTY, axis=1)
            which, offsets = np.nonzero(taken)
            found_for.append(pending[which])
            found.append(window[which, offsets])
            lengths[pending] += np.count_nonzero(taken, axis=1)
            pending = pending[taken[:, -1]]
            span *= 4
        return np.concatenate(found_for), np.concatenate(found), lengths

    def run(self, table: int, hash_value: int) -> tuple[list[int], int]:
        """One run, read cell by cell (a single short run is faster in Python than in numpy):
        its rows, and where it ends."""
        cells = self.cells[table]
        position = ((hash_value >> 32) * self.size) >> 32
        rows = []
        while (row := int(cells[position])) != _EMPTY:
            rows.append(row)
            position += 1
        return rows, position

    def put(self, tables: np.ndarray, ends: np.ndarray, row: int) -> None:
        """File ``row`` at the ends of runs (as :meth:`runs` returned them), one per table."""
        if ends.max() >= self.cells.shape[1] - _SPAN:
            self._widen()
        self.cells[tables, ends] = row

    def fill(self, table: int, hashes: np.ndarray, rows: np.ndarray) -> None:
        """File many rows in an empty table at once (rows keep their order within a run)."""
        if not len(rows):
            return
        slots = self.slots(hashes)
        order = np.argsort(slots, kind="stable")
        slots = slots[order]
        ranks = np.arange(len(slots))
        # Linear probing in one pass: the i-th row by slot lands at its slot, or right after
        # the row before it if that one is already there or further on.
        positions = ranks + np.maximum.accumulate(slots - ranks)
        while positions[-1] >= self.cells.shape[1] - _SPAN:
            self._widen()
        self.cells[table, positions] = rows[order]

    def _widen(self) -> None:
        extra = np.full((len(self.cells), _TAIL), _EMPTY, dtype=np.int32)
        self.cells = np.concatenate([self.cells, extra], axis=1)


class NearDuplicateIndex:
    """Near-duplicate search over texts by (submission, question).

    ``shingle_size`` characters per shingle for most text, ``dense_shingle_size`` for text
    mostly in scripts written without spaces (Chinese, Japanese, Thai), where one character
    carries about as much as a short word. ``bands`` x ``rows`` (at most ``num_perm``) shape
    the LSH: the default 32 x 3 finds 98.6% of pairs at Jaccard 0.5 and 95% at 0.45.

    A signature is only comparable with signatures made with the same ``num_perm``, shingle
    sizes and ``seed``; keep those fixed for a project's stored signatures (``to_bytes``
    records them). See the module docstring for the memory layout (under 1 KB per text).
    """

    INITIAL_CAPACITY: Final = 256

    def __init__(
        self,
        *,
        num_perm: int = 128,
        bands: int = 32,
        rows: int = 3,
        shingle_size: int = 7,
        dense_shingle_size: int = 3,
        seed: int = 1,
    ) -> None:
        if not 16 <= num_perm <= 1024:
            raise ValueError("num_perm must be from 16 to 1024.")
        if bands < 2 or rows < 1 or bands * rows > num_perm:
            raise ValueError("bands x rows must be at most num_perm, with at least 2 bands.")
        if not 2 <= shingle_size <= 20 or not 1 <= dense_shingle_size <= 20:
            raise ValueError("Shingle sizes must be from 2 (1 for dense scripts) to 20.")
        self.num_perm, self.bands, self.rows = num_perm, bands, rows
        self.shingle_size, self.dense_shingle_size, self.seed = (
            shingle_size,
            dense_shingle_size,
            seed,
        )
        self._template = MinHash(num_perm=num_perm, seed=seed, hashfunc=_identity, scheme=_SCHEME)
        # Vector multiply-shift hashing (strongly universal for 32-bit values): one multiplier
        # per value of a band, and one added constant, per band.
        self._band_keys = _multipliers(0x5EED, (bands, rows + 1))
        self._id_keys = [int(key) for key in _multipliers(0x1D5, (3,))]
        self._band_ids = np.arange(bands)
        self._first_table = np.zeros(1, dtype=np.int64)
        self._band_columns = np.arange(rows)
        self._names: list[str] = []  # interned ids that are not decimal numbers
        self._codes: dict[str, int] = {}
        self._used = 0  # rows filled, live or removed
        self._live_count = 0
        self._allocate(self.INITIAL_CAPACITY)
        self._rebuild_tables()
        self._recent: deque[tuple[str, np.ndarray | None]] = deque(maxlen=8)

    def __len__(self) -> int:
        return self._live_count

    @property
    def capacity(self) -> int:
        """Rows allocated; the arrays grow (and drop removed rows) when they are all used."""
        return len(self._signatures)

    @property
    def nbytes(self) -> int:
        """Bytes held in the index's arrays (interned ids and the memo not included)."""
        arrays = (
            self._signatures,
            self._submission,
            self._question,
            self._trainer,
            self._task,
            self._sequence,
        )
        return (
            sum(array.nbytes for array in arrays)
            + self._live.nbytes
            + self._buckets.nbytes
            + self._by_submission.nbytes
        )

    # -- signatures ------------------------------------------------------------------------

    def signature(self, text: str) -> np.ndarray | None:
        """The MinHash signature of ``text``, or None when it has no content to compare.

        The last few signatures are remembered, so filing a text right after querying it
        (the check queries, then the caller adds) does not compute it twice.
        """
        for recent, signature in self._recent:
            if recent is text or recent == text:
                return signature
        signature = self._compute_signature(text)
        self._recent.append((text, signature))
        return signature

    def _compute_signature(self, text: str) -> np.ndarray | None:
        normalised = similarity.normalise(similarity.capped(text)[0])
        if not normalised:
            return None
        dense = similarity.mostly_per_char(normalised)
        shingles = similarity.shingles(
            normalised, self.dense_shingle_size if dense else self.shingle_size
        )
        minhash = self._template.copy()
        # Batches keep the (shingles x num_perm) intermediate small for huge texts.
        for start in range(0, len(shingles), 8192):
            minhash.update_batch(shingles[start : start + 8192].tolist())
        signature = minhash.hashvalues.astype(np.uint32)
        signature.setflags(write=False)  # shared with the recent-signature memo
        return signature

    def _checked(self, signatures: np.ndarray) -> np.ndarray:
        signatures = np.asarray(signatures)
        if signatures.shape[-1:] != (self.num_perm,) or signatures.dtype.kind not in "ui":
            raise ValueError(f"A signature is {self.num_perm} unsigned 32-bit integers.")
        return signatures.astype(np.uint32, copy=False)

    def _band_hashes(self, bands: np.ndarray, band: int | slice = slice(None)) -> np.ndarray:
        """Hashes of band values: ``bands`` is (..., bands, rows), or (..., rows) for one
        ``band``. Equal values give equal hashes; unequal ones rarely do (checked anyway)."""
        keys = self._band_keys[band]
        products = bands.astype(np.uint64) * keys[..., :-1]
        return products.sum(axis=-1, dtype=np.uint64) + keys[..., -1]

    # -- ids -------------------------------------------------------------------------------

    def _encode(self, value: Any, *, create: bool = True) -> int | None:
        """An id as an int64: decimal ids as themselves, others interned; None as _NONE."""
        if value is None:
            return _NONE
        text = str(value)
        decimal = text.isascii() and text.isdigit() and len(text) <= _LARGE_ID
        if decimal and (text == "0" or text[0] != "0"):  # "007" would come back as "7"
            return int(text)
        code = self._codes.get(text)
        if code is None:
            if not create:
                return None
            code = self._codes[text] = -2 - len(self._names)
            self._names.append(text)
        return code

    def _decode(self, code: int) -> str | None:
        if code >= 0:
            return str(code)
        return None if code == _NONE else self._names[-2 - code]

    def _id_hashes(self, codes: np.ndarray) -> np.ndarray:
        """Hashes of id codes (the same as :meth:`_id_hash` gives one by one)."""
        values = np.asarray(codes, dtype=np.int64).view(np.uint64)
        low, high, offset = (np.uint64(key) for key in self._id_keys)
        return (values & _LOW32) * low + (values >> _U32) * high + offset

    def _id_hash(self, code: int) -> int:
        low, high, offset = self._id_keys
        value = code & _MASK64
        return ((value & 0xFFFFFFFF) * low + (value >> 32) * high + offset) & _MASK64

    # -- storage ---------------------------------------------------------------------------

    def _allocate(self, capacity: int) -> None:
        self._signatures = np.zeros((capacity, self.num_perm), dtype=np.uint32)
        self._submission = np.zeros(capacity, dtype=np.int64)
        self._question = np.zeros(capacity, dtype=np.int64)
        self._trainer = np.zeros(capacity, dtype=np.int64)
        self._task = np.zeros(capacity, dtype=np.int64)
        self._sequence = np.zeros(capacity, dtype=np.int64)
        self._live = np.zeros(capacity, dtype=bool)

    def _reserve(self, count: int) -> bool:
        """Make room for ``count`` more rows, dropping removed ones; True if the rows were
        renumbered, and the bucket tables must then be rebuilt."""
        if self._used + count <= self.capacity:
            return False
        keep = np.flatnonzero(self._live[: self._used])
        capacity = max(self.INITIAL_CAPACITY, math.ceil((len(keep) + count) * _GROWTH))
        old = self._columns()
        self._allocate(capacity)
        new = self._columns()
        for source, target in zip(old, new, strict=True):
            target[: len(keep)] = source[keep]
        del old
        self._live[: len(keep)] = True
        self._used = len(keep)
        return True

    def _columns(self) -> tuple[np.ndarray, ...]:
        return (
            self._signatures,
            self._submission,
            self._question,
            self._trainer,
            self._task,
            self._sequence,
        )

    def _rebuild_tables(self) -> None:
        size = math.ceil(self.capacity / _MAX_LOAD)
        live = np.flatnonzero(self._live[: self._used]).astype(np.int32)
        self._buckets = _Cells(self.bands, size)
        for band in range(self.bands):
            values = self._signatures[live, band * self.rows : (band + 1) * self.rows]
            self._buckets.fill(band, self._band_hashes(values, band), live)
        self._by_submission = _Cells(1, size)
        self._by_submission.fill(0, self._id_hashes(self._submission[live]), live)

    def _file(self, row: int, submission_end: int | None = None) -> None:
        """File a row in the bucket tables (and by submission: pass where the submission's
        run ends if it was just looked up)."""
        bands = self._signatures[row, : self.bands * self.rows].reshape(self.bands, self.rows)
        ends = self._buckets.runs(self._band_ids, self._band_hashes(bands))[2]
        self._buckets.put(self._band_ids, ends, row)
        if submission_end is None:
            submission_hash = self._id_hash(int(self._submission[row]))
            submission_end = self._by_submission.run(0, submission_hash)[1]
        self._by_submission.put(self._first_table, np.array([submission_end]), row)

    def _rows_of(self, submission: int) -> tuple[list[int], int]:
        """The live rows of a submission code, and where its run of the table ends."""
        rows, end = self._by_submission.run(0, self._id_hash(submission))
        mine = [row for row in rows if self._live[row] and self._submission[row] == submission]
        return mine, end

    def _rows_of_many(self, submissions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Live rows of many submission codes: (which submission, row) pairs."""
        tables = np.zeros(len(submissions), dtype=np.int64)
        which, rows, _ = self._by_submission.runs(tables, self._id_hashes(submissions))
        mine = self._live[rows] & (self._submission[rows] == submissions[which])
        return which[mine], rows[mine]

    def _forget(self, rows: np.ndarray | list[int]) -> None:
        """Mark live rows removed; their cells are skipped until the tables are rebuilt."""
        self._live[rows] = False
        self._live_count -= len(rows)

    # -- changes ---------------------------------------------------------------------------

    def add(
        self,
        text: str,
        *,
        submission_id: str,
        question_id: str = "",
        trainer_id: str | None = None,
        task_id: str | None = None,
        signature: np.ndarray | None = None,
        sequence: int = 0,
    ) -> bool:
        """File ``text``; an entry with the same submission and question is replaced.

        Returns False when the text has nothing to compare (empty or only punctuation).
        Pass ``signature`` when it was already computed for a query of the same text, and
        ``sequence`` for the submission's place in the order of submissions.
        """
        if signature is None:
            signature = self.signature(text)
        if signature is None:
            return False
        signature = self._checked(signature)
        submission = self._encode(str(submission_id))
        question = self._encode(str(question_id))
        rows, submission_end = self._rows_of(submission)
        self._forget([row for row in rows if self._question[row] == question])
        if self._reserve(1):
            self._rebuild_tables()
            submission_end = None
        row = self._used
        self._signatures[row] = signature
        self._submission[row], self._question[row] = submission, question
        self._trainer[row], self._task[row] = self._encode(trainer_id), self._encode(task_id)
        self._sequence[row] = sequence
        self._live[row] = True
        self._used += 1
        self._live_count += 1
        self._file(row, submission_end)
        return True

    def add_signatures(
        self,
        signatures: np.ndarray,
        *,
        submission_ids: Sequence[Any],
        question_ids: Sequence[Any],
        trainer_ids: Sequence[Any],
        task_ids: Sequence[Any],
        sequences: Sequence[int] | None = None,
    ) -> int:
        """File stored signatures (one row each, in order), as :meth:`add` would one by one:
        a later entry replaces an earlier one with the same submission and question.

        Much faster than single adds for a large batch (a worker loading a project, or
        :meth:`from_bytes`): the bucket tables are rebuilt once. Returns how many were filed.
        """
        signatures = self._checked(np.atleast_2d(signatures))
        count = len(signatures)
        if sequences is None:
            sequences = [0] * count
        columns = (submission_ids, question_ids, trainer_ids, task_ids, sequences)
        if not all(len(ids) == count for ids in columns):
            raise ValueError(
                "One submission, question, trainer and task id and sequence per signature."
            )
        if not count:
            return 0
        submissions = np.fromiter((self._encode(str(v)) for v in submission_ids), np.int64, count)
        questions = np.fromiter((self._encode(str(v)) for v in question_ids), np.int64, count)
        keys = zip(submissions.tolist(), questions.tolist(), strict=True)
        latest = {key: i for i, key in enumerate(keys)}  # the last entry of each key wins
        keep = np.fromiter(latest.values(), np.int64, len(latest))
        keep.sort()
        which, rows = self._rows_of_many(submissions[keep])
        self._forget(rows[self._question[rows] == questions[keep][which]])
        grown = self._reserve(len(keep))
        start, stop = self._used, self._used + len(keep)
        self._signatures[start:stop] = signatures[keep]
        self._submission[start:stop], self._question[start:stop] = (
            submissions[keep],
            questions[keep],
        )
        self._trainer[start:stop] = [self._encode(trainer_ids[i]) for i in keep.tolist()]
        self._task[start:stop] = [self._encode(task_ids[i]) for i in keep.tolist()]
        self._sequence[start:stop] = np.asarray(sequences, dtype=np.int64)[keep]
        self._live[start:stop] = True
        self._used = stop
        self._live_count += len(keep)
        # Filing row by row costs ~30 us; rebuilding costs ~3 us per row held.
        if grown or len(keep) * 8 >= self._live_count:
            self._rebuild_tables()
        else:
            for row in range(start, stop):
                self._file(row)
        return len(keep)

    def add_answer(
        self,
        definition: Mapping[str, Any],
        answer: Any,
        *,
        submission_id: str,
        trainer_id: str | None = None,
        task_id: str | None = None,
        question_types: tuple[str, ...] = ("text",),
    ) -> int:
        """File the free text of an answer's questions of ``question_types`` (keep them the
        same as the near_duplicate check's setting of that name); returns how many."""
        return sum(
            self.add(
                item.text,
                submission_id=submission_id,
                question_id=item.question_id,
                trainer_id=trainer_id,
                task_id=task_id,
            )
            for item in prose(definition, answer)
            if item.question_type in question_types
        )

    def remove(self, submission_id: str, question_id: str | None = None) -> int:
        """Forget every text of a submission (deleted or withdrawn), or only its text for
        ``question_id`` (a revision dropped it); returns how many."""
        submission = self._encode(str(submission_id), create=False)
        if submission is None:
            return 0
        rows = self._rows_of(submission)[0]
        if question_id is not None:
            question = self._encode(str(question_id), create=False)
            rows = [row for row in rows if self._question[row] == question]
        self._forget(rows)
        return len(rows)

    # -- queries ---------------------------------------------------------------------------

    def _candidates(self, signature: np.ndarray) -> np.ndarray:
        """Live rows that share at least one band's values with ``signature``, in order."""
        bands = signature[: self.bands * self.rows].reshape(self.bands, self.rows)
        which, rows, _ = self._buckets.runs(self._band_ids, self._band_hashes(bands))
        # A row in the run is a candidate only if its own values of that band are the query's:
        # rows of other slots run on into this one, and unequal values can share a slot.
        columns = which[:, None] * self.rows + self._band_columns
        same = (self._signatures[rows[:, None], columns] == bands[which]).all(axis=1)
        rows = rows[same]
        return np.unique(rows[self._live[rows]])

    def candidate_count(self, signature: np.ndarray) -> int:
        """How many indexed texts a query with ``signature`` verifies (diagnostics)."""
        return len(self._candidates(self._checked(signature)))

    def query(
        self,
        text: str | None = None,
        *,
        signature: np.ndarray | None = None,
        min_similarity: float = 0.5,
        exclude_submission: str | None = None,
        limit: int = 5,
        before_sequence: int | None = None,
        after_sequence: int | None = None,
    ) -> list[Match]:
        """Indexed texts with estimated Jaccard similarity >= ``min_similarity``, best first,
        ties by sequence and then in the order they were filed. ``before_sequence`` keeps
        to texts of a lower sequence (what came before a submission), ``after_sequence`` to
        those of a higher one."""
        if signature is None:
            signature = self.signature(text or "")
        if signature is None or not self._live_count:
            return []
        signature = self._checked(signature)
        rows = self._candidates(signature)
        if exclude_submission is not None:
            excluded = self._encode(str(exclude_submission), create=False)
            if excluded is not None:
                rows = rows[self._submission[rows] != excluded]
        if before_sequence is not None:
            rows = rows[self._sequence[rows] < before_sequence]
        if after_sequence is not None:
            rows = rows[self._sequence[rows] > after_sequence]
        if not rows.size:
            return []
        scores = np.count_nonzero(self._signatures[rows] == signature, axis=1) / self.num_perm
        keep = np.flatnonzero(scores >= min_similarity)
        # Best first; equal scores by sequence, so the order a worker filed texts in (which
        # depends on its lag) never changes which match is named.
        order = np.lexsort((self._sequence[rows[keep]], -scores[keep]))
        best = keep[order][:limit]
        return [self._match(int(rows[position]), float(scores[position])) for position in best]

    def _match(self, row: int, score: float) -> Match:
        return Match(
            self._decode(int(self._submission[row])) or "",
            self._decode(int(self._question[row])) or "",
            self._decode(int(self._trainer[row])),
            self._decode(int(self._task[row])),
            score,
            int(self._sequence[row]),
        )

    # -- persistence -----------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The index as bytes: a header, the entries as JSON, then the signatures."""
        live = np.flatnonzero(self._live[: self._used])
        columns = (self._submission, self._question, self._trainer, self._task)
        entries = [
            [*(self._decode(code) for code in row), sequence]
            for *row, sequence in zip(
                *(column[live].tolist() for column in columns),
                self._sequence[live].tolist(),
                strict=True,
            )
        ]
        header = json.dumps(
            {
                "num_perm": self.num_perm,
                "bands": self.bands,
                "rows": self.rows,
                "shingle_size": self.shingle_size,
                "dense_shingle_size": self.dense_shingle_size,
                "seed": self.seed,
                "scheme": _SCHEME,
                "entries": entries,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        signatures = self._signatures[live].astype("<u4").tobytes()
        return _HEADER.pack(_MAGIC, _FORMAT_VERSION, len(header)) + header + signatures

    @classmethod
    def from_bytes(cls, data: bytes) -> NearDuplicateIndex:
        """Restore an index written by :meth:`to_bytes`; raise ValueError if it is not one."""
        if len(data) < _HEADER.size:
            raise ValueError("Not a near-duplicate index: too short.")
        magic, version, length = _HEADER.unpack_from(data)
        if magic != _MAGIC or version != _FORMAT_VERSION:
            raise ValueError("Not a near-duplicate index, or a version this code cannot read.")
        try:
            header = json.loads(data[_HEADER.size : _HEADER.size + length])
            entries = header["entries"]
            index = cls(
                num_perm=header["num_perm"],
                bands=header["bands"],
                rows=header["rows"],
                shingle_size=header["shingle_size"],
                dense_shingle_size=header["dense_shingle_size"],
                seed=header["seed"],
            )
            # Entries of format 1 written before sequences existed have four fields.
            entries = [[*entry, 0] if len(entry) == 4 else entry for entry in entries]
            submissions, questions, trainers, tasks, sequences = (
                zip(*entries, strict=True) if entries else ((), (), (), (), ())
            )
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"Corrupt near-duplicate index header: {error}") from error
        if header.get("scheme") != _SCHEME:
            raise ValueError("The index was built with another MinHash scheme.")
        body = data[_HEADER.size + length :]
        if len(body) != len(entries) * index.num_perm * 4:
            raise ValueError("Corrupt near-duplicate index: signature data has the wrong size.")
        signatures = np.frombuffer(body, dtype="<u4").reshape(len(entries), index.num_perm)
        index.add_signatures(
            signatures,
            submission_ids=submissions,
            question_ids=questions,
            trainer_ids=trainers,
            task_ids=tasks,
            sequences=[int(value) for value in sequences],
        )
        return index

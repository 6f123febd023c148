"""An incremental MinHash + LSH index of a project's answer texts, for near-duplicate search.

Texts are reduced to character shingles (so Chinese, written without spaces, works like
English), summarised by a datasketch ``MinHash`` and filed in a datasketch ``MinHashLSH``.
Adding or querying one text costs the same whether the index holds ten thousand texts or a
million: a query looks up a fixed number of LSH buckets and verifies only the candidates
found there against their stored signatures; nothing is compared pair by pair.

The index is plain in-memory state that the caller owns: it adds each submission after its
checks ran, and persists the index with :meth:`NearDuplicateIndex.to_bytes` (a versioned
binary format holding no code, safe to load, unlike a pickle).
"""

from __future__ import annotations

import json
import struct
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from datasketch import MinHash, MinHashLSH

from reviews.checks import similarity
from reviews.checks.answers import prose

_MAGIC: Final = b"NDIX"
_FORMAT_VERSION: Final = 1
_SCHEME: Final = "affine32"  # datasketch's 32-bit permutation scheme; signatures are uint32
_HEADER: Final = struct.Struct("<4sHI")  # magic, version, header JSON length


def _identity(value: Any) -> Any:
    # Shingles are already hashed to 32 bits (and datasketch premixes its inputs).
    return value


@dataclass(frozen=True, slots=True)
class Match:
    """An indexed text that resembles the queried one."""

    submission_id: str
    question_id: str
    trainer_id: str | None
    task_id: str | None
    similarity: float  # estimated Jaccard similarity of the two texts' shingle sets

    def as_dict(self) -> dict[str, Any]:
        return {
            "submission_id": self.submission_id,
            "question_id": self.question_id,
            "trainer_id": self.trainer_id,
            "task_id": self.task_id,
            "similarity": round(self.similarity, 3),
        }


class NearDuplicateIndex:
    """Near-duplicate search over texts by (submission, question).

    ``shingle_size`` characters per shingle for most text, ``dense_shingle_size`` for text
    mostly in scripts written without spaces (Chinese, Japanese, Thai), where one character
    carries about as much as a short word. ``bands`` x ``rows`` (at most ``num_perm``) shape
    the LSH: the default 32 x 3 finds 98.6% of pairs at Jaccard 0.5 and 95% at 0.45.

    A signature is only comparable with signatures made with the same ``num_perm``, shingle
    sizes and ``seed``; keep those fixed for a project's stored signatures (``to_bytes``
    records them). Memory is dominated by datasketch's LSH buckets: about 8 KB per text with
    the default 32 bands.
    """

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
        self._lsh = MinHashLSH(num_perm=num_perm, params=(bands, rows))
        self._signatures = np.zeros((1024, num_perm), dtype=np.uint32)
        # Row -> (submission, question, trainer, task); None once removed.
        self._entries: list[tuple[str, str, str | None, str | None] | None] = []
        self._rows: dict[tuple[str, str], int] = {}
        self._by_submission: dict[str, list[int]] = {}
        self._recent: deque[tuple[str, np.ndarray | None]] = deque(maxlen=8)

    def __len__(self) -> int:
        return len(self._rows)

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

    def _minhash(self, signature: np.ndarray) -> MinHash:
        return MinHash(
            seed=self.seed,
            hashfunc=_identity,
            hashvalues=signature,
            permutations=self._template.permutations,
            scheme=_SCHEME,
        )

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
    ) -> bool:
        """File ``text``; an entry with the same submission and question is replaced.

        Returns False when the text has nothing to compare (empty or only punctuation).
        Pass ``signature`` when it was already computed for a query of the same text.
        """
        if signature is None:
            signature = self.signature(text)
        if signature is None:
            return False
        key = (str(submission_id), str(question_id))
        if key in self._rows:
            self._remove_row(self._rows.pop(key))
        row = len(self._entries)
        if row == len(self._signatures):
            self._signatures = np.concatenate([self._signatures, np.zeros_like(self._signatures)])
        self._signatures[row] = signature
        self._entries.append((key[0], key[1], trainer_id, task_id))
        self._rows[key] = row
        self._by_submission.setdefault(key[0], []).append(row)
        self._lsh.insert(row, self._minhash(signature), check_duplication=False)
        return True

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

    def remove(self, submission_id: str) -> int:
        """Forget every text of a submission (deleted or withdrawn); returns how many."""
        rows = self._by_submission.pop(str(submission_id), [])
        for row in rows:
            entry = self._entries[row]
            if entry is not None:
                self._rows.pop((entry[0], entry[1]), None)
                self._remove_row(row)
        return len(rows)

    def _remove_row(self, row: int) -> None:
        entry = self._entries[row]
        if entry is None:
            return
        self._entries[row] = None
        rows = self._by_submission.get(entry[0])
        if rows and row in rows:
            rows.remove(row)
        self._lsh.remove(row)

    # -- queries ---------------------------------------------------------------------------

    def query(
        self,
        text: str | None = None,
        *,
        signature: np.ndarray | None = None,
        min_similarity: float = 0.5,
        exclude_submission: str | None = None,
        limit: int = 5,
    ) -> list[Match]:
        """Indexed texts with estimated Jaccard similarity >= ``min_similarity``, best first."""
        if signature is None:
            signature = self.signature(text or "")
        if signature is None or not self._rows:
            return []
        candidates = [
            row
            for row in self._lsh.query(self._minhash(signature))
            if (entry := self._entries[row]) is not None and entry[0] != exclude_submission
        ]
        if not candidates:
            return []
        rows = np.fromiter(candidates, dtype=np.int64, count=len(candidates))
        scores = np.count_nonzero(self._signatures[rows] == signature, axis=1) / self.num_perm
        keep = np.flatnonzero(scores >= min_similarity)
        best = keep[np.argsort(-scores[keep], kind="stable")][:limit]
        matches = []
        for position in best:
            submission, question, trainer, task = self._entries[int(rows[position])]
            matches.append(Match(submission, question, trainer, task, float(scores[position])))
        return matches

    # -- persistence -----------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The index as bytes: a header, the entries as JSON, then the signatures."""
        live = [row for row, entry in enumerate(self._entries) if entry is not None]
        header = json.dumps(
            {
                "num_perm": self.num_perm,
                "bands": self.bands,
                "rows": self.rows,
                "shingle_size": self.shingle_size,
                "dense_shingle_size": self.dense_shingle_size,
                "seed": self.seed,
                "scheme": _SCHEME,
                "entries": [self._entries[row] for row in live],
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
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"Corrupt near-duplicate index header: {error}") from error
        if header.get("scheme") != _SCHEME:
            raise ValueError("The index was built with another MinHash scheme.")
        body = data[_HEADER.size + length :]
        if len(body) != len(entries) * index.num_perm * 4:
            raise ValueError("Corrupt near-duplicate index: signature data has the wrong size.")
        signatures = np.frombuffer(body, dtype="<u4").reshape(len(entries), index.num_perm)
        for (submission, question, trainer, task), signature in zip(
            entries, signatures, strict=True
        ):
            index.add(
                "",
                submission_id=submission,
                question_id=question,
                trainer_id=trainer,
                task_id=task,
                signature=signature.astype(np.uint32),
            )
        return index

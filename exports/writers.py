"""Writers: each takes batches of records and appends them to the export archive, so an
export's memory is one chunk however large the export grows.

JSONL and CSV stream into their zip entry through ``ZipEntrySink``; Parquet and the MOS
table are written to files first and added at the end: ``files()`` returns those, as
(name inside the archive, path on disk). ``names`` is what each writer puts in the archive.
"""

from __future__ import annotations

import csv
import io
import json
import queue
import threading
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.parquet as pq

from exports.rows import RAW_MARKERS, ExportContext
from metrics.stats import mean_opinion_score
from tasks.template_definition import MISSING, field_value

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# How each raw-JSON marker looks once encoded (quotes included): what a line's text swaps out.
_ENCODED_MARKERS = {name: _dumps(marker) for name, marker in RAW_MARKERS.items()}


def _line(record: dict[str, Any]) -> str:
    """One JSON line; a row built with raw JSON gets its texts put back in place."""
    raw = record.pop("_raw", None)
    line = _dumps(record)
    if raw:
        for name, text in raw.items():
            line = line.replace(_ENCODED_MARKERS[name], text, 1)
    return line


class ZipEntrySink:
    """Bytes written here are deflated into one zip entry by a thread of its own.

    zlib releases the GIL, so compression runs on a second core while the next chunk is
    read and encoded; the bounded queue keeps at most a few chunks in flight. The archive
    must get no other entry until ``close``.
    """

    def __init__(self, zf: zipfile.ZipFile, name: str) -> None:
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(zf, name), daemon=True)
        self.thread.start()

    def _run(self, zf: zipfile.ZipFile, name: str) -> None:
        try:
            with zf.open(name, "w", force_zip64=True) as entry:
                while (data := self.queue.get()) is not None:
                    entry.write(data)
        except BaseException as exc:  # reported to the writer by write() and close()
            self.error = exc
            while self.queue.get() is not None:  # keep the writer from blocking
                pass

    def write(self, data: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(data)

    def close(self) -> None:
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        if self.error is not None:
            raise self.error


class JsonlWriter:
    """One JSON object per line, UTF-8 (what ``datasets.load_dataset("json")`` reads)."""

    def __init__(self, zf: zipfile.ZipFile, name: str = "data.jsonl") -> None:
        self.names = [name]
        self.sink = ZipEntrySink(zf, name)

    def write(self, records: list[dict[str, Any]]) -> int:
        if records:
            self.sink.write(("\n".join(map(_line, records)) + "\n").encode())
        return len(records)

    def close(self) -> None:
        self.sink.close()

    def files(self) -> list[tuple[str, Path]]:
        return []


# --- flat rows (CSV, Parquet) ------------------------------------------------------------

FIXED_COLUMNS: Final = (
    "submission_id",
    "task_id",
    "trainer",
    "status",
    "revision",
    "created_at",
    "updated_at",
    "template_version",
    "guideline_version",
    "rubric",
    "is_gold",
    "task_data",
    "media",
)


def _score_value(score: Any) -> float | None:
    """The number of a stored rubric score (rubrics.scoring.ScoreResult.as_dict())."""
    if isinstance(score, dict):
        score = score.get("score")
    return float(score) if isinstance(score, int | float) and not isinstance(score, bool) else None


DECIDING_KINDS: Final = frozenset({"review", "dispute", "automated"})
TAIL_COLUMNS: Final = ("review_decision", "review_reasons", "rubric_score", "checks")


def flat_columns(context: ExportContext) -> list[str]:
    return [*FIXED_COLUMNS, *(f"answer.{q}" for q in context.question_ids()), *TAIL_COLUMNS]


def _json_or_none(value: Any) -> str | None:
    return None if value is None else _dumps(value)


def _answer_cell(value: Any) -> str | None:
    """Text answers as they are; everything else (numbers, choices, lists) as JSON."""
    if value is None or isinstance(value, str):
        return value
    return _dumps(value)


def flat_row(row: dict[str, Any], question_ids: list[str]) -> dict[str, Any]:
    """A full row as one flat record: scalars as columns, structures as JSON text."""
    # The decision in force is the last one that decided the submission (a second review
    # audits without changing it); the score is the latest given (a re-grade rescores).
    deciding = [r for r in row["reviews"] if r.get("kind") in DECIDING_KINDS]
    review = dict(deciding[-1]) if deciding else {}
    scores = [_score_value(r.get("rubric_score")) for r in row["reviews"]]
    scored = [score for score in scores if score is not None]
    review["rubric_score"] = scored[-1] if scored else None
    rubric = row["versions"]["rubric"]
    answer = row["answer"]
    flat = {
        "submission_id": row["submission_id"],
        "task_id": row["task_id"],
        "trainer": row["trainer"],
        "status": row["status"],
        "revision": row["revision"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "template_version": row["versions"]["template"]["version"],
        "guideline_version": row["versions"]["guidelines"],
        "rubric": f"{rubric['rubric_id']}/v{rubric['version']}" if rubric else None,
        "is_gold": row["task"]["is_gold"],
        "task_data": _dumps(row["task"]["data"]),
        "media": _dumps([m["key"] or m["url"] for m in row["media"]]),
    }
    # Boxes on an image are written with pixel coordinates beside the fractions.
    regions = row.get("regions") or {}
    for question_id in question_ids:
        value = regions[question_id] if question_id in regions else answer.get(question_id)
        flat[f"answer.{question_id}"] = _answer_cell(value)
    flat["review_decision"] = review.get("decision")
    flat["review_reasons"] = _json_or_none(review.get("reasons"))
    flat["rubric_score"] = review.get("rubric_score")
    flat["checks"] = _dumps([{"check": c["check"], "status": c["status"]} for c in row["checks"]])
    return flat


class CsvWriter:
    """RFC 4180 CSV with a header; UTF-8 with a BOM so spreadsheet programs read it right."""

    def __init__(self, zf: zipfile.ZipFile, context: ExportContext) -> None:
        self.names = ["data.csv"]
        self.sink = ZipEntrySink(zf, "data.csv")
        self.question_ids = context.question_ids()
        self.buffer = io.StringIO()
        self.writer = csv.DictWriter(self.buffer, fieldnames=flat_columns(context))
        self.buffer.write("\ufeff")
        self.writer.writeheader()

    def write(self, rows: list[dict[str, Any]]) -> int:
        self.writer.writerows(flat_row(row, self.question_ids) for row in rows)
        self.sink.write(self.buffer.getvalue().encode())
        self.buffer.seek(0)
        self.buffer.truncate()
        return len(rows)

    def close(self) -> None:
        if self.buffer.tell():  # only the header: an export with no rows
            self.sink.write(self.buffer.getvalue().encode())
        self.sink.close()

    def files(self) -> list[tuple[str, Path]]:
        return []


def parquet_schema(context: ExportContext) -> pa.Schema:
    types = {
        "submission_id": pa.int64(),
        "task_id": pa.int64(),
        "revision": pa.int64(),
        "template_version": pa.int64(),
        "guideline_version": pa.int64(),
        "is_gold": pa.bool_(),
        "created_at": pa.string(),
        "updated_at": pa.string(),
        "rubric_score": pa.float64(),
    }
    return pa.schema([(name, types.get(name, pa.string())) for name in flat_columns(context)])


class ParquetWriter:
    """Parquet through Arrow's own ParquetWriter, one record batch (row group) per chunk:
    only the current chunk is ever held in memory."""

    def __init__(self, folder: Path, context: ExportContext) -> None:
        self.names = ["data.parquet"]
        self.path = folder / "data.parquet"
        self.schema = parquet_schema(context)
        self.question_ids = context.question_ids()
        self.writer = pq.ParquetWriter(str(self.path), self.schema, compression="zstd")

    def write(self, rows: list[dict[str, Any]]) -> int:
        if not rows:
            return 0
        flat = [flat_row(row, self.question_ids) for row in rows]
        batch = pa.RecordBatch.from_pylist(flat, schema=self.schema)
        self.writer.write_batch(batch)
        return len(rows)

    def close(self) -> None:
        self.writer.close()

    def files(self) -> list[tuple[str, Path]]:
        return [("data.parquet", self.path)]


# --- MOS --------------------------------------------------------------------------------


class MosWriter:
    """Collects the ratings of each system, then writes the MOS table (CSV and JSON).

    Only the ratings themselves (small integers) and the distinct listeners and items per
    system are kept; the rows they came from are not.
    """

    def __init__(self, folder: Path, options: dict[str, Any]) -> None:
        self.names = ["mos.csv", "mos.json"]
        self.folder = folder
        self.options = options
        self.scores: dict[str, list[int]] = defaultdict(list)
        self.listeners: dict[str, set[int]] = defaultdict(set)
        self.items: dict[str, set[int]] = defaultdict(set)
        self.all_listeners: set[int] = set()
        self.skipped: dict[str, int] = defaultdict(int)
        self.table: list[dict[str, Any]] = []

    def write(self, rows: list[dict[str, Any]]) -> int:
        question, field = self.options["rating_question"], self.options["system_field"]
        for row in rows:
            score = row["answer"].get(question)
            system = field_value(row["task"]["data"], field)
            if not isinstance(score, int) or isinstance(score, bool):
                self.skipped["unanswered"] += 1
                continue
            if system is MISSING or system in (None, ""):
                self.skipped["no_system"] += 1
                continue
            system = system if isinstance(system, str) else _dumps(system)
            self.scores[system].append(score)
            self.listeners[system].add(row["trainer_id"])
            self.items[system].add(row["task_id"])
            self.all_listeners.add(row["trainer_id"])
        return 0  # rows are systems, counted when the table is written

    def close(self) -> None:
        confidence = self.options["confidence"]
        for system in sorted(self.scores):
            result = mean_opinion_score(self.scores[system], confidence=confidence)
            self.table.append(
                {
                    "system": system,
                    "n_ratings": result.n,
                    "n_listeners": len(self.listeners[system]),
                    "n_items": len(self.items[system]),
                    "mos": _rounded(result.mean),
                    "std": _rounded(result.std),
                    "ci_low": _rounded(result.ci_low),
                    "ci_high": _rounded(result.ci_high),
                    "ci_half_width": _rounded(result.half_width),
                }
            )
        columns = list(self.table[0]) if self.table else ["system", "n_ratings", "mos"]
        with (self.folder / "mos.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(self.table)
        (self.folder / "mos.json").write_text(
            json.dumps(
                {"test": self.test_description(), "systems": self.table},
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )

    def test_description(self) -> dict[str, Any]:
        """What ITU-T P.800.2 says must accompany a MOS."""
        scale = self.options["scale"]
        return {
            "test_type": "ACR (Absolute Category Rating, ITU-T P.800)",
            "mos_type": "MOS-LQS: listening-quality, subjective (bandwidth not recorded)",
            "rated": self.options["rated"],
            "rating_question": self.options["rating_question"],
            "scale": {
                "min": scale["min"],
                "max": scale["max"],
                "labels": scale.get("labels", {}),
            },
            "listeners": len(self.all_listeners),
            "ratings": sum(len(scores) for scores in self.scores.values()),
            "systems": len(self.scores),
            "system_field": self.options["system_field"],
            "confidence_interval": (
                f"{self.options['confidence']:.0%} two-sided Student-t interval per system "
                "(n - 1 degrees of freedom, sample standard deviation), "
                "metrics.stats.mean_opinion_score"
            ),
        }

    def files(self) -> list[tuple[str, Path]]:
        return [("mos.csv", self.folder / "mos.csv"), ("mos.json", self.folder / "mos.json")]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)

"""The downloadable tables of a project's figures: one definition of each table's columns,
used by the CSV pages, the API and the page's table headers alike."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

TABLES: dict[str, tuple[str, ...]] = {
    "agreement": (
        "question_id",
        "type",
        "level",
        "units",
        "values",
        "raters",
        "cohens_kappa",
        "fleiss_kappa",
        "krippendorff_alpha",
    ),
    "mos_systems": (
        "question_id",
        "system",
        "items",
        "n",
        "mean",
        "std",
        "ci_low",
        "ci_high",
        "half_width",
    ),
    "mos_items": (
        "question_id",
        "task_id",
        "system",
        "n",
        "mean",
        "std",
        "ci_low",
        "ci_high",
        "half_width",
    ),
    "trainers": (
        "trainer_id",
        "trainer",
        "submissions",
        "pending",
        "decided",
        "accepted",
        "rejected",
        "returned_now",
        "acceptance_rate",
        "first_pass_acceptance_rate",
        "rework_rate",
        "gold_correct",
        "gold_answered",
        "gold_accuracy",
        "timed_submissions",
        "median_active_seconds",
        "active_hours",
        "earned",
        "hourly_rate",
        "currency",
    ),
    "throughput": ("day", "submissions", "decided", "accepted", "acceptance_rate"),
    "findings": ("check", "warn", "fail", "error", "total"),
}


def table_rows(data: dict, name: str) -> list[dict[str, Any]]:
    """The rows of table ``name`` from snapshot ``data`` (KeyError for an unknown name)."""
    columns = TABLES[name]
    source = {
        "agreement": lambda: data["agreement"],
        "mos_systems": lambda: data["mos"]["systems"],
        "mos_items": lambda: data["mos"]["items"],
        "trainers": lambda: data["trainers"],
        "throughput": lambda: data["project"]["throughput"],
        "findings": lambda: data["project"]["findings"],
    }[name]()
    return [{column: row.get(column) for column in columns} for row in source]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    # A spreadsheet runs text starting with = + - @ as a formula (a trainer could pick a
    # display name like "=HYPERLINK(...)"); numbers are left alone.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_text(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return out.getvalue()

"""The dataset card (README.md) every export archive carries: what was exported, from
which versions of the templates, rubrics and guidelines, with which filters, and how many."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from exports.models import ExportFormat, ExportJob
from metrics.services import agreement_cached
from tasks.models import Project, Submission

SHAPE_NOTES = {
    ExportFormat.JSONL: "One JSON object per submission: the task (media as storage keys), the "
    "answer, versions, reviews and check results.",
    ExportFormat.CSV: "One row per submission; answers one column per question (JSON for "
    "structured answers).",
    ExportFormat.PARQUET: "The CSV columns as a Parquet table (zstd), one row group per chunk.",
    ExportFormat.DPO: "TRL preference rows (prompt, chosen, rejected) for DPO and reward "
    "modelling. Ties make no pair; a ranking makes every ordered pair.",
    ExportFormat.KTO: "TRL KTO rows (prompt, completion, label): preferred responses are "
    "desirable, the others undesirable; ties are left out.",
    ExportFormat.SFT: "TRL conversational SFT rows: messages ending in the trainer's answer.",
    ExportFormat.OPENAI_CHAT: "OpenAI chat fine-tuning rows: messages ending in the trainer's "
    "answer (tool calls in OpenAI's shape).",
    ExportFormat.RUBRIC_DATASET: "HealthBench-style rows: prompt, ideal completion and rubric "
    "items {criterion, points, tags}.",
    ExportFormat.MOS: "Mean opinion score per system with confidence intervals (mos.csv, "
    "mos.json), with the test information ITU-T P.800.2 asks for.",
}


@dataclass
class ExportSummary:
    """What the pass learnt, for the card."""

    submissions: int = 0
    rows: int = 0
    tasks: int = 0
    trainers: int = 0
    templates: dict[int, str] = field(default_factory=dict)  # version -> name
    guidelines: set[int] = field(default_factory=set)
    rubrics: dict[str, str] = field(default_factory=dict)  # "id/vN" -> title
    skipped: dict[str, int] = field(default_factory=dict)
    media_refused: int = 0
    media_bundled: int = 0
    files: list[str] = field(default_factory=list)
    mos: dict[str, Any] | None = None


def agreement_figures(
    *, project: Project, submissions: QuerySet[Submission]
) -> dict[str, Any] | None:
    """Inter-annotator agreement per question, for the dataset card: the metrics app's
    figures over the project's non-rejected answers (the population the export samples),
    as last computed; None when never computed for a large project, or when no question
    of the template has agreement figures (free text, spans)."""
    cached = agreement_cached(project=project)
    if cached is None:
        return None
    table, computed_at = cached
    figures: dict[str, Any] = {
        row["question_id"]: {
            "level": row["level"],
            "units": row["units"],
            "raters": row["raters"],
            "krippendorff_alpha": row["krippendorff_alpha"],
            "fleiss_kappa": row["fleiss_kappa"],
            "cohens_kappa": row["cohens_kappa"],
        }
        for row in table
        if row["units"]
    }
    if figures and computed_at:
        figures["computed_at"] = computed_at.isoformat(timespec="seconds")
    return figures or None


def _yaml_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def card_render(*, job: ExportJob, summary: ExportSummary, agreement: dict[str, Any] | None) -> str:
    """README.md for the archive: YAML front matter (Hugging Face dataset card style) and
    the facts in Markdown."""
    project = job.project
    data_file = next((name for name in summary.files if name.startswith("data.")), None)
    lines = ["---", f"pretty_name: {_yaml_text(f'{project.name} export {job.pk}')}"]
    if data_file:
        kind = {"jsonl": "json", "csv": "csv", "parquet": "parquet"}[data_file.split(".")[-1]]
        lines += [
            "configs:",
            "- config_name: default",
            f"  data_files: {data_file}",
            f"# load with datasets.load_dataset({kind!r}, data_files={data_file!r})",
        ]
    lines += [
        "annotation_creators:",
        "- expert-generated",
        "---",
        "",
        f"# {project.name}: export {job.pk} ({job.get_format_display()})",
        "",
        SHAPE_NOTES[job.format],
        "",
        "## Counts",
        "",
        f"- Submissions read: {summary.submissions}",
        f"- Rows written: {summary.rows}",
        f"- Tasks: {summary.tasks}",
        f"- Trainers: {summary.trainers}",
    ]
    for reason, count in sorted(summary.skipped.items()):
        lines.append(f"- Skipped ({reason.replace('_', ' ')}): {count}")
    if summary.media_refused:
        lines.append(
            f"- Media references refused (not a key inside the media storage): "
            f"{summary.media_refused}"
        )
    if summary.media_bundled:
        lines.append(f"- Media files bundled under media/: {summary.media_bundled}")
    lines += ["", "## Filters", ""]
    lines += [f"- {name}: {_value_text(value)}" for name, value in job.filters.items()]
    if job.options:
        lines += ["", "## Options", ""]
        lines += [f"- {name}: {_value_text(value)}" for name, value in job.options.items()]
    lines += ["", "## Versions used", "", "Templates:"]
    lines += [f"- v{v}: {name}" for v, name in sorted(summary.templates.items())] or ["- none"]
    lines += ["", "Rubrics:"]
    lines += [f"- {ref}: {title}" for ref, title in sorted(summary.rubrics.items())] or ["- none"]
    lines += ["", "Guidelines:"]
    lines += [f"- v{n}" for n in sorted(summary.guidelines)] or ["- none published"]
    lines += ["", "## Agreement", ""]
    if agreement:
        lines += [
            "Across the project's non-rejected answers; Krippendorff's alpha at the level",
            "of measurement of each question (docs/metrics.md).",
            "",
        ]
        lines += [f"- {name}: {_value_text(value)}" for name, value in agreement.items()]
    else:
        lines.append("Not available for this export.")
    if summary.mos is not None:
        lines += ["", "## Listening test (ITU-T P.800.2)", ""]
        lines += [
            f"- {name.replace('_', ' ')}: {_value_text(v)}" for name, v in summary.mos.items()
        ]
        lines += [
            "",
            "MOS values from different tests are not directly comparable: the scale use "
            "depends on the listeners, the other systems in the test and the material.",
        ]
    lines += [
        "",
        "## Files",
        "",
        *[f"- {name}" for name in summary.files],
        "- README.md (this card)",
        "",
        f"Exported from project {project.pk} on {job.created_at:%Y-%m-%d %H:%M} UTC"
        + (f" by {job.created_by}." if job.created_by else "."),
        "",
    ]
    return "\n".join(lines)


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)

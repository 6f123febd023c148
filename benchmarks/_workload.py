"""Shared pieces of the benchmarks: the pairwise workload generator and its template.

The task data comes from ../shared/bench/pairwise_workload.py (task i depends only on the
seed and i), so every run, here or elsewhere, sees exactly the data the peer was measured on.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKLOAD = Path(
    os.environ.get("PAIRWISE_WORKLOAD", ROOT.parent / "shared" / "bench" / "pairwise_workload.py")
)


def load_workload():
    """Import the shared generator module (gen_task, gen_annotation)."""
    if not WORKLOAD.exists():
        sys.exit(f"workload generator not found at {WORKLOAD} (set PAIRWISE_WORKLOAD)")
    spec = importlib.util.spec_from_file_location("pairwise_workload", WORKLOAD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PAIRWISE_TEMPLATE = {
    "schema_version": 1,
    "title": "Which response is better?",
    "display": [
        {"type": "text", "field": "prompt", "label": "Prompt"},
        {"type": "responses", "fields": ["response_a", "response_b"], "labels": ["A", "B"]},
    ],
    "questions": [
        {"id": "preference", "type": "pairwise", "prompt": "Which response is better?"},
        {
            "id": "rating",
            "type": "rating",
            "prompt": "How good is the better response?",
            "scale": {"min": 1, "max": 5},
        },
        {"id": "reason", "type": "text", "prompt": "Why?", "max_chars": 2000},
    ],
}


def answer_from(annotation: dict) -> dict:
    """The workload's annotation (preference, rating, reason) as an answer to the template."""
    return {
        "preference": {"choice": annotation["preference"]},
        "rating": annotation["rating"],
        "reason": annotation["reason"],
    }


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotation_platform.settings")
    import django

    django.setup()


def pairwise_project(owner, name: str):
    """An active project with the pairwise template, owned by ``owner``: (project, template)."""
    from tasks.services import project_create, project_update, template_save

    project = project_create(creator=owner, name=f"{name} {int(time.time())}")
    project_update(project=project, status="active")
    template, _ = template_save(
        project=project, name="Pairwise", definition=PAIRWISE_TEMPLATE, by=owner
    )
    return project, template


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]

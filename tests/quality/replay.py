"""One set of submissions that the determinism tests replay into fresh projects.

Fifty submissions (ten tasks, five trainers each) with what the order-dependent checks
look for: a trainer who starts honest and then straight-lines, an agreement outlier who
answers before the others, and a near-copy of another trainer's text submitted before
the original's checks ran. ``current_findings`` reads back every submission's current
results with ids replaced by replay keys, so two replays compare equal exactly when their
verdicts do.
"""

from __future__ import annotations

from typing import Any

from quality.models import CheckResult
from quality.services import check_config_save
from tasks.models import Role
from tasks.services import tasks_create, template_save
from tests.factories import MembershipFactory, ProjectFactory

DEFINITION = {
    "schema_version": 1,
    "display": [{"type": "text", "field": "prompt"}],
    "questions": [
        {"id": "score", "type": "rating", "prompt": "Score", "scale": {"min": 1, "max": 5}},
        {"id": "why", "type": "text", "prompt": "Why?", "required": False},
    ],
}
# Small windows so fifty submissions exercise every order-dependent check.
SETTINGS = {
    "straight_lining": {"window": 6, "min_items": 5},
    "agreement_outlier": {"min_others": 2},
    "near_duplicate": {"min_words": 8},
}
TASKS, TRAINERS = 10, 5
ORIGINAL = (
    "The second response answers the question directly, cites the regulation by name and "
    "explains the exception for small firms, while the first one only restates the prompt."
)


def _essay(task: int, trainer: int) -> str:
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    own = " ".join(words[(task * 3 + trainer * 5 + i) % len(words)] for i in range(6))
    return f"Trainer {trainer} on task {task}: {own} {task * 31 + trainer * 7} reasons."


def plan() -> list[tuple[int, int, dict[str, Any]]]:
    """(task, trainer, answer) in arrival order."""
    order = []
    for task in range(TASKS):
        # The outlier (trainer 4) answers task 2 first, before any peer.
        trainers = [4, 0, 1, 2, 3] if task == 2 else [0, 1, 2, 3, 4]
        for trainer in trainers:
            score = 2 + (task + trainer) % 3  # 2..4, varied
            if trainer == 0 and task >= 4:
                score = 5  # trainer 0 straight-lines from task 4 on
            if trainer == 4 and task == 2:
                score = 5 if (2 + trainer) % 3 else 1  # far from the others' 2..4
            text = _essay(task, trainer)
            if (task, trainer) == (6, 3):
                text = ORIGINAL
            if (task, trainer) == (7, 1):
                # A near-copy of trainer 3's text on task 6: a worker that lags or runs
                # newest first checks it before the original.
                text = ORIGINAL + " Indeed."
            order.append((task, trainer, {"score": score, "why": text}))
    return order


def build_project(setter, *, overlap: int = TRAINERS) -> tuple[Any, list, list]:
    project = ProjectFactory(default_overlap=overlap)
    MembershipFactory(project=project, user=setter, role=Role.SETTER)
    template_save(project=project, name="Replay", definition=DEFINITION, by=setter)
    tasks = tasks_create(
        project=project, items=[{"prompt": f"Task {n}"} for n in range(TASKS)], by=setter
    )
    trainers = [MembershipFactory(project=project, role=Role.TRAINER).user for _ in range(TRAINERS)]
    for name, config in SETTINGS.items():
        check_config_save(
            project=project, check_name=name, enabled=True, config=config, on_fail="flag"
        )
    return project, tasks, trainers


def current_findings(project, keys: dict[int, tuple[int, int]]) -> dict:
    """{(task, trainer): {check: (status, findings)}} with submission, trainer and task ids
    replaced by replay keys (``keys``: submission id -> (task, trainer))."""
    out: dict = {}
    results = CheckResult.objects.filter(submission__task__project=project).select_related(
        "submission", "run"
    )
    for result in results:
        if result.revision != result.submission.revision:
            continue
        key = keys[result.submission_id]
        findings = [_normalised(finding, keys) for finding in result.findings]
        out.setdefault(key, {})[result.check_name] = (result.status, findings)
    return out


def _normalised(finding: dict, keys: dict[int, tuple[int, int]]) -> dict:
    evidence = dict(finding.get("evidence") or {})
    if "matches" in evidence:
        evidence["matches"] = [
            (keys[int(match["submission_id"])], match["question_id"], match["similarity"])
            for match in evidence["matches"]
        ]
    return {**finding, "evidence": evidence}

"""Fixtures of the review workflow: a project with a pinned rubric, guidelines and a
``submit`` that runs the checks so the submission lands in the review queue."""

from __future__ import annotations

import pytest

REVIEW_RUBRIC = {
    "schema_version": 1,
    "criteria": [
        {
            "kind": "criterion",
            "id": "correct",
            "title": "Picks the correct option",
            "points": 5,
            "polarity": "positive",
        },
        {
            "kind": "criterion",
            "id": "clear",
            "title": "Explains the choice clearly",
            "points": 3,
            "polarity": "positive",
            "scale": {
                "type": "ordinal",
                "levels": [
                    {"value": 0, "descriptor": "No"},
                    {"value": 1, "descriptor": "Partly"},
                    {"value": 2, "descriptor": "Yes"},
                ],
            },
        },
    ],
}


@pytest.fixture
def reviewing(cast, mcq, django_capture_on_commit_callbacks, monkeypatch):
    """The cast's project with the MCQ template and three tasks, a pinned rubric version
    (``version``), published guidelines with rule R1, a second trainer (``trainer2``) and
    ``submit(author, task=0, answer="A")`` which submits and runs the checks, so the
    submission is in the review queue (the default policy reviews a trainer's first 20).

    The telemetry check is made to warn on answer "B" and fail on "C", so a test picks the
    risk of each submission by its answer."""
    import quality.checks as checks
    from quality.checks.findings import Finding
    from tasks.services import (
        guideline_rule_add,
        guidelines_acknowledge,
        guidelines_publish,
        project_rubric_create,
        project_rubric_publish,
    )
    from tests.factories import MembershipFactory, submit

    link = project_rubric_create(
        project=cast.project, title="MCQ quality", content=REVIEW_RUBRIC, by=cast.setter
    )
    version = project_rubric_publish(link=link, note="v1", by=cast.setter, pin=True)
    guideline_rule_add(project=cast.project, title="Answer in English", by=cast.setter)
    guidelines_publish(project=cast.project, note="First rules", by=cast.setter)
    cast.project.refresh_from_db()
    real_run_check = checks.run_check

    def run_check(name, data, config=None):
        answer = data.answer.get("answer") if isinstance(data.answer, dict) else None
        if name == "telemetry" and answer in ("B", "C"):
            status = "warn" if answer == "B" else "fail"
            return [Finding(status, f"Telemetry {status}", "answer", {"seconds": 1})]
        return real_run_check(name, data, config)

    monkeypatch.setattr(checks, "run_check", run_check)
    trainer2 = MembershipFactory(
        project=cast.project, role="trainer", user__username="trainer-two"
    ).user
    # Both trainers have read the guidelines: the work gate lets them work.
    for trainer in (cast.trainer, trainer2):
        guidelines_acknowledge(user=trainer, project=cast.project, version=1)

    def submit_checked(author=None, task=0, answer="A"):
        with django_capture_on_commit_callbacks(execute=True):
            submission, _ = submit(
                task=mcq["tasks"][task], author=author or cast.trainer, answer={"answer": answer}
            )
        submission.refresh_from_db()
        return submission

    def publish_next(title="Picks the one correct option"):
        """Publish and pin a new rubric version whose first criterion is reworded."""
        import copy

        from rubrics.services import rubric_update_draft

        content = copy.deepcopy(REVIEW_RUBRIC)
        content["criteria"][0]["title"] = title
        rubric_update_draft(rubric=link.rubric, content=content, by=cast.setter)
        new = project_rubric_publish(link=link, note="reworded", by=cast.setter, pin=True)
        cast.project.refresh_from_db()
        return new

    return {
        "project": cast.project,
        "publish_next": publish_next,
        "link": link,
        "version": version,
        "tasks": mcq["tasks"],
        "trainer2": trainer2,
        "submit": submit_checked,
    }

"""Shared data for the rubric and guideline tests: content builders, and ``build_world``
(a project whose rubric and guidelines already have history; the ``world`` fixture in
``tests/tasks/conftest.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from rubrics.models import Rubric, RubricVersion
from rubrics.services import rubric_update_draft
from tasks.models import (
    GuidelineAcknowledgement,
    GuidelineDraft,
    GuidelineVersion,
    Project,
    ProjectRubric,
    Role,
)
from tasks.services import (
    guideline_rule_add,
    guidelines_publish,
    guidelines_update_intro,
    project_rubric_create,
    project_rubric_publish,
)
from tests.factories import MembershipFactory, ProjectFactory


def crit(cid: str, points: float = 5, title: str | None = None, **extra) -> dict:
    return {
        "kind": "criterion",
        "id": cid,
        "title": f"Criterion {cid}" if title is None else title,
        "points": points,
        "polarity": "pitfall" if isinstance(points, int | float) and points < 0 else "positive",
        **extra,
    }


def section(sid: str, *children: dict, **extra) -> dict:
    node = {"kind": "section", "id": sid, "title": f"Section {sid}", "children": list(children)}
    return {**node, **extra}


def content(*nodes: dict) -> dict:
    return {"schema_version": 1, "criteria": list(nodes)}


CITATIONS = content(
    crit("cites-paper", 5, "Names the paper each claim rests on"),
    crit("explains-why", 3, "Explains why that paper supports the claim"),
    crit("invents-source", -5, "Cites a paper that does not exist"),
)


@dataclass
class World:
    """The cast project with a rubric (v1 published and pinned, draft edited since) and
    guidelines (v1 published with R1 and R2, draft adds R3), plus a second project the
    setter and admin also design."""

    project: Project
    second: Project
    link: ProjectRubric
    rubric: Rubric
    v1: RubricVersion
    guidelines_v1: GuidelineVersion


def build_world(cast) -> World:
    setter = cast.setter
    link = project_rubric_create(
        project=cast.project, title="Citation logic", content=CITATIONS, by=setter
    )
    v1 = project_rubric_publish(link=link, note="First version", pin=True, by=setter)
    edited = content(
        crit("cites-paper", 5, "Names the paper or official document each claim rests on"),
        crit("explains-why", 3, "Explains why that paper supports the claim"),
        crit("invents-source", -5, "Cites a paper that does not exist"),
        crit("enough-citations", 2, "Cites at least twenty sources"),
    )
    rubric_update_draft(rubric=link.rubric, content=edited, by=setter)
    link.rubric.refresh_from_db()
    second = ProjectFactory(name="Product images")
    MembershipFactory(project=second, user=setter, role=Role.SETTER)
    MembershipFactory(project=second, user=cast.admin, role=Role.ADMIN)
    MembershipFactory(project=second, user=cast.trainer, role=Role.TRAINER)
    MembershipFactory(project=second, user=cast.qa_lead, role=Role.QA_LEAD)

    guidelines_update_intro(project=cast.project, intro="Listen **twice**.", by=setter)
    guideline_rule_add(
        project=cast.project, title="The answer must not exceed the option range", by=setter
    )
    guideline_rule_add(project=cast.project, title="Mark swallowed syllables", by=setter)
    g1 = guidelines_publish(project=cast.project, note="First guidelines", by=setter)
    guideline_rule_add(project=cast.project, title="Note nasal finals", by=setter)
    cast.project.refresh_from_db()
    return World(cast.project, second, link, link.rubric, v1, g1)


def rows() -> dict[str, list]:
    """Every row these features write, to prove a refused request wrote nothing."""
    return {
        "rubrics": list(Rubric.objects.order_by("pk").values()),
        "versions": list(RubricVersion.objects.order_by("pk").values()),
        "links": list(ProjectRubric.objects.order_by("pk").values()),
        "pins": list(Project.objects.order_by("pk").values_list("pk", "rubric_version_id")),
        "drafts": list(GuidelineDraft.objects.order_by("pk").values()),
        "guidelines": list(GuidelineVersion.objects.order_by("pk").values()),
        "acks": list(GuidelineAcknowledgement.objects.order_by("pk").values()),
    }

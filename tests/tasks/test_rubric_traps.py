"""Rubric traps (issue #19): publishing re-pins where the previous version is pinned,
retiring a pinned version needs a replacement, a HealthBench JSON Lines file imports as one
rubric per line; each through the service, the API and the pages, with the permission
boundary (QA leads and trainers may not; another project's setter sees nothing)."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse

from annotation_platform.errors import ConflictError, DomainError
from rubrics.models import Rubric, RubricVersion, VersionStatus
from rubrics.services import rubric_publish
from tasks.models import Project, ProjectRubric, Role
from tasks.services.rubrics import (
    project_rubric_import_many,
    project_rubric_publish,
    project_rubric_version_retire,
    repin_targets,
)
from tests.factories import MembershipFactory, ProjectFactory
from tests.tasks.rubric_fixtures import rows
from tests.tasks.test_api import assert_error

pytestmark = pytest.mark.django_db


def api(world, tail: str) -> str:
    return f"/api/v1/projects/{world.project.pk}/rubrics/{world.rubric.pk}/{tail}"


def pinned(project) -> int | None:
    version = Project.objects.get(pk=project.pk).rubric_version
    return version.number if version else None


@pytest.fixture
def shared(world, cast):
    """The rubric is also in the second project's library, which pins v1 too."""
    ProjectRubric.objects.create(project=world.second, rubric=world.rubric, owner=False)
    Project.objects.filter(pk=world.second.pk).update(rubric_version=world.v1)
    return world.second


@pytest.fixture
def elsewhere(world):
    """A project the publisher does not design, which also pins v1: it keeps its pin."""
    project = ProjectFactory(name="Not yours")
    ProjectRubric.objects.create(project=project, rubric=world.rubric, owner=False)
    Project.objects.filter(pk=project.pk).update(rubric_version=world.v1)
    return project


@pytest.fixture
def other_setter(db):
    """A question setter of another project: this rubric is none of their business."""
    return MembershipFactory(
        role=Role.SETTER, project__name="Other project", user__username="other-setter"
    ).user


# --- publishing re-pins where the previous version is pinned ---------------------------------


def test_publish_with_repin_moves_every_pin_of_the_previous_version_you_design(
    world, cast, shared, elsewhere
):
    assert {p.pk for p in repin_targets(link=world.link, user=cast.setter)} == {
        world.project.pk,
        shared.pk,
    }

    v2 = project_rubric_publish(link=world.link, note="v2", repin=True, by=cast.setter)

    assert {p.pk for p in v2.repinned} == {world.project.pk, shared.pk}
    assert (pinned(world.project), pinned(shared), pinned(elsewhere)) == (2, 2, 1)


def test_publish_without_repin_leaves_the_pins(world, cast, shared):
    v2 = project_rubric_publish(link=world.link, note="v2", repin=False, by=cast.setter)

    assert v2.repinned == []
    assert (pinned(world.project), pinned(shared)) == (1, 1)


def test_api_publish_repins_by_default_and_names_the_projects(world, client_as, cast, shared):
    response = client_as(cast.setter).post(api(world, "publish/"), {"note": "v2"}, format="json")

    assert response.status_code == 201, response.content
    assert sorted(p["name"] for p in response.json()["repinned"]) == sorted(
        [world.project.name, shared.name]
    )
    assert (pinned(world.project), pinned(shared)) == (2, 2)


def test_api_publish_with_repin_false_keeps_the_pins(world, client_as, cast, shared):
    body = {"note": "v2", "repin": False}
    response = client_as(cast.setter).post(api(world, "publish/"), body, format="json")

    assert response.status_code == 201 and response.json()["repinned"] == []
    assert (pinned(world.project), pinned(shared)) == (1, 1)


def test_the_editor_offers_to_repin_ticked_and_the_message_names_the_projects(
    client, world, cast, shared
):
    client.force_login(cast.setter)
    editor = reverse("rubric-editor", args=[world.project.pk, world.rubric.pk])

    page = client.get(editor).content.decode()

    assert 'name="repin" checked' in page
    assert "Use it where version 1 is used now (2 projects):" in page
    assert world.project.name in page and shared.name in page

    publish = reverse("rubric-publish", args=[world.project.pk, world.rubric.pk])
    done = client.post(publish, {"note": "v2", "repin": "on"}, follow=True).content.decode()

    assert "Published version 2; these projects now use it:" in done
    assert (pinned(world.project), pinned(shared)) == (2, 2)


def test_the_page_publishes_without_repin_when_unticked(client, world, cast, shared):
    client.force_login(cast.setter)
    publish = reverse("rubric-publish", args=[world.project.pk, world.rubric.pk])

    client.post(publish, {"note": "v2"})

    assert (pinned(world.project), pinned(shared)) == (1, 1)


# --- retiring a pinned version needs a replacement -------------------------------------------


def test_retiring_a_pinned_version_without_a_replacement_is_refused(world, cast, shared):
    rubric_publish(rubric=world.rubric, note="v2", by=cast.setter)
    before = rows()

    with pytest.raises(ConflictError) as refused:
        project_rubric_version_retire(version=world.v1, reason="Wrong", by=cast.setter)

    assert refused.value.code == "version_pinned"
    assert world.project.name in refused.value.detail and shared.name in refused.value.detail
    assert "replacement" in refused.value.fields
    assert rows() == before


def test_retiring_with_a_replacement_repins_in_the_same_transaction(world, cast, shared):
    v2 = rubric_publish(rubric=world.rubric, note="v2", by=cast.setter)

    retired = project_rubric_version_retire(
        version=world.v1, reason="Wrong weights", replacement=v2.number, by=cast.setter
    )

    assert retired.status == VersionStatus.RETIRED
    assert {p.pk for p in retired.repinned} == {world.project.pk, shared.pk}
    assert (pinned(world.project), pinned(shared)) == (2, 2)


@pytest.mark.parametrize("which", ["older", "itself", "retired", "missing"])
def test_the_replacement_must_be_a_newer_applicable_version(world, cast, which):
    v2 = rubric_publish(rubric=world.rubric, note="v2", by=cast.setter)
    Project.objects.filter(pk=world.project.pk).update(rubric_version=v2)
    world.rubric.draft_content["criteria"].pop()
    world.rubric.save()
    v3 = rubric_publish(rubric=world.rubric, note="v3", by=cast.setter)
    if which == "retired":
        project_rubric_version_retire(version=v3, reason="Bad", by=cast.setter)
    replacement = {"older": 1, "itself": 2, "retired": 3, "missing": 9}[which]
    before = rows()

    with pytest.raises(DomainError) as refused:
        project_rubric_version_retire(
            version=v2, reason="Wrong", replacement=replacement, by=cast.setter
        )

    assert refused.value.code in {"invalid_replacement", "unknown_version"}
    assert rows() == before


def test_a_failure_while_retiring_repins_nothing(world, cast):
    v2 = rubric_publish(rubric=world.rubric, note="v2", by=cast.setter)

    with pytest.raises(DomainError):  # no reason: refused after the re-pin, all rolled back
        project_rubric_version_retire(version=world.v1, reason="", replacement=2, by=cast.setter)

    assert pinned(world.project) == 1
    assert RubricVersion.objects.get(pk=v2.pk).status == VersionStatus.PUBLISHED


def test_api_retire_pinned_is_409_then_re_pins_with_a_replacement(world, client_as, cast):
    rubric_publish(rubric=world.rubric, note="v2", by=cast.setter)
    client = client_as(cast.setter)

    refused = client.post(api(world, "versions/1/retire/"), {"reason": "Old"}, format="json")
    body = assert_error(refused, 409, "version_pinned")
    assert world.project.name in body["detail"] and "replacement" in body["fields"]

    body = {"reason": "Old", "replacement": 2}
    done = client.post(api(world, "versions/1/retire/"), body, format="json")
    assert done.status_code == 200 and done.json()["status"] == "retired"
    assert [p["name"] for p in done.json()["repinned"]] == [world.project.name]
    assert pinned(world.project) == 2


def test_the_history_page_asks_for_a_replacement_and_refuses_without_one(client, world, cast):
    rubric_publish(rubric=world.rubric, note="v2", by=cast.setter)
    client.force_login(cast.setter)
    history = reverse("rubric-versions", args=[world.project.pk, world.rubric.pk])
    retire = reverse("rubric-version-retire", args=[world.project.pk, world.rubric.pk, 1])

    page = client.get(history).content.decode()
    assert "Still used by 1 project: “Cantonese TTS listening test”." in page
    assert 'name="replacement"' in page and "version 2 (published)" in page

    refused = client.post(retire, {"reason": "Old"}, follow=True).content.decode()
    assert "is still used by “Cantonese TTS listening test”" in refused
    assert world.rubric.versions.get(number=1).status == VersionStatus.SUPERSEDED

    done = client.post(retire, {"reason": "Old", "replacement": "2"}, follow=True)
    text = done.content.decode()
    assert "Version 1 retired; these projects now use version 2:" in text
    assert pinned(world.project) == 2


def test_the_history_page_says_to_publish_first_when_nothing_newer(client, world, cast):
    client.force_login(cast.setter)
    history = reverse("rubric-versions", args=[world.project.pk, world.rubric.pk])

    page = client.get(history).content.decode()

    assert "There is no newer version to move to: publish the draft first." in page


# --- the permission boundary -----------------------------------------------------------------


@pytest.mark.parametrize("person", ["trainer", "qa_lead"])
def test_qa_leads_and_trainers_cannot_publish_retire_or_repin(
    world, cast, client, client_as, person
):
    rubric_publish(rubric=world.rubric, note="v2", by=cast.setter)
    user = cast.by_role(person)
    before = rows()
    api_client = client_as(user)
    calls = [
        api_client.post(api(world, "publish/"), {"note": "v3", "repin": True}, format="json"),
        api_client.post(
            api(world, "versions/1/retire/"), {"reason": "x", "replacement": 2}, format="json"
        ),
        api_client.put(
            f"/api/v1/projects/{world.project.pk}/rubric/",
            {"rubric": world.rubric.pk, "version": 2},
            format="json",
        ),
    ]
    for response in calls:
        assert_error(response, 403)
    client.force_login(user)
    pages = [
        client.post(
            reverse("rubric-publish", args=[world.project.pk, world.rubric.pk]),
            {"note": "v3", "repin": "on"},
        ),
        client.post(
            reverse("rubric-version-retire", args=[world.project.pk, world.rubric.pk, 1]),
            {"reason": "x", "replacement": "2"},
        ),
        client.post(
            reverse("rubric-pin", args=[world.project.pk]),
            {"rubric": world.rubric.pk, "version": 2},
        ),
    ]
    assert [page.status_code for page in pages] == [403, 403, 403]
    assert rows() == before


def test_another_projects_setter_gets_404(world, cast, client, client_as, other_setter):
    rubric_publish(rubric=world.rubric, note="v2", by=cast.setter)
    before = rows()
    api_client = client_as(other_setter)

    assert_error(api_client.post(api(world, "publish/"), {"note": "v3"}, format="json"), 404)
    body = {"reason": "x", "replacement": 2}
    assert_error(api_client.post(api(world, "versions/1/retire/"), body, format="json"), 404)
    client.force_login(other_setter)
    retire = reverse("rubric-version-retire", args=[world.project.pk, world.rubric.pk, 1])
    publish = reverse("rubric-publish", args=[world.project.pk, world.rubric.pk])
    assert client.post(retire, body).status_code == 404
    assert client.post(publish, {"note": "v3", "repin": "on"}).status_code == 404
    assert rows() == before


# --- HealthBench JSON Lines -------------------------------------------------------------------


def healthbench_row(prompt_id: str, *criteria: tuple[str, int]) -> str:
    return json.dumps(
        {
            "prompt": [{"role": "user", "content": "My child has a fever."}],
            "prompt_id": prompt_id,
            "rubrics": [
                {"criterion": text, "points": points, "tags": ["axis:accuracy"]}
                for text, points in criteria
            ],
            "example_tags": ["theme:emergency_referrals"],
        }
    )


JSONL = "\n".join(
    [
        healthbench_row("p-1", ("Advises seeing a doctor", 5), ("Invents a dose", -6)),
        healthbench_row("p-2", ("Asks the child's age", 3)),
        "",
        healthbench_row("p-3", ("Mentions hydration", 2)),
    ]
).encode()


def test_a_jsonl_file_imports_one_rubric_per_line(world, cast):
    links = project_rubric_import_many(
        project=world.project, data=JSONL, title="HealthBench", by=cast.setter
    )

    assert [link.rubric.title for link in links] == [
        "HealthBench (p-1)",
        "HealthBench (p-2)",
        "HealthBench (p-3)",
    ]
    first = links[0].rubric.draft_content["criteria"]
    assert [(c["title"], c["points"], c["polarity"]) for c in first] == [
        ("Advises seeing a doctor", 5, "positive"),
        ("Invents a dose", -6, "pitfall"),
    ]


def test_a_bad_line_is_named_by_number_and_nothing_is_imported(world, cast):
    bad = JSONL.replace(b'"points": 3', b'"points": "three"')
    before = Rubric.objects.count()

    with pytest.raises(DomainError) as refused:
        project_rubric_import_many(
            project=world.project, data=bad, title="HealthBench", by=cast.setter
        )

    assert refused.value.code == "invalid_import"
    assert "line 2" in refused.value.detail
    assert any(path.startswith("line 2: ") for path in refused.value.fields)
    assert Rubric.objects.count() == before


def test_a_broken_json_line_is_named_too(world, cast):
    broken = JSONL + b'\n{"rubrics": [}'
    with pytest.raises(DomainError) as refused:
        project_rubric_import_many(project=world.project, data=broken, title="HB", by=cast.setter)
    assert "line 5" in refused.value.detail


def test_a_single_healthbench_file_still_imports_as_one_rubric(world, cast):
    one = healthbench_row("p-9", ("Advises rest", 2)).encode()
    links = project_rubric_import_many(project=world.project, data=one, title="One", by=cast.setter)
    assert [link.rubric.title for link in links] == ["One"]


def test_api_imports_a_jsonl_file_as_a_list(world, client_as, cast):
    upload = io.BytesIO(JSONL)
    upload.name = "healthbench.jsonl"
    response = client_as(cast.setter).post(
        f"/api/v1/projects/{world.project.pk}/rubrics/import/",
        {"title": "HealthBench", "file": upload},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    assert [row["title"] for row in response.json()["results"]] == [
        "HealthBench (p-1)",
        "HealthBench (p-2)",
        "HealthBench (p-3)",
    ]


def test_the_import_page_imports_a_jsonl_file_and_names_a_bad_line(client, world, cast):
    client.force_login(cast.setter)
    url = reverse("rubric-import", args=[world.project.pk])
    upload = io.BytesIO(JSONL)
    upload.name = "healthbench.jsonl"

    done = client.post(url, {"title": "HealthBench", "file": upload}, follow=True)

    assert "Imported 3 rubrics as drafts, one per line of the file." in done.content.decode()
    bad = io.BytesIO(JSONL.replace(b'"points": 3', b'"points": "three"'))
    bad.name = "bad.jsonl"
    refused = client.post(url, {"title": "Again", "file": bad})
    assert refused.status_code == 400
    assert "Nothing was imported: line 2 has errors" in refused.content.decode()
    assert not Rubric.objects.filter(title__startswith="Again").exists()

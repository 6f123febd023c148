# ruff: noqa: RUF001 - Chinese text with its full-width punctuation, on purpose
"""The rubric traps of issue #19 in Simplified and Hong Kong Chinese: the editor offering to
re-pin the new version, the history page asking for a replacement before retiring a pinned
version, and the refusals (a pinned version retired without one, a reused criterion id, a bad
line of a HealthBench JSON Lines file) read in Chinese, with the same English ``error`` code
in the API."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse

from rubrics.services import rubric_publish
from tasks.models import Project, ProjectRubric
from tests.i18n import (  # noqa: F401 (an autouse fixture)
    CHINESE,
    assert_translated,
    back_to_english,
    compile_catalogs,
    data_words,
    untranslated,
)
from tests.tasks.rubric_fixtures import World, build_world, content, crit

pytestmark = pytest.mark.django_db

# Every URL name (as in reverse()) these tests render.
PAGES = {
    "rubric-editor",
    "rubric-versions",
    "rubric-publish",
    "rubric-version-retire",
    "rubric-import",
    "project-rubric",
}
RUBRIC_FORMATS = "HealthBench, Rubrics-as-Rewards, Rubrics as Rewards, Prometheus"


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    compile_catalogs()


@pytest.fixture
def world(cast) -> World:
    """build_world, shared into the second project that pins v1 too, and a v2 published
    (v1 stays pinned in both, so retiring it needs a replacement)."""
    built = build_world(cast)
    ProjectRubric.objects.create(project=built.second, rubric=built.rubric, owner=False)
    Project.objects.filter(pk=built.second.pk).update(rubric_version=built.v1)
    return built


def _exempt(cast, world: World, *extra) -> set[str]:
    world.rubric.refresh_from_db()
    return data_words(
        cast,
        world.rubric.title,
        world.rubric.draft_content,
        world.v1.content,
        *(version.note for version in world.rubric.versions.all()),
        *(version.content for version in world.rubric.versions.all()),
        "Product images",
        RUBRIC_FORMATS,
        "v1",
        "v2",
        "true",
        "false",
        "null",
        "JavaScript",
        *extra,
    )


def test_the_editor_offering_to_repin_is_all_chinese(client, cast, world):
    client.force_login(cast.setter)
    url = reverse("rubric-editor", args=[world.project.pk, world.rubric.pk])

    assert_translated(client, url, _exempt(cast, world))
    html = client.get(url, HTTP_ACCEPT_LANGUAGE=CHINESE["zh-hant"]).content.decode()
    assert "在目前使用第 1 版的地方改用它（2 個項目）" in html


def test_the_history_page_asking_for_a_replacement_is_all_chinese(client, cast, world):
    rubric_publish(rubric=world.rubric, note="Second version", by=cast.setter)
    client.force_login(cast.setter)
    url = reverse("rubric-versions", args=[world.project.pk, world.rubric.pk])

    assert_translated(client, url, _exempt(cast, world))
    html = client.get(url, HTTP_ACCEPT_LANGUAGE=CHINESE["zh-hans"]).content.decode()
    assert "仍有 2 个项目在使用" in html and "第 2 版（已发布）" in html


def test_the_history_page_with_nothing_newer_is_all_chinese(client, cast, world):
    client.force_login(cast.setter)
    url = reverse("rubric-versions", args=[world.project.pk, world.rubric.pk])

    assert_translated(client, url, _exempt(cast, world))
    html = client.get(url, HTTP_ACCEPT_LANGUAGE=CHINESE["zh-hant"]).content.decode()
    assert "沒有可改用的較新版本：請先發佈草稿。" in html


@pytest.mark.parametrize("language", sorted(CHINESE))
def test_retire_refusal_and_success_messages_are_chinese(client, cast, world, language):
    rubric_publish(rubric=world.rubric, note="Second version", by=cast.setter)
    client.force_login(cast.setter)
    retire = reverse("rubric-version-retire", args=[world.project.pk, world.rubric.pk, 1])
    header = CHINESE[language]
    exempt = _exempt(cast, world, "Old")

    refused = client.post(retire, {"reason": "Old"}, follow=True, HTTP_ACCEPT_LANGUAGE=header)
    assert not untranslated(refused.content.decode(), exempt=exempt)
    assert {"zh-hans": "仍被", "zh-hant": "仍被"}[language] in refused.content.decode()

    body = {"reason": "Old", "replacement": "2"}
    done = client.post(retire, body, follow=True, HTTP_ACCEPT_LANGUAGE=header)
    assert not untranslated(done.content.decode(), exempt=exempt)
    assert {"zh-hans": "改用第 2 版", "zh-hant": "改用第 2 版"}[language] in (done.content.decode())


@pytest.mark.parametrize("language", sorted(CHINESE))
def test_publish_message_naming_the_projects_is_chinese(client, cast, world, language):
    client.force_login(cast.setter)
    publish = reverse("rubric-publish", args=[world.project.pk, world.rubric.pk])

    done = client.post(
        publish,
        {"note": "Second version", "repin": "on"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE=CHINESE[language],
    )

    html = done.content.decode()
    assert not untranslated(html, exempt=_exempt(cast, world))
    assert {"zh-hans": "以下项目现在使用它", "zh-hant": "以下項目現在使用它"}[language] in html


@pytest.mark.parametrize("language", sorted(CHINESE))
def test_a_bad_jsonl_line_is_named_in_chinese(client, cast, world, language):
    client.force_login(cast.setter)
    good = {"prompt_id": "p-1", "rubrics": [{"criterion": "Advises rest", "points": 2}]}
    bad = {"prompt_id": "p-2", "rubrics": [{"criterion": "Asks the age", "points": "three"}]}
    upload = io.BytesIO(f"{json.dumps(good)}\n{json.dumps(bad)}\n".encode())
    upload.name = "healthbench.jsonl"

    response = client.post(
        reverse("rubric-import", args=[world.project.pk]),
        {"title": "HealthBench", "file": upload},
        HTTP_ACCEPT_LANGUAGE=CHINESE[language],
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert not untranslated(html, exempt=_exempt(cast, world, "HealthBench", "three", "three'"))
    assert {"zh-hans": "第 2 行有错误", "zh-hant": "第 2 行有錯誤"}[language] in html


@pytest.mark.parametrize("language", ["en", *sorted(CHINESE)])
def test_api_refusals_are_chinese_with_the_same_code(client_as, cast, world, language):
    rubric_publish(rubric=world.rubric, note="Second version", by=cast.setter)
    api = client_as(cast.setter)
    header = "en" if language == "en" else CHINESE[language]
    base = f"/api/v1/projects/{world.project.pk}/rubrics/{world.rubric.pk}"

    retire = api.post(
        f"{base}/versions/1/retire/", {"reason": "Old"}, format="json", HTTP_ACCEPT_LANGUAGE=header
    )
    draft = world.rubric.draft_content["criteria"]
    api.patch(f"{base}/", {"content": content(*draft[1:])}, format="json")
    reused = api.patch(
        f"{base}/",
        {"content": content(*draft[1:], crit(draft[0]["id"], 1, "Something else"))},
        format="json",
        HTTP_ACCEPT_LANGUAGE=header,
    )

    assert (retire.status_code, retire.json()["error"]) == (409, "version_pinned")
    assert (reused.status_code, reused.json()["error"]) == (400, "criterion_id_reused")
    for body in (retire.json(), reused.json()):
        chinese = any("\u4e00" <= char <= "\u9fff" for char in body["detail"])
        assert chinese == (language != "en"), body["detail"]

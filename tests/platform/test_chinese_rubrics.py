# ruff: noqa: RUF001 - Chinese text with its full-width punctuation, on purpose
"""The question-setter's rubric editor and rubric diff, and the guidelines' diff and version
pages, rendered in Simplified and Hong Kong Chinese show no English interface words
(tests/i18n.py says how); the editor's refusal of an invalid rubric, its live preview and
the API's refusals read in Chinese too, with the same English ``error`` code.

The data: a rubric whose version 1 is published and pinned and whose draft regroups it (a
section, a criterion added, one removed, one reworded and moved, one whose points and
importance changed); guidelines with two published versions (a rule added, one retired,
one reworded, the introduction changed) and a draft after them.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from rubrics.services import rubric_update_draft
from tasks.services.guidelines import (
    guideline_rule_add,
    guideline_rule_edit,
    guideline_rule_retire,
    guidelines_publish,
    guidelines_update_intro,
)
from tests.i18n import (  # noqa: F401 (an autouse fixture)
    CHINESE,
    assert_translated,
    back_to_english,
    compile_catalogs,
    data_words,
    untranslated,
    words_of,
)
from tests.tasks.rubric_fixtures import World, build_world, content, crit, section

pytestmark = pytest.mark.django_db

# Every URL name (as in reverse()) these tests render.
PAGES = {
    "rubric-editor",
    "rubric-diff",
    "rubric-preview",
    "guidelines-diff",
    "guidelines-version",
    "guidelines-rule-add",
    "guidelines-publish",
}

PAPER_V2 = "Names the paper or official document each claim rests on"
INVENTED = "Cites a paper that does not exist"
ENOUGH = "Cites at least twenty sources"
SECTION_TITLE = "Sources"
RUBRIC_DESCRIPTION = "How well an answer cites its sources."
GUIDELINE_WORDS = [
    "Listen **twice**.",
    "Listen three times.",
    "The answer must not exceed the option range",
    "Mark swallowed syllables",
    "Mark swallowed and merged syllables",
    "Note nasal finals",
    "Models no longer do this",
    "Second guidelines",
    "Name the speaker",
]
# Names of rubric formats (export choices): names, kept in Latin letters.
RUBRIC_FORMATS = "HealthBench, Rubrics-as-Rewards, Rubrics as Rewards, Prometheus"


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    compile_catalogs()


@pytest.fixture
def world(cast) -> World:
    """build_world, then a draft that regroups the rubric and a second guidelines version."""
    built = build_world(cast)
    regrouped = content(
        section(
            "sources",
            crit("cites-paper", 5, PAPER_V2),
            crit("enough-citations", 2, ENOUGH, importance="essential"),
            title=SECTION_TITLE,
            description="Where the claims come from.",
        ),
        crit("invents-source", -3, INVENTED, importance="essential", evidence_required=True),
    )
    rubric_update_draft(
        rubric=built.rubric, content=regrouped, description=RUBRIC_DESCRIPTION, by=cast.setter
    )
    built.rubric.refresh_from_db()

    setter, project = cast.setter, cast.project
    guidelines_update_intro(project=project, intro="Listen three times.", by=setter)
    guideline_rule_edit(
        project=project, rule_id="R2", title="Mark swallowed and merged syllables", by=setter
    )
    guideline_rule_retire(
        project=project, rule_id="R1", reason="Models no longer do this", by=setter
    )
    guidelines_publish(project=project, note="Second guidelines", by=setter)
    guideline_rule_add(project=project, title="Name the speaker", by=setter)
    return built


def _exempt(cast, world: World) -> set[str]:
    return data_words(
        cast,
        world.rubric.title,
        RUBRIC_DESCRIPTION,
        world.rubric.draft_content,
        world.v1.content,
        "First version",
        "First guidelines",
        GUIDELINE_WORDS,
        "Product images",  # the second project, a clone target
        RUBRIC_FORMATS,
        "v1",
        # the JSON the editor's text area holds (for browsers without scripts) is data too
        "true",
        "false",
        "null",
        # a technical name that stays in Latin letters
        "JavaScript",
    )


def test_setter_rubric_editor_and_diff_are_all_chinese(client, cast, world):
    client.force_login(cast.setter)
    project, rubric = world.project.pk, world.rubric.pk
    exempt = _exempt(cast, world)

    # then: the editor with its draft, and the diff from version 1 to the draft (added,
    # removed, changed and moved criteria, a new section); also between two versions
    for url in (
        reverse("rubric-editor", args=[project, rubric]),
        reverse("rubric-diff", args=[project, rubric]),
        reverse("rubric-diff", args=[project, rubric]) + "?from=draft&to=1",
    ):
        assert_translated(client, url, exempt)


def test_the_diff_names_changes_and_values_in_chinese(client, cast, world):
    client.force_login(cast.setter)
    url = reverse("rubric-diff", args=[world.project.pk, world.rubric.pk])

    html = client.get(url, HTTP_ACCEPT_LANGUAGE=CHINESE["zh-hant"]).content.decode()

    # then: every kind of change is there, with its label and the field values in Chinese
    for kind in ("added", "removed", "changed", "moved"):
        assert f'data-kind="{kind}"' in html
    for words in (
        "由第 1 版至草稿",
        "新增",
        "刪除",
        "移動",
        "分組",
        "重要程度",
        "關鍵",
        "由最上層移入",
    ):
        assert words in html, words


def test_rubric_editor_read_only_in_a_project_it_is_shared_into_is_all_chinese(client, cast, world):
    # given: the rubric shared into the setter's second project, which may not change it
    from tasks.services import project_rubric_share

    project_rubric_share(link=world.link, into=world.second, by=cast.setter)
    client.force_login(cast.setter)
    url = reverse("rubric-editor", args=[world.second.pk, world.rubric.pk])

    # then
    assert_translated(client, url, _exempt(cast, world))
    assert (
        "只有擁有它的項目可以修改它"
        in client.get(url, HTTP_ACCEPT_LANGUAGE="zh-HK").content.decode()
    )


def test_guidelines_diff_and_versions_are_all_chinese(client, cast, world):
    project = world.project.pk
    exempt = _exempt(cast, world)
    # the setter (who may compare with the draft), and a trainer
    for person, extra in ((cast.setter, ["?from=2&to=draft"]), (cast.trainer, [])):
        client.force_login(person)

        # then: what changed from version 1 to 2 (added, retired, reworded, introduction),
        # from nothing to version 1, each version's page
        for url in (
            reverse("guidelines-diff", args=[project]),
            reverse("guidelines-diff", args=[project]) + "?from=0&to=1",
            *(reverse("guidelines-diff", args=[project]) + query for query in extra),
            reverse("guidelines-version", args=[project, 1]),
            reverse("guidelines-version", args=[project, 2]),
        ):
            assert_translated(client, url, exempt)


def test_guidelines_diff_shows_every_kind_of_change(client, cast, world):
    client.force_login(cast.setter)
    url = reverse("guidelines-diff", args=[world.project.pk])

    html = client.get(url, HTTP_ACCEPT_LANGUAGE=CHINESE["zh-hans"]).content.decode()

    for kind in ("added", "retired", "changed", "intro"):
        assert f'data-kind="{kind}"' in html
    assert "理由：Models no longer do this" in html


# --- refusals ---------------------------------------------------------------------------

INVALID = content(
    crit("cites-paper", 0, "Names the paper"),
    crit("Bad Id", -5, INVENTED, polarity="positive", pionts=3),
)
EXPECTED_REFUSAL = {"zh-hans": "草稿未保存：", "zh-hant": "草稿未儲存："}
EXPECTED_MESSAGE = {"zh-hans": "不能为 0", "zh-hant": "不能為 0"}


def test_the_editor_refuses_an_invalid_rubric_in_chinese(client, cast, world):
    client.force_login(cast.setter)
    url = reverse("rubric-editor", args=[world.project.pk, world.rubric.pk])
    data = {
        "title": world.rubric.title,
        "tags": "",
        "description": "",
        "expected_revision": world.rubric.draft_revision,
        "content": json.dumps(INVALID),
    }
    # what was posted comes back in the JSON text area; an id the message gives as an example
    exempt = _exempt(cast, world) | words_of([INVALID, "cites-guideline"])

    english = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400
    assert "Must not be 0" in english.content.decode()
    for language, header in CHINESE.items():
        response = client.post(url, data, HTTP_ACCEPT_LANGUAGE=header)

        # then: the refusal and every path's message read in Chinese
        assert response.status_code == 400
        html = response.content.decode()
        left = untranslated(html, exempt=exempt)
        assert not left, f"{language}: {left}"
        assert EXPECTED_REFUSAL[language] in html
        assert EXPECTED_MESSAGE[language] in html


def test_the_editor_refuses_broken_json_in_chinese(client, cast, world):
    client.force_login(cast.setter)
    url = reverse("rubric-editor", args=[world.project.pk, world.rubric.pk])
    data = {"title": world.rubric.title, "content": "{not json"}

    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE=CHINESE["zh-hans"])

    assert response.status_code == 400
    assert "内容不是有效的 JSON" in response.content.decode()


def test_the_live_preview_speaks_chinese(client, cast, world):
    client.force_login(cast.setter)
    url = reverse("rubric-preview", args=[world.project.pk, world.rubric.pk])
    exempt = _exempt(cast, world)

    for language, header in CHINESE.items():
        # a valid draft: the reviewer's view; an invalid one: the count of problems
        shown = client.post(
            url, {"content": json.dumps(world.rubric.draft_content)}, HTTP_ACCEPT_LANGUAGE=header
        )
        refused = client.post(url, {"content": json.dumps(INVALID)}, HTTP_ACCEPT_LANGUAGE=header)

        assert shown.status_code == 200
        assert refused.status_code == 400
        for response in (shown, refused):
            left = untranslated(response.content.decode(), exempt=exempt)
            assert not left, f"{language}: {left}"


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("guidelines-rule-add", {"title": "  "}, ("请填写标题。", "請填寫標題。")),
        ("guidelines-publish", {"note": ""}, ("请填写修改说明。", "請填寫修改說明。")),
    ],
)
def test_the_guidelines_editor_refuses_in_chinese(client, cast, world, name, data, expected):
    # given: a rule with no title, a publish with no note (the refusal shows in _errors.html)
    client.force_login(cast.setter)
    url = reverse(name, args=[world.project.pk])
    exempt = _exempt(cast, world)

    for (language, header), words in zip(CHINESE.items(), expected, strict=True):
        response = client.post(url, data, HTTP_ACCEPT_LANGUAGE=header)

        # then: the editor shows again with the refusal in Chinese
        assert response.status_code == 400
        html = response.content.decode()
        assert words in html
        left = untranslated(html, exempt=exempt)
        assert not left, f"{language}: {left}"


def _api_refusals(client_as, cast, world, header: str) -> dict[str, dict]:
    """The API's answers to an invalid draft, a rubric without a title, an empty publish
    note, an unknown version to compare, a rule with no title, and the live check."""
    api = client_as(cast.setter)
    base = f"/api/v1/projects/{world.project.pk}"
    rubric = f"{base}/rubrics/{world.rubric.pk}/"
    answers = {
        "invalid_rubric": api.patch(
            rubric, {"content": INVALID}, format="json", HTTP_ACCEPT_LANGUAGE=header
        ),
        "no_title": api.post(
            f"{base}/rubrics/", {"title": "  "}, format="json", HTTP_ACCEPT_LANGUAGE=header
        ),
        "unknown_version": api.get(f"{rubric}diff/?from=99", HTTP_ACCEPT_LANGUAGE=header),
        "no_rule_title": api.post(
            f"{base}/guidelines/draft/rules/",
            {"title": ""},
            format="json",
            HTTP_ACCEPT_LANGUAGE=header,
        ),
        "check": api.post(
            "/api/v1/rubrics/validate/",
            {"content": INVALID},
            format="json",
            HTTP_ACCEPT_LANGUAGE=header,
        ),
    }
    return {name: {"status": r.status_code, **r.json()} for name, r in answers.items()}


def _messages(body: dict) -> list[str]:
    found = [body["detail"]] if "detail" in body else []
    for messages in (body.get("fields") or body.get("errors") or {}).values():
        found.extend(messages)
    return found


def test_api_refusals_are_chinese_with_the_same_codes(client_as, cast, world):
    english = _api_refusals(client_as, cast, world, "en")
    assert english["invalid_rubric"]["error"] == "invalid_rubric"
    assert english["unknown_version"]["error"] == "unknown_version"
    # the posted key and id the messages quote, an example id, and the "draft" keyword
    exempt = _exempt(cast, world) | words_of(["pionts", "Bad Id", "draft", "cites-guideline"])

    for language, header in CHINESE.items():
        answers = _api_refusals(client_as, cast, world, header)

        for name, body in answers.items():
            # then: the same status and machine code, and human messages with no English
            assert body["status"] == english[name]["status"], name
            assert body.get("error") == english[name].get("error"), name
            messages = _messages(body)
            assert messages, name
            assert messages != _messages(english[name]), f"{language} {name}: not translated"
            left = [m for m in messages if untranslated(f"<p>{m}</p>", exempt=exempt)]
            assert not left, f"{language} {name}: {left}"

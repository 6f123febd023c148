# ruff: noqa: RUF001, F811 - Chinese text on purpose; `reviewing` is an imported fixture
"""The faster review page (#19) in Chinese: the sticky decision panel with "Decide and go
to next", the keyboard shortcuts' legend, rubric sections and reviewer guidance, the reasons'
filter and the zoom dialog, in English and for browsers asking for Simplified (``zh-CN``) and
Hong Kong Traditional (``zh-HK``) Chinese; the page the reviewer lands on after a decision
(its message and the next item) too; and the script's string in both JavaScript catalogs."""

from __future__ import annotations

import copy

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from tests.i18n import CHINESE, assert_translated, compile_catalogs, untranslated, words_of
from tests.platform.test_chinese_pages import _reviewdata_words
from tests.reviews.conftest import REVIEW_RUBRIC, reviewing  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

PAGES = {"submission-review"}

SECTION = ("Style of the explanation", "Judge the wording, not the facts.")
GUIDANCE = "Compare with the answer key."


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    compile_catalogs()


@pytest.fixture
def sectioned(cast, reviewing):
    """A pinned rubric version with a section and reviewer guidance."""
    from rubrics.services import rubric_update_draft
    from tasks.services import project_rubric_publish

    content = copy.deepcopy(REVIEW_RUBRIC)
    content["criteria"][0]["description"] = GUIDANCE
    content["criteria"] = [
        content["criteria"][0],
        {
            "kind": "section",
            "id": "style",
            "title": SECTION[0],
            "description": SECTION[1],
            "children": [content["criteria"][1]],
        },
    ]
    rubric_update_draft(rubric=reviewing["link"].rubric, content=content, by=cast.setter)
    project_rubric_publish(link=reviewing["link"], note="sections", by=cast.setter, pin=True)
    cast.project.refresh_from_db()


def _exempt(cast, reviewing):
    return _reviewdata_words(cast, reviewing) | words_of([*SECTION, GUIDANCE, "sections"])


def test_the_review_page_with_sections_guidance_and_shortcuts_is_all_chinese(
    client, cast, reviewing, sectioned
):
    failed = reviewing["submit"](task=0, answer="C")
    client.force_login(cast.qa_lead)
    url = reverse("submission-review", args=[failed.pk])
    assert_translated(client, url, _exempt(cast, reviewing))
    simplified = client.get(url, HTTP_ACCEPT_LANGUAGE=CHINESE["zh-hans"]).content.decode()
    traditional = client.get(url, HTTP_ACCEPT_LANGUAGE=CHINESE["zh-hant"]).content.decode()
    for text in ("提交并审核下一条", "快捷键", "审核指引：", "输入文字筛选理由"):
        assert text in simplified
    for text in ("提交並審核下一項", "快捷鍵", "審核指引：", "輸入文字篩選理由"):
        assert text in traditional


def test_the_next_item_after_a_decision_is_all_chinese(client, cast, reviewing):
    # One item to decide per language, and one left to land on each time.
    items = [reviewing["submit"](task=task, answer="A") for task in range(3)]
    client.force_login(cast.qa_lead)
    exempt = _exempt(cast, reviewing)
    for (language, header), decided in zip(CHINESE.items(), items, strict=False):
        response = client.post(
            reverse("submission-review", args=[decided.pk]),
            {
                "decision": "accept",
                "rubric_version": reviewing["version"].pk,
                "revision": 1,
                "then": "next",
            },
            HTTP_ACCEPT_LANGUAGE=header,
            follow=True,
        )
        html = response.content.decode()
        assert len(response.redirect_chain) == 1
        assert "/submissions/" in response.redirect_chain[0][0]
        assert f"#{decided.pk}" in html
        left = untranslated(html, exempt=exempt)
        assert not left, f"{language}: {left}"


def test_the_review_script_string_is_in_both_javascript_catalogs():
    for language in ("zh_Hans", "zh_Hant"):
        catalog = polib.pofile(
            str(settings.BASE_DIR / "locale" / language / "LC_MESSAGES" / "djangojs.po")
        )
        entry = catalog.find("Click to zoom")
        assert entry is not None and entry.msgstr and "fuzzy" not in entry.flags

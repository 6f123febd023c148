# ruff: noqa: RUF001 - Chinese text on purpose
"""A question-setter edits a rubric in Simplified Chinese, in a real Chromium: the editor's
own script (labels, buttons, the live check's status and the messages it announces) and the
server's messages next to a field are Chinese; they add a criterion, save and publish, then
read what the next draft changes and switch to Hong Kong Chinese in the header. Screenshots
of the editor and the diff go to /tmp/shots/rubrics/ at 1366x768 and 1920x1080."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rubrics.models import Rubric
from tasks.services import project_rubric_create
from tests.e2e.conftest import login
from tests.i18n import compile_catalogs
from tests.tasks.rubric_fixtures import CITATIONS

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("I18N_SHOTS_DIR") or Path(tempfile.gettempdir(), "shots", "rubrics"))
SIZES = ((1366, 768), (1920, 1080))
ADDED = "引用的资料须注明出处"
REWORDED = "说明论文为什么支持这个论点"


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    compile_catalogs()


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{width}x{height}.png"), full_page=False)


def node(page, name: str):
    """A criterion or section of the editor by its position label ("评分项 2")."""
    return page.get_by_role("group", name=name, exact=True)


def test_setter_edits_and_publishes_a_rubric_in_chinese(page, live_server, cast):
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    # given: a setter who chose Simplified Chinese, and a draft rubric with three criteria
    cast.setter.language = "zh-hans"
    cast.setter.save(update_fields=["language"])
    link = project_rubric_create(
        project=cast.project, title="Citation logic", content=CITATIONS, by=cast.setter
    )
    login(page, live_server, cast.setter)
    editor = live_server.url + reverse("rubric-editor", args=[cast.project.pk, link.rubric_id])

    # when: they open the editor
    page.goto(editor)

    # then: the page and the script's own texts are Chinese
    expect(page.get_by_role("heading", name="评分项", exact=True)).to_be_visible()
    expect(page.get_by_test_id("draft-badge")).to_have_text("草稿 · 第 1 次修改")
    first = node(page, "评分项 1")
    expect(first.get_by_label("分值")).to_have_value("5")
    expect(first.get_by_role("button", name="删除评分项 1")).to_be_visible()
    status = page.get_by_test_id("live-status")

    # when: they add a criterion; the button puts the cursor in its statement
    page.get_by_role("button", name="添加一个评分项").click()
    fourth = node(page, "评分项 4")
    expect(fourth.get_by_label("评分项", exact=True)).to_be_focused()
    page.keyboard.type(ADDED)

    # then: points that are not a number get the server's message, in Chinese, by the field
    points = fourth.get_by_label("分值")
    points.fill("很多")
    expect(fourth.get_by_text("必须是数字")).to_be_visible()
    expect(points).to_have_attribute("aria-invalid", "true")
    expect(status).to_contain_text("有 1 个问题需要修改。")
    expect(page.get_by_test_id("live-errors")).to_contain_text("必须是数字")
    points.fill("2")
    expect(status).to_have_text("没有问题。有未保存的更改。")
    expect(page.get_by_role("button", name="发布")).to_be_disabled()
    expect(page.get_by_test_id("publish-hint")).to_have_text(
        "请先保存草稿再发布：只有已保存的草稿会被发布。"
    )
    expect(page.get_by_test_id("preview")).to_contain_text(ADDED)
    expect(page.get_by_test_id("preview")).to_contain_text("+2 分")
    _shoot(page, "zh-hans-rubric-editor")

    # when: they save with Ctrl+S, then publish with a change note
    page.keyboard.press("Control+s")
    expect(page.locator(".messages")).to_contain_text("草稿已保存。")
    page.get_by_label("修改说明").fill("第一版")
    page.get_by_role("button", name="发布").click()

    # then
    expect(page.locator(".messages")).to_contain_text("已发布第 1 版，并在本项目中启用。")
    rubric = Rubric.objects.get(pk=link.rubric_id)
    titles = [criterion["title"] for criterion in rubric.versions.get().content["criteria"]]
    assert titles[-1] == ADDED

    # when: a new draft rewords a criterion, and they read what it changes
    node(page, "评分项 2").get_by_label("评分项", exact=True).fill(REWORDED)
    expect(status).to_contain_text("有未保存的更改。")
    page.keyboard.press("Control+s")
    expect(page.locator(".messages")).to_contain_text("草稿已保存。")
    page.get_by_role("link", name="比较版本").click()

    # then
    expect(page.get_by_test_id("diff-heading")).to_have_text("从第 1 版到草稿")
    entry = page.get_by_test_id("diff").locator("li")
    expect(entry).to_have_count(1)
    expect(entry.locator(".diff-kind")).to_have_text("修改")
    expect(entry.locator("ins")).to_have_text(REWORDED)
    _shoot(page, "zh-hans-rubric-diff")

    # and: the header switches them to Hong Kong Chinese; the editor's script follows
    page.goto(editor)
    page.get_by_test_id("language-zh-hant").click()
    expect(page.get_by_role("heading", name="評分項", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="新增一個評分項")).to_be_visible()
    expect(node(page, "評分項 2").get_by_label("評分項", exact=True)).to_have_value(REWORDED)
    page.get_by_role("button", name="新增一個分組").click()
    expect(status).to_contain_text(re.compile(r"有 \d+ 個問題需要修改。"))
    _shoot(page, "zh-hant-rubric-editor")
    page.goto(live_server.url + reverse("rubric-diff", args=[cast.project.pk, link.rubric_id]))
    expect(page.get_by_test_id("diff-heading")).to_have_text("由第 1 版至草稿")
    _shoot(page, "zh-hant-rubric-diff")
    assert problems == []

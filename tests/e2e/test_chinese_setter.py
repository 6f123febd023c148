# ruff: noqa: RUF001 - Chinese text on purpose
"""A question-setter's template work in Chinese, in a real Chromium: with Hong Kong Chinese
saved for the account they start a template from the gallery, see it checked and previewed
live, rename it and save; then they switch to Simplified Chinese in the header. Screenshots
of the template editor go to /tmp/shots/i18n2/ at 1366x768 and 1920x1080."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tasks.models import TaskTemplate
from tests.e2e.conftest import login, shoot
from tests.i18n import compile_catalogs

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("I18N_SHOTS_DIR") or Path(tempfile.gettempdir(), "shots", "i18n2"))


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    compile_catalogs()


def test_setter_starts_a_template_from_the_gallery_in_chinese(page, live_server, cast, mcq):
    # given: a setter who chose Hong Kong Chinese, on a project with tasks
    cast.setter.language = "zh-hant"
    cast.setter.save(update_fields=["language"])
    login(page, live_server, cast.setter)
    editor = live_server.url + reverse("template-editor", args=[cast.project.pk])

    # when: they open the template editor
    page.goto(editor)

    # then: it speaks Hong Kong Chinese, the gallery too
    expect(page.get_by_role("heading", level=1)).to_have_text("任務模板")
    expect(page.get_by_role("heading", name="從模板庫開始")).to_be_visible()
    expect(page.locator(".gallery")).to_contain_text("選擇題")

    # when: they start from the multiple-choice template
    page.get_by_role("button", name="使用模板庫中的「選擇題」").click()

    # then: it is saved as a version, checked and previewed as they see it
    started = re.compile(r"已從「Multiple-choice items」開始（第 \d+ 版）。")
    expect(page.locator(".messages")).to_contain_text(started)
    version = TaskTemplate.objects.filter(project=cast.project).latest("version").version
    expect(page.get_by_test_id("template-version")).to_have_text(f"第 {version} 版")
    expect(page.get_by_test_id("live-status")).to_have_text("模板有效。")
    expect(page.get_by_test_id("preview")).to_contain_text("Question 0?")
    shoot(page, SHOTS, "zh-hant-template-editor")

    # when: they rename it and save
    page.get_by_label("名稱").fill("粵語選擇題")
    page.get_by_label("修改說明（選填）").fill("改名")
    page.get_by_role("button", name="儲存模板").click()

    # then
    expect(page.locator(".messages")).to_contain_text(f"模板已儲存（第 {version} 版）。")
    template = TaskTemplate.objects.get(project=cast.project, version=version)
    assert template.name == "粵語選擇題"
    expect(page.get_by_role("cell", name="粵語選擇題")).to_be_visible()

    # and: the header switches them to Simplified Chinese on the same page
    page.get_by_test_id("language-zh-hans").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("任务模板")
    expect(page.get_by_role("button", name="保存模板")).to_be_visible()
    expect(page.get_by_test_id("live-status")).to_have_text("模板有效。")
    shoot(page, SHOTS, "zh-hans-template-editor")

# ruff: noqa: RUF001 - Chinese text with its full-width punctuation, on purpose
"""A trainer's day in Chinese, in a real Chromium: one in Simplified Chinese chosen by the
browser (Accept-Language zh-CN), one in Hong Kong Traditional Chinese chosen with the header's
switcher (and saved for the account). Screenshots go to /tmp/shots/i18n/ at 1366x768 and
1920x1080 (fonts-noto-cjk renders them)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tasks.models import Submission
from tests.e2e.conftest import TIMEOUT_MS, login, shoot
from tests.e2e.workspace_fixtures import definition_with, setup_workspace
from tests.factories import PASSWORD
from tests.i18n import compile_catalogs

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("I18N_SHOTS_DIR") or Path(tempfile.gettempdir(), "shots", "i18n"))

DEFINITION = definition_with(
    {
        "id": "verdict",
        "type": "single_choice",
        "prompt": "这段粤语读音自然吗？",
        "options": [
            {"value": "natural", "label": "自然"},
            {"value": "unnatural", "label": "不自然"},
        ],
    },
    {
        "id": "why",
        "type": "text",
        "prompt": "请说明理由",
        "count": "characters",
        "min_chars": 10,
        "max_chars": 200,
    },
    display=[{"type": "text", "field": "sentence", "label": "原句"}],
    title="粤语朗读评测",
)
ITEMS = [{"sentence": "我哋今晚去飲茶，你嚟唔嚟呀？"}]
ANSWER = "声调准确，语速自然，只有“飲”字略重。"


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    compile_catalogs()


def _answer_and_submit(page, live_server, cast, *, submit_label: str) -> None:
    page.get_by_role("radio", name="不自然").check()
    page.get_by_role("textbox", name="请说明理由").fill(ANSWER)
    submit = page.get_by_test_id("submit")
    expect(submit).to_have_text(submit_label)
    before = page.url
    submit.click()
    # A submit moves on to the next task (the fixture leaves one): the answer is stored then.
    page.wait_for_url(lambda url: url != before)
    submission = Submission.objects.get(author=cast.trainer)
    assert submission.answer == {"verdict": "unnatural", "why": ANSWER}


def test_trainer_works_in_simplified_chinese_asked_for_by_the_browser(browser, live_server, cast):
    # given: a browser whose language is Simplified Chinese, and a task to do
    setup_workspace(cast, DEFINITION, ITEMS)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        # when: they log in through the Chinese log-in page
        page.goto(f"{live_server.url}/account/login/")
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
        expect(page.get_by_role("heading", level=1)).to_have_text("登录")
        shoot(page, SHOTS, "zh-hans-login")
        page.get_by_label("用户名").fill(cast.trainer.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/")

        # then: the dashboard speaks Chinese
        expect(page.get_by_role("heading", level=1)).to_have_text("我的项目")
        trainer_section = page.locator('section[data-role="trainer"]')
        expect(trainer_section.get_by_role("heading", level=2)).to_have_text("我参与标注的项目")
        shoot(page, SHOTS, "zh-hans-dashboard")

        # when: they start working, answer and submit
        trainer_section.get_by_role("link", name="开始标注").click()
        expect(page.get_by_test_id("submit")).to_be_visible()
        expect(page.locator('[data-counter][data-count="characters"]')).to_have_count(1)
        expect(page.get_by_role("heading", name="原句")).to_be_visible()
        expect(page.locator("summary", has_text="快捷键")).to_be_visible()
        shoot(page, SHOTS, "zh-hans-workspace")
        _answer_and_submit(page, live_server, cast, submit_label="提交")
        shoot(page, SHOTS, "zh-hans-after-submit")
    finally:
        context.close()


def test_trainer_switches_to_hong_kong_chinese_in_the_header(page, live_server, cast):
    # given: an English browser and a task to do
    setup_workspace(cast, DEFINITION, ITEMS)
    login(page, live_server, cast.trainer)
    expect(page.get_by_role("heading", level=1)).to_have_text("My projects")

    # when: they choose Traditional Chinese (Hong Kong) in the header
    page.get_by_test_id("language-zh-hant").click()

    # then: the same page, now in Hong Kong Chinese, and the choice is theirs
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant-HK")
    expect(page.get_by_role("heading", level=1)).to_have_text("我的項目")
    expect(page.get_by_test_id("language-zh-hant")).to_have_attribute("aria-current", "true")
    expect(page.get_by_role("button", name="登出")).to_be_visible()
    cast.trainer.refresh_from_db()
    assert cast.trainer.language == "zh-hant"
    shoot(page, SHOTS, "zh-hant-dashboard")

    # when: they start working, answer and submit
    page.locator('section[data-role="trainer"]').get_by_role("link", name="開始標註").click()
    expect(page.locator('[data-counter][data-count="characters"]')).to_have_count(1)
    expect(page.get_by_role("button", name="跳過")).to_be_visible()
    expect(page.locator("summary", has_text="快捷鍵")).to_be_visible()
    shoot(page, SHOTS, "zh-hant-workspace")
    _answer_and_submit(page, live_server, cast, submit_label="提交")
    shoot(page, SHOTS, "zh-hant-after-submit")

    # and: their own submissions page keeps the language
    page.goto(f"{live_server.url}/projects/{cast.project.pk}/submissions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("我的提交")
    expect(page.locator("td .badge").first).to_have_text("已提交")
    shoot(page, SHOTS, "zh-hant-submissions")

# ruff: noqa: RUF001, F811 - Chinese text on purpose; `reviewing` is an imported fixture
"""A QA lead's review in Chinese, in a real Chromium: one in Simplified Chinese chosen by the
browser (returns work for rework with a reason), one in Hong Kong Chinese saved for the
account (accepts, judging each rubric criterion). Screenshots of the queue and the review
page go to /tmp/shots/i18n2/ at 1366x768 and 1920x1080."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reviews.models import Review
from tests.e2e.conftest import TIMEOUT_MS, login, shoot
from tests.e2e.test_review_flow import reviewing  # noqa: F401 (a fixture)
from tests.factories import PASSWORD
from tests.i18n import compile_catalogs

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("I18N_SHOTS_DIR") or Path(tempfile.gettempdir(), "shots", "i18n2"))


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    compile_catalogs()


def test_qa_lead_returns_work_in_simplified_chinese(browser, live_server, cast, reviewing):
    # given: a browser asking for Simplified Chinese and a failed item in the queue
    failed = reviewing["submit"](task=1, answer="C")
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/account/login/")
        page.get_by_label("用户名").fill(cast.qa_lead.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/")

        # when: they open the review queue
        page.goto(live_server.url + reverse("review-queue", args=[cast.project.pk]))

        # then: the queue speaks Chinese, failed work first
        expect(page.get_by_role("heading", level=1)).to_have_text("审核队列")
        rows = page.get_by_test_id("review-queue").locator("tbody tr")
        expect(rows.first).to_contain_text("质检未通过")
        expect(rows.first).to_contain_text("有质检未通过")
        shoot(page, SHOTS, "zh-hans-review-queue")

        # when: they take the next item
        page.get_by_test_id("review-next").click()
        expect(page).to_have_url(re.compile(rf"/submissions/{failed.pk}/review/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(f"审核提交 #{failed.pk}")
        expect(page.get_by_test_id("lease")).to_contain_text("你已领取这条提交")
        expect(page.get_by_test_id("review-checks")).to_contain_text("质检结果")
        shoot(page, SHOTS, "zh-hans-review")

        # and: return it for rework without a reason first
        form = page.get_by_test_id("review-form")
        form.get_by_label("退回修改").check()
        form.get_by_test_id("submit-review").click()
        expect(page.get_by_test_id("form-errors")).to_contain_text("请说明理由")
        shoot(page, SHOTS, "zh-hans-review-refused")

        # then: with a reason and a comment it is recorded
        form = page.get_by_test_id("review-form")
        form.get_by_label("退回修改").check()
        form.get_by_test_id("reasons").get_by_label("R1: Answer in English").check()
        form.get_by_label("给作者的备注").fill("请用英文作答。")
        form.get_by_test_id("submit-review").click()
        expect(page.locator(".messages")).to_contain_text(f"提交 #{failed.pk}：退回修改")
        review = Review.objects.get(submission=failed)
        assert (review.decision, review.comment) == ("return", "请用英文作答。")
        assert review.reasons == [{"rule": "R1", "label": "Answer in English"}]
    finally:
        context.close()


def test_qa_lead_accepts_in_hong_kong_chinese_saved_for_the_account(
    page, live_server, cast, reviewing
):
    # given: a QA lead who chose Hong Kong Chinese, and a clean item
    cast.qa_lead.language = "zh-hant"
    cast.qa_lead.save(update_fields=["language"])
    clean = reviewing["submit"](task=0, answer="A")
    login(page, live_server, cast.qa_lead)

    # when: they open it from the queue
    page.goto(live_server.url + reverse("review-queue", args=[cast.project.pk]))
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant-HK")
    expect(page.get_by_role("heading", level=1)).to_have_text("審核隊列")
    page.get_by_test_id("review-queue").get_by_role("link", name=f"#{clean.pk}").click()
    expect(page.get_by_test_id("lease")).to_contain_text("沒有人領取這項提交")
    page.get_by_test_id("hold").click()
    expect(page.get_by_test_id("lease")).to_contain_text("你已領取這項提交")
    shoot(page, SHOTS, "zh-hant-review")

    # and: judge each criterion and accept
    form = page.get_by_test_id("review-form")
    form.locator('[data-criterion="correct"]').get_by_label("符合", exact=True).check()
    form.locator('[data-criterion="clear"]').get_by_label("2 · Yes").check()
    form.get_by_label("通過").check()
    form.get_by_test_id("submit-review").click()

    # then
    message = f"提交 #{clean.pk}：通過，評分細則得分 1.00。"
    expect(page.locator(".messages")).to_contain_text(message)
    expect(page.get_by_role("heading", level=1)).to_have_text("審核隊列")
    shoot(page, SHOTS, "zh-hant-review-queue-after")
    assert Review.objects.get(submission=clean).decision == "accept"

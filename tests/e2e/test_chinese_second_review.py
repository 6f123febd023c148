# ruff: noqa: RUF001, F811 - Chinese text on purpose; `reviewing` is an imported fixture
"""The QA lead's second review and dispute decision in Chinese, in a real Chromium: a second
review in Hong Kong Chinese saved for the account (refused without a reason, then recorded,
disagreeing with the first reviewer), and a dispute upheld in Simplified Chinese chosen by the
browser. Screenshots go to /tmp/shots/reviews/ at 1366x768 and 1920x1080."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reviews.models import Dispute, Review, ReviewKind
from reviews.workflow import ReviewInput, dispute_file, review_submit
from tests.e2e.conftest import TIMEOUT_MS, login
from tests.e2e.test_review_flow import reviewing  # noqa: F401 (a fixture)
from tests.factories import PASSWORD
from tests.i18n import compile_catalogs

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("I18N_SHOTS_DIR") or Path(tempfile.gettempdir(), "shots", "reviews"))
SIZES = ((1366, 768), (1920, 1080))


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    compile_catalogs()


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"e2e-{name}-{width}x{height}.png"), full_page=True)
    page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})


def _decide(cast, reviewing, submission, decision):
    """The project admin's first review of ``submission``."""
    return review_submit(
        submission=submission,
        reviewer=cast.admin,
        data=ReviewInput(
            decision=decision,
            judgments={"correct": {"met": decision == "accept"}},
            reasons=[] if decision == "accept" else [{"criterion": "correct"}],
            comment="" if decision == "accept" else "Option B is right.",
            rubric_version=reviewing["version"].pk,
            revision=submission.revision,
        ),
    )


def test_second_review_in_hong_kong_chinese(page, live_server, cast, reviewing):
    # given: a QA lead who chose Hong Kong Chinese, and an accept by the admin to audit
    cast.qa_lead.language = "zh-hant"
    cast.qa_lead.save(update_fields=["language"])
    submission = reviewing["submit"](task=0, answer="A")
    first = _decide(cast, reviewing, submission, "accept")
    login(page, live_server, cast.qa_lead)

    # when: they open the second reviews and pick the accept
    page.goto(live_server.url + reverse("review-audit", args=[cast.project.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text("覆審與重新評分")
    row = page.get_by_test_id("audit-candidates").locator("tbody tr").first
    expect(row).to_contain_text(f"#{submission.pk}")
    expect(row).to_contain_text("通過")
    _shoot(page, "zh-hant-audit")
    row.get_by_role("link", name="覆審").click()

    # then: the page asks for an independent judgment, in Chinese
    expect(page).to_have_url(re.compile(rf"/reviews/{first.pk}/second-review/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"提交 #{submission.pk} 的覆審")
    expect(page.locator("main")).to_contain_text("請獨立評判第 1 版修改稿")

    # when: they reject without a reason
    form = page.get_by_test_id("review-form")
    form.locator('[data-criterion="correct"]').get_by_label("符合", exact=True).check()
    form.get_by_label("駁回").check()
    form.get_by_role("button", name="記錄覆審").click()

    # then: refused, in Chinese
    expect(page.get_by_test_id("form-errors")).to_contain_text("請說明理由")
    _shoot(page, "zh-hant-second-review-refused")

    # when: with a rule and a comment
    form = page.get_by_test_id("review-form")
    form.get_by_label("駁回").check()
    form.get_by_test_id("reasons").get_by_label("R1: Answer in English").check()
    form.get_by_label("給作者的備註").fill("答案要用英文寫。")
    form.get_by_role("button", name="記錄覆審").click()

    # then: recorded, and the audit page says it disagrees with the first
    expect(page.locator(".messages")).to_contain_text(
        "覆審已記錄：與初審結論不一致（初審：通過）。"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("覆審與重新評分")
    expect(page.get_by_test_id("disagreement")).to_contain_text("審核員分歧")
    _shoot(page, "zh-hant-audit-after")
    second = Review.objects.get(kind=ReviewKind.SECOND)
    assert (second.parent_id, second.decision) == (first.pk, "reject")


def test_dispute_upheld_in_simplified_chinese(browser, live_server, cast, reviewing):
    # given: the admin rejected the trainer's work and the trainer disputed it; a browser
    # asking for Simplified Chinese
    submission = reviewing["submit"](task=1, answer="A")
    _decide(cast, reviewing, submission, "reject")
    dispute = dispute_file(submission=submission, by=cast.trainer, comment="A is what R1 asks.")
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/account/login/")
        page.get_by_label("用户名").fill(cast.qa_lead.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/")

        # when: the QA lead opens the disputes and the open one
        page.goto(live_server.url + reverse("project-disputes", args=[cast.project.pk]))
        expect(page.get_by_role("heading", level=1)).to_have_text("申诉")
        row = page.get_by_test_id("disputes").locator(f'tr[data-dispute="{dispute.pk}"]')
        expect(row).to_contain_text("处理中")
        _shoot(page, "zh-hans-disputes")
        row.get_by_role("link", name="裁定").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"提交 #{submission.pk} 的申诉")
        expect(page.get_by_test_id("dispute")).to_contain_text("作者的申诉理由")

        # and: uphold the rejection with a word for the author
        form = page.get_by_test_id("resolve-form")
        form.locator('[data-criterion="correct"]').get_by_label("不满足", exact=True).check()
        form.get_by_label("驳回").check()
        form.get_by_label("你的裁定（作者可见）").fill("规范 R1 要求用英文作答。")
        _shoot(page, "zh-hans-dispute-resolve")
        form.get_by_test_id("resolve").click()

        # then: decided, for good
        expect(page.locator(".messages")).to_contain_text(f"提交 #{submission.pk} 的申诉已裁定。")
        row = page.get_by_test_id("disputes").locator(f'tr[data-dispute="{dispute.pk}"]')
        expect(row).to_contain_text("已裁定")
        row.get_by_role("link", name="查看").click()
        expect(page.get_by_test_id("dispute-final")).to_contain_text("这是最终结果。")
        _shoot(page, "zh-hans-dispute-final")
        dispute.refresh_from_db()
        assert dispute.status == Dispute.objects.get(pk=dispute.pk).status == "resolved"
    finally:
        context.close()

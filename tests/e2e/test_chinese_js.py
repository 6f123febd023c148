"""The workspace's JavaScript in Chinese (issue 18): what the scripts write themselves (save
status, counters, the lists' counts, error headings) comes from the JavaScript catalog
(/jsi18n/, annotation_platform/js_catalog.py) in the page's language, and the same page in
English is exactly as before. Limits in characters count characters only."""

# ruff: noqa: RUF001 - full-width punctuation is what Chinese text is checked for here

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import READY, STOP, TIMEOUT_MS, login
from tests.e2e.workspace_fixtures import definition_with, setup_workspace

pytestmark = pytest.mark.e2e


REASON = {
    "id": "reason",
    "type": "text",
    "prompt": "请说明理由",
    "count": "characters",
    "min_chars": 20,
    "max_chars": 200,
}
SUMMARY = {"id": "summary", "type": "text", "prompt": "One line", "min_words": 3, "max_chars": 50}
SPANS = {
    "id": "marks",
    "type": "spans",
    "prompt": "Mark the errors",
    "target": {"kind": "text", "field": "passage"},
    "tags": ["typo"],
    "required": False,
}
PASSAGE = "呢度有錯字，and a wrong claim."


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogs():
    # The .mo files are build output (`make`), not in the repository.
    call_command("compile_locale", verbosity=0)


@pytest.fixture
def work(cast):
    return setup_workspace(cast, definition_with(REASON, SUMMARY, SPANS), [{"passage": PASSAGE}])


def open_in(context, live_server, work):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A script the policy refused (the catalog included) is reported on the console.
    page.on(
        "console", lambda msg: "Content Security Policy" in msg.text and errors.append(msg.text)
    )
    page.goto(live_server.url + work.work_url())
    page.wait_for_function(READY)
    return page, errors


def logged_in_context(browser, page, live_server, cast, **options):
    """A fresh browser context sharing the session of ``page`` (logged in as the trainer)."""
    login(page, live_server, cast.trainer)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies(page.context.cookies())
    return context


def type_answers(page):
    page.locator("#q-reason-input").fill("")
    page.locator("#q-reason-input").type("我哋去飲茶 lunch。")
    page.locator("#q-summary-input").type("我哋去飲茶 lunch")


def test_workspace_scripts_speak_simplified_chinese_from_the_language_cookie(
    browser, page, live_server, cast, work
):
    context = logged_in_context(browser, page, live_server, cast)
    context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    try:
        zh, errors = open_in(context, live_server, work)
        # The catalog is the page's first script, from our origin: allowed by the policy.
        assert zh.evaluate("() => typeof window.gettext") == "function"
        catalog = zh.locator("head script[src*='/jsi18n/']")
        expect(catalog).to_have_attribute("src", "/jsi18n/?lang=zh-hans")

        type_answers(zh)
        # A limit in characters: characters only (whitespace left out), no word count.
        counter = zh.locator("#q-reason-counter")
        expect(counter).to_have_text("11 字（至少 20，最多 200）")
        expect(counter).to_have_attribute("data-state", "under")
        # The same text under a word limit: words first, as the template asks.
        expect(zh.locator("#q-summary-counter")).to_have_text("6 词（至少 3） · 11 字（最多 50）")
        expect(zh.locator("#q-marks [data-list-count]")).to_have_text("0 个片段")
        expect(zh.locator("#save-status")).to_have_text("已保存")
        # A span, then the script's own announcement of it, in Chinese word order.
        zh.evaluate(
            """() => {
              const target = document.querySelector('[data-span-target]');
              const range = document.createRange();
              range.setStart(target.firstChild, 3);
              range.setEnd(target.firstChild, 5);
              getSelection().removeAllRanges();
              getSelection().addRange(range);
            }"""
        )
        zh.locator("#q-marks [data-tag='typo']").click()
        expect(zh.locator("#q-marks [data-span-message]")).to_have_text(
            "已将“錯字”（第 3–5 字）标为“typo”。"
        )
        expect(zh.locator("#q-marks [data-list-count]")).to_have_text("1 个片段")
        zh.evaluate(STOP)
        assert errors == []
    finally:
        context.close()


def test_workspace_scripts_speak_hong_kong_chinese_from_accept_language(
    browser, page, live_server, cast, work
):
    # No cookie: the browser asks for zh-HK, which Django serves as zh-hant.
    context = logged_in_context(browser, page, live_server, cast, locale="zh-HK")
    try:
        hk, errors = open_in(context, live_server, work)
        expect(hk.locator("head script[src*='/jsi18n/']")).to_have_attribute(
            "src", "/jsi18n/?lang=zh-hant"
        )
        type_answers(hk)
        expect(hk.locator("#q-reason-counter")).to_have_text("11 字（至少 20，最多 200）")
        expect(hk.locator("#q-marks [data-list-count]")).to_have_text("0 個片段")
        expect(hk.locator("#save-status")).to_have_text("已儲存")
        # The server refuses the submit (the reason is too short); the script lists the
        # problem under the question's name with a full-width colon, the name a link.
        hk.keyboard.press("Control+Enter")
        problem = hk.locator("#form-errors li").filter(has=hk.locator("a", has_text="请说明理由"))
        expect(problem).to_have_count(1)
        expect(problem).to_contain_text("请说明理由：")
        hk.evaluate(STOP)
        assert errors == []
    finally:
        context.close()


def test_the_same_workspace_in_english_is_unchanged(browser, page, live_server, cast, work):
    context = logged_in_context(browser, page, live_server, cast, locale="en-GB")
    try:
        en, errors = open_in(context, live_server, work)
        expect(en.locator("head script[src*='/jsi18n/']")).to_have_attribute(
            "src", "/jsi18n/?lang=en"
        )
        type_answers(en)
        expect(en.locator("#q-reason-counter")).to_have_text(
            "11 characters (at least 20, at most 200)"
        )
        expect(en.locator("#q-summary-counter")).to_have_text(
            "6 words (at least 3) · 11 characters (at most 50)"
        )
        expect(en.locator("#q-marks [data-list-count]")).to_have_text("0 spans")
        expect(en.locator("#save-status")).to_have_text("Saved")
        en.evaluate(STOP)
        assert errors == []
    finally:
        context.close()


def test_a_catalog_that_fails_to_load_leaves_the_scripts_working_in_english(
    browser, page, live_server, cast, work
):
    # static/js/i18n.js stands in for the catalog: the page still counts, saves and lists,
    # in the scripts' own English, rather than stopping at the first gettext().
    context = logged_in_context(browser, page, live_server, cast, locale="zh-CN")
    context.route("**/jsi18n/**", lambda route: route.abort())
    try:
        zh, errors = open_in(context, live_server, work)
        assert zh.evaluate("() => window.gettext('Saved')") == "Saved"
        type_answers(zh)
        expect(zh.locator("#q-reason-counter")).to_have_text(
            "11 characters (at least 20, at most 200)"
        )
        expect(zh.locator("#q-marks [data-list-count]")).to_have_text("0 spans")
        expect(zh.locator("#save-status")).to_have_text("Saved")
        zh.evaluate(STOP)
        assert errors == []
    finally:
        context.close()

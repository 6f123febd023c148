"""Real-browser fixtures: one Chromium per session, a fresh context (no cookies) per test.

Playwright's own browser download does not work everywhere, so we drive the system
Chromium (``tests.conftest.CHROMIUM``). On a failure the page is saved as a screenshot
under /tmp so a broken layout or an unexpected error page can be seen.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM
from tests.factories import PASSWORD

# Playwright's sync API keeps an event loop running in this thread, which makes Django's
# async-safety check refuse ORM calls from test code (fixtures, assertions).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_DIR = Path(os.environ.get("E2E_SCREENSHOT_DIR") or tempfile.gettempdir())
TIMEOUT_MS = 10_000


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item so the ``page`` fixture knows if the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright):
    # The same fallback as tests.conftest.chromium_available(), which decides the skip.
    executable = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    browser = playwright.chromium.launch(
        executable_path=executable, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        path = SCREENSHOT_DIR / f"e2e-failure-{name}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
            print(f"screenshot saved to {path}")
        except Exception as exc:  # a crashed page must not hide the real failure
            print(f"could not save a screenshot: {exc}")
    context.close()


@pytest.fixture
def api_request(playwright, live_server):
    """A cookie-less HTTP client for the live server, so only a bearer token can authenticate."""
    context = playwright.request.new_context(base_url=live_server.url)
    yield context
    context.dispose()


def login(page, live_server, user, password: str = PASSWORD) -> None:
    """Log in through the real login form and wait for the dashboard."""
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    # The header names the logged-in user: the session is really there.
    assert page.get_by_test_id("current-user").inner_text() == str(user)


# The workspace script's own signals (static/js/workspace.js): ready, and stop its timers so
# a test ending with unsaved work leaves no draft request to land in the next test.
READY = "() => Boolean(window.AnnotationWorkspace && window.AnnotationWorkspace.current)"
STOP = (
    "() => window.AnnotationWorkspace && window.AnnotationWorkspace.current"
    " && window.AnnotationWorkspace.current.stop()"
)


@pytest.fixture
def page_problems(page) -> list[str]:
    """JavaScript errors, native dialogs (alert, confirm...) and scripts or styles the
    content policy refused, seen in the page as they happen."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss())
    )
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return problems


@pytest.fixture
def trainer(page, page_problems, live_server, cast):
    """A logged-in trainer's page; fails the test on a JavaScript error, a dialog or a
    refusal by the content policy."""
    login(page, live_server, cast.trainer)
    yield page
    for open_page in page.context.pages:
        open_page.evaluate(STOP)
    assert page_problems == []


# The two screen sizes pages are looked at in: a common laptop and a common desktop.
SHOT_SIZES = ((1366, 768), (1920, 1080))


def shoot(page, folder: Path, name: str) -> None:
    """Screenshots of what ``page`` shows now, at each of SHOT_SIZES, into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for width, height in SHOT_SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(folder / f"{name}-{width}x{height}.png"), full_page=False)

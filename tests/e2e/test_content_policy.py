"""The Content-Security-Policy in a real Chromium: the pages with the most script (the
workspace, the template editor's live preview, the review page, the API docs) work under
it, and the browser reports no violation on any of them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tasks.services import project_remote_media_update
from tests.e2e.conftest import login
from tests.e2e.test_review_flow import reviewing  # noqa: F401 - a fixture used below
from tests.e2e.workspace_fixtures import setup_workspace

pytestmark = pytest.mark.e2e

# Registered before any page script runs (Playwright injects it outside the page's CSP), so
# a violation during parsing is recorded too.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    e.disposition + " " + e.effectiveDirective + " blocked " + (e.blockedURI || "?") +
    " at " + (e.sourceFile || "?") + ":" + e.lineNumber
  );
});
"""
BEACON = "https://tracker.example.net/pixel.png"
DEFINITION = {
    "schema_version": 1,
    "title": "Pictures",
    "instructions": f"Look closely. ![beacon]({BEACON})",
    "display": [
        {"type": "image", "field": "photo", "label": "Photo"},
        {"type": "markdown", "field": "prompt", "label": "Prompt"},
    ],
    "questions": [
        {
            "id": "fine",
            "type": "single_choice",
            "prompt": "Is it fine?",
            "options": [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}],
        }
    ],
}
ITEM = {"photo": "https://tracker.example.net/photo.png", "prompt": f"Hello ![b]({BEACON})"}


@pytest.fixture
def watched(page):
    """The page, recording CSP violations (events per document, console messages across
    navigations) and refusing every request to a remote host (none may be made)."""
    page.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    remote: list[str] = []

    def refuse(route):
        remote.append(route.request.url)
        route.abort()

    page.route("https://**/*", refuse)
    page.violations = lambda: page.evaluate("window.__cspViolations || []") + console + remote
    return page


def test_the_workspace_works_under_the_policy(watched, live_server, cast):
    work = setup_workspace(cast, DEFINITION, [ITEM])
    login(watched, live_server, cast.trainer)
    watched.goto(live_server.url + work.work_url())
    watched.wait_for_function("() => Boolean(window.AnnotationWorkspace?.current)")
    # remote images are links, not loaded
    expect(watched.get_by_test_id("remote-image-link")).to_contain_text("photo.png")
    expect(watched.locator(f'a[href="{BEACON}"]')).to_have_count(2)
    # the keyboard still answers (workspace.js runs)
    watched.keyboard.press("1")
    expect(watched.locator("#q-fine input[value='yes']")).to_be_checked()
    assert watched.violations() == []


def test_the_template_editor_preview_works_under_the_policy(watched, live_server, cast):
    setup_workspace(cast, DEFINITION, [ITEM])
    project_remote_media_update(project=cast.project, hosts=["images.example.com"])
    login(watched, live_server, cast.setter)
    watched.goto(live_server.url + reverse("template-editor", args=[cast.project.pk]))
    watched.locator("#id_sample_task").fill(
        '{"photo": "p/photo.png", "prompt": "Preview **works**"}'
    )
    preview = watched.get_by_test_id("preview")
    expect(preview.locator("strong")).to_have_text("works")
    expect(watched.get_by_test_id("live-status")).to_have_text("The template is valid.")
    assert watched.violations() == []


def test_the_review_page_works_under_the_policy(
    watched,
    live_server,
    cast,
    reviewing,  # noqa: F811 - the fixture imported above
):
    submission = reviewing["submit"](task=0, answer="A")
    login(watched, live_server, cast.qa_lead)
    watched.goto(live_server.url + reverse("submission-review", args=[submission.pk]))
    form = watched.get_by_test_id("review-form")
    form.locator('[data-criterion="correct"]').get_by_label("Met", exact=True).check()
    form.locator('[data-criterion="clear"]').get_by_label("1 · Partly").check()
    # review.js computes the live score as the reviewer judges
    expect(watched.get_by_test_id("live-score")).to_contain_text("2 of 2 criteria judged")
    assert watched.violations() == []


def test_the_api_docs_work_under_the_policy(watched, live_server, cast):
    login(watched, live_server, cast.trainer)
    watched.goto(live_server.url + reverse("api-docs"))
    # Swagger UI (sidecar files, start-up script from ?script) loaded the schema
    operation = watched.locator(".opblock-summary").filter(has_text="/api/v1/projects/").first
    operation.click()
    expect(watched.get_by_role("button", name="Try it out").first).to_be_visible()
    assert watched.violations() == []


def test_a_remote_image_would_be_blocked_and_reported(watched, live_server, cast):
    # The recorder itself must be able to fail: an image injected past the renderer is
    # refused by the policy and shows up as a violation.
    login(watched, live_server, cast.trainer)
    watched.evaluate(
        "() => { const i = new Image(); i.src = 'https://tracker.example.net/x.png';"
        " document.body.append(i); }"
    )
    watched.wait_for_function("() => window.__cspViolations.length > 0")
    assert any("img-src" in v for v in watched.violations())

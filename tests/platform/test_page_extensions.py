"""The project and submission pages show what other apps register (tasks imports none of
them): each link appears exactly for the roles its own app's permissions allow."""

from __future__ import annotations

import re

import pytest

from tasks.services.hooks import project_links
from tests.factories import submit

pytestmark = pytest.mark.django_db

EXTENSION_LABELS = {
    "My work",
    "Review queue",
    "Disputes",
    "Quality",
    "Metrics",
    "Imports",
    "Exports",
    "Webhooks",
}
EXPECTED = {
    "trainer": {"My work"},
    "setter": {"Quality", "Metrics", "Imports", "Exports"},
    "qa_lead": {"Review queue", "Disputes", "Quality", "Metrics", "Imports", "Exports"},
    "admin": {"Review queue", "Disputes", "Quality", "Metrics", "Imports", "Exports", "Webhooks"},
}


def _buttons(html: str) -> set[str]:
    return set(re.findall(r'class="button[^"]*" href="[^"]*">([^<]+)</a>', html))


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_project_page_links_follow_each_apps_permissions(cast, client, role):
    user = getattr(cast, role)
    client.force_login(user)
    html = client.get(f"/projects/{cast.project.pk}/").content.decode()
    assert _buttons(html) & EXTENSION_LABELS == EXPECTED[role]
    for link in project_links(project=cast.project, user=user):
        assert client.get(link.url).status_code == 200, link


def test_the_submission_page_shows_the_review_outcome_partial_and_checks_link(cast, mcq, client):
    from reviews.workflow import ReviewInput, review_submit

    submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    review_submit(
        submission=submission,
        reviewer=cast.qa_lead,
        data=ReviewInput(decision="accept", comment="Clear and right"),
    )
    client.force_login(cast.trainer)
    html = client.get(f"/submissions/{submission.pk}/").content.decode()
    assert 'data-testid="review-outcome"' in html
    assert "Clear and right" in html
    assert "Quality checks" in _buttons(html)

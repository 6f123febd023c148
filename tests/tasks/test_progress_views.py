"""Progress figures on the dashboard, the project page and the workspace header."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tasks.services import task_lease
from tests.tasks.progress_fixtures import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    return build_world(cast)


def _card(html: str, project) -> str:
    """The dashboard's trainer figures for ``project``."""
    opening = f'<dl class="my-progress" data-testid="my-progress" data-project="{project.pk}">'
    match = re.search(re.escape(opening) + "(.*?)</dl>", html, re.S)
    assert match, f"no figures for project {project.pk}"
    return match.group(1)


def _figure(block: str, name: str) -> str:
    match = re.search(rf'data-testid="{name}">(.*?)</dd>', block, re.S)
    assert match, name
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_dashboard_shows_my_figures_per_project_in_few_queries(
    client, cast, world, django_assert_max_num_queries
):
    client.force_login(cast.trainer)
    client.cookies["tz"] = "Europe/Berlin"
    with django_assert_max_num_queries(8):
        html = client.get(reverse("dashboard")).content.decode()
    card = _card(html, world.project)
    assert _figure(card, "progress-of") == "3 of 4"
    assert _figure(card, "progress-today") == "3"
    assert _figure(card, "progress-returned").startswith("1")
    assert f"?project={world.project.pk}&amp;status=returned" in card
    assert _figure(_card(html, world.other), "progress-of") == "1 of 2"
    # across projects: today and what came back, linked to "my work"
    assert 'data-testid="day-today">4<' in html
    assert 'href="/me/work/?status=returned" data-testid="day-returned"' in html
    assert "Europe/Berlin time" in html


def test_dashboard_queries_do_not_grow_with_projects(
    client, cast, world, django_assert_max_num_queries
):
    from tests.factories import MembershipFactory

    for _ in range(5):
        MembershipFactory(user=cast.trainer)
    client.force_login(cast.trainer)
    with django_assert_max_num_queries(8):
        html = client.get(reverse("dashboard")).content.decode()
    assert html.count('data-testid="my-progress"') == 7


def test_dashboard_of_other_roles_has_no_trainer_figures(client, cast, world):
    for person in (cast.qa_lead, cast.setter, cast.admin, cast.staff):
        client.force_login(person)
        html = client.get(reverse("dashboard")).content.decode()
        assert 'data-testid="my-progress"' not in html
        assert 'data-testid="my-day"' not in html


def test_the_colleagues_dashboard_counts_only_their_work(client, cast, world):
    client.force_login(world.colleague)
    card = _card(client.get(reverse("dashboard")).content.decode(), world.project)
    assert _figure(card, "progress-of") == "2 of 3"
    assert _figure(card, "progress-returned").startswith("1")


def test_project_page_shows_my_progress_to_trainers_only(client, cast, world):
    url = reverse("project-detail", args=[world.project.pk])
    client.force_login(cast.trainer)
    card = _card(client.get(url).content.decode(), world.project)
    assert _figure(card, "progress-of") == "3 of 4"
    assert _figure(card, "progress-today") == "3"
    client.force_login(cast.qa_lead)
    assert 'data-testid="my-progress"' not in client.get(url).content.decode()


def test_project_page_names_the_daily_limit_and_its_utc_day(client, cast, world):
    world.project.max_submissions_per_day = 5
    world.project.save(update_fields=["max_submissions_per_day"])
    client.force_login(cast.trainer)
    html = client.get(reverse("project-detail", args=[world.project.pk])).content.decode()
    assert _figure(_card(html, world.project), "progress-today") == "3 (limit 3/5)"
    assert "counts from midnight UTC" in html


def test_workspace_header_shows_n_of_n_today_and_the_timer(client, cast, world):
    task_lease(task=world.tasks[5], trainer=cast.trainer)
    client.force_login(cast.trainer)
    html = client.get(reverse("task-work", args=[world.tasks[5].pk])).content.decode()
    header = re.search(r'<p class="ws-progress" data-testid="ws-progress">(.*?)</p>', html, re.S)
    assert header, "the workspace header has its progress line"
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", header.group(1)))
    assert "3 of 4 done in this project" in text
    assert "3 today" in text
    assert "1 returned to you" in text
    assert 'id="work-timer"' in header.group(1) and 'role="timer"' in header.group(1)
    assert "this one included" in header.group(1)  # the tooltip says what N counts
    assert "js/work_timer.js" in html


def test_workspace_for_revising_counts_the_submission_in_n(client, cast, world):
    client.force_login(cast.trainer)
    url = reverse("submission-revise", args=[world.mine["returned"].pk])
    html = client.get(url).content.decode()
    assert re.search(r'data-testid="progress-done">3<', html)

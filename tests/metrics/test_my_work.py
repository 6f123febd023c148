"""My work across every project a trainer works on: the page (/me/work/) and its API twin
(GET /api/v1/me/work/submissions/ without a project, with ?status=)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import submit
from tests.tasks.progress_fixtures import RETURN_REASON, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    return build_world(cast)


def _ids(rows) -> list[int]:
    return [row["id"] for row in rows]


# --- API ------------------------------------------------------------------------------------


def test_my_submissions_across_my_projects_newest_first(
    cast, world, client_as, django_assert_max_num_queries
):
    client = client_as(cast.trainer)
    with django_assert_max_num_queries(6):  # token, the page, its findings
        response = client.get(reverse("api-my-submissions"))
    assert response.status_code == 200
    rows = response.json()["results"]
    mine = world.mine
    assert _ids(rows) == [mine[s].pk for s in ("rejected", "submitted", "accepted", "returned")]
    assert {row["project"] for row in rows} == {world.project.pk, world.other.pk}
    text = response.content.decode()
    assert "The colleague's private reason." not in text
    assert "A reason from a project you left." not in text


def test_more_submissions_cost_no_more_queries(
    cast, world, client_as, django_assert_max_num_queries
):
    for task in world.tasks[5:] + world.other_tasks[1:]:
        submit(task=task, author=cast.trainer, answer={"answer": "A"})
    client = client_as(cast.trainer)
    with django_assert_max_num_queries(6):
        rows = client.get(reverse("api-my-submissions")).json()["results"]
    assert len(rows) == 6


def test_my_submissions_by_status(cast, world, client_as):
    client = client_as(cast.trainer)
    url = reverse("api-my-submissions")
    returned = client.get(url, {"status": "returned"}).json()["results"]
    assert _ids(returned) == [world.mine["returned"].pk]
    assert returned[0]["return_reasons"] == [RETURN_REASON]
    in_other = client.get(url, {"status": "rejected", "project": world.other.pk}).json()
    assert _ids(in_other["results"]) == [world.mine["rejected"].pk]
    assert (
        client.get(url, {"status": "accepted", "project": world.other.pk}).json()["results"] == []
    )


def test_an_unknown_status_is_a_400_naming_it(cast, world, client_as):
    response = client_as(cast.trainer).get(reverse("api-my-submissions"), {"status": "lost"})
    assert response.status_code == 400
    assert "status" in response.json()["fields"]


def test_other_users_work_never_appears(cast, world, client_as):
    url = reverse("api-my-submissions")
    theirs = client_as(world.colleague).get(url).json()["results"]
    assert _ids(theirs) == [s.pk for s in reversed(world.theirs)]
    # a QA lead trains nowhere: an empty list, not the project's submissions
    assert client_as(cast.qa_lead).get(url).json()["results"] == []
    # a project I left is not mine to list any more
    assert client_as(cast.trainer).get(url, {"project": world.left.pk}).status_code == 404


def test_anonymous_is_refused():
    for url in (reverse("api-my-submissions"), reverse("api-my-work")):
        assert APIClient().get(url).status_code in (401, 403)


# --- the page -------------------------------------------------------------------------------


def _submission_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-submission="(\d+)"', html)]


def test_the_page_lists_my_work_in_every_project_with_counts(
    client, cast, world, django_assert_max_num_queries
):
    client.force_login(cast.trainer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("my-work"))
    assert response.status_code == 200
    html = response.content.decode()
    mine = world.mine
    assert _submission_ids(html) == [
        mine[s].pk for s in ("rejected", "submitted", "accepted", "returned")
    ]
    assert 'data-testid="count-all">4<' in html
    assert 'data-testid="count-returned">1<' in html
    assert 'data-testid="count-rejected">1<' in html
    assert "Image captions" in html and world.project.name in html
    assert RETURN_REASON in html
    assert reverse("submission-revise", args=[mine["returned"].pk]) in html
    for hidden in ("The colleague's private reason.", "A reason from a project you left."):
        assert hidden not in html
    assert world.left.name not in html


def test_the_page_filters_by_status_and_project(client, cast, world):
    client.force_login(cast.trainer)
    returned = client.get(reverse("my-work"), {"status": "returned"}).content.decode()
    assert _submission_ids(returned) == [world.mine["returned"].pk]
    assert 'aria-current="page">Returned for rework' in returned
    in_other = client.get(
        reverse("my-work"), {"project": world.other.pk, "status": "rejected"}
    ).content.decode()
    assert _submission_ids(in_other) == [world.mine["rejected"].pk]
    assert 'data-testid="my-figures"' in in_other  # one project: its figures too


def test_the_page_says_which_status_is_unknown(client, cast, world):
    client.force_login(cast.trainer)
    response = client.get(reverse("my-work"), {"status": "lost"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="status-error"' in html and "returned, submitted" in html


def test_the_page_pages_keep_the_filter(client, cast, world):
    client.force_login(cast.trainer)
    html = client.get(reverse("my-work"), {"status": "returned"}).content.decode()
    assert "Page 1 of 1" in html
    assert 'href="?status=returned&amp;page=' not in html  # one page: no links


def test_the_page_shows_each_projects_progress(client, cast, world):
    client.force_login(cast.trainer)
    client.cookies["tz"] = "Asia/Tokyo"
    html = client.get(reverse("my-work")).content.decode()
    row = re.search(rf'<tr data-project="{world.project.pk}">(.*?)</tr>', html, re.S).group(1)
    assert ">3 of 4<" in row
    assert f'href="?project={world.project.pk}&amp;status=returned">1<' in row
    assert "Asia/Tokyo time" in html


def test_the_page_is_for_signed_in_users_only(client):
    response = client.get(reverse("my-work"))
    assert response.status_code == 302 and "/login/" in response["Location"]

"""GET /api/v1/me/progress/: a trainer's own figures, never anyone else's."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.tasks.progress_fixtures import build_world

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/progress/"


@pytest.fixture
def world(cast):
    return build_world(cast)


def test_the_url_is_named():
    assert reverse("api-my-progress") == URL


def test_my_progress_in_every_project_i_train_in(
    cast, world, client_as, django_assert_max_num_queries
):
    client = client_as(cast.trainer)
    with django_assert_max_num_queries(6):  # token, projects, figures, status counts
        response = client.get(URL, {"tz": "Asia/Tokyo"})
    assert response.status_code == 200
    body = response.json()
    assert body["time_zone"] == "Asia/Tokyo"
    assert body["statuses"] == {
        "returned": 1,
        "submitted": 1,
        "accepted": 1,
        "rejected": 1,
        "total": 4,
    }
    assert body["returned"] == 1
    by_project = {row["project"]: row for row in body["projects"]}
    assert set(by_project) == {world.project.pk, world.other.pk}  # never the project I left
    mine = by_project[world.project.pk]
    assert (mine["submitted"], mine["open_to_you"], mine["of"], mine["returned"]) == (3, 1, 4, 1)
    assert mine["today"] == 3 and mine["name"] == world.project.name
    assert mine["daily_cap"] is None


def test_one_project_at_a_time(cast, world, client_as):
    body = client_as(cast.trainer).get(URL, {"project": world.other.pk}).json()
    assert [row["project"] for row in body["projects"]] == [world.other.pk]
    assert body["statuses"]["total"] == 1 and body["statuses"]["rejected"] == 1


def test_the_colleague_sees_only_their_own(cast, world, client_as):
    body = client_as(world.colleague).get(URL).json()
    assert body["statuses"]["total"] == 2 and body["returned"] == 1
    (row,) = body["projects"]
    assert (row["submitted"], row["of"]) == (2, 3)


def test_bad_input_is_a_400_naming_the_parameter(cast, world, client_as):
    client = client_as(cast.trainer)
    for params, field in (({"tz": "Mars/Olympus"}, "tz"), ({"project": "x"}, "project")):
        response = client.get(URL, params)
        assert response.status_code == 400
        assert field in response.json()["fields"]


def test_only_a_trainers_own_projects(cast, world, client_as):
    # a project I left, a project I never joined: not found; a role that is not a trainer's
    assert client_as(cast.trainer).get(URL, {"project": world.left.pk}).status_code == 404
    outsiders = cast.outsider.memberships.get().project_id
    assert client_as(cast.trainer).get(URL, {"project": outsiders}).status_code == 404
    assert client_as(cast.qa_lead).get(URL, {"project": cast.project.pk}).status_code == 403
    # a QA lead trains nowhere: no projects, no counts
    body = client_as(cast.qa_lead).get(URL).json()
    assert body["projects"] == [] and body["statuses"]["total"] == 0


def test_anonymous_is_refused():
    response = APIClient().get(URL)
    assert response.status_code in (401, 403)
    assert "projects" not in response.json()


def test_the_browsers_zone_cookie_is_the_default(cast, world, client):
    client.force_login(cast.trainer)
    client.cookies["tz"] = "Pacific/Auckland"
    assert client.get(URL).json()["time_zone"] == "Pacific/Auckland"
    client.cookies["tz"] = "not a zone"
    assert client.get(URL).json()["time_zone"] == "UTC"

"""The projects and memberships API: who may do what, and what bad input does.

Each permission test is one parametrized function over everyone, so the allowed case and
its denials share setup: a denial cannot pass because the request itself was broken.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tasks.models import Membership, Project, ProjectStatus, Role
from tests.factories import MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

PEOPLE = ("trainer", "setter", "qa_lead", "admin", "outsider", "staff", "anonymous")
ERROR_KEYS = {"error", "detail", "fields"}


def matrix(**expected: int) -> list:
    assert set(expected) == set(PEOPLE), "a matrix names every person exactly once"
    return [pytest.param(person, expected[person], id=person) for person in PEOPLE]


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == ERROR_KEYS
    if code is not None:
        assert body["error"] == code
    return body


def assert_status(response, status: int) -> None:
    """A 2xx answer, or the error shape with the right extras for 401s."""
    if status < 300:
        assert response.status_code == status, response.content
        return
    assert_error(response, status)
    if status == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")


def snapshot() -> tuple[list, list]:
    """Every project and membership row, to prove a refused request wrote nothing."""
    return (
        list(Project.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
    )


@pytest.fixture
def as_person(cast, client_as, api_client):
    def make(person: str) -> APIClient:
        if person == "anonymous":
            return api_client
        return client_as(cast.by_role(person))

    return make


@pytest.fixture
def target(cast) -> Membership:
    """A trainer in the cast project who is none of the people making requests."""
    return MembershipFactory(
        project=cast.project, role=Role.TRAINER, user__username="target-trainer"
    )


def projects_url(pk=None) -> str:
    return "/api/v1/projects/" if pk is None else f"/api/v1/projects/{pk}/"


def members_url(project_pk, pk=None) -> str:
    base = f"/api/v1/projects/{project_pk}/memberships/"
    return base if pk is None else f"{base}{pk}/"


# --- projects: permission matrix --------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "status"),
    matrix(
        trainer=200,
        setter=200,
        qa_lead=200,
        admin=200,
        outsider=200,
        staff=200,
        anonymous=401,
    ),
)
def test_project_list_shows_the_projects_you_may_see(cast, as_person, person, status):
    response = as_person(person).get(projects_url())
    assert_status(response, status)
    if status != 200:
        return
    names = {project["name"] for project in response.json()["results"]}
    if person == "outsider":
        assert names == {"Someone else's project"}
    elif person == "staff":
        assert names == {cast.project.name, "Someone else's project"}
    else:
        assert names == {cast.project.name}


@pytest.mark.parametrize("person", ["trainer", "setter", "qa_lead", "admin"])
def test_project_list_tells_each_member_their_role(cast, as_person, person):
    response = as_person(person).get(projects_url())
    assert response.json()["results"][0]["my_role"] == person


def test_project_list_gives_staff_who_are_not_members_no_role(cast, as_person):
    response = as_person("staff").get(projects_url(), {"ordering": "name"})
    mine = [p for p in response.json()["results"] if p["id"] == cast.project.pk]
    assert mine[0]["my_role"] is None


@pytest.mark.parametrize(
    ("person", "status"),
    matrix(
        trainer=403,
        setter=403,
        qa_lead=403,
        admin=403,
        outsider=403,
        staff=201,
        anonymous=401,
    ),
)
def test_project_create_is_for_staff_and_project_creators(as_person, person, status):
    # given
    before = Project.objects.count()
    # when
    response = as_person(person).post(
        projects_url(), {"name": "New corpus", "status": "active"}, format="json"
    )
    # then
    assert_status(response, status)
    assert Project.objects.count() == before + (1 if status == 201 else 0)


def test_user_allowed_to_create_projects_becomes_admin_of_the_new_one(client_as):
    # given
    creator = UserFactory(can_create_projects=True)
    # when
    response = client_as(creator).post(
        projects_url(), {"name": "  Reward model pairs  ", "description": "d"}, format="json"
    )
    # then
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Reward model pairs"
    assert body["status"] == ProjectStatus.DRAFT
    assert body["created_by"] == creator.username
    assert body["my_role"] == Role.ADMIN
    membership = Membership.objects.get(project_id=body["id"])
    assert (membership.user, membership.role) == (creator, Role.ADMIN)


@pytest.mark.parametrize(
    ("person", "status"),
    matrix(
        trainer=200,
        setter=200,
        qa_lead=200,
        admin=200,
        outsider=404,
        staff=200,
        anonymous=401,
    ),
)
def test_project_retrieve_is_for_members_and_staff(cast, as_person, person, status):
    response = as_person(person).get(projects_url(cast.project.pk))
    assert_status(response, status)
    if status == 200:
        assert response.json()["id"] == cast.project.pk


@pytest.mark.parametrize(
    ("person", "status"),
    matrix(
        trainer=403,
        setter=403,
        qa_lead=403,
        admin=200,
        outsider=404,
        staff=200,
        anonymous=401,
    ),
)
def test_project_partial_update_is_for_admins_and_staff(cast, as_person, person, status):
    # when
    response = as_person(person).patch(
        projects_url(cast.project.pk), {"name": "Renamed", "status": "paused"}, format="json"
    )
    # then
    assert_status(response, status)
    cast.project.refresh_from_db()
    if status == 200:
        assert (cast.project.name, cast.project.status) == ("Renamed", ProjectStatus.PAUSED)
        assert response.json()["name"] == "Renamed"
    else:
        assert cast.project.name == "Cantonese TTS listening test"
        assert cast.project.status == ProjectStatus.ACTIVE


@pytest.mark.parametrize(
    ("person", "status"),
    matrix(
        trainer=403,
        setter=403,
        qa_lead=403,
        admin=204,
        outsider=404,
        staff=204,
        anonymous=401,
    ),
)
def test_project_destroy_is_for_admins_and_staff(cast, as_person, person, status):
    response = as_person(person).delete(projects_url(cast.project.pk))
    assert_status(response, status)
    assert Project.objects.filter(pk=cast.project.pk).exists() is (status != 204)


def test_missing_project_and_someone_elses_project_answer_the_same(cast, as_person):
    # given a project the outsider is not in, and an id that does not exist
    client = as_person("outsider")
    missing = Project.objects.order_by("-pk").first().pk + 100
    # when
    hidden = client.get(projects_url(cast.project.pk))
    absent = client.get(projects_url(missing))
    # then nothing tells the two apart
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json() == absent.json()


def test_put_is_not_offered_on_projects(cast, as_person):
    response = as_person("admin").put(projects_url(cast.project.pk), {"name": "x"}, format="json")
    assert_error(response, 405, "method_not_allowed")


# --- memberships: permission matrix -----------------------------------------------------


@pytest.mark.parametrize(
    ("person", "status"),
    matrix(
        trainer=200,
        setter=200,
        qa_lead=200,
        admin=200,
        outsider=404,
        staff=200,
        anonymous=401,
    ),
)
def test_membership_list_is_for_members_and_staff(cast, target, as_person, person, status):
    response = as_person(person).get(members_url(cast.project.pk))
    assert_status(response, status)
    if status != 200:
        return
    usernames = {m["username"] for m in response.json()["results"]}
    if person == "trainer":
        assert usernames == {cast.trainer.username}
    else:
        assert usernames == {
            "trainer-user",
            "setter-user",
            "qa_lead-user",
            "admin-user",
            "target-trainer",
        }


def test_trainer_sees_only_their_own_membership(cast, target, as_person):
    response = as_person("trainer").get(members_url(cast.project.pk))
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["user"] == cast.trainer.pk
    assert body["results"][0]["role"] == Role.TRAINER


@pytest.mark.parametrize(
    ("person", "status"),
    matrix(
        trainer=403,
        setter=403,
        qa_lead=403,
        admin=201,
        outsider=404,
        staff=201,
        anonymous=401,
    ),
)
def test_membership_create_is_for_admins_and_staff(cast, as_person, person, status):
    # given
    newcomer = UserFactory(username="newcomer")
    before = snapshot()
    # when
    response = as_person(person).post(
        members_url(cast.project.pk), {"user": "newcomer", "role": "setter"}, format="json"
    )
    # then
    assert_status(response, status)
    added = Membership.objects.filter(project=cast.project, user=newcomer)
    if status == 201:
        assert added.get().role == Role.SETTER
        assert response.json()["username"] == "newcomer"
    else:
        assert snapshot() == before


@pytest.mark.parametrize(
    ("person", "status"),
    matrix(
        # trainers do not learn who else works on a project: another member is a 404
        trainer=404,
        setter=200,
        qa_lead=200,
        admin=200,
        outsider=404,
        staff=200,
        anonymous=401,
    ),
)
def test_membership_retrieve_of_another_member(cast, target, as_person, person, status):
    response = as_person(person).get(members_url(cast.project.pk, target.pk))
    assert_status(response, status)
    if status == 200:
        assert response.json()["username"] == "target-trainer"


@pytest.mark.parametrize(
    ("person", "status"),
    matrix(
        trainer=404,
        setter=403,
        qa_lead=403,
        admin=200,
        outsider=404,
        staff=200,
        anonymous=401,
    ),
)
def test_membership_partial_update_is_for_admins_and_staff(cast, target, as_person, person, status):
    response = as_person(person).patch(
        members_url(cast.project.pk, target.pk), {"role": "qa_lead"}, format="json"
    )
    assert_status(response, status)
    target.refresh_from_db()
    assert target.role == (Role.QA_LEAD if status == 200 else Role.TRAINER)


@pytest.mark.parametrize(
    ("person", "status"),
    matrix(
        trainer=404,
        setter=403,
        qa_lead=403,
        admin=204,
        outsider=404,
        staff=204,
        anonymous=401,
    ),
)
def test_membership_destroy_of_another_member_is_for_admins_and_staff(
    cast, target, as_person, person, status
):
    response = as_person(person).delete(members_url(cast.project.pk, target.pk))
    assert_status(response, status)
    assert Membership.objects.filter(pk=target.pk).exists() is (status != 204)


@pytest.mark.parametrize("person", ["trainer", "setter", "qa_lead", "admin"])
def test_member_can_retrieve_own_membership(cast, as_person, person):
    own = Membership.objects.get(project=cast.project, user=cast.by_role(person))
    response = as_person(person).get(members_url(cast.project.pk, own.pk))
    assert response.status_code == 200
    assert response.json()["role"] == person


@pytest.mark.parametrize("person", ["trainer", "setter", "qa_lead"])
def test_member_cannot_promote_themselves_to_admin(cast, as_person, person):
    own = Membership.objects.get(project=cast.project, user=cast.by_role(person))
    response = as_person(person).patch(
        members_url(cast.project.pk, own.pk), {"role": "admin"}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    own.refresh_from_db()
    assert own.role == person


@pytest.mark.parametrize("person", ["trainer", "setter", "qa_lead"])
def test_member_can_remove_themselves_and_then_loses_access(cast, as_person, person):
    # given
    client = as_person(person)
    own = Membership.objects.get(project=cast.project, user=cast.by_role(person))
    # when
    response = client.delete(members_url(cast.project.pk, own.pk))
    # then
    assert response.status_code == 204
    assert not Membership.objects.filter(pk=own.pk).exists()
    assert client.get(projects_url(cast.project.pk)).status_code == 404


def test_membership_of_another_project_is_404_under_this_project(cast, as_person):
    # given the outsider's membership lives in another project
    elsewhere = Membership.objects.get(user=cast.outsider)
    before = snapshot()
    client = as_person("admin")
    url = members_url(cast.project.pk, elsewhere.pk)
    # when / then: the cast admin cannot reach it through their own project
    assert_error(client.get(url), 404, "not_found")
    assert_error(client.patch(url, {"role": "trainer"}, format="json"), 404)
    assert_error(client.delete(url), 404)
    assert snapshot() == before


def test_adding_an_existing_member_is_a_conflict(cast, as_person):
    before = snapshot()
    response = as_person("admin").post(
        members_url(cast.project.pk), {"user": "setter-user", "role": "admin"}, format="json"
    )
    body = assert_error(response, 409, "conflict")
    assert "user" in body["fields"]
    assert snapshot() == before


def test_member_can_be_added_by_email(cast, as_person):
    UserFactory(username="by-mail", email="By.Mail@example.test")
    response = as_person("admin").post(
        members_url(cast.project.pk),
        {"user": "by.mail@example.test", "role": "trainer"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["username"] == "by-mail"


# --- the last project admin -------------------------------------------------------------


@pytest.mark.parametrize("person", ["admin", "staff"])
def test_last_admin_cannot_be_demoted(cast, as_person, person):
    # given the cast admin is the project's only admin
    own = Membership.objects.get(project=cast.project, user=cast.admin)
    before = snapshot()
    # when
    response = as_person(person).patch(
        members_url(cast.project.pk, own.pk), {"role": "trainer"}, format="json"
    )
    # then
    body = assert_error(response, 409, "conflict")
    assert "role" in body["fields"]
    assert snapshot() == before


@pytest.mark.parametrize("person", ["admin", "staff"])
def test_last_admin_cannot_be_removed(cast, as_person, person):
    own = Membership.objects.get(project=cast.project, user=cast.admin)
    before = snapshot()
    response = as_person(person).delete(members_url(cast.project.pk, own.pk))
    assert_error(response, 409, "conflict")
    assert snapshot() == before


def test_admin_can_step_down_once_there_is_another_admin(cast, as_person):
    # given a second admin
    MembershipFactory(project=cast.project, role=Role.ADMIN)
    own = Membership.objects.get(project=cast.project, user=cast.admin)
    # when
    response = as_person("admin").patch(
        members_url(cast.project.pk, own.pk), {"role": "setter"}, format="json"
    )
    # then
    assert response.status_code == 200
    own.refresh_from_db()
    assert own.role == Role.SETTER


def test_admin_can_leave_once_there_is_another_admin(cast, as_person):
    MembershipFactory(project=cast.project, role=Role.ADMIN)
    own = Membership.objects.get(project=cast.project, user=cast.admin)
    response = as_person("admin").delete(members_url(cast.project.pk, own.pk))
    assert response.status_code == 204
    assert not Membership.objects.filter(pk=own.pk).exists()


# --- query counts -----------------------------------------------------------------------


def test_project_list_query_count_does_not_grow_with_projects(
    client_as, django_assert_max_num_queries
):
    # given a member of 20 projects, each created by someone different
    user = UserFactory()
    for _ in range(20):
        project = ProjectFactory(created_by=UserFactory())
        MembershipFactory(project=project, user=user, role=Role.SETTER)
    client = client_as(user)
    client.get(projects_url())  # first use stamps the token's last_used_at
    # when / then
    with django_assert_max_num_queries(5):
        response = client.get(projects_url())
    assert response.json()["count"] == 20
    assert all(p["created_by"] and p["my_role"] == Role.SETTER for p in response.json()["results"])


def test_project_list_for_staff_query_count_does_not_grow_with_projects(
    cast, client_as, django_assert_max_num_queries
):
    for _ in range(20):
        ProjectFactory(created_by=UserFactory())
    client = client_as(cast.staff)
    client.get(projects_url())
    with django_assert_max_num_queries(5):
        response = client.get(projects_url())
    assert response.json()["count"] == 22


def test_membership_list_query_count_does_not_grow_with_members(
    cast, as_person, django_assert_max_num_queries
):
    for _ in range(20):
        MembershipFactory(project=cast.project, role=Role.TRAINER)
    client = as_person("admin")
    client.get(members_url(cast.project.pk))
    with django_assert_max_num_queries(6):
        response = client.get(members_url(cast.project.pk))
    assert response.json()["count"] == 24
    assert all(m["username"] for m in response.json()["results"])


# --- filtering and ordering -------------------------------------------------------------


@pytest.fixture
def staff_projects(cast):
    """Projects of every status beside the cast's two (both active)."""
    ProjectFactory(name="Alpha draft", status=ProjectStatus.DRAFT)
    ProjectFactory(name="Beta paused", status=ProjectStatus.PAUSED)
    ProjectFactory(name="Gamma archived", status=ProjectStatus.ARCHIVED)
    return cast


@pytest.mark.parametrize(
    ("status", "names"),
    [
        ("draft", ["Alpha draft"]),
        ("paused", ["Beta paused"]),
        ("archived", ["Gamma archived"]),
        ("active", ["Cantonese TTS listening test", "Someone else's project"]),
    ],
)
def test_project_list_filters_by_status(staff_projects, as_person, status, names):
    response = as_person("staff").get(projects_url(), {"status": status})
    assert response.status_code == 200
    assert [p["name"] for p in response.json()["results"]] == names


def test_project_list_status_filter_keeps_visibility(staff_projects, as_person):
    response = as_person("trainer").get(projects_url(), {"status": "draft"})
    assert response.json()["results"] == []


def test_project_list_refuses_an_unknown_status(staff_projects, as_person):
    response = as_person("staff").get(projects_url(), {"status": "deleted"})
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["status"]


@pytest.mark.parametrize(
    ("ordering", "names"),
    [
        (
            "name",
            [
                "Alpha draft",
                "Beta paused",
                "Cantonese TTS listening test",
                "Gamma archived",
                "Someone else's project",
            ],
        ),
        (
            "-name",
            [
                "Someone else's project",
                "Gamma archived",
                "Cantonese TTS listening test",
                "Beta paused",
                "Alpha draft",
            ],
        ),
    ],
)
def test_project_list_orders_by_name(staff_projects, as_person, ordering, names):
    response = as_person("staff").get(projects_url(), {"ordering": ordering})
    assert [p["name"] for p in response.json()["results"]] == names


def test_project_list_orders_by_status(staff_projects, as_person):
    response = as_person("staff").get(projects_url(), {"ordering": "-status"})
    statuses = [p["status"] for p in response.json()["results"]]
    assert statuses == ["paused", "draft", "archived", "active", "active"]


def test_project_list_searches_by_name(staff_projects, as_person):
    response = as_person("staff").get(projects_url(), {"search": "beta"})
    assert [p["name"] for p in response.json()["results"]] == ["Beta paused"]


def test_membership_list_is_ordered_by_role_then_username(cast, target, as_person):
    response = as_person("admin").get(members_url(cast.project.pk))
    rows = [(m["role"], m["username"]) for m in response.json()["results"]]
    assert rows == [
        ("admin", "admin-user"),
        ("qa_lead", "qa_lead-user"),
        ("setter", "setter-user"),
        ("trainer", "target-trainer"),
        ("trainer", "trainer-user"),
    ]


def test_membership_list_orders_by_role_descending(cast, as_person):
    response = as_person("admin").get(members_url(cast.project.pk), {"ordering": "-role"})
    roles = [m["role"] for m in response.json()["results"]]
    assert roles == ["trainer", "setter", "qa_lead", "admin"]


# --- ids that are not ids ---------------------------------------------------------------


DETAIL_PATHS = [
    "/api/v1/projects/abc/",
    "/api/v1/projects/1.5/",
    "/api/v1/projects/-1/",
    "/api/v1/projects/99999999999999999999999/",
    "/api/v1/projects/{project}/memberships/abc/",
    "/api/v1/projects/{project}/memberships/99999999999999999999999/",
]
LIST_PATHS = [
    "/api/v1/projects/abc/memberships/",
    "/api/v1/projects/99999999999999999999999/memberships/",
]


@pytest.mark.parametrize(
    ("method", "path"),
    [(method, path) for path in DETAIL_PATHS for method in ("get", "patch", "delete")]
    + [(method, path) for path in LIST_PATHS for method in ("get", "post")],
)
def test_ids_that_are_not_valid_integers_are_404_not_500(cast, as_person, method, path):
    before = snapshot()
    client = as_person("staff")
    response = getattr(client, method)(
        path.format(project=cast.project.pk), {"role": "admin"}, format="json"
    )
    assert response.status_code == 404
    assert snapshot() == before


# --- bad input --------------------------------------------------------------------------


@pytest.fixture
def write_requests(cast, target):
    """(client person, method, url, a valid body) for every endpoint that takes a body."""
    UserFactory(username="newcomer")
    return {
        "project-create": ("staff", "post", projects_url(), {"name": "Fresh"}),
        "project-update": ("admin", "patch", projects_url(cast.project.pk), {"name": "Fresh"}),
        "membership-create": (
            "admin",
            "post",
            members_url(cast.project.pk),
            {"user": "newcomer", "role": "trainer"},
        ),
        "membership-update": (
            "admin",
            "patch",
            members_url(cast.project.pk, target.pk),
            {"role": "setter"},
        ),
    }


ENDPOINTS = ["project-create", "project-update", "membership-create", "membership-update"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_valid_body_is_accepted(write_requests, as_person, endpoint):
    # The control for the bad-input tests below, which reuse these same requests.
    person, method, url, body = write_requests[endpoint]
    before = snapshot()
    response = getattr(as_person(person), method)(url, body, format="json")
    assert response.status_code in (200, 201)
    assert snapshot() != before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_malformed_json_is_a_parse_error(write_requests, as_person, endpoint):
    person, method, url, _ = write_requests[endpoint]
    before = snapshot()
    response = getattr(as_person(person), method)(
        url, data='{"name": "Fresh",', content_type="application/json"
    )
    assert_error(response, 400, "parse_error")
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_json_array_instead_of_object_is_refused(write_requests, as_person, endpoint):
    person, method, url, body = write_requests[endpoint]
    before = snapshot()
    response = getattr(as_person(person), method)(url, [body], format="json")
    assert_error(response, 400, "invalid")
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("extra", ["colour", "stauts", "project_id"])
def test_unknown_field_is_refused_and_named(write_requests, as_person, endpoint, extra):
    person, method, url, body = write_requests[endpoint]
    before = snapshot()
    response = getattr(as_person(person), method)(url, {**body, extra: "x"}, format="json")
    fields = assert_error(response, 400, "invalid")["fields"]
    assert fields == {extra: ["Unknown field."]}
    assert snapshot() == before


@pytest.mark.parametrize(
    ("endpoint", "field"),
    [
        ("project-create", "id"),
        ("project-create", "created_by"),
        ("project-create", "my_role"),
        ("project-update", "id"),
        ("project-update", "created_at"),
        ("membership-create", "id"),
        ("membership-create", "project"),
        ("membership-update", "id"),
        ("membership-update", "user"),
        ("membership-update", "project"),
    ],
)
def test_read_only_field_is_refused_and_named(write_requests, as_person, endpoint, field):
    person, method, url, body = write_requests[endpoint]
    before = snapshot()
    response = getattr(as_person(person), method)(url, {**body, field: 1}, format="json")
    fields = assert_error(response, 400, "invalid")["fields"]
    assert list(fields) == [field]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("endpoint", "change"),
    [
        ("project-create", {"name": ["Fresh"]}),
        ("project-create", {"name": 123}),
        ("project-create", {"name": True}),
        ("project-create", {"name": None}),
        ("project-create", {"name": ""}),
        ("project-create", {"name": "   "}),
        ("project-create", {"name": "x" * 201}),
        ("project-create", {"name": {"text": "Fresh"}}),
        ("project-create", {"description": 5}),
        ("project-create", {"status": "deleted"}),
        ("project-create", {"status": 1}),
        ("project-update", {"name": ["Fresh"]}),
        ("project-update", {"name": 123}),
        ("project-update", {"name": None}),
        ("project-update", {"name": ""}),
        ("project-update", {"status": "deleted"}),
        ("project-update", {"status": ["active"]}),
        ("project-update", {"description": None}),
        ("membership-create", {"user": ["newcomer"]}),
        ("membership-create", {"user": 5}),
        ("membership-create", {"user": ""}),
        ("membership-create", {"user": "nobody-by-this-name"}),
        ("membership-create", {"role": "overlord"}),
        ("membership-create", {"role": "Trainer"}),
        ("membership-create", {"role": None}),
        ("membership-update", {"role": "overlord"}),
        ("membership-update", {"role": 1}),
        ("membership-update", {"role": ["admin"]}),
        ("membership-update", {"role": ""}),
    ],
)
def test_wrong_value_is_refused_and_the_field_named(write_requests, as_person, endpoint, change):
    person, method, url, body = write_requests[endpoint]
    before = snapshot()
    response = getattr(as_person(person), method)(url, {**body, **change}, format="json")
    fields = assert_error(response, 400, "invalid")["fields"]
    assert list(fields) == list(change)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("endpoint", "missing"),
    [
        ("project-create", "name"),
        ("membership-create", "user"),
        ("membership-create", "role"),
        ("membership-update", "role"),
    ],
)
def test_missing_required_field_is_refused_and_named(write_requests, as_person, endpoint, missing):
    person, method, url, body = write_requests[endpoint]
    before = snapshot()
    partial = {key: value for key, value in body.items() if key != missing}
    response = getattr(as_person(person), method)(url, partial, format="json")
    fields = assert_error(response, 400, "invalid")["fields"]
    assert missing in fields
    assert snapshot() == before


def test_denied_request_with_a_bad_body_is_still_a_403(cast, as_person):
    # Permission is decided before the body is read: a setter learns nothing about
    # validation rules of an action they may not take.
    before = snapshot()
    response = as_person("setter").patch(
        projects_url(cast.project.pk), {"stauts": "x"}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    assert snapshot() == before


@pytest.mark.parametrize("url", ["/api/v1/projects/abc/", "/api/v1/nothing-here/"])
def test_unmatched_api_urls_answer_404_in_the_error_shape(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "Not found.", "fields": {}}


def test_unmatched_page_urls_answer_the_html_404(client):
    response = client.get("/projects/abc/")
    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]


def test_project_destroy_with_submitted_work_answers_409_not_500(cast, mcq, as_person):
    from tests.factories import submit

    submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    response = as_person("admin").delete(projects_url(cast.project.pk))
    body = assert_error(response, 409, "protected")
    assert "Archive" in body["detail"]
    assert Project.objects.filter(pk=cast.project.pk).exists()
